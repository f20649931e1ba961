"""The figures the nightly reconciliation compares, read from Odoo (SQL) and QuickBooks (API).

What is compared, and why the two sides are comparable:

* **Open invoices** (**open bills**): Odoo counts posted customer invoices (``out_invoice``; vendor
  bills, ``in_invoice``) with an amount due; QuickBooks counts ``Invoice`` (``Bill``) objects with
  ``Balance > 0``.
* **Receivables**: what customers owe on the documents the connector syncs, in the company
  currency.  Odoo: the residual of the receivable (payment term) lines of posted customer invoices
  and credit notes, i.e. ``SUM(amount_residual_signed)`` (credit notes count negative).
  QuickBooks: open ``Invoice`` balances minus open ``CreditMemo`` remaining credits, converted
  to the home currency (``HomeBalance`` when QBO gives it, else the balance times
  ``ExchangeRate``).  Unapplied customer payments are left out on both sides: neither is a
  document the connector pushes, so they would only move the figure without explaining anything.
* **Unapplied payments**: customer payments (and bank statement lines) not applied to any
  document, the customers' credit: in Odoo the open credit of the receivable lines of payments and
  statement lines, in QuickBooks the payments' ``UnappliedAmt``, both in the company currency.
* **Customers' balances** (listed, not summed): per customer and currency, what the customer owes
  in that currency: in Odoo the residual of every posted receivable line of the partner in that
  currency (invoices, credit notes, payments), in QuickBooks the bound customer's ``Balance``.
* **Payables**: posted vendor bills minus vendor refunds still open in Odoo
  (``-SUM(amount_residual_signed)`` of ``in_invoice``/``in_refund``) against open ``Bill``
  balances minus open ``VendorCredit`` balances in QuickBooks.  The documents, not the payable
  account balance, are compared, for the same reason as receivables.
* **Vendors' balances** (listed): per vendor and currency, what the company owes the vendor: in Odoo
  the open credit of every posted payable line of the partner in that currency, in QuickBooks the
  bound vendor's ``Balance``.

Everything on the Odoo side is restricted to the backend's company, posted moves and moves not
marked "Skip QuickBooks", in the company currency; every page of every QBO query is read.
"""

from decimal import Decimal

from odoo.tools import SQL

from ..adapters.entities import ENTITIES
from ..adapters.sides import PAYABLE, RECEIVABLE
from ..qbo import QBOError
from ..qbo import ValidationError as QBOValidationError
from ..qbo.money import to_decimal

CUSTOMER_TYPES = RECEIVABLE.move_types
VENDOR_TYPES = PAYABLE.move_types
OPEN_CONDITION = "Balance > '0'"

# QBO entity -> (field holding the open amount, sign in receivables/payables, figure), from the entity table
QBO_OPEN_DOCUMENTS = {
    name: (row.open_field, row.open_sign, row.side.name) for name, row in ENTITIES.items() if row.open_field
}


def home_open_amount(obj: dict, field: str) -> Decimal:
    """The open amount of a QBO transaction in the home currency."""
    if field == "Balance" and obj.get("HomeBalance") is not None:
        return to_decimal(obj["HomeBalance"])
    amount = obj.get(field)
    if amount is None:
        amount = obj.get("Balance")
    return to_decimal(amount) * to_decimal(obj.get("ExchangeRate") or 1)


# ---------------------------------------------------------------------------- Odoo
def _odoo_domain(company, move_types):
    return [
        ("company_id", "=", company.id),
        ("state", "=", "posted"),
        ("move_type", "in", move_types),
        ("amount_residual", "!=", 0),
        ("quickbooks_skip", "=", False),
    ]


def odoo_figures(env, company) -> dict:
    """Open invoice count, receivables and payables of ``company`` (one grouped query)."""
    groups = (
        env["account.move"]
        .sudo()
        ._read_group(
            _odoo_domain(company, CUSTOMER_TYPES + VENDOR_TYPES),
            ["move_type"],
            ["__count", "amount_residual_signed:sum"],
        )
    )
    by_type = {move_type: (count, total or 0.0) for move_type, count, total in groups}
    receivable = sum(by_type.get(t, (0, 0.0))[1] for t in CUSTOMER_TYPES)
    payable = -sum(by_type.get(t, (0, 0.0))[1] for t in VENDOR_TYPES)
    currency = company.currency_id
    return {
        "open_count": by_type.get("out_invoice", (0, 0.0))[0],
        "receivable": currency.round(receivable),
        "unapplied": odoo_unapplied(env, company),
        "open_bill_count": by_type.get("in_invoice", (0, 0.0))[0],
        "payable": currency.round(payable),
    }


def odoo_open_documents(env, company, move_types=CUSTOMER_TYPES) -> dict[int, tuple[str, float]]:
    """Open documents of ``move_types``: ``{move id: (number, residual)}``, the residual signed as in
    receivables (customer documents) or payables (vendor documents: what is owed is positive)."""
    rows = env.execute_query(
        SQL(
            """SELECT id, name, move_type, amount_residual_signed FROM account_move
            WHERE company_id = %s AND state = 'posted' AND move_type IN %s
              AND amount_residual != 0 AND quickbooks_skip IS NOT TRUE""",
            company.id,
            tuple(move_types),
        )
    )
    return {
        move_id: (name, -residual if move_type in VENDOR_TYPES else residual)
        for move_id, name, move_type, residual in rows
    }


def document_bindings(env, backend, entities) -> dict[int, tuple[str, str, str | None]]:
    """Moves bound to a QBO document of ``entities``: ``{move id: (entity, QBO id, DocNumber)}``."""
    env["quickbooks.sync.state"].flush_model()
    rows = env.execute_query(
        SQL(
            """SELECT res_id, qbo_entity, qbo_id, qbo_doc_number FROM quickbooks_sync_state
            WHERE backend_id = %s AND res_model = 'account.move' AND qbo_id IS NOT NULL
              AND qbo_entity IN %s AND binding_key = ''""",
            backend.id,
            tuple(entities),
        )
    )
    return {res_id: (entity, qbo_id, number) for res_id, entity, qbo_id, number in rows}


def odoo_fx_balance(env, company, accounts, date_from, date_to) -> float:
    """Net balance (debit - credit: a loss is positive) of ``accounts`` over the period."""
    if not accounts:
        return 0.0
    groups = (
        env["account.move.line"]
        .sudo()
        ._read_group(
            [
                ("company_id", "=", company.id),
                ("account_id", "in", accounts.ids),
                ("parent_state", "=", "posted"),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
            ],
            [],
            ["balance:sum"],
        )
    )
    return company.currency_id.round(groups[0][0] or 0.0) if groups else 0.0


def odoo_unapplied(env, company) -> float:
    """Open credit of customer payments and statement lines (receivable lines not on invoices)."""
    groups = (
        env["account.move.line"]
        .sudo()
        ._read_group(
            [
                ("company_id", "=", company.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("balance", "<", 0),
                ("move_id.move_type", "=", "entry"),
            ],
            [],
            ["amount_residual:sum"],
        )
    )
    total = groups[0][0] if groups else 0.0
    return company.currency_id.round(-(total or 0.0))


def odoo_customer_balances(env, company, account_type="asset_receivable") -> dict[tuple[int, str], float]:
    """``{(commercial partner id, currency code): balance in that currency}`` of the posted receivables
    (what customers owe), or of the payables with ``account_type="liability_payable"`` (what is owed to
    vendors, positive)."""
    rows = env.execute_query(
        SQL(
            """SELECT partner.commercial_partner_id, currency.name, SUM(line.amount_residual_currency)
             FROM account_move_line line
             JOIN account_account account ON account.id = line.account_id
             JOIN res_partner partner ON partner.id = line.partner_id
             JOIN res_currency currency ON currency.id = line.currency_id
            WHERE line.company_id = %s AND line.parent_state = 'posted'
              AND account.account_type = %s AND line.reconciled IS NOT TRUE
         GROUP BY partner.commercial_partner_id, currency.name""",
            company.id,
            account_type,
        )
    )
    sign = -1.0 if account_type == "liability_payable" else 1.0
    return {(partner_id, code): sign * float(total or 0.0) for partner_id, code, total in rows}


def customer_bindings(env, backend, entity="Customer") -> dict[str, tuple[int, str]]:
    """QBO customer (vendor) Id -> (Odoo partner id, currency code or "" for the home currency)."""
    env["quickbooks.sync.state"].flush_model()
    rows = env.execute_query(
        SQL(
            """SELECT qbo_id, res_id, binding_key FROM quickbooks_sync_state
            WHERE backend_id = %s AND res_model = 'res.partner' AND qbo_entity = %s AND qbo_id IS NOT NULL""",
            backend.id,
            entity,
        )
    )
    # Vendor keys are "vendor" or "vendor:<currency>": keep the currency.
    return {qbo_id: (res_id, (key or "").removeprefix("vendor").lstrip(":")) for qbo_id, res_id, key in rows}


def compare_customers(odoo_balances, qbo_customers, bindings, home_code, tolerance, kind="customer") -> list[dict]:
    """Customers (vendors) whose balance differs (by more than ``tolerance``), largest difference first."""
    lines = []
    for qbo_id, (partner_id, key) in bindings.items():
        if qbo_id not in qbo_customers:
            continue
        code = key or home_code
        odoo_balance = odoo_balances.get((partner_id, code), 0.0)
        qbo_balance = qbo_customers[qbo_id]
        if abs(odoo_balance - qbo_balance) > tolerance:
            lines.append(
                {
                    "kind": kind,
                    "partner_id": partner_id,
                    "qbo_entity": kind.capitalize(),
                    "qbo_id": qbo_id,
                    "customer_currency": code,
                    "odoo_amount": odoo_balance,
                    "qbo_amount": qbo_balance,
                    "difference": round(odoo_balance - qbo_balance, 2),
                }
            )
    lines.sort(key=lambda line: -abs(line["difference"]))
    return lines


# ---------------------------------------------------------------------------- QuickBooks
def _qbo_open(client, entities, notes):
    """``(entity, object)`` of every open document of ``entities``, page after page (never all at once)."""
    for entity in entities:
        try:
            yield from ((entity, obj) for obj in client.query_all(entity, OPEN_CONDITION))
        except QBOValidationError as error:
            if entity != "VendorCredit":
                raise
            # A server that does not know vendor credits answers the query with a validation fault.
            notes.append(f"QuickBooks did not return vendor credits ({error}); payables exclude them.")


def qbo_figures(client) -> tuple[dict, list[str]]:
    """Read QBO's open documents (every page, one at a time: memory does not grow with their number).

    Returns the figures and notes about what could not be read.
    """
    notes = []
    totals = {"receivable": Decimal(0), "payable": Decimal(0)}
    for entity, obj in _qbo_open(client, QBO_OPEN_DOCUMENTS, notes):
        field, sign, figure = QBO_OPEN_DOCUMENTS[entity]
        totals[figure] += sign * home_open_amount(obj, field)
    unapplied = Decimal(0)
    for payment in client.query_all("Payment"):  # QBO does not document UnappliedAmt as filterable
        unapplied += to_decimal(payment.get("UnappliedAmt")) * to_decimal(payment.get("ExchangeRate") or 1)
    figures = {
        "open_count": client.count("Invoice", OPEN_CONDITION),
        "receivable": float(totals["receivable"]),
        "unapplied": float(unapplied),
        "open_bill_count": client.count("Bill", OPEN_CONDITION),
        "payable": float(totals["payable"]),
    }
    return figures, notes


def qbo_open_documents(client, entities) -> dict[tuple[str, str], tuple[str, float]]:
    """``{(entity, Id): (DocNumber, signed home open amount)}`` of the open documents of ``entities``:
    read again only when a gap has to be explained."""
    return {
        (entity, str(obj["Id"])): (
            obj.get("DocNumber") or "",
            float(QBO_OPEN_DOCUMENTS[entity][1] * home_open_amount(obj, QBO_OPEN_DOCUMENTS[entity][0])),
        )
        for entity, obj in _qbo_open(client, entities, [])
    }


def qbo_customer_balances(client, entity="Customer") -> dict[str, float]:
    """QBO customer (vendor) Id -> ``Balance`` (in its currency), active or not."""
    return {
        str(customer["Id"]): float(to_decimal(customer.get("Balance")))
        for customer in client.query_all(entity, "Active in (true, false)")
    }


#: QuickBooks' detail type of its system "Exchange Gain or Loss" account.
FX_SUBTYPE = "ExchangeGainOrLoss"


def qbo_fx_accounts(client, account_numbers) -> tuple[list[dict], list[str]]:
    """QuickBooks' exchange-difference accounts: those of the Exchange Gain or Loss detail type
    (most companies do not number their accounts), plus any numbered ``account_numbers``."""
    wanted = {str(number).strip() for number in account_numbers if number and str(number).strip()}
    accounts = [
        account
        for account in client.query_all("Account", "Active in (true, false)")
        if account.get("AccountSubType") == FX_SUBTYPE or str(account.get("AcctNum") or "").strip() in wanted
    ]
    notes = []
    missing = wanted - {str(account.get("AcctNum") or "").strip() for account in accounts}
    if missing:
        notes.append(f"No QuickBooks account numbered {', '.join(sorted(missing))}.")
    if not accounts:
        notes.append("QuickBooks has no Exchange Gain or Loss account (detail type) and no numbered FX account.")
    return accounts, notes


def qbo_fx_balance(client, account_numbers, date_from, date_to) -> tuple[float, str, list[str]]:
    """Net FX result of QuickBooks' exchange-difference accounts over the period (loss > 0).

    Read from the ProfitAndLoss report of the period; when the server has no such report, from
    the accounts' ``CurrentBalance`` (then the figure is a running balance, not the month's).
    Returns the amount, its source (``report`` or ``balance``) and notes.
    """
    accounts, notes = qbo_fx_accounts(client, account_numbers)
    # Revenue accounts show a gain as a positive amount: turn them to the loss-positive convention.
    signs = {str(account["Id"]): -1 if account.get("Classification") == "Revenue" else 1 for account in accounts}
    try:
        report = _profit_and_loss(client, date_from, date_to)
    except QBOValidationError as error:
        notes.append(f"The ProfitAndLoss report is not available ({error}); used the accounts' CurrentBalance.")
        total = sum(
            (signs[str(account["Id"])] * to_decimal(account.get("CurrentBalance")) for account in accounts), Decimal(0)
        )
        return float(total), "balance", notes
    total = Decimal(0)
    for account_id, amount in _report_amounts(report):
        if account_id in signs:
            total += signs[account_id] * amount
    return float(total), "report", notes


def _profit_and_loss(client, date_from, date_to) -> dict:
    """``GET /reports/ProfitAndLoss`` (auth, retries and faults handled by the client)."""
    body = client.report(
        "ProfitAndLoss",
        start_date=date_from.isoformat(),
        end_date=date_to.isoformat(),
        accounting_method="Accrual",
        summarize_column_by="Total",
    )
    if not isinstance(body.get("Rows"), dict):
        raise QBOError("QuickBooks answered the ProfitAndLoss report without rows")
    return body


def _report_amounts(report: dict):
    """``(account Id, amount)`` of every account row of a QBO report (sections walked recursively).

    An account with sub-accounts becomes a nested section: its own amount sits in the section's
    ``Header`` (the sub-accounts are rows of their own).
    """
    stack = list((report.get("Rows") or {}).get("Row") or [])
    while stack:
        row = stack.pop()
        stack.extend((row.get("Rows") or {}).get("Row") or [])
        for columns in (row.get("ColData") or [], (row.get("Header") or {}).get("ColData") or []):
            if len(columns) >= 2 and columns[0].get("id"):
                try:
                    yield str(columns[0]["id"]), to_decimal(columns[-1].get("value") or 0)
                except ArithmeticError:
                    continue


# ---------------------------------------------------------------------------- the gap
def explain(odoo_documents, qbo_documents, bindings, currency) -> list[dict]:
    """Documents that explain a receivables gap, largest difference first.

    * ``odoo_only``: open in Odoo, not bound to any QBO document;
    * ``qbo_only``: open in QuickBooks, bound to no Odoo move;
    * ``amount``: bound, but the open amounts differ (paid on one side only, edited amount...).
    """
    lines = []
    bound_qbo = {}
    for move_id, (entity, qbo_id, bound_number) in bindings.items():
        key = (entity, qbo_id)
        bound_qbo[key] = move_id
        odoo_open = odoo_documents.get(move_id, (None, 0.0))[1]
        qbo_number, qbo_open = qbo_documents.get(key, (bound_number, 0.0))
        if currency.is_zero(odoo_open - qbo_open):
            continue
        lines.append(
            {
                "kind": "amount",
                "move_id": move_id,
                "qbo_entity": key[0],
                "qbo_id": key[1],
                "qbo_doc_number": qbo_number or False,
                "odoo_amount": odoo_open,
                "qbo_amount": qbo_open,
            }
        )
    for move_id, (_name, odoo_open) in odoo_documents.items():
        if move_id not in bindings:
            lines.append({"kind": "odoo_only", "move_id": move_id, "odoo_amount": odoo_open, "qbo_amount": 0.0})
    for key, (qbo_number, qbo_open) in qbo_documents.items():
        if key not in bound_qbo:
            lines.append(
                {
                    "kind": "qbo_only",
                    "move_id": False,
                    "qbo_entity": key[0],
                    "qbo_id": key[1],
                    "qbo_doc_number": qbo_number or False,
                    "odoo_amount": 0.0,
                    "qbo_amount": qbo_open,
                }
            )
    for line in lines:
        line["difference"] = currency.round(line["odoo_amount"] - line["qbo_amount"])
    lines.sort(
        key=lambda line: (-abs(line["difference"]), line["kind"], str(line.get("qbo_id") or ""), line["move_id"] or 0)
    )
    return lines
