"""account.move (customer invoice / credit note) → QBO Invoice / CreditMemo.

Lines: product lines (net amount, and the gross one on tax-included documents), sections and notes
as description lines, cash-rounding lines as their own line.  Taxes: see :mod:`.tax_plan`.
Currency: the exchange rate that reproduces Odoo's company-currency total.
"""

from dataclasses import dataclass
from decimal import Decimal

from ..qbo.money import cents, to_decimal
from ..qbo.payloads import InvoiceData, Ref, SalesDocumentData, SalesLine, exchange_rate
from ..qbo.totals import DocumentTotals
from .customer import partner_address
from .tax_plan import plan_taxes

# Fields of an Invoice/CreditMemo that Odoo owns; QBO-side additions (e.g. a memo the CPA typed on a
# field we do not send) are kept by the merge.
SALES_DOCUMENT_OWNED_FIELDS = frozenset(
    {
        "CustomerRef",
        "Line",
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


class MappingProblem(Exception):
    """The document needs mappings that do not exist yet; ``problems`` says which, in plain words."""

    def __init__(self, problems):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class SalesDocument:
    """The payload data of a move, and Odoo's own figures to compare QuickBooks' with."""

    data: SalesDocumentData
    odoo_totals: DocumentTotals
    compare_per_rate: bool


def item_refs(env, backend, accounts, problems):
    """Account → Ref of the QBO Item its sales lines use (problems noted for the others)."""
    Mapping = env["quickbooks.account.mapping"].sudo()
    problems += Mapping._problems_for_accounts(backend, accounts, sales_lines=True)
    mappings = Mapping.search([("backend_id", "=", backend.id), ("account_id", "in", accounts.ids)])
    return {m.account_id: Ref(m.qbo_item_id, m.qbo_item_name) for m in mappings if m.qbo_item_id}


def _lines(move, plan, items):
    lines = []
    for line in move.invoice_line_ids.sorted(lambda aml: (aml.sequence, aml.id)):
        if line.display_type in ("line_section", "line_subsection", "line_note"):
            if line.name:
                lines.append(SalesLine(kind="description", description=line.name))
            continue
        if line.display_type != "product":
            continue
        lines.append(
            SalesLine(
                kind="sales",
                description=line.name or None,
                item=items.get(line.account_id),
                quantity=to_decimal(line.quantity),
                unit_price=to_decimal(line.price_unit),
                discount_percent=to_decimal(line.discount),
                # The line's journal amount, not price_subtotal: with global rounding of tax-included
                # prices Odoo moves the rounding difference into the lines' amounts.
                amount=cents(line.amount_currency * move.direction_sign),
                tax_code=plan.line_codes.get(line.id),
                tax_inclusive_amount=cents(line.price_total) if plan.inclusive else None,
            )
        )
    for account, amount in plan.rounding_lines:
        lines.append(
            SalesLine(
                kind="sales",
                description=move.env._("Cash rounding"),
                item=items.get(account),
                quantity=Decimal(1),
                unit_price=amount,
                amount=amount,
                tax_code=plan.untaxed_code,
                tax_inclusive_amount=amount if plan.inclusive else None,
            )
        )
    return lines


def _mapped_lines(move, backend, plan):
    """The document's lines, each sales line on the Item of its account; raises :class:`MappingProblem`
    with everything missing (the tax plan's problems included)."""
    env = move.env
    problems = list(plan.problems)
    accounts = move.invoice_line_ids.filtered(lambda line: line.display_type == "product").account_id
    for account, _amount in plan.rounding_lines:
        accounts |= account
    items = item_refs(env, backend, accounts, problems)
    lines = _lines(move, plan, items)
    if not any(line.kind == "sales" for line in lines):
        problems.append(env._("The document has no product line to send."))
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


def document_exchange_rate(move, home_total):
    """QBO's exchange rate of a move in a foreign currency (None in the company currency): the one that
    reproduces Odoo's company-currency total, Odoo's own rate when the total is 0."""
    if move.currency_id == move.company_id.currency_id:
        return None
    # Odoo's rate is foreign units per company unit; QBO's the other way round.
    fallback = (
        (Decimal(1) / to_decimal(move.invoice_currency_rate)).quantize(Decimal("0.000001"))
        if move.invoice_currency_rate
        else None
    )
    return exchange_rate(to_decimal(move.amount_total), home_total, fallback=fallback)


def sales_document_data(move, backend, customer_qbo_id, *, is_us, automated_sales_tax=False, term_qbo_id=None):
    """Build the Invoice/CreditMemo of ``move``; raises :class:`MappingProblem` when it cannot be sent."""
    plan = plan_taxes(move, backend, is_us=is_us, automated_sales_tax=automated_sales_tax)
    lines = _mapped_lines(move, backend, plan)
    home_total = cents(abs(move.amount_total_signed))
    common = dict(
        customer=Ref(customer_qbo_id),
        lines=lines,
        doc_number=move.name,
        txn_date=move.invoice_date or move.date,
        currency_code=move.currency_id.name,
        exchange_rate=document_exchange_rate(move, home_total),
        **_tax_values(plan, is_us),
        private_note=move.env._("From Odoo: %s", move.name),
        customer_memo=move.ref or None,
        bill_email=(move.partner_id.email or "").split(",")[0].strip() or None,
        shipping_address=partner_address(move.partner_shipping_id or move.partner_id) if is_us else None,
    )
    odoo_totals = DocumentTotals(
        subtotal=cents(move.amount_untaxed),
        total_tax=cents(move.amount_tax),
        total=cents(move.amount_total),
        home_total=home_total,
        tax_by_rate={line.rate.value: cents(line.amount) for line in plan.tax_lines},
    )
    if move.move_type == "out_refund":
        data = SalesDocumentData(**common)
    else:
        data = InvoiceData(
            **common, due_date=move.invoice_date_due, sales_term=Ref(term_qbo_id) if term_qbo_id else None
        )
    return SalesDocument(data=data, odoo_totals=odoo_totals, compare_per_rate=not is_us)
