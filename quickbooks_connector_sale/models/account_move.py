from odoo import models
from odoo.addons.quickbooks_connector.adapters.entities import ESTIMATE
from odoo.addons.quickbooks_connector.tools.jobs import jobs_under_way, wait_for_jobs


class AccountMove(models.Model):
    _inherit = "account.move"

    def _quickbooks_estimate_ids(self, backend):
        """The Estimates of the sales orders this invoice was made from: its QuickBooks invoice links them, so
        QuickBooks closes them.  An order's Estimate still being sent is waited for (the link needs its Id)."""
        ids = super()._quickbooks_estimate_ids(backend)
        orders = self.invoice_line_ids.sale_line_ids.order_id
        if not orders or not backend.sync_sale_estimates:
            return ids
        pushes = jobs_under_way(orders, ["_quickbooks_estimate_job"])
        if pushes:
            wait_for_jobs(pushes, self.env._("Waiting for the Estimate of %s to be sent first.", self.name))
        rows = (
            self.env["quickbooks.sync.state"]
            .sudo()
            .search(
                [
                    ("backend_id", "=", backend.id),
                    ("res_model", "=", "sale.order"),
                    ("res_id", "in", orders.ids),
                    ("binding_key", "=", ""),
                    ("qbo_entity", "=", ESTIMATE),
                    ("qbo_id", "!=", False),
                    ("qbo_state", "=", "active"),
                ],
                order="res_id",
            )
        )
        return (*ids, *rows.mapped("qbo_id"))
