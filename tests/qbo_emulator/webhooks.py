"""Webhook events and their signed delivery, as Intuit sends them.

Each write produces an event.  When a receiver URL is configured, events are gathered for a short
window (default 0.2 s, real time) into one delivery of at most 100 events, signed with
``intuit-signature = base64(HMAC-SHA256(verifier token, raw body))`` and POSTed by a background
thread.  A non-2xx answer or a connection error is retried after the delays of the retry schedule
(real time; default 1 s, 5 s, 30 s), then the delivery is marked failed.  Tests do not wait for
any of this: ``flush`` sends everything pending (retries included) at once and reports results.

Webhooks are the app's, not a company's: one endpoint receives the events of every connected
realm.  A delivery gathers the events of all realms that fall in its window (classic format: one
``eventNotifications`` entry per realm; CloudEvents: each event names its realm in
``intuitaccountid``), unless ``realms_per_delivery`` is ``"one"`` (a delivery per realm).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

from .clock import Clock, utc_z

MAX_EVENTS_PER_DELIVERY = 100
MAX_LOG = 5000
OPERATION_WORDS = {"Create": "created", "Update": "updated", "Delete": "deleted", "Merge": "merged", "Void": "voided"}


def sign(body: bytes, verifier_token: str) -> str:
    return base64.b64encode(hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class Delivery:
    id: int
    url: str
    format: str
    body: bytes
    signature: str
    event_ids: list[str]
    state: str = "pending"  # pending | held | delivered | retrying | failed | dropped
    attempts: list[dict[str, Any]] = field(default_factory=list)
    next_attempt: float | None = None  # time.monotonic()
    replay_of: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "format": self.format,
            "state": self.state,
            "event_ids": self.event_ids,
            "attempts": self.attempts,
            "replay_of": self.replay_of,
            "signature": self.signature,
            "body": self.body.decode(),
        }


class WebhookDispatcher:
    """Collects events, batches them into deliveries and sends them (in the background or on flush)."""

    def __init__(
        self,
        clock: Clock,
        realm_id: str,
        url: str | None = None,
        verifier_token: str | None = None,
        fmt: str = "cloudevents",
        batch_window: float = 0.2,
        retry_schedule: tuple[float, ...] = (1.0, 5.0, 30.0),
        timeout: float = 5.0,
    ) -> None:
        self.clock = clock
        self.realm_id = realm_id
        self.config: dict[str, Any] = {
            "enabled": True,
            "url": self.check_url(url),
            "verifier_token": verifier_token or "",
            "format": fmt,
            "batch_window": batch_window,
            "retry_schedule": list(retry_schedule),
            "timeout": timeout,
            "hold": False,
            "realms_per_delivery": "many",
        }
        self._check_format(fmt)
        self.events: list[dict[str, Any]] = []
        self.deliveries: list[Delivery] = []
        self._pending: list[dict[str, Any]] = []
        self._pending_since: float | None = None
        self._drop_next = 0
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._send_lock = threading.Lock()
        self._stopped = False
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxies
        self._thread = threading.Thread(target=self._run, name="qbo-emulator-webhooks", daemon=True)
        self._thread.start()

    @staticmethod
    def check_url(url: Any) -> str | None:
        """A receiver is an http(s) URL without credentials (none: deliveries only recorded).  Not QuickBooks
        behaviour: the demo's guard, so that the control API cannot turn the emulator into a client of
        anything else (``file:``, ``ftp:``...)."""
        if url in (None, ""):
            return None
        parts = urllib.parse.urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username is not None:
            raise ValueError("the webhook URL must be an http:// or https:// URL without credentials")
        return str(url)

    @staticmethod
    def _check_format(fmt: str) -> None:
        if fmt not in ("cloudevents", "classic"):
            raise ValueError("webhook format must be 'cloudevents' or 'classic'")

    # ------------------------------------------------------------------ configuration
    def configure(self, changes: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            for key, value in changes.items():
                if key == "drop_next":
                    self._drop_next = int(value)
                    continue
                if key not in self.config:
                    raise ValueError(f"unknown webhook setting {key!r}")
                if key == "format":
                    self._check_format(value)
                if key == "url":
                    value = self.check_url(value)
                if key == "realms_per_delivery" and value not in ("many", "one"):
                    raise ValueError("realms_per_delivery must be 'many' or 'one'")
                if key == "retry_schedule":
                    value = [float(v) for v in value]
                self.config[key] = value
            self._cond.notify_all()
            return self.state()

    def state(self) -> dict[str, Any]:
        with self._cond:
            config = {k: v for k, v in self.config.items() if k != "verifier_token"}
            return {
                **config,
                "verifier_token_set": bool(self.config["verifier_token"]),
                "pending_events": len(self._pending),
                "drop_next": self._drop_next,
                "deliveries": [d.to_json() for d in self.deliveries],
            }

    def clear(self) -> None:
        with self._send_lock, self._cond:
            self.events.clear()
            self.deliveries.clear()
            self._pending.clear()
            self._pending_since = None
            self._drop_next = 0

    def forget_realm(self, realm_id: str) -> None:
        """Drop a realm's events not yet delivered and its event log (the realm was reset or removed)."""
        with self._cond:
            self.events[:] = [event for event in self.events if event["realmId"] != realm_id]
            self._pending[:] = [event for event in self._pending if event["realmId"] != realm_id]
            if not self._pending:
                self._pending_since = None

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(timeout=5)

    # ------------------------------------------------------------------ events
    def emit(
        self, entity: str, operation: str, object_id: str, extra: dict[str, Any], realm_id: str | None = None
    ) -> None:
        """Record an event of a realm; queue it for delivery when a receiver is configured."""
        now = self.clock.now()
        event = {
            "id": str(uuid.uuid4()),
            "realmId": realm_id or self.realm_id,
            "entity": entity,
            "operation": operation,
            "entityId": str(object_id),
            "time": utc_z(now),
            "extra": dict(extra),
        }
        with self._cond:
            self.events.append(event)
            del self.events[:-MAX_LOG]
            if self.config["enabled"] and self.config["url"]:
                if not self._pending:
                    self._pending_since = time.monotonic()
                self._pending.append(event)
                self._cond.notify_all()

    def _body(self, events: list[dict[str, Any]], fmt: str) -> bytes:
        if fmt == "classic":
            by_realm: dict[str, list[dict[str, Any]]] = {}  # one entry per realm, in order of first event
            for event in events:
                entity = {
                    "name": event["entity"],
                    "id": event["entityId"],
                    "operation": event["operation"],
                    "lastUpdated": event["time"],
                }
                if event["extra"].get("deletedId"):
                    entity["deletedId"] = event["extra"]["deletedId"]
                by_realm.setdefault(event["realmId"], []).append(entity)
            payload: Any = {
                "eventNotifications": [
                    {"realmId": realm_id, "dataChangeEvent": {"entities": entities}}
                    for realm_id, entities in by_realm.items()
                ]
            }
        else:
            payload = [
                {
                    "specversion": "1.0",
                    "id": event["id"],
                    "source": "intuit.qbo-emulator",
                    "type": f"qbo.{event['entity'].lower()}.{OPERATION_WORDS[event['operation']]}.v1",
                    "datacontenttype": "application/json",
                    "time": event["time"],
                    "intuitentityid": event["entityId"],
                    "intuitaccountid": event["realmId"],
                    "data": dict(event["extra"]),
                }
                for event in events
            ]
        return json.dumps(payload, separators=(",", ":")).encode()

    def _make_delivery(self, events: list[dict[str, Any]]) -> Delivery:
        fmt = self.config["format"]
        body = self._body(events, fmt)
        delivery = Delivery(
            id=next(self._ids),
            url=self.config["url"] or "",
            format=fmt,
            body=body,
            signature=sign(body, self.config["verifier_token"] or ""),
            event_ids=[e["id"] for e in events],
        )
        self.deliveries.append(delivery)
        del self.deliveries[:-MAX_LOG]
        return delivery

    def _take(self, everything: bool) -> list[Delivery]:
        """Turn pending events into deliveries and pick those to send now (caller holds _cond).

        With ``hold`` on, deliveries are formed when their window closes but wait for ``flush``
        (which can send them in reverse order: out-of-order delivery on demand).
        """
        now = time.monotonic()
        hold = bool(self.config["hold"])
        window_over = self._pending_since is not None and now >= self._pending_since + self.config["batch_window"]
        if self._pending and (everything or window_over):
            for group in self._groups(self._pending):
                while group:
                    chunk, group = group[:MAX_EVENTS_PER_DELIVERY], group[MAX_EVENTS_PER_DELIVERY:]
                    delivery = self._make_delivery(chunk)
                    if hold and not everything:
                        delivery.state = "held"
            self._pending = []
            self._pending_since = None
        return [
            d
            for d in self.deliveries
            if d.state == "pending"
            or (d.state == "held" and (everything or not hold))
            or (d.state == "retrying" and (everything or (d.next_attempt or 0) <= now))
        ]

    def _groups(self, events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """The pending events as deliveries will carry them: all together, or one realm each."""
        if self.config.get("realms_per_delivery") != "one":
            return [list(events)]
        by_realm: dict[str, list[dict[str, Any]]] = {}
        for event in events:
            by_realm.setdefault(event["realmId"], []).append(event)
        return list(by_realm.values())

    # ------------------------------------------------------------------ sending
    def _attempt(self, delivery: Delivery) -> None:
        with self._cond:
            drop = not delivery.attempts and delivery.replay_of is None and self._drop_next > 0
            if drop:
                self._drop_next -= 1
        if drop:
            delivery.state = "dropped"  # a lost notification: never sent, never retried
            return
        request = urllib.request.Request(
            delivery.url,
            data=delivery.body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "intuit-signature": delivery.signature,
                "User-Agent": "Intuit-Webhooks/qbo-emulator",
            },
        )
        status: int | None = None
        error: str | None = None
        started = time.monotonic()
        try:
            with self._opener.open(request, timeout=float(self.config["timeout"])) as response:
                status = response.status
        except urllib.error.HTTPError as failure:
            status = failure.code
        except (urllib.error.URLError, OSError) as failure:
            error = f"{type(failure).__name__}: {failure}"
        seconds = round(time.monotonic() - started, 4)  # how long the receiver took to answer (or to fail)
        delivery.attempts.append({"at": utc_z(self.clock.now()), "status": status, "error": error, "seconds": seconds})
        if status is not None and 200 <= status < 300:
            delivery.state = "delivered"
            delivery.next_attempt = None
            return
        schedule = self.config["retry_schedule"]
        if delivery.replay_of is None and len(delivery.attempts) <= len(schedule):
            delivery.state = "retrying"
            delivery.next_attempt = time.monotonic() + float(schedule[len(delivery.attempts) - 1])
        else:
            delivery.state = "failed"
            delivery.next_attempt = None

    def flush(self, reverse: bool = False) -> list[dict[str, Any]]:
        """Send every pending event and every waiting retry now; return what happened to each."""
        with self._send_lock:
            with self._cond:
                ready = self._take(everything=True)
            if reverse:
                ready.reverse()
            for delivery in ready:
                self._attempt(delivery)
            return [d.to_json() for d in ready]

    def replay(self, delivery_id: int, times: int = 1) -> list[dict[str, Any]]:
        """Send a past delivery again, byte for byte (same body, same signature)."""
        with self._send_lock:
            with self._cond:
                original = next((d for d in self.deliveries if d.id == delivery_id), None)
                if original is None:
                    raise KeyError(delivery_id)
                copies = []
                for _ in range(max(1, times)):
                    copy = Delivery(
                        id=next(self._ids),
                        url=self.config["url"] or original.url,
                        format=original.format,
                        body=original.body,
                        signature=original.signature,
                        event_ids=list(original.event_ids),
                        replay_of=original.id,
                    )
                    self.deliveries.append(copy)
                    copies.append(copy)
            for copy in copies:
                self._attempt(copy)
            return [c.to_json() for c in copies]

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stopped:
                    return
                self._cond.wait(timeout=self._next_wake())
                if self._stopped:
                    return
            with self._send_lock:
                with self._cond:
                    ready = self._take(everything=False)
                for delivery in ready:
                    self._attempt(delivery)

    def _next_wake(self) -> float:
        """Seconds until the batch window closes or a retry is due (caller holds _cond)."""
        now = time.monotonic()
        candidates = [d.next_attempt for d in self.deliveries if d.state == "retrying" and d.next_attempt]
        if self._pending_since is not None:
            candidates.append(self._pending_since + float(self.config["batch_window"]))
        if not self.config["hold"] and any(d.state == "held" for d in self.deliveries):
            candidates.append(now)
        if not candidates:
            return 1.0
        return max(0.0, min(min(candidates) - now, 1.0))
