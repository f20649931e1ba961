"""Journal entries reconciled with documents: the entry is sent as a QuickBooks JournalEntry and applied
to the documents by a payment of 0, as QuickBooks' "Receive payment" ("Pay bills") applies a journal
entry credit to an invoice; both sides' open amounts, customer balances and books agree."""

from odoo import Command
from odoo.tests import tagged

from .test_journal_entries import JournalEntryCase
from .test_settlements import money


@tagged("post_install", "-at_install")
class TestJournalEntrySettlements(JournalEntryCase):
    def write_off(self, invoice, amount):
        """Bad debt written off by an entry: expense debited, the customer's receivable credited."""
        entry = self.entry([(self.expense, amount, 0.0), (self.receivable_account, 0.0, amount, invoice.partner_id)])
        row = self.post(entry)
        self.assertEqual((row.qbo_entity, row.state), ("JournalEntry", "done"), row.last_error)
        return entry

    def reconcile(self, document, entry):
        """Reconcile the entry with the document, as the invoice's "Outstanding credits" widget does."""
        line = entry.line_ids.filtered(lambda item: item.account_id == self.receivable(document).account_id)
        self.run_jobs(document.js_assign_outstanding_line, line.id)

    def test_an_invoice_written_off_by_an_entry_is_closed_in_quickbooks_by_a_payment_of_zero(self):
        invoice = self.pushed(100.0)
        entry = self.write_off(invoice, 100.0)
        self.assertEqual(self.qbo_doc(invoice)["Balance"], 100, "the entry alone leaves the invoice open")
        self.reconcile(invoice, entry)
        self.assertEqual(invoice.payment_state, "paid")
        payment = self.qbo_payment_of(entry, key="application")
        self.assertEqual(money(payment["TotalAmt"]), money(0))
        self.assertEqual(self.lines_of(payment), [("Invoice", money(100)), ("JournalEntry", money(100))])
        self.assert_same_balances(invoice)
        run = self.compare()
        self.assertEqual(run.books_state, "match", self.describe(run))
        # A retried job changes nothing: one payment, one journal entry.
        self.run_jobs(entry._quickbooks_settle_job, self.backend)
        self.assertEqual((len(self.qbo_all("Payment")), len(self.qbo_all("JournalEntry"))), (1, 1))

    def test_a_partial_write_off_unreconciled_leaves_both_open_on_both_sides(self):
        invoice = self.pushed(100.0)
        entry = self.write_off(invoice, 30.0)
        self.reconcile(invoice, entry)
        self.assertEqual(money(invoice.amount_residual), money(70))
        self.assertEqual(
            self.lines_of(self.qbo_payment_of(entry, key="application")),
            [
                ("Invoice", money(30)),
                ("JournalEntry", money(30)),
            ],
        )
        self.assert_same_balances(invoice)
        self.run_jobs(invoice.js_remove_outstanding_partial, self.receivable(invoice).matched_credit_ids.id)
        self.assertEqual(self.sync_record(entry, key="application").qbo_state, "deleted")
        self.assertEqual(self.qbo_doc(invoice)["Balance"], 100)
        self.assert_same_balances(invoice)  # the customer owes 70 on both sides: 100 less the entry's credit
        run = self.compare()
        self.assertEqual(run.books_state, "match", self.describe(run))

    def test_cancelling_the_write_off_removes_its_application_then_the_entry(self):
        invoice = self.pushed(100.0)
        entry = self.write_off(invoice, 100.0)
        self.reconcile(invoice, entry)
        self.run_jobs(entry.button_draft)
        self.run_jobs(entry.button_cancel)
        self.assertEqual(self.sync_record(entry).qbo_state, "deleted", self.sync_record(entry).last_error)
        self.assertEqual(self.sync_record(entry, key="application").qbo_state, "deleted")
        self.assertEqual(self.qbo_all("JournalEntry"), [])
        self.assertEqual(self.qbo_doc(invoice)["Balance"], 100)
        self.assert_same_balances(invoice)

    def test_a_write_off_edited_after_it_was_applied_is_applied_as_edited(self):
        invoice = self.pushed(100.0)
        entry = self.write_off(invoice, 100.0)
        self.reconcile(invoice, entry)
        self.run_jobs(entry.button_draft)
        self.run_jobs(
            entry.write,
            {
                "line_ids": [
                    Command.update(line.id, {"debit": 60.0} if line.debit else {"credit": 60.0})
                    for line in entry.line_ids
                ]
            },
        )
        self.run_jobs(entry.action_post)
        row = self.sync_record(entry)
        self.assertEqual((row.state, row.qbo_state), ("done", "active"), row.last_error)
        self.assertEqual(sorted(line["Amount"] for line in self.qbo("JournalEntry", row.qbo_id)["Line"]), [60, 60])
        self.reconcile(invoice, entry)
        self.assertEqual(money(invoice.amount_residual), money(40))
        self.assertEqual(
            self.lines_of(self.qbo_payment_of(entry, key="application")),
            [
                ("Invoice", money(60)),
                ("JournalEntry", money(60)),
            ],
        )
        self.assert_same_balances(invoice)

    def test_an_entry_reconciled_before_it_reached_quickbooks_is_applied_once_it_does(self):
        invoice = self.pushed(100.0)
        self.backend.sudo().state = "disconnected"  # the entry's push is not queued: no connection
        entry = self.entry([(self.expense, 100.0, 0.0), (self.receivable_account, 0.0, 100.0, invoice.partner_id)])
        self.run_jobs(entry.action_post)
        self.reconcile(invoice, entry)
        self.backend.sudo().state = "connected"
        self.run_jobs(entry._quickbooks_settle_job, self.backend)
        waiting = self.sync_record(entry, key="application")
        self.assertEqual((waiting.state, waiting.failure_kind), ("failed", "waiting"))
        self.assertIn(entry.name, waiting.last_error)
        self.run_jobs(entry._quickbooks_schedule_sync)
        self.assertEqual(
            self.lines_of(self.qbo_payment_of(entry, key="application")),
            [
                ("Invoice", money(100)),
                ("JournalEntry", money(100)),
            ],
        )
        self.assert_same_balances(invoice)

    def test_a_foreign_currency_write_off_is_applied_at_the_entrys_rate(self):
        eur = self.setup_other_currency("EUR", rates=[("2016-01-01", 0.5)])
        invoice = self.pushed(100.0, currency_id=eur.id, invoice_date="2016-06-01")
        lines = [(self.expense, 100.0, None), (self.receivable_account, -100.0, invoice.partner_id)]
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": "2016-06-01",
                "journal_id": self.misc.id,
                "currency_id": eur.id,
                "line_ids": [
                    Command.create(
                        {
                            "account_id": account.id,
                            "currency_id": eur.id,
                            "amount_currency": amount,
                            "name": "Bad debt",
                            **({"partner_id": partner.id} if partner else {}),
                        }
                    )
                    for account, amount, partner in lines
                ],
            }
        )
        self.assertEqual(self.post(entry).state, "done")
        self.reconcile(invoice, entry)
        payment = self.qbo_payment_of(entry, key="application")
        self.assertEqual((payment["CurrencyRef"]["value"], money(payment["ExchangeRate"])), ("EUR", money(2)))
        self.assertEqual(self.lines_of(payment), [("Invoice", money(100)), ("JournalEntry", money(100))])
        self.assert_same_balances(invoice)

    def test_a_bill_settled_by_an_entry_on_payables_is_paid_by_a_bill_payment_of_zero(self):
        bill = self.pushed_bill(300.0)
        rebate = self.entry([(self.payable(bill).account_id, 300.0, 0.0, self.vendor), (self.expense, 0.0, 300.0)])
        self.assertEqual(self.post(rebate).state, "done")
        line = rebate.line_ids.filtered(lambda item: item.account_id == self.payable(bill).account_id)
        self.run_jobs(bill.js_assign_outstanding_line, line.id)
        self.assertEqual(bill.payment_state, "paid")
        application = self.qbo_bill_payment_of(rebate, key="application")
        self.assertEqual(money(application["TotalAmt"]), money(0))
        self.assertEqual(self.lines_of(application), [("Bill", money(300)), ("JournalEntry", money(300))])
        self.assert_same_payables(bill)
        run = self.compare()
        self.assertEqual(run.books_state, "match", self.describe(run))

    def test_an_entry_reconciled_with_two_customers_invoices_is_refused_with_the_reason(self):
        first = self.pushed(100.0)
        other = self.env["res.partner"].create({"name": "Second Customer", "is_company": True})
        second = self.pushed(50.0, partner=other)
        entry = self.entry(
            [
                (self.expense, 150.0, 0.0),
                (self.receivable_account, 0.0, 100.0, first.partner_id),
                (self.receivable_account, 0.0, 50.0, other),
            ]
        )
        self.post(entry)
        for invoice in (first, second):
            line = entry.line_ids.filtered(lambda item, p=invoice.partner_id: item.partner_id == p)
            self.run_jobs(invoice.js_assign_outstanding_line, line.id)
        row = self.sync_record(entry, key="application")
        self.assertEqual((row.state, row.failure_kind), ("failed", "validation"), row.last_error)
        self.assertIn("several partners", row.last_error)
        self.assertEqual(self.qbo_doc(second)["Balance"], 50, "nothing QuickBooks would book otherwise is sent")

    # ------------------------------------------------------------------ cash refunds
    def test_a_credit_note_refunded_in_cash_takes_the_money_out_of_the_bank_and_uses_the_credit(self):
        credit_note = self.pushed(40.0, move_type="out_refund")
        refund = self.register(credit_note, 40.0)
        self.assertEqual((refund.payment_type, refund.partner_type), ("outbound", "customer"))
        self.assertEqual(money(credit_note.amount_residual), money(0))
        row = self.sync_record(refund.move_id)
        self.assertEqual((row.qbo_entity, row.state), ("JournalEntry", "done"), row.last_error)
        customer_id = self.sync_record(credit_note.partner_id).qbo_id
        self.assertEqual(
            self.qbo_lines(self.qbo("JournalEntry", row.qbo_id)),
            sorted(
                [
                    ("Debit", 40.0, self.qbo_account_of(self.receivable_account), customer_id),
                    ("Credit", 40.0, self.qbo_account_of(self.bank), None),
                ]
            ),
        )
        application = self.qbo_payment_of(refund.move_id, key="application")
        self.assertEqual(money(application["TotalAmt"]), money(0))
        self.assertEqual(self.lines_of(application), [("CreditMemo", money(40)), ("JournalEntry", money(40))])
        self.assertEqual(self.qbo_doc(credit_note)["RemainingCredit"], 0)
        self.assert_same_balances(credit_note)
        run = self.compare()
        self.assertEqual(run.books_state, "match", self.describe(run))
        # Cancelled from draft, Odoo deletes the payment's entry: the application goes first, then the
        # entry; the credit is open again.
        entry = refund.move_id
        self.run_jobs(refund.action_draft)
        self.run_jobs(refund.action_cancel)
        self.assertFalse(entry.exists())
        self.assertEqual(self.sync_record(entry, key="application").qbo_state, "deleted")
        self.assertEqual(self.sync_record(entry).qbo_state, "deleted")
        self.assertEqual(self.qbo_all("JournalEntry"), [])
        self.assertEqual(self.qbo_doc(credit_note)["RemainingCredit"], 40)
        self.assert_same_balances(credit_note)

    def test_a_vendor_refund_received_in_cash_puts_the_money_in_the_bank_and_uses_the_credit(self):
        vendor_refund = self.pushed_bill(30.0, move_type="in_refund")
        received = self.register(vendor_refund, 30.0)
        self.assertEqual((received.payment_type, received.partner_type), ("inbound", "supplier"))
        row = self.sync_record(received.move_id)
        self.assertEqual((row.qbo_entity, row.state), ("JournalEntry", "done"), row.last_error)
        application = self.qbo_bill_payment_of(received.move_id, key="application")
        self.assertEqual(money(application["TotalAmt"]), money(0))
        self.assertEqual(self.lines_of(application), [("JournalEntry", money(30)), ("VendorCredit", money(30))])
        self.assert_same_payables(vendor_refund)
        run = self.compare()
        self.assertEqual(run.books_state, "match", self.describe(run))
