"""The books comparison against the emulator's own reports: every account, customer, vendor and month, each
difference with its cause, an alert for what is left, and nothing left once the causes are fixed."""

from datetime import date, datetime, timedelta

from odoo import Command, fields
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .test_payables import PayablesCase
from .test_reconciliation import SlackSink

BOOKS_LOGGER = "odoo.addons.quickbooks_connector.models.quickbooks_reconciliation_books"
CLIENT_LOGGER = "odoo.addons.quickbooks_connector.qbo.client"


class BooksCase(PayablesCase):
    """A connected company (QuickBooks in the UK: invoices and bills), its accounts mapped by the wizard,
    and helpers for both sides' books."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.slack = SlackSink()
        cls.addClassCleanup(cls.slack.stop)
        cls.env["ir.config_parameter"].sudo().set_param(
            "quickbooks.slack_webhook_url_prefixes", f"http://127.0.0.1:{cls.slack.server.server_address[1]}/"
        )
        cls.Run = cls.env["quickbooks.reconciliation"]

    def setUp(self):
        super().setUp()
        self.slack.reset()
        self.backend.write({"slack_webhook_url": self.slack.url, "reconciliation_tz": "UTC"})
        self.bank = self.company_data["default_journal_bank"].default_account_id
        self.misc = self.company_data["default_journal_misc"]

    # ------------------------------------------------------------------ both sides
    def compare(self, **kwargs):
        run = self.Run._run_for_backend(self.backend, with_fx=False, with_books=True, **kwargs)
        run.invalidate_recordset()
        return run

    def odoo_entry(self, debit, credit, amount, day=None, label="Bank fee"):
        """A journal entry posted in Odoo (the connector does not send journal entries)."""
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": day or fields.Date.today(),
                "journal_id": self.misc.id,
                "line_ids": [
                    Command.create({"account_id": debit.id, "debit": amount, "name": label}),
                    Command.create({"account_id": credit.id, "credit": amount, "name": label}),
                ],
            }
        )
        entry.action_post()
        return entry

    def qbo_account(self, name):
        return next(account for account in self.emulator.entities("Account") if account["Name"] == name)

    def qbo_entry(self, debit, credit, amount, day=None):
        """A journal entry the CPA makes in QuickBooks."""

        def line(name, posting):
            return {
                "DetailType": "JournalEntryLineDetail",
                "Amount": amount,
                "JournalEntryLineDetail": {
                    "PostingType": posting,
                    "AccountRef": {"value": self.qbo_account(name)["Id"]},
                },
            }

        body = {
            "TxnDate": (day or fields.Date.today()).isoformat(),
            "Line": [line(debit, "Debit"), line(credit, "Credit")],
        }
        return self.emulator.api(self.token, "POST", "journalentry", json=body)["JournalEntry"]

    def qbo_set_amount(self, move, amount):
        """The CPA changes a sent invoice's only line in QuickBooks."""
        invoice = self.qbo_doc(move)
        lines = [line for line in invoice["Line"] if line["DetailType"] == "SalesItemLineDetail"]
        detail = {**lines[0]["SalesItemLineDetail"], "Qty": 1, "UnitPrice": amount}
        body = {
            "Id": invoice["Id"],
            "SyncToken": invoice["SyncToken"],
            "sparse": True,
            "Line": [{**lines[0], "Amount": amount, "SalesItemLineDetail": detail}],
        }
        self.emulator.api(self.token, "POST", "invoice", json=body)

    def unmapped_account(self, name="Bank Charges"):
        return self.env["account.account"].create(
            {"code": "629900", "name": name, "account_type": "expense", "company_ids": [Command.link(self.company.id)]}
        )

    # ------------------------------------------------------------------ reading a run
    def line(self, run, name, section="trial_balance", period=None):
        found = run.books_line_ids.filtered(
            lambda line: line.section == section and line.name.endswith(name) and period in (None, line.period)
        )
        self.assertEqual(len(found), 1, f"{section} {name}: {self.describe(run)}")
        return found

    def causes(self, line):
        return {explanation.kind: explanation.amount for explanation in line.explanation_ids}

    def describe(self, run):
        return [
            (
                line.section,
                line.name,
                line.period,
                line.odoo_amount,
                line.qbo_amount,
                line.state,
                line.explanation_summary,
            )
            for line in run.books_line_ids
            if line.state != "match"
        ]

    def figures(self, line):
        return (line.odoo_amount, line.qbo_amount, line.difference, line.unexplained_amount)


@tagged("post_install", "-at_install")
class TestBooksComparison(BooksCase):
    def settled_company(self):
        """Books that agree: an invoice with tax paid in part, another invoice, a bill paid."""
        invoice = self.pushed(1000.0, taxes=self.tax_sale_a)
        self.register(invoice, 400.0)
        second = self.pushed(200.0)
        self.register(self.pushed_bill(300.0), 300.0)
        return invoice, second

    def test_books_that_agree_match_account_by_account(self):
        self.settled_company()
        run = self.compare()
        self.assertEqual((run.books_state, run.state, run.books_unexplained_count), ("match", "match", 0))
        self.assertEqual(self.describe(run), [])
        receivable = self.line(run, "Accounts Receivable (A/R)")
        self.assertEqual(self.figures(receivable), (950.0, 950.0, 0.0, 0.0))
        self.assertEqual(self.figures(self.line(run, "Sales of Product Income")), (1200.0, 1200.0, 0.0, 0.0))
        self.assertEqual(self.figures(self.line(run, "Sales Tax Payable")), (150.0, 150.0, 0.0, 0.0))
        checking = self.line(run, "Checking")
        self.assertEqual(self.figures(checking), (100.0, 100.0, 0.0, 0.0))
        self.assertIn("Outstanding", checking.note, "Odoo's outstanding accounts are compared with the bank's")
        self.assertEqual(self.figures(self.line(run, "partner_a", "receivable")), (950.0, 950.0, 0.0, 0.0))
        self.assertGreaterEqual(run.books_months_agreeing, 2, "income and expenses of this month")
        self.assertEqual(run.books_date, run.local_date)
        self.assertEqual(run.books_fiscal_start, run.local_date.replace(month=1, day=1), "QuickBooks' fiscal year")
        self.assertEqual(run.alert_state, "none")
        requests = [entry for entry in self.emulator.requests_log() if entry["subpath"].startswith("/reports/")]
        months = [entry["query"] for entry in requests if entry["subpath"] == "/reports/ProfitAndLoss"]
        self.assertEqual(len(months), 13, "one ProfitAndLoss per month")
        self.assertEqual(months[-1]["start_date"], run.local_date.replace(day=1).isoformat())
        self.assertEqual(months[-1]["end_date"], run.local_date.isoformat())

    def test_every_difference_is_found_with_its_cause_then_none_once_fixed(self):
        _invoice, second = self.settled_company()
        # What drifts apart: an invoice whose push has not run yet, a bank fee and bank charges entered as
        # journal entries in Odoo (the second on an account mapped to nothing), an adjustment the CPA makes in
        # QuickBooks, and an invoice the CPA changes in QuickBooks.
        with trap_jobs():
            waiting = self.invoice(price=500.0, taxes=self.env["account.tax"])
            waiting.action_post()
        fee = self.odoo_entry(self.expense, self.bank, 25.0)
        charges_account = self.unmapped_account()
        charges = self.odoo_entry(charges_account, self.bank, 7.5, label="Bank charges")
        self.qbo_entry("Office Expenses", "Checking", 40.0)
        self.qbo_set_amount(second, 180.0)

        with trap_jobs() as trap:
            run = self.compare()
            trap.perform_enqueued_jobs()  # the Slack alert
        run.invalidate_recordset()
        self.assertEqual((run.books_state, run.state), ("unexplained", "drift"))

        checking = self.line(run, "Checking")
        self.assertEqual(self.figures(checking), (67.5, 60.0, 7.5, 0.0))
        self.assertEqual(self.causes(checking), {"not_sent": -32.5, "qbo_only": 40.0})
        not_sent = checking.explanation_ids.filtered(lambda e: e.kind == "not_sent")
        self.assertEqual(not_sent.move_ids, fee | charges)
        self.assertIn(fee.name, not_sent.note)

        office = self.line(run, "Office Expenses")
        self.assertEqual(self.figures(office), (325.0, 340.0, -15.0, 0.0))
        self.assertEqual(self.causes(office), {"not_sent": 25.0, "qbo_only": -40.0})
        cpa = office.ledger_row_ids.filtered(lambda row: row.qbo_entity == "JournalEntry")
        self.assertEqual((cpa.amount, cpa.sync_state_id.id), (40.0, False), "only in QuickBooks: no Odoo record")

        bank_charges = self.line(run, "Bank Charges")
        self.assertEqual((bank_charges.mapping, self.figures(bank_charges)), ("odoo_only", (7.5, 0.0, 7.5, 0.0)))
        self.assertEqual(self.causes(bank_charges), {"unmapped": 7.5})

        receivable = self.line(run, "Accounts Receivable (A/R)")
        self.assertEqual(self.figures(receivable), (1450.0, 930.0, 520.0, 20.0))
        self.assertEqual(self.causes(receivable), {"pending": 500.0})
        pending = receivable.explanation_ids
        self.assertEqual(pending.move_ids, waiting)
        self.assertEqual(pending.sync_state_ids, self.sync_record(waiting))
        self.assertEqual(self.sync_record(waiting).state, "pending")
        sales = self.line(run, "Sales of Product Income")
        self.assertEqual((sales.normal_side, self.figures(sales)), ("credit", (1700.0, 1180.0, 520.0, 20.0)))
        customer = self.line(run, "partner_a", "receivable")
        self.assertEqual(self.figures(customer), (1450.0, 930.0, 520.0, 20.0))
        this_month = run.local_date.strftime("%Y-%m")
        self.assertEqual(self.line(run, "Sales of Product Income", "profit_loss", this_month).unexplained_amount, 20.0)
        self.assertEqual(
            self.causes(self.line(run, "Office Expenses", "profit_loss", this_month)),
            {"not_sent": 25.0, "qbo_only": -40.0},
        )
        self.assertEqual(
            sorted((line.section, line.name) for line in run.books_line_ids if line.state == "unexplained"),
            [
                ("profit_loss", "4000 Sales of Product Income"),
                ("receivable", "partner_a"),
                ("trial_balance", "1100 Accounts Receivable (A/R)"),
                ("trial_balance", "4000 Sales of Product Income"),
            ],
            "the invoice changed in QuickBooks is what is left",
        )
        self.assertEqual((run.books_unexplained_count, run.books_unexplained_total), (4, 80.0))

        # The alert: Slack and the managers, the worst lines first, with both sides' figures and a link.
        self.assertEqual(run.alert_state, "sent")
        text = self.slack.texts()[0]
        self.assertIn("Books comparison at", text)
        self.assertIn("4 unexplained difference(s)", text)
        self.assertIn(
            f"Trial Balance, 1100 Accounts Receivable (A/R): Odoo 1,450.00 {self.currency_code()} | QuickBooks 930.00 "
            f"{self.currency_code()} | unexplained +20.00 {self.currency_code()}",
            text,
        )
        self.assertIn("/odoo/action-quickbooks_connector.action_quickbooks_books_line", text)
        activity = self.backend.activity_ids.filtered(lambda a: a.summary == "QuickBooks reconciliation drift")
        self.assertTrue(activity)
        self.assertIn("Accounts Receivable", str(activity[0].note))

        # Each cause fixed: the invoice sent, the CPA's change undone, the account mapped, each side's journal
        # entries entered on the other side too.
        with trap_jobs() as trap:
            waiting._quickbooks_schedule_sync(self.backend)
            self.drain(trap)
        self.assertEqual(self.sync_record(waiting).state, "done")
        self.qbo_set_amount(second, 200.0)
        self.map_account(charges_account, "Office Expenses")
        self.qbo_entry("Office Expenses", "Checking", 32.5)
        self.odoo_entry(self.expense, self.bank, 40.0, label="Adjustment entered by the CPA")
        run = self.compare()
        self.assertEqual(self.describe(run), [])
        self.assertEqual((run.books_state, run.state, run.books_unexplained_count), ("match", "match", 0))
        checking = self.line(run, "Checking")
        self.assertEqual(self.figures(checking), (27.5, 27.5, 0.0, 0.0))
        self.assertEqual(
            self.causes(checking), {"not_sent": -72.5, "qbo_only": 72.5}, "entered on both sides: the two agree"
        )

    def currency_code(self):
        return self.company.currency_id.name

    def test_earlier_fiscal_years_are_compared_with_retained_earnings(self):
        today = fields.Date.today()
        last_year = date(today.year - 1, 6, 15)
        self.pushed(300.0, invoice_date=last_year)
        self.pushed(100.0)
        self.odoo_entry(self.expense, self.bank, 12.0, day=last_year, label="Last year's fee")
        charges_account = self.unmapped_account()
        self.odoo_entry(charges_account, self.bank, 5.0, day=last_year, label="Last year's charges")
        run = self.compare()
        sales = self.line(run, "Sales of Product Income")
        self.assertEqual(self.figures(sales), (100.0, 100.0, 0.0, 0.0), "income counts from the fiscal year's start")
        retained = self.line(run, "3900 Retained Earnings")
        self.assertEqual(
            self.figures(retained), (288.0, 300.0, -12.0, 0.0), "last year's result, the fee Odoo alone has included"
        )
        self.assertEqual(self.causes(retained), {"not_sent": -12.0})
        self.assertIn("closes each year into Retained Earnings", retained.note)
        self.assertFalse(
            run.books_line_ids.filtered(
                lambda line: line.name.endswith("Bank Charges") and line.section == "trial_balance"
            ),
            "nothing this year on the unmapped account",
        )
        unaffected = run.books_line_ids.filtered(
            lambda line: "unmapped" in line.explanation_ids.mapped("kind") and line.section == "trial_balance"
        )
        self.assertEqual(len(unaffected), 1, self.describe(run))
        self.assertEqual(abs(self.causes(unaffected)["unmapped"]), 5.0, "its earlier years' result, as not mapped")
        self.assertEqual(run.books_state, "explained", self.describe(run))

    def test_a_failed_push_a_skipped_invoice_and_a_revaluation_are_each_named(self):
        self.pushed(100.0)
        subscriptions = self.expense.copy({"code": "619900", "name": "Subscriptions"})
        failed = self.bill(80.0, account_id=subscriptions.id)
        row = self.post_and_push(failed)
        self.assertEqual((row.state, row.failure_kind), ("failed", "mapping"))
        skipped = self.invoice(price=60.0, taxes=self.env["account.tax"], quickbooks_skip=True)
        skipped.action_post()
        company = self.company
        revaluation = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": company.currency_exchange_journal_id.id,
                "line_ids": [
                    Command.create({"account_id": self.bank.id, "debit": 4.0, "name": "Revaluation"}),
                    Command.create(
                        {
                            "account_id": company.income_currency_exchange_account_id.id,
                            "credit": 4.0,
                            "name": "Revaluation",
                        }
                    ),
                ],
            }
        )
        revaluation.action_post()
        run = self.compare()
        payable = self.line(run, "Accounts Payable (A/P)")
        self.assertEqual((self.figures(payable), self.causes(payable)), ((80.0, 0.0, 80.0, 0.0), {"pending": 80.0}))
        self.assertEqual((payable.explanation_ids.sync_state_ids, payable.explanation_ids.move_ids), (row, failed))
        self.assertEqual(self.causes(self.line(run, "619900 Subscriptions")), {"unmapped": 80.0})
        receivable = self.line(run, "Accounts Receivable (A/R)")
        self.assertEqual(
            (self.figures(receivable), self.causes(receivable)), ((160.0, 100.0, 60.0, 0.0), {"skipped": 60.0})
        )
        self.assertEqual(receivable.explanation_ids.move_ids, skipped)
        checking = self.line(run, "Checking")
        self.assertEqual((self.figures(checking), self.causes(checking)), ((4.0, 0.0, 4.0, 0.0), {"revaluation": 4.0}))
        self.assertEqual(self.causes(self.line(run, "Exchange Gain or Loss")), {"revaluation": -4.0})
        self.assertEqual(run.books_state, "explained", self.describe(run))

    def test_payments_of_a_journal_whose_methods_name_no_outstanding_account_are_compared_with_its_bank(self):
        """As in a company with Invoicing only: the bank journal's payment methods name no outstanding account,
        so each payment takes the chart's Outstanding Receipts (or Payments) when it is made; the connector
        deposits it on the account the bank is mapped to, where the comparison must look for it."""
        journal = self.company_data["default_journal_bank"]
        (journal.inbound_payment_method_line_ids | journal.outbound_payment_method_line_ids).payment_account_id = False
        invoice = self.pushed(500.0)
        payment = self.register(invoice, 500.0)
        self.assertTrue(payment.outstanding_account_id, "Odoo gave the payment the chart's outstanding account")
        self.assertNotIn(payment.outstanding_account_id, journal.inbound_payment_method_line_ids.payment_account_id)
        run = self.compare()
        checking = self.line(run, "Checking")
        self.assertEqual(self.figures(checking), (500.0, 500.0, 0.0, 0.0), self.describe(run))
        self.assertIn(payment.outstanding_account_id.name, checking.note)
        self.assertEqual((run.books_state, run.state), ("match", "match"), self.describe(run))

    def test_a_payment_kept_in_undeposited_funds_explains_its_bank(self):
        invoice = self.pushed(100.0)
        document = self.qbo_doc(invoice)
        payment = self.emulator.api(
            self.token,
            "POST",
            "payment",
            json={
                "CustomerRef": document["CustomerRef"],
                "TotalAmt": 60,
                "Line": [{"Amount": 60, "LinkedTxn": [{"TxnId": document["Id"], "TxnType": "Invoice"}]}],
            },
        )["Payment"]
        self.run_jobs(self.Pull._process_change, self.backend, "Payment", payment["Id"], "create")
        run = self.compare()
        checking = self.line(run, "Checking")
        self.assertEqual((self.figures(checking), self.causes(checking)), ((60.0, 0.0, 60.0, 0.0), {"elsewhere": 60.0}))
        undeposited = self.line(run, "Undeposited Funds")
        self.assertEqual((undeposited.mapping, self.causes(undeposited)), ("qbo_only", {"unmapped": -60.0}))
        self.assertIn("journal Bank", undeposited.note)
        self.assertEqual(run.books_state, "explained")

    def test_a_payment_reset_to_draft_stays_in_quickbooks_and_is_named(self):
        bill = self.pushed_bill(300.0)
        payment = self.register(bill, 100.0)
        self.run_jobs(payment.action_draft)  # Odoo 19 keeps its reconciliation: QuickBooks keeps the payment
        self.assertEqual(bill.amount_residual, 200.0)
        run = self.compare()
        for name, section, figures in (
            ("Accounts Payable (A/P)", "trial_balance", (300.0, 200.0, 100.0, 0.0)),
            ("Acme Supplies", "payable", (300.0, 200.0, 100.0, 0.0)),
            ("Checking", "trial_balance", (0.0, -100.0, 100.0, 0.0)),
        ):
            line = self.line(run, name, section)
            self.assertEqual((self.figures(line), self.causes(line)), (figures, {"unposted": 100.0}), name)
            self.assertIn("reset to draft", line.explanation_ids.note)
        self.assertEqual(run.books_state, "explained", self.describe(run))

    def test_profit_and_loss_is_compared_month_by_month(self):
        today = fields.Date.today()
        self.pushed(100.0)
        two_months_ago = (today.replace(day=1) - timedelta(days=40)).replace(day=10)
        self.odoo_entry(self.expense, self.bank, 30.0, day=two_months_ago, label="An older fee")
        run = self.compare()
        month = self.line(run, "Office Expenses", "profit_loss", two_months_ago.strftime("%Y-%m"))
        self.assertEqual((self.figures(month), self.causes(month)), ((30.0, 0.0, 30.0, 0.0), {"not_sent": 30.0}))
        self.assertEqual(
            (month.period_start, month.period_end.day), (two_months_ago.replace(day=1), month.period_end.day)
        )
        self.assertFalse(
            run.books_line_ids.filtered(lambda line: line.section == "profit_loss" and line.state == "match"),
            "months that agree are counted, not listed",
        )

    def test_unapplied_payments_are_compared_and_opened(self):
        invoice = self.pushed(100.0)
        payment = self.register(invoice, 120.0)
        run = self.compare()
        unapplied = self.line(run, "Unapplied customer payments", "receivable")
        self.assertEqual((unapplied.normal_side, self.figures(unapplied)), ("credit", (20.0, 20.0, 0.0, 0.0)))
        items = self.env["account.move.line"].search(unapplied.action_open_odoo_items()["domain"])
        self.assertEqual(items.move_id, payment.move_id)
        self.assertEqual(self.figures(self.line(run, "partner_a", "receivable")), (-20.0, -20.0, 0.0, 0.0))

    def test_a_difference_within_the_tolerance_is_explained_by_it(self):
        invoice = self.pushed(100.0)
        self.qbo_set_amount(invoice, 99.97)
        run = self.compare()
        receivable = self.line(run, "Accounts Receivable (A/R)")
        self.assertEqual((receivable.state, self.causes(receivable)), ("explained", {"tolerance": 0.03}))
        self.backend.books_tolerance = 0.0
        run = self.compare()
        self.assertEqual(self.line(run, "Accounts Receivable (A/R)").unexplained_amount, 0.03)
        self.assertEqual(run.books_state, "unexplained")

    def test_both_ledgers_of_a_difference_side_by_side(self):
        invoice = self.pushed(100.0)
        self.register(invoice, 100.0)
        fee = self.odoo_entry(self.expense, self.bank, 25.0)
        self.qbo_entry("Office Expenses", "Checking", 40.0)
        run = self.compare()
        checking = self.line(run, "Checking")
        clerk = new_test_user(
            self.env,
            "books_clerk",
            groups="account.group_account_invoice",
            company_ids=[Command.set(self.company.ids)],
            company_id=self.company.id,
        )
        self.emulator.call("DELETE", "requests")
        action = checking.with_user(clerk).action_open_ledgers()
        self.assertEqual((action["res_model"], action["res_id"]), ("quickbooks.books.line", checking.id))
        mine = checking.with_user(clerk)
        self.assertIn(fee, mine.odoo_item_ids.move_id)
        self.assertEqual(sum(mine.odoo_item_ids.mapped("balance")), 75.0, "the receipt of 100, the fee of 25")
        rows = [(row.txn_type, row.amount, bool(row.sync_state_id)) for row in mine.ledger_row_ids]
        self.assertEqual(sorted(rows), [("Journal Entry", -40.0, False), ("Payment", 100.0, True)])
        payment_row = mine.ledger_row_ids.filtered("sync_state_id")
        self.assertIn("/app/recvpayment?txnId=", payment_row.qbo_url)
        items = checking.with_user(clerk).action_open_odoo_items()
        self.assertEqual(self.env["account.move.line"].search(items["domain"]), mine.odoo_item_ids)
        self.assertEqual(self.emulator.requests_log(), [], "opening both ledgers asks QuickBooks nothing")
        with self.assertRaises(AccessError):
            checking.with_user(clerk).action_fetch_quickbooks_ledger()
        checking.action_fetch_quickbooks_ledger()
        ledgers = [entry for entry in self.emulator.requests_log() if entry["subpath"] == "/reports/GeneralLedger"]
        self.assertEqual([entry["query"]["account"] for entry in ledgers], [checking.qbo_account_id.qbo_id])

    def test_every_connected_company_is_compared_each_night_and_sees_only_its_own(self):
        self.pushed(100.0)
        noon = datetime.combine(fields.Date.today(), datetime.min.time()).replace(hour=12)
        runs = self.Run._cron_nightly_reconciliation(now=noon)
        self.assertEqual((runs.backend_id, runs.trigger, runs.books_state), (self.backend, "cron", "match"))
        self.assertEqual((self.backend.books_last_state, self.backend.books_last_date), ("match", runs.books_date))
        self.assertIn("agrees", self.backend.books_last_summary)
        lines = runs.books_line_ids
        self.assertTrue(lines and all(lines.mapped("latest")))
        action = self.backend.action_open_books_comparison()
        self.assertEqual(self.env["quickbooks.books.line"].search(action["domain"]), lines)
        other = self.env["res.company"].create({"name": "Books Company B"})
        outsider = new_test_user(
            self.env,
            "books_outsider",
            groups="account.group_account_manager",
            company_ids=[Command.set(other.ids)],
            company_id=other.id,
        )
        self.assertFalse(self.env["quickbooks.books.line"].with_user(outsider).search([("id", "in", lines.ids)]))
        self.assertFalse(
            self.env["quickbooks.books.explanation"].with_user(outsider).search([("line_id", "in", lines.ids)])
        )
        action = self.Run.action_compare_books_current_companies()
        again = self.Run.search([("backend_id", "=", self.backend.id)]) - runs
        self.assertEqual(self.env["quickbooks.books.line"].search(action["domain"]), again.books_line_ids)
        self.assertEqual((again.trigger, again.books_state), ("manual", "match"))
        lines.invalidate_recordset()
        self.assertFalse(any(lines.mapped("latest")), "the latest run's lines only")
        self.assertTrue(all(again.books_line_ids.mapped("latest")))

    def test_lines_that_agree_are_forgotten_after_a_while_differences_stay(self):
        self.pushed(100.0)
        self.odoo_entry(self.expense, self.bank, 25.0)
        old = self.compare()
        old.sudo().run_at = fields.Datetime.now() - timedelta(days=120)  # a run of four months ago
        recent = self.compare()
        kept = old.books_line_ids.filtered(lambda line: line.state != "match")
        count = old.books_line_count
        self.assertTrue(kept and old.books_line_ids.filtered(lambda line: line.state == "match"))
        midnight = datetime.combine(fields.Date.today(), datetime.min.time())
        self.assertFalse(self.Run._cron_nightly_reconciliation(now=midnight), "before the reconciliation hour")
        old.invalidate_recordset()
        self.assertEqual(old.books_line_ids, kept, "an old run keeps its differences")
        self.assertEqual((old.books_line_count, old.books_state), (count, "explained"), "and its verdict")
        self.assertTrue(recent.books_line_ids.filtered(lambda line: line.state == "match"), "recent runs keep all")

    @mute_logger(BOOKS_LOGGER, CLIENT_LOGGER)
    def test_quickbooks_refusing_a_report_makes_the_run_an_error_and_tells_the_managers(self):
        self.pushed(100.0)
        self.emulator.fault(kind="status", status=400, path="/reports/TrialBalance", method="GET", times=5)
        run = self.compare()
        self.assertEqual((run.state, run.books_state), ("error", "error"))
        self.assertIn("Books comparison", run.error_message)
        self.assertTrue(run.books_error)
        self.assertEqual(run.open_count_difference, 0, "the reconciliation's own figures are kept")
        self.assertTrue(self.backend.activity_ids.filtered(lambda a: a.summary == "QuickBooks books comparison failed"))
