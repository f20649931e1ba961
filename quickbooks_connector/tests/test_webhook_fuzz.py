"""Fuzzing the webhook endpoint over real HTTP: whatever the body, the endpoint answers sensibly.

Hypothesis posts bodies of random structure and size to Odoo's test server: valid deliveries in both
formats with random entities, operations, ids and realms; the same with some events broken (a field
of the wrong type or alphabet); broken envelopes; random JSON, random bytes, invalid UTF-8, deep
nesting, bodies around the size limit, sent chunked or not, under several content types; signed
with the connection's verifier token, with another one, with garbage or not at all.  For each body
the test knows the answer: never a 500; 413 over the size limit; 401 and nothing stored without the
right signature; 400 and nothing stored for a signed body that is not a delivery; else 200 with
exactly the well-formed events of the connected realm stored.  Every stored event is then processed
by the inbox job against the emulator, and none may end in an unexpected exception.

CI runs a fixed, derandomized set; ``QBO_WEBHOOK_FUZZ_EXAMPLES=1000`` runs more by hand.
"""

import json
import logging
import os
import uuid
from contextlib import closing, contextmanager, suppress
from datetime import datetime
from unittest.mock import patch

from hypothesis import given
from hypothesis import strategies as st

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .. import const
from ..adapters.entities import PULLED_ENTITIES
from ..const import MAX_WEBHOOK_BYTES
from ..qbo import QBOError, WebhookPayloadError, sign
from ..qbo.webhooks import ENTITY_NAMES, MAX_DEPTH, read_delivery
from .common import REALM_ID, VERIFIER_TOKEN, QuickbooksTestMixin, property_settings
from .test_webhook_inbox import InboxMixin

_logger = logging.getLogger(__name__)

EXAMPLES = int(os.environ.get("QBO_WEBHOOK_FUZZ_EXAMPLES", "100"))
UNKNOWN_REALM = "4620816365000000001"
QUIET_LOGGERS = (
    "odoo.addons.quickbooks_connector.controllers.webhook",
    "odoo.addons.quickbooks_connector.models.quickbooks_webhook_event",
)

#: Operation -> (classic word, CloudEvents words).
OPERATION_WORDS = {
    "create": ("Create", ("created",)),
    "update": ("Update", ("updated",)),
    "delete": ("Delete", ("deleted",)),
    "merge": ("Merge", ("merged",)),
    "void": ("Void", ("void", "voided")),
    "emailed": ("Emailed", ("emailed",)),
}
#: Stand-ins for the ids of objects that exist in the emulator (replaced in each example).
EXISTING = ("@customer", "@payment")

# --------------------------------------------------------------------------- strategies
ids = st.one_of(st.sampled_from(EXISTING), st.from_regex(r"[1-9][0-9]{0,5}", fullmatch=True))
times = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)).map(
    lambda moment: moment.replace(microsecond=moment.microsecond // 1000 * 1000)
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)
not_strings = json_values.filter(lambda value: not isinstance(value, str))
not_objects = json_values.filter(lambda value: not isinstance(value, dict))
not_lists = json_values.filter(lambda value: not isinstance(value, list))
bad_ids = st.one_of(
    not_strings, st.sampled_from(["", " 12", "12 ", "1/../2", "12?x=1", "12\x00", "\ud800", "é", "١٢", "1" * 65])
)
#: Per field of an event: values that make the event unreadable (null only where a value is required).
BROKEN = {
    "entity_id": bad_ids,
    "realm": bad_ids,
    "entity": st.one_of(not_strings, st.sampled_from(["", "Pay ment", "1Payment", "Payment\x00", "Paymént"])),
    "operation": st.one_of(not_strings, st.sampled_from(["", "restored", "Create ", "créé"])),
    "time": st.one_of(
        not_strings, st.sampled_from(["", "yesterday", "2026-13-01T00:00:00Z", "0001-01-01T00:00:00+01:00"])
    ),
    "deleted_id": bad_ids.filter(lambda value: value is not None),
}
CLOUDEVENT_BROKEN = {
    "event_id": st.one_of(not_strings, st.sampled_from(["", "evt 1", "évènement", "x" * 256])),
    "specversion": st.one_of(not_strings, st.sampled_from(["", "2.0", "1"])),
    "data": not_objects.filter(lambda value: value is not None),
    "source": not_strings.filter(lambda value: value is not None),
}


def events(fmt):
    broken = dict(BROKEN, **(CLOUDEVENT_BROKEN if fmt == "cloudevents" else {}))
    return st.fixed_dictionaries(
        {
            "entity": st.sampled_from([*PULLED_ENTITIES, "Item", "Vendor", "Attachable"]),
            "qbo_id": ids,
            "operation": st.sampled_from(sorted(OPERATION_WORDS)),
            "word": st.integers(0, 1),
            "realm": st.sampled_from([REALM_ID, REALM_ID, REALM_ID, UNKNOWN_REALM]),
            "deleted_id": st.one_of(st.none(), ids),
            "time": times,
            "broken": st.one_of(
                st.none(),
                st.none(),
                st.none(),
                st.sampled_from(sorted(broken)).flatmap(lambda name: st.tuples(st.just(name), broken[name])),
            ),
        }
    )


#: Ways to break the envelope of a delivery (each makes the whole body unreadable).
ENVELOPE_BREAKS = {
    "classic": st.one_of(
        st.tuples(st.just("eventNotifications"), not_lists),
        st.tuples(st.just("notification"), not_objects),
        st.tuples(st.just("dataChangeEvent"), not_objects),
        st.tuples(st.just("entities"), not_lists),
        st.tuples(st.just("entity"), not_objects),
        st.tuples(st.just("mixed"), st.none()),
    ),
    "cloudevents": st.one_of(
        st.tuples(st.just("item"), not_objects),
        st.tuples(st.just("classic item"), st.none()),
    ),
}

deliveries = st.sampled_from(["classic", "cloudevents"]).flatmap(
    lambda fmt: st.fixed_dictionaries(
        {
            "kind": st.just("delivery"),
            "format": st.just(fmt),
            "events": st.lists(events(fmt), min_size=1, max_size=5),
            "structured": st.booleans(),  # a single CloudEvent may come as an object instead of an array
            "envelope": st.sampled_from(range(6)).flatmap(
                lambda roll: ENVELOPE_BREAKS[fmt] if roll == 5 else st.none()
            ),
            "padding": st.sampled_from(range(8)).flatmap(
                lambda roll: (
                    st.sampled_from(["to limit", "over limit"])
                    if roll == 7
                    else st.integers(0, 5000)
                    if roll == 6
                    else st.just(0)
                )
            ),
            "bad_byte": st.sampled_from(range(8)).flatmap(lambda roll: st.floats(0, 1) if roll == 7 else st.none()),
        }
    )
)
garbage = st.one_of(
    st.fixed_dictionaries({"kind": st.just("json"), "value": json_values}),
    st.fixed_dictionaries({"kind": st.just("bytes"), "value": st.binary(max_size=300)}),
    st.fixed_dictionaries(
        {
            "kind": st.just("deep"),
            "value": st.sampled_from([MAX_DEPTH - 1, MAX_DEPTH + 1, 1000, 100_000]),
            "object": st.booleans(),
        }
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("huge"),
            "value": st.sampled_from([MAX_WEBHOOK_BYTES, MAX_WEBHOOK_BYTES + 1, 2 * MAX_WEBHOOK_BYTES]),
        }
    ),
)
cases = st.fixed_dictionaries(
    {
        "body": st.one_of(deliveries, deliveries, deliveries, garbage),
        "signing": st.sampled_from(["good"] * 12 + ["missing", "wrong token", "garbage", "other body"]),
        "content_type": st.sampled_from(
            ["application/json"] * 12
            + ["application/json; charset=utf-8", "text/plain", None, "application/x-www-form-urlencoded"]
        ),
        "chunked": st.sampled_from([False] * 7 + [True]),
    }
)


# --------------------------------------------------------------------------- building a body
def stamp(moment):
    return moment.isoformat(timespec="milliseconds") + "Z"


def classic_entity(event):
    item = {
        "name": event["entity"],
        "id": event["qbo_id"],
        "operation": OPERATION_WORDS[event["operation"]][0],
        "lastUpdated": stamp(event["time"]),
    }
    if event["deleted_id"]:
        item["deletedId"] = event["deleted_id"]
    return item


def cloudevent(event):
    words = OPERATION_WORDS[event["operation"]][1]
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "intuit.fuzz",
        "type": f"qbo.{event['entity'].lower()}.{words[event['word'] % len(words)]}.v1",
        "datacontenttype": "application/json",
        "time": stamp(event["time"]),
        "intuitentityid": event["qbo_id"],
        "intuitaccountid": event["realm"],
        "data": {"deletedId": event["deleted_id"]} if event["deleted_id"] else {},
    }


def break_event(fmt, item, notification, field, value):
    """Put ``value`` where ``field`` lives in this format."""
    if fmt == "classic":
        if field == "realm":
            notification["realmId"] = value
        else:
            item[
                {
                    "entity_id": "id",
                    "entity": "name",
                    "operation": "operation",
                    "time": "lastUpdated",
                    "deleted_id": "deletedId",
                }[field]
            ] = value
        return
    if field == "entity":
        item["type"] = value if not isinstance(value, str) else f"qbo.{value}.created.v1"
    elif field == "operation":
        item["type"] = value if not isinstance(value, str) else f"qbo.payment.{value}.v1"
    elif field == "deleted_id":
        item["data"] = {"deletedId": value}
    else:
        item[
            {
                "entity_id": "intuitentityid",
                "realm": "intuitaccountid",
                "time": "time",
                "event_id": "id",
                "specversion": "specversion",
                "data": "data",
                "source": "source",
            }[field]
        ] = value


def break_envelope(fmt, payload, how, value):
    if fmt == "classic":
        notifications = payload["eventNotifications"]
        if how == "eventNotifications":
            payload["eventNotifications"] = value
        elif how == "notification":
            notifications.insert(0, value)
        elif how == "mixed":
            payload["specversion"] = "1.0"
        else:
            if not notifications:
                notifications.append({"realmId": REALM_ID, "dataChangeEvent": {"entities": []}})
            change = notifications[-1]["dataChangeEvent"]
            if how == "dataChangeEvent":
                notifications[-1]["dataChangeEvent"] = value
            elif how == "entities":
                change["entities"] = value
            else:
                change["entities"].append(value)
        return payload
    items = payload if isinstance(payload, list) else [payload]
    items.append(value if how == "item" else {"eventNotifications": []})
    return items


def build(body, existing):
    """``(raw bytes, expected rows or None when the body is not a readable delivery)``."""
    kind = body["kind"]
    if kind == "json":
        return json.dumps(body["value"]).encode(), None
    if kind == "bytes":
        return body["value"], None
    if kind == "deep":
        depth = body["value"]
        if body["object"]:
            return b'{"a":' * depth + b"1" + b"}" * depth, None
        return b"[" * depth + b"]" * depth, None
    if kind == "huge":
        return b"[" + b" " * (body["value"] - 2) + b"]", None
    fmt, expected, seen = body["format"], [], set()
    notifications, items = [], []
    for index, spec in enumerate(body["events"]):
        event = dict(
            spec,
            qbo_id=existing.get(spec["qbo_id"], spec["qbo_id"]),
            deleted_id=existing.get(spec["deleted_id"], spec["deleted_id"]),
        )
        if fmt == "classic":
            event["time"] = event["time"].replace(second=index)  # distinct classic dedupe keys
        item = classic_entity(event) if fmt == "classic" else cloudevent(event)
        notification = {"realmId": event["realm"], "dataChangeEvent": {"entities": [item]}}
        if event["broken"]:
            break_event(fmt, item, notification, *event["broken"])
        notifications.append(notification)
        items.append(item)
        if event["broken"] or event["realm"] != REALM_ID:
            continue
        # CloudEvents spell the entity in lower case: QBO's names are restored, others kept as sent.
        name = (
            event["entity"] if fmt == "classic" else ENTITY_NAMES.get(event["entity"].lower(), event["entity"].lower())
        )
        key = item["id"] if fmt == "cloudevents" else (name, event["qbo_id"], event["operation"], event["time"])
        if key in seen:
            continue
        seen.add(key)
        expected.append((name, event["qbo_id"], event["operation"]))
        if event["operation"] == "merge" and event["deleted_id"]:
            expected.append((name, event["deleted_id"], "delete"))
    if fmt == "classic":
        payload = {"eventNotifications": notifications}
    else:
        payload = items[0] if body["structured"] and len(items) == 1 else items
    readable = not (body["envelope"] or (body["events"] and all(spec["broken"] for spec in body["events"])))
    if body["envelope"]:
        payload = break_envelope(fmt, payload, *body["envelope"])
    raw = json.dumps(payload).encode()
    padding = body["padding"]
    if padding == "to limit":
        padding = max(MAX_WEBHOOK_BYTES - len(raw), 0)
    elif padding == "over limit":
        padding = max(MAX_WEBHOOK_BYTES - len(raw), 0) + 1
    raw += b" " * padding  # JSON allows trailing white space
    if body["bad_byte"] is not None:  # a byte that is never UTF-8
        cut = int(body["bad_byte"] * len(raw))
        raw, readable = raw[:cut] + b"\xff" + raw[cut:], False
    return raw, (sorted(expected) if readable else None)


def sent(raw, chunked):
    if not chunked or not raw:
        return raw
    return iter([raw[index : index + 65536] for index in range(0, len(raw), 65536)] or [b""])


@contextmanager
def quiet(level=logging.ERROR):
    """Warnings of refused deliveries are expected by the hundred; errors stay visible."""
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(level)
    try:
        yield
    finally:
        for logger, previous in zip(loggers, levels, strict=True):
            logger.setLevel(previous)


@tagged("post_install", "-at_install")
class TestWebhookFuzz(InboxMixin, QuickbooksTestMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_quickbooks()

    def setUp(self):
        super().setUp()
        self.connect_backend()
        self.emulator.call("POST", "rate_limits", {"enabled": False})
        customer = self.qbo_customer()
        self.existing = {"@customer": customer["Id"], "@payment": self.qbo_payment(customer)["Id"]}
        self.env.flush_all()
        self.counts = {"examples": 0, "stored": 0, "processed": 0}
        self.statuses = {}

    def post_raw(self, raw, signature, content_type, chunked):
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if signature is not None:
            headers["intuit-signature"] = signature
        return self.url_open(const.WEBHOOK_ROUTE, data=sent(raw, chunked), headers=headers, method="POST")

    def signature(self, raw, signing):
        return {
            "good": sign(raw, VERIFIER_TOKEN),
            "missing": None,
            "wrong token": sign(raw, "not-the-token"),
            "garbage": "bm90IGEgc2lnbmF0dXJl!",
            "other body": sign(raw + b" ", VERIFIER_TOKEN),
        }[signing]

    def expectation(self, case, raw, expected):
        """``(status, rows)`` the endpoint must give."""
        received = raw
        if case["content_type"] == "application/x-www-form-urlencoded":
            # Odoo parses a form before the controller runs (refusing it by its Content-Length when over
            # the limit): the controller finds the body consumed, and the signature does not match.
            if len(raw) > MAX_WEBHOOK_BYTES and not case["chunked"]:
                return 413, []
            received = b""
        elif len(raw) > MAX_WEBHOOK_BYTES:
            return 413, []
        if case["signing"] != "good" or received != raw:
            return 401, []
        if expected is None:  # garbage: unreadable, unless it happens to be an empty delivery
            try:
                delivery = read_delivery(raw)
            except WebhookPayloadError:
                return 400, []
            self.assertFalse(delivery.events, "random garbage made a delivery with events")
            return (400 if delivery.skipped else 200), []
        return 200, expected

    @property_settings(EXAMPLES)
    @given(case=cases)
    def test_any_body_gets_a_sensible_answer_and_only_valid_events_are_stored(self, case):
        raw, expected = build(case["body"], self.existing)
        status, rows = self.expectation(case, raw, expected)
        # Each example on its own: what it stored is rolled back.
        with closing(self.env.cr.savepoint()), quiet():
            try:
                with trap_jobs() as trap:
                    response = self.post_raw(
                        raw, self.signature(raw, case["signing"]), case["content_type"], case["chunked"]
                    )
                self.assertNotEqual(response.status_code, 500, response.text)
                self.assertEqual(response.status_code, status, f"{response.text[:300]} for {raw[:300]!r}")
                self.env.invalidate_all()  # the request thread wrote in this transaction
                stored = self.Inbox.sudo().search([])
                self.assertEqual(sorted((row.entity, row.qbo_id, row.operation) for row in stored), rows)
                self.assertTrue(all(row.backend_id == self.backend for row in stored))
                queued = stored.filtered(lambda row: row.state == "queued")
                objects = {(row.entity, row.qbo_id) for row in queued}
                self.assertEqual({tuple(job.args[1:]) for job in trap.enqueued_jobs}, objects)
                self.process(objects, stored)
                self.counts["examples"] += 1
                self.statuses[status] = self.statuses.get(status, 0) + 1
                self.counts["stored"] += len(stored)
            finally:
                self.env.invalidate_all()

    def process(self, objects, stored):
        """Run the inbox job of every stored object: it may fail the QuickBooks way, never unexpectedly."""
        Pull = type(self.env["quickbooks.pull"])
        original = Pull._process_change
        raised = []

        def spy(pull, *args, **kwargs):
            try:
                return original(pull, *args, **kwargs)
            except Exception as error:
                raised.append(error)
                raise

        with patch.object(Pull, "_process_change", spy):
            for entity, qbo_id in sorted(objects):
                with suppress(RetryableJobError):  # a temporary QuickBooks problem: queue_job retries it
                    self.Inbox._quickbooks_process_object(self.backend, entity, qbo_id)
                self.counts["processed"] += 1
        unexpected = [error for error in raised if not isinstance(error, (QBOError, UserError, RetryableJobError))]
        self.assertEqual(unexpected, [])
        stored.invalidate_recordset()
        for row in stored:
            self.assertIn(row.state, ("done", "failed", "ignored", "queued"), row.display_name)
            if row.state == "ignored":
                self.assertTrue(row.entity not in PULLED_ENTITIES or row.operation == "emailed", row.display_name)

    def tearDown(self):
        if self.counts["examples"]:
            _logger.info(
                "Webhook fuzz: %d bodies (answers %s), %d events stored, %d objects processed",
                self.counts["examples"],
                dict(sorted(self.statuses.items())),
                self.counts["stored"],
                self.counts["processed"],
            )
        super().tearDown()

    # --- a few fixed cases the fuzz may or may not draw
    def test_chunked_bodies_are_limited_while_read(self):
        raw = json.dumps(
            [
                cloudevent(
                    {
                        "entity": "Payment",
                        "qbo_id": "31",
                        "operation": "create",
                        "word": 0,
                        "realm": REALM_ID,
                        "deleted_id": None,
                        "time": datetime(2026, 3, 2),
                    }
                )
            ]
        ).encode()
        with trap_jobs():
            response = self.post_raw(raw, sign(raw, VERIFIER_TOKEN), "application/json", chunked=True)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self.rows().mapped("qbo_id"), ["31"])
        huge = raw + b" " * MAX_WEBHOOK_BYTES
        with quiet():
            response = self.post_raw(huge, sign(huge, VERIFIER_TOKEN), "application/json", chunked=True)
        self.assertEqual(response.status_code, 413)
        self.assertEqual(len(self.rows()), 1)

    def test_each_unreadable_shape_is_refused_with_400_and_stores_nothing(self):
        shapes = {
            "dataChangeEvent a string": {"eventNotifications": [{"realmId": REALM_ID, "dataChangeEvent": "x"}]},
            "eventNotifications an object": {"eventNotifications": {"realmId": REALM_ID}},
            "entity a string": {
                "eventNotifications": [{"realmId": REALM_ID, "dataChangeEvent": {"entities": ["Payment 1"]}}]
            },
            "CloudEvents with non-objects": [1, "two", None],
            "JSON scalar": 42,
            "id of the wrong type": [
                {
                    "specversion": "1.0",
                    "id": "e",
                    "type": "qbo.payment.created.v1",
                    "intuitentityid": 12,
                    "intuitaccountid": REALM_ID,
                }
            ],
        }
        with quiet():
            for label, payload in shapes.items():
                raw = json.dumps(payload).encode()
                response = self.post_raw(raw, sign(raw, VERIFIER_TOKEN), "application/json", chunked=False)
                self.assertEqual(response.status_code, 400, label)
            for raw in (b"[" * 50_000 + b"]" * 50_000, b'[{"id": "\xc3\x28"}]', b"", b"[NaN]"):
                response = self.post_raw(raw, sign(raw, VERIFIER_TOKEN), "application/json", chunked=False)
                self.assertEqual(response.status_code, 400, raw[:40])
        self.assertFalse(self.Inbox.sudo().search([]))
