"""Manual journal entries reach QuickBooks as JournalEntry objects, and the books agree account by account."""

from odoo import Command, fields
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged

from .test_books import BooksCase
from .test_settlements import money


class JournalEntryCase(BooksCase):
    """Helpers: the miscellaneous journal sends its entries; entries posted as a user posts them."""

    def setUp(self):
        super().setUp()
        self.misc.quickbooks_send_entries = True
        self.expense = self.company_data["default_account_expense"]
        self.receivable_account = self.company_data["default_account_receivable"]
        self.revenue = self.company_data["default_account_revenue"]

    def entry(self, lines, day=None, journal=None):
        """A draft journal entry of ``lines``: (account, debit, credit[, partner, taxes])."""
        values = []
        for account, debit, credit, *rest in lines:
            partner = rest[0] if rest else None
            taxes = rest[1] if len(rest) > 1 else None
            values.append(
                Command.create(
                    {
                        "account_id": account.id,
                        "debit": debit,
                        "credit": credit,
                        "name": f"{account.name} line",
                        **({"partner_id": partner.id} if partner else {}),
                        **({"tax_ids": [Command.set(taxes.ids)]} if taxes else {}),
                    }
                )
            )
        return self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": day or fields.Date.today(),
                "journal_id": (journal or self.misc).id,
                "ref": "Accrual",
                "line_ids": values,
            }
        )

    def post(self, move):
        """Post as a user does, and run the QuickBooks jobs it queued; the entry's sync record."""
        self.run_jobs(move.action_post)
        return self.sync_record(move)

    def qbo_lines(self, journal_entry):
        return sorted(
            (
                line["JournalEntryLineDetail"]["PostingType"],
                line["Amount"],
                line["JournalEntryLineDetail"]["AccountRef"]["value"],
                (line["JournalEntryLineDetail"].get("Entity") or {}).get("EntityRef", {}).get("value"),
            )
            for line in journal_entry["Line"]
        )

    def qbo_account_of(self, account):
        mapping = self.env["quickbooks.account.mapping"].search(
            [("backend_id", "=", self.backend.id), ("account_id", "=", account.id)]
        )
        self.assertTrue(mapping.qbo_account_id, f"{account.display_name} is mapped")
        return mapping.qbo_account_id.qbo_id


@tagged("post_install", "-at_install")
class TestJournalEntries(JournalEntryCase):
    def test_a_journal_entry_reaches_quickbooks_on_its_mapped_accounts_and_the_books_agree(self):
        move = self.entry([(self.expense, 37.5, 0.0), (self.bank, 0.0, 37.5)])
        row = self.post(move)
        self.assertEqual((row.qbo_entity, row.state, row.qbo_state), ("JournalEntry", "done", "active"), row.last_error)
        stored = self.qbo("JournalEntry", row.qbo_id)
        self.assertEqual(stored["DocNumber"], move.name)
        self.assertIn(move.name, stored["PrivateNote"])
        self.assertEqual(stored["TxnDate"], move.date.isoformat())
        self.assertEqual(
            self.qbo_lines(stored),
            sorted(
                [
                    ("Debit", 37.5, self.qbo_account_of(self.expense), None),
                    ("Credit", 37.5, self.qbo_account_of(self.bank), None),
                ]
            ),
        )
        run = self.compare()
        self.assertEqual((run.books_state, run.state), ("match", "match"), self.describe(run))
        # Sent once: running the push again (a retried job) changes nothing in QuickBooks.
        self.run_jobs(move._quickbooks_push_job, self.backend)
        self.assertEqual(len(self.qbo_all("JournalEntry")), 1)

    def test_reset_to_draft_then_reposted_updates_it_and_a_cancellation_deletes_it(self):
        move = self.entry([(self.expense, 50.0, 0.0), (self.bank, 0.0, 50.0)])
        first = self.post(move).qbo_id
        move.button_draft()
        move.write(
            {
                "line_ids": [
                    Command.update(line.id, {"debit": 80.0} if line.debit else {"credit": 80.0})
                    for line in move.line_ids
                ]
            }
        )
        row = self.post(move)
        self.assertEqual((row.qbo_id, row.state), (first, "done"), row.last_error)
        stored = self.qbo("JournalEntry", first)
        self.assertEqual(sorted(line["Amount"] for line in stored["Line"]), [80.0, 80.0])
        self.assertEqual(len(self.qbo_all("JournalEntry")), 1, "updated, not sent twice")
        self.assertEqual((self.compare().books_state), "match")
        move.button_draft()
        self.run_jobs(move.button_cancel)
        row = self.sync_record(move)
        self.assertEqual(row.qbo_state, "deleted", row.last_error)
        self.assertEqual(self.qbo_all("JournalEntry"), [])
        run = self.compare()
        self.assertEqual(run.books_state, "match", self.describe(run))

    def test_a_foreign_currency_entry_carries_its_currency_and_the_rate_of_its_home_amounts(self):
        eur = self.setup_other_currency("EUR", rates=[("2016-01-01", 0.5)])
        lines = [(self.expense, 100.0), (self.revenue, -100.0)]
        move = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": "2016-06-01",
                "journal_id": self.misc.id,
                "currency_id": eur.id,
                "line_ids": [
                    Command.create(
                        {"account_id": account.id, "currency_id": eur.id, "amount_currency": amount, "name": "EUR"}
                    )
                    for account, amount in lines
                ],
            }
        )
        self.assertEqual(sorted(move.line_ids.mapped("balance")), [-200.0, 200.0], "Odoo's rate: 0.5 EUR a dollar")
        row = self.post(move)
        self.assertEqual(row.state, "done", row.last_error)
        stored = self.qbo("JournalEntry", row.qbo_id)
        self.assertEqual((stored["CurrencyRef"]["value"], money(stored["ExchangeRate"])), ("EUR", money(2)))
        self.assertEqual(sorted(line["Amount"] for line in stored["Line"]), [100, 100])
        self.assertEqual(money(stored["HomeTotalAmt"]), money(200))

    def test_a_journal_entry_edited_in_quickbooks_is_flagged_and_a_retry_restores_odoos(self):
        move = self.entry([(self.expense, 40.0, 0.0), (self.bank, 0.0, 40.0)])
        row = self.post(move)
        current = self.qbo("JournalEntry", row.qbo_id)
        # The CPA changes both amounts in QuickBooks.
        self.emulator.api(
            self.token,
            "POST",
            "journalentry",
            json={
                "Id": current["Id"],
                "SyncToken": current["SyncToken"],
                "sparse": True,
                "Line": [{**line, "Amount": 45.0} for line in current["Line"]],
            },
        )
        note = self.Pull._process_change(self.backend, "JournalEntry", row.qbo_id, "update")
        self.assertIn("Lines", note)
        self.assertTrue(row.drift_detected)
        self.assertIn(note, move.message_ids.mapped("body")[0])
        self.run_jobs(row.action_retry)
        self.assertEqual(sorted(line["Amount"] for line in self.qbo("JournalEntry", row.qbo_id)["Line"]), [40, 40])
        # Odoo's own update is no change to what it owns.
        self.assertIn("No change", str(self.Pull._process_change(self.backend, "JournalEntry", row.qbo_id, "update")))

    def test_the_bulk_push_sends_the_periods_entries_after_its_documents(self):
        with trap_jobs():
            invoice = self.invoice(price=30.0, taxes=self.env["account.tax"])
            invoice.action_post()
            entry = self.entry([(self.expense, 15.0, 0.0), (self.bank, 0.0, 15.0)])
            entry.action_post()  # their jobs never ran (a worker was down, say)
        wizard = self.env["quickbooks.bulk.push.wizard"].create({"backend_id": self.backend.id})
        self.assertEqual(wizard._moves(), invoice | entry)
        self.run_jobs(wizard.action_push)
        self.assertEqual((self.sync_record(invoice).state, self.sync_record(entry).state), ("done", "done"))
        self.assertEqual(len(self.qbo_all("JournalEntry")), 1)

    def test_lines_on_receivables_name_the_customer_who_is_sent_first(self):
        customer = self.env["res.partner"].create({"name": "Accrued Customer Ltd", "is_company": True})
        move = self.entry([(self.receivable_account, 120.0, 0.0, customer), (self.revenue, 0.0, 120.0)])
        row = self.post(move)
        self.assertEqual(row.state, "done", row.last_error)
        customer_row = self.sync_record(customer)
        self.assertTrue(customer_row.qbo_id, "the customer was sent to QuickBooks first")
        stored = self.qbo("JournalEntry", row.qbo_id)
        receivable_line = next(
            line for line in stored["Line"] if line["JournalEntryLineDetail"]["PostingType"] == "Debit"
        )
        entity = receivable_line["JournalEntryLineDetail"]["Entity"]
        self.assertEqual((entity["Type"], entity["EntityRef"]["value"]), ("Customer", customer_row.qbo_id))
        run = self.compare()
        self.assertEqual(run.books_state, "match", self.describe(run))
        self.assertEqual(self.figures(self.line(run, "Accrued Customer Ltd", "receivable"))[:2], (120.0, 120.0))

    def test_an_entry_with_taxes_is_refused_with_the_reason_and_nothing_is_sent(self):
        move = self.entry([(self.expense, 100.0, 0.0, None, self.tax_purchase_a), (self.bank, 0.0, 100.0)])
        row = self.post(move)
        self.assertEqual((row.state, row.failure_kind), ("failed", "validation"))
        self.assertIn("taxes", row.last_error)
        self.assertEqual(self.qbo_all("JournalEntry"), [])
        run = self.compare()
        explained = {kind for line in run.books_line_ids for kind in self.causes(line)}
        self.assertIn("pending", explained, "the books name the entry as not yet in QuickBooks")

    def test_entries_of_other_journals_skipped_ones_and_those_odoo_makes_for_payments_are_not_sent(self):
        payroll = self.env["account.journal"].create(
            {"name": "Payroll", "code": "PAYR", "type": "general", "company_id": self.company.id}
        )
        with trap_jobs() as trap:
            kept_out = self.entry([(self.expense, 10.0, 0.0), (self.bank, 0.0, 10.0)], journal=payroll)
            kept_out.action_post()
            trap.assert_jobs_count(0, only=kept_out._quickbooks_push_job)
        self.assertFalse(self.sync_record(kept_out))
        skipped = self.entry([(self.expense, 20.0, 0.0), (self.bank, 0.0, 20.0)])
        skipped.quickbooks_skip = True
        self.assertFalse(self.post(skipped))
        bank_journal = self.company_data["default_journal_bank"]
        bank_journal.quickbooks_send_entries = True  # even so: a payment is sent as a Payment
        invoice = self.pushed(100.0)
        payment = self.register(invoice, 100.0)
        self.assertFalse(payment.move_id._quickbooks_is_journal_entry())
        self.assertEqual(self.qbo_all("JournalEntry"), [])
        run = self.compare()
        causes = {kind for line in run.books_line_ids for kind in self.causes(line)}
        self.assertIn("not_sent", causes, self.describe(run))
        self.assertIn("skipped", causes, self.describe(run))
