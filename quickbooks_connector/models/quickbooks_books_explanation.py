"""What explains part of a books comparison line's difference: its kind, its amount, the Odoo entries and
sync records behind it."""

from odoo import fields, models

EXPLANATION_KINDS = [
    ("pending", "Not yet in QuickBooks"),
    ("not_sent", "Not sent to QuickBooks"),
    ("skipped", "Marked Skip QuickBooks"),
    ("revaluation", "Currency revaluation"),
    ("elsewhere", "On another QuickBooks account"),
    ("unposted", "Not posted in Odoo"),
    ("unmapped", "Not mapped"),
    ("qbo_only", "Only in QuickBooks"),
    ("tolerance", "Within the tolerance"),
]


class QuickbooksBooksExplanation(models.Model):
    _name = "quickbooks.books.explanation"
    _description = "QuickBooks books comparison: what explains a difference"
    _order = "line_id, sequence, id"

    line_id = fields.Many2one("quickbooks.books.line", required=True, index=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one(related="line_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="line_id.currency_id")
    sequence = fields.Integer(readonly=True)
    kind = fields.Selection(EXPLANATION_KINDS, required=True, readonly=True)
    amount = fields.Monetary(readonly=True, help="The part of the difference (Odoo minus QuickBooks) it explains.")
    note = fields.Text(readonly=True)
    entry_count = fields.Integer("Entries", readonly=True)
    move_ids = fields.Many2many("account.move", string="Odoo Entries", readonly=True)
    sync_state_ids = fields.Many2many("quickbooks.sync.state", string="Sync Records", readonly=True)
