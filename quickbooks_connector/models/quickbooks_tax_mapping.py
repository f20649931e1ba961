"""Odoo taxes ↔ QuickBooks tax codes.

Outside the US every QBO sales line needs a tax code (QBO refuses the invoice otherwise), so each
Odoo sales tax maps to a QBO TaxCode, and untaxed lines use the connection's "exempt" code.  US
companies mark lines TAX/NON and name one tax code for the whole document.  Purchase taxes map to
tax codes too: a bill line carries the code, and QuickBooks books it at the code's purchase rates.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..qbo.redact import get_logger
from ..tools.access import check_backends, check_values

_logger = get_logger(__name__)


class QuickbooksTaxMapping(models.Model):
    _name = "quickbooks.tax.mapping"
    _description = "QuickBooks tax mapping"
    _order = "tax_id"
    _check_company_auto = True

    backend_id = fields.Many2one("quickbooks.backend", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    tax_id = fields.Many2one(
        "account.tax",
        "Odoo Tax",
        required=True,
        ondelete="cascade",
        check_company=True,
        domain="[('type_tax_use', 'in', ('sale', 'purchase'))]",
    )
    qbo_tax_code_id = fields.Many2one(
        "quickbooks.qbo.tax.code",
        "QuickBooks Tax Code",
        required=True,
        ondelete="restrict",
        domain="[('backend_id', '=', backend_id)]",
    )

    tax_use = fields.Selection(related="tax_id.type_tax_use", string="Used On")
    applied_rate = fields.Float(
        "QuickBooks Rate (%)",
        compute="_compute_applied_rate",
        digits=(16, 4),
        help="The rate QuickBooks applies with this code to what the tax is used on: its sales rate for a "
        "sales tax, its purchase rate for a purchase tax.",
    )

    _backend_tax_uniq = models.Constraint("UNIQUE(backend_id, tax_id)", "This tax is already mapped.")

    #: What a manager writes (the connection: when the mapping is created).
    _quickbooks_writable = frozenset({"tax_id", "qbo_tax_code_id"})
    _quickbooks_on_create = frozenset({"backend_id"})

    @api.depends("tax_id.type_tax_use", "qbo_tax_code_id.rate", "qbo_tax_code_id.purchase_rate")
    def _compute_applied_rate(self):
        for mapping in self:
            code = mapping.qbo_tax_code_id
            mapping.applied_rate = code.purchase_rate if mapping.tax_id.type_tax_use == "purchase" else code.rate

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, self._quickbooks_writable, self._quickbooks_on_create, create=True)
        default = self.env.context.get("default_backend_id")
        check_backends(self.env, [vals.get("backend_id", default) for vals in vals_list])
        mappings = super().create(vals_list)
        mappings.backend_id._retry_mapping_failures()
        return mappings

    def write(self, vals):
        check_values(self, [vals], self._quickbooks_writable)
        result = super().write(vals)
        self.backend_id._retry_mapping_failures()
        return result

    @api.constrains("backend_id", "qbo_tax_code_id")
    def _check_tax_code_backend(self):
        for mapping in self.sudo():
            if mapping.qbo_tax_code_id.backend_id != mapping.backend_id:
                raise ValidationError(self.env._("Map to a tax code of this connection's QuickBooks company."))

    @api.model
    def _unmapped_sale_taxes(self, backend):
        """Active percent taxes of the backend's company that documents it syncs use, with no QuickBooks tax
        code yet: sales taxes, and purchase taxes when vendor bills are synced."""
        mapped = self.search([("backend_id", "=", backend.id)]).tax_id
        uses = ("sale", "purchase") if backend.sync_bills else ("sale",)
        taxes = self.env["account.tax"].search(
            [("company_id", "=", backend.company_id.id), ("type_tax_use", "in", uses), ("amount_type", "=", "percent")]
        )
        return taxes - mapped

    def _propose_for_backend(self, backend):
        """Map each unmapped tax to the active QBO code with the same combined rate (its purchase rate for a
        purchase tax), if only one code has it."""
        codes = self.env["quickbooks.qbo.tax.code"].search(
            [("backend_id", "=", backend.id), ("qbo_active", "=", True), ("taxable", "=", True)]
        )
        created = self.browse()
        for tax in self._unmapped_sale_taxes(backend):
            purchase = tax.type_tax_use == "purchase"
            same_rate = codes.filtered(
                lambda code, tax=tax, purchase=purchase: (
                    (abs(code.purchase_rate - tax.amount) < 1e-6 and bool(code.purchase_rate_details))
                    if purchase
                    else abs(code.rate - tax.amount) < 1e-6
                )
            )
            if len(same_rate) == 1:
                created |= self.create({"backend_id": backend.id, "tax_id": tax.id, "qbo_tax_code_id": same_rate.id})
        return created
