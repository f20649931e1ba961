"""Moving to QuickBooks: a company with history in Odoo and an empty QuickBooks company.

The run sends what Odoo booked from its *history from* date as it is, and what was booked before as opening
balances the day before: the documents still open that day for their open amount, the money received on
account as payments, each month's profit and loss, and one entry for every balance sheet account.  The books
comparison then finds both books equal, account by account, customer by customer and document by document.
"""

from datetime import timedelta

from odoo import fields
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_parallel_run import ParallelRunCase


@tagged("post_install", "-at_install")
class TestHistoryToQuickBooks(ParallelRunCase):
    def setUp(self):
        super().setUp()
        self.history_from = fields.Date.today() - timedelta(days=10)

    def day(self, offset):
        return self.history_from + timedelta(days=offset)

    def posted(self, move):
        """Posted in Odoo before QuickBooks: its push is queued, never run."""
        move.action_post()
        return move

    def pay(self, moves, amount, day):
        """A payment registered in Odoo; its job is queued, never run."""
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create({"amount": amount, "payment_date": day})
        )
        return wizard._create_payments()

    def on_account(self, partner, amount, day):
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": partner.id,
                "amount": amount,
                "date": day,
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        return payment

    def numbered(self, entity, number):
        return [obj for obj in self.qbo_all(entity) if obj.get("DocNumber") == number]

    def test_the_history_and_the_opening_balances_make_both_books_equal(self):
        # Before the history: an invoice paid in part, one paid after, one paid before, a bill, money on account.
        part_paid = self.posted(self.invoice(300.0, taxes=self.env["account.tax"], invoice_date=self.day(-60)))
        self.pay(part_paid, 100.0, self.day(-50))
        paid_later = self.posted(self.invoice(200.0, taxes=self.env["account.tax"], invoice_date=self.day(-40)))
        paid_before = self.posted(self.invoice(80.0, taxes=self.env["account.tax"], invoice_date=self.day(-30)))
        self.pay(paid_before, 80.0, self.day(-25))
        bill = self.posted(self.bill(120.0, invoice_date=self.day(-20)))
        deposit = self.on_account(self.partner_b, 50.0, self.day(-5))
        # From the history on: a payment of an earlier invoice, a new invoice.
        self.pay(paid_later, 200.0, self.day(1))
        new = self.posted(self.invoice(150.0, taxes=self.env["account.tax"], invoice_date=self.day(2)))
        self.assertFalse(self.qbo_all("Invoice"), "QuickBooks starts empty")

        run = self.env["quickbooks.parallel.run"].create(
            {
                "backend_id": self.backend.id,
                "start_date": self.history_from,
                "history_from": self.history_from,
                "direction": "odoo_to_qbo",
            }
        )
        with trap_jobs() as trap:
            run.action_send_history()
            self.drain(trap)
        self.assertEqual(run.opening_state, "sent", run.opening_summary)

        # What was open the day before is in QuickBooks for its open amount; what was settled before is not.
        (opening,) = self.numbered("Invoice", part_paid.name)
        self.assertEqual((opening["TotalAmt"], opening["Balance"]), (200.0, 200.0))
        self.assertEqual(opening["TxnDate"], self.day(-60).isoformat())
        row = self.sync_record(part_paid)
        self.assertEqual((row.state, row.opening_balance, row.qbo_id), ("done", True, opening["Id"]))
        (later,) = self.numbered("Invoice", paid_later.name)
        self.assertEqual(later["Balance"], 0.0, "its payment, made from the history on, applies to it")
        self.assertEqual(self.sync_record(paid_later._get_reconciled_payments()).state, "done")
        self.assertFalse(self.numbered("Invoice", paid_before.name))
        (qbo_bill,) = [b for b in self.qbo_all("Bill") if b["Id"] == self.sync_record(bill).qbo_id]
        self.assertEqual(qbo_bill["Balance"], 120.0)
        qbo_deposit = self.qbo("Payment", self.sync_record(deposit).qbo_id)
        self.assertEqual((qbo_deposit["TotalAmt"], qbo_deposit["UnappliedAmt"]), (50.0, 50.0))
        (qbo_new,) = self.numbered("Invoice", new.name)
        self.assertEqual(qbo_new["Balance"], 150.0)
        self.assertEqual(self.sync_record(new).opening_balance, False)
        # Opening Balance Equity ends at zero.
        equity = next(a for a in self.emulator.entities("Account") if a.get("AccountSubType") == "OpeningBalanceEquity")
        self.assertEqual(self.qbo("Account", equity["Id"])["CurrentBalance"], 0.0)

        # That night the books comparison finds both books equal (trial balance, months, customers, documents):
        # the run's first day is clean.
        night = self.night(fields.Date.today())
        self.assertEqual((night.books_state, night.state), ("match", "match"), self.describe(night))
        self.assertEqual(run.day_ids.mapped("clean"), [True])
        with self.assertRaises(UserError), self.env.cr.savepoint():
            run.history_from = self.day(-30)

        # A second run sends nothing; an earlier document changed in Odoo is not sent again.
        entries = len(self.qbo_all("JournalEntry"))
        run._quickbooks_send_opening_job()
        self.assertEqual(run.opening_state, "sent", run.opening_summary)
        self.assertEqual(len(self.qbo_all("JournalEntry")), entries)
        self.assertEqual(len(self.qbo_all("Invoice")), 3)
        with trap_jobs() as trap:
            paid_before.button_draft()
            paid_before.action_post()
            self.drain(trap)
        self.assertFalse(self.numbered("Invoice", paid_before.name))
        self.assertEqual(self.sync_record(paid_before).state, "skipped")
        self.assertIn("opening balances", self.sync_record(paid_before).last_error)

        # The money received on account before the history is applied in Odoo to a newer invoice: its opening
        # payment in QuickBooks is applied to that invoice, for what it held, and the books stay equal.
        with trap_jobs() as trap:
            newer = self.posted(
                self.invoice(70.0, taxes=self.env["account.tax"], partner=self.partner_b, invoice_date=self.day(3))
            )
            (deposit.move_id.line_ids | newer.line_ids).filtered(
                lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
            ).reconcile()
            self.drain(trap)
        self.assertEqual(newer.amount_residual, 20.0)
        row = self.sync_record(deposit)
        self.assertEqual((row.state, row.qbo_id), ("done", qbo_deposit["Id"]), row.last_error)
        qbo_deposit = self.qbo("Payment", row.qbo_id)
        self.assertEqual((qbo_deposit["TotalAmt"], qbo_deposit["UnappliedAmt"]), (50.0, 0.0))
        (qbo_newer,) = self.numbered("Invoice", newer.name)
        self.assertEqual(qbo_newer["Balance"], 20.0)
        night = self.night(fields.Date.today() + timedelta(days=1))
        self.assertEqual((night.books_state, night.state), ("match", "match"), self.describe(night))
