"""Bank statement lines matched directly with customer invoices → QuickBooks Payments."""

from odoo import models

from ..adapters.settlement import statement_line_settlement


class AccountBankStatementLine(models.Model):
    _name = "account.bank.statement.line"
    _inherit = ["account.bank.statement.line", "quickbooks.settlement.source"]

    def _quickbooks_is_settlement_candidate(self):
        self.ensure_one()
        return self.amount > 0  # money received; refunds paid out are not customer payments

    def _quickbooks_settlement(self):
        return statement_line_settlement(self)

    def _quickbooks_schedule_sync(self, backend=None):
        self._quickbooks_schedule_settlement(backend)
