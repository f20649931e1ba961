"""Estimates post nothing: with quotations sent and an order invoiced, the nightly books comparison still
finds both sides' books in agreement, account by account (the connector's ``test_books.py`` set-up: a UK
QuickBooks company, invoices and bills)."""

from odoo import Command
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.quickbooks_connector.tests.test_books import BooksCase
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestEstimatesLeaveTheBooksAlone(BooksCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids |= cls.env.ref("sales_team.group_sale_manager")

    def setUp(self):
        super().setUp()
        self.backend.sync_sale_estimates = True

    def order(self, price):
        return self.env["sale.order"].create(
            {
                "partner_id": self.partner_a.id,
                "order_line": [Command.create({"product_id": self.product_a.id, "price_unit": price})],
            }
        )

    def test_the_books_agree_with_estimates_open_and_closed(self):
        invoice = self.pushed(1000.0, taxes=self.tax_sale_a)
        self.register(invoice, 400.0)
        quotation, invoiced = self.order(250.0), self.order(700.0)
        with trap_jobs() as trap:
            quotation.action_quotation_sent()
            invoiced.action_confirm()
            self.drain(trap)
        billed = invoiced._create_invoices()
        self.post_and_push(billed)
        estimates = {row.res_id: row for row in (self.sync_record(quotation), self.sync_record(invoiced))}
        self.assertEqual(
            [self.qbo("Estimate", estimates[order.id].qbo_id)["TxnStatus"] for order in (quotation, invoiced)],
            ["Pending", "Closed"],
        )
        run = self.compare()
        self.assertEqual((run.books_state, run.state, run.books_unexplained_count), ("match", "match", 0))
        receivable = run.books_line_ids.filtered(
            lambda line: line.section == "trial_balance" and line.name.endswith("Accounts Receivable (A/R)")
        )
        open_amount = invoice.amount_residual + billed.amount_total  # the estimates add nothing to it
        self.assertEqual((receivable.odoo_amount, receivable.qbo_amount), (open_amount, open_amount))
