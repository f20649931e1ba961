"""Webhook signature check and the two payload formats, with deliveries made by the emulator.

The parser is fed every malformed shape a signed body can take; whatever it gets, it returns
well-formed events or raises :class:`WebhookPayloadError`, never anything else (Hypothesis checks
it on arbitrary JSON and on both formats with fields of random types).
"""

from __future__ import annotations

import copy
import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbo import WebhookEvent, WebhookPayloadError, parse_events, sign, verify_signature
from qbo.payloads import CustomerData, build_customer
from qbo.webhooks import (
    ENTITY_NAMES,
    ENTITY_PATTERN,
    EVENT_ID_PATTERN,
    ID_PATTERN,
    MAX_DEPTH,
    OPERATIONS,
    read_delivery,
)

VERIFIER = "verifier-token-for-tests"

CLASSIC = {
    "eventNotifications": [
        {
            "realmId": "111",
            "dataChangeEvent": {
                "entities": [
                    {"name": "Payment", "id": "12", "operation": "Create", "lastUpdated": "2026-11-20T10:00:00.000Z"},
                    {"name": "Invoice", "id": "7", "operation": "Void", "lastUpdated": "2026-11-20T10:00:01Z"},
                ]
            },
        },
        {
            "realmId": "222",
            "dataChangeEvent": {
                "entities": [
                    {
                        "name": "Customer",
                        "id": "3",
                        "operation": "Merge",
                        "deletedId": "4",
                        "lastUpdated": "2026-11-20T10:00:02Z",
                    },
                ]
            },
        },
    ]
}

CLOUDEVENTS = [
    {
        "specversion": "1.0",
        "id": "evt-1",
        "source": "intuit.abc",
        "type": "qbo.payment.created.v1",
        "datacontenttype": "application/json",
        "time": "2026-11-20T10:00:00Z",
        "intuitentityid": "12",
        "intuitaccountid": "111",
        "data": {},
    },
    {
        "specversion": "1.0",
        "id": "evt-2",
        "source": "intuit.abc",
        "type": "qbo.invoice.voided.v1",
        "time": "2026-11-20T10:00:01Z",
        "intuitentityid": "7",
        "intuitaccountid": "222",
        "data": {},
    },
    {
        "specversion": "1.0",
        "id": "evt-3",
        "source": "intuit.abc",
        "type": "qbo.creditmemo.void.v1",
        "time": "2026-11-20T10:00:01Z",
        "intuitentityid": "8",
        "intuitaccountid": "222",
        "data": {},
    },
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
        ("111", "Payment", "12", "create"),
        ("111", "Invoice", "7", "void"),
        ("222", "Customer", "3", "merge"),
    ]
    assert events[2].deleted_id == "4"
    assert events[0].occurred_at.year == 2026
    # The same classic notification delivered twice has the same dedupe key.
    assert events[0].dedupe_key == parse_events(json.dumps(CLASSIC))[0].dedupe_key


def test_cloudevents_payload_gives_the_same_event_type():
    events = parse_events(json.dumps(CLOUDEVENTS).encode())
    assert [(e.realm_id, e.entity, e.entity_id, e.operation) for e in events] == [
        ("111", "Payment", "12", "create"),
        ("222", "Invoice", "7", "void"),
        ("222", "CreditMemo", "8", "void"),
    ]
    assert events[0].dedupe_key == "ce:evt-1"


# --------------------------------------------------------------------------- malformed bodies
#: Stands for "remove this key" in the helpers below.
MISSING = object()


def entity(**changes: Any) -> dict[str, Any]:
    item = {"name": "Payment", "id": "12", "operation": "Create", "lastUpdated": "2026-11-20T10:00:00.000Z"}
    item.update(changes)
    return {key: value for key, value in item.items() if value is not MISSING}


def classic(*entities: Any, realm: Any = "111") -> dict[str, Any]:
    return {"eventNotifications": [{"realmId": realm, "dataChangeEvent": {"entities": list(entities)}}]}


def cloudevent(**changes: Any) -> dict[str, Any]:
    item = copy.deepcopy(CLOUDEVENTS[0])
    item.update(changes)
    return {key: value for key, value in item.items() if value is not MISSING}


def nested(depth: int) -> Any:
    value: Any = "deep"
    for _level in range(depth):
        value = [value]
    return value


def assert_well_formed(event: WebhookEvent) -> None:
    assert isinstance(event, WebhookEvent)
    assert ID_PATTERN.fullmatch(event.realm_id) and ID_PATTERN.fullmatch(event.entity_id)
    assert ENTITY_PATTERN.fullmatch(event.entity)
    assert event.operation in OPERATIONS
    assert event.occurred_at.utcoffset() == timedelta(0)
    assert event.event_id is None or EVENT_ID_PATTERN.fullmatch(event.event_id)
    assert event.deleted_id is None or ID_PATTERN.fullmatch(event.deleted_id)
    event.dedupe_key.encode("ascii")  # realm, ids and names are ASCII: safe in URLs, keys and logs


UNREADABLE_BODIES = {
    "not JSON": b"not json",
    "empty body": b"",
    "empty object": b"{}",
    "unknown object": b'{"foo": 1}',
    "JSON null": b"null",
    "JSON number": b"1",
    "JSON float": b"1.5e3",
    "JSON string": b'"eventNotifications"',
    "JSON boolean": b"true",
    "invalid UTF-8": b'[{"specversion": "1.0", "id": "\xc3\x28"}]',
    "UTF-8 BOM": b"\xef\xbb\xbf[]",
    "UTF-16": json.dumps(CLOUDEVENTS).encode("utf-16"),
    "NaN": b"[NaN]",
    "Infinity in a classic body": b'{"eventNotifications": [], "x": -Infinity}',
    "integer over Python's digit limit": b"[" + b"9" * 5000 + b"]",
    "recursion-deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "deep objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "nested one level too deep": json.dumps(nested(MAX_DEPTH + 1)).encode(),
    "deep data inside a valid event": json.dumps([cloudevent(data={"x": nested(MAX_DEPTH)})]).encode(),
    "eventNotifications a string": b'{"eventNotifications": "Payment 12"}',
    "eventNotifications null": b'{"eventNotifications": null}',
    "eventNotifications an object": json.dumps({"eventNotifications": classic(entity())}).encode(),
    "eventNotifications of strings": b'{"eventNotifications": ["111"]}',
    "notification null": b'{"eventNotifications": [null]}',
    "dataChangeEvent a string": json.dumps(
        {"eventNotifications": [{"realmId": "111", "dataChangeEvent": "Payment 12 created"}]}
    ).encode(),
    "dataChangeEvent missing": b'{"eventNotifications": [{"realmId": "111"}]}',
    "dataChangeEvent an array": json.dumps(
        {"eventNotifications": [{"realmId": "111", "dataChangeEvent": [entity()]}]}
    ).encode(),
    "entities an object": json.dumps(
        {"eventNotifications": [{"realmId": "111", "dataChangeEvent": {"entities": entity()}}]}
    ).encode(),
    "entities a string": json.dumps(
        {"eventNotifications": [{"realmId": "111", "dataChangeEvent": {"entities": "Payment"}}]}
    ).encode(),
    "entities missing": b'{"eventNotifications": [{"realmId": "111", "dataChangeEvent": {}}]}',
    "entity a string": json.dumps(classic(entity(), "Payment 13")).encode(),
    "entity null": json.dumps(classic(entity(), None)).encode(),
    "entity an array": json.dumps(classic([entity()])).encode(),
    "CloudEvents with a number": json.dumps([cloudevent(), 1]).encode(),
    "CloudEvents with a string": json.dumps([cloudevent(), json.dumps(cloudevent(id="evt-9"))]).encode(),
    "CloudEvents with null": json.dumps([None, cloudevent()]).encode(),
    "CloudEvents with an array": json.dumps([[cloudevent()]]).encode(),
    "classic delivery inside CloudEvents": json.dumps([cloudevent(), classic(entity())]).encode(),
    "both formats in one object": json.dumps({**classic(entity()), "specversion": "1.0"}).encode(),
}


@pytest.mark.parametrize("body", UNREADABLE_BODIES.values(), ids=UNREADABLE_BODIES.keys())
def test_malformed_bodies_are_refused_whole(body):
    with pytest.raises(WebhookPayloadError):
        read_delivery(body)
    with pytest.raises(WebhookPayloadError):
        parse_events(body)


def test_decoded_values_and_other_types_are_refused_the_same_way():
    for value in (None, 1, 1.5, True, "", set(), object(), b"\x00", nested(MAX_DEPTH + 1), [1], {"foo": []}):
        with pytest.raises(WebhookPayloadError):
            parse_events(value)
    # An empty delivery is a delivery.
    assert parse_events([]) == [] == parse_events(b'{"eventNotifications": []}')


TOO_LONG = "1" * 65
BAD_IDS = [
    None,
    12,
    12.0,
    True,
    [],
    {},
    ["12"],
    {"value": "12"},
    "",
    " 12",
    "12 ",
    "1/../2",
    "12?x=1",
    "12#",
    "١٢",
    "12\x00",
    "12\n",
    "\ud800",
    "é",
    TOO_LONG,
]
BAD_TIMES = [
    None,
    MISSING,
    12,
    1.7e9,
    True,
    [],
    {},
    "",
    "yesterday",
    "2026-13-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-W01",
    "20261120T100000Z",
    "2026-11-20",
    "2026-11-20T10:00:00+25:00",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "1969-12-31T23:59:59Z",
    "２０２６-11-20T10:00:00Z",
]
#: (field, bad value) of a classic entity.
CLASSIC_MUTATIONS = (
    [("id", value) for value in [*BAD_IDS, MISSING]]
    + [
        ("name", value)
        for value in [None, 7, [], {}, "", "Pay ment", "1Payment", "Payment\x00", "Paymént", "Pay.ment", MISSING]
    ]
    + [("operation", value) for value in [None, 1, [], {}, "", "restored", "Create ", "créate", MISSING]]
    + [("lastUpdated", value) for value in BAD_TIMES]
    + [("deletedId", value) for value in BAD_IDS if value is not None]
)
#: (field, bad value) of a CloudEvent (``data.x``: a key of its data object).
CLOUDEVENT_MUTATIONS = (
    [("intuitentityid", value) for value in [*BAD_IDS, MISSING]]
    + [("intuitaccountid", value) for value in [*BAD_IDS, MISSING]]
    + [("id", value) for value in [None, 1, [], {}, "", "evt 1", "evt\x00", "évènement", "x" * 256, MISSING]]
    + [
        ("type", value)
        for value in [
            None,
            1,
            [],
            {},
            "",
            "qbo.payment",
            "qbo.payment.created.v1.extra",
            "qbo..created.v1",
            "qbo.pay ment.created.v1",
            "qbo.payment.restored.v1",
            "com.intuit.payment.created.v1",
            "qbo.payment.created.1",
            MISSING,
        ]
    ]
    + [("specversion", value) for value in [None, 1.0, "", "2.0", "1", MISSING]]
    + [("time", value) for value in BAD_TIMES]
    + [("source", value) for value in [1, [], {}]]
    + [("datacontenttype", value) for value in [1, [], {}]]
    + [("data", value) for value in ["deleted", 1, [], True]]
    + [("data.deletedId", value) for value in BAD_IDS if value is not None]
    + [("data.deletedEntityId", value) for value in BAD_IDS if value is not None]
)


@pytest.mark.parametrize(("field", "value"), CLASSIC_MUTATIONS, ids=repr)
def test_a_malformed_classic_event_is_skipped_and_the_others_kept(field, value):
    body = json.dumps(classic(entity(), entity(**{"id": "13", field: value}), entity(id="14"))).encode()
    delivery = read_delivery(body)
    assert [event.entity_id for event in delivery.events] == ["12", "14"]
    assert [skipped.position for skipped in delivery.skipped] == ["eventNotifications[0].dataChangeEvent.entities[1]"]
    assert field in delivery.skipped[0].reason or "operation" in delivery.skipped[0].reason
    with pytest.raises(WebhookPayloadError, match=r"entities\[1\]"):
        parse_events(body)


@pytest.mark.parametrize("realm", BAD_IDS, ids=repr)
def test_a_malformed_realm_skips_the_events_of_its_notification(realm):
    payload = classic(entity(), entity(id="13"), realm=realm)
    payload["eventNotifications"].append(classic(entity(id="14"))["eventNotifications"][0])
    delivery = read_delivery(json.dumps(payload))
    assert [event.entity_id for event in delivery.events] == ["14"]
    assert len(delivery.skipped) == 2
    assert all("realmId" in skipped.reason for skipped in delivery.skipped)


@pytest.mark.parametrize(("field", "value"), CLOUDEVENT_MUTATIONS, ids=repr)
def test_a_malformed_cloudevent_is_skipped_and_the_others_kept(field, value):
    bad = cloudevent(id="evt-bad")
    if field.startswith("data."):
        bad["data"] = {field.split(".", 1)[1]: value}
    elif value is MISSING:
        del bad[field]
    else:
        bad[field] = value
    body = json.dumps([cloudevent(id="evt-a"), bad, cloudevent(id="evt-b")]).encode()
    delivery = read_delivery(body)
    assert [event.event_id for event in delivery.events] == ["evt-a", "evt-b"]
    assert [skipped.position for skipped in delivery.skipped] == ["[1]"]
    with pytest.raises(WebhookPayloadError, match=r"\[1\]"):
        parse_events(body)
    # Alone, in structured mode, it is not readable either.
    with pytest.raises(WebhookPayloadError):
        parse_events(json.dumps(bad))


def test_good_but_unusual_values_are_read():
    events = parse_events(
        json.dumps(
            classic(
                entity(name="creditmemo", operation="VOID", lastUpdated="2015-10-05T14:42:19-0700", deletedId=None),
                entity(name="Attachable", id="ABC-1_2", operation="emailed", lastUpdated="2026-11-20T10:00:00+00:00"),
                entity(name="Customer", operation="Merge", deletedId="4", lastUpdated="2026-11-20 10:00:00.1234567"),
            )
        )
    )
    assert [(e.entity, e.entity_id, e.operation, e.deleted_id) for e in events] == [
        ("CreditMemo", "12", "void", None),
        ("Attachable", "ABC-1_2", "emailed", None),
        ("Customer", "12", "merge", "4"),
    ]
    assert events[0].occurred_at.isoformat() == "2015-10-05T21:42:19+00:00"  # in UTC
    assert events[1].occurred_at.isoformat() == "2026-11-20T10:00:00+00:00"
    assert events[2].occurred_at.isoformat() == "2026-11-20T10:00:00.123456+00:00"  # no offset: UTC
    single = parse_events(
        json.dumps(cloudevent(type="QBO.Invoice.Voided", data=None, source=None, datacontenttype=MISSING))
    )
    assert [(e.entity, e.operation, e.event_id) for e in single] == [("Invoice", "void", "evt-1")]
    merged = parse_events(json.dumps([cloudevent(type="qbo.customer.merged.v2", data={"deletedEntityId": "9"})]))
    assert merged[0].deleted_id == "9"
    for event in events + single + merged:
        assert_well_formed(event)


def test_nesting_up_to_the_limit_is_accepted():
    body = json.dumps([cloudevent(data={"x": nested(MAX_DEPTH - 3)})])
    assert [event.event_id for event in parse_events(body)] == ["evt-1"]
    with pytest.raises(WebhookPayloadError, match="deeper"):
        parse_events(json.dumps([cloudevent(data={"x": nested(MAX_DEPTH - 2)})]))


def test_a_large_body_is_read_in_reasonable_time():
    body = json.dumps([cloudevent(id=f"evt-{index}", intuitentityid=str(index)) for index in range(3000)]).encode()
    assert len(body) > 700_000
    assert len(parse_events(body)) == 3000
    wide = b"[" + b",".join([b"[]"] * 300_000) + b"]"  # 900 kB of containers
    with pytest.raises(WebhookPayloadError):
        parse_events(wide)


# --------------------------------------------------------------------------- properties
PROPERTY = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

PLAUSIBLE_TEXT = st.sampled_from(
    [
        "",
        " ",
        "1.0",
        "2.0",
        "12",
        "0",
        "9130354000000042",
        "1/../2",
        "12\x00",
        "\ud800",
        "Payment",
        "payment",
        "creditmemo",
        "Attachable",
        "Pay ment",
        "Create",
        "created",
        "Voided",
        "void",
        "restored",
        "emailed",
        "qbo.payment.created.v1",
        "qbo.invoice.voided",
        "qbo.payment",
        "qbo..created.v1",
        "evt-1",
        "evt 1",
        "2026-03-02T10:15:30.000Z",
        "2015-10-05T14:42:19-0700",
        "9999-12-31T23:59:59-01:00",
        "2026-W01",
        "eventNotifications",
        "specversion",
    ]
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), PLAUSIBLE_TEXT, st.text(max_size=12))
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.one_of(PLAUSIBLE_TEXT, st.text(max_size=8)), children, max_size=5),
    ),
    max_leaves=25,
)


def shaped(fields: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with these keys, each holding mostly a good value, else a random JSON value or nothing."""

    def pick(strategy):
        return st.sampled_from(range(10)).flatmap(
            lambda roll: strategy if roll < 8 else json_values if roll == 8 else st.just(MISSING)
        )

    return st.fixed_dictionaries({key: pick(strategy) for key, strategy in fields.items()}).map(
        lambda item: {key: value for key, value in item.items() if value is not MISSING}
    )


good_ids = st.from_regex(r"[0-9]{1,6}", fullmatch=True)
good_times = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(9990, 1, 1)).map(
    lambda moment: moment.isoformat(timespec="milliseconds") + "Z"
)
classic_entities = shaped(
    {
        "name": st.sampled_from(sorted(ENTITY_NAMES.values())),
        "id": good_ids,
        "operation": st.sampled_from(["Create", "Update", "Delete", "Merge", "Void", "Emailed"]),
        "lastUpdated": good_times,
        "deletedId": good_ids,
    }
)
classic_payloads = st.builds(
    lambda notifications: {"eventNotifications": notifications},
    st.one_of(
        st.lists(
            st.one_of(
                shaped(
                    {
                        "realmId": good_ids,
                        "dataChangeEvent": st.one_of(
                            shaped({"entities": st.lists(st.one_of(classic_entities, json_values), max_size=4)}),
                            json_values,
                        ),
                    }
                ),
                json_values,
            ),
            max_size=3,
        ),
        json_values,
    ),
)
cloudevents = shaped(
    {
        "specversion": st.just("1.0"),
        "id": st.uuids().map(str),
        "source": st.just("intuit.test"),
        "type": st.builds(
            "qbo.{}.{}.v1".format,
            st.sampled_from(sorted(ENTITY_NAMES)),
            st.sampled_from(["created", "updated", "deleted", "merged", "void", "voided"]),
        ),
        "time": good_times,
        "intuitentityid": good_ids,
        "intuitaccountid": good_ids,
        "data": st.one_of(st.just({}), st.builds(lambda deleted: {"deletedId": deleted}, good_ids)),
    }
)
cloudevents_payloads = st.one_of(st.lists(st.one_of(cloudevents, cloudevents, json_values), max_size=5), cloudevents)
any_payload = st.one_of(json_values, classic_payloads, cloudevents_payloads)


def single_events(payload: Any) -> list[Any]:
    """The delivery cut into one-event payloads, the way the inbox re-reads a partly readable one."""
    if isinstance(payload, dict) and "eventNotifications" in payload:
        return [
            {"eventNotifications": [{"realmId": notification.get("realmId"), "dataChangeEvent": {"entities": [item]}}]}
            for notification in payload["eventNotifications"]
            for item in notification["dataChangeEvent"]["entities"]
        ]
    return payload if isinstance(payload, list) else [payload]


def check(body: Any) -> None:
    """Either well-formed events or WebhookPayloadError, from both entry points, and they agree."""
    try:
        delivery = read_delivery(body)
    except WebhookPayloadError:
        delivery = None
    try:
        events = parse_events(body)
    except WebhookPayloadError:
        events = None
    if delivery is None:
        assert events is None
        return
    for event in delivery.events:
        assert_well_formed(event)
    assert all(skipped.position and skipped.reason for skipped in delivery.skipped)
    assert events == (None if delivery.skipped else delivery.events)
    # Read event by event, a delivery gives the same events and the same skips.
    payload = body if isinstance(body, (dict, list)) else json.loads(body)
    one_by_one, unreadable = [], 0
    for single in single_events(payload):
        try:
            one_by_one.extend(parse_events(single))
        except WebhookPayloadError:
            unreadable += 1
    assert (one_by_one, unreadable) == (delivery.events, len(delivery.skipped))


@PROPERTY
@given(payload=any_payload, encoding=st.sampled_from(["decoded", "text", "bytes", "compact bytes"]))
def test_any_json_gives_well_formed_events_or_a_payload_error(payload, encoding):
    if encoding == "decoded":
        check(payload)
    elif encoding == "text":
        check(json.dumps(payload))
    else:
        check(json.dumps(payload, separators=(",", ":") if encoding == "compact bytes" else None).encode())


@PROPERTY
@given(
    body=st.one_of(
        st.binary(max_size=200),
        any_payload.map(lambda payload: json.dumps(payload).encode()).flatmap(
            lambda raw: st.tuples(st.just(raw), st.integers(0, len(raw)), st.binary(max_size=3)).map(
                lambda cut: cut[0][: cut[1]] + cut[2] + cut[0][cut[1] :]
            )
        ),
    )
)
def test_any_bytes_give_well_formed_events_or_a_payload_error(body):
    check(body)


@PROPERTY
@given(
    events=st.lists(
        st.tuples(
            st.sampled_from(sorted(ENTITY_NAMES.values())),
            good_ids,
            good_ids,
            st.sampled_from(sorted(OPERATIONS - {"emailed"})),
        ),
        max_size=8,
    ),
    fmt=st.sampled_from(["classic", "cloudevents"]),
)
def test_valid_deliveries_are_read_exactly(events, fmt):
    words = {"create": "created", "update": "updated", "delete": "deleted", "merge": "merged", "void": "voided"}
    if fmt == "classic":  # one notification per event: each has its own realm
        payload = {
            "eventNotifications": [
                classic(entity(name=name, id=qbo_id, operation=op.capitalize()), realm=realm)["eventNotifications"][0]
                for name, qbo_id, realm, op in events
            ]
        }
    else:
        payload = [
            cloudevent(
                id=f"evt-{index}",
                type=f"qbo.{name.lower()}.{words[op]}.v1",
                intuitentityid=qbo_id,
                intuitaccountid=realm,
            )
            for index, (name, qbo_id, realm, op) in enumerate(events)
        ]
    parsed = parse_events(json.dumps(payload).encode())
    assert [(e.entity, e.entity_id, e.realm_id, e.operation) for e in parsed] == events
    check(payload)


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
