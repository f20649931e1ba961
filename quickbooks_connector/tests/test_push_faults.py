"""Issue-level guarantees of the push under failure: no duplicate in QuickBooks, nothing lost."""

from decimal import Decimal
from unittest.mock import patch

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged

from ..qbo import RetryPolicy
from .test_push import PushCase

FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)


class WorkerKilled(Exception):
    """Stands for a worker process dying after QBO answered, before Odoo committed."""


@tagged("post_install", "-at_install")
class TestPushFaults(PushCase):
    def setUp(self):
        super().setUp()
        patcher = patch.object(type(self.backend), "_qbo_retry_policy", FAST)
        patcher.start()
        self.addCleanup(patcher.stop)

    def run_until_done(self, records, max_rounds=30):
        """Re-run each job until it stops asking to be retried (what queue_job does, minus the waits)."""
        pending = list(records)
        for _round in range(max_rounds):
            retry = []
            for record in pending:
                try:
                    record._quickbooks_push_job(self.backend)
                except RetryableJobError:
                    retry.append(record)
            if not retry:
                return
            pending = retry
        self.fail(f"{len(pending)} job(s) still failing after {max_rounds} rounds")

    def test_lost_invoice_response_is_retried_into_exactly_one_qbo_invoice(self):
        move = self.invoice(price=250.0)
        with trap_jobs():
            move.action_post()
        # QBO commits the invoice but the answer never arrives, three times in a row: the client's
        # own retries (same requestid) are exhausted and the job is retried later.
        self.emulator.fault(method="POST", entity="invoice", kind="drop_after_commit", times=3)
        with self.assertRaises(RetryableJobError):
            move._quickbooks_push_job(self.backend)
        move._quickbooks_push_job(self.backend)
        same = [i for i in self.qbo_all("Invoice") if i["DocNumber"] == move.name]
        self.assertEqual(len(same), 1)
        self.assertEqual(self.sync_record(move).qbo_id, same[0]["Id"])

    def test_worker_killed_after_qbo_committed_reruns_without_duplicate(self):
        move = self.invoice(price=75.0)
        with trap_jobs() as trap:
            move.action_post()
            # First run: QBO creates the invoice, then the worker dies; nothing of it is committed in Odoo.
            with self.assertRaises(WorkerKilled), self.env.cr.savepoint():
                move._quickbooks_push_job(self.backend)
                raise WorkerKilled
            self.assertFalse(self.sync_record(move).qbo_id)
            self.assertEqual(len([i for i in self.qbo_all("Invoice") if i["DocNumber"] == move.name]), 1)
            # queue_job re-queues the dead job and runs it again.
            trap.perform_enqueued_jobs()
        same = [i for i in self.qbo_all("Invoice") if i["DocNumber"] == move.name]
        self.assertEqual(len(same), 1)
        self.assertEqual(self.sync_record(move).qbo_id, same[0]["Id"])
        self.assertEqual(same[0]["TotalAmt"], 86.25)

    def test_concurrent_edits_of_a_customer_are_merged_without_losing_a_field(self):
        self.post_and_push(self.invoice())
        row = self.sync_record(self.partner_a)
        # The CPA adds a phone and a note in QuickBooks (SyncToken moves on)...
        current = self.qbo("Customer", row.qbo_id)
        self.emulator.api(
            self.token,
            "POST",
            "customer",
            json={
                "Id": row.qbo_id,
                "SyncToken": current["SyncToken"],
                "sparse": True,
                "PrimaryPhone": {"FreeFormNumber": "+1 555 0199"},
                "Notes": "prefers email",
            },
        )
        # ...while an accountant changes the email in Odoo, from the old SyncToken.
        with trap_jobs() as trap:
            self.partner_a.email = "ap@partner-a.test"
            trap.perform_enqueued_jobs()
        merged = self.qbo("Customer", row.qbo_id)
        self.assertEqual(merged["PrimaryEmailAddr"]["Address"], "ap@partner-a.test")
        self.assertEqual(merged["PrimaryPhone"]["FreeFormNumber"], "+1 555 0199")
        self.assertEqual(merged["Notes"], "prefers email")
        self.assertEqual(self.sync_record(self.partner_a).state, "done")

    def test_same_field_changed_on_both_sides_keeps_odoo_and_says_so(self):
        self.partner_a.email = "first@partner-a.test"
        self.post_and_push(self.invoice())
        row = self.sync_record(self.partner_a)
        current = self.qbo("Customer", row.qbo_id)
        self.emulator.api(
            self.token,
            "POST",
            "customer",
            json={
                "Id": row.qbo_id,
                "SyncToken": current["SyncToken"],
                "sparse": True,
                "PrimaryEmailAddr": {"Address": "cpa-typed@partner-a.test"},
            },
        )
        with trap_jobs() as trap:
            self.partner_a.email = "odoo@partner-a.test"
            trap.perform_enqueued_jobs()
        self.assertEqual(self.qbo("Customer", row.qbo_id)["PrimaryEmailAddr"]["Address"], "odoo@partner-a.test")
        chatter = self.chatter(self.partner_a)
        self.assertIn("cpa-typed@partner-a.test", chatter)
        self.assertIn("Odoo is master", chatter)

    def test_200_documents_at_a_20_percent_fault_rate_end_up_identical_on_both_sides(self):
        self.emulator.call("POST", "rate_limits", {"enabled": False})
        moves = self.env["account.move"]
        for number in range(200):
            move_type = "out_refund" if number % 2 else "out_invoice"
            moves |= self.invoice(price=10.0 + number * 1.37, move_type=move_type)
        with trap_jobs():
            moves.action_post()
        for kind in ({"kind": "status", "status": 503}, {"kind": "drop_after_commit"}):
            self.emulator.fault(method="*", path="*", probability=0.1, seed=20 + len(kind), **kind)
        self.run_until_done(moves)
        self.emulator.call("DELETE", "faults")

        invoices = {i["DocNumber"]: i for i in self.qbo_all("Invoice")}
        credits = {c["DocNumber"]: c for c in self.qbo_all("CreditMemo")}
        for move in moves:
            row = self.sync_record(move)
            self.assertEqual(row.state, "done", f"{move.name}: {row.last_error}")
            qbo = (credits if move.move_type == "out_refund" else invoices)[move.name]
            self.assertEqual(Decimal(str(qbo["TotalAmt"])), Decimal(str(move.amount_total)).quantize(Decimal("0.01")))
            self.assertEqual(
                Decimal(str(qbo["TxnTaxDetail"]["TotalTax"])), Decimal(str(move.amount_tax)).quantize(Decimal("0.01"))
            )
            self.assertEqual(qbo["Id"], row.qbo_id)
        names = set(moves.mapped("name"))
        self.assertEqual(len([i for i in self.qbo_all("Invoice") if i["DocNumber"] in names]), 100)
        self.assertEqual(len([c for c in self.qbo_all("CreditMemo") if c["DocNumber"] in names]), 100)
        self.assertEqual(len([c for c in self.qbo_all("Customer") if c["DisplayName"] == self.partner_a.name]), 1)
