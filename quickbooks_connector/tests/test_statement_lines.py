"""Bank statement lines whose matching books more than the documents: a bank fee, a customer and a vendor
netted on one line.  Both sides' documents, partners and books agree to the cent."""

from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import tagged

from .test_journal_entries import JournalEntryCase
from .test_settlements import money


class StatementLineCase(JournalEntryCase):
    """Helpers: bank statement lines created and matched as the bank reconciliation does."""

    def setUp(self):
        super().setUp()
        self.fees = self.company_data["default_account_expense"]
        self.bank_journal = self.company_data["default_journal_bank"]

    def statement_line(self, amount, partner, journal=None):
        return self.run_jobs(
            self.env["account.bank.statement.line"].create,
            {
                "journal_id": (journal or self.bank_journal).id,
                "partner_id": partner.id,
                "amount": amount,
                "date": fields.Date.today(),
                "payment_ref": "Bank line",
            },
        )

    def match(self, statement_line, documents, counterparts=()):
        """Match ``statement_line`` with the open amounts of ``documents`` and book ``counterparts``
        ((account, debit amount) each) on it, as the bank reconciliation does: the suspense item becomes one
        item per document, reconciled with it."""
        _liquidity, suspense, _other = statement_line._seek_for_lines()
        commands = [Command.delete(suspense.id)]
        for document in documents:
            party = document.line_ids.filtered(
                lambda line: line.account_id.account_type in ("asset_receivable", "liability_payable")
            )
            commands.append(
                Command.create(
                    {
                        "account_id": party.account_id.id,
                        "partner_id": document.partner_id.id,
                        "balance": -party.amount_residual,
                        "amount_currency": -party.amount_residual_currency,
                        "currency_id": document.currency_id.id,
                        "name": document.name,
                    }
                )
            )
        for account, amount in counterparts:
            commands.append(Command.create({"account_id": account.id, "balance": amount, "name": account.name}))
        move = statement_line.move_id
        move.button_draft()
        move.with_context(skip_readonly_check=True, check_move_validity=False).write({"line_ids": commands})
        self.run_jobs(move.action_post)
        for document in documents:
            party = document.line_ids.filtered(
                lambda line: line.account_id.account_type in ("asset_receivable", "liability_payable")
            )
            created = move.line_ids.filtered(
                lambda line, p=party: line.account_id == p.account_id and not line.reconciled
            )
            self.run_jobs((created.filtered(lambda line, d=document: line.name == d.name) | party).reconcile)


@tagged("post_install", "-at_install")
class TestStatementLineCounterparts(StatementLineCase):
    def test_a_fee_taken_when_a_statement_line_is_matched_is_booked_on_its_account(self):
        invoice = self.pushed(100.0)
        line = self.statement_line(97.0, invoice.partner_id)
        self.match(line, invoice, [(self.fees, 3.0)])
        self.assertEqual(invoice.payment_state, "paid")
        qbo_payment = self.qbo_payment_of(line)
        self.assertEqual(money(qbo_payment["TotalAmt"]), money(97))
        self.assert_same_balances(invoice)
        run = self.compare()
        self.assertEqual(run.books_state, "match", self.describe(run))

    def test_a_fee_on_a_line_matched_with_an_invoice_paid_without_journal_entry_is_booked_too(self):
        # The Accounting app: the payment has no entry until the statement line is matched; QuickBooks
        # received its Payment when it was registered.
        invoice = self.pushed(100.0)
        journal = self.bank_journal.copy({"name": "Bank without outstanding account"})
        journal.inbound_payment_method_line_ids.payment_account_id = False
        self.map_account(journal.default_account_id, "Checking")
        with patch.object(type(self.env["account.move"]), "_get_invoice_in_payment_state", lambda self: "in_payment"):
            payment = self.register(invoice, 100.0, journal_id=journal.id)
            self.assertFalse(payment.move_id)
            line = self.statement_line(97.0, invoice.partner_id, journal=journal)
            self.match(line, invoice, [(self.fees, 3.0)])
        fee = self.sync_record(line, key="fees")
        self.assertEqual((fee.qbo_entity, fee.state, fee.qbo_state), ("JournalEntry", "done", "active"), fee.last_error)
        self.assertEqual(
            sorted(
                (item["JournalEntryLineDetail"]["PostingType"], item["Amount"])
                for item in self.qbo("JournalEntry", fee.qbo_id)["Line"]
            ),
            [("Credit", 3.0), ("Debit", 3.0)],
        )
        self.assertEqual(money(self.qbo_payment_of(payment)["TotalAmt"]), money(100), "the payment received it all")
        self.assert_same_balances(invoice)
        run = self.compare()
        self.assertEqual(run.books_state, "match", self.describe(run))
        # Matched again without the fee, the entry goes.
        self.run_jobs(line.action_undo_reconciliation)
        self.assertEqual(fee.qbo_state, "deleted")
        self.assertEqual(self.qbo_all("JournalEntry"), [])

    def test_a_customer_and_vendor_netted_on_one_line_pays_the_invoice_and_the_bill(self):
        invoice = self.pushed(1000.0)
        bill = self.pushed_bill(300.0, partner=invoice.partner_id)
        line = self.statement_line(700.0, invoice.partner_id)
        self.match(line, invoice | bill)
        self.assertEqual((invoice.payment_state, bill.payment_state), ("paid", "paid"))
        netting = self.sync_record(line, key="netting")
        self.assertEqual((netting.qbo_entity, netting.state), ("JournalEntry", "done"), netting.last_error)
        payment = self.qbo_payment_of(line)
        self.assertEqual(money(payment["TotalAmt"]), money(700))
        self.assertEqual(self.lines_of(payment), [("Invoice", money(1000)), ("JournalEntry", money(300))])
        bill_payment = self.qbo_bill_payment_of(line, key="netted")
        self.assertEqual(money(bill_payment["TotalAmt"]), money(0))
        self.assertEqual(self.lines_of(bill_payment), [("Bill", money(300)), ("JournalEntry", money(300))])
        self.assertEqual(self.qbo_all("CreditMemo"), [], "nothing lands on an Item")
        self.assert_same_balances(invoice)
        self.assert_same_payables(bill)
        run = self.compare()
        self.assertEqual(run.books_state, "match", self.describe(run))
        # Undone in Odoo: both payments stop applying the entry, then it goes.
        self.run_jobs(line.action_undo_reconciliation)
        self.assertEqual(self.sync_record(line, key="netted").qbo_state, "deleted")
        self.assertEqual(netting.qbo_state, "deleted")
        self.assertEqual(self.qbo_all("JournalEntry"), [])
        self.assert_same_balances(invoice)
        self.assert_same_payables(bill)

    def test_bank_lines_with_no_customer_or_vendor_are_journal_entries_and_a_transfer_nets_out(self):
        savings = self.env["account.journal"].create(
            {"name": "Savings", "code": "SAV", "type": "bank", "company_id": self.company.id}
        )
        self.map_account(savings.default_account_id, "Savings")
        transfer = self.company.transfer_account_id
        self.map_account(transfer, "Undeposited Funds")
        (self.bank_journal | savings).quickbooks_send_entries = True
        company = self.company.partner_id
        out = self.statement_line(-500.0, company)
        self.assertFalse(self.sync_record(out.move_id), "on the suspense account: not matched, not sent")
        self.match(out, self.env["account.move"], [(transfer, 500.0)])
        arrived = self.statement_line(500.0, company, journal=savings)
        self.match(arrived, self.env["account.move"], [(transfer, -500.0)])
        charges = self.statement_line(-12.0, company)
        self.match(charges, self.env["account.move"], [(self.fees, 12.0)])
        for line in (out, arrived, charges):
            row = self.sync_record(line.move_id)
            self.assertEqual(
                (row.qbo_entity, row.state, row.qbo_state), ("JournalEntry", "done", "active"), row.last_error
            )
        self.assertEqual(len(self.qbo_all("JournalEntry")), 3)
        run = self.compare()
        self.assertEqual(run.books_state, "match", self.describe(run))
        self.assertEqual(self.figures(self.line(run, "Savings"))[:2], (500.0, 500.0))
        # The match undone, the line is on the suspense account again: its entry goes.
        self.run_jobs(charges.action_undo_reconciliation)
        self.assertEqual(self.sync_record(charges.move_id).qbo_state, "deleted")
        self.assertEqual(len(self.qbo_all("JournalEntry")), 2)

    def test_a_credit_note_refunded_from_the_bank_statement_uses_the_credit_in_quickbooks(self):
        # The Accounting app's way: no payment, the bank line matched with the credit note.
        credit_note = self.pushed(40.0, move_type="out_refund")
        line = self.statement_line(-40.0, credit_note.partner_id)
        self.match(line, credit_note)
        self.assertEqual(money(credit_note.amount_residual), money(0))
        row = self.sync_record(line.move_id)
        self.assertEqual((row.qbo_entity, row.state), ("JournalEntry", "done"), row.last_error)
        application = self.qbo_payment_of(line.move_id, key="application")
        self.assertEqual(self.lines_of(application), [("CreditMemo", money(40)), ("JournalEntry", money(40))])
        self.assertFalse(self.sync_record(line), "no Payment of the line: a refund is no receipt")
        self.assert_same_balances(credit_note)
        run = self.compare()
        self.assertEqual(run.books_state, "match", self.describe(run))

    def test_a_vendor_refund_received_on_the_bank_statement_uses_the_credit_in_quickbooks(self):
        vendor_refund = self.pushed_bill(30.0, move_type="in_refund")
        line = self.statement_line(30.0, vendor_refund.partner_id)
        self.match(line, vendor_refund)
        application = self.qbo_bill_payment_of(line.move_id, key="application")
        self.assertEqual(self.lines_of(application), [("JournalEntry", money(30)), ("VendorCredit", money(30))])
        self.assert_same_payables(vendor_refund)
        run = self.compare()
        self.assertEqual(run.books_state, "match", self.describe(run))
