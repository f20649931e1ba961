"""A sales document → QBO Invoice / CreditMemo: a customer invoice or credit note (``account.move``), and
whatever else Odoo computes taxes for with base lines (a sales order).

Lines: product lines (net amount, and the gross one on tax-included documents), sections and notes
as description lines, cash-rounding lines as their own line.  Taxes: see :mod:`.tax_plan`.
Currency: the exchange rate that reproduces Odoo's company-currency total.

The builder (:func:`sales_document_of`) reads a document's base lines and layout (``base_lines.py``) and its
header (:class:`DocumentHeader`); an invoice or credit note goes through :func:`sales_document_data`, which
reads both from the move.
"""

from dataclasses import dataclass
from decimal import Decimal

from ..qbo.money import cents, to_decimal
from ..qbo.payloads import InvoiceData, Ref, SalesDocumentData, SalesLine, exchange_rate
from ..qbo.totals import DocumentTotals
from .base_lines import line_amount, line_total_included, move_base_lines, product_lines
from .customer import partner_address
from .tax_plan import plan_taxes

# Fields of an Invoice/CreditMemo that Odoo owns; QBO-side additions (e.g. a memo the CPA typed on a
# field we do not send) are kept by the merge.
SALES_DOCUMENT_OWNED_FIELDS = frozenset(
    {
        "CustomerRef",
        "Line",
        "DepartmentRef",
        "ClassRef",
        "DocNumber",
        "TxnDate",
        "DueDate",
        "CurrencyRef",
        "ExchangeRate",
        "GlobalTaxCalculation",
        "TxnTaxDetail",
        "PrivateNote",
        "CustomerMemo",
        "BillEmail",
        "SalesTermRef",
        "ShipAddr",
    }
)


# An Estimate's: an invoice's, without due date and terms, with its validity and status.
ESTIMATE_OWNED_FIELDS = (SALES_DOCUMENT_OWNED_FIELDS - {"DueDate", "SalesTermRef"}) | {
    "ExpirationDate",
    "TxnStatus",
    "AcceptedDate",
    "AcceptedBy",
}


class MappingProblem(Exception):
    """The document needs mappings that do not exist yet; ``problems`` says which, in plain words."""

    def __init__(self, problems):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class SalesDocument:
    """The payload data of a document, and Odoo's own figures to compare QuickBooks' with."""

    data: SalesDocumentData
    odoo_totals: DocumentTotals
    compare_per_rate: bool


@dataclass
class DocumentHeader:
    """What a document says besides its lines, and Odoo's totals of it (in the document currency; the home
    total in the company currency)."""

    company: object  # res.company
    partner: object  # res.partner: the customer (vendor) it is addressed to
    currency: object  # res.currency
    number: str
    date: object
    amount_untaxed: float
    amount_tax: float
    amount_total: float
    home_total: Decimal
    refund: bool = False  # a credit note (vendor refund)
    due_date: object = None
    shipping_partner: object = None  # where the goods go (default: the partner)
    reference: str | None = None  # the customer's (vendor's) reference
    currency_rate: float = 0.0  # Odoo's rate: document currency units per company currency unit


def move_header(move):
    """The header of a posted invoice, credit note, bill or refund."""
    return DocumentHeader(
        company=move.company_id,
        partner=move.partner_id,
        currency=move.currency_id,
        number=move.name,
        date=move.invoice_date or move.date,
        amount_untaxed=move.amount_untaxed,
        amount_tax=move.amount_tax,
        amount_total=move.amount_total,
        home_total=cents(abs(move.amount_total_signed)),
        refund=move.move_type in ("out_refund", "in_refund"),
        due_date=move.invoice_date_due,
        shipping_partner=move.partner_shipping_id or move.partner_id,
        reference=move.ref or None,
        currency_rate=move.invoice_currency_rate,
    )


def item_refs(mappings, accounts, problems):
    """Account → Ref of the QBO Item its sales lines use (problems noted for the others)."""
    problems += [problem for account in accounts if (problem := mappings.account(account).sales_problem)]
    return {account: mappings.account(account).item for account in accounts if mappings.account(account).item}


def _lines(header, base_lines, layout, plan, items, mappings):
    lines = []
    for entry in layout:
        if isinstance(entry, str):
            lines.append(SalesLine(kind="description", description=entry))
            continue
        base_line = base_lines[entry]
        lines.append(
            SalesLine(
                kind="sales",
                description=base_line.get("name") or None,
                item=mappings.sales_item(base_line.get("product_id"), base_line["account_id"])
                or items.get(base_line["account_id"]),
                quantity=to_decimal(base_line["quantity"]),
                unit_price=to_decimal(base_line["price_unit"]),
                discount_percent=to_decimal(base_line["discount"]),
                amount=line_amount(base_line),
                tax_code=plan.line_codes.get(entry),
                tax_inclusive_amount=line_total_included(base_line, header.company) if plan.inclusive else None,
                class_ref=mappings.line_classes.get(base_line.get("record")),
            )
        )
    for account, amount in plan.rounding_lines:
        lines.append(
            SalesLine(
                kind="sales",
                description=header.company.env._("Cash rounding"),
                item=items.get(account),
                quantity=Decimal(1),
                unit_price=amount,
                amount=amount,
                tax_code=plan.untaxed_code,
                tax_inclusive_amount=amount if plan.inclusive else None,
            )
        )
    return lines


def _mapped_lines(header, base_lines, layout, mappings, plan):
    """The document's lines, each sales line on the Item of its account; raises :class:`MappingProblem`
    with everything missing (the tax plan's problems included)."""
    problems = list(plan.problems)
    accounts = [base_line["account_id"] for _index, base_line in product_lines(base_lines)]
    accounts += [account for account, _amount in plan.rounding_lines]
    items = item_refs(mappings, list(dict.fromkeys(accounts)), problems)
    lines = _lines(header, base_lines, layout, plan, items, mappings)
    if not any(line.kind == "sales" for line in lines):
        problems.append(header.company.env._("The document has no product line to send."))
    problems = list(dict.fromkeys(problems))
    if problems:
        raise MappingProblem(problems)
    return lines


def _tax_values(plan, is_us):
    """The document's tax fields: how its amounts are meant, its tax code (US) and Odoo's tax amounts."""
    return dict(
        global_tax_calculation=None if is_us else ("TaxInclusive" if plan.inclusive else "TaxExcluded"),
        txn_tax_code=plan.txn_tax_code,
        tax_lines=plan.tax_lines,
        total_tax=plan.total_tax,
    )


def document_exchange_rate(header):
    """QBO's exchange rate of a document in a foreign currency (None in the company currency): the one that
    reproduces Odoo's company-currency total, Odoo's own rate when the total is 0."""
    if header.currency == header.company.currency_id:
        return None
    # Odoo's rate is foreign units per company unit; QBO's the other way round.
    fallback = (
        (Decimal(1) / to_decimal(header.currency_rate)).quantize(Decimal("0.000001")) if header.currency_rate else None
    )
    return exchange_rate(to_decimal(header.amount_total), header.home_total, fallback=fallback)


def sales_document_of(
    header, base_lines, layout, mappings, customer_qbo_id, *, is_us, automated_sales_tax=False, term_qbo_id=None
):
    """Build the Invoice/CreditMemo of a document given by its header, its rounded base lines and its layout
    (``base_lines.py``); ``mappings``: its accounts' and the taxes' (:class:`~.mappings.Mappings`).  Raises
    :class:`MappingProblem` when it cannot be sent."""
    plan = plan_taxes(base_lines, mappings, header.company, is_us=is_us, automated_sales_tax=automated_sales_tax)
    lines = _mapped_lines(header, base_lines, layout, mappings, plan)
    partner = header.partner
    common = dict(
        customer=Ref(customer_qbo_id),
        lines=lines,
        doc_number=header.number,
        txn_date=header.date,
        currency_code=header.currency.name,
        exchange_rate=document_exchange_rate(header),
        **_tax_values(plan, is_us),
        private_note=header.company.env._("From Odoo: %s", header.number),
        customer_memo=header.reference,
        bill_email=(partner.email or "").split(",")[0].strip() or None,
        shipping_address=partner_address(header.shipping_partner or partner) if is_us else None,
        department=mappings.location,
        class_ref=mappings.document_class,
    )
    odoo_totals = DocumentTotals(
        subtotal=cents(header.amount_untaxed),
        total_tax=cents(header.amount_tax),
        total=cents(header.amount_total),
        home_total=header.home_total,
        tax_by_rate={line.rate.value: cents(line.amount) for line in plan.tax_lines},
    )
    if header.refund:
        data = SalesDocumentData(**common)
    else:
        data = InvoiceData(**common, due_date=header.due_date, sales_term=Ref(term_qbo_id) if term_qbo_id else None)
    return SalesDocument(data=data, odoo_totals=odoo_totals, compare_per_rate=not is_us)


def sales_document_data(move, mappings, customer_qbo_id, *, is_us, automated_sales_tax=False, term_qbo_id=None):
    """Build the Invoice/CreditMemo of a posted invoice or credit note; raises :class:`MappingProblem` when it
    cannot be sent.  ``mappings``: the accounts of the move's lines and the taxes, read by the push."""
    base_lines, layout = move_base_lines(move)
    return sales_document_of(
        move_header(move),
        base_lines,
        layout,
        mappings,
        customer_qbo_id,
        is_us=is_us,
        automated_sales_tax=automated_sales_tax,
        term_qbo_id=term_qbo_id,
    )
