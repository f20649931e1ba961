"""account.move (vendor bill / refund) → QBO Bill / VendorCredit.

Each product line becomes an expense line on the QBO account its Odoo account is mapped to (the
expense, cost-of-goods or fixed-asset account), with its net amount (and the gross one on tax-included
documents); a line of a product whose Item posts to that very account references the Item instead
(``ItemBasedExpenseLineDetail``: QuickBooks books it on the Item's expense account, the same one).
Taxes: see :mod:`.tax_plan`, with purchase rates.
The payable account, when mapped, is the bill's A/P account.  Currency: the exchange rate that
reproduces Odoo's company-currency total.
"""

from decimal import Decimal

from ..qbo.money import cents
from ..qbo.payables import BillData, ExpenseLine, PurchaseDocumentData
from ..qbo.payloads import Ref
from ..qbo.totals import DocumentTotals
from .base_lines import line_amount, line_total_included, product_lines
from .sales_document import MappingProblem, SalesDocument, document_exchange_rate, move_header
from .tax_plan import plan_move_taxes

# Fields of a Bill/VendorCredit that Odoo owns; QBO-side additions are kept by the merge.
PURCHASE_DOCUMENT_OWNED_FIELDS = frozenset(
    {
        "VendorRef",
        "Line",
        "DepartmentRef",
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


def _lines(move, base_lines, layout, plan, accounts, mappings):
    lines = []
    for entry in layout:
        if isinstance(entry, str):
            continue  # sections and notes: a bill has no text-only line
        base_line = base_lines[entry]
        account = base_line["account_id"]
        lines.append(
            ExpenseLine(
                account=accounts.get(account),
                amount=line_amount(base_line),
                description=base_line.get("name") or None,
                tax_code=plan.line_codes.get(entry),
                tax_inclusive_amount=line_total_included(base_line, move.company_id) if plan.inclusive else None,
                item=mappings.purchase_item(base_line.get("product_id"), account) if account in accounts else None,
                quantity=Decimal(str(base_line.get("quantity") or 0)) or None,
                class_ref=mappings.line_classes.get(base_line.get("record")),
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
    plan, base_lines, layout = plan_move_taxes(move, mappings, is_us=is_us)
    problems = list(plan.problems)
    used = [base_line["account_id"] for _index, base_line in product_lines(base_lines)]
    used += [account for account, _amount in [*plan.rounding_lines, *plan.tax_expense_lines]]
    accounts = account_refs(mappings, list(dict.fromkeys(used)), problems)
    lines = _lines(move, base_lines, layout, plan, accounts, mappings)
    if not lines:
        problems.append(env._("The document has no product line to send."))
    problems = list(dict.fromkeys(problems))
    if problems:
        raise MappingProblem(problems)

    header = move_header(move)
    common = dict(
        vendor=Ref(vendor_qbo_id),
        lines=lines,
        doc_number=vendor_reference(move),
        txn_date=header.date,
        currency_code=header.currency.name,
        exchange_rate=document_exchange_rate(header),
        global_tax_calculation=None if is_us else ("TaxInclusive" if plan.inclusive else "TaxExcluded"),
        tax_lines=plan.tax_lines,
        total_tax=None if is_us else plan.total_tax,
        ap_account=payable_account_ref(mappings, move),
        private_note=env._("From Odoo: %s", move.name),
        department=mappings.location,
    )
    tax = Decimal(0) if is_us else cents(move.amount_tax)
    subtotal = cents(move.amount_total) - tax
    odoo_totals = DocumentTotals(
        subtotal=subtotal,
        total_tax=tax,
        total=cents(move.amount_total),
        home_total=header.home_total,
        tax_by_rate={line.rate.value: cents(line.amount) for line in plan.tax_lines},
    )
    if header.refund:
        data = PurchaseDocumentData(**common)
    else:
        data = BillData(**common, due_date=move.invoice_date_due, sales_term=Ref(term_qbo_id) if term_qbo_id else None)
    return SalesDocument(data=data, odoo_totals=odoo_totals, compare_per_rate=not is_us)
