"""Push sale.order → QBO Estimate (Odoo is master), with the connector's customers, Items, tax checks and totals.

A quotation sent or confirmed is created as an Estimate (requestid from the order, so a retried job gets
QuickBooks' first answer); later changes are sparse updates merged three ways on a stale SyncToken, each with
a requestid of its content.  A cancelled order's Estimate is only set Rejected: its lines no longer matter.
An Estimate already in QuickBooks under the order's number, made from it (its memo names the order), is bound
instead of made twice.
"""

import dataclasses
import json

from odoo import api, models
from odoo.addons.quickbooks_connector.adapters import MappingProblem
from odoo.addons.quickbooks_connector.adapters.entities import ESTIMATE, owned, qbo_entity
from odoo.addons.quickbooks_connector.qbo.totals import differences, payload_totals

from ..adapters import estimate_document, order_accounts, order_products
from ..adapters.order_document import STATUS_OF_STATE


class QuickbooksPush(models.AbstractModel):
    _inherit = "quickbooks.push"

    @api.model
    def _push_estimate(self, backend, order, client=None):
        """Create or update the QBO Estimate of ``order``; returns its sync record."""
        row = self.env["quickbooks.sync.state"]._binding_for(backend, order, ESTIMATE)
        if not row.qbo_id and order.state not in ("sent", "sale"):
            if order.state == "cancel":
                row._mark_skipped(self.env._("Cancelled before it reached QuickBooks: nothing was sent."))
            else:
                row._mark_draft(self.env._("A quotation not sent yet: sending or confirming it sends it."))
            return row
        client = client or backend._qbo_client()
        if order.state == "cancel":
            self._update_estimate(backend, order, row, {"TxnStatus": STATUS_OF_STATE["cancel"]}, client)
            return row
        customer_row = self._push_customer(backend, order.partner_id.commercial_partner_id, order.currency_id, client)
        accounts = order_accounts(order)
        self._ensure_items(backend, accounts, client)
        mappings = dataclasses.replace(
            self._quickbooks_mappings(backend, accounts, taxes=True),
            product_items=self._items_of_products(backend, order_products(order), client),
        )
        try:
            document = estimate_document(
                order,
                mappings,
                customer_row.qbo_id,
                is_us=backend._is_us_company(),
                automated_sales_tax=backend.qbo_automated_sales_tax,
            )
        except MappingProblem as problem:
            row._fail_with_note(
                self.env._("Not sent to QuickBooks, map first:\n%s", "\n".join(problem.problems)), kind="mapping"
            )
            return row
        body = qbo_entity(ESTIMATE).build(document.data)
        predicted = differences(document.odoo_totals, payload_totals(body), per_rate=document.compare_per_rate)
        if predicted:
            row._fail_with_note(
                self.env._(
                    "Not sent to QuickBooks: the estimate would not agree with Odoo (%(diff)s). Odoo: %(odoo)s.",
                    diff="; ".join(predicted),
                    odoo=document.odoo_totals.describe(order.currency_id.name),
                ),
                kind="totals",
            )
            return row
        if row.qbo_id:
            stored = self._update_estimate(backend, order, row, owned(ESTIMATE, body), client)
        else:
            stored = self._create_estimate(backend, order, row, body, client)
        if stored is not None:
            self._check_totals(order, row, stored, document)
        return row

    def _create_estimate(self, backend, order, row, body, client):
        existing = [
            found
            for found in (client.find_by(ESTIMATE, "DocNumber", order.name[:21]) if row.attempts else [])
            if order.name in (found.get("PrivateNote") or "")
        ]
        if existing and not self.env["quickbooks.sync.state"]._binding_for_qbo(backend, ESTIMATE, existing[0]["Id"]):
            # An earlier attempt made it and its answer was lost (the requestid replay has expired): bind it.
            row._mark_done(existing[0], owned(ESTIMATE, existing[0]))
            return self._update_estimate(backend, order, row, owned(ESTIMATE, body), client)
        request_id = self._request_id(ESTIMATE, order.id, "create")
        stored = client.create(ESTIMATE, body, request_id=request_id)
        row._mark_done(stored, owned(ESTIMATE, body), last_request_id=request_id, attempts=row.attempts + 1)
        order.message_post(
            body=self.env._("Sent to QuickBooks as Estimate #%s.", stored.get("DocNumber") or stored["Id"])
        )
        return stored

    def _update_estimate(self, backend, order, row, ours, client):
        content = json.dumps(ours, sort_keys=True, default=str)
        request_id = self._request_id(ESTIMATE, order.id, "update", row.sync_token, content)
        stored = self._merged_update(client, row, order, ESTIMATE, ours, qbo_entity(ESTIMATE).owned_fields, request_id)
        if "TxnStatus" in ours:
            order.message_post(
                body=self.env._(
                    "QuickBooks Estimate #%(number)s updated (%(status)s).",
                    number=stored.get("DocNumber") or stored["Id"],
                    status=stored.get("TxnStatus"),
                )
            )
        return stored
