"""Odoo's side of the books comparison, read with a few grouped SQL queries (memory does not grow with
the number of journal items).

Every posted journal entry of the company dated up to the comparison date gets a *status*, the answer to
"is it in QuickBooks, and if not, why":

* ``sent``: the entry is bound to a QuickBooks object (the invoice, bill, credit note, refund, the payment
  or bank statement line recorded as a Payment or BillPayment, a journal entry), or an import from
  QuickBooks made it (an open document, an opening balance: QuickBooks has its original), or it is the exchange
  difference Odoo posted when it reconciled two entries that are both sent (QuickBooks books that
  difference with the payment);
* ``pending``: a document the connector sends whose sync record has no QuickBooks object yet (waiting,
  failed, in conflict), or no sync record at all yet; the same for a payment or statement line that
  settles customers' or vendors' documents, and for a journal entry of a journal set to send them;
* ``skipped``: marked "Skip QuickBooks";
* ``revaluation``: an entry of the company's exchange difference journal that is no reconciliation's
  exchange difference (a currency revaluation);
* ``not_sent``: every other entry, of a kind the connector does not send (a journal entry of a journal not
  set to send them, a bank statement line that settles nothing, vendor bills when bills are not
  synchronised...).

The statuses are computed once per run into a temporary table, then journal items are summed per account
and status (trial balance), per account, month and status (profit and loss) and per customer or vendor and
status (aging), and the largest entries of each status are named.
"""

from datetime import date

from odoo.tools import SQL

#: Odoo account types of the income statement (what QuickBooks closes at each fiscal year end).
INCOME_STATEMENT_TYPES = (
    "income",
    "income_other",
    "expense",
    "expense_depreciation",
    "expense_direct_cost",
    "expense_other",
)
PARTNER_TYPES = ("asset_receivable", "liability_payable")
STATUS_TABLE = "quickbooks_books_status"


def build_statuses(env, backend, day: date) -> None:
    """The temporary table of every posted entry of ``backend``'s company dated up to ``day``: its status
    and the sync record that says so (dropped at the end of the transaction)."""
    company = backend.company_id
    env.flush_all()
    cr = env.cr
    cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(STATUS_TABLE)))
    cr.execute(
        SQL(
            """
        CREATE TEMPORARY TABLE %(table)s ON COMMIT DROP AS
        WITH moves AS (
            SELECT m.id,
                   CASE
                     WHEN m.quickbooks_skip THEN 'skipped'
                     -- imported from QuickBooks (an open document, an opening balance): QuickBooks has it
                     WHEN m.quickbooks_import_id IS NOT NULL THEN 'sent'
                     -- dated before the history sent to QuickBooks: in its opening balances
                     WHEN m.date < %(history_from)s THEN 'sent'
                     WHEN doc.qbo_id IS NOT NULL OR pay.qbo_id IS NOT NULL OR stl.qbo_id IS NOT NULL THEN 'sent'
                     -- a statement line matched with invoices that payments without journal entry received:
                     -- QuickBooks has their Payments (and the line's fee entry, if any)
                     WHEN m.statement_line_id IS NOT NULL AND EXISTS (
                              SELECT 1 FROM account_move_line sl
                                JOIN account_partial_reconcile p ON sl.id IN (p.debit_move_id, p.credit_move_id)
                                JOIN account_move_line il
                                  ON il.id = p.debit_move_id + p.credit_move_id - sl.id
                                JOIN account_move__account_payment ap ON ap.invoice_id = il.move_id
                                JOIN account_payment py ON py.id = ap.payment_id
                               WHERE sl.move_id = m.id AND py.move_id IS NULL
                                 AND py.state IN ('in_process', 'paid')
                          ) THEN 'sent'
                     WHEN ex.move_id IS NOT NULL THEN 'exchange'
                     WHEN doc.id IS NOT NULL OR pay.id IS NOT NULL OR stl.id IS NOT NULL THEN 'pending'
                     WHEN m.move_type IN ('out_invoice', 'out_refund') THEN 'pending'
                     WHEN m.move_type IN ('in_invoice', 'in_refund') THEN
                          CASE WHEN %(bills)s THEN 'pending' ELSE 'not_sent' END
                     WHEN (m.origin_payment_id IS NOT NULL OR m.statement_line_id IS NOT NULL) AND %(payments)s
                          AND EXISTS (
                              SELECT 1 FROM account_move_line pl JOIN account_account pa ON pa.id = pl.account_id
                               WHERE pl.move_id = m.id
                                 AND (pa.account_type = 'asset_receivable'
                                      OR (pa.account_type = 'liability_payable' AND %(bills)s))
                          ) THEN 'pending'
                     WHEN m.journal_id = %(exchange_journal)s THEN 'revaluation'
                     -- a journal entry of a journal set to send them (account.move._quickbooks_is_journal_entry)
                     WHEN m.move_type = 'entry' AND j.quickbooks_send_entries AND m.origin_payment_id IS NULL
                          AND m.statement_line_id IS NULL AND m.tax_cash_basis_rec_id IS NULL
                          AND m.tax_cash_basis_origin_move_id IS NULL AND m.journal_id <> %(caba_journal)s
                          THEN 'pending'
                     -- a bank line of such a journal matched with no customer or vendor item
                     -- (account.move._quickbooks_is_bank_entry)
                     WHEN m.move_type = 'entry' AND m.statement_line_id IS NOT NULL AND j.quickbooks_send_entries
                          AND NOT EXISTS (
                              SELECT 1 FROM account_move_line bl JOIN account_account ba ON ba.id = bl.account_id
                               WHERE bl.move_id = m.id
                                 AND (ba.account_type IN ('asset_receivable', 'liability_payable')
                                      OR bl.account_id = j.suspense_account_id)
                          ) THEN 'pending'
                     ELSE 'not_sent'
                   END AS status,
                   COALESCE(doc.id, pay.id, stl.id) AS sync_id
              FROM account_move m
              JOIN account_journal j ON j.id = m.journal_id
         LEFT JOIN quickbooks_sync_state doc
                ON doc.backend_id = %(backend)s AND doc.res_model = 'account.move' AND doc.res_id = m.id
               AND doc.binding_key = ''
         LEFT JOIN quickbooks_sync_state pay
                ON pay.backend_id = %(backend)s AND pay.res_model = 'account.payment'
               AND pay.res_id = m.origin_payment_id AND pay.binding_key = ''
         LEFT JOIN quickbooks_sync_state stl
                ON stl.backend_id = %(backend)s AND stl.res_model = 'account.bank.statement.line'
               AND stl.res_id = m.statement_line_id AND stl.binding_key = ''
         LEFT JOIN (SELECT DISTINCT exchange_move_id AS move_id FROM account_partial_reconcile
                     WHERE exchange_move_id IS NOT NULL) ex ON ex.move_id = m.id
             WHERE m.company_id = %(company)s AND m.state = 'posted' AND m.date <= %(day)s
        ),
        exchanges AS (
            -- An exchange difference is in QuickBooks when both reconciled entries are (with the payment).
            SELECT p.exchange_move_id AS move_id,
                   CASE WHEN bool_or(COALESCE(dm.status, 'sent') = 'pending'
                                     OR COALESCE(cm.status, 'sent') = 'pending') THEN 'pending'
                        WHEN bool_and(COALESCE(dm.status, 'sent') IN ('sent', 'exchange')
                                      AND COALESCE(cm.status, 'sent') IN ('sent', 'exchange')) THEN 'sent'
                        ELSE 'not_sent' END AS status
              FROM account_partial_reconcile p
              JOIN account_move_line dl ON dl.id = p.debit_move_id
              JOIN account_move_line cl ON cl.id = p.credit_move_id
         LEFT JOIN moves dm ON dm.id = dl.move_id
         LEFT JOIN moves cm ON cm.id = cl.move_id
             WHERE p.exchange_move_id IN (SELECT id FROM moves WHERE status = 'exchange')
          GROUP BY p.exchange_move_id
        )
        SELECT m.id, CASE WHEN m.status = 'exchange' THEN COALESCE(x.status, 'sent') ELSE m.status END AS status,
               m.sync_id
          FROM moves m LEFT JOIN exchanges x ON x.move_id = m.id
            """,
            table=SQL.identifier(STATUS_TABLE),
            company=company.id,
            backend=backend.id,
            day=day,
            history_from=backend._history_sent_from(),
            bills=bool(backend.sync_bills),
            payments=bool(backend.sync_payments_to_qbo),
            exchange_journal=company.currency_exchange_journal_id.id or 0,
            caba_journal=company.tax_cash_basis_journal_id.id or 0,
        )
    )
    cr.execute(SQL("CREATE INDEX ON %s (id)", SQL.identifier(STATUS_TABLE)))
    cr.execute(SQL("ANALYZE %s", SQL.identifier(STATUS_TABLE)))


def _lines(extra: SQL) -> SQL:
    return SQL(
        """FROM account_move_line l JOIN %(table)s s ON s.id = l.move_id
           WHERE l.account_id IS NOT NULL %(extra)s""",
        table=SQL.identifier(STATUS_TABLE),
        extra=extra,
    )


def account_balances(env, fiscal_start: date) -> list[tuple[int, bool, str, float, int]]:
    """``(account, dated before fiscal_start, status, balance, entries)`` of every journal item."""
    return env.execute_query(
        SQL(
            """SELECT l.account_id, l.date < %(start)s, s.status, SUM(l.balance), COUNT(DISTINCT l.move_id)
               %(lines)s GROUP BY 1, 2, 3""",
            start=fiscal_start,
            lines=_lines(SQL("")),
        )
    )


def monthly_balances(env, start: date) -> list[tuple[int, date, str, float, int]]:
    """``(account, first day of the month, status, balance, entries)`` of the journal items dated from
    ``start`` on accounts of the income statement."""
    return env.execute_query(
        SQL(
            """SELECT l.account_id, date_trunc('month', l.date)::date, s.status, SUM(l.balance),
                      COUNT(DISTINCT l.move_id)
               %(lines)s GROUP BY 1, 2, 3""",
            lines=_lines(
                SQL(
                    "AND l.date >= %s AND l.account_id IN (SELECT id FROM account_account WHERE account_type IN %s)",
                    start,
                    INCOME_STATEMENT_TYPES,
                )
            ),
        )
    )


def partner_balances(env) -> list[tuple[str, int | None, str, str, float, int]]:
    """``(account type, commercial partner, currency code, status, balance, entries)`` of the journal items
    on customers' receivable and vendors' payable accounts (trade accounts)."""
    return env.execute_query(
        SQL(
            """SELECT a.account_type, p.commercial_partner_id, c.name, s.status, SUM(l.balance),
                      COUNT(DISTINCT l.move_id)
                 FROM account_move_line l
                 JOIN %(table)s s ON s.id = l.move_id
                 JOIN account_account a ON a.id = l.account_id
                 JOIN res_currency c ON c.id = l.currency_id
            LEFT JOIN res_partner p ON p.id = l.partner_id
                WHERE a.account_type IN %(types)s AND a.non_trade IS NOT TRUE
             GROUP BY 1, 2, 3, 4""",
            table=SQL.identifier(STATUS_TABLE),
            types=PARTNER_TYPES,
        )
    )


def unapplied_credits(env) -> list[tuple[str, float]]:
    """``(status, open credit)`` of customers' payments and statement lines not applied to a document:
    the open (unreconciled) credit of their receivable lines, credit negative.  A journal entry's open
    credit is not a payment's: QuickBooks keeps it on the entry, not in a payment's ``UnappliedAmt``."""
    return env.execute_query(
        SQL(
            """SELECT s.status, SUM(l.amount_residual)
                 FROM account_move_line l
                 JOIN %(table)s s ON s.id = l.move_id
                 JOIN account_account a ON a.id = l.account_id
                 JOIN account_move m ON m.id = l.move_id
                WHERE a.account_type = 'asset_receivable' AND l.reconciled IS NOT TRUE
                  AND l.balance < 0 AND m.move_type = 'entry'
                  AND (m.origin_payment_id IS NOT NULL OR m.statement_line_id IS NOT NULL)
             GROUP BY 1""",
            table=SQL.identifier(STATUS_TABLE),
        )
    )


def top_entries(env, partition: SQL, extra: SQL, limit: int) -> list[tuple]:
    """The ``limit`` largest entries not sent of each ``partition`` (an SQL expression list over the
    journal item ``l``, its account ``a``, partner ``p``, currency ``c`` and status ``s``): ``(*partition
    values, status, move id, move name, amount, sync record id, rank)``."""
    return env.execute_query(
        SQL(
            """SELECT * FROM (
                   SELECT %(partition)s, s.status, l.move_id, m.name, SUM(l.balance) AS amount, s.sync_id,
                          ROW_NUMBER() OVER (PARTITION BY %(partition)s, s.status
                                             ORDER BY abs(SUM(l.balance)) DESC, l.move_id) AS position
                     FROM account_move_line l
                     JOIN %(table)s s ON s.id = l.move_id
                     JOIN account_move m ON m.id = l.move_id
                     JOIN account_account a ON a.id = l.account_id
                     JOIN res_currency c ON c.id = l.currency_id
                LEFT JOIN res_partner p ON p.id = l.partner_id
                    WHERE s.status <> 'sent' %(extra)s
                 GROUP BY %(partition)s, s.status, l.move_id, m.name, s.sync_id
               ) ranked WHERE position <= %(limit)s AND amount <> 0""",
            partition=partition,
            table=SQL.identifier(STATUS_TABLE),
            extra=extra,
            limit=limit,
        )
    )
