from odoo import fields, models
from odoo.addons.queue_job.job import identity_exact

from .. import const


class AccountPayment(models.Model):
    _name = "account.payment"
    _inherit = ["account.payment", "quickbooks.bound.mixin"]

    quickbooks_post_version = fields.Integer(copy=False, readonly=True)

    def _quickbooks_backend(self):
        self.ensure_one()
        backend = self.env["quickbooks.backend"].sudo()._for_company(self.company_id)
        if backend and backend.state == "connected" and backend.sync_payments_to_qbo:
            return backend
        return backend.browse()

    def _quickbooks_is_candidate(self):
        return self.partner_type == "customer" and self.payment_type == "inbound"

    def action_post(self):
        result = super().action_post()
        if not self.env.context.get("quickbooks_pulled"):
            for payment in self.filtered(lambda p: p._quickbooks_is_candidate()):
                payment.quickbooks_post_version += 1
                payment._quickbooks_schedule_sync()
        return result

    def action_draft(self):
        bound = self._quickbooks_pushed()
        result = super().action_draft()
        if not self.env.context.get("quickbooks_pulled"):
            for payment, backend in bound:
                payment.with_delay(channel=const.JOB_CHANNEL, identity_key=identity_exact, max_retries=10,
                                   description=f"QuickBooks: void payment {payment.name}",
                                   )._quickbooks_void_job(backend)
        return result

    def _quickbooks_pushed(self):
        """(payment, backend) for the payments of this set that Odoo pushed and QuickBooks still has."""
        rows = self.env["quickbooks.sync.state"].sudo().search([
            ("res_model", "=", "account.payment"), ("res_id", "in", self.ids), ("origin", "=", "odoo"),
            ("qbo_id", "!=", False), ("qbo_state", "=", "active")])
        return [(self.browse(row.res_id), row.backend_id) for row in rows]

    def _quickbooks_schedule_sync(self, backend=None):
        for payment in self:
            target = backend or payment._quickbooks_backend()
            if not target or not payment._quickbooks_is_candidate():
                continue
            payment.with_delay(channel=const.JOB_CHANNEL, identity_key=identity_exact, max_retries=10,
                               description=f"QuickBooks: push payment {payment.name}")._quickbooks_push_job(target)

    def _quickbooks_push_job(self, backend):
        """Job: create the QBO Payment of this customer payment, linked to its synced invoices."""
        self.ensure_one()
        Push = self.env["quickbooks.push"]
        return Push._run_bound(backend, self, "Payment", lambda: Push._push_payment(backend, self)).state

    def _quickbooks_void_job(self, backend):
        """Job: void the QBO Payment of this payment, reset to draft or cancelled in Odoo."""
        self.ensure_one()
        Push = self.env["quickbooks.push"]
        row = Push._run_bound(backend, self, "Payment", lambda: Push._void_payment(backend, self), create=False)
        return row.qbo_state if row else "not bound"
