"""Importing a company from QuickBooks: a seeded sample company (the emulator's, made through its own create
path, with a year of activity) imported into an Odoo company that has no entries yet.

Afterwards the nightly books comparison (trial balance, each month's profit and loss, aging per customer and
vendor) finds nothing to report, every open document has QuickBooks' open balance, a second import creates
nothing, and an import stopped in the middle and resumed gives the same books.
"""

from datetime import datetime, time, timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import UserError
from odoo.tests import tagged

from .. import const
from ..tools import statistics
from .common import QuickbooksTestMixin

SAMPLE = {"seed": 11, "customers": 8, "vendors": 4, "items": 6, "invoices": 45, "bills": 20, "entries": 6}
OPEN_FIELDS = {"Invoice": "Balance", "CreditMemo": "RemainingCredit", "Bill": "Balance", "VendorCredit": "Balance"}


class ImportCase(QuickbooksTestMixin, AccountTestInvoicingCommon):
    """A connected company with no entries yet, and QuickBooks holding the seeded sample company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_quickbooks()

    def setUp(self):
        super().setUp()
        self.connect_backend()
        self.created = self.emulator.call("POST", "sample_company", SAMPLE)["created"]
        self.backend._refresh_company_facts()
        self.bank_account = self.company_data["default_journal_bank"].default_account_id

    # --- the user's steps
    def start(self):
        run = self.env["quickbooks.import"].create(
            {"backend_id": self.backend.id, "cutover_date": fields.Date.context_today(self.env.user)}
        )
        run.action_read_chart()
        checking = run.account_line_ids.filtered(lambda line: line.qbo_name == "Checking")
        if not checking.account_id:  # the user: QuickBooks' checking account is the company's bank
            checking.account_id = self.bank_account
        run.action_confirm_accounts()
        return run

    def drain(self, trap, fail_after=None):
        """Run the trapped jobs as the job runner would, new ones included; with ``fail_after``, the job after
        that many is stopped by a QuickBooks outage (its work undone, as a killed worker's)."""
        performed = 0
        while trap.enqueued_jobs:
            job = trap.enqueued_jobs.pop(0)
            if fail_after is not None and performed == fail_after:
                self.emulator.fault(method="*", path="*", kind="status", status=503, times=100)
                with self.assertRaises(RetryableJobError, msg="the job ran through an outage"):
                    job.perform()  # Odoo's assertRaises undoes its work, as the killed worker's is
                self.emulator.call("DELETE", "faults")
                return performed
            job.perform()
            performed += 1
        return performed

    def import_all(self):
        run = self.start()
        with trap_jobs() as trap:
            run.action_confirm_parties()
            self.drain(trap)
        self.assertEqual(run.documents_done, run.documents_total)
        run.action_opening_balances()
        return run

    # --- what must hold
    def qbo_open_documents(self):
        out = {}
        for entity, field_name in OPEN_FIELDS.items():
            for obj in self.emulator.entities(entity):
                if obj.get("status") != "Deleted" and float(obj.get(field_name) or 0) > 0:
                    out[(entity, str(obj["Id"]))] = round(float(obj[field_name]), 2)
        return out

    def odoo_open_documents(self):
        rows = self.env["quickbooks.sync.state"].search(
            [("backend_id", "=", self.backend.id), ("res_model", "=", "account.move"), ("qbo_id", "!=", False)]
        )
        out = {}
        for row in rows:
            move = self.env["account.move"].browse(row.res_id)
            if move.amount_residual:
                out[(row.qbo_entity, row.qbo_id)] = round(move.amount_residual, 2)
        return out

    def assert_books_agree(self):
        self.assertEqual(self.odoo_open_documents(), self.qbo_open_documents())
        run = self.env["quickbooks.reconciliation"]._run_for_backend(self.backend, with_fx=False, with_books=True)
        differing = run.books_line_ids.filtered(lambda line: line.state != "match")
        self.assertEqual(
            run.books_state,
            "match",
            [(line.section, line.name, line.period, line.odoo_amount, line.qbo_amount) for line in differing]
            or run.books_error,
        )
        self.assertEqual(run.state, "match", run.notes)
        self.assertGreater(run.books_line_count, 10)
        return run

    def counts(self):
        return {
            "partners": self.env["res.partner"].search_count([]),
            "products": self.env["product.product"].search_count([]),
            "accounts": self.env["account.account"].search_count([]),
            "journals": self.env["account.journal"].search_count([]),
            "moves": self.env["account.move"].search_count([]),
            "mappings": self.env["quickbooks.account.mapping"].search_count([]),
        }


@tagged("post_install", "-at_install")
class TestImportFromQuickBooks(ImportCase):
    def test_the_imported_books_equal_quickbooks_account_by_account_and_a_second_import_changes_nothing(self):
        self.assertGreater(self.created.get("Invoice", 0), 0, self.created)
        run = self.import_all()
        self.assertEqual(run.state, "done")
        self.assertTrue(run.documents_total)
        self.assertFalse(self.env["quickbooks.sync.state"].search([("state", "!=", "done")]))
        self.assert_books_agree()
        # Customers, vendors and products were created once each, bound to their QuickBooks originals.
        customers = run.customer_line_ids.partner_id
        self.assertEqual(len(customers), SAMPLE["customers"])
        self.assertTrue(all(customers.mapped("email")))
        items = [
            item
            for item in self.emulator.entities("Item")
            if item["Type"] in ("Service", "NonInventory", "Inventory") and item.get("Active", True)
        ]
        self.assertGreaterEqual(len(items), SAMPLE["items"])
        self.assertEqual(len(run.product_line_ids.product_id), len(items))
        sku = next(item for item in items if item.get("Sku"))
        self.assertEqual(
            run.product_line_ids.product_id.filtered(lambda p: p.default_code == sku["Sku"]).name, sku["Name"]
        )
        # Taxes were matched to QuickBooks' tax codes by rate.
        mapping = self.env["quickbooks.tax.mapping"].search(
            [("backend_id", "=", self.backend.id), ("tax_id", "=", self.tax_sale_a.id)]
        )
        self.assertEqual(mapping.qbo_tax_code_id.name, "Standard 15%")
        before = self.counts()

        again = self.import_all()
        self.assertEqual(self.counts(), before, "a second import created something")
        self.assertEqual(set(again.customer_line_ids.mapped("reason")), {"bound"})
        self.assertEqual(set(again.account_line_ids.mapped("reason")), {"mapped"})
        self.assert_books_agree()

    def test_a_foreign_currency_open_invoice_is_imported_at_quickbooks_rate(self):
        token = self.emulator.mint_tokens()["access_token"]
        customer = self.emulator.api(
            token, "POST", "customer", json={"DisplayName": "Lyon Imports SARL", "CurrencyRef": {"value": "EUR"}}
        )["Customer"]
        item = next(i for i in self.emulator.entities("Item") if i["Type"] == "Service" and i.get("Active", True))
        invoice = self.emulator.api(
            token,
            "POST",
            "invoice",
            json={
                "CustomerRef": {"value": customer["Id"]},
                "CurrencyRef": {"value": "EUR"},
                "ExchangeRate": 1.2345,
                "TxnDate": fields.Date.context_today(self.env.user).isoformat(),
                "Line": [
                    {
                        "DetailType": "SalesItemLineDetail",
                        "Amount": 200.0,
                        "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "TaxCodeRef": {"value": "NON"}},
                    }
                ],
            },
        )["Invoice"]
        run = self.import_all()
        (move,) = run.move_ids.filtered(lambda move: move.ref == invoice["DocNumber"])
        self.assertEqual((move.currency_id.name, move.amount_residual), ("EUR", 200.0))
        receivable = move.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        self.assertEqual(receivable.balance, 246.9, "200 EUR at QuickBooks' 1.2345, not Odoo's rate")
        self.assert_books_agree()

    def test_a_large_company_binds_its_customers_vendors_and_products_by_chunks(self):
        run = self.start()
        methods = []
        with patch.object(const, "IMPORT_PARTY_CHUNK", 5), trap_jobs() as trap:
            run.action_confirm_parties()
            while trap.enqueued_jobs:
                job = trap.enqueued_jobs.pop(0)
                methods.append(job.method_name)
                job.perform()
        kept = len(run.line_ids.filtered(lambda line: line.kind in ("customer", "vendor", "product")))
        self.assertEqual(methods.count("_quickbooks_import_parties_job"), -(-kept // 5), "5 a job")
        self.assertEqual(len(run.customer_line_ids.partner_id), SAMPLE["customers"])
        self.assertTrue(all(run.product_line_ids.mapped("product_id")))
        self.assertEqual(run.documents_done, run.documents_total)
        run.action_opening_balances()
        self.assert_books_agree()

    def test_the_tables_an_import_fills_are_measured_again_as_they_grow(self):
        with patch.object(statistics, "MIN_CHANGES", 0), patch.object(statistics, "SHARE", 0):
            # Every job finds its tables changed: each one measures them again, inside its own transaction.
            run = self.import_all()
            self.assertEqual(statistics.refresh_statistics(self.env, ("account_move",)), ["account_move"])
        self.assertEqual(run.documents_done, run.documents_total)
        self.assert_books_agree()
        with patch.object(statistics, "MIN_CHANGES", 10**9):
            self.assertEqual(statistics.refresh_statistics(self.env, ("account_move",)), [], "a small change waits")

    def test_an_import_stopped_in_the_middle_resumes_to_the_same_books(self):
        run = self.start()
        with patch.object(const, "IMPORT_CHUNK", 7), trap_jobs() as trap:
            run.action_confirm_parties()
            performed = self.drain(trap, fail_after=4)  # the parties, the list, two chunks, then an outage
            self.assertEqual(performed, 4)
            self.assertLess(run.documents_done, run.documents_total)
            with self.assertRaises(UserError), self.env.cr.savepoint():  # refused until every document is in
                run.action_opening_balances()
            trap.enqueued_jobs = []  # what the outage left queued is lost with the worker
            run.action_import_documents()  # the user resumes
            self.drain(trap)
        self.assertEqual(run.documents_done, run.documents_total)
        run.action_opening_balances()
        self.assert_books_agree()

    def test_later_payments_on_either_side_apply_to_the_imported_documents(self):
        run = self.import_all()
        invoices = run.move_ids.filtered(lambda move: move.move_type == "out_invoice")
        first, second = invoices[:2]
        # In Odoo: the customer pays the first one in full.
        with trap_jobs() as trap:
            self.env["account.payment.register"].with_context(active_model="account.move", active_ids=first.ids).create(
                {}
            )._create_payments()
            self.drain(trap)
        row = self.env["quickbooks.sync.state"].search([("res_model", "=", "account.move"), ("res_id", "=", first.id)])
        self.assertEqual(self.qbo_balance("Invoice", row.qbo_id), 0.0)
        # In QuickBooks: the CPA records a payment of the second one; Odoo applies it.
        second_row = self.env["quickbooks.sync.state"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", second.id)]
        )
        token = self.emulator.mint_tokens()["access_token"]
        checking = self.env["quickbooks.qbo.account"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", "Checking")]
        )
        customer = self.env["quickbooks.sync.state"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", second.partner_id.id), ("qbo_entity", "=", "Customer")]
        )
        payment = self.emulator.api(
            token,
            "POST",
            "payment",
            json={
                "CustomerRef": {"value": customer.qbo_id},
                "DepositToAccountRef": {"value": checking.qbo_id},
                "TotalAmt": second.amount_residual,
                "Line": [
                    {
                        "Amount": second.amount_residual,
                        "LinkedTxn": [{"TxnId": second_row.qbo_id, "TxnType": "Invoice"}],
                    }
                ],
            },
        )["Payment"]
        self.env["quickbooks.pull"]._process_change(self.backend, "Payment", payment["Id"], "create")
        self.assertIn(second.payment_state, ("paid", "in_payment"))
        self.assert_books_agree()

    def qbo_balance(self, entity, qbo_id):
        found = [obj for obj in self.emulator.entities(entity) if str(obj["Id"]) == str(qbo_id)]
        return round(float(found[0]["Balance"]), 2)


@tagged("post_install", "-at_install")
class TestParallelRunFromQuickBooks(ImportCase):
    """After the import, the staff go on working in QuickBooks for the parallel run: what they enter there
    reaches Odoo, and each night's books comparison is clean."""

    def qbo(self, method, path, **kwargs):
        return self.emulator.api(self.token, method, path, **kwargs)

    def notify(self, entity, qbo_id, operation="create"):
        """QuickBooks' notification of the change, applied as the inbox applies it."""
        return self.env["quickbooks.pull"]._process_change(self.backend, entity, qbo_id, operation)

    def bound(self, entity, qbo_id):
        return self.env["quickbooks.sync.state"].search(
            [("backend_id", "=", self.backend.id), ("qbo_entity", "=", entity), ("qbo_id", "=", str(qbo_id))]
        )

    def imported_then_run_from_tomorrow(self):
        """(run, its first day): the company imported, then a two-day parallel run from QuickBooks from tomorrow."""
        self.token = self.emulator.mint_tokens()["access_token"]
        self.import_all()
        day = fields.Date.context_today(self.env.user) + timedelta(days=1)
        run = self.env["quickbooks.parallel.run"].create(
            {"backend_id": self.backend.id, "start_date": day, "length_days": 2, "direction": "qbo_to_odoo"}
        )
        return run, day

    def assert_night_clean(self, run, day):
        """That night's books comparison matches, and the run's only day is clean."""
        night = self.env["quickbooks.reconciliation"]._cron_nightly_reconciliation(now=datetime.combine(day, time(12)))
        self.assertEqual(night.books_state, "match", night.books_summary)
        self.assertEqual([d.clean for d in run.day_ids], [True])

    def test_three_days_of_work_in_quickbooks_reach_odoo_and_every_night_is_clean(self):
        self.token = self.emulator.mint_tokens()["access_token"]
        self.import_all()
        today = fields.Date.context_today(self.env.user)
        days = [today + timedelta(days=n) for n in (1, 2, 3)]
        run = self.env["quickbooks.parallel.run"].create(
            {
                "backend_id": self.backend.id,
                "start_date": days[0],
                "length_days": 3,
                "direction": "qbo_to_odoo",
                "exit_clean_days": 3,
                "exit_needs_month_end": False,
            }
        )
        customers = [c for c in self.emulator.entities("Customer") if c.get("Active", True)]
        vendors = [v for v in self.emulator.entities("Vendor") if v.get("Active", True)]
        items = [i for i in self.emulator.entities("Item") if i["Type"] == "Service" and i.get("Active", True)]
        expense = self.env["quickbooks.qbo.account"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", "Rent")]
        )
        checking = self.env["quickbooks.qbo.account"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", "Checking")]
        )
        depreciation, equipment = (
            self.env["quickbooks.qbo.account"].search([("backend_id", "=", self.backend.id), ("name", "=", name)])
            for name in ("Depreciation", "Equipment")
        )
        payments = []
        for number, day in enumerate(days):
            invoice = self.qbo(
                "POST",
                "invoice",
                json={
                    "CustomerRef": {"value": customers[number]["Id"]},
                    "TxnDate": day.isoformat(),
                    "Line": [
                        {
                            "DetailType": "SalesItemLineDetail",
                            "Amount": 240.0 + number,
                            "SalesItemLineDetail": {
                                "ItemRef": {"value": items[number % len(items)]["Id"]},
                                "Qty": 2,
                                "UnitPrice": (240.0 + number) / 2,
                                "TaxCodeRef": {"value": "NON"},
                            },
                        }
                    ],
                },
            )["Invoice"]
            self.assertIn("made in Odoo", self.notify("Invoice", invoice["Id"]))
            bill = self.qbo(
                "POST",
                "bill",
                json={
                    "VendorRef": {"value": vendors[number]["Id"]},
                    "TxnDate": day.isoformat(),
                    "Line": [
                        {
                            "DetailType": "AccountBasedExpenseLineDetail",
                            "Amount": 99.5,
                            "AccountBasedExpenseLineDetail": {"AccountRef": {"value": expense.qbo_id}},
                        }
                    ],
                },
            )["Bill"]
            self.notify("Bill", bill["Id"])
            # The accountant books the month's depreciation in QuickBooks.
            entry = self.qbo(
                "POST",
                "journalentry",
                json={
                    "TxnDate": day.isoformat(),
                    "DocNumber": f"DEP-{number + 1}",
                    "Line": [
                        {
                            "DetailType": "JournalEntryLineDetail",
                            "Amount": 80.0 + number,
                            "JournalEntryLineDetail": {"PostingType": posting, "AccountRef": {"value": account.qbo_id}},
                        }
                        for posting, account in (("Debit", depreciation), ("Credit", equipment))
                    ],
                },
            )["JournalEntry"]
            self.assertIn("made in Odoo", self.notify("JournalEntry", entry["Id"]))
            booked = self.env["account.move"].browse(self.bound("JournalEntry", entry["Id"]).res_id)
            self.assertEqual((booked.move_type, booked.state, booked.ref), ("entry", "posted", f"DEP-{number + 1}"))
            # The customer pays half of the day's invoice in QuickBooks; Odoo applies it.
            payment = self.qbo(
                "POST",
                "payment",
                json={
                    "CustomerRef": {"value": customers[number]["Id"]},
                    "TxnDate": day.isoformat(),
                    "TotalAmt": 120.0,
                    "DepositToAccountRef": {"value": checking.qbo_id},
                    "Line": [{"Amount": 120.0, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
                },
            )["Payment"]
            self.notify("Payment", payment["Id"])
            payments.append(payment)
            if number == 1:
                # The bookkeeper corrects the day's invoice in QuickBooks: Odoo's is redone.
                current = self.qbo("GET", f"invoice/{invoice['Id']}")["Invoice"]
                current["Line"][0]["Amount"] = 300.0
                current["Line"][0]["SalesItemLineDetail"]["UnitPrice"] = 150.0
                self.qbo("POST", "invoice", json=current)
                self.notify("Invoice", invoice["Id"], "update")
                move = self.env["account.move"].browse(self.bound("Invoice", invoice["Id"]).res_id)
                self.assertEqual((move.state, move.amount_total, move.amount_residual), ("posted", 300.0, 180.0))
            move = self.env["account.move"].browse(self.bound("Invoice", invoice["Id"]).res_id)
            self.assertTrue(move.quickbooks_entered_in_qbo)
            self.assertEqual(
                move.invoice_line_ids.product_id,
                self.env["product.product"].browse(self.bound("Item", items[number % len(items)]["Id"]).res_id),
            )
            night = self.env["quickbooks.reconciliation"]._cron_nightly_reconciliation(
                now=datetime.combine(day, time(12))
            )
            self.assertEqual(night.books_state, "match", night.books_summary)
        self.assertEqual([d.clean for d in run.day_ids], [True, True, True])
        self.assertTrue(run.exit_rule_met, run.verdict)
        # The correction took the day's payment off its invoice and put it back: the job that follows a
        # payment's reconciliation finds QuickBooks' own payment as it is, and writes nothing to it.
        before = self.qbo("GET", f"payment/{payments[1]['Id']}")["Payment"]
        for job in self.env["queue.job"].sudo().search([("state", "=", "pending")]):
            self.assertIsNone(self.run_stored_job(job))
        self.assertEqual(self.qbo("GET", f"payment/{payments[1]['Id']}")["Payment"]["SyncToken"], before["SyncToken"])
        # Nothing Odoo made from QuickBooks was sent back.
        self.assertFalse(
            self.env["quickbooks.sync.state"].search(
                [("backend_id", "=", self.backend.id), ("origin", "=", "odoo"), ("res_model", "=", "account.move")]
            )
        )

    def test_an_invoice_odoo_sent_whose_answer_was_lost_is_not_made_again_from_its_notification(self):
        _run, day = self.imported_then_run_from_tomorrow()
        customer = self.env["quickbooks.sync.state"].search(
            [("backend_id", "=", self.backend.id), ("qbo_entity", "=", "Customer"), ("origin", "=", "qbo")], limit=1
        )
        income = self.env["quickbooks.account.mapping"].search(
            [("backend_id", "=", self.backend.id), ("account_type", "=", "income"), ("qbo_account_id", "!=", False)],
            limit=1,
        )
        # Odoo still sends what is booked in it: one invoice, whose push's answers are lost.
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.res_id,
                "invoice_date": day,
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Setup", "quantity": 1, "price_unit": 250.0, "account_id": income.account_id.id}
                    )
                ],
            }
        )
        self.emulator.fault(method="POST", entity="invoice", kind="drop_after_commit", times=3)
        with trap_jobs() as trap:
            move.action_post()
            (push,) = trap.enqueued_jobs
        with self.assertRaises(RetryableJobError, msg="three lost answers: tried again later"):
            push.perform()
        (sent,) = [i for i in self.emulator.entities("Invoice") if i.get("DocNumber") == move.name]
        invoices = self.env["account.move"].search_count([("move_type", "=", "out_invoice")])
        self.notify("Invoice", sent["Id"])  # QuickBooks' notification arrives before the retry
        self.assertEqual(self.env["account.move"].search_count([("move_type", "=", "out_invoice")]), invoices)
        self.assertFalse(self.bound("Invoice", sent["Id"]), "the push binds it, not the notification")
        push.perform()
        self.assertEqual(self.bound("Invoice", sent["Id"]).res_id, move.id)
        self.assertEqual(len([i for i in self.emulator.entities("Invoice") if i.get("DocNumber") == move.name]), 1)

    def test_money_received_on_account_in_quickbooks_reaches_odoo_for_known_and_new_customers(self):
        run, day = self.imported_then_run_from_tomorrow()
        checking = self.env["quickbooks.qbo.account"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", "Checking")]
        )
        known = next(c for c in self.emulator.entities("Customer") if c.get("Active", True))
        new = self.qbo("POST", "customer", json={"DisplayName": "Walk-in Deposits Ltd"})["Customer"]
        for customer, amount in ((known, 150.0), (new, 90.0)):
            # The bookkeeper records a deposit not applied to any invoice: the customer's credit.
            payment = self.qbo(
                "POST",
                "payment",
                json={
                    "CustomerRef": {"value": customer["Id"]},
                    "TxnDate": day.isoformat(),
                    "TotalAmt": amount,
                    "DepositToAccountRef": {"value": checking.qbo_id},
                    "Line": [],
                },
            )["Payment"]
            self.assertIn("applied", self.notify("Payment", payment["Id"]))
            partner = self.env["res.partner"].browse(self.bound("Customer", customer["Id"]).res_id)
            odoo_payment = self.env["account.payment"].search([("partner_id", "=", partner.id)])
            self.assertEqual((odoo_payment.state, odoo_payment.amount), ("in_process", amount))
            balance = self.qbo("GET", f"customer/{customer['Id']}")["Customer"]["Balance"]
            self.assertAlmostEqual(partner.credit - partner.debit, balance, places=2)
        self.assertEqual(partner.name, "Walk-in Deposits Ltd")
        self.assert_night_clean(run, day)

    def test_a_foreign_currency_invoice_entered_in_quickbooks_is_made_at_quickbooks_rate(self):
        run, day = self.imported_then_run_from_tomorrow()
        customer = self.qbo(
            "POST", "customer", json={"DisplayName": "Lyon Imports SARL", "CurrencyRef": {"value": "EUR"}}
        )["Customer"]
        item = next(i for i in self.emulator.entities("Item") if i["Type"] == "Service" and i.get("Active", True))
        # QuickBooks' rate, not Odoo's: 1 EUR = 1.2345 USD on that invoice.
        invoice = self.qbo(
            "POST",
            "invoice",
            json={
                "CustomerRef": {"value": customer["Id"]},
                "CurrencyRef": {"value": "EUR"},
                "ExchangeRate": 1.2345,
                "TxnDate": day.isoformat(),
                "Line": [
                    {
                        "DetailType": "SalesItemLineDetail",
                        "Amount": 200.0,
                        "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "TaxCodeRef": {"value": "NON"}},
                    }
                ],
            },
        )["Invoice"]
        self.assertIn("made in Odoo", self.notify("Invoice", invoice["Id"]))
        move = self.env["account.move"].browse(self.bound("Invoice", invoice["Id"]).res_id)
        self.assertEqual((move.currency_id.name, move.amount_total), ("EUR", 200.0))
        receivable = move.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        self.assertEqual(receivable.balance, 246.9, "200 EUR at QuickBooks' 1.2345")
        self.assert_night_clean(run, day)

    def test_a_foreign_currency_journal_entry_entered_in_quickbooks_is_made_at_quickbooks_rate(self):
        run, day = self.imported_then_run_from_tomorrow()
        rent, equipment = (
            self.env["quickbooks.qbo.account"].search([("backend_id", "=", self.backend.id), ("name", "=", name)])
            for name in ("Rent", "Equipment")
        )
        # Three debits of 10.01 EUR and one credit of 30.03 EUR at 1.2345: converted one by one, the debits
        # would come to 37.08 USD and the credit to 37.07; QuickBooks' home total is 37.07 on each side.
        lines = [("Debit", rent, 10.01)] * 3 + [("Credit", equipment, 30.03)]
        entry = self.qbo(
            "POST",
            "journalentry",
            json={
                "TxnDate": day.isoformat(),
                "CurrencyRef": {"value": "EUR"},
                "ExchangeRate": 1.2345,
                "Line": [
                    {
                        "DetailType": "JournalEntryLineDetail",
                        "Amount": amount,
                        "JournalEntryLineDetail": {"PostingType": posting, "AccountRef": {"value": account.qbo_id}},
                    }
                    for posting, account, amount in lines
                ],
            },
        )["JournalEntry"]
        self.assertEqual(entry["HomeTotalAmt"], 37.07)
        self.assertIn("made in Odoo", self.notify("JournalEntry", entry["Id"]))
        move = self.env["account.move"].browse(self.bound("JournalEntry", entry["Id"]).res_id)
        self.assertEqual((move.state, move.currency_id.name), ("posted", "EUR"))
        self.assertEqual(sorted(move.line_ids.mapped("amount_currency")), [-30.03, 10.01, 10.01, 10.01])
        self.assertEqual((sum(move.line_ids.mapped("debit")), sum(move.line_ids.mapped("credit"))), (37.07, 37.07))
        self.assert_night_clean(run, day)

    def test_a_document_odoo_cannot_make_to_the_cent_stays_in_draft_and_the_night_is_not_clean(self):
        run, day = self.imported_then_run_from_tomorrow()
        customer = next(c for c in self.emulator.entities("Customer") if c.get("Active", True))
        item = next(i for i in self.emulator.entities("Item") if i["Type"] == "Service" and i.get("Active", True))
        invoice = self.qbo(
            "POST",
            "invoice",
            json={
                "CustomerRef": {"value": customer["Id"]},
                "TxnDate": day.isoformat(),
                "Line": [
                    {
                        "DetailType": "SalesItemLineDetail",
                        "Amount": 500.0,
                        "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "TaxCodeRef": {"value": "TAX"}},
                    }
                ],
            },
        )["Invoice"]
        outcome = self.notify("Invoice", invoice["Id"])
        self.assertIn("Left in draft", outcome)
        row = self.bound("Invoice", invoice["Id"])
        self.assertEqual((row.state, row.failure_kind), ("failed", "mapping"))
        self.assertIn("TAX", row.last_error)
        self.assertEqual(self.env["account.move"].browse(row.res_id).state, "draft")
        self.env["quickbooks.reconciliation"]._cron_nightly_reconciliation(now=datetime.combine(day, time(12)))
        self.assertEqual([d.clean for d in run.day_ids], [False])
        self.assertGreaterEqual(run.day_ids.unexplained_total, 500.0)
