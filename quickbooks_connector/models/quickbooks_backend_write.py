"""Who writes what on a QuickBooks connection.

A manager configures the connection of their company (the Intuit app, what to synchronise, the
alerts); a system administrator says where QuickBooks is.  The company is chosen when the
connection is created and never changes (its tokens and bindings are that company's).  The realm,
the state, the tokens and what QuickBooks said of its company are written by the connector's own
code only (``sudo()``): the ORM's write path is callable by any logged-in user, and a realm id
written by hand would skip the checks of ``_complete_authorization``.
"""

from odoo import api, models
from odoo.exceptions import AccessError, ValidationError

from .. import const
from ..tools.access import check_system, check_values


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    #: Where QuickBooks is: changing any of these sends the next token somewhere else.
    ENDPOINT_FIELDS = ("environment", "custom_base_url")
    #: What a QuickBooks manager writes on a connection of their company (``ENDPOINT_FIELDS``: system
    #: administrators only).  Everything else is the connector's own (the realm, the state, the tokens,
    #: what QuickBooks said of its company) and is written by its code only: see ``check_values``.
    _quickbooks_writable = frozenset(
        {
            "name",
            "active",
            *ENDPOINT_FIELDS,
            "minorversion",
            "client_id",
            "client_secret",
            "webhook_verifier_token",
            "qbo_exempt_tax_code_id",
            "tax_mapping_ids",
            "mapping_ids",
            "sync_customers",
            "sync_invoices",
            "sync_payments_to_qbo",
            "sync_payments_from_qbo",
            "sync_bills",
            "qbo_products_as_items",
            "class_plan_id",
            "location_plan_id",
            "tracking_mapping_ids",
            "slack_webhook_url",
            "reconciliation_threshold",
            "reconciliation_hour",
            "reconciliation_tz",
            "fx_gain_account_code",
            "fx_loss_account_code",
            "fx_tolerance",
        }
    )
    #: Chosen when the connection is created, never changed: its tokens and bindings are one company's.
    _quickbooks_on_create = frozenset({"company_id"})

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, self._quickbooks_writable, self._quickbooks_on_create, create=True)
        if not self.env.su:
            default = self.env.context.get("default_company_id")
            companies = {vals.get("company_id", default) for vals in vals_list} - {None, False}
            if not companies <= set(self.env.user.company_ids.ids):
                raise AccessError(self.env._("A QuickBooks connection belongs to one of your companies."))
        if any(vals.get("environment") == "custom" or vals.get("custom_base_url") for vals in vals_list):
            check_system(self.env)
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, [vals], self._quickbooks_writable)
        moved = self.browse()
        if any(name in vals for name in self.ENDPOINT_FIELDS):
            moved = self.filtered(
                lambda b: any(b.sudo()[name] != vals[name] for name in self.ENDPOINT_FIELDS if name in vals)
            )
            if moved:
                check_system(self.env)
        result = super().write(vals)
        if moved:
            # Tokens granted for one server are never sent to another: the connection starts over.
            moved.sudo().write({**const.TOKEN_RESET, "state": "disconnected" if moved.realm_id else "draft"})
            for backend in moved:
                backend.message_post(
                    body=self.env._("QuickBooks server changed: the tokens were removed, connect again.")
                )
        if "qbo_exempt_tax_code_id" in vals:
            self._retry_mapping_failures()
        return result

    @api.constrains("qbo_exempt_tax_code_id")
    def _check_exempt_tax_code(self):
        for backend in self.sudo():
            if backend.qbo_exempt_tax_code_id and backend.qbo_exempt_tax_code_id.backend_id != backend:
                raise ValidationError(self.env._("The tax code for untaxed lines must be one of this connection's."))

    @api.constrains("environment", "custom_base_url")
    def _check_custom_base_url(self):
        for backend in self.sudo():
            if backend.environment == "custom" and not (backend.custom_base_url or "").startswith(
                ("http://", "https://")
            ):
                raise ValidationError(
                    self.env._("A custom QuickBooks server needs a URL starting with http:// or https://.")
                )
