"""One product of the Items review, with the QuickBooks Item it would adopt and why."""

from odoo import api, fields, models

from ..tools.access import check_values

#: What the review fills in when it lists the products; the user then keeps or refuses each match.
PREPARED = frozenset(
    {
        "wizard_id",
        "product_id",
        "qbo_item_id",
        "qbo_item_name",
        "qbo_item_sku",
        "qbo_item_type",
        "qbo_sync_token",
        "qbo_income_account",
        "qbo_expense_account",
        "match_reason",
        "note",
    }
)


class QuickbooksItemMatchWizardLine(models.TransientModel):
    _name = "quickbooks.item.match.wizard.line"
    _description = "Product and the QuickBooks Item it becomes"
    _order = "match_reason, id"

    wizard_id = fields.Many2one("quickbooks.item.match.wizard", required=True, ondelete="cascade")
    product_id = fields.Many2one("product.product", "Odoo Product", required=True, readonly=True)
    default_code = fields.Char(related="product_id.default_code", string="Internal Reference")
    qbo_item_id = fields.Char("QuickBooks Item ID", readonly=True)
    qbo_item_name = fields.Char("QuickBooks Item", readonly=True)
    qbo_item_sku = fields.Char("Item SKU", readonly=True)
    qbo_item_type = fields.Char("Item Type", readonly=True)
    qbo_sync_token = fields.Char(readonly=True)
    qbo_income_account = fields.Char(readonly=True)
    qbo_expense_account = fields.Char(readonly=True)
    match_reason = fields.Selection(
        [("sku", "Same SKU"), ("name", "Same name"), ("new", "New Item")], "Why", readonly=True
    )
    adopt = fields.Boolean(
        "Use This Item",
        help="Off: the product's first document makes a new QuickBooks Item instead of using this one.",
    )
    note = fields.Char(readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, frozenset({"adopt"}), PREPARED, create=True)
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, [vals], frozenset({"adopt"}))
        return super().write(vals)
