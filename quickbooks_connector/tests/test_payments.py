"""Payments both ways and QuickBooks-side changes, against the emulator."""

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged

from .test_push import PushCase


@tagged("post_install", "-at_install")
class TestPayments(PushCase):
    def setUp(self):
        super().setUp()
        self.fast_client_retries()
        self.Pull = self.env["quickbooks.pull"]

    def pushed_invoice(self, price=100.0):
        move = self.invoice(price=price, taxes=self.env["account.tax"])
        row = self.post_and_push(move)
        self.assertEqual(row.state, "done", row.last_error)
        return move, row

    def qbo_payment(self, invoice_row, amount, total=None):
        """The CPA records a payment in QuickBooks."""
        invoice = self.qbo("Invoice", invoice_row.qbo_id)
        return self.emulator.api(
            self.token,
            "POST",
            "payment",
            json={
                "CustomerRef": invoice["CustomerRef"],
                "TotalAmt": total or amount,
                "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": invoice_row.qbo_id, "TxnType": "Invoice"}]}],
            },
        )["Payment"]

    def pull(self, entity, qbo_id, operation="update"):
        return self.Pull._process_change(self.backend, entity, qbo_id, operation)

    def odoo_payments(self, move):
        return move._get_reconciled_payments().filtered(lambda p: p.state != "canceled")

    # --- QuickBooks → Odoo
    def test_a_payment_recorded_in_quickbooks_marks_the_invoice_paid(self):
        move, row = self.pushed_invoice(100.0)
        payment = self.qbo_payment(row, 100.0)
        self.pull("Payment", payment["Id"], "create")
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        binding = self.env["quickbooks.sync.state"]._binding_for_qbo(self.backend, "Payment", payment["Id"])
        self.assertEqual((binding.origin, binding.state), ("qbo", "done"))

    def test_partial_then_full_payment(self):
        move, row = self.pushed_invoice(100.0)
        first = self.qbo_payment(row, 40.0)
        self.pull("Payment", first["Id"], "create")
        self.assertEqual(move.payment_state, "partial")
        self.assertAlmostEqual(move.amount_residual, 60.0)
        second = self.qbo_payment(row, 60.0)
        self.pull("Payment", second["Id"], "create")
        self.assertIn(move.payment_state, ("paid", "in_payment"))

    def test_duplicated_and_out_of_order_notifications_make_one_odoo_payment(self):
        move, row = self.pushed_invoice(100.0)
        payment = self.qbo_payment(row, 30.0)
        for operation in ("update", "create", "create"):  # update seen first, then the create twice
            self.pull("Payment", payment["Id"], operation)
        self.assertEqual(len(self.odoo_payments(move)), 1)
        self.assertAlmostEqual(move.amount_residual, 70.0)

    def test_an_edited_payment_is_adjusted_and_a_voided_one_reopens_the_invoice(self):
        move, row = self.pushed_invoice(100.0)
        payment = self.qbo_payment(row, 30.0)
        self.pull("Payment", payment["Id"], "create")
        self.emulator.api(
            self.token,
            "POST",
            "payment",
            json={
                "Id": payment["Id"],
                "SyncToken": payment["SyncToken"],
                "sparse": True,
                "TotalAmt": 50,
                "Line": [{"Amount": 50, "LinkedTxn": [{"TxnId": row.qbo_id, "TxnType": "Invoice"}]}],
            },
        )
        self.pull("Payment", payment["Id"], "update")
        self.assertAlmostEqual(move.amount_residual, 50.0)
        self.assertEqual(len(self.odoo_payments(move)), 1)
        current = self.qbo("Payment", payment["Id"])
        self.emulator.api(
            self.token,
            "POST",
            "payment",
            params={"operation": "update", "include": "void"},
            json={"Id": payment["Id"], "SyncToken": current["SyncToken"], "sparse": True},
        )
        self.pull("Payment", payment["Id"], "void")
        self.assertEqual(move.payment_state, "not_paid")
        self.assertFalse(self.odoo_payments(move))

    def test_a_payment_for_an_invoice_not_synced_yet_waits_and_one_for_a_foreign_invoice_is_ignored(self):
        move = self.invoice(price=80.0, taxes=self.env["account.tax"])
        move.action_post()  # its push job is queued and has not run yet
        customer = self.emulator.api(self.token, "POST", "customer", json={"DisplayName": "Walk-in"})["Customer"]
        qbo_invoice = self.emulator.api(
            self.token,
            "POST",
            "invoice",
            json={
                "DocNumber": move.name,
                "CustomerRef": {"value": customer["Id"]},
                "Line": [{"Amount": 80, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {}}],
            },
        )["Invoice"]
        payment = self.emulator.api(
            self.token,
            "POST",
            "payment",
            json={
                "CustomerRef": {"value": customer["Id"]},
                "TotalAmt": 80,
                "Line": [{"Amount": 80, "LinkedTxn": [{"TxnId": qbo_invoice["Id"], "TxnType": "Invoice"}]}],
            },
        )["Payment"]
        try:
            self.pull("Payment", payment["Id"], "create")
        except RetryableJobError as error:
            self.assertIn("not synced", str(error))
        else:
            self.fail("a payment for an Odoo invoice not bound yet must be retried, not dropped")
        foreign = self.emulator.api(
            self.token,
            "POST",
            "invoice",
            json={
                "DocNumber": "QBO-ONLY-1",
                "CustomerRef": {"value": customer["Id"]},
                "Line": [{"Amount": 20, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {}}],
            },
        )["Invoice"]
        other = self.emulator.api(
            self.token,
            "POST",
            "payment",
            json={
                "CustomerRef": {"value": customer["Id"]},
                "TotalAmt": 20,
                "Line": [{"Amount": 20, "LinkedTxn": [{"TxnId": foreign["Id"], "TxnType": "Invoice"}]}],
            },
        )["Payment"]
        self.pull("Payment", other["Id"], "create")  # nothing in Odoo to apply it to: no error, no loop

    # --- Odoo → QuickBooks
    def register(self, move, amount):
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"amount": amount})
        )
        return wizard._create_payments()

    def test_a_payment_registered_in_odoo_appears_in_quickbooks_once_even_if_its_response_is_lost(self):
        move, row = self.pushed_invoice(100.0)
        self.emulator.fault(method="POST", entity="payment", kind="drop_after_commit", times=3)
        with trap_jobs() as trap:
            payment = self.register(move, 100.0)
            trap.assert_jobs_count(1, only=payment._quickbooks_settle_job)
        try:
            payment._quickbooks_settle_job(self.backend)  # QBO committed it three times over: no answer came back
        # Not assertRaises: Odoo's rolls its block back to a savepoint, and what the failed try
        # recorded is what the next try builds on.
        except RetryableJobError:  # pylint: disable=except-pass
            pass
        else:
            self.fail("three lost answers must make the job retry")
        payment._quickbooks_settle_job(self.backend)
        payments = [
            p
            for p in self.qbo_all("Payment")
            if any(linked["TxnId"] == row.qbo_id for line in p["Line"] for linked in line["LinkedTxn"])
        ]
        self.assertEqual(len(payments), 1)
        self.assertEqual(self.qbo("Invoice", row.qbo_id)["Balance"], 0)
        # QuickBooks notifies us of that payment: it is ours, not applied a second time.
        self.pull("Payment", payments[0]["Id"], "create")
        self.assertEqual(len(self.odoo_payments(move)), 1)
        # Reset to draft, Odoo 19 keeps the payment reconciled (the invoice stays paid): so does QuickBooks.
        # Cancelled, it is deleted in QuickBooks and the QBO invoice reopens.
        with trap_jobs() as trap:
            payment.action_draft()
            trap.perform_enqueued_jobs()
        self.assertEqual((move.payment_state, self.qbo("Invoice", row.qbo_id)["Balance"]), ("paid", 0))
        with trap_jobs() as trap:
            payment.action_cancel()
            trap.perform_enqueued_jobs()
        self.assertEqual((move.payment_state, self.qbo("Invoice", row.qbo_id)["Balance"]), ("not_paid", 100))

    def test_our_payment_announced_before_its_push_recorded_it_is_not_applied_twice(self):
        # Seen in the soak: the push's worker was killed after QuickBooks stored the payment; the
        # notification of that payment came before the push's retry recorded the binding.
        move, row = self.pushed_invoice(100.0)
        self.emulator.fault(method="POST", entity="payment", kind="drop_after_commit", times=3)
        payment = self.register(move, 100.0)
        (settle,) = self.stored_jobs(payment, "_quickbooks_settle_job")
        self.assertIsNotNone(self.run_stored_job(settle), "stored in QuickBooks, no answer came back")
        (sent,) = [
            p
            for p in self.qbo_all("Payment")
            if any(linked["TxnId"] == row.qbo_id for line in p["Line"] for linked in line["LinkedTxn"])
        ]
        with self.assertRaises(RetryableJobError):
            self.pull("Payment", sent["Id"], "create")  # ours: waits for the push, applies nothing
        self.assertEqual(len(self.odoo_payments(move)), 1)
        self.assertIsNone(self.run_stored_job(settle))  # the retry: the same payment, by its requestid
        binding = self.env["quickbooks.sync.state"]._binding_for_qbo(self.backend, "Payment", sent["Id"])
        self.assertEqual((binding.res_model, binding.res_id, binding.origin), ("account.payment", payment.id, "odoo"))
        self.pull("Payment", sent["Id"], "create")
        self.assertEqual(len(self.odoo_payments(move)), 1)
        self.assertEqual(len(self.qbo_all("Payment")), 1)

    def test_pulled_payments_are_never_pushed_back(self):
        _move, row = self.pushed_invoice(100.0)
        payment = self.qbo_payment(row, 100.0)
        with trap_jobs() as trap:
            self.pull("Payment", payment["Id"], "create")
            trap.assert_jobs_count(0)
        self.assertEqual(len(self.qbo_all("Payment")), 1)

    # --- drift
    def test_an_amount_edited_in_quickbooks_is_flagged_and_our_own_pushes_are_not(self):
        move, row = self.pushed_invoice(100.0)
        self.assertIn("No change", self.pull("Invoice", row.qbo_id, "update"))
        self.assertFalse(self.sync_record(move).drift_detected)
        current = self.qbo("Invoice", row.qbo_id)
        lines = [line for line in current["Line"] if line["DetailType"] == "SalesItemLineDetail"]
        lines[0]["Amount"] = 120
        lines[0]["SalesItemLineDetail"]["UnitPrice"] = 120
        self.emulator.api(
            self.token,
            "POST",
            "invoice",
            json={"Id": row.qbo_id, "SyncToken": current["SyncToken"], "sparse": True, "Line": lines},
        )
        self.pull("Invoice", row.qbo_id, "update")
        flagged = self.sync_record(move)
        self.assertTrue(flagged.drift_detected)
        self.assertIn("TotalAmt", flagged.drift_note)
        self.assertIn("Changed in QuickBooks", self.chatter(move))
        # The next push restores Odoo's values and clears the flag.
        with trap_jobs() as trap:
            flagged.action_retry()
            trap.perform_enqueued_jobs()
        self.assertEqual(self.qbo("Invoice", row.qbo_id)["TotalAmt"], 100)
        self.assertFalse(self.sync_record(move).drift_detected)

    def test_an_invoice_voided_in_quickbooks_is_flagged_for_a_manager_not_recreated(self):
        move, row = self.pushed_invoice(100.0)
        current = self.qbo("Invoice", row.qbo_id)
        self.emulator.api(
            self.token,
            "POST",
            "invoice",
            params={"operation": "void"},
            json={"Id": row.qbo_id, "SyncToken": current["SyncToken"]},
        )
        self.pull("Invoice", row.qbo_id, "void")
        flagged = self.sync_record(move)
        self.assertEqual(flagged.qbo_state, "voided")
        self.assertTrue(flagged.drift_detected)
        self.assertIn("Invoice voided in QuickBooks", self.backend.activity_ids.mapped("summary"))
        self.assertEqual(len([i for i in self.qbo_all("Invoice") if i["DocNumber"] == move.name]), 1)

    # --- load
    def test_100_payments_at_a_20_percent_fault_rate_leave_every_balance_equal(self):
        self.emulator.call("POST", "rate_limits", {"enabled": False})
        moves = self.env["account.move"]
        for number in range(50):
            moves |= self.invoice(price=100.0 + number, taxes=self.env["account.tax"])
        with trap_jobs() as trap:
            moves.action_post()
            trap.perform_enqueued_jobs()
        rows = {move: self.sync_record(move) for move in moves}
        qbo_payment_ids = []
        odoo_payments = self.env["account.payment"]
        for move in moves:
            # Half paid in QuickBooks by the CPA (a third of it), half registered in Odoo (half of it).
            qbo_payment_ids.append(self.qbo_payment(rows[move], round(move.amount_total / 3, 2))["Id"])
            with trap_jobs():
                odoo_payments |= self.register(move, round(move.amount_total / 2, 2))
        self.emulator.fault(method="*", path="*", kind="status", status=503, probability=0.1, seed=5)
        self.emulator.fault(method="*", path="*", kind="drop_after_commit", probability=0.1, seed=6)
        work = [("pull", qbo_id) for qbo_id in qbo_payment_ids] + [("push", p) for p in odoo_payments]
        for _round in range(30):
            retry = []
            for kind, item in work:
                try:
                    if kind == "pull":
                        self.pull("Payment", item, "create")
                    else:
                        item._quickbooks_settle_job(self.backend)
                except RetryableJobError:
                    retry.append((kind, item))
                except Exception as error:  # a transport error outside a job wrapper counts as retryable
                    if not getattr(error, "retryable", False):
                        raise
                    retry.append((kind, item))
            work = retry
            if not work:
                break
        self.assertEqual(work, [], "every payment must get through")
        self.emulator.call("DELETE", "faults")
        for move in moves:
            qbo_invoice = self.qbo("Invoice", rows[move].qbo_id)
            self.assertAlmostEqual(move.amount_residual, qbo_invoice["Balance"], places=2, msg=move.name)
