"""The webhook's way into the inbox: check the signature, read the delivery, store its events.

Called by the public ``/quickbooks/webhook`` route (``controllers/webhook.py``) before Odoo answers
Intuit.  Nothing of a body is parsed before its ``intuit-signature`` matches the verifier token of a
connection (those of the realms it names are tried first); the events are then stored for the
connections whose token matched (see ``quickbooks_webhook_event.py`` for what becomes of them).
"""

from odoo import api, models
from odoo.exceptions import UserError

from .. import const
from ..qbo import WebhookPayloadError, verify_signature
from ..qbo.redact import get_logger
from ..qbo.webhooks import read_delivery
from ..tools.dates import naive_utc
from .quickbooks_webhook_event import change_key

_logger = get_logger(__name__)

#: The answer to a correctly signed body that is not an Intuit delivery: 400 keeps it queued and
#: visible at Intuit (a format change on their side loses nothing; change data capture catches up).
UNREADABLE_STATUS = 400


class QuickbooksWebhookEvent(models.Model):
    _inherit = "quickbooks.webhook.event"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    @api.model
    def _receive_delivery(self, raw_body: bytes, signature: str | None):
        """Verify, store and queue one webhook delivery: returns ``(http status, json body)``.

        The signature is checked on the raw bytes, before parsing, against the verifier tokens of the
        connections, a bounded number of them (see ``_backends_signed``; Intuit signs per app, a delivery
        can carry several realms).  Events are routed only to connections whose token matched.
        """
        signed = self._backends_signed(raw_body, signature)
        if not signed:
            _logger.warning(
                "QuickBooks webhook refused: %s signature (%d bytes)", "bad" if signature else "missing", len(raw_body)
            )
            return 401, {"error": "invalid signature"}
        try:
            delivery = read_delivery(raw_body)
        except WebhookPayloadError as error:
            _logger.warning(
                "QuickBooks webhook: signed delivery of %d bytes is not an Intuit delivery: %s", len(raw_body), error
            )
            return UNREADABLE_STATUS, {"error": "unreadable delivery"}
        for skipped in delivery.skipped[: const.INBOX_LOGGED_SKIPS]:
            _logger.warning(
                "QuickBooks webhook: %s event %s skipped (change data capture will catch up): %s",
                delivery.format,
                skipped.position,
                skipped.reason,
            )
        if len(delivery.skipped) > const.INBOX_LOGGED_SKIPS:
            _logger.warning(
                "QuickBooks webhook: %d more malformed event(s) of the delivery skipped",
                len(delivery.skipped) - const.INBOX_LOGGED_SKIPS,
            )
        if delivery.skipped and not delivery.events:
            return UNREADABLE_STATUS, {"error": "unreadable delivery"}
        events = delivery.events
        by_realm = {}
        for backend in signed:
            by_realm.setdefault(backend.realm_id, []).append(backend)
        values, unrouted = [], {}
        for event in events:
            targets = by_realm.get(event.realm_id)
            if not targets:
                unrouted[event.realm_id] = unrouted.get(event.realm_id, 0) + 1
                continue
            for backend in targets:
                values.extend(self._webhook_values(backend, event))
        for realm, count in unrouted.items():
            _logger.info(
                "QuickBooks webhook: %d event(s) for realm %s dropped: no connection of this database "
                "with that realm and verifier token",
                count,
                realm,
            )
        rows = self._insert_new(values)
        rows._schedule_processing()
        _logger.debug("QuickBooks webhook: %d event(s) read, %d new", len(events), len(rows))
        return 200, {"status": "ok"}

    @api.model
    def _own_creations(self, objects):
        """The (connection, entity, id) of ``objects`` whose rows only report a version Odoo already holds: the
        object is bound to the Odoo record that sent it, its sync record holds what QuickBooks answered then,
        and every row is either a webhook's *Create* (Intuit names the operation) or a change data capture
        row with that very SyncToken (change data capture only tells a creation by its times, which an
        update in the same second shares).  Reading it again would find that version, so no job is queued
        for it; any other change is applied as usual.  A creation reported before Odoo's own transaction
        committed finds no binding yet: it is queued and read, as any other."""
        wanted = {}
        for (backend, entity, qbo_id), rows in objects.items():
            if all(row.source == "webhook" and row.operation == "create" for row in rows) or all(
                row.source == "cdc" and row.operation != "delete" for row in rows
            ):
                wanted.setdefault((backend, entity), {})[qbo_id] = rows
        found = set()
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        for (backend, entity), by_id in wanted.items():
            bound = SyncRecords.search_fetch(
                [
                    ("backend_id", "=", backend.id),
                    ("qbo_entity", "=", entity),
                    ("qbo_id", "in", list(by_id)),
                    ("origin", "=", "odoo"),
                    ("state", "=", "done"),
                    ("last_request_id", "!=", False),
                ],
                ["qbo_id", "sync_token"],
            )
            for row in bound:
                versions = {
                    str((event.payload or {}).get("SyncToken")) for event in by_id[row.qbo_id] if event.source == "cdc"
                }
                if not versions or versions == {row.sync_token}:
                    found.add((backend, entity, row.qbo_id))
        return found

    @api.model
    def _backends_signed(self, raw_body: bytes, signature: str | None):
        """Connections whose verifier token produced ``signature`` for exactly these bytes.

        The work is bounded, whatever the body (up to ``const.MAX_WEBHOOK_BYTES``) and however many
        companies are connected: each distinct verifier token is tried once (the connections of one Intuit
        app share it), those of the connections whose realm id appears in the body first (a byte search:
        a delivery names the realm of each event; nothing is parsed before a signature matches), at most
        ``const.WEBHOOK_MAX_VERIFIER_TOKENS`` of them, and none after one matched (one app signed it).
        """
        matched = self.env["quickbooks.backend"].sudo()
        if not signature:
            return matched
        connected = matched.search([("state", "in", ("connected", "reconnect")), ("realm_id", "!=", False)], order="id")
        named = connected.filtered(lambda backend: backend.realm_id.encode() in raw_body)
        by_token = {}
        for backend in named + (connected - named):
            try:
                token = backend._get_webhook_verifier_token()
            except UserError:  # unreadable with the configured key: that connection cannot verify anything
                _logger.warning(
                    "QuickBooks webhook: the verifier token of %s cannot be decrypted", backend.display_name
                )
                continue
            if token:
                by_token[token] = by_token.get(token, matched.browse()) | backend
        for tried, (token, backends) in enumerate(by_token.items()):
            if tried == const.WEBHOOK_MAX_VERIFIER_TOKENS:
                _logger.warning(
                    "QuickBooks webhook: the signature matched none of the first %d Intuit apps tried (of %d)",
                    tried,
                    len(by_token),
                )
                break
            if verify_signature(raw_body, signature, token):
                return backends
        return matched

    @api.model
    def _webhook_values(self, backend, event):
        """Inbox values of one parsed event (a merge also retires the object merged away)."""
        occurred = naive_utc(event.occurred_at)
        payload = {
            "realm_id": event.realm_id,
            "entity": event.entity,
            "entity_id": event.entity_id,
            "operation": event.operation,
            "occurred_at": event.occurred_at.isoformat() if event.occurred_at else None,
            "event_id": event.event_id,
            "deleted_id": event.deleted_id,
            "format": "cloudevents" if event.event_id else "classic",
        }
        common = {
            "backend_id": backend.id,
            "realm_id": event.realm_id,
            "entity": event.entity,
            "occurred_at": occurred,
            "event_id": event.event_id,
            "source": "webhook",
            "payload": payload,
        }
        values = [
            {
                **common,
                "qbo_id": event.entity_id,
                "operation": event.operation,
                "dedupe_key": event.dedupe_key,
                "change_key": change_key(event.entity, event.entity_id, occurred, event.operation == "delete"),
            }
        ]
        if event.operation == "merge" and event.deleted_id:
            values.append(
                {
                    **common,
                    "qbo_id": event.deleted_id,
                    "operation": "delete",
                    "dedupe_key": f"{event.dedupe_key}:merged-away",
                    "change_key": change_key(event.entity, event.deleted_id, occurred, True),
                }
            )
        return values
