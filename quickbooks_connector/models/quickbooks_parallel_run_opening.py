"""Moving to QuickBooks: the opening balances themselves (see ``quickbooks_parallel_run_history``): the
documents and customer payments open the day before the history, each sent for its open amount, and the journal
entries that give every other account Odoo's figures, against Opening Balance Equity."""

from datetime import timedelta
from decimal import Decimal

from odoo import api, models
from odoo.tools import SQL

from ..adapters.entities import JOURNAL_ENTRY, owned
from ..adapters.sides import PAYABLE, RECEIVABLE
from ..qbo.journal import CREDIT, DEBIT, JournalEntryData, JournalLine, build_journal_entry
from ..qbo.money import cents
from ..qbo.payables import BillData, ExpenseLine, PurchaseDocumentData, build_bill, build_vendor_credit
from ..qbo.payloads import (
    InvoiceData,
    ItemData,
    PaymentData,
    Ref,
    SalesDocumentData,
    SalesLine,
    build_credit_memo,
    build_invoice,
    build_item,
    build_payment,
)
from ..tools import books_routes

ZERO = Decimal(0)
#: The Item of the opening balance lines of invoices and credit memos (its income account: Opening Balance Equity).
OPENING_ITEM = "Opening Balance"
#: Odoo document types → (QuickBooks entity, side).
OPENING_DOCUMENTS = {
    "out_invoice": ("Invoice", RECEIVABLE),
    "out_refund": ("CreditMemo", RECEIVABLE),
    "in_invoice": ("Bill", PAYABLE),
    "in_refund": ("VendorCredit", PAYABLE),
}
PARTY_TYPES = ("asset_receivable", "liability_payable")


def is_customer_payment_credit(line):
    """Whether a receivable item is the money of a customer payment (sent as a QuickBooks payment)."""
    payment = line.move_id.origin_payment_id
    return bool(
        payment
        and payment.payment_type == "inbound"
        and payment.partner_type == "customer"
        and line.account_id.account_type == "asset_receivable"
        and line.balance < 0
    )


class OpeningProblem(Exception):
    """What keeps the opening balances from being sent as they are."""


class QuickbooksParallelRun(models.Model):
    _inherit = "quickbooks.parallel.run"  # pylint: disable=consider-merging-classes-inherited  # a file per concern

    def _opening_equity(self, backend, client):
        """QuickBooks' Opening Balance Equity account (made when the company has none)."""
        accounts = self.env["quickbooks.qbo.account"].sudo()
        found = accounts.search(
            [
                ("backend_id", "=", backend.id),
                ("account_subtype", "=", "OpeningBalanceEquity"),
                ("qbo_active", "=", True),
            ],
            limit=1,
        )
        if found:
            return found.qbo_id
        created = client.create(
            "Account",
            {"Name": "Opening Balance Equity", "AccountType": "Equity", "AccountSubType": "OpeningBalanceEquity"},
            request_id=self.env["quickbooks.push"]._request_id("Account", "opening-equity", backend.id),
        )
        self.env["quickbooks.qbo.account"]._pull_for_backend(backend)
        return str(created["Id"])

    def _opening_item(self, backend, client, equity):
        """The "Opening Balance" Item, whose income account is Opening Balance Equity (made when missing)."""
        for item in client.find_in("Item", "Name", [OPENING_ITEM]).get(OPENING_ITEM, []):
            if (item.get("IncomeAccountRef") or {}).get("value") == equity and item.get("Active", True):
                return str(item["Id"])
        created = client.create(
            "Item",
            build_item(ItemData(name=OPENING_ITEM, income_account=Ref(equity), item_type="Service")),
            request_id=self.env["quickbooks.push"]._request_id("Item", "opening-item", backend.id, equity),
        )
        return str(created["Id"])

    # ------------------------------------------------------------------ the open documents
    def _open_party_lines(self, start):
        """Receivable and payable items dated before ``start`` that were open the day before (open now, or
        settled since by a reconciliation dated from ``start`` on)."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """SELECT l.id FROM account_move_line l JOIN account_account a ON a.id = l.account_id
                    WHERE l.company_id = %(company)s AND l.parent_state = 'posted' AND l.date < %(start)s
                      AND a.account_type IN %(types)s
                      AND (NOT l.reconciled OR EXISTS (
                           SELECT 1 FROM account_partial_reconcile p
                            WHERE l.id IN (p.debit_move_id, p.credit_move_id) AND p.max_date >= %(start)s))
                    ORDER BY l.date, l.id""",
                company=self.company_id.id,
                start=start,
                types=PARTY_TYPES,
            )
        )
        return self.env["account.move.line"].sudo().browse([row[0] for row in rows])

    @api.model
    def _open_at(self, line, start):
        """(company currency, line currency) amounts of ``line`` still open the day before ``start``."""
        balance, amount_currency = Decimal(str(line.balance)), Decimal(str(line.amount_currency))
        if line.balance >= 0:
            for partial in line.matched_credit_ids.filtered(lambda p: p.max_date < start):
                balance -= Decimal(str(partial.amount))
                amount_currency -= Decimal(str(partial.debit_amount_currency))
        else:
            for partial in line.matched_debit_ids.filtered(lambda p: p.max_date < start):
                balance += Decimal(str(partial.amount))
                amount_currency += Decimal(str(partial.credit_amount_currency))
        return cents(balance), cents(amount_currency)

    def _send_open_documents(self, backend, client, start, equity):
        """Each document open the day before ``start`` as a QuickBooks document of its open amount."""
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        Push = self.env["quickbooks.push"]
        lines = self._open_party_lines(start).filtered(lambda line: line.move_id.move_type in OPENING_DOCUMENTS)
        item = None
        sent = 0
        for move in lines.move_id:
            entity, side = OPENING_DOCUMENTS[move.move_type]
            row = SyncRecords._binding_for(backend, move, entity)
            if row.qbo_id:
                continue  # in QuickBooks already (sent by an earlier run, or before)
            open_home = open_foreign = ZERO
            for line in lines.filtered(lambda line, m=move: line.move_id == m):
                home, foreign = self._open_at(line, start)
                open_home += home
                open_foreign += foreign
            if not open_home:
                continue
            foreign = move.currency_id != move.company_currency_id
            amount = abs(open_foreign if foreign else open_home)
            rate = (abs(open_home) / amount).quantize(Decimal("0.000001")) if foreign and amount else None
            currency = move.currency_id if foreign else None
            party = (Push._push_customer if side is RECEIVABLE else Push._push_vendor)(
                backend, move.commercial_partner_id, move.currency_id, client
            )
            label = self.env._("Open balance of %(name)s at %(day)s", name=move.name, day=start - timedelta(days=1))
            note = self.env._("From Odoo: %s (opening balance)", move.name)
            common = {
                "doc_number": (move.ref if side is PAYABLE else move.name) or None,
                "txn_date": move.invoice_date or move.date,
                "currency_code": currency.name if currency else None,
                "exchange_rate": rate,
                "private_note": note,
            }
            if side is RECEIVABLE:
                item = item or self._opening_item(backend, client, equity)
                tax_code = backend.qbo_exempt_tax_code_id.qbo_id
                sales_line = SalesLine(
                    description=label, item=Ref(item), amount=amount, tax_code=Ref(tax_code) if tax_code else None
                )
                if entity == "Invoice":
                    data = InvoiceData(
                        customer=Ref(party.qbo_id), lines=[sales_line], due_date=move.invoice_date_due, **common
                    )
                    body = build_invoice(data)
                else:
                    body = build_credit_memo(
                        SalesDocumentData(customer=Ref(party.qbo_id), lines=[sales_line], **common)
                    )
            else:
                tax_code = backend.qbo_exempt_tax_code_id.qbo_id
                expense = ExpenseLine(
                    account=Ref(equity), amount=amount, description=label, tax_code=Ref(tax_code) if tax_code else None
                )
                if entity == "Bill":
                    body = build_bill(
                        BillData(vendor=Ref(party.qbo_id), lines=[expense], due_date=move.invoice_date_due, **common)
                    )
                else:
                    body = build_vendor_credit(
                        PurchaseDocumentData(vendor=Ref(party.qbo_id), lines=[expense], **common)
                    )
            request_id = Push._request_id(entity, move._name, move.id, "opening", start)
            created = client.create(entity, body, request_id=request_id)
            row._mark_done(
                created, owned(entity, created), last_request_id=request_id, origin="odoo", qbo_state="active"
            )
            row.write({"opening_balance": True, "attempts": row.attempts + 1})
            Push._resume_waiting_settlements(backend, move)
            move._quickbooks_note(
                self.env._(
                    "Sent to QuickBooks for its open balance at %(day)s (%(amount)s), as %(entity)s %(id)s: its later "
                    "payments apply to it.",
                    day=start - timedelta(days=1),
                    amount=amount,
                    entity=entity,
                    id=created["Id"],
                )
            )
            sent += 1
        return sent

    def _send_open_payments(self, backend, client, start):
        """Each customer payment with money not applied the day before ``start``, as a QuickBooks payment of that
        amount, not applied (deposited where the connector deposits that journal's payments; the bank's balance
        is the opening entry's): QuickBooks counts it among the unapplied payments, as Odoo does."""
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        Push = self.env["quickbooks.push"]
        lines = self._open_party_lines(start).filtered(is_customer_payment_credit)
        sent = 0
        for payment in lines.move_id.origin_payment_id:
            row = SyncRecords._binding_for(backend, payment, RECEIVABLE.payment_entity)
            if row.qbo_id:
                continue
            open_home = open_foreign = ZERO
            for line in lines.filtered(lambda line, p=payment: line.move_id.origin_payment_id == p):
                home, foreign = self._open_at(line, start)
                open_home += home
                open_foreign += foreign
            if not open_home:
                continue
            journal_account = payment.journal_id.default_account_id
            deposit = Push._quickbooks_mappings(backend, journal_account).journal_account(payment.journal_id)
            if deposit is None:
                raise OpeningProblem(
                    self.env._(
                        "The account of journal %s is not mapped to a QuickBooks bank account: map it, then send "
                        "again.",
                        payment.journal_id.display_name,
                    )
                )
            foreign = payment.currency_id != payment.company_currency_id
            amount = abs(open_foreign if foreign else open_home)
            party = Push._push_customer(backend, payment.partner_id.commercial_partner_id, payment.currency_id, client)
            body = build_payment(
                PaymentData(
                    customer=Ref(party.qbo_id),
                    total_amount=amount,
                    txn_date=payment.date,
                    deposit_account=deposit.ref,
                    currency_code=payment.currency_id.name if foreign else None,
                    exchange_rate=(abs(open_home) / amount).quantize(Decimal("0.000001")) if foreign else None,
                    reference=(payment.name or "")[:21] or None,
                    private_note=self.env._("From Odoo: %s (opening balance)", payment.name),
                )
            )
            request_id = Push._request_id(RECEIVABLE.payment_entity, payment._name, payment.id, "opening", start)
            created = client.create(RECEIVABLE.payment_entity, body, request_id=request_id)
            row._mark_done(
                created,
                owned(RECEIVABLE.payment_entity, created),
                last_request_id=request_id,
                origin="odoo",
                qbo_state="active",
            )
            row.write({"opening_balance": True, "attempts": row.attempts + 1})
            payment._quickbooks_note(
                self.env._(
                    "Sent to QuickBooks for what it had not paid yet at %(day)s (%(amount)s), as payment %(id)s.",
                    day=start - timedelta(days=1),
                    amount=amount,
                    id=created["Id"],
                )
            )
            sent += 1
        return sent

    def _open_items_off_documents(self, backend, start):
        """{(QuickBooks account Id, side, partner): open amount} of the receivable and payable items open the day
        before ``start`` that are on no document (money received or paid on account, entries)."""
        routes_mapped = {
            mapping.account_id.id: mapping.qbo_account_id.qbo_id
            for mapping in self.env["quickbooks.account.mapping"]
            .sudo()
            .search([("backend_id", "=", backend.id), ("qbo_account_id", "!=", False)])
        }
        items = {}
        lines = self._open_party_lines(start).filtered(
            lambda line: line.move_id.move_type not in OPENING_DOCUMENTS and not is_customer_payment_credit(line)
        )
        for line in lines:
            home, _foreign = self._open_at(line, start)
            if not home:
                continue
            target = routes_mapped.get(line.account_id.id)
            if not target:
                raise OpeningProblem(
                    self.env._(
                        "%s is not mapped to a QuickBooks account: map it, then send again.",
                        line.account_id.display_name,
                    )
                )
            side = RECEIVABLE if line.account_id.account_type == "asset_receivable" else PAYABLE
            if not line.partner_id:
                raise OpeningProblem(
                    self.env._(
                        "%(entry)s has an open item on %(account)s that names no partner: QuickBooks needs the "
                        "customer or vendor of every line on Accounts Receivable or Accounts Payable.",
                        entry=line.move_id.display_name,
                        account=line.account_id.display_name,
                    )
                )
            key = (target, side.name, line.partner_id.commercial_partner_id.id)
            items[key] = items.get(key, ZERO) + home
        return items

    # ------------------------------------------------------------------ the entries
    def _send_opening_entry(self, backend, client, routes, day, label, differences, equity, items, final=False):
        """Send a JournalEntry that gives each compared account of ``differences`` ([(comparison key, Odoo minus
        QuickBooks)]) Odoo's figure, ``items`` ({(QuickBooks account Id, side, partner id): amount}) on lines
        naming their customer or vendor, balanced on Opening Balance Equity.  Returns 1 when sent, else 0."""
        Push = self.env["quickbooks.push"]
        problems = []
        amounts = {}
        for key, difference in differences:
            amount = books_routes.decimal(difference).quantize(Decimal("0.01"))
            if not amount:
                continue
            if key[0] == "odoo":
                problems.append(
                    self.env._(
                        "%(account)s differs by %(amount)s and is not mapped to a QuickBooks account: map it, then "
                        "send again.",
                        account=routes.account(key[1]).display_name,
                        amount=amount,
                    )
                )
                continue
            if key[1] == equity:
                continue  # the balancing account
            amounts[key[1]] = amount
        party_total = {}
        for (target, _side, _partner), amount in items.items():
            party_total[target] = party_total.get(target, ZERO) + amount
        for target, total in party_total.items():
            left = amounts.pop(target, ZERO) - total
            if left:
                problems.append(
                    self.env._(
                        "%(account)s differs by %(amount)s beyond its open items: a document dated before the history "
                        "is in QuickBooks already, or QuickBooks holds something Odoo does not.",
                        account=routes.chart.label(target),
                        amount=left,
                    )
                )
        for target in [
            t
            for t in amounts
            if routes.chart.by_id.get(t)
            and routes.chart.by_id[t].account_type in ("Accounts Receivable", "Accounts Payable")
        ]:
            problems.append(
                self.env._(
                    "%(account)s differs by %(amount)s once the open documents are in QuickBooks: a document dated "
                    "before the history is in QuickBooks already, or QuickBooks holds something Odoo does not.",
                    account=routes.chart.label(target),
                    amount=amounts[target],
                )
            )
        if problems:
            raise OpeningProblem("\n".join(problems))
        lines = []
        total = ZERO
        for target, amount in sorted(amounts.items()):
            lines.append(JournalLine(DEBIT if amount > 0 else CREDIT, abs(amount), Ref(target), label))
            total += amount
        for (target, side_name, partner_id), amount in sorted(items.items()):
            if not amount:
                continue
            side = RECEIVABLE if side_name == RECEIVABLE.name else PAYABLE
            partner = self.env["res.partner"].browse(partner_id)
            party = (Push._push_customer if side is RECEIVABLE else Push._push_vendor)(backend, partner, None, client)
            lines.append(
                JournalLine(
                    DEBIT if amount > 0 else CREDIT,
                    abs(amount),
                    Ref(target),
                    label,
                    entity_type=side.party_entity,
                    entity=Ref(party.qbo_id),
                )
            )
            total += amount
        if not lines:
            return 0
        lines.append(JournalLine(CREDIT if total > 0 else DEBIT, abs(total), Ref(equity), label))
        data = JournalEntryData(
            txn_date=day, lines=lines, private_note=self.env._("From Odoo: %s", label), doc_number=None
        )
        key = f"opening:{day.isoformat()}" + (":final" if final else "")
        row = self.env["quickbooks.sync.state"].sudo()._binding_for(backend, self, JOURNAL_ENTRY, key=key)
        body = build_journal_entry(data)
        request_id = Push._request_id(JOURNAL_ENTRY, self._name, self.id, key, repr(sorted(map(repr, lines))))
        if row.qbo_id:
            # An entry of that day is in QuickBooks already: what is left goes in a second one.
            row = (
                self.env["quickbooks.sync.state"]
                .sudo()
                ._binding_for(backend, self, JOURNAL_ENTRY, key=f"{key}:{request_id[-8:]}")
            )
        created = client.create(JOURNAL_ENTRY, body, request_id=request_id)
        row._mark_done(created, owned(JOURNAL_ENTRY, created), last_request_id=request_id, origin="odoo")
        return 1
