"""A sales order → QBO Estimate, through the connector's sales document builder.

The order's lines become Odoo's base lines as the sale app computes its totals with them
(``sale.order.line._prepare_base_line_for_taxes_computation``, tax details added and rounded over the order),
each with the income account its invoice line will post to (the product's, through the order's fiscal
position), so the Estimate has the lines, Items, tax codes and tax amounts the invoice will have, and the
same checks before anything is sent (``adapters/sales_document.py`` and ``tax_plan.py`` in the connector).

Status: a quotation (draft, sent) is Pending, a confirmed order Accepted (on its confirmation date), a
cancelled one Rejected.
"""

import dataclasses

from odoo.addons.quickbooks_connector.adapters.sales_document import (
    DocumentHeader,
    SalesDocument,
    sales_document_of,
)
from odoo.addons.quickbooks_connector.qbo.money import cents
from odoo.addons.quickbooks_connector.qbo.payloads import EstimateData, SalesDocumentData

#: QuickBooks' status of an order's Estimate, by the order's state.
STATUS_OF_STATE = {"draft": "Pending", "sent": "Pending", "sale": "Accepted", "cancel": "Rejected"}
#: Order lines that are texts: sections and notes.
TEXT_TYPES = ("line_section", "line_subsection", "line_note")


def priced_lines(order):
    """The order's lines that the Estimate carries as sales lines (not texts, not down payments: an invoiced
    down payment is the invoice's business)."""
    return order.order_line.filtered(lambda line: not line.display_type and not line.is_downpayment)


def line_account(line):
    """The income account the invoice line of ``line`` will post to (the product's, mapped by the order's fiscal
    position; the company's default income account for a line without product)."""
    order = line.order_id
    if line.product_id:
        accounts = line.product_id.product_tmpl_id.with_company(order.company_id).get_product_accounts(
            fiscal_pos=order.fiscal_position_id
        )
        return accounts["income"]
    return order.fiscal_position_id.map_account(order.company_id.income_account_id)


def order_accounts(order):
    """The accounts the order's lines post to once invoiced: the ones whose mappings its Estimate needs."""
    return order.env["account.account"].union(*[line_account(line) for line in priced_lines(order)])


def order_products(order):
    return priced_lines(order).product_id


def order_base_lines(order):
    """``(base lines, layout)`` of the order, rounded as the sale app rounds its totals."""
    AccountTax = order.env["account.tax"]
    base_lines, layout = [], []
    for line in order.order_line.sorted(lambda line: (line.sequence, line.id)):
        if line.display_type in TEXT_TYPES:
            if line.name:
                layout.append(line.name)
            continue
        if line.display_type or line.is_downpayment:
            continue
        layout.append(len(base_lines))
        base_lines.append(line._prepare_base_line_for_taxes_computation(account_id=line_account(line)))
    AccountTax._add_tax_details_in_base_lines(base_lines, order.company_id)
    AccountTax._round_base_lines_tax_details(base_lines, order.company_id)
    return base_lines, layout


def order_header(order, base_lines):
    """The header of the order: its customer, currency, number, date and Odoo's totals of the lines sent."""
    currency = order.currency_id or order.company_id.currency_id
    totals = order.env["account.tax"]._get_tax_totals_summary(base_lines, currency, order.company_id)
    return DocumentHeader(
        company=order.company_id,
        partner=order.partner_id,
        currency=currency,
        number=order.name,
        date=order.date_order.date(),
        amount_untaxed=totals["base_amount_currency"],
        amount_tax=totals["tax_amount_currency"],
        amount_total=totals["total_amount_currency"],
        home_total=cents(totals["total_amount"]),
        shipping_partner=order.partner_shipping_id or order.partner_id,
        reference=order.client_order_ref or None,
        currency_rate=order.currency_rate,
    )


def estimate_document(order, mappings, customer_qbo_id, *, is_us, automated_sales_tax=False):
    """The Estimate of ``order`` (a :class:`SalesDocument` whose data is an :class:`EstimateData`); raises the
    connector's ``MappingProblem`` when it cannot be sent."""
    base_lines, layout = order_base_lines(order)
    document = sales_document_of(
        order_header(order, base_lines),
        base_lines,
        layout,
        mappings,
        customer_qbo_id,
        is_us=is_us,
        automated_sales_tax=automated_sales_tax,
    )
    shared = {field.name: getattr(document.data, field.name) for field in dataclasses.fields(SalesDocumentData)}
    status = STATUS_OF_STATE.get(order.state, "Pending")
    data = EstimateData(
        **shared,
        expiration_date=order.validity_date or None,
        status=status,
        accepted_date=order.date_order.date() if status == "Accepted" else None,
    )
    return SalesDocument(data=data, odoo_totals=document.odoo_totals, compare_per_rate=document.compare_per_rate)
