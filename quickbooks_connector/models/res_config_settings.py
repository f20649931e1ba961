"""The QuickBooks block of the Invoicing/Accounting settings, for the current company."""

from odoo import api, fields, models

from .. import const
from ..tools import crypto
from ..tools.access import check_manager


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    quickbooks_backend_id = fields.Many2one("quickbooks.backend", compute="_compute_quickbooks_backend")
    quickbooks_state = fields.Selection(const.BACKEND_STATES, compute="_compute_quickbooks_backend")
    quickbooks_company_name = fields.Char(compute="_compute_quickbooks_backend")
    quickbooks_realm_id = fields.Char(compute="_compute_quickbooks_backend")
    quickbooks_token_expiry = fields.Datetime(compute="_compute_quickbooks_backend")
    quickbooks_hard_expiry = fields.Datetime(compute="_compute_quickbooks_backend")
    quickbooks_last_error = fields.Text(compute="_compute_quickbooks_backend")
    quickbooks_encryption_ok = fields.Boolean(compute="_compute_quickbooks_backend")

    @api.depends("company_id")
    def _compute_quickbooks_backend(self):
        encryption_ok = crypto.encryption_configured()
        for settings in self:
            backend = self.env["quickbooks.backend"]._for_company(settings.company_id)
            stored = backend.sudo()
            settings.quickbooks_backend_id = backend
            settings.quickbooks_state = backend.state or "draft"
            settings.quickbooks_company_name = backend.qbo_company_name
            settings.quickbooks_realm_id = backend.realm_id
            settings.quickbooks_token_expiry = stored.refresh_token_expires_at
            settings.quickbooks_hard_expiry = stored.refresh_token_hard_expires_at
            settings.quickbooks_last_error = backend.last_error
            settings.quickbooks_encryption_ok = encryption_ok

    def _quickbooks_backend_or_create(self):
        self.ensure_one()
        backend = self.env["quickbooks.backend"]._for_company(self.company_id)
        if not backend:
            backend = self.env["quickbooks.backend"].create({"company_id": self.company_id.id})
        return backend

    def _action_open_backend(self, backend):
        return {
            "type": "ir.actions.act_window",
            "res_model": "quickbooks.backend",
            "res_id": backend.id,
            "view_mode": "form",
            "target": "current",
            "name": self.env._("QuickBooks Connection"),
        }

    def action_quickbooks_connect(self):
        check_manager(self.env["quickbooks.backend"])
        backend = self._quickbooks_backend_or_create()
        if not backend.sudo().client_id or not backend.client_secret_set:
            # The Intuit app's credentials come first; the form explains where to find them.
            return self._action_open_backend(backend)
        return backend.action_connect()

    def action_quickbooks_disconnect(self):
        check_manager(self.quickbooks_backend_id)
        self.quickbooks_backend_id.action_disconnect()
        return {"type": "ir.actions.client", "tag": "reload"}

    def action_quickbooks_open_backend(self):
        check_manager(self.env["quickbooks.backend"])
        return self._action_open_backend(self._quickbooks_backend_or_create())

    def action_quickbooks_mapping_wizard(self):
        check_manager(self.quickbooks_backend_id)
        return self.quickbooks_backend_id.action_open_mapping_wizard()

    def action_quickbooks_item_review(self):
        check_manager(self.quickbooks_backend_id)
        return self.quickbooks_backend_id.action_open_item_review()
