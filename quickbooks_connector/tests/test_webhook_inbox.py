"""The webhook endpoint, the inbox and the change-data-capture safety net, over real HTTP.

Deliveries are posted to Odoo's test server by the test itself (hand-built and signed) or by the
QBO emulator (its real, signed deliveries to ``/quickbooks/webhook``).
"""

import json
import uuid
from datetime import datetime, timedelta, timezone
from unittest.mock import patch

from lxml import etree
from psycopg2 import errors as pg_errors

from odoo import fields, sql_db
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .. import const
from ..const import CDC_PAGE_LIMIT, MAX_WEBHOOK_BYTES
from ..models.quickbooks_webhook_event import OBJECT_LOCK_NAMESPACE
from ..qbo import sign
from .common import CLIENT_ID, CLIENT_SECRET, REALM_ID, VERIFIER_TOKEN, QuickbooksTestMixin
from .test_push import PushCase

OTHER_REALM = "9130354000000777"
OTHER_VERIFIER = "other-app-verifier-token"
STAMP = "2026-03-02T10:15:30.000Z"


def cloudevent(entity, qbo_id, operation="created", realm=REALM_ID, event_id=None, time=STAMP, data=None):
    return {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": "intuit.test",
        "type": f"qbo.{entity.lower()}.{operation}.v1",
        "datacontenttype": "application/json",
        "time": time,
        "intuitentityid": str(qbo_id),
        "intuitaccountid": realm,
        "data": data or {},
    }


def classic(realm, *entities):
    return {
        "eventNotifications": [
            {
                "realmId": realm,
                "dataChangeEvent": {
                    "entities": [
                        {"name": name, "id": str(qbo_id), "operation": operation, "lastUpdated": STAMP}
                        for name, qbo_id, operation in entities
                    ]
                },
            }
        ]
    }


class InboxMixin:
    def setUp(self):
        super().setUp()
        self.Inbox = self.env["quickbooks.webhook.event"]

    def post(self, body, token=VERIFIER_TOKEN, signature=None):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if signature or token:
            headers["intuit-signature"] = signature or sign(raw, token)
        return self.url_open(const.WEBHOOK_ROUTE, data=raw, headers=headers)

    def rows(self, backend=None, **match):
        """Inbox rows as the HTTP thread left them (it shares the test's transaction)."""
        self.env.invalidate_all()
        domain = [("backend_id", "=", (backend or self.backend).id)]
        domain += [(name, "=", value) for name, value in match.items()]
        return self.Inbox.search(domain, order="id")

    def configure_webhooks(self, fmt="cloudevents", **extra):
        """Point the emulator's webhooks at this Odoo; deliveries wait for an explicit flush."""
        self.emulator.call(
            "POST",
            "webhooks",
            {
                "url": f"{self.base_url()}{const.WEBHOOK_ROUTE}",
                "verifier_token": VERIFIER_TOKEN,
                "format": fmt,
                "enabled": True,
                "hold": True,
                **extra,
            },
        )

    def emulator_delivers(self, path, payload=None):
        """Let the emulator's deliveries in (they carry no test cookie) while it sends them."""
        self.env.flush_all()  # the request thread reads the database, not this thread's cache
        with self.allow_requests(all_requests=True):
            deliveries = self.emulator.call("POST", path, payload or {})
        self.env.invalidate_all()
        return deliveries

    def flush_webhooks(self, reverse=False):
        return self.emulator_delivers("webhooks/flush", {"reverse": reverse})

    def qbo_customer(self, name=None):
        name = name or f"Customer {uuid.uuid4().hex[:8]}"
        return self.emulator.call("POST", "entities/Customer", {"DisplayName": name})

    def qbo_payment(self, customer, amount=25):
        return self.emulator.call(
            "POST", "entities/Payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": amount}
        )

    def jobs(self, entity=None, qbo_id=None):
        self.env.invalidate_all()
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search(
                [("model_name", "=", "quickbooks.webhook.event"), ("method_name", "=", "_quickbooks_process_object")]
            )
        )
        if entity:
            jobs = jobs.filtered(lambda job: list(job.args[1:]) == [entity, str(qbo_id)])
        return jobs


@tagged("post_install", "-at_install")
class TestWebhookInbox(InboxMixin, QuickbooksTestMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_quickbooks()
        cls.company_two = cls.env["res.company"].create({"name": "QuickBooks Webhook Two"})
        cls.backend_two = cls.env["quickbooks.backend"].create(
            {
                "company_id": cls.company_two.id,
                "environment": "custom",
                "custom_base_url": "http://127.0.0.1:9",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "webhook_verifier_token": OTHER_VERIFIER,
            }
        )
        cls.backend_two.sudo().write({"realm_id": OTHER_REALM, "state": "connected"})

    def setUp(self):
        super().setUp()
        self.connect_backend()
        self.process = self.Inbox._quickbooks_process_object

    # --- the endpoint
    def test_signed_cloudevents_are_stored_and_one_job_per_object_is_queued(self):
        body = [
            cloudevent("Payment", 501, "created"),
            cloudevent("Payment", 501, "updated"),
            cloudevent("Invoice", 77, "voided"),
            cloudevent("Item", 9, "updated"),
        ]
        with trap_jobs() as trap:
            response = self.post(body)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"status": "ok"})
        payments = self.rows(entity="Payment", qbo_id="501")
        self.assertEqual(payments.mapped("operation"), ["create", "update"])
        self.assertEqual(set(payments.mapped("state")), {"queued"})
        self.assertEqual(payments[0].dedupe_key, f"ce:{body[0]['id']}")
        self.assertEqual(payments[0].event_id, body[0]["id"])
        self.assertEqual(payments[0].occurred_at, datetime(2026, 3, 2, 10, 15, 30))
        self.assertEqual(
            (payments[0].source, payments[0].realm_id, payments[0].company_id), ("webhook", REALM_ID, self.company)
        )
        self.assertEqual(payments[0].payload["entity_id"], "501")
        self.assertNotIn("signature", json.dumps(payments[0].payload).lower())
        self.assertEqual(self.rows(entity="Invoice").operation, "void")
        item = self.rows(entity="Item")
        self.assertEqual(item.state, "ignored")  # not something Odoo synchronises: no job, no QBO call
        trap.assert_jobs_count(2, only=self.process)
        trap.assert_enqueued_job(self.process, args=(self.backend, "Payment", "501"))
        self.assertEqual({job.channel for job in trap.enqueued_jobs}, {const.JOB_CHANNEL})
        trap.assert_enqueued_job(self.process, args=(self.backend, "Invoice", "77"))

    def test_signed_classic_delivery_is_stored(self):
        body = classic(REALM_ID, ("Customer", 12, "Update"), ("Customer", 13, "Merge"), ("Payment", 88, "Delete"))
        body["eventNotifications"][0]["dataChangeEvent"]["entities"][1]["deletedId"] = "14"
        with trap_jobs() as trap:
            response = self.post(body)
        self.assertEqual(response.status_code, 200, response.text)
        rows = self.rows()
        self.assertEqual(
            sorted((r.entity, r.qbo_id, r.operation) for r in rows),
            [
                ("Customer", "12", "update"),
                ("Customer", "13", "merge"),
                ("Customer", "14", "delete"),
                ("Payment", "88", "delete"),
            ],
        )
        self.assertTrue(all(r.dedupe_key.startswith("classic:") and not r.event_id for r in rows))
        trap.assert_jobs_count(4, only=self.process)

    def test_a_delivery_for_several_realms_reaches_only_the_backends_whose_token_signed_it(self):
        body = [
            cloudevent("Payment", 1, realm=REALM_ID),
            cloudevent("Payment", 2, realm=OTHER_REALM),
            cloudevent("Payment", 3, realm="123456789"),
        ]
        with trap_jobs():
            self.assertEqual(self.post(body).status_code, 200)
        self.assertEqual(self.rows().mapped("qbo_id"), ["1"])
        self.assertFalse(self.rows(self.backend_two))
        self.assertFalse(self.Inbox.search([("qbo_id", "=", "3")]))  # unknown realm: dropped, still 200

        with trap_jobs() as trap:
            self.assertEqual(self.post(body, token=OTHER_VERIFIER).status_code, 200)
        other = self.rows(self.backend_two)
        self.assertEqual((other.qbo_id, other.company_id), ("2", self.company_two))
        self.assertEqual(self.rows().mapped("qbo_id"), ["1"])
        trap.assert_enqueued_job(self.process, args=(self.backend_two, "Payment", "2"))

    def test_missing_or_bad_signature_is_refused_and_nothing_is_stored(self):
        body = json.dumps([cloudevent("Payment", 42)]).encode()
        tampered = body.replace(b'"42"', b'"43"')
        cases = {
            "missing": self.post(body, token=None),
            "garbage": self.post(body, signature="not-base64!!"),
            "wrong token": self.post(body, token="someone-else"),
            "other body": self.post(tampered, signature=sign(body, VERIFIER_TOKEN)),
        }
        for case, response in cases.items():
            self.assertEqual(response.status_code, 401, case)
        self.assertFalse(self.rows())
        self.assertFalse(self.jobs())

    def test_a_disconnected_backend_does_not_accept_its_realm(self):
        self.backend_two.sudo().state = "disconnected"
        self.env.flush_all()
        self.assertEqual(
            self.post([cloudevent("Payment", 2, realm=OTHER_REALM)], token=OTHER_VERIFIER).status_code, 401
        )
        self.assertFalse(self.rows(self.backend_two))

    def test_oversized_delivery_is_refused_before_anything_else(self):
        padding = "x" * MAX_WEBHOOK_BYTES
        body = json.dumps([cloudevent("Payment", 7, data={"padding": padding})]).encode()
        response = self.post(body)
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self.rows())

    def test_signed_but_unreadable_delivery(self):
        self.assertEqual(self.post(b"not json").status_code, 400)
        self.assertEqual(self.post({"hello": "world"}).status_code, 400)
        self.assertFalse(self.rows())
        # One event worded in a way nobody knows does not cost the others.
        with trap_jobs():
            response = self.post([cloudevent("Payment", 5), cloudevent("Payment", 6, "restored")])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.rows().mapped("qbo_id"), ["5"])

    def test_duplicated_and_out_of_order_deliveries_store_each_event_once_with_one_job_per_object(self):
        created = [cloudevent("Payment", 900, "created"), cloudevent("Customer", 31, "created")]
        updated = [cloudevent("Payment", 900, "updated", time="2026-03-02T10:16:00.000Z")]
        with trap_jobs() as trap:
            for delivery in (updated, created, created, updated, created):  # late, duplicated, reordered
                self.assertEqual(self.post(delivery).status_code, 200)
        self.assertEqual(len(self.rows()), 3)
        self.assertEqual(self.rows(qbo_id="900").mapped("operation"), ["update", "create"])
        objects = [tuple(job.args[1:]) for job in trap.enqueued_jobs]
        self.assertEqual(sorted(objects), [("Customer", "31"), ("Payment", "900")])  # one job per object
        # Classic events have no id: the same change delivered again is recognised all the same.
        with trap_jobs():
            for _i in range(3):
                self.post(classic(REALM_ID, ("Invoice", 5, "Update")))
        self.assertEqual(len(self.rows(entity="Invoice")), 1)

    def test_duplicates_collapse_into_one_stored_job(self):
        self.post([cloudevent("Payment", 901, "created")])
        self.post([cloudevent("Payment", 901, "updated")])
        self.assertEqual(len(self.jobs("Payment", 901)), 1)
        self.assertEqual(len(self.rows(qbo_id="901")), 2)

    # --- real deliveries from the emulator
    def test_a_real_delivery_from_quickbooks_lands_in_the_inbox(self):
        for fmt in ("cloudevents", "classic"):
            self.configure_webhooks(fmt)
            customer = self.qbo_customer()
            payment = self.qbo_payment(customer)
            deliveries = self.flush_webhooks()
            self.assertTrue(deliveries)
            self.assertEqual({d["attempts"][-1]["status"] for d in deliveries}, {200}, deliveries)
            row = self.rows(entity="Payment", qbo_id=payment["Id"])
            self.assertEqual((len(row), row.operation, row.source, row.state), (1, "create", "webhook", "queued"))
            self.assertEqual(bool(row.event_id), fmt == "cloudevents")
            self.assertEqual(len(self.jobs("Payment", payment["Id"])), 1)
            # Intuit re-delivers the same bytes: nothing new.
            self.emulator_delivers("webhooks/replay", {"delivery_id": deliveries[-1]["id"], "times": 2})
            self.assertEqual(len(self.rows(entity="Payment", qbo_id=payment["Id"])), 1)
            self.assertEqual(len(self.jobs("Payment", payment["Id"])), 1)

    def test_reversed_deliveries_from_the_emulator(self):
        self.configure_webhooks(batch_window=0.0)
        customer = self.qbo_customer()
        payment = self.qbo_payment(customer)
        self.emulator.call("POST", f"entities/Payment/{payment['Id']}", {"TotalAmt": 30})
        self.emulator.call("DELETE", f"entities/Payment/{payment['Id']}")
        self.flush_webhooks(reverse=True)
        rows = self.rows(entity="Payment", qbo_id=payment["Id"])
        self.assertEqual(sorted(rows.mapped("operation")), ["create", "delete", "update"])
        self.assertEqual(len(self.jobs("Payment", payment["Id"])), 1)

    # --- change data capture
    def cdc_requests(self):
        return [entry for entry in self.emulator.requests_log() if entry["subpath"].endswith("/cdc")]

    def test_cdc_picks_up_changes_whose_webhook_was_lost(self):
        self.configure_webhooks()
        self.emulator.call("POST", "webhooks/drop", {"count": 50})  # every delivery of this test is lost
        customer = self.qbo_customer()
        payment = self.qbo_payment(customer)
        lost = self.qbo_payment(customer, 10)
        self.emulator.call("DELETE", f"entities/Payment/{lost['Id']}")
        self.flush_webhooks()
        self.assertFalse(self.rows(entity="Payment"))
        before = fields.Datetime.now()
        with trap_jobs() as trap:
            self.backend._cdc_catch_up()
        row = self.rows(entity="Payment", qbo_id=payment["Id"])
        self.assertEqual((row.source, row.operation, row.state), ("cdc", "create", "queued"))
        self.assertEqual(self.rows(entity="Payment", qbo_id=lost["Id"]).operation, "delete")
        trap.assert_enqueued_job(self.process, args=(self.backend, "Payment", payment["Id"]))
        # First run: one day back; the cursor then moved close to now.
        since = datetime.fromisoformat(self.cdc_requests()[0]["query"]["changedSince"]).replace(tzinfo=None)
        self.assertAlmostEqual((before - since).total_seconds(), 86400, delta=120)
        cursor = self.backend.sudo().cdc_cursor
        self.assertTrue(before - timedelta(hours=1, minutes=2) <= cursor <= fields.Datetime.now())
        # A second run finds nothing new.
        with trap_jobs() as trap:
            self.assertFalse(self.backend._cdc_catch_up())
        trap.assert_jobs_count(0)

    def _aligned_payment(self, customer):
        """A payment whose webhook time and LastUpdatedTime fall in the same second (the same change)."""
        for _attempt in range(5):
            payment = self.qbo_payment(customer)
            events = [
                e
                for e in self.emulator.call("GET", "webhooks/events")
                if e["entity"] == "Payment" and e["entityId"] == payment["Id"]
            ]
            stamp = datetime.fromisoformat(payment["MetaData"]["LastUpdatedTime"]).astimezone(timezone.utc)
            event = datetime.fromisoformat(events[-1]["time"].replace("Z", "+00:00"))
            if stamp.replace(microsecond=0) == event.replace(microsecond=0):
                return payment
        self.fail("the emulator never stamped a change and its event within one second")

    def test_a_change_seen_by_webhook_is_not_stored_again_by_cdc(self):
        self.configure_webhooks()
        payment = self._aligned_payment(self.qbo_customer())
        self.flush_webhooks()
        self.assertEqual(self.rows(entity="Payment", qbo_id=payment["Id"]).source, "webhook")
        with trap_jobs() as trap:
            self.backend._cdc_catch_up()
        self.assertEqual(self.rows(entity="Payment", qbo_id=payment["Id"]).mapped("source"), ["webhook"])
        self.assertFalse([call for call in trap.calls if call.args[1:] == ("Payment", payment["Id"])])
        # A later change of the same payment is new to the inbox.
        self.emulator.advance_clock(2)
        self.emulator.call("POST", f"entities/Payment/{payment['Id']}", {"TotalAmt": 40})
        with trap_jobs():
            self.backend._cdc_catch_up()
        self.assertEqual(self.rows(entity="Payment", qbo_id=payment["Id"]).mapped("source"), ["webhook", "cdc"])

    def test_cdc_cursor_is_clamped_to_the_30_day_look_back(self):
        self.backend.sudo().cdc_cursor = fields.Datetime.now() - timedelta(days=45)
        with (
            self.assertLogs("odoo.addons.quickbooks_connector.models.quickbooks_backend_cdc", "WARNING") as logs,
            trap_jobs(),
        ):
            self.backend._cdc_catch_up()
        self.assertIn("30-day look-back", logs.output[0])
        since = datetime.fromisoformat(self.cdc_requests()[0]["query"]["changedSince"]).replace(tzinfo=None)
        self.assertGreater(since, fields.Datetime.now() - timedelta(days=30))
        self.assertEqual(self.cdc_requests()[0]["status"], 200)

    def test_cdc_splits_the_window_when_quickbooks_returns_a_full_page(self):
        # QBO's cap is 1,000 objects per entity and request (the emulator's too, not configurable).
        total = CDC_PAGE_LIMIT + 1
        self.emulator.call("POST", "clock", {"offset": -900})
        ids = []
        for index in range(total):
            if index and index % 100 == 0:
                self.emulator.advance_clock(1)  # ~100 changes per second, as a busy company would
            ids.append(self.qbo_customer(f"Bulk customer {index:04d}")["Id"])
        self.emulator.call("POST", "clock", {"offset": 0})
        with trap_jobs() as trap:
            self.backend._cdc_catch_up()
        stored = set(self.rows(entity="Customer", source="cdc").mapped("qbo_id"))
        self.assertEqual(set(ids) - stored, set())
        self.assertGreaterEqual(len(self.cdc_requests()), 2)
        self.assertGreaterEqual(trap.jobs_count(only=self.process), total)

    def test_cron_runs_for_connected_backends_pulling_from_quickbooks(self):
        self.backend_two.sudo().sync_payments_from_qbo = False  # would fail: no server behind it
        with trap_jobs():
            self.env["quickbooks.backend"]._cron_cdc_catch_up()
        self.assertTrue(self.backend.sudo().cdc_last_run_at)
        self.assertFalse(self.backend.sudo().cdc_last_error)
        self.assertFalse(self.backend_two.sudo().cdc_last_run_at)
        action = self.backend.action_cdc_catch_up()
        self.assertEqual(action["params"]["type"], "success")

    # --- processing (calls quickbooks.pull)
    def stored(self, *events):
        with trap_jobs():
            self.assertEqual(self.post(list(events)).status_code, 200)
        return self.rows(entity=events[0]["type"].split(".")[1].capitalize(), qbo_id=events[0]["intuitentityid"])

    def test_processing_marks_the_rows_done_with_the_outcome(self):
        customer = self.qbo_customer()
        rows = self.stored(
            cloudevent("Customer", customer["Id"], "updated"),
            cloudevent("Customer", customer["Id"], "updated", time="2026-03-02T10:20:00.000Z"),
        )
        self.assertEqual(len(rows), 2)
        outcome = self.process(self.backend, "Customer", customer["Id"])
        rows.invalidate_recordset()
        self.assertEqual(set(rows.mapped("state")), {"done"})
        self.assertEqual(rows[0].outcome, outcome)
        self.assertTrue(outcome)
        self.assertTrue(all(rows.mapped("processed_at")))
        # Run again (a duplicate job): nothing left to do, nothing changes.
        self.process(self.backend, "Customer", customer["Id"])
        rows.invalidate_recordset()
        self.assertEqual(rows.mapped("attempts"), [1, 1])

    def test_the_most_decisive_operation_is_passed_and_a_late_update_does_not_resurrect(self):
        Pull = type(self.env["quickbooks.pull"])
        rows = self.stored(
            cloudevent("Payment", 4242, "deleted"),
            cloudevent("Payment", 4242, "updated", time="2026-03-02T10:00:00.000Z"),
        )
        with patch.object(Pull, "_process_change", autospec=True, return_value="done") as pull:
            self.process(self.backend, "Payment", "4242")
        pull.assert_called_once()
        self.assertEqual(pull.call_args.args[1:], (self.backend, "Payment", "4242", "delete"))
        # A late update for the deleted payment is passed as it came: the pull reads QBO, finds it gone.
        late = self.stored(cloudevent("Payment", 4242, "updated", time="2026-03-02T09:00:00.000Z")) - rows
        with patch.object(Pull, "_process_change", autospec=True, return_value="gone") as pull:
            self.process(self.backend, "Payment", "4242")
        self.assertEqual(pull.call_args.args[4], "update")
        late.invalidate_recordset()
        self.assertEqual((late.state, late.outcome), ("done", "gone"))

    def test_a_retryable_error_notes_the_attempt_and_lets_queue_job_retry(self):
        rows = self.stored(cloudevent("Payment", 77, "created"))
        error = RetryableJobError("invoice not synced yet", seconds=300)
        # Not assertRaises: it rolls back to a savepoint, and with it the attempt noted on the "other"
        # cursor (in tests every cursor wraps the test's transaction).
        with patch.object(type(self.env["quickbooks.pull"]), "_process_change", side_effect=error):
            try:
                self.process(self.backend, "Payment", "77")
            except RetryableJobError as raised:
                self.assertEqual(raised.seconds, 300)
            else:
                self.fail("the retryable error was swallowed")
        rows.invalidate_recordset()
        self.assertEqual((rows.state, rows.attempts), ("queued", 1))
        self.assertIn("invoice not synced yet", rows.last_error)

    def test_a_race_with_another_worker_is_applied_again_not_failed(self):
        # Seen under load: the push of a payment registered in Odoo bound the QuickBooks payment whose
        # creation this notification announces, after this job's snapshot was taken (unique binding);
        # a token refresh wrote the connection meanwhile (serialization).  Both pass on a fresh snapshot.
        for number, error in enumerate(
            (
                pg_errors.UniqueViolation("duplicate key value violates unique constraint"),
                pg_errors.SerializationFailure("could not serialize access due to concurrent update"),
            ),
            start=90,
        ):
            rows = self.stored(cloudevent("Payment", number, "created"))
            with patch.object(type(self.env["quickbooks.pull"]), "_process_change", side_effect=error):
                try:
                    self.process(self.backend, "Payment", str(number))
                # Not assertRaises: Odoo's rolls its block back to a savepoint, and the row's state
                # written by the failed try is what is checked below.
                except RetryableJobError:  # pylint: disable=except-pass
                    pass
                else:
                    self.fail(f"{type(error).__name__} was not retried")
            rows.invalidate_recordset()
            self.assertEqual((rows.state, rows.attempts), ("queued", 1))
            self.assertIn(type(error).__name__, rows.last_error)
            with patch.object(type(self.env["quickbooks.pull"]), "_process_change", return_value="done"):
                self.process(self.backend, "Payment", str(number))  # its retry
            rows.invalidate_recordset()
            self.assertEqual(rows.state, "done")

    def test_any_other_error_marks_the_rows_failed_and_a_manager_can_retry(self):
        rows = self.stored(cloudevent("Payment", 78, "created"))
        with (
            patch.object(
                type(self.env["quickbooks.pull"]), "_process_change", side_effect=ValueError("unexpected payload")
            ),
            mute_logger("odoo.addons.quickbooks_connector.models.quickbooks_webhook_event"),
        ):
            self.process(self.backend, "Payment", "78")
        rows.invalidate_recordset()
        self.assertEqual(rows.state, "failed")
        self.assertIn("unexpected payload", rows.last_error)
        with trap_jobs() as trap:
            rows.action_retry()
        self.assertEqual(rows.state, "queued")
        trap.assert_enqueued_job(self.process, args=(self.backend, "Payment", "78"))

    def test_an_object_applied_by_another_worker_is_looked_at_again_later(self):
        self.stored(cloudevent("Payment", 80, "created"))
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other:  # another worker's transaction
            other.execute(
                "SELECT pg_advisory_lock(%s, hashtext(%s))", [OBJECT_LOCK_NAMESPACE, f"{self.backend.id}:Payment:80"]
            )
            try:
                with self.assertRaises(RetryableJobError) as raised:
                    self.process(self.backend, "Payment", "80")
            finally:
                other.execute("SELECT pg_advisory_unlock_all()")
        self.assertTrue(raised.exception.ignore_retry)

    def test_users_read_their_companies_notifications_and_only_managers_retry(self):
        with trap_jobs():
            self.post([cloudevent("Payment", 81)])
            self.post([cloudevent("Payment", 82, realm=OTHER_REALM)], token=OTHER_VERIFIER)
        user = new_test_user(
            self.env,
            "qbo_inbox_billing",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        visible = self.Inbox.with_user(user).search([("qbo_id", "in", ("81", "82"))])
        self.assertEqual(visible.mapped("qbo_id"), ["81"])
        with self.assertRaises(AccessError):
            visible.write({"state": "done"})
        with self.assertRaises(UserError):
            visible.action_retry()

    def test_a_paused_connection_waits_without_using_retries(self):
        rows = self.stored(cloudevent("Payment", 79, "created"))
        self.backend.sudo().state = "reconnect"
        with self.assertRaises(RetryableJobError) as raised:
            self.process(self.backend, "Payment", "79")
        self.assertTrue(raised.exception.ignore_retry)
        rows.invalidate_recordset()
        self.assertEqual((rows.state, rows.attempts), ("queued", 0))


@tagged("post_install", "-at_install")
class TestWebhookInboxEndToEnd(InboxMixin, PushCase, HttpCase):
    """A payment recorded in QuickBooks reaches Odoo through the emulator's real webhook."""

    def run_jobs(self, entity, qbo_id):
        jobs = self.jobs(entity, qbo_id).filtered(lambda job: job.state == "pending")
        for job in jobs:
            Job.load(self.env, job.uuid).perform()
            job.state = "done"
        self.env.invalidate_all()
        return jobs

    def test_payment_recorded_then_deleted_in_quickbooks(self):
        move, row = self.pushed_invoice(100.0)
        self.configure_webhooks()
        invoice = self.qbo("Invoice", row.qbo_id)
        payment = self.emulator.api(
            self.token,
            "POST",
            "payment",
            json={
                "CustomerRef": invoice["CustomerRef"],
                "TotalAmt": 100,
                "Line": [{"Amount": 100, "LinkedTxn": [{"TxnId": row.qbo_id, "TxnType": "Invoice"}]}],
            },
        )["Payment"]
        self.flush_webhooks()
        self.assertTrue(self.run_jobs("Payment", payment["Id"]))
        inbox = self.rows(entity="Payment", qbo_id=payment["Id"])
        self.assertEqual(inbox.state, "done", inbox.last_error)
        self.assertIn(move.payment_state, ("paid", "in_payment"))

        self.emulator.call("DELETE", f"entities/Payment/{payment['Id']}")
        self.flush_webhooks()
        self.run_jobs("Payment", payment["Id"])
        self.assertEqual(move.payment_state, "not_paid")

        # A late "update" for the deleted payment: nothing comes back.
        body = json.dumps([cloudevent("Payment", payment["Id"], "updated")]).encode()
        self.assertEqual(
            self.url_open(
                const.WEBHOOK_ROUTE,
                data=body,
                headers={"Content-Type": "application/json", "intuit-signature": sign(body, VERIFIER_TOKEN)},
            ).status_code,
            200,
        )
        self.run_jobs("Payment", payment["Id"])
        self.assertEqual(move.payment_state, "not_paid")
        self.assertEqual(set(self.rows(entity="Payment", qbo_id=payment["Id"]).mapped("state")), {"done"})

    def test_notifications_of_our_own_documents_cost_no_job_and_changes_are_read_together(self):
        """Each document Odoo pushes comes back as a notification of its creation: Odoo made it and holds what
        QuickBooks answered, so it is noted as an echo at once, with no job and no read.  Changes are drift
        checks: they wait a little, then one query reads them all, where each used to cost a read of its own."""
        rows = [self.pushed_invoice(10.0 + n)[1] for n in range(3)]
        self.emulator.call("DELETE", "requests")
        body = json.dumps([cloudevent("Invoice", row.qbo_id, "created") for row in rows]).encode()
        self.assertEqual(self.deliver(body).status_code, 200)
        self.assertFalse(any(self.jobs("Invoice", row.qbo_id) for row in rows), "nothing to apply: no job")
        created = (
            self.env["quickbooks.webhook.event"]
            .sudo()
            .search([("entity", "=", "Invoice"), ("qbo_id", "in", [row.qbo_id for row in rows])])
        )
        self.assertEqual(len(created), 3)
        self.assertEqual(set(created.mapped("state")), {"done"}, created.mapped("last_error"))
        self.assertEqual(set(created.mapped("outcome")), {"Created by Odoo: nothing to apply."})
        self.assertEqual(set(created.mapped("echo")), {True}, "echoes of our own pushes")
        shown = self.env["quickbooks.webhook.event"].sudo().search(self.default_notification_domain())
        self.assertFalse(shown & created, "hidden from the notifications list by default")
        self.assertEqual(self.emulator.call("GET", "requests"), [], "nothing read from QuickBooks")

        # Changes: one of them made in QuickBooks, the other two Odoo's own (read together, one query).
        self.emulator.call("POST", f"entities/Invoice/{rows[1].qbo_id}", {"DueDate": "2031-01-31"})
        body = json.dumps(
            [cloudevent("Invoice", row.qbo_id, "updated", time="2026-03-03T10:00:00.000Z") for row in rows]
        ).encode()
        self.deliver(body)
        jobs = [self.jobs("Invoice", row.qbo_id) for row in rows]
        self.assertTrue(all(len(job) == 1 and job.eta for job in jobs), "drift checks wait a little")
        self.emulator.call("DELETE", "requests")
        self.run_jobs("Invoice", rows[0].qbo_id)
        for row in rows[1:]:  # applied with the first: their jobs are done without running
            self.assertEqual(self.jobs("Invoice", row.qbo_id).mapped("state"), ["done"])
        requests = self.emulator.call("GET", "requests")
        self.assertEqual([entry["subpath"] for entry in requests], ["/query"], "one query, no read per invoice")
        updated = (
            self.env["quickbooks.webhook.event"]
            .sudo()
            .search(
                [
                    ("entity", "=", "Invoice"),
                    ("qbo_id", "in", [row.qbo_id for row in rows]),
                    ("operation", "=", "update"),
                ]
            )
        )
        self.assertEqual(set(updated.mapped("state")), {"done"}, updated.mapped("last_error"))
        for row in rows:
            row.invalidate_recordset()
        self.assertEqual([row.drift_detected for row in rows], [False, True, False])
        self.assertIn("DueDate", rows[1].drift_note)
        self.assertEqual(
            {event.qbo_id: event.echo for event in updated},
            {rows[0].qbo_id: True, rows[1].qbo_id: False, rows[2].qbo_id: True},
        )
        shown = self.env["quickbooks.webhook.event"].sudo().search(self.default_notification_domain())
        self.assertIn(updated.filtered(lambda event: not event.echo), shown, "a change made in QuickBooks is listed")

    def test_change_data_capture_of_odoos_own_version_costs_no_job_and_a_change_in_it_is_read(self):
        """Change data capture tells a creation only by its times: a change the CPA makes in the same second
        looks created.  The version Odoo holds (same SyncToken) is an echo at once; the changed one is read."""
        mine, theirs = (self.pushed_invoice(30.0 + n)[1] for n in range(2))
        self.emulator.call("POST", f"entities/Invoice/{theirs.qbo_id}", {"DueDate": "2031-01-31"})
        with trap_jobs() as trap:
            self.backend._cdc_catch_up()
        inbox = self.env["quickbooks.webhook.event"].sudo().search([("entity", "=", "Invoice"), ("source", "=", "cdc")])
        by_id = {event.qbo_id: event for event in inbox}
        self.assertEqual((by_id[mine.qbo_id].state, by_id[mine.qbo_id].echo), ("done", True))
        self.assertEqual(by_id[theirs.qbo_id].state, "queued")
        invoice_jobs = [job.args[1:] for job in trap.enqueued_jobs if job.args[1] == "Invoice"]
        self.assertEqual(invoice_jobs, [("Invoice", theirs.qbo_id)], "a job for the changed invoice only")
        self.drain(trap)
        theirs.invalidate_recordset()
        self.assertTrue(theirs.drift_detected)
        self.assertIn("DueDate", theirs.drift_note)

    def deliver(self, body):
        return self.url_open(
            const.WEBHOOK_ROUTE,
            data=body,
            headers={"Content-Type": "application/json", "intuit-signature": sign(body, VERIFIER_TOKEN)},
        )

    def default_notification_domain(self):
        """The domain of the filters the notifications menu starts with."""
        action = self.env.ref("quickbooks_connector.action_quickbooks_webhook_event")
        defaults = {
            key[len("search_default_") :] for key in safe_eval(action.context) if key.startswith("search_default_")
        }
        search_view = self.env.ref("quickbooks_connector.view_quickbooks_webhook_event_search")
        domain = []
        for node in etree.fromstring(search_view.arch).iter("filter"):
            if node.get("name") in defaults:
                domain += safe_eval(node.get("domain"))
        return domain

    def pushed_invoice(self, price):
        move = self.invoice(price=price, taxes=self.env["account.tax"])
        row = self.post_and_push(move)
        self.assertEqual(row.state, "done", row.last_error)
        return move, row
