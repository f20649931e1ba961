"""One QuickBooks account, customer, vendor or item of an import, and the Odoo record it is (or will be)."""

from odoo import api, fields, models

from ..tools.access import check_values

LINE_KINDS = [("account", "Account"), ("customer", "Customer"), ("vendor", "Vendor"), ("product", "Product")]
REASONS = [
    ("mapped", "Mapped already"),
    ("bound", "Linked already"),
    ("number", "Same number"),
    ("name", "Same name"),
    ("type", "Only account of its type"),
    ("email", "Same e-mail"),
    ("vat", "Same tax number"),
    ("sku", "Same SKU"),
    ("new", "New in Odoo"),
    ("user", "Chosen by you"),
]


class QuickbooksImportLine(models.Model):
    _name = "quickbooks.import.line"
    _description = "QuickBooks import match"
    _order = "import_id, kind, qbo_name, id"

    import_id = fields.Many2one("quickbooks.import", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="import_id.company_id")
    kind = fields.Selection(LINE_KINDS, required=True, readonly=True)
    qbo_id = fields.Char("QuickBooks ID", required=True, readonly=True)
    qbo_name = fields.Char("In QuickBooks", readonly=True)
    qbo_type = fields.Char("QuickBooks Type", readonly=True)
    qbo_email = fields.Char("E-mail", readonly=True)
    qbo_sku = fields.Char("SKU", readonly=True)
    qbo_account_id = fields.Many2one("quickbooks.qbo.account", "QuickBooks Account", readonly=True)
    account_id = fields.Many2one(
        "account.account",
        "Odoo Account",
        domain="[('company_ids', 'in', company_id)]",
        help="Empty: the import creates an account of the type shown (a journal for a bank or card account).",
    )
    new_account_type = fields.Char("Type if New", readonly=True)
    partner_id = fields.Many2one("res.partner", "Odoo Partner", help="Empty: the import creates it.")
    product_id = fields.Many2one("product.product", "Odoo Product", help="Empty: the import creates it.")
    reason = fields.Selection(REASONS, "Why", readonly=True)
    note = fields.Char(readonly=True)

    #: What a manager changes in the review: the Odoo record each line stands for.  Lines are made by the import.
    _quickbooks_writable = frozenset({"account_id", "partner_id", "product_id"})

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, create=True)
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, [vals], self._quickbooks_writable)
        # A match the user changes is theirs: say so next to it.
        if {"account_id", "partner_id", "product_id"} & set(vals) and "reason" not in vals:
            vals = {
                **vals,
                "reason": "user" if any(vals.get(k) for k in ("account_id", "partner_id", "product_id")) else "new",
            }
        return super().write(vals)
