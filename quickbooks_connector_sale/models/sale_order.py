"""Sales orders as QuickBooks Estimates: when one is sent, and the job that sends it."""

from odoo import models
from odoo.addons.quickbooks_connector.adapters.entities import ESTIMATE
from odoo.addons.quickbooks_connector.tools.jobs import enqueue, job

#: What an Estimate shows of an order: a change to one of these re-sends it.
ESTIMATE_FIELDS = frozenset(
    {
        "state",
        "order_line",
        "partner_id",
        "partner_shipping_id",
        "validity_date",
        "client_order_ref",
        "date_order",
        "currency_id",
        "fiscal_position_id",
    }
)


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "quickbooks.bound.mixin"]

    def write(self, vals):
        result = super().write(vals)
        if ESTIMATE_FIELDS.intersection(vals):
            self._quickbooks_schedule_sync()
        return result

    def _quickbooks_backend(self):
        """The connected backend that receives this order's Estimate, or an empty recordset."""
        self.ensure_one()
        backend = self.env["quickbooks.backend"].sudo()._for_company(self.company_id)
        if backend and backend.state == "connected" and backend.sync_sale_estimates:
            return backend
        return backend.browse()

    def _quickbooks_schedule_sync(self, backend=None):
        """Queue the push of the Estimate of each order sent or confirmed, or already in QuickBooks (its status
        follows the order's), after commit: never in the user's transaction."""
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        for order in self:
            target = backend or order._quickbooks_backend()
            if not target:
                continue
            row = SyncRecords._binding_for(target, order, ESTIMATE, create=False)
            if order.state not in ("sent", "sale") and not row.qbo_id:
                continue
            SyncRecords._binding_for(target, order, ESTIMATE).state = "pending"
            enqueue(order, self.env._("QuickBooks: estimate %s", order.name))._quickbooks_estimate_job(target)

    @job
    def _quickbooks_estimate_job(self, backend):
        """Job: send this order's Estimate to QuickBooks (create, update, or its status)."""
        self.ensure_one()
        Push = self.env["quickbooks.push"]
        return Push._run_bound(backend, self, ESTIMATE, lambda: Push._push_estimate(backend, self)).state
