"""A push outlasts a long QuickBooks outage and a revoked connection, with the back-off declared on the
job functions and queue_job's own retry computation: each postponement below is the one queue_job's
runner makes (``Job.perform``, then ``postpone`` with the job function's retry pattern), and the
emulator's clock moves by it; nothing about the waiting is mocked, only not slept."""

from unittest.mock import patch

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.tests import tagged

from .. import const
from ..qbo import RetryPolicy
from .test_push import PushCase

SIX_HOURS = 6 * 3600


@tagged("post_install", "-at_install")
class TestRetries(PushCase):
    def setUp(self):
        super().setUp()
        # One HTTP try per run: the outage is outlasted by queue_job's back-off, not by the client's.
        patcher = patch.object(type(self.backend), "_qbo_retry_policy", RetryPolicy(max_attempts=1))
        patcher.start()
        self.addCleanup(patcher.stop)

    def queued_push(self, move):
        """Post ``move`` for real: its push job is a queue.job record, as the runner finds it."""
        move.action_post()
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search([("model_name", "=", "account.move"), ("method_name", "=", "_quickbooks_push_job")])
        )
        job = jobs.filtered(lambda j: j.records == move)
        self.assertEqual(len(job), 1)
        self.assertEqual((job.channel, job.max_retries), (const.JOB_CHANNEL, const.JOB_MAX_RETRIES))
        return job.uuid

    def run_like_the_runner(self, uuid, after_wait, max_runs=300):
        """Run the job as queue_job's runner does until it is done; returns (waits in seconds, job)."""
        waits = []
        for _run in range(max_runs):
            job = Job.load(self.env(su=True), uuid)  # it runs as the user who queued it
            job.set_started()
            try:
                job.perform()
            except RetryableJobError as error:
                wait = job._get_retry_seconds(error.seconds)  # what postpone() waits: the job function's pattern
                job.postpone(result=str(error), seconds=error.seconds)
                job.set_pending(reset_retry=False)
                job.store()
                waits.append(wait)
                self.emulator.advance_clock(wait)
                after_wait(sum(waits), job)
                continue
            job.set_done()
            job.store()
            return waits, job
        self.fail("the job never finished")

    def test_a_push_outlasts_a_six_hour_outage_then_completes_by_itself(self):
        move = self.invoice(price=100.0)
        uuid = self.queued_push(move)
        self.emulator.fault(path="*", method="*", kind="status", status=503, times=1_000_000)
        ended = []

        def outage(elapsed, _job):
            if elapsed >= SIX_HOURS + 600 and not ended:  # QuickBooks is back after 6 h 10 min
                self.emulator.call("DELETE", "faults")
                ended.append(elapsed)

        waits, job = self.run_like_the_runner(uuid, outage)
        self.assertEqual(waits[:9], [30, 30, 120, 120, 600, 600, 1800, 1800, 3600], "the declared back-off")
        self.assertGreaterEqual(sum(waits), SIX_HOURS)
        self.assertLess(job.retry, const.JOB_MAX_RETRIES, "with tries to spare")
        row = self.sync_record(move)
        self.assertEqual((row.state, row.failure_kind), ("done", False), row.last_error)
        self.assertEqual(len([i for i in self.qbo_all("Invoice") if i["DocNumber"] == move.name]), 1)

    def test_a_revoked_connection_waits_without_using_tries_then_completes_after_the_reconnect(self):
        move = self.invoice(price=100.0)
        uuid = self.queued_push(move)
        self.backend.sudo().state = "reconnect"  # Intuit refused the authorization

        def reconnect_after_three_days(elapsed, job):
            self.assertEqual(job.retry, 0, "waiting for a reconnect uses no try")
            if elapsed >= 3 * 24 * 3600:
                self.connect_backend()

        waits, job = self.run_like_the_runner(uuid, reconnect_after_three_days)
        self.assertGreaterEqual(sum(waits), 3 * 24 * 3600)
        self.assertEqual(job.retry, 1)
        self.assertEqual(self.sync_record(move).state, "done")
