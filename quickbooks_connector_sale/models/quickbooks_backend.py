from odoo import fields, models

# The connector's last word on what users may set on a connection (its books settings extend its write rules).
from odoo.addons.quickbooks_connector.models.quickbooks_backend_books import QuickbooksBackend as ConnectorBackend


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"

    # The entity table's switch of Estimates (adapters/entities.py in the connector): off by default, since most
    # accountants want only invoices and payments in QuickBooks.
    sync_sale_estimates = fields.Boolean(
        "Sales orders as Estimates",
        default=False,
        help="Quotations sent or confirmed become QuickBooks Estimates (number, validity date, lines, taxes): "
        "confirmed ones Accepted, cancelled ones Rejected, and the invoice made from an order closes its Estimate. "
        "An estimate accepted or rejected in QuickBooks confirms or cancels its quotation here.",
    )

    _quickbooks_writable = ConnectorBackend._quickbooks_writable | {"sync_sale_estimates"}
