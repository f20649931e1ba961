"""Webhook signature check and the two payload formats, with deliveries made by the emulator."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from qbo import WebhookPayloadError, parse_events, sign, verify_signature
from qbo.payloads import CustomerData, build_customer

VERIFIER = "verifier-token-for-tests"

CLASSIC = {"eventNotifications": [
    {"realmId": "111", "dataChangeEvent": {"entities": [
        {"name": "Payment", "id": "12", "operation": "Create", "lastUpdated": "2026-11-20T10:00:00.000Z"},
        {"name": "Invoice", "id": "7", "operation": "Void", "lastUpdated": "2026-11-20T10:00:01Z"},
    ]}},
    {"realmId": "222", "dataChangeEvent": {"entities": [
        {"name": "Customer", "id": "3", "operation": "Merge", "deletedId": "4", "lastUpdated": "2026-11-20T10:00:02Z"},
    ]}},
]}

CLOUDEVENTS = [
    {"specversion": "1.0", "id": "evt-1", "source": "intuit.abc", "type": "qbo.payment.created.v1",
     "datacontenttype": "application/json", "time": "2026-11-20T10:00:00Z", "intuitentityid": "12",
     "intuitaccountid": "111", "data": {}},
    {"specversion": "1.0", "id": "evt-2", "source": "intuit.abc", "type": "qbo.invoice.voided.v1",
     "time": "2026-11-20T10:00:01Z", "intuitentityid": "7", "intuitaccountid": "222", "data": {}},
    {"specversion": "1.0", "id": "evt-3", "source": "intuit.abc", "type": "qbo.creditmemo.void.v1",
     "time": "2026-11-20T10:00:01Z", "intuitentityid": "8", "intuitaccountid": "222", "data": {}},
]


def test_signature_is_checked_on_the_raw_bytes():
    body = json.dumps(CLASSIC).encode()
    good = sign(body, VERIFIER)
    assert verify_signature(body, good, VERIFIER)
    assert not verify_signature(body + b" ", good, VERIFIER)  # re-serialised JSON is not the same body
    assert not verify_signature(body, good, "other-verifier")
    assert not verify_signature(body, None, VERIFIER)
    assert not verify_signature(body, "not base64 !!", VERIFIER)
    assert not verify_signature(body, good, "")


def test_classic_payload_routes_each_event_to_its_realm():
    events = parse_events(json.dumps(CLASSIC).encode())
    assert [(e.realm_id, e.entity, e.entity_id, e.operation) for e in events] == [
        ("111", "Payment", "12", "create"), ("111", "Invoice", "7", "void"), ("222", "Customer", "3", "merge")]
    assert events[2].deleted_id == "4"
    assert events[0].occurred_at.year == 2026
    # The same classic notification delivered twice has the same dedupe key.
    assert events[0].dedupe_key == parse_events(json.dumps(CLASSIC))[0].dedupe_key


def test_cloudevents_payload_gives_the_same_event_type():
    events = parse_events(json.dumps(CLOUDEVENTS).encode())
    assert [(e.realm_id, e.entity, e.entity_id, e.operation) for e in events] == [
        ("111", "Payment", "12", "create"), ("222", "Invoice", "7", "void"), ("222", "CreditMemo", "8", "void")]
    assert events[0].dedupe_key == "ce:evt-1"


@pytest.mark.parametrize("body", [b"not json", b"{}", b'{"foo": 1}', b'[{"type": "qbo.payment"}]'])
def test_malformed_payloads_are_refused(body):
    with pytest.raises(WebhookPayloadError):
        parse_events(body)


class _Receiver(BaseHTTPRequestHandler):
    deliveries: list[tuple[bytes, str | None]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).deliveries.append((body, self.headers.get("intuit-signature")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.deliveries = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Receiver.deliveries
    server.shutdown()


@pytest.mark.parametrize("fmt", ["cloudevents", "classic"])
def test_deliveries_from_the_emulator_verify_and_parse(control, client, receiver, fmt):
    url, deliveries = receiver
    control.webhooks("POST", "config", {"url": url, "verifier_token": VERIFIER, "format": fmt, "enabled": True})
    created = client.create("Customer", build_customer(CustomerData(display_name=f"Hooked {fmt}")))
    control.webhooks("POST", "flush")
    assert deliveries, "the emulator delivered nothing"
    events = []
    for body, signature in deliveries:
        assert verify_signature(body, signature, VERIFIER)
        assert not verify_signature(body, signature, "wrong-verifier")
        events.extend(parse_events(body))
    assert ("Customer", created["Id"], "create") in [(e.entity, e.entity_id, e.operation) for e in events]
