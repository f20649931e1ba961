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
        self.assertFalse(
            self.env["quickbooks.tax.mapping"].search([("tax_id", "=", odd_rate.id)]),
            "no QBO code has that rate: nothing is guessed",
        )
        params = result["params"]
        self.assertEqual(params["type"], "warning")
        self.assertIn("Odd 7.3%", params["message"])
        self.assertNotIn(self.tax_sale_a.name, params["message"].split(":")[-1])
