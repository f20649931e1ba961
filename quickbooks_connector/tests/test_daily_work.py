"""Daily work where accountants look: the dashboard, the QuickBooks status on lists, "Send to QuickBooks"."""

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_push import PushCase


@tagged("post_install", "-at_install")
class TestDailyWork(PushCase):
    def setUp(self):
        super().setUp()
        self.odd = self.env["account.account"].create(
            {"code": "499400", "name": "Unmapped Revenue", "account_type": "income"}
        )
        self.sent = self.invoice(price=100.0)
        self.assertEqual(self.post_and_push(self.sent).state, "done")
        self.refused = self.invoice(price=50.0, account_id=self.odd.id)
        self.assertEqual(self.post_and_push(self.refused).state, "failed")
        with trap_jobs():
            self.unsent = self.invoice(price=25.0)
            self.unsent.quickbooks_skip = True
            self.unsent.action_post()
            self.unsent.quickbooks_skip = False
        self.draft = self.invoice(price=10.0)

    def test_the_menus_put_daily_work_in_invoicing_and_setup_in_configuration(self):
        work = self.env.ref("quickbooks_connector.menu_quickbooks_work")
        self.assertEqual(work.parent_id, self.env.ref("account.menu_finance"))
        daily = {
            "menu_quickbooks_dashboard",
            "menu_quickbooks_sync_state",
            "menu_quickbooks_sync_state_failed",
            "menu_quickbooks_webhook_event",
            "menu_quickbooks_reconciliation",
            "menu_quickbooks_bulk_push",
        }
        for xmlid in daily:
            self.assertEqual(self.env.ref(f"quickbooks_connector.{xmlid}").parent_id, work, xmlid)
        setup = self.env.ref("quickbooks_connector.menu_quickbooks_root")
        self.assertEqual(setup.parent_id, self.env.ref("account.menu_finance_configuration"))
        self.assertEqual(self.env.ref("quickbooks_connector.menu_quickbooks_account_mapping").parent_id, setup)

    def test_the_dashboard_card_counts_and_opens_what_it_counts(self):
        backend = self.backend
        backend.invalidate_recordset()
        self.assertEqual(backend.dashboard_failed_count, 1)
        self.assertGreaterEqual(backend.dashboard_done_count, 2, "the invoice and its customer")
        self.assertTrue(backend.dashboard_last_success_at)
        self.assertFalse(backend.dashboard_reconciliation_state)
        action = backend.action_open_sync_failed()
        failed = self.env["quickbooks.sync.state"].search(action["domain"])
        self.assertEqual(failed, self.sync_record(self.refused))
        self.env["quickbooks.reconciliation"]._run_for_backend(backend, with_fx=False)
        backend.invalidate_recordset()
        self.assertIn(backend.dashboard_reconciliation_state, ("Match", "Drift"))

    def test_lists_filter_by_quickbooks_status(self):
        Move = self.env["account.move"]
        mine = [("id", "in", (self.sent | self.refused | self.unsent | self.draft).ids)]
        self.assertEqual(Move.search([*mine, ("quickbooks_status", "=", "done")]), self.sent)
        self.assertEqual(Move.search([*mine, ("quickbooks_status", "in", ("failed", "conflict"))]), self.refused)
        self.assertEqual(Move.search([*mine, ("quickbooks_status", "=", "none")]), self.unsent | self.draft)
        self.assertEqual(
            Move.search([*mine, ("quickbooks_status", "!=", "done")]), self.refused | self.unsent | self.draft
        )
        customer = self.env["res.partner"].search([("id", "=", self.partner_a.id), ("quickbooks_status", "=", "done")])
        self.assertEqual(customer, self.partner_a)

    def test_send_to_quickbooks_on_selected_documents_sends_the_posted_ones_and_names_the_others(self):
        with trap_jobs() as trap:
            result = (self.unsent | self.draft).action_quickbooks_send()
            self.drain(trap)
        self.assertEqual(self.sync_record(self.unsent).state, "done")
        self.assertIn("1 document(s) queued", result["params"]["message"])
        self.assertIn("Not sent", result["params"]["message"])
        with self.assertRaises(UserError):
            self.draft.action_quickbooks_send()
        action = self.env.ref("quickbooks_connector.action_move_send_to_quickbooks")
        self.assertEqual(action.binding_model_id.model, "account.move")

    def test_sync_records_say_what_they_are_in_an_accountants_words(self):
        row = self.sync_record(self.sent)
        self.assertEqual(row.record_type, "Customer Invoice")
        self.assertEqual(row.partner_id, self.partner_a)
        self.assertEqual((row.amount, row.currency_id), (self.sent.amount_total, self.sent.currency_id))
        self.assertEqual(row.record_date, self.sent.invoice_date)
        self.assertEqual(row._fields["backend_id"].string, "Connection")
        customer = self.sync_record(self.partner_a)
        self.assertEqual(
            (customer.record_type, customer.partner_id, customer.currency_id),
            ("Contact", self.partner_a, self.env["res.currency"]),
        )
        SyncRecords = self.env["quickbooks.sync.state"]
        search_view = self.env.ref("quickbooks_connector.view_quickbooks_sync_state_search")
        self.assertIn("Vendors", search_view.arch)
        customers = SyncRecords.search([("backend_id", "=", self.backend.id), ("qbo_entity", "=", "Customer")])
        self.assertTrue(customers)
        self.assertFalse(customers.filtered(lambda r: r.qbo_entity == "Vendor"))
