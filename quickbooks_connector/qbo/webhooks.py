"""Intuit webhooks: signature check and parsing of both payload formats into one event type.

Intuit signs the raw request body: ``intuit-signature = base64(HMAC-SHA256(verifier token, body))``.
The check runs on the bytes as received, before any parsing, in constant time.  Deliveries come
either in the classic ``eventNotifications`` format or as CloudEvents (a JSON array); both become
:class:`WebhookEvent`.  Webhooks are notifications only: fetch the object before acting on it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import WebhookPayloadError

SIGNATURE_HEADER = "intuit-signature"

#: QBO entity names by their lower-case spelling in CloudEvents ``type`` strings.
ENTITY_NAMES = {name.lower(): name for name in (
    "Account", "Bill", "BillPayment", "Budget", "Class", "CreditMemo", "Currency", "Customer",
    "Department", "Deposit", "Employee", "Estimate", "Invoice", "Item", "JournalCode", "JournalEntry",
    "Payment", "PaymentMethod", "Preferences", "Purchase", "PurchaseOrder", "RefundReceipt",
    "SalesReceipt", "TaxAgency", "Term", "TimeActivity", "Transfer", "Vendor", "VendorCredit",
)}

#: Operation words of both formats, normalised.  Voids have been seen as both "void" and "voided".
_OPERATIONS = {
    "create": "create", "created": "create",
    "update": "update", "updated": "update",
    "delete": "delete", "deleted": "delete",
    "merge": "merge", "merged": "merge",
    "void": "void", "voided": "void",
    "emailed": "emailed",
}


@dataclass(frozen=True)
class WebhookEvent:
    """One change notification: which object of which company changed, and how."""

    realm_id: str
    entity: str
    entity_id: str
    operation: str  # create | update | delete | merge | void | emailed
    occurred_at: datetime | None
    event_id: str | None = None  # CloudEvents id; classic events have none
    deleted_id: str | None = None  # for merges: the object merged away

    @property
    def dedupe_key(self) -> str:
        """Same key for the same notification delivered twice, in either format."""
        if self.event_id:
            return f"ce:{self.event_id}"
        stamp = self.occurred_at.isoformat() if self.occurred_at else ""
        return f"classic:{self.realm_id}:{self.entity}:{self.entity_id}:{self.operation}:{stamp}"


def sign(raw_body: bytes, verifier_token: str) -> str:
    """The signature Intuit sends for ``raw_body`` (used by tests and the emulator)."""
    digest = hmac.new(verifier_token.encode(), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_signature(raw_body: bytes, signature: str | None, verifier_token: str) -> bool:
    """True only when ``signature`` is Intuit's HMAC of exactly these bytes (constant time)."""
    if not signature or not verifier_token:
        return False
    try:
        received = base64.b64decode(signature.strip(), validate=True)
    except (ValueError, TypeError):
        return False
    expected = hmac.new(verifier_token.encode(), raw_body, hashlib.sha256).digest()
    return hmac.compare_digest(received, expected)


def _parse_time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _operation(word: str) -> str:
    key = (word or "").strip().lower()
    if key not in _OPERATIONS:
        raise WebhookPayloadError(f"unknown webhook operation {word!r}")
    return _OPERATIONS[key]


def _entity(word: str) -> str:
    return ENTITY_NAMES.get((word or "").strip().lower(), word)


def _parse_classic(payload: dict[str, Any]) -> list[WebhookEvent]:
    events = []
    for notification in payload.get("eventNotifications") or []:
        realm = str(notification.get("realmId") or "")
        entities = (notification.get("dataChangeEvent") or {}).get("entities") or []
        for item in entities:
            if not realm or not item.get("id") or not item.get("name"):
                raise WebhookPayloadError("classic webhook event without realmId, name or id")
            events.append(WebhookEvent(
                realm_id=realm, entity=_entity(item["name"]), entity_id=str(item["id"]),
                operation=_operation(item.get("operation", "")),
                occurred_at=_parse_time(item.get("lastUpdated")),
                deleted_id=str(item["deletedId"]) if item.get("deletedId") else None,
            ))
    return events


def _parse_cloudevent(item: dict[str, Any]) -> WebhookEvent:
    # type: "qbo.<entity>.<operation>.v<N>"
    parts = str(item.get("type") or "").split(".")
    if len(parts) < 3 or not item.get("intuitentityid") or not item.get("intuitaccountid"):
        raise WebhookPayloadError("CloudEvents webhook event without type, entity id or account id")
    data = item.get("data") if isinstance(item.get("data"), dict) else {}
    deleted = data.get("deletedId") or data.get("deletedEntityId")
    return WebhookEvent(
        realm_id=str(item["intuitaccountid"]), entity=_entity(parts[1]),
        entity_id=str(item["intuitentityid"]), operation=_operation(parts[2]),
        occurred_at=_parse_time(item.get("time")), event_id=str(item["id"]) if item.get("id") else None,
        deleted_id=str(deleted) if deleted else None,
    )


def parse_events(body: bytes | str | Any) -> list[WebhookEvent]:
    """Parse a delivery (raw bytes, text or already-decoded JSON) in either format."""
    payload = body
    if isinstance(body, (bytes, str)):
        try:
            payload = json.loads(body)
        except ValueError as error:
            raise WebhookPayloadError("webhook body is not JSON") from error
    if isinstance(payload, dict) and "eventNotifications" in payload:
        return _parse_classic(payload)
    if isinstance(payload, dict) and "specversion" in payload:
        payload = [payload]  # a single CloudEvent in structured mode
    if isinstance(payload, list) and all(isinstance(item, dict) for item in payload):
        return [_parse_cloudevent(item) for item in payload]
    raise WebhookPayloadError("webhook body is neither eventNotifications nor CloudEvents")
