"""Setting a connection up: the chart of accounts read from QuickBooks, the account mapping and the Items review."""

from odoo import models
from odoo.exceptions import UserError

from ..tools.access import check_manager


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    def action_open_mapping_wizard(self):
        self.ensure_one()
        check_manager(self)
        self._ensure_connected()
        wizard = self.env["quickbooks.account.mapping.wizard"]._prepare_for_backend(self)
        return wizard._reopen()

    def action_open_item_review(self):
        """The products that have no QuickBooks Item yet, with the Item each would use (Products as Items)."""
        self.ensure_one()
        check_manager(self)
        self._ensure_connected()
        if not self.qbo_products_as_items:
            raise UserError(
                self.env._("Products as Items is off on this connection: every line uses its account's Item.")
            )
        return self.env["quickbooks.item.match.wizard"]._prepare_for_backend(self)._reopen()

    def action_pull_chart_of_accounts(self):
        self.ensure_one()
        check_manager(self)
        self.env["quickbooks.qbo.account"]._pull_for_backend(self)
        return True
