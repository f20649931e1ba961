"""Security: the connector's internal context switches never come from a client.

A web client chooses the whole context of its call: a billing user who sends ``quickbooks_pulled`` (or
``quickbooks_no_push``) must not keep QuickBooks from hearing of what they did in Odoo."""

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import HttpCase, new_test_user, tagged

from ..tools.switches import PULLED, RECONCILE_CAPS, YIELD_TO_USERS, switch, switched_on
from .rpc import call_kw, rebind_jobs
from .test_push import PushCase

#: What a client could send: every key the connector reads, under its name, with plausible values.
FORGED = {
    "quickbooks_pulled": True,
    "quickbooks_no_push": True,
    "quickbooks_reconcile_caps": {"1": 0.01},
    "quickbooks_bulk_lane": True,
    "quickbooks_yield_to_users": True,
}


@tagged("post_install", "-at_install")
class TestInternalSwitches(PushCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing = new_test_user(
            cls.env, "switch_billing", groups="account.group_account_invoice,base.group_partner_manager"
        )

    def setUp(self):
        super().setUp()
        self.fast_client_retries()
        self.move = self.invoice(price=100.0, taxes=self.env["account.tax"])
        self.assertEqual(self.post_and_push(self.move).state, "done")
        self.authenticate(self.billing.login, self.billing.login)

    def rpc(self, model, method, args, context=None):
        result, error, message = call_kw(self, model, method, args, context=context or FORGED)
        self.assertIsNone(error, message)
        self.env.invalidate_all()
        return result

    def drain_requests(self, trap):
        """Run the jobs the web requests queued (each as its user), as the job runner would."""
        rebind_jobs(self, trap)
        self.drain(trap)

    def qbo_payments(self):
        return [payment for payment in self.emulator.entities("Payment") if payment.get("status") != "Deleted"]

    def test_a_payment_registered_with_a_forged_context_reaches_quickbooks(self):
        with trap_jobs() as trap:
            wizard_id = self.rpc(
                "account.payment.register",
                "create",
                [{}],
                context={**FORGED, "active_model": "account.move", "active_ids": self.move.ids},
            )
            self.rpc("account.payment.register", "action_create_payments", [[wizard_id]])
            self.drain_requests(trap)
        payment = self.move._get_reconciled_payments()
        self.assertEqual(len(payment), 1)
        self.assertIn(self.move.payment_state, ("paid", "in_payment"))
        self.assertFalse(self.move.line_ids.matched_credit_ids.filtered("quickbooks_pulled"), "made in Odoo")
        row = self.sync_record(payment)
        self.assertEqual((row.state, row.qbo_state), ("done", "active"), row.last_error)
        self.assertEqual([p["Id"] for p in self.qbo_payments()], [row.qbo_id])

    def test_a_payment_cancelled_with_a_forged_context_is_removed_from_quickbooks(self):
        """A customer's advance (applied to nothing yet): only the payment itself tells QuickBooks."""
        with trap_jobs() as trap:
            payment = self.env["account.payment"].create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": self.move.partner_id.id,
                    "amount": 40.0,
                    "journal_id": self.company_data["default_journal_bank"].id,
                }
            )
            payment.action_post()
            self.drain(trap)
        self.assertEqual([p["TotalAmt"] for p in self.qbo_payments()], [40])
        with trap_jobs() as trap:
            self.rpc("account.payment", "action_draft", [payment.ids])
            self.rpc("account.payment", "action_cancel", [payment.ids])
            self.drain_requests(trap)
        self.assertEqual(payment.state, "canceled")
        self.assertEqual(self.qbo_payments(), [], "QuickBooks was told")

    def test_a_customer_renamed_with_a_forged_context_is_renamed_in_quickbooks(self):
        partner = self.move.commercial_partner_id
        with trap_jobs() as trap:
            self.rpc("res.partner", "write", [partner.ids, {"name": "Renamed Behind QuickBooks' Back"}])
            self.drain_requests(trap)
        customer = self.qbo("Customer", self.sync_record(partner).qbo_id)
        self.assertEqual(customer["DisplayName"], "Renamed Behind QuickBooks' Back")

    def test_only_the_connectors_own_code_sets_a_switch(self):
        forged = self.env["account.payment"].with_context(**FORGED)
        self.assertIsNone(switch(forged.env, PULLED))
        self.assertIsNone(switch(forged.env, RECONCILE_CAPS))
        backend = self.env["quickbooks.backend"].with_context(**FORGED)
        self.assertFalse(backend._qbo_in_bulk_job(), "a client cannot put its requests in a backfill's lane")
        self.assertIsNone(switch(backend.env, YIELD_TO_USERS))
        self.assertTrue(backend._qbo_bulk_lane()._qbo_in_bulk_job())
        own = switched_on(forged, PULLED, **{RECONCILE_CAPS: {7: 1.0}})
        self.assertIs(switch(own.env, PULLED), True)
        self.assertEqual(switch(own.env, RECONCILE_CAPS), {7: 1.0})
