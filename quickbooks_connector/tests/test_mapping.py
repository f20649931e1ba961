from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import QuickbooksTestMixin


@tagged("post_install", "-at_install")
class TestAccountMapping(QuickbooksTestMixin, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_quickbooks()
        Account = cls.env["account.account"]
        # One Odoo account per way of proposing a match.
        cls.by_number = Account.create({"code": "4100", "name": "Consulting Revenue", "account_type": "income"})
        cls.by_name = Account.create({"code": "400900", "name": "Sales of Product Income", "account_type": "income"})
        cls.by_type = Account.create({"code": "400901", "name": "Misc Revenue", "account_type": "income"})

    def setUp(self):
        super().setUp()
        self.connect_backend()

    def _qbo_account(self, name):
        return self.env["quickbooks.qbo.account"].search([("backend_id", "=", self.backend.id), ("name", "=", name)])

    def _wizard(self):
        return self.env["quickbooks.account.mapping.wizard"]._prepare_for_backend(self.backend)

    def _line(self, wizard, account):
        return wizard.line_ids.filtered(lambda line: line.account_id == account)

    def test_wizard_pulls_the_whole_chart_and_proposes_by_number_name_then_type(self):
        wizard = self._wizard()
        pulled = self.env["quickbooks.qbo.account"].search([("backend_id", "=", self.backend.id)])
        qbo_names = set(pulled.mapped("name"))
        emulator_names = {account["Name"] for account in self.emulator.entities("Account")}
        self.assertEqual(qbo_names, emulator_names, "every QBO account, active or not, is pulled")
        self.assertFalse(self._qbo_account("Old Sales").qbo_active)

        number = self._line(wizard, self.by_number)
        self.assertEqual((number.proposed_qbo_account_id.acct_num, number.match_reason), ("4100", "number"))
        name = self._line(wizard, self.by_name)
        self.assertEqual((name.proposed_qbo_account_id.name, name.match_reason), ("Sales of Product Income", "name"))
        by_type = self._line(wizard, self.by_type)
        self.assertEqual(by_type.match_reason, "type")
        self.assertFalse(by_type.proposal_certain, "the type alone is a suggestion, not a decision")
        self.assertEqual(by_type.proposed_qbo_account_id.account_type, "Income")
        self.assertTrue(by_type.proposed_qbo_account_id.qbo_active, "inactive accounts are never proposed")
        receivable = self._line(wizard, self.company_data["default_account_receivable"])
        self.assertEqual(receivable.proposed_qbo_account_id.account_type, "Accounts Receivable")

    def test_accepting_in_bulk_maps_accounts_and_binds_income_items(self):
        wizard = self._wizard()
        wizard.action_accept_proposals()
        wizard.action_apply()
        mapping = self.env["quickbooks.account.mapping"].search([("account_id", "=", self.by_number.id)])
        self.assertEqual(mapping.state, "mapped")
        self.assertEqual(mapping.qbo_account_id.acct_num, "4100")
        item = next(i for i in self.emulator.entities("Item") if i["Id"] == mapping.qbo_item_id)
        self.assertEqual(item["IncomeAccountRef"]["value"], mapping.qbo_account_id.qbo_id)
        receivable = self.env["quickbooks.account.mapping"].search(
            [("account_id", "=", self.company_data["default_account_receivable"].id)]
        )
        self.assertFalse(receivable.qbo_item_id, "only income accounts need an Item")

        # Running the wizard again changes nothing and creates no second Item.
        items_before = len(self.emulator.entities("Item"))
        again = self._wizard()
        self.assertEqual(self._line(again, self.by_number).qbo_account_id, mapping.qbo_account_id)
        again.action_apply()
        self.assertEqual(len(self.emulator.entities("Item")), items_before)

    def test_inactive_qbo_accounts_are_flagged_and_cannot_be_chosen(self):
        wizard = self._wizard()
        line = self._line(wizard, self.by_type)
        line.qbo_account_id = self._qbo_account("Old Sales")
        self.assertTrue(line.qbo_account_inactive)
        self.assertEqual(wizard.inactive_count, 1)
        with self.assertRaisesRegex(UserError, "Old Sales"):
            wizard.action_apply()

    def test_weekly_pull_flags_mappings_whose_account_went_inactive_and_posting_explains(self):
        wizard = self._wizard()
        wizard.action_accept_proposals()
        wizard.action_apply()
        mapping = self.env["quickbooks.account.mapping"].search([("account_id", "=", self.by_number.id)])
        # The CPA deactivates that account in QuickBooks.
        token = self.emulator.mint_tokens()["access_token"]
        qbo = self.emulator.api(token, "GET", f"account/{mapping.qbo_account_id.qbo_id}")["Account"]
        self.emulator.api(
            token,
            "POST",
            "account",
            json={"Id": qbo["Id"], "SyncToken": qbo["SyncToken"], "sparse": True, "Active": False},
        )

        self.env["quickbooks.qbo.account"]._cron_pull_charts()
        self.assertEqual(mapping.state, "inactive")
        self.assertIn("QuickBooks accounts became inactive", self.backend.activity_ids.mapped("summary"))

        invoice = self._create_invoice_one_line(price_unit=100, account_id=self.by_number.id)
        with self.assertRaisesRegex(UserError, "inactive in QuickBooks"):
            invoice.action_post()
        self.assertEqual(invoice.state, "draft")
        # The escape hatch: a move marked "Skip QuickBooks" posts normally.
        invoice.quickbooks_skip = True
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")

    def test_saving_maps_sales_taxes_by_rate_and_names_the_rest(self):
        odd_rate = self.env["account.tax"].create(
            {"name": "Odd 7.3%", "amount": 7.3, "type_tax_use": "sale", "company_id": self.company_data["company"].id}
        )
        wizard = self._wizard()
        wizard.action_accept_proposals()
        result = wizard.action_apply()

        mapping = self.env["quickbooks.tax.mapping"].search(
            [("backend_id", "=", self.backend.id), ("tax_id", "=", self.tax_sale_a.id)]
        )
        self.assertEqual(self.tax_sale_a.amount, 15)
        self.assertEqual(mapping.qbo_tax_code_id.name, "Standard 15%")
        # Odoo's sales and purchase taxes are both "15%": the table says which is which, and the rate
        # QuickBooks applies to each.
        purchase = self.env["quickbooks.tax.mapping"].search(
            [("backend_id", "=", self.backend.id), ("tax_id", "=", self.tax_purchase_a.id)]
        )
        self.assertEqual(self.tax_purchase_a.name, self.tax_sale_a.name)
        self.assertEqual((mapping.tax_use, purchase.tax_use), ("sale", "purchase"))
        self.assertEqual((mapping.applied_rate, purchase.applied_rate), (15, 15))
        self.assertFalse(
            self.env["quickbooks.tax.mapping"].search([("tax_id", "=", odd_rate.id)]),
            "no QBO code has that rate: nothing is guessed",
        )
        params = result["params"]
        self.assertEqual(params["type"], "warning")
        self.assertIn("Odd 7.3%", params["message"])
        self.assertNotIn(self.tax_sale_a.name, params["message"].split(":")[-1])

    def test_proposals_follow_what_each_account_is_for_and_accept_all_takes_only_certain_ones(self):
        # Odoo's generic chart against QuickBooks' default one (the emulator's), as in the demo.
        company = self.company_data["company"]
        template = self.env["account.chart.template"].with_company(company)
        wizard = self._wizard()

        def proposal(account):
            line = self._line(wizard, account)
            self.assertTrue(line, f"{account.display_name} is listed")
            return line.proposed_qbo_account_id.name or False, line.proposal_certain, line.proposal_note

        sales_tax = "Sales Tax Payable"
        self.assertEqual(proposal(template.ref("tax_received"))[:2], (sales_tax, True))
        self.assertEqual(proposal(template.ref("tax_payable"))[:2], (sales_tax, True), "never Accounts Payable")
        tax_paid, certain, note = proposal(template.ref("tax_paid"))
        self.assertEqual((tax_paid, certain), (False, False), "never Undeposited Funds")
        self.assertIn("expense", note)
        for account in (company.income_currency_exchange_account_id, company.expense_currency_exchange_account_id):
            self.assertEqual(proposal(account)[:2], ("Exchange Gain or Loss", True), account.name)
        gain, certain, note = proposal(
            company.default_cash_difference_income_account_id or template.ref("cash_diff_income")
        )
        self.assertNotEqual(gain, "Sales of Product Income", "a gain that is not a sale gets no sales Item")
        self.assertFalse(certain)
        self.assertIn("Other Income", note)
        owner = proposal(template.ref("owner_current_account"))
        self.assertNotEqual(owner[0], "Accounts Receivable (A/R)")
        self.assertFalse(owner[1])
        self.assertEqual(
            proposal(self.company_data["default_account_receivable"])[:2], ("Accounts Receivable (A/R)", True)
        )
        self.assertEqual(proposal(self.company_data["default_account_payable"])[:2], ("Accounts Payable (A/P)", True))
        self.assertEqual(proposal(self.company_data["default_account_revenue"])[:2], ("Sales of Product Income", True))
        self.assertEqual(proposal(self.company_data["default_account_expense"])[:2], ("Office Expenses", True))
        self.assertEqual(proposal(self.company_data["default_journal_bank"].default_account_id)[:2], ("Checking", True))
        self.assertGreater(wizard.check_count, 0)

        wizard.action_accept_proposals()
        taken = wizard.line_ids.filtered("qbo_account_id")
        self.assertEqual(taken, wizard.line_ids.filtered("proposal_certain"), "only the certain ones are taken")
        wizard.action_apply()
        mappings = self.env["quickbooks.account.mapping"].search([("backend_id", "=", self.backend.id)])
        with_item = mappings.filtered("qbo_item_id")
        self.assertEqual(
            set(with_item.qbo_account_id.mapped("account_type")), {"Income"}, "Items only for sales income accounts"
        )
        exchange = mappings.filtered(lambda m: m.account_id == company.income_currency_exchange_account_id)
        self.assertEqual((exchange.qbo_account_id.name, exchange.qbo_item_id), ("Exchange Gain or Loss", False))
