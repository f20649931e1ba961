"""Bank statement lines matched directly with customer invoices (vendor bills) → QuickBooks Payments
(BillPayments)."""

from odoo import models

from ..adapters.settlement import statement_line_settlement, statement_line_side


class AccountBankStatementLine(models.Model):
    _name = "account.bank.statement.line"
    _inherit = ["account.bank.statement.line", "quickbooks.settlement.source"]

    def _quickbooks_is_settlement_candidate(self):
        self.ensure_one()
        return bool(self.amount)

    def _quickbooks_settlement_side(self):
        self.ensure_one()
        return statement_line_side(self)

    def _quickbooks_settlement(self):
        return statement_line_settlement(self)
