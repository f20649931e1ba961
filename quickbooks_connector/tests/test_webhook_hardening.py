"""The webhook, hardened: a signed notification changes nothing by its words alone (deletions, merges and
voids are read back from QuickBooks), and the signature check costs the same whatever the body names."""

from unittest.mock import patch

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import HttpCase, tagged

from .. import const
from ..models import quickbooks_webhook_event_intake
from .common import CLIENT_ID, CLIENT_SECRET, REALM_ID, VERIFIER_TOKEN, QuickbooksTestMixin
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
        kept, merged_away = (self.sync_record(partner) for partner in (self.partner_a, self.partner_b))
        self.notify(
            cloudevent("Customer", kept.qbo_id, "merged", data={"deletedId": merged_away.qbo_id}),
            cloudevent("Invoice", self.invoice_row.qbo_id, "voided"),
        )
        for row in (kept, merged_away, self.invoice_row):
            row.invalidate_recordset()
            self.assertEqual((row.qbo_state, row.drift_detected), ("active", False), row.res_name)
        activities = [("res_model", "=", "quickbooks.backend"), ("res_id", "=", self.backend.id)]
        self.assertFalse(self.env["mail.activity"].sudo().search(activities), "no manager was alerted")


@tagged("post_install", "-at_install")
class TestSignatureWorkIsBounded(InboxMixin, QuickbooksTestMixin, HttpCase):
    """However many companies are connected, and whatever realms a body names, few HMACs are computed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_quickbooks()
        cls.realms, cls.shared = {}, []
        for number in range(8):
            company = cls.env["res.company"].create({"name": f"Signed company {number}"})
            backend = cls.new_backend(company)
            realm = f"91303540000009{number:02d}"
            # Four of them are connected through the same Intuit app as the main one, four through apps of their own.
            token = VERIFIER_TOKEN if number < 4 else f"verifier-of-app-{number}"
            backend.write({"webhook_verifier_token": token, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
            backend.sudo().write({"realm_id": realm, "state": "connected"})
            cls.realms[realm] = backend
            if token == VERIFIER_TOKEN:
                cls.shared.append(realm)

    def setUp(self):
        super().setUp()
        self.connect_backend()
        self.checked = []
        verify = quickbooks_webhook_event_intake.verify_signature

        def counting(raw_body, signature, token):
            self.checked.append(token)
            return verify(raw_body, signature, token)

        patcher = patch.object(quickbooks_webhook_event_intake, "verify_signature", counting)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_one_hmac_for_a_delivery_of_one_app(self):
        padding = [cloudevent("Item", number, realm=REALM_ID) for number in range(200)]  # a large body
        with trap_jobs():
            response = self.post([cloudevent("Payment", 1, realm=REALM_ID), *padding])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.checked, [VERIFIER_TOKEN])
        self.checked.clear()
        with trap_jobs():
            response = self.post([cloudevent("Payment", 2, realm=realm) for realm in [REALM_ID, *self.shared]])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.checked, [VERIFIER_TOKEN], "one token for the five companies of one app")
        stored = self.Inbox.sudo().search([("entity", "=", "Payment"), ("qbo_id", "=", "2")])
        self.assertEqual(len(stored), 5)
        # Signed by the app but for a realm no company here connects: 200 (Intuit would deliver it for days),
        # nothing stored, still one HMAC.
        self.checked.clear()
        with trap_jobs():
            self.assertEqual(self.post([cloudevent("Payment", 4, realm="4620816365000000001")]).status_code, 200)
        self.assertEqual(self.checked, [VERIFIER_TOKEN])
        self.assertFalse(self.Inbox.sudo().search([("entity", "=", "Payment"), ("qbo_id", "=", "4")]))

    def test_a_body_naming_every_realm_costs_a_bounded_number_of_hmacs(self):
        events = [cloudevent("Payment", 3, realm=realm) for realm in [REALM_ID, *self.realms]]
        with trap_jobs():
            response = self.post(events, token="verifier-of-app-7")
        self.assertLessEqual(len(self.checked), const.WEBHOOK_MAX_VERIFIER_TOKENS)
        self.assertEqual(len(set(self.checked)), len(self.checked), "each token once")
        # The first apps (by connection) are tried: an app beyond the bound is not, whatever the body claims.
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self.Inbox.sudo().search([("qbo_id", "=", "3")]))
        # Unsigned, nothing at all is computed.
        self.checked.clear()
        self.assertEqual(self.post(events, token=None).status_code, 401)
        self.assertEqual(self.checked, [])
