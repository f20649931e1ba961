"""Reconcile a chosen amount: a QuickBooks payment applies given amounts to given invoices (and splits
a credit memo between invoices), where Odoo's reconcile() always matches as much as it can."""

from odoo import api, models

from ..tools.switches import RECONCILE_CAPS, switch


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    @api.model
    def _prepare_reconciliation_plan(self, plan, amls_values_map, shadowed_aml_values=None):
        # Odoo 19 has no public "reconcile this much": capping the residuals the reconciliation engine
        # starts from keeps its exchange-difference and full-reconcile handling (private API: re-check
        # on upgrades; covered by the settlement tests).
        # {account.move.line id: the most this reconciliation may take from it, in its currency}
        caps = switch(self.env, RECONCILE_CAPS) or {}
        for aml, values in amls_values_map.items():
            cap = caps.get(aml.id)
            if cap is None or values.get("quickbooks_capped"):
                continue
            values["quickbooks_capped"] = True
            residual_currency = values["amount_residual_currency"]
            if aml.currency_id.compare_amounts(abs(residual_currency), cap) <= 0:
                continue
            sign = 1 if residual_currency > 0 else -1
            values["amount_residual_currency"] = sign * cap
            if aml.currency_id == aml.company_currency_id:
                values["amount_residual"] = sign * cap
            else:  # at the line's own rate, as the engine values it
                values["amount_residual"] = aml.company_currency_id.round(
                    sign * cap * abs(aml.balance / aml.amount_currency)
                )
        return super()._prepare_reconciliation_plan(plan, amls_values_map, shadowed_aml_values)
