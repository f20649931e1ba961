"""Odoo's base lines: how the tax plan and the sales document builder read a document's lines.

A *base line* is the dict ``account.tax._prepare_base_line_for_taxes_computation`` returns: one per
priced line of a document (an invoice line, a sales order line), plus the lines Odoo adds for the whole
document (an early-payment discount, a cash rounding).  Odoo's tax engine adds each one's tax details
(``_add_tax_details_in_base_lines``) and rounds them over the document (``_round_base_lines_tax_details``);
the adapters take the base lines at that point, so any document Odoo computes taxes for this way (an
invoice, a sales order) reaches QuickBooks through the same code.

What the adapters read of a product base line: ``name`` (its description), ``account_id`` (the account
its sales post to), ``quantity``, ``price_unit``, ``discount``, ``tax_ids`` and its tax details.  A
document's *layout* is its lines in order, each the text of a section or note, or the index of a product
base line.

A posted invoice's base lines come from :func:`move_base_lines`: Odoo's own (the ones its tax totals are
computed from), each product line carrying the amounts its journal item holds (:data:`POSTED_AMOUNT`,
:data:`POSTED_TOTAL`), so what is sent is what the books say.
"""

from ..qbo.money import cents

#: Base lines Odoo adds for the document as a whole, not for one of its lines.
DOCUMENT_LEVEL_TYPES = ("early_payment", "cash_rounding", "non_deductible")
#: The untaxed amount of a posted line, in the document currency (its journal item's).
POSTED_AMOUNT = "posted_amount_currency"
#: The tax-included amount of a posted line, in the document currency (its ``price_total``).
POSTED_TOTAL = "posted_total_included_currency"
#: An invoice's texts: sections and notes.
TEXT_TYPES = ("line_section", "line_subsection", "line_note")


def is_product_line(base_line):
    """A base line of one of the document's own lines (not one Odoo adds for the whole document)."""
    return base_line.get("special_type") not in DOCUMENT_LEVEL_TYPES


def product_lines(base_lines):
    """``(index, base line)`` of the document's own lines, in the base lines' order."""
    return [(index, base_line) for index, base_line in enumerate(base_lines) if is_product_line(base_line)]


def tax_engine(base_lines):
    """Odoo's tax engine (``account.tax``'s base-line helpers), reached through the taxes the lines carry
    (None without lines)."""
    return base_lines[0]["tax_ids"].browse() if base_lines else None


def line_amount(base_line):
    """A line's untaxed amount in the document currency, with its share of the document's rounding: what
    Odoo posts as its journal amount (not its subtotal alone: rounding globally, Odoo spreads the rounding
    difference over the lines' amounts)."""
    if POSTED_AMOUNT in base_line:
        return cents(base_line[POSTED_AMOUNT])
    details = base_line["tax_details"]
    return cents(details["total_excluded_currency"] + details["delta_total_excluded_currency"])


def line_total_included(base_line, company):
    """A line's tax-included amount, rounded on its own as Odoo shows it on the line (``price_total``)."""
    if POSTED_TOTAL in base_line:
        return cents(base_line[POSTED_TOTAL])
    engine = tax_engine([base_line])
    alone = dict(base_line)
    engine._add_tax_details_in_base_line(alone, company)
    engine._round_base_lines_tax_details([alone], company)
    return cents(alone["tax_details"]["total_included_currency"])


def move_base_lines(move):
    """``(base lines, layout)`` of a posted invoice, credit note, bill or refund (see the module's doc)."""
    base_lines, _tax_lines = move._get_rounded_base_and_tax_lines()
    index_of = {}
    for index, base_line in enumerate(base_lines):
        line = base_line.get("record")
        if is_product_line(base_line) and getattr(line, "_name", "") == "account.move.line":
            base_line[POSTED_AMOUNT] = line.amount_currency * move.direction_sign
            base_line[POSTED_TOTAL] = line.price_total
            index_of[line.id] = index
    layout = []
    for line in move.invoice_line_ids.sorted(lambda aml: (aml.sequence, aml.id)):
        if line.display_type in TEXT_TYPES:
            if line.name:
                layout.append(line.name)
        elif line.display_type == "product":
            layout.append(index_of[line.id])
    return base_lines, layout
