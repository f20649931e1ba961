"""Products as QuickBooks Items: what a CPA reading QuickBooks' sales by product sees.

A product sold on an invoice becomes its own Item (or adopts the one with its SKU or name), invoice lines
reference it, the amounts land on the same QuickBooks accounts as before, and a change to the product reaches
its Item.
"""

from odoo import fields
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged

from .test_push import PushCase


@tagged("post_install", "-at_install")
class TestProductItems(PushCase):
    def setUp(self):
        super().setUp()
        self.product_a.write({"default_code": "WID-1", "lst_price": 120.0, "standard_price": 70.0})
        self.revenue_qbo = self.env["quickbooks.account.mapping"].search(
            [("backend_id", "=", self.backend.id), ("account_id", "=", self.revenue.id)]
        )

    def api(self, method, path, **kwargs):
        return self.emulator.api(self.token, method, path, **kwargs)

    def service_item(self, name, sku=None):
        """A Service Item the CPA made in QuickBooks, on the income account the revenue is mapped to."""
        body = {"Name": name, "Type": "Service", "IncomeAccountRef": {"value": self.revenue_qbo.qbo_account_id.qbo_id}}
        return self.api("POST", "item", json={**body, **({"Sku": sku} if sku else {})})["Item"]

    def items(self):
        return {item["Id"]: item for item in self.emulator.entities("Item")}

    def line_items(self, move):
        invoice = self.qbo("Invoice", self.sync_record(move).qbo_id)
        return [
            self.qbo("Item", line["SalesItemLineDetail"]["ItemRef"]["value"])
            for line in invoice["Line"]
            if line["DetailType"] == "SalesItemLineDetail"
        ]

    def test_an_invoiced_product_becomes_its_own_item_on_the_same_income_account(self):
        self.product_a.categ_id = False
        before = self.items()
        move = self.invoice(price=100.0)
        self.assertEqual(self.post_and_push(move).state, "done")
        (item,) = self.line_items(move)
        self.assertNotIn(item["Id"], before)
        self.assertEqual(
            (item["Name"], item["Sku"], item["Type"], item["UnitPrice"], item["PurchaseCost"]),
            ("product_a", "WID-1", "Service" if self.product_a.type == "service" else "NonInventory", 120, 70),
        )
        # The amount lands where it did with one Item per account: the income account the revenue is mapped to.
        self.assertEqual(item["IncomeAccountRef"]["value"], self.revenue_qbo.qbo_account_id.qbo_id)
        self.assertEqual(self.qbo("Invoice", self.sync_record(move).qbo_id)["TotalAmt"], 115)
        self.assertEqual(self.sync_record(self.product_a).qbo_id, item["Id"])
        self.assertFalse(item["SubItem"], "a product without category: the Item is at the top level")
        # A second invoice of the product uses the same Item.
        again = self.invoice(price=40.0)
        self.post_and_push(again)
        self.assertEqual([i["Id"] for i in self.line_items(again)], [item["Id"]])
        self.assertEqual(len(self.items()), len(before) + 1)

    def test_the_item_with_the_products_sku_is_adopted(self):
        existing = self.service_item("Widget (legacy name)", sku="WID-1")
        count = len(self.items())
        move = self.invoice(price=100.0)
        self.post_and_push(move)
        self.assertEqual([i["Id"] for i in self.line_items(move)], [existing["Id"]])
        self.assertEqual(len(self.items()), count)

    def test_a_name_taken_by_an_item_of_another_type_is_not_adopted(self):
        other = self.env["quickbooks.qbo.account"].search(
            [("backend_id", "=", self.backend.id), ("account_type", "=", "Other Current Asset")], limit=1
        )
        self.api(
            "POST",
            "item",
            json={
                "Name": "product_a",
                "Type": "Inventory",
                "IncomeAccountRef": {"value": self.revenue_qbo.qbo_account_id.qbo_id},
                "AssetAccountRef": {"value": other.qbo_id},
            },
        )
        move = self.invoice(price=100.0)
        self.assertEqual(self.post_and_push(move).state, "done")
        (item,) = self.line_items(move)
        self.assertEqual(item["Name"], "product_a (WID-1)")
        self.assertIn(item["Type"], ("Service", "NonInventory"))

    def test_a_line_on_another_account_keeps_that_accounts_item(self):
        move = self.invoice(price=100.0)
        other_income = self.product_b.property_account_income_id
        self.map_account(other_income, "Services")
        self.assertNotEqual(
            self.env["quickbooks.account.mapping"]
            .search([("backend_id", "=", self.backend.id), ("account_id", "=", other_income.id)])
            .qbo_account_id,
            self.revenue_qbo.qbo_account_id,
        )
        move.invoice_line_ids.account_id = other_income
        self.post_and_push(move)
        (item,) = self.line_items(move)
        mapping = self.env["quickbooks.account.mapping"].search(
            [("backend_id", "=", self.backend.id), ("account_id", "=", other_income.id)]
        )
        self.assertEqual(item["Id"], mapping.qbo_item_id)
        self.assertEqual(item["IncomeAccountRef"]["value"], mapping.qbo_account_id.qbo_id)

    def test_a_change_to_the_product_reaches_its_item_and_archiving_makes_it_inactive(self):
        move = self.invoice(price=100.0)
        self.post_and_push(move)
        item_id = self.sync_record(self.product_a).qbo_id
        with trap_jobs() as trap:
            self.product_a.write({"name": "Widget Pro", "lst_price": 150.0})
            self.drain(trap)
        item = self.qbo("Item", item_id)
        self.assertEqual((item["Name"], item["UnitPrice"], item["Sku"]), ("Widget Pro", 150, "WID-1"))
        self.assertEqual(item["IncomeAccountRef"]["value"], self.revenue_qbo.qbo_account_id.qbo_id)
        with trap_jobs() as trap:
            self.product_a.product_tmpl_id.active = False
            self.drain(trap)
        self.assertFalse(self.qbo("Item", item_id)["Active"])

    def test_the_products_category_files_its_item_in_quickbooks(self):
        garden = self.env["product.category"].create({"name": "Garden"})
        tools = self.env["product.category"].create({"name": "Tools", "parent_id": garden.id})
        (self.product_a | self.product_b).categ_id = tools
        count = len(self.items())
        move = self.invoice(price=100.0)
        self.post_and_push(move)
        (item,) = self.line_items(move)
        self.assertEqual((item["SubItem"], item["FullyQualifiedName"]), (True, "Garden:Tools:product_a"))
        category = self.qbo("Item", item["ParentRef"]["value"])
        self.assertEqual((category["Type"], category["FullyQualifiedName"]), ("Category", "Garden:Tools"))
        self.assertEqual(self.sync_record(tools).qbo_id, category["Id"])
        # Another product of the category: the same Categories, one more Item.
        other = self._create_invoice_one_line(product_id=self.product_b, price_unit=10.0, partner_id=self.partner_a.id)
        self.post_and_push(other)
        (other_item,) = self.line_items(other)
        self.assertEqual(other_item["ParentRef"]["value"], category["Id"])
        self.assertEqual(len(self.items()), count + 4)  # Garden, Tools, and the two products' Items
        # Moved to another category in Odoo, the Item follows.
        shed = self.env["product.category"].create({"name": "Shed"})
        with trap_jobs() as trap:
            self.product_a.categ_id = shed
            self.drain(trap)
        moved = self.qbo("Item", item["Id"])
        self.assertEqual(moved["FullyQualifiedName"], "Shed:product_a")

    def test_a_bought_product_is_billed_on_its_item_and_the_same_expense_account(self):
        vendor = self.env["res.partner"].create({"name": "Widget Works", "is_company": True})
        expense = self.env["quickbooks.account.mapping"].search(
            [("backend_id", "=", self.backend.id), ("account_id", "=", self.product_a.property_account_expense_id.id)]
        )
        self.assertTrue(expense.qbo_account_id)
        bill = self.invoice(
            price=80.0,
            move_type="in_invoice",
            taxes=self.env["account.tax"],
            partner=vendor,
            invoice_date=fields.Date.today(),
        )
        bill.invoice_line_ids.quantity = 4
        row = self.post_and_push(bill)
        self.assertEqual(row.state, "done", row.last_error)
        stored = self.qbo("Bill", row.qbo_id)
        (line,) = [line for line in stored["Line"] if line["DetailType"] != "SubTotalLineDetail"]
        self.assertEqual(line["DetailType"], "ItemBasedExpenseLineDetail")
        detail = line["ItemBasedExpenseLineDetail"]
        self.assertEqual((line["Amount"], detail["Qty"], detail["UnitPrice"]), (320, 4, 80))
        item = self.qbo("Item", detail["ItemRef"]["value"])
        self.assertEqual(item["Id"], self.sync_record(self.product_a).qbo_id)
        # QuickBooks books an item line on the Item's expense account: the one the line's account is mapped to.
        self.assertEqual(item["ExpenseAccountRef"]["value"], expense.qbo_account_id.qbo_id)
        self.assertEqual(stored["TotalAmt"], 320)

    def test_a_connection_that_keeps_one_item_per_account(self):
        self.backend.qbo_products_as_items = False
        move = self.invoice(price=100.0)
        self.post_and_push(move)
        (item,) = self.line_items(move)
        self.assertEqual(item["Id"], self.revenue_qbo.qbo_item_id)
        self.assertFalse(self.sync_record(self.product_a))

    def test_the_items_review_shows_each_match_and_a_refused_one_gets_a_new_item(self):
        legacy = self.service_item("Widget (legacy name)", sku="WID-1")
        namesake = self.service_item("product_b")
        action = self.backend.action_open_item_review()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        lines = {line.product_id: line for line in wizard.line_ids}
        self.assertEqual((lines[self.product_a].qbo_item_id, lines[self.product_a].match_reason), (legacy["Id"], "sku"))
        self.assertEqual(
            (lines[self.product_b].qbo_item_id, lines[self.product_b].match_reason), (namesake["Id"], "name")
        )
        self.assertTrue(lines[self.product_a].adopt and lines[self.product_b].adopt)
        # The manager says the namesake is another thing: product_b gets its own Item.
        lines[self.product_b].adopt = False
        requests_before = len(self.emulator.requests_log())
        wizard.action_apply()
        self.assertEqual(len(self.emulator.requests_log()), requests_before, "saving the review sends nothing")
        self.assertEqual(self.sync_record(self.product_a).qbo_id, legacy["Id"])
        self.assertFalse(self.sync_record(self.product_b).qbo_id)
        move = self._create_invoice_one_line(product_id=self.product_b, price_unit=10.0, partner_id=self.partner_a.id)
        move.invoice_line_ids.tax_ids = self.tax_sale_a
        self.assertEqual(self.post_and_push(move).state, "done")
        (item,) = self.line_items(move)
        self.assertNotEqual(item["Id"], namesake["Id"])
        self.assertEqual(item["Name"], f"product_b (Odoo {self.product_b.id})")
        self.assertEqual(self.qbo("Item", namesake["Id"])["Name"], "product_b", "the refused Item is untouched")
        # The accepted match is used as it is.
        other = self.invoice(price=100.0)
        self.post_and_push(other)
        self.assertEqual([i["Id"] for i in self.line_items(other)], [legacy["Id"]])
        # Reviewed products are bound: opened again, the review lists neither.
        action = self.backend.action_open_item_review()
        listed = self.env[action["res_model"]].browse(action["res_id"]).line_ids.product_id
        self.assertFalse(listed & (self.product_a | self.product_b))
