from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    quickbooks_backend_ids = fields.One2many("quickbooks.backend", "company_id", string="QuickBooks Connections")
