"""Taxes and every kind of invoice line: QuickBooks must show Odoo's subtotal, tax per rate, total
and home-currency total to the cent, or the document is not sent and the sync records says why."""

from decimal import Decimal

from odoo.tests import tagged

from .test_push import PushCase


def money(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


class TaxCase(PushCase):
    """Helpers to read a pushed document's figures on both sides."""

    def qbo_figures(self, row):
        document = self.qbo(row.qbo_entity, row.qbo_id)
        subtotal = [line["Amount"] for line in document["Line"] if line["DetailType"] == "SubTotalLineDetail"][-1]
        detail = document.get("TxnTaxDetail") or {}
        per_rate = {}
        for tax_line in detail.get("TaxLine") or []:
            rate_id = tax_line["TaxLineDetail"]["TaxRateRef"]["value"]
            per_rate[rate_id] = per_rate.get(rate_id, Decimal(0)) + money(tax_line["Amount"])
        return document, {
            "subtotal": money(subtotal),
            "tax": money(detail.get("TotalTax", 0)),
            "total": money(document["TotalAmt"]),
            "home": money(document["HomeTotalAmt"]),
            "per_rate": {k: v for k, v in per_rate.items() if v},
        }

    def odoo_figures(self, move):
        return {
            "subtotal": money(move.amount_untaxed),
            "tax": money(move.amount_tax),
            "total": money(move.amount_total),
            "home": money(abs(move.amount_total_signed)),
        }

    def assert_books_agree(self, move, row):
        self.assertEqual(row.state, "done", row.last_error)
        document, figures = self.qbo_figures(row)
        per_rate = figures.pop("per_rate")
        self.assertEqual(figures, self.odoo_figures(move))
        return document, per_rate

    def rate_id(self, code_name):
        code = self.env["quickbooks.qbo.tax.code"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", code_name)]
        )
        return code.rate_details[0]["id"]

    def sales_lines(self, document):
        return [line for line in document["Line"] if line["DetailType"] == "SalesItemLineDetail"]


@tagged("post_install", "-at_install")
class TestTaxesOutsideUS(TaxCase):
    def setUp(self):
        super().setUp()
        self.emulator.call("POST", "settings", {"country": "GB"})
        self.backend._refresh_company_facts()
        self.exempt = self.env["quickbooks.qbo.tax.code"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", "Exempt")]
        )
        self.backend.qbo_exempt_tax_code_id = self.exempt

    def test_a_tax_included_invoice_reaches_quickbooks_as_100_plus_15(self):
        included = self.env["account.tax"].create(
            {"name": "VAT 15% incl.", "amount": 15, "type_tax_use": "sale", "price_include_override": "tax_included"}
        )
        self.map_tax(included, "Standard 15%")
        move = self.invoice(price=115.0, taxes=included)
        row = self.post_and_push(move)
        document, per_rate = self.assert_books_agree(move, row)
        self.assertEqual(document["GlobalTaxCalculation"], "TaxInclusive")
        line = self.sales_lines(document)[0]
        self.assertEqual((line["Amount"], line["SalesItemLineDetail"]["TaxInclusiveAmt"]), (100, 115))
        self.assertEqual((document["TotalAmt"], document["TxnTaxDetail"]["TotalTax"]), (115, 15))
        self.assertEqual(per_rate, {self.rate_id("Standard 15%"): Decimal("15.00")})

    def test_both_tax_rounding_modes_land_to_the_cent(self):
        for method, expected_tax in (("round_per_line", "0.06"), ("round_globally", "0.05")):
            with self.subTest(method=method):
                self.company.tax_calculation_rounding_method = method
                move = self._create_invoice(
                    invoice_line_ids=[
                        self._prepare_invoice_line(product_id=self.product_a, price_unit=0.10, tax_ids=self.tax_sale_a)
                        for _ in range(3)
                    ]
                )
                self.assertEqual(money(move.amount_tax), Decimal(expected_tax))
                row = self.post_and_push(move)
                _document, per_rate = self.assert_books_agree(move, row)
                self.assertEqual(per_rate, {self.rate_id("Standard 15%"): Decimal(expected_tax)})

    def test_global_rounding_of_tax_included_prices_keeps_the_subtotal(self):
        # Found by the property test: rounding globally, Odoo moves a cent into the lines' amounts,
        # so the lines' price_subtotal no longer adds up to the untaxed amount.
        self.company.tax_calculation_rounding_method = "round_globally"
        standard = self.env["account.tax"].create(
            {"name": "VAT 15% incl.", "amount": 15, "type_tax_use": "sale", "price_include_override": "tax_included"}
        )
        levy = self.env["account.tax"].create(
            {"name": "Levy 5% incl.", "amount": 5, "type_tax_use": "sale", "price_include_override": "tax_included"}
        )
        self.map_tax(standard, "Standard 15%")
        self.map_tax(levy, "Reduced 5%")
        rates = {r["Name"]: r["Id"] for r in self.emulator.entities("TaxRate")}
        self.emulator.call(
            "POST",
            "entities/TaxCode",
            {
                "Name": "Standard + Levy",
                "SalesTaxRateList": {
                    "TaxRateDetail": [
                        {"TaxRateRef": {"value": rates["Standard Rate"]}},
                        {"TaxRateRef": {"value": rates["Reduced Rate"]}},
                    ]
                },
            },
        )
        self.backend.action_pull_tax_codes()
        move = self._create_invoice(
            invoice_line_ids=[
                self._prepare_invoice_line(product_id=self.product_a, price_unit=0.01, tax_ids=self.env["account.tax"])
                for _ in range(3)
            ]
            + [self._prepare_invoice_line(product_id=self.product_a, price_unit=3.46, tax_ids=standard | levy)]
        )
        self.assertNotEqual(money(sum(move.invoice_line_ids.mapped("price_subtotal"))), money(move.amount_untaxed))
        row = self.post_and_push(move)
        self.assert_books_agree(move, row)

    def test_two_taxes_on_a_line_need_a_combined_quickbooks_code(self):
        reduced = self.env["account.tax"].create({"name": "Levy 5%", "amount": 5, "type_tax_use": "sale"})
        self.map_tax(reduced, "Reduced 5%")
        move = self.invoice(price=200.0, taxes=self.tax_sale_a | reduced)
        row = self.post_and_push(move)
        self.assertEqual((row.state, row.failure_kind), ("failed", "mapping"))
        self.assertIn("Reduced Rate, Standard Rate", row.last_error)
        self.assertFalse([i for i in self.qbo_all("Invoice") if i["DocNumber"] == move.name], "nothing half-sent")
        rates = {r["Name"]: r["Id"] for r in self.emulator.entities("TaxRate")}
        self.emulator.call(
            "POST",
            "entities/TaxCode",
            {
                "Name": "Standard + Levy",
                "Taxable": True,
                "TaxGroup": True,
                "Active": True,
                "SalesTaxRateList": {
                    "TaxRateDetail": [
                        {"TaxRateRef": {"value": rates["Standard Rate"]}},
                        {"TaxRateRef": {"value": rates["Reduced Rate"]}},
                    ]
                },
            },
        )
        self.backend.action_pull_tax_codes()
        move._quickbooks_push_job(self.backend)  # what the sync record's Retry button runs
        document, per_rate = self.assert_books_agree(move, self.sync_record(move))
        self.assertEqual(
            self.sales_lines(document)[0]["SalesItemLineDetail"]["TaxCodeRef"]["value"],
            self.env["quickbooks.qbo.tax.code"].search([("name", "=", "Standard + Levy")]).qbo_id,
        )
        self.assertEqual(
            per_rate, {self.rate_id("Standard 15%"): Decimal("30.00"), self.rate_id("Reduced 5%"): Decimal("10.00")}
        )

    def test_a_tax_mapped_to_a_code_of_another_rate_is_refused_in_words(self):
        self.map_tax(self.tax_sale_a, "Reduced 5%")
        move = self.invoice(price=1000.0)
        row = self.post_and_push(move)
        self.assertEqual((row.state, row.failure_kind), ("failed", "mapping"))
        self.assertIn("the rates differ", row.last_error)
        self.assertFalse([i for i in self.qbo_all("Invoice") if i["DocNumber"] == move.name])

    def test_zero_rated_exempt_and_untaxed_lines_use_the_codes_the_user_mapped(self):
        zero = self.env["account.tax"].create({"name": "Zero 0%", "amount": 0, "type_tax_use": "sale"})
        self.map_tax(zero, "Zero-rated 0%")
        move = self._create_invoice(
            invoice_line_ids=[
                self._prepare_invoice_line(product_id=self.product_a, price_unit=100.0, tax_ids=self.tax_sale_a),
                self._prepare_invoice_line(product_id=self.product_a, price_unit=40.0, tax_ids=zero),
                self._prepare_invoice_line(product_id=self.product_a, price_unit=10.0, tax_ids=self.env["account.tax"]),
            ]
        )
        row = self.post_and_push(move)
        document, _per_rate = self.assert_books_agree(move, row)
        codes = [line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in self.sales_lines(document)]
        zero_code = self.env["quickbooks.qbo.tax.code"].search([("name", "=", "Zero-rated 0%")]).qbo_id
        self.assertEqual(codes[1:], [zero_code, self.exempt.qbo_id])

    def test_discounts_and_awkward_quantities_keep_every_line_amount(self):
        move = self._create_invoice(
            invoice_line_ids=[
                self._prepare_invoice_line(
                    product_id=self.product_a, price_unit=19.99, quantity=3, discount=12.5, tax_ids=self.tax_sale_a
                ),
                self._prepare_invoice_line(
                    product_id=self.product_a, price_unit=0.0137, quantity=123457, tax_ids=self.tax_sale_a
                ),
            ]
        )
        row = self.post_and_push(move)
        document, _per_rate = self.assert_books_agree(move, row)
        amounts = [money(line["Amount"]) for line in self.sales_lines(document)]
        self.assertEqual(amounts, [money(line.price_subtotal) for line in move.invoice_line_ids])

    def test_cash_rounding_lines_are_sent_and_biggest_tax_rounding_lands_in_the_tax(self):
        for rounding in (self.cash_rounding_a, self.cash_rounding_b):
            with self.subTest(strategy=rounding.strategy):
                for account in rounding.profit_account_id | rounding.loss_account_id:
                    self.map_account(account, "Services")
                move = self.invoice(price=100.02, invoice_cash_rounding_id=rounding.id)
                self.assertNotEqual(money(move.amount_total), money("115.02"))
                row = self.post_and_push(move)
                document, _per_rate = self.assert_books_agree(move, row)
                rounding_lines = [
                    line for line in self.sales_lines(document) if line.get("Description") == "Cash rounding"
                ]
                self.assertEqual(len(rounding_lines), 1 if rounding.strategy == "add_invoice_line" else 0)

    def test_a_line_on_a_liability_account_gets_an_item_instead_of_crashing_the_job(self):
        deposits = self.env["account.account"].create(
            {"code": "219900", "name": "Customer Deposits", "account_type": "liability_current"}
        )
        qbo_account = self.emulator.api(
            self.token, "POST", "account", json={"Name": "Customer Deposits", "AccountType": "Other Current Liability"}
        )["Account"]
        self.env["quickbooks.qbo.account"]._pull_for_backend(self.backend)
        self.map_account(deposits, qbo_account["Name"])
        move = self.invoice(price=500.0, taxes=self.env["account.tax"], account_id=deposits.id)
        row = self.post_and_push(move)
        document, _per_rate = self.assert_books_agree(move, row)
        item = self.qbo("Item", self.sales_lines(document)[0]["SalesItemLineDetail"]["ItemRef"]["value"])
        self.assertEqual(item["IncomeAccountRef"]["value"], qbo_account["Id"])

    def test_a_foreign_currency_invoice_has_odoo_home_total(self):
        eur = self.setup_other_currency("EUR", rates=[("2016-01-01", 0.7777)])
        move = self._create_invoice(
            currency_id=eur.id,
            invoice_line_ids=[
                self._prepare_invoice_line(product_id=self.product_a, price_unit=price, tax_ids=self.tax_sale_a)
                for price in (33.33, 66.67, 1234.56)
            ],
        )
        row = self.post_and_push(move)
        document, _per_rate = self.assert_books_agree(move, row)
        self.assertEqual(document["CurrencyRef"]["value"], "EUR")


@tagged("post_install", "-at_install")
class TestTaxesUS(TaxCase):
    def setUp(self):
        super().setUp()
        self.emulator.call("POST", "settings", {"country": "US"})
        self.backend._refresh_company_facts()
        self.map_tax(self.tax_sale_a, "Standard 15%")

    def test_manual_sales_tax_names_the_document_code_and_keeps_odoo_tax(self):
        self.company.tax_calculation_rounding_method = "round_per_line"
        move = self._create_invoice(
            invoice_line_ids=[
                self._prepare_invoice_line(product_id=self.product_a, price_unit=0.10, tax_ids=self.tax_sale_a)
                for _ in range(3)
            ]
            + [self._prepare_invoice_line(product_id=self.product_a, price_unit=5.0, tax_ids=self.env["account.tax"])]
        )
        row = self.post_and_push(move)
        document, _per_rate = self.assert_books_agree(move, row)
        self.assertEqual(money(document["TxnTaxDetail"]["TotalTax"]), Decimal("0.06"), "Odoo's per-line rounding")
        codes = [line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in self.sales_lines(document)]
        self.assertEqual(codes, ["TAX", "TAX", "TAX", "NON"])

    def test_a_tax_rounded_away_by_cash_rounding_stays_zero_in_quickbooks(self):
        # Found by the property test: Odoo's tax is 0.00 (biggest-tax cash rounding took the cent),
        # and a TotalTax of 0 alone means "compute it" to QuickBooks' manual sales tax.
        move = self.invoice(price=0.05, invoice_cash_rounding_id=self.cash_rounding_b.id)
        self.assertEqual(money(move.amount_tax), Decimal("0.00"))
        row = self.post_and_push(move)
        document, _per_rate = self.assert_books_agree(move, row)
        self.assertEqual(document["TxnTaxDetail"]["TotalTax"], 0)

    def test_automated_sales_tax_gets_the_ship_to_address_and_odoo_tax_as_the_override(self):
        self.emulator.call("POST", "settings", {"automated_sales_tax": True})
        self.backend._refresh_company_facts()
        self.assertTrue(self.backend.qbo_automated_sales_tax)
        self.partner_a.write(
            {
                "street": "1 Broadway",
                "city": "New York",
                "zip": "10004",
                "country_id": self.env.ref("base.us").id,
                "state_id": self.env["res.country.state"]
                .search([("code", "=", "NY"), ("country_id.code", "=", "US")])
                .id,
            }
        )
        reduced = self.env["account.tax"].create({"name": "County 5%", "amount": 5, "type_tax_use": "sale"})
        move = self._create_invoice(
            invoice_line_ids=[
                self._prepare_invoice_line(product_id=self.product_a, price_unit=100.0, tax_ids=self.tax_sale_a),
                self._prepare_invoice_line(product_id=self.product_a, price_unit=100.0, tax_ids=reduced),
            ]
        )
        row = self.post_and_push(move)
        document, _per_rate = self.assert_books_agree(move, row)
        self.assertEqual(document["ShipAddr"]["CountrySubDivisionCode"], "NY")
        self.assertEqual(money(document["TxnTaxDetail"]["TotalTax"]), Decimal("20.00"))

    def test_tax_included_prices_reach_a_us_company_as_net_amounts(self):
        included = self.env["account.tax"].create(
            {"name": "Tax 15% incl.", "amount": 15, "type_tax_use": "sale", "price_include_override": "tax_included"}
        )
        self.map_tax(included, "Standard 15%")
        move = self.invoice(price=115.0, taxes=included)
        row = self.post_and_push(move)
        document, _per_rate = self.assert_books_agree(move, row)
        self.assertEqual(self.sales_lines(document)[0]["Amount"], 100)
