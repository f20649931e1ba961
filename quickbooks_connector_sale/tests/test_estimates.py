"""Sales orders as QuickBooks Estimates, against real Odoo 19 and the QBO emulator: sent, confirmed, cancelled,
invoiced (the invoice closes its Estimate), and accepted or rejected in QuickBooks."""

from odoo import Command, fields
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.quickbooks_connector.tests.test_push import PushCase
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSalesOrdersAsEstimates(PushCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids |= cls.env.ref("sales_team.group_sale_manager")  # the test's accountant sells too

    def setUp(self):
        super().setUp()
        self.backend.sync_sale_estimates = True

    def order(self, lines=((1000.0, 2),), **values):
        """A quotation of partner_a: a section, then product_a lines of (price, quantity) with its sales tax."""
        commands = [Command.create({"display_type": "line_section", "name": "Consulting"})]
        commands += [
            Command.create({"product_id": self.product_a.id, "price_unit": price, "product_uom_qty": quantity})
            for price, quantity in lines
        ]
        return self.env["sale.order"].create(
            {"partner_id": self.partner_a.id, "validity_date": "2027-03-31", "order_line": commands, **values}
        )

    def run_jobs(self, action):
        """Do ``action`` (an order's button) and run the jobs it queued, as the runner would after commit."""
        with trap_jobs() as trap:
            action()
            self.drain(trap)
        return trap

    def estimate(self, order):
        row = self.sync_record(order)
        self.assertEqual(row.state, "done", row.last_error)
        return row, self.qbo("Estimate", row.qbo_id)

    def trial_balance(self):
        return self.emulator.api(self.token, "GET", "reports/TrialBalance")["Rows"]

    def catch_up_with_quickbooks(self):
        """Read what changed in QuickBooks (change data capture, as after a lost webhook) and apply it."""
        with trap_jobs() as trap:
            self.backend._cdc_catch_up()
            self.drain(trap)

    # ------------------------------------------------------------------ Odoo → QuickBooks
    def test_a_sent_quotation_becomes_a_pending_estimate_that_posts_nothing(self):
        books = self.trial_balance()
        order = self.order(lines=((1000.0, 2), (99.99, 3)), client_order_ref="PO-778")
        with trap_jobs() as trap:
            order.action_quotation_sent()
            trap.assert_jobs_count(1, only=order._quickbooks_estimate_job)
            self.drain(trap)
        row, estimate = self.estimate(order)
        self.assertEqual(
            (estimate["DocNumber"], estimate["ExpirationDate"], estimate["TxnStatus"]),
            (order.name, "2027-03-31", "Pending"),
        )
        self.assertEqual(estimate["TotalAmt"], order.amount_total)
        self.assertEqual(estimate["TxnTaxDetail"]["TotalTax"], order.amount_tax)
        self.assertEqual(estimate["CustomerMemo"]["value"], "PO-778")
        kinds = [line["DetailType"] for line in estimate["Line"] if line["DetailType"] != "SubTotalLineDetail"]
        self.assertEqual(kinds, ["DescriptionOnly", "SalesItemLineDetail", "SalesItemLineDetail"])
        customer = self.sync_record(self.partner_a.commercial_partner_id)
        self.assertEqual(estimate["CustomerRef"]["value"], customer.qbo_id)
        self.assertEqual(self.trial_balance(), books, "an estimate posts nothing")
        self.assertIn(f"Estimate #{order.name}", self.chatter(order))
        self.assertEqual(order.quickbooks_status, "done")
        self.assertTrue(row.qbo_url.endswith(f"/app/estimate?txnId={row.qbo_id}"))

    def test_the_switch_is_off_by_default_and_a_draft_quotation_is_not_sent(self):
        self.assertFalse(self.env["quickbooks.backend"].new({}).sync_sale_estimates)
        self.backend.sync_sale_estimates = False
        with trap_jobs() as trap:
            self.order().action_confirm()
            trap.assert_jobs_count(0)
        self.backend.sync_sale_estimates = True
        with trap_jobs() as trap:
            self.order()
            trap.assert_jobs_count(0)
        self.assertFalse(self.qbo_all("Estimate"))

    def test_confirmed_is_accepted_and_its_invoice_closes_the_estimate(self):
        order = self.order()
        self.run_jobs(order.action_confirm)
        row, estimate = self.estimate(order)
        self.assertEqual((estimate["TxnStatus"], estimate["AcceptedDate"]), ("Accepted", str(order.date_order.date())))
        invoice = order._create_invoices()
        pushed = self.post_and_push(invoice)
        self.assertEqual(pushed.state, "done", pushed.last_error)
        qbo_invoice = self.qbo("Invoice", pushed.qbo_id)
        self.assertIn({"TxnId": row.qbo_id, "TxnType": "Estimate"}, qbo_invoice["LinkedTxn"])
        self.assertEqual(qbo_invoice["TotalAmt"], estimate["TotalAmt"], "the invoice is the estimate's")
        closed = self.qbo("Estimate", row.qbo_id)
        self.assertEqual(closed["TxnStatus"], "Closed")
        self.assertEqual(closed["LinkedTxn"], [{"TxnId": pushed.qbo_id, "TxnType": "Invoice"}])
        # QuickBooks reports the closing back: nothing to do in Odoo.
        self.catch_up_with_quickbooks()
        self.assertEqual(order.state, "sale")
        self.assertFalse(self.sync_record(order).drift_detected)

    def test_a_changed_quotation_is_updated_and_a_cancelled_one_rejected(self):
        order = self.order()
        self.run_jobs(order.action_quotation_sent)
        row, _estimate = self.estimate(order)
        self.run_jobs(
            lambda: order.write({"order_line": [Command.update(order.order_line[1].id, {"price_unit": 500})]})
        )
        _row, updated = self.estimate(order)
        self.assertEqual((updated["Id"], updated["TotalAmt"]), (row.qbo_id, order.amount_total))
        self.run_jobs(order.action_cancel)
        _row, rejected = self.estimate(order)
        self.assertEqual((rejected["TxnStatus"], rejected["TotalAmt"]), ("Rejected", updated["TotalAmt"]))
        self.assertEqual(len(self.qbo_all("Estimate")), 1, "one estimate per order, whatever happened to it")

    def test_an_unmapped_tax_fails_visibly_and_retry_sends_it_once_mapped(self):
        vat = self.env["account.tax"].create({"name": "Levy 15%", "amount": 15, "type_tax_use": "sale"})
        order = self.order()
        order.order_line.filtered("product_id").tax_ids = vat
        self.run_jobs(order.action_quotation_sent)
        row = self.sync_record(order)
        self.assertEqual((row.state, row.failure_kind), ("failed", "mapping"))
        self.assertIn("Levy 15%", row.last_error)
        self.assertIn("map first", self.chatter(order))
        self.assertFalse(self.qbo_all("Estimate"))
        self.map_tax(vat, "Standard 15%")
        self.run_jobs(row.action_retry)
        _row, estimate = self.estimate(order)
        self.assertEqual(estimate["TotalAmt"], order.amount_total)

    # ------------------------------------------------------------------ QuickBooks → Odoo
    def test_accepted_in_quickbooks_confirms_the_quotation(self):
        order = self.order()
        self.run_jobs(order.action_quotation_sent)
        row, _estimate = self.estimate(order)
        self.emulator.call(
            "POST", f"entities/estimate/{row.qbo_id}", {"TxnStatus": "Accepted", "AcceptedBy": "Jane Buyer"}
        )
        self.catch_up_with_quickbooks()
        self.assertEqual(order.state, "sale")
        self.assertIn("Accepted by Jane Buyer in QuickBooks: the quotation was confirmed.", self.chatter(order))
        _row, estimate = self.estimate(order)
        self.assertEqual(estimate["TxnStatus"], "Accepted")

    def test_rejected_in_quickbooks_cancels_a_quotation_but_not_a_confirmed_order(self):
        quotation, confirmed = self.order(), self.order()
        self.run_jobs(quotation.action_quotation_sent)
        self.run_jobs(confirmed.action_confirm)
        for order in (quotation, confirmed):
            self.emulator.call("POST", f"entities/estimate/{self.sync_record(order).qbo_id}", {"TxnStatus": "Rejected"})
        self.catch_up_with_quickbooks()
        self.assertEqual(quotation.state, "cancel")
        self.assertIn("Rejected in QuickBooks: the quotation was cancelled.", self.chatter(quotation))
        self.assertEqual(confirmed.state, "sale", "a confirmed order is never cancelled from QuickBooks")
        row = self.sync_record(confirmed)
        self.assertTrue(row.drift_detected)
        self.assertIn("set Rejected in QuickBooks, but the order is Sales Order in Odoo", row.drift_note)
        self.assertIn("nothing was changed", self.chatter(confirmed))

    def test_the_switch_adds_to_what_managers_may_set_on_a_connection(self):
        backend_classes = type(self.backend).__mro__
        connector = set().union(
            *(
                cls.__dict__["_quickbooks_writable"]
                for cls in backend_classes
                if "_quickbooks_writable" in cls.__dict__
                and cls.__module__.startswith("odoo.addons.quickbooks_connector.")
            )
        )
        self.assertEqual(set(self.backend._quickbooks_writable), connector | {"sync_sale_estimates"})

    def test_only_quickbooks_users_use_the_orders_quickbooks_buttons(self):
        order = self.order()
        self.run_jobs(order.action_quotation_sent)
        seller = new_test_user(self.env, "qbo_seller", groups="sales_team.group_sale_salesman_all_leads")
        for method in ("action_view_in_quickbooks", "action_open_quickbooks_sync_record"):
            with self.assertRaises(AccessError, msg=method):
                getattr(order.with_user(seller), method)()
        bookkeeper = new_test_user(
            self.env,
            "qbo_bookkeeper",
            groups="sales_team.group_sale_salesman_all_leads,quickbooks_connector.group_quickbooks_user",
        )
        action = order.with_user(bookkeeper).action_view_in_quickbooks()
        self.assertTrue(action["url"].endswith(f"/app/estimate?txnId={self.sync_record(order).qbo_id}"))

    def test_estimates_are_followed_only_with_the_switch(self):
        module = self.env["ir.module.module"].search([("name", "=", "quickbooks_connector_sale")])
        self.assertEqual(module.state, "installed", "installed with sale and the connector, automatically")
        self.assertIn("Estimate", self.backend._quickbooks_followed_entities())
        self.backend.sync_sale_estimates = False
        self.assertNotIn("Estimate", self.backend._quickbooks_followed_entities())
        event = (
            self.env["quickbooks.webhook.event"]
            .sudo()
            .create(
                {
                    "backend_id": self.backend.id,
                    "realm_id": self.backend.realm_id,
                    "entity": "Estimate",
                    "qbo_id": "1",
                    "operation": "update",
                    "occurred_at": fields.Datetime.now(),
                    "source": "webhook",
                    "dedupe_key": "test:estimate:1",
                    "change_key": "Estimate:1:test:change",
                }
            )
        )
        self.assertIn("does not synchronise Estimate", event._ignore_reason())
