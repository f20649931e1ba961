"""Security, the ORM's own write path: a QuickBooks manager who writes records directly, as any client may
(``/web/dataset/call_kw``, ``create``/``write``), cannot move a connection into another company, steer the
connector's sudo code at another company's records, move rows between connections, nor undo the guard that
keeps one QuickBooks company per connection."""

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import REALM_ID, QuickbooksTestMixin
from .rpc import call_kw, rebind_jobs

OTHER_REALM = "9130354000000777"


@tagged("post_install", "-at_install")
class TestCompaniesStayApart(QuickbooksTestMixin, AccountTestInvoicingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_quickbooks()
        cls.company_b = cls.setup_other_company(name="Company B of the review")["company"]
        cls.backend_b = cls.new_backend(cls.company_b)
        manager = "account.group_account_manager,base.group_partner_manager"  # an accounting administrator
        cls.manager = new_test_user(
            cls.env,
            "apart_manager",
            groups=manager,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        # The worst case: a manager of both companies (record rules let them write either).
        cls.manager_ab = new_test_user(
            cls.env,
            "apart_manager_ab",
            groups=manager,
            company_id=cls.company.id,
            company_ids=[Command.set((cls.company | cls.company_b).ids)],
        )
        # What the connector's own code writes (the tests' user is an accounting manager, not the superuser).
        cls.SyncRecords = cls.env["quickbooks.sync.state"].sudo()

    def setUp(self):
        super().setUp()
        self.connect_backend()

    def as_user(self, user):
        self.authenticate(user.login, user.login)

    def refused(self, model, method, args, context=None):
        _result, error, message = call_kw(self, model, method, args, context=context)
        self.assertEqual(error, "AccessError", f"{model}.{method}{args}: {message or 'allowed'}")
        self.env.invalidate_all()

    def paid_invoice_of_b(self):
        """An invoice of company B, paid in Odoo: a payment and its reconciliation, B's own."""
        invoice = self.init_invoice("out_invoice", amounts=[100.0], taxes=[], company=self.company_b, post=True)
        wizard = (
            self.env["account.payment.register"]
            .with_company(self.company_b)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({})
        )
        payment = wizard._create_payments()
        self.assertEqual(invoice.payment_state, "paid")
        self.assertIn(payment.state, ("in_process", "paid"))
        return invoice, payment

    # --- finding 1
    def test_a_connection_never_moves_into_another_company(self):
        for user in (self.manager, self.manager_ab):
            self.as_user(user)
            self.refused("quickbooks.backend", "write", [self.backend.ids, {"company_id": self.company_b.id}])
            # nor through the company's side of the relation
            self.refused(
                "res.company",
                "write",
                [self.company_b.ids, {"quickbooks_backend_ids": [Command.link(self.backend.id)]}],
            )
        self.assertEqual(self.backend.company_id, self.company)
        self.assertEqual(self.backend.sudo().realm_id, REALM_ID)
        # So a customer of company B is never sent to A's QuickBooks company.
        with trap_jobs() as trap:
            self.env["res.partner"].with_company(self.company_b).create(
                {"name": "Customer of B Ltd", "is_company": True, "customer_rank": 1, "company_id": self.company_b.id}
            )
            trap.perform_enqueued_jobs()
        self.assertNotIn("Customer of B Ltd", [c.get("DisplayName") for c in self.emulator.entities("Customer")])

    # --- finding 2
    def test_sync_records_cannot_steer_the_pull_at_another_companys_payment(self):
        invoice_b, payment_b = self.paid_invoice_of_b()
        partials = invoice_b.line_ids.matched_credit_ids
        forged = {"pulled": {"key": None, "payment_id": payment_b.id, "partials": partials.ids}}
        partner = self.env["res.partner"].create({"name": "A's customer"})
        row = self.SyncRecords.create(
            {"backend_id": self.backend.id, "res_model": "res.partner", "res_id": partner.id, "qbo_entity": "Customer"}
        )
        self.as_user(self.manager)
        with trap_jobs() as trap:
            self.refused(
                "quickbooks.sync.state",
                "create",
                [
                    {
                        "backend_id": self.backend.id,
                        "res_model": "account.payment",
                        "res_id": payment_b.id,
                        "qbo_entity": "Payment",
                        "qbo_id": "999",
                        "origin": "qbo",
                        "state": "failed",
                        "synced_values": forged,
                    }
                ],
            )
            for values in ({"origin": "qbo"}, {"qbo_entity": "Payment", "qbo_id": "999"}, {"synced_values": forged}):
                self.refused("quickbooks.sync.state", "write", [row.ids, values])
            _result, error, message = call_kw(self, "quickbooks.sync.state", "action_retry", [row.ids])
            self.assertIsNone(error, message)  # the manager's Retry, of the row as the connector wrote it
            rebind_jobs(self, trap)
            trap.perform_enqueued_jobs()
        # The row is still the customer's (its Retry pushed the customer), not a payment's.
        self.assertEqual((row.origin, row.qbo_entity, row.res_model), ("odoo", "Customer", "res.partner"))
        self.assertNotIn("pulled", row.synced_values or {})
        self.assertNotEqual(payment_b.state, "canceled")
        self.assertEqual(invoice_b.payment_state, "paid")

    def test_the_pull_never_undoes_another_companys_records_whatever_a_row_names(self):
        """Even a row naming them (written behind Odoo's back): the undo touches its own company only."""
        invoice_b, payment_b = self.paid_invoice_of_b()
        partials = invoice_b.line_ids.matched_credit_ids
        self.SyncRecords.create(
            {
                "backend_id": self.backend.id,
                "res_model": "account.payment",
                "res_id": payment_b.id,
                "qbo_entity": "Payment",
                "qbo_id": "999",
                "origin": "qbo",
                "state": "done",
                "synced_values": {"pulled": {"key": None, "payment_id": payment_b.id, "partials": partials.ids}},
            }
        )
        # QuickBooks payment 999 does not exist: the pull undoes what the row says it did.
        self.env["quickbooks.pull"]._process_change(self.backend, "Payment", "999", "update")
        self.assertNotEqual(payment_b.state, "canceled")
        self.assertEqual(invoice_b.payment_state, "paid")
        self.assertEqual(invoice_b.line_ids.matched_credit_ids, partials)

    # --- finding 3
    def test_rows_never_move_to_another_connection(self):
        partner = self.env["res.partner"].create({"name": "Bound customer"})
        account = self.company_data["default_account_revenue"]
        qbo_account = (
            self.env["quickbooks.qbo.account"]
            .sudo()
            .create({"backend_id": self.backend.id, "qbo_id": "81", "name": "Sales", "account_type": "Income"})
        )
        qbo_account_b = (
            self.env["quickbooks.qbo.account"]
            .sudo()
            .create({"backend_id": self.backend_b.id, "qbo_id": "82", "name": "B's Sales", "account_type": "Income"})
        )
        rows = {
            "quickbooks.sync.state": self.SyncRecords.create(
                {
                    "backend_id": self.backend.id,
                    "res_model": "res.partner",
                    "res_id": partner.id,
                    "qbo_entity": "Customer",
                }
            ),
            "quickbooks.webhook.event": self.env["quickbooks.webhook.event"]
            .sudo()
            .create(
                {
                    "backend_id": self.backend.id,
                    "realm_id": REALM_ID,
                    "entity": "Customer",
                    "qbo_id": "5",
                    "operation": "delete",
                    "dedupe_key": "moved-delete",
                    "state": "failed",
                }
            ),
            "quickbooks.account.mapping": self.env["quickbooks.account.mapping"].create(
                {"backend_id": self.backend.id, "account_id": account.id, "qbo_account_id": qbo_account.id}
            ),
        }
        self.as_user(self.manager_ab)
        for model, row in rows.items():
            self.refused(model, "write", [row.ids, {"backend_id": self.backend_b.id}])
            self.refused(model, "write", [row.ids, {"company_id": self.company_b.id}])
        # A sync record's record is the connector's: no name of another record is computed for a client.
        invoice_b, _payment = self.paid_invoice_of_b()
        self.refused(
            "quickbooks.sync.state",
            "write",
            [rows["quickbooks.sync.state"].ids, {"res_model": "account.move", "res_id": invoice_b.id}],
        )
        # A mapping is made on a connection its author manages, to that connection's QuickBooks accounts.
        self.as_user(self.manager)
        self.refused(
            "quickbooks.account.mapping",
            "create",
            [{"backend_id": self.backend_b.id, "account_id": account.id}],
        )
        _result, error, _message = call_kw(
            self,
            "quickbooks.account.mapping",
            "write",
            [rows["quickbooks.account.mapping"].ids, {"qbo_account_id": qbo_account_b.id}],
        )
        self.assertEqual(error, "ValidationError", "_check_qbo_account_backend")
        self.env.invalidate_all()
        for row in rows.values():
            self.assertEqual(row.backend_id, self.backend)
            self.assertEqual(row.company_id, self.company)
        self.assertEqual(rows["quickbooks.sync.state"].res_name, "Bound customer")
        self.assertEqual(rows["quickbooks.account.mapping"].qbo_account_id, qbo_account)
        self.assertFalse(self.env["quickbooks.webhook.event"].search([("backend_id", "=", self.backend_b.id)]))

    # --- finding 4
    def test_the_realm_guard_cannot_be_written_around(self):
        partner = self.env["res.partner"].create({"name": "Customer of the first realm"})
        self.SyncRecords.create(
            {
                "backend_id": self.backend.id,
                "res_model": "res.partner",
                "res_id": partner.id,
                "qbo_entity": "Customer",
                "qbo_id": "58",
            }
        )
        self.backend.with_user(self.manager).action_disconnect()
        self.as_user(self.manager)
        for values in (
            {"realm_id": False},
            {"realm_id": OTHER_REALM},
            {"state": "draft"},
            {"state": "connected"},
            {"qbo_company_name": "Someone else"},
            {"qbo_country": "GB"},
            {"qbo_home_currency": "GBP"},
            {"qbo_automated_sales_tax": True},
            {"connected_at": "2026-01-01 00:00:00"},
        ):
            self.refused("quickbooks.backend", "write", [self.backend.ids, values])
        # ... nor set on a new connection, by value or by a context default.
        company_c = self.env["res.company"].create({"name": "Company C of the review"})
        self.manager.sudo().company_ids = [Command.link(company_c.id)]
        self.refused("quickbooks.backend", "create", [{"company_id": company_c.id, "realm_id": OTHER_REALM}])
        self.refused(
            "quickbooks.backend",
            "create",
            [{"company_id": company_c.id}],
            context={"default_realm_id": OTHER_REALM, "default_state": "connected"},
        )
        self.assertFalse(self.env["quickbooks.backend"].search([("company_id", "=", company_c.id)]))
        self.assertEqual((self.backend.realm_id, self.backend.state), (REALM_ID, "disconnected"))
        with self.assertRaisesRegex(UserError, "Forget QuickBooks Company"):
            self.backend._complete_authorization("any-code", OTHER_REALM)
        # A realm cleared behind Odoo's back does not open the way either: the bindings still say whose they are.
        self.backend.sudo().realm_id = False
        with self.assertRaisesRegex(UserError, "Forget QuickBooks Company"):
            self.backend._complete_authorization("any-code", OTHER_REALM)
