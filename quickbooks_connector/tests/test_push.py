from unittest.mock import patch

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged
from odoo.tools import html2plaintext

from ..qbo import RetryPolicy
from .common import QuickbooksTestMixin


class PushCase(QuickbooksTestMixin, AccountTestInvoicingCommon):
    """A connected company whose income accounts and sales tax are mapped, with helpers to push."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_quickbooks()
        cls.revenue = cls.company_data["default_account_revenue"]

    def setUp(self):
        super().setUp()
        self.prepare_quickbooks()

    def prepare_quickbooks(self):
        """Connect, map the accounts (Items created in QuickBooks) and the sales tax, as a user would."""
        self.connect_backend()
        self.backend._refresh_company_facts()
        wizard = self.env["quickbooks.account.mapping.wizard"]._prepare_for_backend(self.backend)
        wizard.action_accept_proposals()
        wizard.action_apply()
        # What the wizard leaves to the user and these tests use: partner_b's fiscal position moves sales to
        # another income account, which only its type matches; the user maps it to product sales.
        self.map_account(self.product_b.property_account_income_id, "Sales of Product Income")
        self.env["quickbooks.qbo.tax.code"]._pull_for_backend(self.backend)
        self.map_tax(self.tax_sale_a, "Standard 15%")
        self.token = self.emulator.mint_tokens()["access_token"]

    # --- helpers
    def fast_client_retries(self):
        """The client's own retries without their real pauses (queue_job's back-off is tested apart)."""
        patcher = patch.object(
            type(self.backend), "_qbo_retry_policy", RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)
        )
        patcher.start()
        self.addCleanup(patcher.stop)

    def map_account(self, account, qbo_account_name):
        """Map ``account`` to the QuickBooks account named so (its Item is made when first needed)."""
        qbo_account = self.env["quickbooks.qbo.account"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", qbo_account_name)]
        )
        self.assertTrue(qbo_account, qbo_account_name)
        Mapping = self.env["quickbooks.account.mapping"]
        mapping = Mapping.search([("backend_id", "=", self.backend.id), ("account_id", "=", account.id)])
        values = {"qbo_account_id": qbo_account.id, "qbo_item_id": False, "qbo_item_name": False}
        if mapping:
            mapping.write(values)
        else:
            Mapping.create({"backend_id": self.backend.id, "account_id": account.id, **values})

    def map_tax(self, tax, qbo_code_name):
        code = self.env["quickbooks.qbo.tax.code"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", qbo_code_name)]
        )
        self.assertTrue(code, qbo_code_name)
        Mapping = self.env["quickbooks.tax.mapping"]
        existing = Mapping.search([("backend_id", "=", self.backend.id), ("tax_id", "=", tax.id)])
        if existing:
            existing.qbo_tax_code_id = code
        else:
            Mapping.create({"backend_id": self.backend.id, "tax_id": tax.id, "qbo_tax_code_id": code.id})

    def invoice(self, price=1000.0, move_type="out_invoice", taxes=None, partner=None, **kwargs):
        return self._create_invoice_one_line(
            move_type=move_type,
            product_id=self.product_a,
            price_unit=price,
            tax_ids=self.tax_sale_a if taxes is None else taxes,
            partner_id=(partner or self.partner_a).id,
            **kwargs,
        )

    def post_and_push(self, move):
        with trap_jobs() as trap:
            move.action_post()
            trap.assert_jobs_count(1, only=move._quickbooks_push_job)
            self.drain(trap)
        return self.sync_record(move)

    def drain(self, trap, rounds=6):
        """Run the trapped jobs as queue_job's runner would: a job that asks to be retried (it waits for
        another one, say a payment for its invoice) runs again after the others."""
        for _round in range(rounds):
            jobs, trap.enqueued_jobs = trap.enqueued_jobs, []
            if not jobs:
                return
            retry = []
            for job in jobs:
                try:
                    job.perform()
                except RetryableJobError:
                    retry.append(job)
            trap.enqueued_jobs = retry + trap.enqueued_jobs
        self.assertFalse(trap.enqueued_jobs, "jobs still waiting after the queue was drained")

    def sync_record(self, record, key=""):
        row = self.env["quickbooks.sync.state"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("res_model", "=", record._name),
                ("res_id", "=", record.id),
                ("binding_key", "=", key),
            ]
        )
        row.invalidate_recordset()
        return row

    def chatter(self, record):
        return "\n".join(html2plaintext(body) for body in record.message_ids.mapped("body"))

    def qbo(self, entity, qbo_id):
        return self.emulator.api(self.token, "GET", f"{entity.lower()}/{qbo_id}")[entity]

    def qbo_all(self, entity):
        return [obj for obj in self.emulator.entities(entity) if obj.get("status") != "Deleted"]


@tagged("post_install", "-at_install")
class TestInvoicePush(PushCase):
    def test_posting_sends_the_invoice_with_its_customer_number_lines_tax_and_total(self):
        move = self.invoice(price=1000.0)
        row = self.post_and_push(move)
        self.assertEqual(row.state, "done", row.last_error)
        self.assertTrue(row.last_attempt_at and row.last_attempt_at == row.last_success_at, "the screen says when")
        invoice = self.qbo("Invoice", row.qbo_id)
        self.assertEqual(invoice["DocNumber"], move.name)
        self.assertEqual(invoice["TotalAmt"], 1150)
        self.assertEqual(invoice["TxnTaxDetail"]["TotalTax"], 150)
        sales_lines = [line for line in invoice["Line"] if line["DetailType"] == "SalesItemLineDetail"]
        self.assertEqual(len(sales_lines), 1)
        # The product's own Item (products as Items), on the income account the revenue account is mapped to.
        item = self.qbo("Item", sales_lines[0]["SalesItemLineDetail"]["ItemRef"]["value"])
        mapping = self.env["quickbooks.account.mapping"].search([("account_id", "=", self.revenue.id)])
        self.assertEqual((item["Id"], item["Name"]), (self.sync_record(self.product_a).qbo_id, self.product_a.name))
        self.assertEqual(item["IncomeAccountRef"]["value"], mapping.qbo_account_id.qbo_id)
        customer = self.qbo("Customer", invoice["CustomerRef"]["value"])
        self.assertEqual(customer["DisplayName"], self.partner_a.name)
        self.assertEqual(self.sync_record(self.partner_a).qbo_id, customer["Id"])
        self.assertIn(f"Sent to QuickBooks as #{move.name}", self.chatter(move))
        self.assertEqual(move.quickbooks_status, "done")

    def document_queries(self):
        return [
            entry
            for entry in self.emulator.requests_log()
            if entry["subpath"].endswith("/query")
            and "DocNumber" in (entry.get("statement") or str(entry.get("query", {}).get("query", "")))
        ]

    def test_a_first_push_costs_one_request_when_quickbooks_refuses_duplicate_numbers_itself(self):
        from ..models import quickbooks_push_document

        first = self.invoice(price=100.0)
        self.post_and_push(first)  # the customer exists in QuickBooks from now on
        self.emulator.call("DELETE", "requests")
        with patch.dict(quickbooks_push_document._DUPLICATE_WARNING_CACHE, clear=True):
            move = self.invoice(price=200.0)
            row = self.post_and_push(move)
            self.assertEqual(row.state, "done", row.last_error)
            writes = [e for e in self.emulator.requests_log() if e["method"] == "POST" and e["subpath"] == "/invoice"]
            self.assertEqual(len(writes), 1)
            self.assertEqual(self.document_queries(), [], "no look-up before a first try's create")
            # QuickBooks stops refusing duplicate numbers: the look-up is back (after the cached answer expires).
            self.emulator.call("POST", "settings", {"warn_duplicate_docnum": False})
            self.addCleanup(self.emulator.call, "POST", "settings", {"warn_duplicate_docnum": True})
            quickbooks_push_document._DUPLICATE_WARNING_CACHE.clear()
            self.emulator.call("DELETE", "requests")
            other = self.invoice(price=300.0)
            self.assertEqual(self.post_and_push(other).state, "done")
            self.assertEqual(len(self.document_queries()), 1, "looked up: QuickBooks would take a duplicate")

    def test_a_second_push_of_the_same_post_creates_nothing_new(self):
        move = self.invoice()
        row = self.post_and_push(move)
        move._quickbooks_push_job(self.backend)  # a re-run (duplicate job, worker restart)
        self.assertEqual(len([i for i in self.qbo_all("Invoice") if i["DocNumber"] == move.name]), 1)
        self.assertEqual(len([c for c in self.qbo_all("Customer") if c["DisplayName"] == self.partner_a.name]), 1)
        self.assertEqual(self.sync_record(move).qbo_id, row.qbo_id)

    def test_credit_note_becomes_a_credit_memo(self):
        refund = self.invoice(price=200.0, move_type="out_refund")
        row = self.post_and_push(refund)
        self.assertEqual((row.state, row.qbo_entity), ("done", "CreditMemo"), row.last_error)
        self.assertEqual(self.qbo("CreditMemo", row.qbo_id)["TotalAmt"], 230)

    def test_skip_flag_is_never_sent(self):
        move = self.invoice()
        move.quickbooks_skip = True
        with trap_jobs() as trap:
            move.action_post()
            trap.assert_jobs_count(0)
        self.assertFalse([i for i in self.qbo_all("Invoice") if i["DocNumber"] == move.name])

    def test_unmapped_account_fails_naming_it_and_is_retried_once_mapped(self):
        account = self.env["account.account"].create(
            {"code": "499100", "name": "Odd Revenue", "account_type": "income"}
        )
        move = self.invoice(account_id=account.id)
        row = self.post_and_push(move)
        self.assertEqual((row.state, row.failure_kind), ("failed", "mapping"))
        self.assertTrue(row.last_attempt_at, "a failed attempt is an attempt")
        self.assertIn("Odd Revenue", row.last_error)
        self.assertFalse([i for i in self.qbo_all("Invoice") if i["DocNumber"] == move.name], "never half-sent")
        with trap_jobs() as trap:
            wizard = self.env["quickbooks.account.mapping.wizard"]._prepare_for_backend(self.backend)
            line = wizard.line_ids.filtered(lambda line: line.account_id == account)
            self.assertFalse(line.proposal_certain, "a revenue account matching by type only is the user's call")
            line.qbo_account_id = line.proposed_qbo_account_id
            wizard.action_apply()
            trap.assert_jobs_count(1, only=move._quickbooks_push_job)
            trap.perform_enqueued_jobs()
        self.assertEqual(self.sync_record(move).state, "done")

    def test_invoice_already_in_quickbooks_under_the_same_number_is_bound_not_duplicated(self):
        move = self.invoice(price=500.0)
        with trap_jobs() as trap:
            move.action_post()
            customer_id = self.emulator.api(self.token, "POST", "customer", json={"DisplayName": "Someone"})[
                "Customer"
            ]["Id"]
            self.emulator.api(
                self.token,
                "POST",
                "invoice",
                json={
                    "DocNumber": move.name,
                    "CustomerRef": {"value": customer_id},
                    "Line": [
                        {
                            "Amount": 10,
                            "DetailType": "SalesItemLineDetail",
                            "SalesItemLineDetail": {"Qty": 1, "UnitPrice": 10},
                        }
                    ],
                },
            )
            trap.perform_enqueued_jobs()
        row = self.sync_record(move)
        same_number = [i for i in self.qbo_all("Invoice") if i["DocNumber"] == move.name]
        self.assertEqual(len(same_number), 1)
        self.assertEqual(row.qbo_id, same_number[0]["Id"])
        self.assertEqual(same_number[0]["TotalAmt"], 575, "Odoo is master: the bound invoice now matches Odoo")

    def test_reset_to_draft_and_repost_updates_the_same_qbo_invoice(self):
        move = self.invoice(price=100.0)
        row = self.post_and_push(move)
        first_id, first_token = row.qbo_id, row.sync_token
        move.button_draft()
        move.invoice_line_ids.price_unit = 300.0
        row = self.post_and_push(move)
        self.assertEqual(row.qbo_id, first_id)
        self.assertGreater(int(row.sync_token), int(first_token))
        self.assertEqual(self.qbo("Invoice", first_id)["TotalAmt"], 345)

    def test_cancelling_voids_the_qbo_invoice(self):
        move = self.invoice(price=100.0)
        row = self.post_and_push(move)
        with trap_jobs() as trap:
            move.button_draft()
            move.button_cancel()
            trap.assert_jobs_count(1, only=move._quickbooks_void_job)
            trap.perform_enqueued_jobs()
        self.assertEqual(self.sync_record(move).qbo_state, "voided")
        voided = self.qbo("Invoice", row.qbo_id)
        self.assertEqual((voided["TotalAmt"], voided["Balance"]), (0, 0))

    def test_totals_quickbooks_stored_differently_are_flagged_with_both_figures(self):
        # QuickBooks has been reported to recompute tax despite an override (python-quickbooks #301):
        # the check after the push reads what QuickBooks stored, whatever it predicted.
        from ..adapters import sales_document_data

        move = self.invoice(price=1000.0)
        row = self.post_and_push(move)
        self.assertEqual(row.state, "done", row.last_error)
        stored = self.qbo("Invoice", row.qbo_id)
        retaxed = {**stored, "TotalAmt": 1082.5, "TxnTaxDetail": {"TotalTax": 82.5}}
        mappings = self.env["quickbooks.push"]._document_mappings(self.backend, move)
        document = sales_document_data(move, mappings, self.sync_record(self.partner_a).qbo_id, is_us=True)
        self.env["quickbooks.push"]._check_totals(move, row, retaxed, document)
        self.assertEqual((row.state, row.failure_kind), ("failed", "totals"))
        self.assertIn("1150.00", row.last_error)
        self.assertIn("1082.50", row.last_error)
        self.assertIn(row.last_error, self.chatter(move))

    def test_refused_content_is_recorded_in_plain_words_and_not_retried_forever(self):
        # The CPA deactivates the Item our income account posts through (a connection with one Item per account).
        self.backend.qbo_products_as_items = False
        mapping = self.env["quickbooks.account.mapping"].search([("account_id", "=", self.revenue.id)])
        self.emulator.call("POST", f"entities/item/{mapping.qbo_item_id}", {"Active": False})
        move = self.invoice()
        row = self.post_and_push(move)  # the job ends normally: nothing to retry until someone acts
        self.assertEqual((row.state, row.failure_kind), ("failed", "validation"))
        self.assertIn("2500", row.last_error)
        self.assertIn(row.last_error, self.chatter(move))

    def test_transient_errors_retry_and_a_paused_connection_waits(self):
        move = self.invoice()
        with trap_jobs():
            move.action_post()
        self.emulator.fault(path="*", method="*", kind="status", status=503, times=50)
        # Not assertRaises: Odoo's rolls its block back, and with it the sync records note that production
        # commits on a cursor of its own (tests share one connection).
        try:
            move._quickbooks_push_job(self.backend)
        except RetryableJobError as error:
            self.assertIn("will retry", str(error))
        else:
            self.fail("a 503 must make the job retry")
        row = self.sync_record(move)
        self.assertEqual((row.state, row.failure_kind), ("pending", "transient"))
        self.assertGreaterEqual(row.attempts, 1)
        self.emulator.call("DELETE", "faults")
        self.backend.sudo().state = "reconnect"
        with self.assertRaises(RetryableJobError) as paused:
            move._quickbooks_push_job(self.backend)
        self.assertTrue(paused.exception.ignore_retry)
        self.backend.sudo().state = "connected"
        move._quickbooks_push_job(self.backend)
        self.assertEqual(self.sync_record(move).state, "done")


@tagged("post_install", "-at_install")
class TestCustomerPush(PushCase):
    def test_editing_a_synced_customer_updates_it_in_place(self):
        self.post_and_push(self.invoice())
        row = self.sync_record(self.partner_a)
        with trap_jobs() as trap:
            self.partner_a.write({"email": "billing@partner-a.test", "phone": "+1 555 0100"})
            self.partner_a.write({"city": "Springfield"})
            trap.assert_jobs_count(1, only=self.partner_a._quickbooks_push_job)  # a burst collapses into one job
            trap.perform_enqueued_jobs()
        customer = self.qbo("Customer", row.qbo_id)
        self.assertEqual(customer["PrimaryEmailAddr"]["Address"], "billing@partner-a.test")
        self.assertEqual(customer["BillAddr"]["City"], "Springfield")
        self.assertEqual(len([c for c in self.qbo_all("Customer") if c["DisplayName"] == self.partner_a.name]), 1)

    def test_existing_qbo_customer_with_the_same_name_is_adopted(self):
        existing = self.emulator.api(
            self.token, "POST", "customer", json={"DisplayName": self.partner_a.name, "Notes": "kept by the CPA"}
        )["Customer"]
        row = self.post_and_push(self.invoice())
        self.assertEqual(row.state, "done", row.last_error)
        self.assertEqual(self.sync_record(self.partner_a).qbo_id, existing["Id"])
        self.assertEqual(self.qbo("Customer", existing["Id"])["Notes"], "kept by the CPA")

    def test_a_name_with_quotes_and_backslashes_is_looked_up_and_adopted(self):
        self.partner_a.name = "O'Brien \\ Sons"
        existing = self.emulator.api(self.token, "POST", "customer", json={"DisplayName": self.partner_a.name})[
            "Customer"
        ]
        row = self.post_and_push(self.invoice())
        self.assertEqual(row.state, "done", row.last_error)
        self.assertEqual(self.sync_record(self.partner_a).qbo_id, existing["Id"])
        self.assertEqual(len(self.qbo_all("Customer")), 1)

    def test_name_taken_by_a_vendor_gets_a_distinct_customer_name(self):
        self.emulator.api(self.token, "POST", "vendor", json={"DisplayName": self.partner_a.name})
        row = self.post_and_push(self.invoice())
        self.assertEqual(row.state, "done", row.last_error)
        customer = self.qbo("Customer", self.sync_record(self.partner_a).qbo_id)
        self.assertEqual(customer["DisplayName"], f"{self.partner_a.name} [Odoo {self.partner_a.id}]")

    def test_archiving_makes_the_qbo_customer_inactive(self):
        self.post_and_push(self.invoice())
        with trap_jobs() as trap:
            self.partner_a.action_archive()
            trap.perform_enqueued_jobs()
        self.assertFalse(self.qbo("Customer", self.sync_record(self.partner_a).qbo_id)["Active"])

    def test_an_invoice_in_a_second_currency_gets_its_own_customer(self):
        eur = self.setup_other_currency("EUR", rates=[("2016-01-01", 0.5)])
        self.post_and_push(self.invoice())
        row = self.post_and_push(self.invoice(price=100.0, currency_id=eur.id))
        self.assertEqual(row.state, "done", row.last_error)
        eur_row = self.sync_record(self.partner_a, key="EUR")
        customer = self.qbo("Customer", eur_row.qbo_id)
        self.assertEqual(customer["CurrencyRef"]["value"], "EUR")
        self.assertEqual(customer["DisplayName"], f"{self.partner_a.name} (EUR)")
        self.assertNotEqual(eur_row.qbo_id, self.sync_record(self.partner_a).qbo_id)
        invoice = self.qbo("Invoice", row.qbo_id)
        self.assertEqual(invoice["CurrencyRef"]["value"], "EUR")
        self.assertEqual(invoice["ExchangeRate"], 2)


@tagged("post_install", "-at_install")
class TestInvoicePushOutsideUS(PushCase):
    """Non-US QuickBooks companies: a tax code on every line, tax-included prices allowed."""

    def setUp(self):
        super().setUp()
        self.emulator.call("POST", "settings", {"country": "GB"})
        self.backend._refresh_company_facts()
        self.assertFalse(self.backend._is_us_company())
        self.exempt = self.env["quickbooks.qbo.tax.code"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", "Exempt")]
        )
        self.backend.qbo_exempt_tax_code_id = self.exempt

    def test_every_line_carries_its_tax_code_and_sections_become_description_lines(self):
        move = self._create_invoice(
            invoice_line_ids=[
                Command.create({"display_type": "line_section", "name": "Consulting"}),
                self._prepare_invoice_line(product_id=self.product_a, price_unit=1000.0, tax_ids=self.tax_sale_a),
                Command.create({"display_type": "line_note", "name": "Delivered on site"}),
                self._prepare_invoice_line(product_id=self.product_a, price_unit=50.0, tax_ids=self.env["account.tax"]),
            ]
        )
        row = self.post_and_push(move)
        self.assertEqual(row.state, "done", row.last_error)
        invoice = self.qbo("Invoice", row.qbo_id)
        self.assertEqual(invoice["GlobalTaxCalculation"], "TaxExcluded")
        kinds = [line["DetailType"] for line in invoice["Line"] if line["DetailType"] != "SubTotalLineDetail"]
        self.assertEqual(kinds, ["DescriptionOnly", "SalesItemLineDetail", "DescriptionOnly", "SalesItemLineDetail"])
        codes = [
            line["SalesItemLineDetail"]["TaxCodeRef"]["value"]
            for line in invoice["Line"]
            if line["DetailType"] == "SalesItemLineDetail"
        ]
        standard = self.env["quickbooks.tax.mapping"].search([("tax_id", "=", self.tax_sale_a.id)]).qbo_tax_code_id
        self.assertEqual(codes, [standard.qbo_id, self.exempt.qbo_id])
        self.assertEqual((invoice["TotalAmt"], invoice["TxnTaxDetail"]["TotalTax"]), (1200, 150))

    def test_an_untaxed_line_without_an_exempt_code_is_not_sent_and_says_why(self):
        self.backend.qbo_exempt_tax_code_id = False
        move = self.invoice(taxes=self.env["account.tax"])
        row = self.post_and_push(move)
        self.assertEqual((row.state, row.failure_kind), ("failed", "mapping"))
        self.assertIn("tax code for untaxed lines", row.last_error)
        with trap_jobs() as trap:
            self.backend.qbo_exempt_tax_code_id = self.exempt  # fixing the mapping sends it
            trap.perform_enqueued_jobs()
        self.assertEqual(self.sync_record(move).state, "done")
