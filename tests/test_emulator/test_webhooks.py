"""Signed webhook deliveries in both formats, batching, retries, drops, replays, out-of-order delivery."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .conftest import REALM, line, wait_for

VERIFIER = "verifier-token-for-tests"


class Receiver:
    """A tiny webhook endpoint: records raw bodies and headers, answers with scripted statuses."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhooks"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def events(self, index: int = -1):
        return json.loads(self.calls[index][1])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def hooked(ctl, receiver):
    # A long batch window: only flush sends, so what a test sees does not depend on timing.
    ctl.webhooks(url=receiver.url, verifier_token=VERIFIER, retry_schedule=[30], batch_window=60)
    return receiver


def signature_ok(headers: dict[str, str], body: bytes, token: str = VERIFIER) -> bool:
    expected = base64.b64encode(hmac.new(token.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(headers["intuit-signature"], expected)


def test_cloudevents_delivery_is_signed_over_the_raw_body(api, ctl, hooked):
    customer = api.create("Customer", {"DisplayName": "Hooked"})
    results = ctl.flush()
    assert [r["state"] for r in results] == ["delivered"]
    headers, body = hooked.calls[0]
    assert headers["content-type"] == "application/json"
    assert signature_ok(headers, body)
    assert not signature_ok(headers, body, token="another-token")
    events = json.loads(body)
    assert isinstance(events, list) and len(events) == 1
    event = events[0]
    assert event["specversion"] == "1.0" and event["id"]
    assert event["type"] == "qbo.customer.created.v1"
    assert (event["intuitentityid"], event["intuitaccountid"]) == (customer["Id"], REALM)
    assert event["datacontenttype"] == "application/json" and event["time"].endswith("Z")


def test_classic_format_and_operations(api, ctl, hooked, customer, hours):
    ctl.webhooks(format="classic")
    ctl.flush()
    invoice = api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 10)]})
    updated = api.update("Invoice", {"Id": invoice["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "x"})
    api.post("/invoice", {"Id": invoice["Id"], "SyncToken": updated["SyncToken"]}, operation="delete")
    ctl.flush()
    headers, body = hooked.calls[-1]
    assert signature_ok(headers, body)
    payload = json.loads(body)
    notification = payload["eventNotifications"][0]
    assert notification["realmId"] == REALM
    entities = notification["dataChangeEvent"]["entities"]
    assert [(e["name"], e["id"], e["operation"]) for e in entities] == [
        ("Invoice", invoice["Id"], "Create"),
        ("Invoice", invoice["Id"], "Update"),
        ("Invoice", invoice["Id"], "Delete"),
    ]
    assert all(e["lastUpdated"].endswith("Z") for e in entities)


def test_events_are_batched_up_to_100_per_delivery(api, ctl, hooked):
    ctl.rate_limits(enabled=False)
    for start in range(0, 105, 30):
        items = [
            {"bId": str(n), "operation": "create", "Customer": {"DisplayName": f"B{start + n}"}}
            for n in range(min(30, 105 - start))
        ]
        api.post("/batch", {"BatchItemRequest": items})
    results = ctl.flush()
    assert [len(r["event_ids"]) for r in results] == [100, 5]
    assert [len(hooked.events(i)) for i in range(2)] == [100, 5]


def test_background_delivery_and_retry_after_failure(api, ctl, hooked):
    hooked.statuses = [500]
    ctl.webhooks(retry_schedule=[0.05, 0.05], batch_window=0.05)
    api.create("Customer", {"DisplayName": "Retried"})
    delivered = wait_for(lambda: [d for d in ctl.webhooks()["deliveries"] if d["state"] == "delivered"])
    assert [a["status"] for a in delivered[0]["attempts"]] == [500, 200]
    assert hooked.calls[0][1] == hooked.calls[1][1]  # the same bytes, the same signature
    assert hooked.calls[0][0]["intuit-signature"] == hooked.calls[1][0]["intuit-signature"]


def test_flush_retries_a_failed_delivery(api, ctl, hooked):
    hooked.statuses = [503]
    api.create("Customer", {"DisplayName": "Flushed"})
    first = ctl.flush()
    assert first[0]["state"] == "retrying" and first[0]["attempts"][0]["status"] == 503
    second = ctl.flush()
    assert second[0]["id"] == first[0]["id"] and second[0]["state"] == "delivered"
    assert len(hooked.calls) == 2


def test_unreachable_receiver_is_retried_then_failed(api, ctl, receiver):
    receiver.close()
    ctl.webhooks(url=receiver.url, verifier_token=VERIFIER, retry_schedule=[30], batch_window=60)
    api.create("Customer", {"DisplayName": "Nobody home"})
    first = ctl.flush()[0]
    assert first["state"] == "retrying" and first["attempts"][0]["error"]
    assert ctl.flush()[0]["state"] == "failed"


def test_drop_next_delivery(api, ctl, hooked):
    ctl.call("POST", "webhooks/drop", {"count": 1})
    api.create("Customer", {"DisplayName": "Lost event"})
    assert ctl.flush()[0]["state"] == "dropped"
    api.create("Customer", {"DisplayName": "Seen event"})
    assert ctl.flush()[0]["state"] == "delivered"
    assert len(hooked.calls) == 1
    assert ctl.call("GET", "webhooks/events")[0]["entity"] == "Customer"  # the lost one is still on record


def test_replay_sends_the_same_delivery_again(api, ctl, hooked):
    api.create("Customer", {"DisplayName": "Twice"})
    original = ctl.flush()[0]
    copies = ctl.call("POST", "webhooks/replay", {"delivery_id": original["id"], "times": 2})
    assert [c["replay_of"] for c in copies] == [original["id"], original["id"]]
    assert len(hooked.calls) == 3
    assert hooked.calls[0][1] == hooked.calls[1][1] == hooked.calls[2][1]


def test_held_deliveries_can_go_out_of_order(api, ctl, hooked):
    ctl.webhooks(hold=True, batch_window=0.01)
    first = api.create("Customer", {"DisplayName": "First"})
    wait_for(lambda: len(ctl.webhooks()["deliveries"]) == 1)
    second = api.create("Customer", {"DisplayName": "Second"})
    wait_for(lambda: len(ctl.webhooks()["deliveries"]) == 2)
    assert hooked.calls == []  # held
    ctl.flush(reverse=True)
    assert [hooked.events(i)[0]["intuitentityid"] for i in range(2)] == [second["Id"], first["Id"]]


def test_void_and_merge_events(api, ctl, hooked, customer, hours):
    invoice = api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 10)]})
    api.update("Invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="void")
    other = api.create("Customer", {"DisplayName": "Duplicate Acme"})
    ctl.call("POST", "entities/customer/merge", {"from": other["Id"], "into": customer["Id"]})
    ctl.flush()
    types = [(e["type"], e["intuitentityid"], e["data"]) for e in hooked.events()]
    assert ("qbo.invoice.voided.v1", invoice["Id"], {}) in types
    assert ("qbo.customer.merged.v1", customer["Id"], {"deletedId": other["Id"]}) in types


def test_changes_made_in_the_ui_produce_events(api, ctl, hooked, customer):
    ctl.call("POST", f"entities/customer/{customer['Id']}", {"Notes": "changed by the bookkeeper"})
    ctl.flush()
    assert hooked.events()[-1]["type"] == "qbo.customer.updated.v1"
    assert api.read("Customer", customer["Id"])["SyncToken"] == "1"


def test_events_are_recorded_without_a_receiver(api, ctl):
    api.create("Customer", {"DisplayName": "Quiet"})
    events = ctl.call("GET", "webhooks/events")
    assert [(e["entity"], e["operation"]) for e in events] == [("Customer", "Create")]
    assert ctl.flush() == []
