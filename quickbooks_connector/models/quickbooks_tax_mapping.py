"""Odoo taxes ↔ QuickBooks tax codes.

Outside the US every QBO sales line needs a tax code (QBO refuses the invoice otherwise), so each
Odoo sales tax maps to a QBO TaxCode, and untaxed lines use the connection's "exempt" code.  US
companies mark lines TAX/NON and name one tax code for the whole document.  Purchase taxes map to
tax codes too: a bill line carries the code, and QuickBooks books it at the code's purchase rates.
"""

from odoo import api, fields, models

from ..qbo.redact import get_logger

_logger = get_logger(__name__)


class QuickbooksQboTaxCode(models.Model):
    _name = "quickbooks.qbo.tax.code"
    _description = "QuickBooks tax code"
    _order = "name, id"

    backend_id = fields.Many2one("quickbooks.backend", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    qbo_id = fields.Char("QuickBooks ID", required=True)
    name = fields.Char(required=True)
    taxable = fields.Boolean()
    rate = fields.Float("Combined Rate (%)", digits=(16, 4))
    rate_details = fields.Json(
        help="The QuickBooks sales tax rates of this code: [{'id', 'name', 'rate'}]. Odoo's tax amounts are "
             "sent per rate.")
    purchase_rate = fields.Float("Combined Purchase Rate (%)", digits=(16, 4))
    purchase_rate_details = fields.Json(
        help="The QuickBooks purchase tax rates of this code (input tax on bills): [{'id', 'name', 'rate'}].")
    qbo_active = fields.Boolean("Active in QuickBooks", default=True)

    _backend_qbo_uniq = models.Constraint("UNIQUE(backend_id, qbo_id)", "This tax code is already known.")

    @api.depends("name", "rate", "qbo_active")
    def _compute_display_name(self):
        for code in self:
            code.display_name = f"{code.name} ({code.rate:g}%)" if code.taxable else code.name

    @api.model
    def _pull_for_backend(self, backend, client=None):
        """Read QBO's tax codes and rates; the combined rate helps proposing mappings."""
        client = client or backend._qbo_client()
        rates = {row["Id"]: row for row in client.query_all("TaxRate", "Active in (true, false)")}
        known = {code.qbo_id: code for code in self.search([("backend_id", "=", backend.id)])}
        def details_of(rate_list):
            found = []
            for detail in (rate_list or {}).get("TaxRateDetail") or []:
                rate_id = str((detail.get("TaxRateRef") or {}).get("value") or "")
                rate = rates.get(rate_id) or {}
                found.append({"id": rate_id, "name": rate.get("Name") or (detail.get("TaxRateRef") or {}).get(
                    "name"), "rate": float(rate.get("RateValue") or 0)})
            return found

        for row in client.query_all("TaxCode", "Active in (true, false)"):
            rate_details = details_of(row.get("SalesTaxRateList"))
            purchase_details = details_of(row.get("PurchaseTaxRateList"))
            values = {
                "name": row.get("Name") or row["Id"],
                "taxable": bool(row.get("Taxable")),
                "rate": sum(rate["rate"] for rate in rate_details),
                "rate_details": rate_details,
                "purchase_rate": sum(rate["rate"] for rate in purchase_details),
                "purchase_rate_details": purchase_details,
                "qbo_active": bool(row.get("Active", True)),
            }
            if row["Id"] in known:
                known[row["Id"]].write(values)
            else:
                self.create({**values, "backend_id": backend.id, "qbo_id": row["Id"]})
        return self.search([("backend_id", "=", backend.id)])


class QuickbooksTaxMapping(models.Model):
    _name = "quickbooks.tax.mapping"
    _description = "QuickBooks tax mapping"
    _order = "tax_id"
    _check_company_auto = True

    backend_id = fields.Many2one("quickbooks.backend", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    tax_id = fields.Many2one("account.tax", "Odoo Tax", required=True, ondelete="cascade", check_company=True,
                             domain="[('type_tax_use', 'in', ('sale', 'purchase'))]")
    qbo_tax_code_id = fields.Many2one("quickbooks.qbo.tax.code", "QuickBooks Tax Code", required=True,
                                      ondelete="restrict", domain="[('backend_id', '=', backend_id)]")

    _backend_tax_uniq = models.Constraint("UNIQUE(backend_id, tax_id)", "This tax is already mapped.")

    @api.model_create_multi
    def create(self, vals_list):
        mappings = super().create(vals_list)
        mappings.backend_id._retry_mapping_failures()
        return mappings

    def write(self, vals):
        result = super().write(vals)
        self.backend_id._retry_mapping_failures()
        return result

    @api.model
    def _unmapped_sale_taxes(self, backend):
        """Active percent taxes of the backend's company that documents it syncs use, with no QuickBooks tax
        code yet: sales taxes, and purchase taxes when vendor bills are synced."""
        mapped = self.search([("backend_id", "=", backend.id)]).tax_id
        uses = ("sale", "purchase") if backend.sync_bills else ("sale",)
        taxes = self.env["account.tax"].search([("company_id", "=", backend.company_id.id),
                                                ("type_tax_use", "in", uses), ("amount_type", "=", "percent")])
        return taxes - mapped

    def _propose_for_backend(self, backend):
        """Map each unmapped tax to the active QBO code with the same combined rate (its purchase rate for a
        purchase tax), if only one code has it."""
        codes = self.env["quickbooks.qbo.tax.code"].search(
            [("backend_id", "=", backend.id), ("qbo_active", "=", True), ("taxable", "=", True)])
        created = self.browse()
        for tax in self._unmapped_sale_taxes(backend):
            purchase = tax.type_tax_use == "purchase"
            same_rate = codes.filtered(lambda code, tax=tax, purchase=purchase: (
                abs(code.purchase_rate - tax.amount) < 1e-6 and bool(code.purchase_rate_details)) if purchase
                else abs(code.rate - tax.amount) < 1e-6)
            if len(same_rate) == 1:
                created |= self.create({"backend_id": backend.id, "tax_id": tax.id, "qbo_tax_code_id": same_rate.id})
        return created
