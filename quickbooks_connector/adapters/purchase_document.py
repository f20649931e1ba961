"""account.move (vendor bill / refund) → QBO Bill / VendorCredit.

Each product line becomes an expense line on the QBO account its Odoo account is mapped to (the
expense, cost-of-goods or fixed-asset account: bills name accounts, not Items), with its net amount
(and the gross one on tax-included documents).  Taxes: see :mod:`.tax_plan`, with purchase rates.
The payable account, when mapped, is the bill's A/P account.  Currency: the exchange rate that
reproduces Odoo's company-currency total.
"""

from decimal import Decimal

from ..qbo.money import cents
from ..qbo.payables import BillData, ExpenseLine, PurchaseDocumentData
from ..qbo.payloads import Ref
from ..qbo.totals import DocumentTotals
from .sales_document import MappingProblem, SalesDocument, document_exchange_rate
from .tax_plan import plan_taxes

# Fields of a Bill/VendorCredit that Odoo owns; QBO-side additions are kept by the merge.
PURCHASE_DOCUMENT_OWNED_FIELDS = frozenset(
    {
        "VendorRef",
        "Line",
        "DocNumber",
        "TxnDate",
        "DueDate",
        "CurrencyRef",
        "ExchangeRate",
        "GlobalTaxCalculation",
        "TxnTaxDetail",
        "APAccountRef",
        "PrivateNote",
        "SalesTermRef",
    }
)


def vendor_reference(move):
    """The bill's number in QuickBooks: the vendor's own reference (QuickBooks keeps 21 characters);
    Odoo's number goes in the memo.  None when the bill has no vendor reference."""
    return (move.ref or "").strip()[:21] or None


def account_refs(mappings, accounts, problems):
    """Account → Ref of the QBO account it is mapped to (problems noted for the others)."""
    problems += [problem for account in accounts if (problem := mappings.account(account).problem)]
    return {
        account: mappings.account(account).qbo_account.ref for account in accounts if mappings.account(account).mapped
    }


def payable_account_ref(mappings, move):
    """The QBO A/P account of the move's payable account, when it is mapped to one (else QBO's default)."""
    payable = move.line_ids.filtered(lambda line: line.account_id.account_type == "liability_payable").account_id[:1]
    mapping = mappings.account(payable) if payable else None
    if mapping and mapping.mapped and mapping.qbo_account.account_type == "Accounts Payable":
        return mapping.qbo_account.ref
    return None


def _lines(move, plan, accounts):
    lines = []
    for line in move.invoice_line_ids.sorted(lambda aml: (aml.sequence, aml.id)):
        if line.display_type != "product":
            continue  # sections and notes: a bill has no text-only line
        lines.append(
            ExpenseLine(
                account=accounts.get(line.account_id),
                amount=cents(line.amount_currency * move.direction_sign),
                description=line.name or None,
                tax_code=plan.line_codes.get(line.id),
                tax_inclusive_amount=cents(line.price_total) if plan.inclusive else None,
            )
        )
    for account, amount in plan.rounding_lines:
        lines.append(
            ExpenseLine(
                account=accounts.get(account),
                amount=amount,
                description=move.env._("Cash rounding"),
                tax_code=plan.untaxed_code,
                tax_inclusive_amount=amount if plan.inclusive else None,
            )
        )
    for account, amount in plan.tax_expense_lines:
        lines.append(
            ExpenseLine(account=accounts.get(account), amount=amount, description=move.env._("Tax: %s", account.name))
        )
    return lines


def purchase_document_data(move, mappings, vendor_qbo_id, *, is_us, term_qbo_id=None):
    """Build the Bill/VendorCredit of ``move``; raises :class:`MappingProblem` when it cannot be sent.
    ``mappings``: the accounts of the move's lines and the taxes, read by the push."""
    env = move.env
    plan = plan_taxes(move, mappings, is_us=is_us)
    problems = list(plan.problems)
    used = move.invoice_line_ids.filtered(lambda line: line.display_type == "product").account_id
    for account, _amount in [*plan.rounding_lines, *plan.tax_expense_lines]:
        used |= account
    accounts = account_refs(mappings, used, problems)
    lines = _lines(move, plan, accounts)
    if not lines:
        problems.append(env._("The document has no product line to send."))
    problems = list(dict.fromkeys(problems))
    if problems:
        raise MappingProblem(problems)

    home_total = cents(abs(move.amount_total_signed))
    rate = document_exchange_rate(move, home_total)
    common = dict(
        vendor=Ref(vendor_qbo_id),
        lines=lines,
        doc_number=vendor_reference(move),
        txn_date=move.invoice_date or move.date,
        currency_code=move.currency_id.name,
        exchange_rate=rate,
        global_tax_calculation=None if is_us else ("TaxInclusive" if plan.inclusive else "TaxExcluded"),
        tax_lines=plan.tax_lines,
        total_tax=None if is_us else plan.total_tax,
        ap_account=payable_account_ref(mappings, move),
        private_note=env._("From Odoo: %s", move.name),
    )
    tax = Decimal(0) if is_us else cents(move.amount_tax)
    subtotal = cents(move.amount_total) - tax
    odoo_totals = DocumentTotals(
        subtotal=subtotal,
        total_tax=tax,
        total=cents(move.amount_total),
        home_total=home_total,
        tax_by_rate={line.rate.value: cents(line.amount) for line in plan.tax_lines},
    )
    if move.move_type == "in_refund":
        data = PurchaseDocumentData(**common)
    else:
        data = BillData(**common, due_date=move.invoice_date_due, sales_term=Ref(term_qbo_id) if term_qbo_id else None)
    return SalesDocument(data=data, odoo_totals=odoo_totals, compare_per_rate=not is_us)
