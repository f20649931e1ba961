"""The webhook, hardened: a signed notification changes nothing by its words alone (deletions, merges and
voids are read back from QuickBooks)."""

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import HttpCase, tagged

from .test_push import PushCase
from .test_webhook_inbox import InboxMixin, cloudevent


@tagged("post_install", "-at_install")
class TestNotificationsAreReadBack(InboxMixin, PushCase, HttpCase):
    def setUp(self):
        super().setUp()
        self.fast_client_retries()
        self.move = self.invoice(price=100.0, taxes=self.env["account.tax"])
        self.invoice_row = self.post_and_push(self.move)
        self.assertEqual(self.invoice_row.state, "done", self.invoice_row.last_error)

    def pulled_payment(self):
        """A payment the CPA recorded in QuickBooks, applied in Odoo."""
        invoice = self.qbo("Invoice", self.invoice_row.qbo_id)
        payment = self.emulator.api(
            self.token,
            "POST",
            "payment",
            json={
                "CustomerRef": invoice["CustomerRef"],
                "TotalAmt": 100,
                "Line": [{"Amount": 100, "LinkedTxn": [{"TxnId": self.invoice_row.qbo_id, "TxnType": "Invoice"}]}],
            },
        )["Payment"]
        self.env["quickbooks.pull"]._process_change(self.backend, "Payment", payment["Id"], "create")
        self.assertEqual(self.move.payment_state, "paid")
        return payment

    def notify(self, *events):
        """Intuit's signed delivery of ``events``; then the inbox's job of each object, as queue_job runs it."""
        with trap_jobs():
            self.assertEqual(self.post(list(events)).status_code, 200)
        for entity, qbo_id in sorted({(row.entity, row.qbo_id) for row in self.rows()}):
            self.Inbox._quickbooks_process_object(self.backend, entity, qbo_id)
        self.env.invalidate_all()

    def test_a_delete_of_a_payment_quickbooks_still_has_changes_nothing(self):
        payment = self.pulled_payment()
        odoo_payment = self.move._get_reconciled_payments()
        self.notify(cloudevent("Payment", payment["Id"], "deleted"))
        self.assertEqual(self.move.payment_state, "paid")
        self.assertEqual(self.move._get_reconciled_payments(), odoo_payment)
        self.assertNotEqual(odoo_payment.state, "canceled")
        self.assertEqual(set(self.rows().mapped("state")), {"done"})

    def test_a_payment_quickbooks_no_longer_has_is_undone(self):
        payment = self.pulled_payment()
        self.emulator.call("DELETE", f"entities/Payment/{payment['Id']}")  # the CPA deletes it
        self.notify(cloudevent("Payment", payment["Id"], "deleted"))
        self.assertEqual(self.move.payment_state, "not_paid")
        self.assertFalse(self.move._get_reconciled_payments())

    def test_a_merge_or_a_void_of_objects_quickbooks_still_has_flags_nothing(self):
        other = self.invoice(price=50.0, taxes=self.env["account.tax"], partner=self.partner_b)
        self.assertEqual(self.post_and_push(other).state, "done")
        kept, merged_away = (self.ledger(partner) for partner in (self.partner_a, self.partner_b))
        self.notify(
            cloudevent("Customer", kept.qbo_id, "merged", data={"deletedId": merged_away.qbo_id}),
            cloudevent("Invoice", self.invoice_row.qbo_id, "voided"),
        )
        for row in (kept, merged_away, self.invoice_row):
            row.invalidate_recordset()
            self.assertEqual((row.qbo_state, row.drift_detected), ("active", False), row.res_name)
        activities = [("res_model", "=", "quickbooks.backend"), ("res_id", "=", self.backend.id)]
        self.assertFalse(self.env["mail.activity"].sudo().search(activities), "no manager was alerted")
