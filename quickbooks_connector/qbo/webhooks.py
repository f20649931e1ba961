"""Intuit webhooks: signature check and strict parsing of both payload formats into one event type.

Intuit signs the raw request body: ``intuit-signature = base64(HMAC-SHA256(verifier token, body))``.
The check runs on the bytes as received, before any parsing, in constant time.  Deliveries come
either in the classic ``eventNotifications`` format or as CloudEvents (a JSON array, or one event
object); both become :class:`WebhookEvent`.  Webhooks are notifications only: fetch the object
before acting on it.

The parser trusts nothing, signed or not: anything unexpected raises :class:`WebhookPayloadError`
and nothing else (no ``KeyError``, ``TypeError``, ``RecursionError`` or ``UnicodeDecodeError``).

* The body must be UTF-8 JSON (no ``NaN``/``Infinity``), nested at most ``MAX_DEPTH`` levels.
* The *envelope* must be exact: classic is an object whose ``eventNotifications`` is a list of
  objects, each with a ``dataChangeEvent`` object holding an ``entities`` list of objects;
  CloudEvents is a list of objects (or one object with ``specversion``); the two formats are not
  mixed.  A wrong envelope makes the whole delivery unreadable.
* Inside a correct envelope each *event* is checked on its own: ids, realm and entity names are
  strings of a restricted alphabet (they end up in URLs and database keys), operations are known
  words, times are present and ISO 8601 date-times.  :func:`read_delivery` keeps the good events
  and lists the skipped ones with their reason; :func:`parse_events` accepts a delivery only when
  every event is good.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .errors import WebhookPayloadError

SIGNATURE_HEADER = "intuit-signature"

#: Deepest JSON nesting accepted.  Intuit's payloads are about 6 levels deep; the limit keeps any
#: later decoding of the same bytes far from Python's recursion limit.
MAX_DEPTH = 32

#: QBO entity names by their lower-case spelling in CloudEvents ``type`` strings.
ENTITY_NAMES = {
    name.lower(): name
    for name in (
        "Account",
        "Bill",
        "BillPayment",
        "Budget",
        "Class",
        "CreditMemo",
        "Currency",
        "Customer",
        "Department",
        "Deposit",
        "Employee",
        "Estimate",
        "Invoice",
        "Item",
        "JournalCode",
        "JournalEntry",
        "Payment",
        "PaymentMethod",
        "Preferences",
        "Purchase",
        "PurchaseOrder",
        "RefundReceipt",
        "SalesReceipt",
        "TaxAgency",
        "Term",
        "TimeActivity",
        "Transfer",
        "Vendor",
        "VendorCredit",
    )
}

#: Operation words of both formats, normalised.  Voids have been seen as both "void" and "voided".
_OPERATIONS = {
    "create": "create",
    "created": "create",
    "update": "update",
    "updated": "update",
    "delete": "delete",
    "deleted": "delete",
    "merge": "merge",
    "merged": "merge",
    "void": "void",
    "voided": "void",
    "emailed": "emailed",
}
OPERATIONS = frozenset(_OPERATIONS.values())

#: Object ids and realm ids: QBO's are digits; they are used in API paths, so nothing else gets in.
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: Entity names ("Payment", "creditmemo").
ENTITY_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")
#: CloudEvents ids (a UUID in practice): printable ASCII, no spaces.
EVENT_ID_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")
#: CloudEvents ``type``: ``qbo.<entity>.<operation>.v<N>`` (the version is optional).
TYPE_PATTERN = re.compile(
    r"qbo\.([A-Za-z][A-Za-z0-9]{0,63})\.([A-Za-z]{1,32})(?:\.v[0-9]{1,4})?", re.IGNORECASE | re.ASCII
)
SPECVERSION_PATTERN = re.compile(r"1\.[0-9]{1,3}")
#: ISO 8601 date-time with an optional offset; Python alone would also take week dates and more.
TIME_PATTERN = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]{1,9}))?(Z|z|[+-][0-9]{2}:?[0-9]{2})?"
)
MIN_YEAR, MAX_YEAR = 1970, 9998
#: Classic operation words ("Create") and the ``type`` string before it is split.
WORD_PATTERN = re.compile(r"[A-Za-z]{1,32}")
TYPE_TEXT_PATTERN = re.compile(r"[\x21-\x7e]{1,200}")


@dataclass(frozen=True)
class WebhookEvent:
    """One change notification: which object of which company changed, and how."""

    realm_id: str
    entity: str
    entity_id: str
    operation: str  # create | update | delete | merge | void | emailed
    occurred_at: datetime | None  # in UTC; the parser always sets it
    event_id: str | None = None  # CloudEvents id; classic events have none
    deleted_id: str | None = None  # for merges: the object merged away

    @property
    def dedupe_key(self) -> str:
        """Same key for the same notification delivered twice, in either format."""
        if self.event_id:
            return f"ce:{self.event_id}"
        stamp = self.occurred_at.isoformat() if self.occurred_at else ""
        return f"classic:{self.realm_id}:{self.entity}:{self.entity_id}:{self.operation}:{stamp}"


@dataclass(frozen=True)
class SkippedEvent:
    """An event of a readable delivery that was not: where it was, and why."""

    position: str  # "[3]" or "eventNotifications[0].dataChangeEvent.entities[2]"
    reason: str


@dataclass(frozen=True)
class WebhookDelivery:
    """A delivery whose envelope was readable: its good events and the skipped ones."""

    format: str  # "classic" | "cloudevents"
    events: list[WebhookEvent] = field(default_factory=list)
    skipped: list[SkippedEvent] = field(default_factory=list)


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


# ---------------------------------------------------------------------- decoding
def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_depth(payload: Any) -> None:
    """Iteratively (no recursion of our own): no container deeper than ``MAX_DEPTH``."""
    stack = [(payload, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if depth > MAX_DEPTH:
            raise WebhookPayloadError(f"webhook body is nested deeper than {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def _decode(body: Any) -> Any:
    """Bytes or text to JSON; already-decoded lists and objects are taken as they are."""
    if isinstance(body, (bytes, bytearray)):
        try:
            body = bytes(body).decode("utf-8")
        except UnicodeDecodeError as error:
            raise WebhookPayloadError("webhook body is not UTF-8") from error
    if isinstance(body, str):
        try:
            body = json.loads(body, parse_constant=_reject_constant)
        except RecursionError as error:
            raise WebhookPayloadError("webhook body is nested too deeply") from error
        except ValueError as error:  # JSONDecodeError, NaN/Infinity, integers over Python's digit limit
            raise WebhookPayloadError(f"webhook body is not JSON: {error}") from error
    if not isinstance(body, (dict, list)):
        raise WebhookPayloadError(f"webhook body is a JSON {_kind(body)}, not an object or an array")
    _check_depth(body)
    return body


# ---------------------------------------------------------------------- field checks
def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _shown(value: str) -> str:
    """A received value as it may appear in a message: escaped and short."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def _string(item: dict[str, Any], key: str, pattern: re.Pattern[str], *, optional: bool = False) -> str | None:
    value = item.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise WebhookPayloadError(f"{key!r} must be a string, got {_kind(value)}")
    if not pattern.fullmatch(value):
        raise WebhookPayloadError(f"{key!r} has an unexpected value {_shown(value)}")
    return value


def _operation(word: str) -> str:
    operation = _OPERATIONS.get(word.lower())
    if operation is None:
        raise WebhookPayloadError(f"unknown webhook operation {_shown(word)}")
    return operation


def _entity(word: str) -> str:
    return ENTITY_NAMES.get(word.lower(), word)


def _time(item: dict[str, Any], key: str) -> datetime:
    """A required ISO 8601 date-time, returned in UTC (no offset means UTC).

    Intuit always sends it, and the inbox needs it: a classic event is only told apart from the next
    change of the same object by its time.
    """
    value = item.get(key)
    if not isinstance(value, str):
        raise WebhookPayloadError(f"{key!r} must be a string, got {_kind(value)}")
    match = TIME_PATTERN.fullmatch(value)
    if not match:
        raise WebhookPayloadError(f"{key!r} is not a date-time: {_shown(value)}")
    stamp, fraction, offset = match.groups()
    text = stamp.replace(" ", "T") + (f".{(fraction + '00000')[:6]}" if fraction else "")
    if offset and offset not in ("Z", "z"):
        text += offset
    try:
        moment = datetime.fromisoformat(text)
        moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    except (ValueError, OverflowError) as error:
        raise WebhookPayloadError(f"{key!r} is not a valid date-time: {_shown(value)}") from error
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise WebhookPayloadError(f"{key!r} is not a plausible date-time: {_shown(value)}")
    return moment


# ---------------------------------------------------------------------- the two formats
def _classic_event(realm: Any, item: dict[str, Any]) -> WebhookEvent:
    realm_id = _string({"realmId": realm}, "realmId", ID_PATTERN)
    name = _string(item, "name", ENTITY_PATTERN)
    return WebhookEvent(
        realm_id=realm_id,
        entity=_entity(name),
        entity_id=_string(item, "id", ID_PATTERN),
        operation=_operation(_string(item, "operation", WORD_PATTERN)),
        occurred_at=_time(item, "lastUpdated"),
        deleted_id=_string(item, "deletedId", ID_PATTERN, optional=True),
    )


def _cloudevent(item: dict[str, Any]) -> WebhookEvent:
    _string(item, "specversion", SPECVERSION_PATTERN)
    match = TYPE_PATTERN.fullmatch(_string(item, "type", TYPE_TEXT_PATTERN))
    if not match:
        raise WebhookPayloadError(f"'type' is not qbo.<entity>.<operation>.v<N>: {_shown(item['type'])}")
    for key in ("source", "datacontenttype"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise WebhookPayloadError(f"{key!r} must be a string, got {_kind(item[key])}")
    data = item.get("data")
    if data is None:
        data = {}
    elif not isinstance(data, dict):
        raise WebhookPayloadError(f"'data' must be an object, got {_kind(data)}")
    deleted = _string(data, "deletedId", ID_PATTERN, optional=True) or _string(
        data, "deletedEntityId", ID_PATTERN, optional=True
    )
    return WebhookEvent(
        realm_id=_string(item, "intuitaccountid", ID_PATTERN),
        entity=_entity(match.group(1)),
        entity_id=_string(item, "intuitentityid", ID_PATTERN),
        operation=_operation(match.group(2)),
        occurred_at=_time(item, "time"),
        event_id=_string(item, "id", EVENT_ID_PATTERN),
        deleted_id=deleted,
    )


def _read_classic(payload: dict[str, Any]) -> WebhookDelivery:
    notifications = payload["eventNotifications"]
    if not isinstance(notifications, list):
        raise WebhookPayloadError(f"'eventNotifications' must be an array, got {_kind(notifications)}")
    delivery = WebhookDelivery("classic")
    for index, notification in enumerate(notifications):
        where = f"eventNotifications[{index}]"
        if not isinstance(notification, dict):
            raise WebhookPayloadError(f"{where} must be an object, got {_kind(notification)}")
        change = notification.get("dataChangeEvent")
        if not isinstance(change, dict):
            raise WebhookPayloadError(f"{where}.dataChangeEvent must be an object, got {_kind(change)}")
        entities = change.get("entities")
        if not isinstance(entities, list):
            raise WebhookPayloadError(f"{where}.dataChangeEvent.entities must be an array, got {_kind(entities)}")
        for position, item in enumerate(entities):
            spot = f"{where}.dataChangeEvent.entities[{position}]"
            if not isinstance(item, dict):
                raise WebhookPayloadError(f"{spot} must be an object, got {_kind(item)}")
            try:
                delivery.events.append(_classic_event(notification.get("realmId"), item))
            except WebhookPayloadError as error:
                delivery.skipped.append(SkippedEvent(spot, str(error)))
    return delivery


def _read_cloudevents(items: list[Any]) -> WebhookDelivery:
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise WebhookPayloadError(f"CloudEvents item [{index}] must be an object, got {_kind(item)}")
        if "eventNotifications" in item:
            raise WebhookPayloadError(f"CloudEvents item [{index}] is a classic delivery: formats are mixed")
    delivery = WebhookDelivery("cloudevents")
    for index, item in enumerate(items):
        try:
            delivery.events.append(_cloudevent(item))
        except WebhookPayloadError as error:
            delivery.skipped.append(SkippedEvent(f"[{index}]", str(error)))
    return delivery


def read_delivery(body: bytes | str | Any) -> WebhookDelivery:
    """Read a delivery (raw bytes, text or already-decoded JSON): its good and its skipped events.

    Raises :class:`WebhookPayloadError` when the body or its envelope is not one of Intuit's formats;
    a malformed event inside a correct envelope is listed in ``skipped`` instead.
    """
    payload = _decode(body)
    if isinstance(payload, dict) and "eventNotifications" in payload and "specversion" in payload:
        raise WebhookPayloadError("webhook body is both eventNotifications and a CloudEvent")
    if isinstance(payload, dict) and "eventNotifications" in payload:
        return _read_classic(payload)
    if isinstance(payload, dict) and "specversion" in payload:
        return _read_cloudevents([payload])  # a single CloudEvent in structured mode
    if isinstance(payload, list):
        return _read_cloudevents(payload)
    raise WebhookPayloadError("webhook body is neither eventNotifications nor CloudEvents")


def parse_events(body: bytes | str | Any) -> list[WebhookEvent]:
    """Parse a delivery in either format; every event must be well formed.

    Raises :class:`WebhookPayloadError` (and nothing else) for anything unexpected.
    """
    delivery = read_delivery(body)
    if delivery.skipped:
        first = delivery.skipped[0]
        raise WebhookPayloadError(f"webhook event {first.position}: {first.reason}")
    return delivery.events
