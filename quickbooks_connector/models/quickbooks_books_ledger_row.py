"""A QuickBooks transaction of a books comparison line's account and period, as QuickBooks' GeneralLedger
report listed it when the run read it; bound to its Odoo record when the connector knows it."""

from odoo import api, fields, models


class QuickbooksBooksLedgerRow(models.Model):
    _name = "quickbooks.books.ledger.row"
    _description = "QuickBooks books comparison: a QuickBooks transaction"
    _order = "line_id, date, id"

    line_id = fields.Many2one("quickbooks.books.line", required=True, index=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one(related="line_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="line_id.currency_id")
    date = fields.Date(readonly=True)
    txn_type = fields.Char("Transaction Type", readonly=True)
    qbo_entity = fields.Char("QuickBooks Entity", readonly=True)
    qbo_txn_id = fields.Char("QuickBooks ID", readonly=True)
    number = fields.Char("Num", readonly=True)
    party = fields.Char("Name", readonly=True)
    memo = fields.Char("Memo/Description", readonly=True)
    split = fields.Char(readonly=True)
    amount = fields.Monetary(readonly=True, help="In the account's natural sign, as the line's amounts.")
    sync_state_id = fields.Many2one(
        "quickbooks.sync.state", "Odoo Record", readonly=True, ondelete="set null", help="Empty: only in QuickBooks."
    )
    qbo_url = fields.Char("View in QuickBooks", compute="_compute_qbo_url")

    @api.depends("qbo_entity", "qbo_txn_id")
    def _compute_qbo_url(self):
        for row in self:
            backend = row.line_id.backend_id
            row.qbo_url = (
                backend._qbo_app_url(row.qbo_entity, row.qbo_txn_id) if row.qbo_entity and row.qbo_txn_id else False
            )
