"""QuickBooks tax codes of a connection, as read from QuickBooks (with their sales and purchase rates).

The tax mapping (``quickbooks_tax_mapping.py``) maps Odoo taxes to them.
"""

from odoo import api, fields, models


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
        "sent per rate."
    )
    purchase_rate = fields.Float("Combined Purchase Rate (%)", digits=(16, 4))
    purchase_rate_details = fields.Json(
        help="The QuickBooks purchase tax rates of this code (input tax on bills): [{'id', 'name', 'rate'}]."
    )
    qbo_active = fields.Boolean("Active in QuickBooks", default=True)

    _backend_qbo_uniq = models.Constraint("UNIQUE(backend_id, qbo_id)", "This tax code is already known.")

    @api.depends("name", "rate", "qbo_active")
    def _compute_display_name(self):
        for code in self:
            code.display_name = f"{code.name} ({code.rate:g}%)" if code.taxable else code.name

    @api.model
    def _pull_for_backend(self, backend, client=None):
        """Read QBO's tax codes and rates; the combined rate helps proposing mappings.  The copy is QuickBooks'
        word: only this code writes it (managers read it), after the caller checked who asks."""
        Codes = self.sudo()
        client = client or backend._qbo_client()
        rates = {row["Id"]: row for row in client.query_all("TaxRate", "Active in (true, false)")}
        known = {code.qbo_id: code for code in Codes.search([("backend_id", "=", backend.id)])}

        def details_of(rate_list):
            found = []
            for detail in (rate_list or {}).get("TaxRateDetail") or []:
                rate_id = str((detail.get("TaxRateRef") or {}).get("value") or "")
                rate = rates.get(rate_id) or {}
                found.append(
                    {
                        "id": rate_id,
                        "name": rate.get("Name") or (detail.get("TaxRateRef") or {}).get("name"),
                        "rate": float(rate.get("RateValue") or 0),
                    }
                )
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
                Codes.create({**values, "backend_id": backend.id, "qbo_id": row["Id"]})
        return self.search([("backend_id", "=", backend.id)])
