from odoo import _, fields, models

from .quickbooks_account_mapping import INCOME_TYPES


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "quickbooks.bound.mixin"]

    quickbooks_skip = fields.Boolean(
        "Skip QuickBooks", copy=False, tracking=True,
        help="Never send this entry to QuickBooks (e.g. deferrals or accruals the accountant keeps in QuickBooks).")

    def _quickbooks_backend(self):
        """The connected backend that would receive this move, or an empty recordset."""
        self.ensure_one()
        backend = self.env["quickbooks.backend"].sudo()._for_company(self.company_id)
        if backend and backend.state == "connected" and backend.sync_invoices:
            return backend
        return backend.browse()

    def _quickbooks_is_candidate(self):
        self.ensure_one()
        return self.move_type in ("out_invoice", "out_refund") and not self.quickbooks_skip

    def _quickbooks_accounts_to_map(self):
        """The accounts whose mapping a push of this move needs (its product lines' accounts)."""
        self.ensure_one()
        return self.invoice_line_ids.filtered(lambda line: line.display_type == "product").account_id

    def _post(self, soft=True):
        # Refuse before anything is posted or sent when a needed QBO account went inactive:
        # the user learns why now, not from a failed sync later.  Unmapped accounts do not block
        # posting (the push waits in the ledger until they are mapped).
        for move in self.filtered(lambda m: m._quickbooks_is_candidate()):
            backend = move._quickbooks_backend()
            if not backend:
                continue
            accounts = move._quickbooks_accounts_to_map()
            inactive = self.env["quickbooks.account.mapping"].sudo().search([
                ("backend_id", "=", backend.id), ("account_id", "in", accounts.ids), ("state", "=", "inactive")])
            if inactive:
                self.env["quickbooks.account.mapping"]._check_accounts_or_raise(backend, inactive.account_id)
        return super()._post(soft=soft)

    def _quickbooks_income_accounts(self):
        return self._quickbooks_accounts_to_map().filtered(lambda a: a.account_type in INCOME_TYPES)

    def _quickbooks_skip_reason(self):
        self.ensure_one()
        if self.quickbooks_skip:
            return _("Marked 'Skip QuickBooks'.")
        return False
