"""Push res.partner → QBO Customer or Vendor (Odoo is master).

First push: adopt a QBO customer (vendor) with the same display name and currency (connecting to a
company that already has them must not duplicate them), else create one with a deterministic
requestid.  Later pushes are sparse updates with the SyncToken, merged three ways when QBO says
the token is stale.  A partner invoiced (billed) in a second currency gets its own QBO object,
because a QBO customer or vendor has one currency for life.

Customers, vendors and employees share one name space in QuickBooks (error 6240).  A customer
carries the partner's name; a vendor too, unless the partner is also a customer: its vendor is then
"<name> [Vendor]".  A name already taken by someone else gets the partner's Odoo id as well.
"""

from odoo import api, fields, models

from .. import const
from ..adapters import customer_data, customer_display_name, vendor_data
from ..adapters.entities import owned, qbo_entity
from ..adapters.sides import PAYABLE, RECEIVABLE
from ..qbo import DuplicateNameError, quote_literal
from ..qbo.payables import build_vendor
from ..qbo.payloads import build_customer
from ..qbo.redact import get_logger

_logger = get_logger(__name__)


def _suffixes(side, partner):
    """The display-name suffixes tried in turn (None: the partner's own name)."""
    if side is RECEIVABLE:
        return (None, f"Odoo {partner.id}")
    return (None, "Vendor", f"Vendor, Odoo {partner.id}")


def _body(side, partner, currency, home, suffix, **identity):
    if side is RECEIVABLE:
        return build_customer(customer_data(partner, currency, home, suffix), **identity)
    return build_vendor(vendor_data(partner, currency, home, suffix), **identity)


class QuickbooksPush(models.AbstractModel):
    _inherit = "quickbooks.push"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    @api.model
    def _customer_key(self, backend, currency, side=RECEIVABLE):
        """SyncRecords binding key: the side's prefix, and the currency code unless it is the home currency."""
        home = backend.qbo_home_currency or backend.company_id.currency_id.name
        return side.party_key("" if not currency or currency.name == home else currency.name)

    @api.model
    def _push_customer(self, backend, partner, currency=None, client=None):
        """Create or update the QBO customer of ``partner`` in ``currency``; returns its sync record."""
        return self._push_party(backend, partner, currency, client, RECEIVABLE)

    @api.model
    def _push_vendor(self, backend, partner, currency=None, client=None):
        """Create or update the QBO vendor of ``partner`` in ``currency``; returns its sync record."""
        return self._push_party(backend, partner, currency, client, PAYABLE)

    @api.model
    def _push_party(self, backend, partner, currency, client, side):
        partner = partner.commercial_partner_id
        currency = currency or backend.company_id.currency_id
        client = client or backend._qbo_client()
        home = backend.qbo_home_currency or backend.company_id.currency_id.name
        row = self.env["quickbooks.sync.state"]._binding_for(
            backend, partner, side.party_entity, key=self._customer_key(backend, currency, side)
        )
        if row.qbo_id:
            return self._update_party(backend, partner, currency, row, client, home, side)
        return self._create_party(backend, partner, currency, row, client, home, side)

    def _find_party(self, client, entity, display_name):
        condition = f"DisplayName = {quote_literal(display_name)} and Active in (true, false)"
        return next(iter(client.query_all(entity, condition)), None)

    def _create_party(self, backend, partner, currency, row, client, home, side):
        entity = side.party_entity
        looked_up = row.qbo_absent_at and row.qbo_absent_at >= fields.Datetime.now() - const.LOOKUP_VALIDITY
        # A partner that is also a customer leaves its own name to its customer.
        name_is_customers = side is PAYABLE and partner.customer_rank > 0
        for suffix in _suffixes(side, partner):
            body = _body(side, partner, currency, home, suffix)
            # A backfill looked the plain name up in a batch already; a refused name is looked up anyway.
            existing = None if (looked_up and not suffix) else self._find_party(client, entity, body["DisplayName"])
            if existing:
                if (existing.get("CurrencyRef") or {}).get("value", home) != currency.name:
                    continue  # same name, other currency: not ours to adopt
                if self.env["quickbooks.sync.state"]._binding_for_qbo(backend, entity, existing["Id"]):
                    continue  # already bound to another Odoo partner
                row._mark_done(existing, owned(entity, existing))  # adopt, then make it match Odoo (Odoo is master)
                partner._message_log(
                    body=self.env._(
                        "Linked to the existing QuickBooks %(entity)s %(name)s.",
                        entity=entity.lower(),
                        name=existing["DisplayName"],
                    )
                )
                return self._update_party(backend, partner, currency, row, client, home, side)
            if name_is_customers and suffix is None:
                continue
            request_id = self._request_id(entity, partner.id, currency.name, "create", suffix or "")
            try:
                created = client.create(entity, body, request_id=request_id)
            except DuplicateNameError:
                continue  # another customer, vendor or employee holds the name: try the next one
            row._mark_done(created, owned(entity, body), last_request_id=request_id, attempts=row.attempts + 1)
            partner._message_log(
                body=self.env._(
                    "Created in QuickBooks as %(entity)s %(name)s.", entity=entity.lower(), name=created["DisplayName"]
                )
            )
            return row
        raise DuplicateNameError(
            self.env._(
                "QuickBooks already uses the name %s for another customer, vendor or employee; rename the "
                "partner or the QuickBooks record.",
                customer_display_name(partner, currency, home),
            ),
            code="6240",
        )

    def _update_party(self, backend, partner, currency, row, client, home, side):
        base = row.synced_values or {}
        # Keep the suffix chosen at creation (also when the partner was renamed since).
        chosen = base.get("DisplayName") or ""
        suffix = next((s for s in reversed(_suffixes(side, partner)) if s and chosen.endswith(f" [{s}]")), None)
        ours = owned(
            side.party_entity,
            _body(side, partner, currency, home, suffix, object_id=row.qbo_id, sync_token=row.sync_token or "0"),
        )
        if ours == base:
            return row  # nothing Odoo owns changed since the last push
        request_id = self._request_id(
            side.party_entity, partner.id, currency.name, "update", row.sync_token, sorted(ours.items())
        )
        owned_fields = qbo_entity(side.party_entity).owned_fields
        self._merged_update(client, row, partner, side.party_entity, ours, owned_fields, request_id)
        return row
