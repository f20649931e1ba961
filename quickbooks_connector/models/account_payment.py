"""Customer (vendor) payments registered in Odoo → QuickBooks Payments (BillPayments); see
``quickbooks_push_payment``."""

from odoo import api, fields, models

from ..adapters.settlement import payment_settlement
from ..adapters.sides import side_of_payment
from ..tools.access import check_values
from ..tools.jobs import job
from ..tools.switches import PULLED, switch


class AccountPayment(models.Model):
    _name = "account.payment"
    _inherit = ["account.payment", "quickbooks.bound.mixin", "quickbooks.settlement.source"]

    quickbooks_post_version = fields.Integer(copy=False, readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, create=True, own_model=False)
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, [vals], own_model=False)
        return super().write(vals)

    def _quickbooks_is_settlement_candidate(self):
        self.ensure_one()
        return side_of_payment(self) is not None

    def _quickbooks_settlement_side(self):
        self.ensure_one()
        return side_of_payment(self)

    def _quickbooks_settlement(self):
        return payment_settlement(self)

    def _quickbooks_schedule_sync(self, backend=None):
        """What a sync record's Retry runs (the bound mixin comes first in this model's parents)."""
        self._quickbooks_schedule_settlement(backend)

    def action_post(self):
        result = super().action_post()
        if not switch(self.env, PULLED):
            for payment in self:
                payment.sudo().quickbooks_post_version += 1  # the requestid's version: the connector's own
            self._quickbooks_schedule_settlement()
        return result

    def action_draft(self):
        # Odoo 19 keeps the reconciliation of a payment reset to draft; QuickBooks must not keep the payment.
        result = super().action_draft()
        if not switch(self.env, PULLED):
            self._quickbooks_schedule_settlement()
        return result

    def action_cancel(self):
        result = super().action_cancel()
        if not switch(self.env, PULLED):
            self._quickbooks_schedule_settlement()
        return result

    @job
    def _quickbooks_push_job(self, backend):
        """Job (kept for jobs queued before settlements): same as :meth:`_quickbooks_settle_job`."""
        return self._quickbooks_settle_job(backend)

    @job
    def _quickbooks_void_job(self, backend):
        """Job (kept for jobs queued before settlements): same as :meth:`_quickbooks_settle_job`."""
        return self._quickbooks_settle_job(backend)
