from unittest.mock import patch

from odoo import fields
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged

from .. import const
from ..qbo.ratelimit import RateLimits
from ..tools.rate_governor import PostgresRateLimiter
from .test_push import PushCase


@tagged("post_install", "-at_install")
class TestBulkPush(PushCase):
    def scale_limits(self, requests_, window):
        """QBO's 500/minute budget, scaled down on both sides so a test sees it bite in seconds."""
        ICP = self.env["ir.config_parameter"].sudo()
        ICP.set_param("quickbooks.rate_requests", requests_)
        ICP.set_param("quickbooks.rate_window_seconds", window)
        self.emulator.call(
            "POST",
            "rate_limits",
            {"enabled": True, "per_minute": requests_, "window_seconds": window, "concurrent": 10},
        )

    def queued_chain(self, trap, moves):
        """The one job a chain of ``moves`` starts with, taken off the trap (what it queues is then its own)."""
        moves._quickbooks_schedule_chain(self.backend)
        (chunk,) = trap.enqueued_jobs
        trap.enqueued_jobs = []
        return chunk

    def test_a_period_backlog_drains_through_the_governor_with_no_429(self):
        self.scale_limits(30, 2)
        with trap_jobs():
            moves = self.env["account.move"].concat(*(self.invoice(price=10.0 + n) for n in range(25)))
            moves.action_post()
        wizard = self.env["quickbooks.bulk.push.wizard"].create(
            {"backend_id": self.backend.id, "date_from": fields.Date.today(), "date_to": fields.Date.today()}
        )
        self.assertEqual(wizard.move_count, 25)
        with trap_jobs() as trap:
            wizard.action_push()
            self.assertEqual([job.method_name for job in trap.enqueued_jobs], ["_quickbooks_prepare_backfill_job"])
            prepare = trap.enqueued_jobs
            trap.enqueued_jobs = []
            prepare[0].perform()  # batch look-ups, then the pushes are queued: two chains of ten-document jobs
            self.assertEqual(len(trap.enqueued_jobs), const.BACKFILL_CHAINS)
            self.assertEqual({job.method_name for job in trap.enqueued_jobs}, {"_quickbooks_push_chunk_job"})
            self.assertEqual(sorted(len(job.recordset) for job in trap.enqueued_jobs), [12, 13])
            # A backfill waits behind what users do now: queue_job runs lower priorities first.
            self.assertEqual({job.priority for job in trap.enqueued_jobs}, {const.BACKFILL_PRIORITY})
            with trap_jobs() as interactive:
                self.invoice(price=99.0).action_post()
                self.assertLess(interactive.enqueued_jobs[0].priority, const.BACKFILL_PRIORITY)
                interactive.perform_enqueued_jobs()
            first = trap.enqueued_jobs[0]
            trap.enqueued_jobs = trap.enqueued_jobs[1:]
            first.perform()  # ten documents sent, the chain's next job queued (behind what is queued already)
            (following,) = [job for job in trap.enqueued_jobs if job.recordset == first.recordset[10:]]
            self.assertEqual(len(following.recordset), len(first.recordset) - 10)
            self.drain(trap)
        stats = self.emulator.call("GET", "rate_limits")
        self.assertEqual(stats["throttled"], 0, "no request may be refused for throttling")
        self.assertGreater(stats["served"], 30, "the backlog needed more than one window")
        self.assertEqual(set(self.sync_record(move).state for move in moves), {"done"})
        again = self.env["quickbooks.bulk.push.wizard"].create(
            {"backend_id": self.backend.id, "date_from": fields.Date.today(), "date_to": fields.Date.today()}
        )
        self.assertEqual(again.move_count, 0, "synced documents are not sent twice")

    def test_a_backfill_costs_about_one_request_per_invoice_and_still_binds_what_exists(self):
        self.emulator.call("POST", "rate_limits", {"enabled": False})
        partners = self.env["res.partner"].create([{"name": f"Backfill Customer {n}"} for n in range(5)])
        with trap_jobs():
            moves = self.env["account.move"].concat(
                *(
                    self.invoice(price=10.0 + n, partner=partners[n % 5], taxes=self.env["account.tax"])
                    for n in range(60)
                )
            )
            moves.action_post()
        # The CPA typed one invoice and one customer in QuickBooks before the first sync.
        typed = self.emulator.api(self.token, "POST", "customer", json={"DisplayName": partners[0].name})["Customer"]
        self.emulator.api(
            self.token,
            "POST",
            "invoice",
            json={
                "DocNumber": moves[7].name,
                "CustomerRef": {"value": typed["Id"]},
                "Line": [{"Amount": 1, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {}}],
            },
        )
        self.emulator.call("DELETE", "requests")
        wizard = self.env["quickbooks.bulk.push.wizard"].create(
            {"backend_id": self.backend.id, "date_from": fields.Date.today(), "date_to": fields.Date.today()}
        )
        with trap_jobs() as trap:
            wizard.action_push()
            # The connection shows the backlog waiting (60 documents), then drained.
            self.backend.invalidate_recordset()
            self.assertEqual((self.backend.backlog_pending, self.backend.backlog_done), (60, 0))
            self.drain(trap)
        self.backend.invalidate_recordset()
        self.assertEqual((self.backend.backlog_pending, self.backend.backlog_eta), (0, "Nothing waiting"))
        self.assertEqual(self.backend.backlog_summary, "Finished: 60 sent, 0 failed")
        self.assertTrue(self.backend.backlog_finished_at >= self.backend.backlog_started_at)
        self.assertEqual(self.backend.backlog_progress, 100.0)
        self.assertEqual(set(self.sync_record(move).state for move in moves), {"done"})
        invoices = [i for i in self.qbo_all("Invoice") if i["DocNumber"] in moves.mapped("name")]
        self.assertEqual(len(invoices), 60, "one QuickBooks invoice per Odoo invoice: the typed one was bound")
        self.assertEqual(self.sync_record(partners[0]).qbo_id, typed["Id"], "the typed customer was adopted")
        api_calls = [entry for entry in self.emulator.requests_log() if "/v3/company/" in entry.get("path", "")]
        # 60 invoice creates, 4 customer creates, 1 adoption (look-up + update), 1 bound invoice (look-up +
        # update), the batch look-ups, the product's Item and its Category (looked up and made once, 4), the
        # token refresh aside: far from the 2 per invoice of one-by-one.
        self.assertGreaterEqual(len(api_calls), 64, "every create was counted")
        self.assertLessEqual(len(api_calls), 60 + 4 + 4 + 4 + 4, [entry["path"] for entry in api_calls][:80])

    def test_a_chunk_keeps_what_it_sent_and_leaves_a_document_that_must_wait_to_a_later_job(self):
        """A backfill pushes ten documents a job.  One that meets a temporary problem is left, with the ones
        after it, to a later job; what was sent before it stays sent, and nothing reaches QuickBooks twice."""
        self.fast_client_retries()
        known = self.env["res.partner"].create({"name": "Chunk Known Customer"})
        self.post_and_push(self.invoice(price=5.0, partner=known))
        new = self.env["res.partner"].create({"name": "Chunk New Customer"})
        with trap_jobs():
            moves = self.invoice(price=11.0, partner=known) | self.invoice(price=12.0, partner=new)
            moves |= self.invoice(price=13.0, partner=new)
            moves.action_post()
        # The new customer's creation fails as long as the client retries it (QuickBooks unavailable).
        self.emulator.fault(method="POST", entity="customer", kind="status", status=503, times=3)
        with trap_jobs() as trap:
            chunk = self.queued_chain(trap, moves)
            chunk.perform()
            self.assertEqual([self.sync_record(move).state for move in moves], ["done", "pending", "pending"])
            (later,) = trap.enqueued_jobs
            self.assertEqual(later.method_name, "_quickbooks_push_chunk_job")
            self.assertEqual(later.recordset, moves[1:])
            self.assertEqual(later.priority, const.BACKFILL_PRIORITY)
            self.drain(trap)
        self.assertEqual({self.sync_record(move).state for move in moves}, {"done"})
        customers = [c for c in self.qbo_all("Customer") if c["DisplayName"] == new.name]
        self.assertEqual(len(customers), 1)
        numbers = [i["DocNumber"] for i in self.qbo_all("Invoice")]
        self.assertEqual(sorted(n for n in numbers if n in moves.mapped("name")), sorted(moves.mapped("name")))

    def test_a_chunk_gives_its_worker_back_when_a_users_work_waits(self):
        """Ten documents a job must not keep what a user validates now waiting: after each document, a chunk
        gives its worker back when a job queued ahead of the backfill is due, and the rest follows behind it."""
        with trap_jobs():
            moves = self.invoice(price=31.0) | self.invoice(price=32.0) | self.invoice(price=33.0)
            moves.action_post()
        self.invoice(price=34.0).action_post()  # its push is queued, at the users' priority, waiting for a worker
        interactive = (
            self.env["queue.job"].sudo().search([("method_name", "=", "_quickbooks_push_job")], order="id desc")[0]
        )
        self.assertEqual(interactive.state, "pending")
        self.assertLess(interactive.priority, const.BACKFILL_PRIORITY)
        with trap_jobs() as trap:
            chunk = self.queued_chain(trap, moves)
            chunk.perform()
            self.assertEqual([self.sync_record(move).state for move in moves], ["done", "pending", "pending"])
            (rest,) = trap.enqueued_jobs
            self.assertEqual(rest.recordset, moves[1:])
            self.assertEqual(rest.priority, const.BACKFILL_PRIORITY)
            trap.enqueued_jobs = []
            interactive.state = "done"  # a worker took it
            rest.perform()  # nothing waits now: the rest goes in one job
            self.assertFalse(trap.enqueued_jobs)
        self.assertEqual({self.sync_record(move).state for move in moves}, {"done"})

    def test_the_first_document_of_a_chunk_waits_as_its_own_job_would(self):
        """The first document's temporary problem is the job's: queue_job tries the chunk again later."""
        self.fast_client_retries()
        with trap_jobs():
            moves = self.invoice(price=21.0) | self.invoice(price=22.0)
            moves.action_post()
        self.emulator.fault(method="POST", entity="invoice", kind="status", status=503, times=3)
        with trap_jobs() as trap:
            chunk = self.queued_chain(trap, moves)
            with self.assertRaises(RetryableJobError):
                chunk.perform()
            self.assertFalse(trap.enqueued_jobs, "nothing handed to another job")
            self.assertEqual({self.sync_record(move).state for move in moves}, {"pending"})
            chunk.perform()  # queue_job's next try
        self.assertEqual({self.sync_record(move).state for move in moves}, {"done"})

    def test_the_budget_is_shared_by_every_process_through_the_database(self):
        limits = RateLimits(requests_per_window=10, max_concurrent=10, window=60)
        worker_a = PostgresRateLimiter(self.registry, limits)
        worker_b = PostgresRateLimiter(self.registry, limits)  # another process, another limiter object
        for _ in range(worker_a.budget):
            with worker_a.acquire("realm-shared"):
                pass
        slot, wait = worker_b._try_take("realm-shared", 1, False)
        self.assertIsNone(slot)
        self.assertGreater(wait, 50)
        self.assertIsNotNone(worker_b._try_take("another-realm", 1, False)[0], "limits are per realm")

    def took_recently(self, realm, count, seconds=30):
        """``count`` finished backfill requests of ``realm`` spread over the last ``seconds``: the oldest ages out
        of the window that much before the minute is over."""
        self.env.cr.execute("SELECT extract(epoch from clock_timestamp())::float")
        now = self.env.cr.fetchone()[0]
        self.env["quickbooks.rate.slot"].sudo().create(
            [
                {
                    "realm_id": realm,
                    "started_at": now - seconds + n * seconds / count,
                    "finished_at": now,
                    "is_bulk": True,
                }
                for n in range(count)
            ]
        )

    def test_a_backfill_leaves_room_for_what_users_do_now(self):
        """The bulk lane stops short of the budget: an invoice validated during a backfill that used its
        share of the minute is sent at once, and the backfill's next job gives its slot back instead of
        sleeping in it."""
        limits = RateLimits(requests_per_window=100, max_concurrent=10, window=60)
        backfill = PostgresRateLimiter(self.registry, limits, bulk=True)
        user = PostgresRateLimiter(self.registry, limits)
        self.assertLess(backfill.bulk_budget, user.budget)
        self.took_recently("realm-lanes", backfill.bulk_budget)
        slot, wait = backfill._try_take("realm-lanes", 1, False)
        self.assertIsNone(slot, "the backfill's share of the minute is used up")
        self.assertGreater(wait, 25)
        for _ in range(user.budget - backfill.bulk_budget):
            with user.acquire("realm-lanes"):  # would sleep (and hang the test) if there were no room
                pass
        self.assertIsNone(user._try_take("realm-lanes", 1, False)[0], "the whole budget is never exceeded")
        next_job = PostgresRateLimiter(
            self.registry, limits, bulk=True, sleep=lambda seconds: self.fail("a bulk job must not sleep in its slot")
        )
        with self.assertRaises(RetryableJobError) as caught, next_job.acquire("realm-lanes"):
            pass
        self.assertTrue(caught.exception.ignore_retry, "waiting for room is not a failed attempt")
        self.assertGreater(caught.exception.seconds, 25)

    def test_a_backfill_job_that_already_sent_gives_its_slot_back_too(self):
        """A chunk's second document (or an invoice's request after its new customer's) finds the minute's bulk
        share used up: its job gives the slot back rather than sleeping in it until room frees, which kept an
        invoice a user validated waiting as long."""
        limits = RateLimits(requests_per_window=100, max_concurrent=10, window=60)
        chunk = PostgresRateLimiter(
            self.registry, limits, bulk=True, sleep=lambda seconds: self.fail("a bulk job must not sleep in its slot")
        )
        with chunk.acquire("realm-sent"):
            pass  # its first document went
        self.took_recently("realm-sent", chunk.bulk_budget - 1)  # the other chain's
        with self.assertRaises(RetryableJobError) as caught, chunk.acquire("realm-sent"):
            pass
        self.assertTrue(caught.exception.ignore_retry)
        self.assertGreater(caught.exception.seconds, 25)

    def test_a_backfill_is_paced_over_the_minute_so_users_never_wait_for_a_gap(self):
        """A backfill sends at most its share of a sixtieth of the minute in any sixtieth: sent in bursts, its
        requests aged out of the window in bursts, and between them what users did waited for the window."""
        limits = RateLimits(requests_per_window=500, max_concurrent=10, window=60)
        backfill = PostgresRateLimiter(self.registry, limits, bulk=True)
        user = PostgresRateLimiter(self.registry, limits)
        self.assertEqual((backfill.pace_window, backfill.pace_budget), (1.0, 8))
        for _ in range(backfill.pace_budget):
            self.assertIsNotNone(backfill._try_take("realm-paced", 1, False)[0])
        slot, wait = backfill._try_take("realm-paced", 1, False)
        self.assertIsNone(slot, "a second's share is taken: the backfill's next request waits")
        self.assertTrue(0 < wait <= backfill.pace_window, wait)
        self.assertIsNotNone(user._try_take("realm-paced", 1, False)[0], "a user's request goes at once")

    def test_a_chunk_paced_by_quickbooks_makes_way_for_a_users_job(self):
        """Paced, each of a backfill's requests waits about a second: a chunk that got something done gives its job
        slot back when it must wait while a user's push waits for one, instead of holding it document after
        document."""

        class Slept(Exception):
            pass

        def sleep(seconds):
            raise Slept(seconds)

        # A ten-minute window: a pace step of ten seconds, so that the test's own time never frees a step (and a
        # step's wait is not a long one here).
        limits = RateLimits(requests_per_window=500, max_concurrent=10, window=600)
        self.startPatcher(patch.object(const, "RATE_BULK_YIELD_SECONDS", 60))
        self.took_recently("realm-pace", PostgresRateLimiter(self.registry, limits).pace_budget, seconds=0.5)
        chunk = PostgresRateLimiter(self.registry, limits, sleep=sleep, bulk=True, yield_to_users=True)
        with self.assertRaises(Slept), chunk.acquire("realm-pace"):
            pass  # nobody waits: the chunk keeps its slot through the pace's short wait
        self.invoice(price=35.0).action_post()  # its push is queued at the users' priority, waiting for a worker
        with self.assertRaises(RetryableJobError) as caught, chunk.acquire("realm-pace"):
            pass
        self.assertEqual(caught.exception.seconds, 1)
        self.assertTrue(caught.exception.ignore_retry)
        first_document = PostgresRateLimiter(self.registry, limits, sleep=sleep, bulk=True)
        with self.assertRaises(Slept), first_document.acquire("realm-pace"):
            pass  # a chunk's first document always goes: every job gets something done
        half_sent = PostgresRateLimiter(self.registry, limits, sleep=sleep, bulk=True, yield_to_users=True)
        with half_sent.acquire("realm-pace-2"):
            pass  # the document's new customer went
        self.took_recently("realm-pace-2", half_sent.pace_budget, seconds=0.5)
        with self.assertRaises(Slept), half_sent.acquire("realm-pace-2"):
            pass  # its invoice follows within the second rather than sending the customer again later

    def test_the_pushes_of_a_backfill_take_the_bulk_lane_and_user_pushes_do_not(self):
        """Every request of a backfill (its look-ups, its chunks' creates) is counted in the governor's bulk lane,
        which leaves room for what users do now; an invoice a user validates meanwhile is not.  The connection
        reaches a job as an argument, without the job's context: told by that context, no request ever took
        the bulk lane, and a backfill at QuickBooks' limit kept users' invoices waiting for the window."""
        Slots = self.env["quickbooks.rate.slot"].sudo()

        def lanes_since(slot_id):
            return set(Slots.search([("id", ">", slot_id), ("realm_id", "=", self.backend.realm_id)]).mapped("is_bulk"))

        with trap_jobs():
            moves = self.invoice(price=41.0) | self.invoice(price=42.0)
            moves.action_post()
        before = Slots.search([], order="id desc", limit=1).id
        with trap_jobs() as trap:
            self.backend._quickbooks_schedule_backfill(moves)
            while trap.enqueued_jobs:  # the look-ups, then the chains of chunks they queue
                queued, trap.enqueued_jobs = trap.enqueued_jobs, []
                for job in queued:
                    job.perform()
        self.assertEqual({self.sync_record(move).state for move in moves}, {"done"})
        self.assertEqual(lanes_since(before), {True}, "a backfill's requests are all in the bulk lane")
        before = Slots.search([], order="id desc", limit=1).id
        with trap_jobs() as trap:
            move = self.invoice(price=43.0)
            move.action_post()
            trap.perform_enqueued_jobs()
        self.assertEqual(self.sync_record(move).state, "done")
        self.assertEqual(lanes_since(before), {False}, "what a user validates is not")

    def test_the_push_counts_bills_too_and_says_when_it_finished_and_how(self):
        self.emulator.call("POST", "rate_limits", {"enabled": False})
        vendor = self.env["res.partner"].create({"name": "Backlog Vendor"})
        with trap_jobs():
            invoices = self.invoice(price=20.0, taxes=self.env["account.tax"]) | self.invoice(
                price=30.0, taxes=self.env["account.tax"]
            )
            bill = self._create_invoice_one_line(
                move_type="in_invoice", partner_id=vendor.id, price_unit=40.0, tax_ids=self.env["account.tax"]
            )
            (invoices | bill).action_post()
        odd = self.env["account.account"].create({"code": "499300", "name": "Unmapped Sales", "account_type": "income"})
        refused = self.invoice(price=10.0, taxes=self.env["account.tax"], account_id=odd.id)
        with trap_jobs():
            refused.action_post()
        wizard = self.env["quickbooks.bulk.push.wizard"].create(
            {"backend_id": self.backend.id, "date_from": fields.Date.today(), "date_to": fields.Date.today()}
        )
        with trap_jobs() as trap:
            action = wizard.action_push()
            self.assertEqual(action["params"]["next"]["res_id"], self.backend.id, "the connection shows the push")
            self.backend.invalidate_recordset()
            self.assertEqual((self.backend.backlog_pending, self.backend.backlog_done), (4, 0))
            self.assertEqual(self.backend.backlog_summary, "0 sent, 0 failed, 4 waiting")
            self.assertFalse(self.backend.backlog_finished_at)
            self.drain(trap)
        self.backend.invalidate_recordset()
        self.assertEqual(self.sync_record(bill).state, "done", self.sync_record(bill).last_error)
        self.assertEqual((self.backend.backlog_done, self.backend.backlog_failed), (3, 1), "bills are counted")
        self.assertEqual(self.backend.backlog_summary, "Finished: 3 sent, 1 failed")
        self.assertTrue(self.backend.backlog_finished_at)
