"""Push res.partner → QBO Customer (Odoo is master).

First push: adopt a QBO customer with the same display name and currency (connecting to a company
that already has customers must not duplicate them), else create one with a deterministic
requestid.  Later pushes are sparse updates with the SyncToken, merged three ways when QBO says
the token is stale.  A partner invoiced in a second currency gets its own QBO customer, because a
QBO customer has one currency for life.
"""

from odoo import _, api, fields, models

from ..adapters import CUSTOMER_OWNED_FIELDS, customer_data, customer_display_name
from ..qbo import DuplicateNameError
from ..qbo.payloads import build_customer
from ..qbo.redact import get_logger
from .quickbooks_push_move import LOOKUP_VALIDITY

_logger = get_logger(__name__)

_IDENTITY = ("Id", "SyncToken", "sparse")


def _owned(body):
    return {key: value for key, value in body.items() if key in CUSTOMER_OWNED_FIELDS}


class QuickbooksPush(models.AbstractModel):
    _inherit = "quickbooks.push"

    @api.model
    def _customer_key(self, backend, currency):
        """Ledger binding key: "" for the home currency, the currency code otherwise."""
        home = backend.qbo_home_currency or backend.company_id.currency_id.name
        return "" if not currency or currency.name == home else currency.name

    @api.model
    def _push_customer(self, backend, partner, currency=None, client=None):
        """Create or update the QBO customer of ``partner`` in ``currency``; returns its ledger row."""
        partner = partner.commercial_partner_id
        currency = currency or backend.company_id.currency_id
        client = client or backend._qbo_client()
        home = backend.qbo_home_currency or backend.company_id.currency_id.name
        row = self.env["quickbooks.sync.state"]._binding_for(
            backend, partner, "Customer", key=self._customer_key(backend, currency))
        if row.qbo_id:
            return self._update_customer(backend, partner, currency, row, client, home)
        return self._create_customer(backend, partner, currency, row, client, home)

    def _find_customer(self, client, display_name):
        quoted = display_name.replace("\\", "\\\\").replace("'", "\\'")
        return next(iter(client.query_all("Customer", f"DisplayName = '{quoted}' and Active in (true, false)")), None)

    def _create_customer(self, backend, partner, currency, row, client, home):
        looked_up = row.qbo_absent_at and row.qbo_absent_at >= fields.Datetime.now() - LOOKUP_VALIDITY
        for suffix in (None, f"Odoo {partner.id}"):
            body = build_customer(customer_data(partner, currency, home, suffix))
            # A backfill looked the plain name up in a batch already; a refused name is looked up anyway.
            existing = None if (looked_up and not suffix) else self._find_customer(client, body["DisplayName"])
            if existing:
                if (existing.get("CurrencyRef") or {}).get("value", home) != currency.name:
                    continue  # same name, other currency: not ours to adopt
                if self.env["quickbooks.sync.state"]._binding_for_qbo(backend, "Customer", existing["Id"]):
                    continue  # already bound to another Odoo partner
                row._mark_done(existing, _owned(existing))  # adopt, then make it match Odoo (Odoo is master)
                partner.message_post(body=_("Linked to the existing QuickBooks customer %s.", existing["DisplayName"]))
                return self._update_customer(backend, partner, currency, row, client, home)
            request_id = self._request_id("Customer", partner.id, currency.name, "create", suffix or "")
            try:
                created = client.create("Customer", body, request_id=request_id)
            except DuplicateNameError:
                continue  # a vendor or employee holds the name: try the disambiguated one
            row._mark_done(created, _owned(body), last_request_id=request_id, attempts=row.attempts + 1)
            partner.message_post(body=_("Created in QuickBooks as customer %s.", created["DisplayName"]))
            return row
        raise DuplicateNameError(
            _("QuickBooks already uses the name %s for another customer, vendor or employee; rename the "
              "partner or the QuickBooks record.", customer_display_name(partner, currency, home)), code="6240")

    def _update_customer(self, backend, partner, currency, row, client, home):
        suffix = None
        base = row.synced_values or {}
        if base.get("DisplayName") and base["DisplayName"] != customer_display_name(partner, currency, home):
            # Keep a disambiguated name chosen at creation unless the partner was renamed since.
            wanted = customer_display_name(partner, currency, home, f"Odoo {partner.id}")
            suffix = f"Odoo {partner.id}" if base["DisplayName"] == wanted else None
        ours = _owned(build_customer(customer_data(partner, currency, home, suffix), object_id=row.qbo_id,
                                     sync_token=row.sync_token or "0"))
        if ours == base:
            return row  # nothing Odoo owns changed since the last push
        request_id = self._request_id("Customer", partner.id, currency.name, "update", row.sync_token,
                                      sorted(ours.items()))
        self._merged_update(client, row, partner, "Customer", ours, CUSTOMER_OWNED_FIELDS, request_id)
        return row
