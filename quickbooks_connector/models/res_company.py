from odoo import api, fields, models

from ..tools.access import check_values


class ResCompany(models.Model):
    _inherit = "res.company"

    quickbooks_backend_ids = fields.One2many("quickbooks.backend", "company_id", string="QuickBooks Connections")

    # Connections are created from the settings and never move between companies: not through here.
    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, create=True, own_model=False)
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, [vals], own_model=False)
        return super().write(vals)
