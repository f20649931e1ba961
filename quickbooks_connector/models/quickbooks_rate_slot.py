"""The slots of the rate governor (``tools/rate_governor.py``): one row per QuickBooks call of the
last hour, shared by every worker and every server."""

from odoo import api, fields, models


class QuickbooksRateSlot(models.Model):
    _name = "quickbooks.rate.slot"
    _description = "QuickBooks API call slot (rate governor)"
    _log_access = False

    realm_id = fields.Char(required=True, index=True)
    started_at = fields.Float(required=True, help="Database clock, seconds since the epoch.")
    finished_at = fields.Float()
    cost = fields.Integer(default=1, required=True)
    is_batch = fields.Boolean()
    is_bulk = fields.Boolean(help="Taken by a backfill's push (it leaves room for interactive work).")

    @api.autovacuum
    def _gc_old_slots(self):
        self.env.cr.execute("DELETE FROM quickbooks_rate_slot WHERE started_at < extract(epoch from now()) - 3600")
