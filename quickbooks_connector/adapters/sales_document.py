"""account.move (customer invoice / credit note) → QBO Invoice / CreditMemo."""

from decimal import Decimal

from ..qbo.payloads import InvoiceData, Ref, SalesDocumentData, SalesLine

# Fields of an Invoice/CreditMemo that Odoo owns; QBO-side additions (e.g. a memo the CPA typed on a
# field we do not send) are kept by the merge.
SALES_DOCUMENT_OWNED_FIELDS = frozenset({
    "CustomerRef", "Line", "DocNumber", "TxnDate", "DueDate", "CurrencyRef", "ExchangeRate",
    "GlobalTaxCalculation", "TxnTaxDetail", "PrivateNote", "CustomerMemo", "BillEmail", "SalesTermRef",
})


class MappingProblem(Exception):
    """The document needs mappings that do not exist yet; ``problems`` says which, in plain words."""

    def __init__(self, problems):
        super().__init__("\n".join(problems))
        self.problems = problems


def _dec(value) -> Decimal:
    return Decimal(str(value or 0))


def sales_document_data(move, backend, customer_qbo_id, *, is_us, term_qbo_id=None):
    """Build the Invoice/CreditMemo data for ``move``; raises :class:`MappingProblem` when not mappable."""
    env = move.env
    product_lines = move.invoice_line_ids.filtered(lambda line: line.display_type == "product")
    problems = env["quickbooks.account.mapping"].sudo()._problems_for_accounts(backend, product_lines.account_id)
    mappings = {m.account_id: m for m in env["quickbooks.account.mapping"].sudo().search(
        [("backend_id", "=", backend.id), ("account_id", "in", product_lines.account_id.ids)])}
    tax_maps = {m.tax_id: m.qbo_tax_code_id for m in env["quickbooks.tax.mapping"].sudo().search(
        [("backend_id", "=", backend.id)])}

    taxes = product_lines.tax_ids
    included = taxes.filtered("price_include")
    if included and included != taxes:
        problems.append(env._("QuickBooks cannot mix tax-included and tax-excluded prices on one document."))
    inclusive = bool(included) and not is_us
    if included and is_us:
        problems.append(env._("US QuickBooks companies do not accept tax-included prices."))

    document_tax_code = None
    if is_us and taxes:
        codes = {tax_maps.get(tax) for tax in taxes}
        if None in codes:
            problems += [env._("Tax %s is not mapped to a QuickBooks tax code.", tax.display_name)
                         for tax in taxes if tax not in tax_maps]
        elif len(codes) > 1:
            problems.append(env._("A US QuickBooks document carries one sales tax code; this one uses several."))
        else:
            code = codes.pop()
            document_tax_code = Ref(code.qbo_id, code.name)

    lines = []
    for line in move.invoice_line_ids.sorted(lambda aml: (aml.sequence, aml.id)):
        if line.display_type in ("line_section", "line_subsection", "line_note"):
            if line.name:
                lines.append(SalesLine(kind="description", description=line.name))
            continue
        if line.display_type != "product":
            continue
        mapping = mappings.get(line.account_id)
        tax_code = None
        if is_us:
            tax_code = Ref("TAX" if line.tax_ids else "NON")
        elif len(line.tax_ids) > 1:
            problems.append(env._("Line '%s' has several taxes; QuickBooks needs one tax code per line.", line.name))
        elif line.tax_ids:
            code = tax_maps.get(line.tax_ids)
            if code is None:
                problems.append(env._("Tax %s is not mapped to a QuickBooks tax code.", line.tax_ids.display_name))
            else:
                tax_code = Ref(code.qbo_id, code.name)
        elif backend.qbo_exempt_tax_code_id:
            tax_code = Ref(backend.qbo_exempt_tax_code_id.qbo_id, backend.qbo_exempt_tax_code_id.name)
        else:
            problems.append(env._("Line '%s' has no tax: choose the QuickBooks tax code for untaxed lines on "
                                  "the connection.", line.name))
        lines.append(SalesLine(
            kind="sales", description=line.name or None,
            item=Ref(mapping.qbo_item_id, mapping.qbo_item_name) if mapping and mapping.qbo_item_id else None,
            quantity=_dec(line.quantity), unit_price=_dec(line.price_unit), discount_percent=_dec(line.discount),
            amount=_dec(line.price_total if inclusive else line.price_subtotal), tax_code=tax_code,
        ))
    if not any(line.kind == "sales" for line in lines):
        problems.append(env._("The document has no product line to send."))
    problems = list(dict.fromkeys(problems))
    if problems:
        raise MappingProblem(problems)

    company_currency = move.company_id.currency_id
    exchange_rate = None
    if move.currency_id != company_currency and move.amount_total:
        # QBO's ExchangeRate is home-currency units per one unit of the document currency.
        exchange_rate = (_dec(abs(move.amount_total_signed)) / _dec(move.amount_total)).quantize(Decimal("0.000001"))
    common = dict(
        customer=Ref(customer_qbo_id),
        lines=lines,
        doc_number=move.name,
        txn_date=move.invoice_date or move.date,
        currency_code=move.currency_id.name,
        exchange_rate=exchange_rate,
        global_tax_calculation=None if is_us else ("TaxInclusive" if inclusive else "TaxExcluded"),
        txn_tax_code=document_tax_code,
        private_note=env._("From Odoo: %s", move.name),
        customer_memo=move.ref or None,
        bill_email=(move.partner_id.email or "").split(",")[0].strip() or None,
    )
    if move.move_type == "out_refund":
        return SalesDocumentData(**common)
    return InvoiceData(**common, due_date=move.invoice_date_due,
                       sales_term=Ref(term_qbo_id) if term_qbo_id else None)
