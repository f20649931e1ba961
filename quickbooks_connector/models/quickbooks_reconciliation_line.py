"""The documents (and partner balances) that explain a reconciliation's gap, one line each."""

from odoo import api, fields, models


class QuickbooksReconciliationLine(models.Model):
    _name = "quickbooks.reconciliation.line"
    _description = "QuickBooks reconciliation: a document explaining a gap"
    _order = "reconciliation_id, sequence, id"

    reconciliation_id = fields.Many2one("quickbooks.reconciliation", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="reconciliation_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="reconciliation_id.currency_id")
    sequence = fields.Integer(default=10)
    kind = fields.Selection(
        [
            ("odoo_only", "Only in Odoo"),
            ("qbo_only", "Only in QuickBooks"),
            ("amount", "Open amounts differ"),
            ("customer", "Customer balance differs"),
            ("vendor", "Vendor balance differs"),
        ],
        required=True,
    )
    move_id = fields.Many2one("account.move", "Odoo Document", ondelete="set null")
    partner_id = fields.Many2one("res.partner", ondelete="set null")
    customer_currency = fields.Char(
        "Partner Currency", help="The currency of a customer or vendor balance line's amounts."
    )
    qbo_entity = fields.Char("QuickBooks Entity")
    qbo_id = fields.Char("QuickBooks ID")
    qbo_doc_number = fields.Char("QuickBooks Number")
    odoo_amount = fields.Monetary("Open in Odoo")
    qbo_amount = fields.Monetary("Open in QuickBooks")
    difference = fields.Monetary()
    qbo_url = fields.Char("View in QuickBooks", compute="_compute_qbo_url")

    @api.depends("qbo_entity", "qbo_id")
    def _compute_qbo_url(self):
        for line in self:
            backend = line.reconciliation_id.backend_id
            line.qbo_url = backend._qbo_app_url(line.qbo_entity, line.qbo_id) if line.qbo_id else False

    def _label(self):
        self.ensure_one()
        if self.kind in ("customer", "vendor"):
            label = (
                self.env._("Customer %(name)s (%(currency)s)")
                if self.kind == "customer"
                else self.env._("Vendor %(name)s (%(currency)s)")
            )
            return label % {"name": self.partner_id.display_name or self.qbo_id, "currency": self.customer_currency}
        odoo = self.move_id.name or (self.kind != "qbo_only" and self.env._("(deleted move)")) or ""
        qbo = f"{self.qbo_entity} {self.qbo_doc_number or self.qbo_id}" if self.qbo_id else ""
        return " / ".join(part for part in (odoo, qbo) if part)
