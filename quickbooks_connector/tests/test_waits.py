"""A job that waits for another job of the connector waits only while that job is queued or running.

Jobs here are stored as queue_job stores them (not trapped) and run as its runner runs them, so what a
waiting job reads is what it reads in production: queue_job's own rows.  Every order of post, reset to
draft, push and cancel ends with a settled sync record and no job of the invoice left.
"""

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..tools.jobs import UNDER_WAY_STATES
from .test_push import PushCase


@tagged("post_install", "-at_install")
class TestCancelOrders(PushCase):
    def setUp(self):
        super().setUp()
        self.fast_client_retries()

    # --- helpers
    def push_job(self, move):
        (job,) = self.stored_jobs(move, "_quickbooks_push_job")
        return job

    def void_job(self, move):
        (job,) = self.stored_jobs(move, "_quickbooks_void_job")
        return job

    def assert_settled(self, move, state):
        """The sync record says what happened, and no job of the move is left to run."""
        row = self.sync_record(move)
        self.assertEqual(row.state, state, row.last_error)
        left = (
            self.env["queue.job"]
            .sudo()
            .search([("model_name", "=", "account.move"), ("state", "in", UNDER_WAY_STATES)])
        )
        self.assertFalse(left.filtered(lambda job: move.id in job.records.ids), "a job of the invoice is left")
        return row

    def qbo_numbered(self, move):
        return [obj for obj in self.qbo_all("Invoice") if obj.get("DocNumber") == move.name]

    def lose_an_answer(self, move):
        """What a worker killed after QuickBooks stored the invoice leaves: the invoice in QuickBooks, no
        binding in Odoo."""
        from ..adapters import sales_document_data
        from ..qbo.payloads import build_invoice

        customer = self.env["quickbooks.push"]._push_customer(self.backend, self.partner_a)
        self.env["quickbooks.push"]._ensure_line_items(self.backend, move, self.backend._qbo_client())
        mappings = self.env["quickbooks.push"]._document_mappings(self.backend, move)
        document = sales_document_data(move, mappings, customer.qbo_id, is_us=True)
        return self.emulator.api(self.token, "POST", "invoice", json=build_invoice(document.data))["Invoice"]

    def assert_retried(self, run):
        """``run()`` asks queue_job to try again.  Not assertRaises: Odoo's rolls its block back, and with
        it the note production commits on a cursor of its own (tests share one connection)."""
        try:
            run()
        except RetryableJobError:
            return
        self.fail("the job must be tried again")

    # --- the orders
    def test_reset_to_draft_before_the_push_ran_then_cancelled_settles_at_once(self):
        # The soak's failure: the push ran between "reset to draft" and "cancel".
        move = self.invoice(price=100.0)
        move.action_post()
        move.button_draft()
        self.assertIsNone(self.run_stored_job(self.push_job(move)))
        row = self.sync_record(move)
        self.assertEqual(row.state, "draft", "a push that found its move in draft must not leave it pending")
        self.assertIn("Reset to draft", row.last_error)
        move.button_cancel()
        self.assertIsNone(self.run_stored_job(self.void_job(move)), "nothing is left to wait for")
        row = self.assert_settled(move, "skipped")
        self.assertIn("nothing was sent", row.last_error)
        self.assertFalse(self.qbo_numbered(move))

    def test_cancelled_before_its_push_ran_waits_for_that_push_only(self):
        move = self.invoice(price=100.0)
        move.action_post()
        move.button_draft()
        move.button_cancel()
        void = self.void_job(move)
        waiting = self.run_stored_job(void)
        self.assertIsNotNone(waiting, "its push is still queued: the void waits for it")
        self.assertTrue(waiting.ignore_retry, "waiting for another job is not an attempt")
        self.assertEqual((void.state, void.retry), ("pending", 0))
        self.assertIsNone(self.run_stored_job(self.push_job(move)))  # finds the move cancelled: sends nothing
        self.assertIsNone(self.run_stored_job(void))
        self.assert_settled(move, "skipped")
        self.assertFalse(self.qbo_numbered(move))

    def test_cancelled_while_its_push_ran_is_voided_once_the_push_ends(self):
        move = self.invoice(price=100.0)
        move.action_post()
        push = self.push_job(move)
        running = Job.load(self.env, push.uuid)
        running.set_started()  # a worker runs it: it read the invoice as posted
        running.store()
        move.button_draft()
        move.button_cancel()
        void = self.void_job(move)
        self.assertIsNotNone(self.run_stored_job(void), "its push is running: the void waits for it")
        # The running push sends the invoice (its transaction began before the cancellation).
        self.env.cr.execute("UPDATE account_move SET state = 'posted' WHERE id = %s", [move.id])
        move.invalidate_recordset(["state"])
        running.perform()
        running.set_done()
        running.store()
        self.env.cr.execute("UPDATE account_move SET state = 'cancel' WHERE id = %s", [move.id])
        move.invalidate_recordset(["state"])
        (sent,) = self.qbo_numbered(move)
        self.assertIsNone(self.run_stored_job(void))
        row = self.assert_settled(move, "done")
        self.assertEqual((row.qbo_id, row.qbo_state), (sent["Id"], "voided"))
        self.assertEqual(self.qbo("Invoice", sent["Id"])["TotalAmt"], 0)

    def test_reset_to_draft_after_a_lost_answer_then_cancelled_voids_what_quickbooks_holds(self):
        # A first try created the invoice and lost the answer; its retry found the invoice in draft.
        move = self.invoice(price=100.0)
        move.action_post()
        lost = self.lose_an_answer(move)
        move.button_draft()
        self.assertIsNone(self.run_stored_job(self.push_job(move)))
        self.assertEqual(self.sync_record(move).state, "draft")
        move.button_cancel()
        self.assertIsNone(self.run_stored_job(self.void_job(move)))
        row = self.assert_settled(move, "done")
        self.assertEqual((row.qbo_id, row.qbo_state), (lost["Id"], "voided"))
        self.assertEqual(len(self.qbo_numbered(move)), 1)

    def test_a_push_that_gave_up_does_not_keep_the_void_waiting(self):
        # Whatever the push did (here: failed for good on a QuickBooks outage), the void ends.
        move = self.invoice(price=100.0)
        move.action_post()
        failed = Job.load(self.env, self.push_job(move).uuid)
        failed.set_failed(exc_name="FailedJobError", exc_message="gave up")
        failed.store()
        move.button_draft()
        move.button_cancel()
        self.assertIsNone(self.run_stored_job(self.void_job(move)))
        self.assert_settled(move, "skipped")

    def test_sent_then_reset_to_draft_and_cancelled_is_voided(self):
        move = self.invoice(price=100.0)
        move.action_post()
        self.assertIsNone(self.run_stored_job(self.push_job(move)))
        qbo_id = self.sync_record(move).qbo_id
        move.button_draft()
        move.button_cancel()
        self.assertIsNone(self.run_stored_job(self.void_job(move)))
        row = self.assert_settled(move, "done")
        self.assertEqual((row.qbo_id, row.qbo_state), (qbo_id, "voided"))

    def test_a_void_whose_answer_was_lost_is_settled_by_its_retry_even_after_its_notification(self):
        # QuickBooks voided the invoice but every answer was lost; QuickBooks' own notification of the
        # void is applied before the job's retry.  That is Odoo's own cancellation, not a change made in
        # QuickBooks, and the retry ends the sync record (it stayed "pending" with the network error).
        move = self.invoice(price=100.0)
        move.action_post()
        self.assertIsNone(self.run_stored_job(self.push_job(move)))
        qbo_id = self.sync_record(move).qbo_id
        move.button_draft()
        move.button_cancel()
        void = self.void_job(move)
        self.emulator.fault(method="POST", entity="invoice", kind="drop_after_commit", times=3)
        self.assert_retried(lambda: move._quickbooks_void_job(self.backend))
        self.assertEqual(self.qbo("Invoice", qbo_id)["TotalAmt"], 0, "QuickBooks voided it")
        self.assertEqual(self.sync_record(move).state, "pending")
        outcome = self.env["quickbooks.pull"]._process_change(self.backend, "Invoice", qbo_id, "update")
        self.assertFalse(self.sync_record(move).drift_detected, outcome)
        self.assertFalse(self.backend.activity_ids, "no manager is asked about Odoo's own cancellation")
        self.assertIsNone(self.run_stored_job(void))
        row = self.assert_settled(move, "done")
        self.assertEqual((row.qbo_id, row.qbo_state, row.last_error), (qbo_id, "voided", False))
        self.assertFalse(row.drift_detected)

    def test_a_deleted_credit_note_whose_answer_was_lost_is_settled_by_its_retry(self):
        # QuickBooks cannot void a credit memo: it is deleted.  The answer lost, the retry finds it gone.
        credit = self.invoice(price=100.0, move_type="out_refund")
        credit.action_post()
        self.assertIsNone(self.run_stored_job(self.push_job(credit)))
        qbo_id = self.sync_record(credit).qbo_id
        credit.button_draft()
        credit.button_cancel()
        void = self.void_job(credit)
        self.emulator.fault(method="POST", entity="creditmemo", kind="drop_after_commit", times=3)
        self.assert_retried(lambda: credit._quickbooks_void_job(self.backend))
        self.assertEqual(self.sync_record(credit).state, "pending")
        self.assertFalse([c for c in self.qbo_all("CreditMemo") if c["Id"] == qbo_id], "QuickBooks deleted it")
        self.env["quickbooks.pull"]._process_change(self.backend, "CreditMemo", qbo_id, "delete")
        self.assertFalse(self.sync_record(credit).drift_detected)
        self.assertIsNone(self.run_stored_job(void))
        row = self.assert_settled(credit, "done")
        self.assertEqual((row.qbo_state, row.last_error), ("deleted", False))

    def test_reposted_after_a_draft_push_is_sent(self):
        move = self.invoice(price=100.0)
        move.action_post()
        move.button_draft()
        self.run_stored_job(self.push_job(move))
        self.assertEqual(self.sync_record(move).state, "draft")
        move.action_post()
        for job in self.stored_jobs(move, "_quickbooks_push_job").filtered(lambda j: j.state == "pending"):
            self.assertIsNone(self.run_stored_job(job))
        row = self.assert_settled(move, "done")
        self.assertEqual(self.qbo("Invoice", row.qbo_id)["TotalAmt"], 115)


@tagged("post_install", "-at_install")
class TestSettlementWaits(PushCase):
    def setUp(self):
        super().setUp()
        self.fast_client_retries()
        self.odd = self.env["account.account"].create(
            {"code": "499200", "name": "Odd Revenue Two", "account_type": "income"}
        )

    def register(self, move, amount):
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"amount": amount})
        )
        return wizard._create_payments()

    def test_a_payment_waits_while_its_invoice_push_is_queued(self):
        move = self.invoice(price=100.0, taxes=self.env["account.tax"])
        move.action_post()
        payment = self.register(move, 100.0)
        (settle,) = self.stored_jobs(payment, "_quickbooks_settle_job")
        waiting = self.run_stored_job(settle)
        self.assertIsNotNone(waiting)
        self.assertIn(move.name, str(waiting))
        (push,) = self.stored_jobs(move, "_quickbooks_push_job")
        self.assertIsNone(self.run_stored_job(push))
        self.assertIsNone(self.run_stored_job(settle))
        row = self.sync_record(payment)
        self.assertEqual(row.state, "done", row.last_error)
        self.assertEqual(self.qbo("Invoice", self.sync_record(move).qbo_id)["Balance"], 0)

    def test_a_payment_of_an_invoice_its_push_did_not_send_says_so_and_is_sent_once_the_invoice_is(self):
        move = self.invoice(price=100.0, taxes=self.env["account.tax"], account_id=self.odd.id)
        row = self.post_and_push(move)
        self.assertEqual((row.state, row.failure_kind), ("failed", "mapping"))
        with trap_jobs() as trap:
            payment = self.register(move, 100.0)
            trap.perform_enqueued_jobs()  # no push of the invoice is left: the payment does not wait
        settled = self.sync_record(payment)
        self.assertEqual((settled.state, settled.failure_kind), ("failed", "waiting"))
        self.assertIn(move.name, settled.last_error)
        self.assertIn("Odd Revenue Two", settled.last_error, "why the invoice is not there")
        self.assertIn(settled.last_error, self.chatter(payment))
        with trap_jobs() as trap:  # the manager maps the account: the invoice goes, then its payment
            wizard = self.env["quickbooks.account.mapping.wizard"]._prepare_for_backend(self.backend)
            line = wizard.line_ids.filtered(lambda line: line.account_id == self.odd)
            line.qbo_account_id = line.proposed_qbo_account_id
            wizard.action_apply()
            self.drain(trap)
        self.assertEqual(self.sync_record(move).state, "done")
        settled = self.sync_record(payment)
        self.assertEqual(settled.state, "done", settled.last_error)
        self.assertEqual(self.qbo("Invoice", self.sync_record(move).qbo_id)["Balance"], 0)


@tagged("post_install", "-at_install")
class TestPullWaits(PushCase):
    def setUp(self):
        super().setUp()
        self.fast_client_retries()

    def pull(self, entity, qbo_id, operation="create"):
        return self.env["quickbooks.pull"]._process_change(self.backend, entity, qbo_id, operation)

    def cpa_invoice_and_payment(self, number, amount):
        """The CPA types an invoice under ``number`` and records its payment in QuickBooks."""
        customer = self.emulator.api(self.token, "POST", "customer", json={"DisplayName": "Walk-in"})["Customer"]
        invoice = self.emulator.api(
            self.token,
            "POST",
            "invoice",
            json={
                "DocNumber": number,
                "CustomerRef": {"value": customer["Id"]},
                "Line": [{"Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {}}],
            },
        )["Invoice"]
        return self.emulator.api(
            self.token,
            "POST",
            "payment",
            json={
                "CustomerRef": {"value": customer["Id"]},
                "TotalAmt": amount,
                "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
            },
        )["Payment"]

    def test_a_payment_for_an_odoo_number_waits_for_its_push_then_fails_with_why(self):
        move = self.invoice(price=80.0, taxes=self.env["account.tax"])
        move.action_post()  # its push is queued, not run
        payment = self.cpa_invoice_and_payment(move.name, 80.0)
        with self.assertRaises(RetryableJobError) as waiting:
            self.pull("Payment", payment["Id"])
        self.assertTrue(waiting.exception.ignore_retry, "waiting for another job is not an attempt")
        failed = Job.load(self.env, self.stored_jobs(move, "_quickbooks_push_job").uuid)
        failed.set_failed(exc_name="FailedJobError", exc_message="gave up")
        failed.store()
        with self.assertRaises(UserError) as ended:
            self.pull("Payment", payment["Id"])
        self.assertIn(move.name, str(ended.exception))
        self.assertIn("retry this notification", str(ended.exception))
        self.assertEqual(move.payment_state, "not_paid", "nothing applied to a document not bound")

    def test_our_payment_whose_push_gave_up_fails_the_notification_instead_of_waiting(self):
        move = self.invoice(price=100.0, taxes=self.env["account.tax"])
        self.assertEqual(self.post_and_push(move).state, "done")
        self.emulator.fault(method="POST", entity="payment", kind="drop_after_commit", times=3)
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"amount": 100.0})
        )
        payment = wizard._create_payments()
        (settle,) = self.stored_jobs(payment, "_quickbooks_settle_job")
        self.assertIsNotNone(self.run_stored_job(settle), "three lost answers: tried again later")
        qbo_invoice = self.sync_record(move).qbo_id
        (sent,) = [
            p
            for p in self.qbo_all("Payment")
            if any(linked["TxnId"] == qbo_invoice for line in p["Line"] for linked in line["LinkedTxn"])
        ]
        with self.assertRaises(RetryableJobError):  # its push will run again: wait for it
            self.pull("Payment", sent["Id"])
        gave_up = Job.load(self.env, settle.uuid)
        gave_up.set_failed(exc_name="FailedJobError", exc_message="gave up")
        gave_up.store()
        with self.assertRaises(UserError) as ended:
            self.pull("Payment", sent["Id"])
        self.assertIn(payment.name, str(ended.exception))
        self.assertEqual(len(move._get_reconciled_payments()), 1, "never applied a second time")

    def test_a_credit_note_application_whose_answer_was_lost_waits_for_its_push_to_bind_it(self):
        invoice = self.invoice(price=100.0, taxes=self.env["account.tax"])
        self.assertEqual(self.post_and_push(invoice).state, "done")
        credit_note = self.invoice(price=30.0, move_type="out_refund", taxes=self.env["account.tax"])
        self.assertEqual(self.post_and_push(credit_note).state, "done")
        self.emulator.fault(method="POST", entity="payment", kind="drop_after_commit", times=3)
        line = credit_note.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        invoice.js_assign_outstanding_line(line.id)  # its application's push is stored, not run
        (settle,) = self.stored_jobs(credit_note, "_quickbooks_settle_job")
        self.assertIsNotNone(self.run_stored_job(settle), "three lost answers: tried again later")
        qbo_credit = self.sync_record(credit_note).qbo_id
        (sent,) = [
            p
            for p in self.qbo_all("Payment")
            if any(linked["TxnId"] == qbo_credit for line in p["Line"] for linked in line["LinkedTxn"])
        ]
        # QuickBooks' notification of it comes first: it is Odoo's own application, not the CPA's.
        with self.assertRaises(RetryableJobError):
            self.pull("Payment", sent["Id"])
        self.assertIsNone(self.run_stored_job(settle), "the retry binds what QuickBooks stored")
        row = self.sync_record(credit_note, key="application")
        self.assertEqual((row.state, row.origin, row.qbo_id), ("done", "odoo", sent["Id"]), row.last_error)
        self.pull("Payment", sent["Id"])  # read again: Odoo's own, bound
        self.assertEqual(self.sync_record(credit_note, key="application"), row)
        self.assertEqual(invoice.amount_residual, 70.0, "applied once")
