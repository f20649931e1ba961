"""The sales document builder works on Odoo's base lines: lines assembled from plain values, the way Odoo's
sale app assembles a sales order's (``sale.order.line._prepare_base_line_for_taxes_computation``, then
``sale.order._compute_amounts``), give the same QuickBooks document as the posted invoice of the same lines."""

from odoo import Command
from odoo.tests import tagged

from ..adapters.sales_document import DocumentHeader, sales_document_data, sales_document_of
from ..qbo.money import cents
from ..qbo.payloads import build_credit_memo, build_invoice
from .test_push_taxes import TaxCase

CUSTOMER_QBO_ID = "58"


class BaseLinesCase(TaxCase):
    """Build a document twice: from a posted move, and from base lines and a header assembled apart."""

    def lines(self, spec):
        """Invoice lines of ``spec``: texts (sections) and (description, product, quantity, price, discount,
        taxes)."""
        commands = []
        for entry in spec:
            if isinstance(entry, str):
                commands.append(Command.create({"display_type": "line_section", "name": entry}))
            else:
                name, product, quantity, price, discount, taxes = entry
                commands.append(
                    self._prepare_invoice_line(
                        name=name,
                        product_id=product,
                        quantity=quantity,
                        price_unit=price,
                        discount=discount,
                        tax_ids=taxes,
                    )
                )
        return commands

    def order_base_lines(self, spec, currency, rate=1.0):
        """``(base lines, layout)`` of ``spec`` as a sales order has them: from values, not from journal items."""
        AccountTax = self.env["account.tax"]
        base_lines, layout = [], []
        for entry in spec:
            if isinstance(entry, str):
                layout.append(entry)
                continue
            name, product, quantity, price, discount, taxes = entry
            layout.append(len(base_lines))
            base_lines.append(
                AccountTax._prepare_base_line_for_taxes_computation(
                    None,
                    product_id=product,
                    tax_ids=taxes,
                    quantity=quantity,
                    price_unit=price,
                    discount=discount,
                    currency_id=currency,
                    rate=rate,
                    partner_id=self.partner_a,
                    account_id=product.product_tmpl_id._get_product_accounts()["income"],
                    name=name,
                )
            )
        AccountTax._add_tax_details_in_base_lines(base_lines, self.company)
        AccountTax._round_base_lines_tax_details(base_lines, self.company)
        return base_lines, layout

    def assert_same_document(self, spec, *, is_us, move_type="out_invoice", currency=None):
        currency = currency or self.company.currency_id
        move = self._create_invoice(move_type=move_type, currency_id=currency.id, invoice_line_ids=self.lines(spec))
        move.action_post()
        Push = self.env["quickbooks.push"]
        Push._ensure_line_items(self.backend, move, self.backend._qbo_client())
        from_move = sales_document_data(move, Push._document_mappings(self.backend, move), CUSTOMER_QBO_ID, is_us=is_us)

        base_lines, layout = self.order_base_lines(spec, currency, rate=move.invoice_currency_rate)
        self.assertEqual(
            [line["account_id"] for line in base_lines],
            [line.account_id for line in move.invoice_line_ids if line.display_type == "product"],
            "the order's lines post to the invoice's accounts",
        )
        totals = self.env["account.tax"]._get_tax_totals_summary(base_lines, currency, self.company)
        header = DocumentHeader(
            company=self.company,
            partner=self.partner_a,
            currency=currency,
            number=move.name,
            date=move.invoice_date,
            amount_untaxed=totals["base_amount_currency"],
            amount_tax=totals["tax_amount_currency"],
            amount_total=totals["total_amount_currency"],
            home_total=cents(totals["total_amount"]),
            refund=move_type == "out_refund",
            due_date=move.invoice_date_due,
            currency_rate=move.invoice_currency_rate,
        )
        accounts = self.env["account.account"].union(*[line["account_id"] for line in base_lines])
        mappings = Push._quickbooks_mappings(self.backend, accounts, taxes=True)
        from_order = sales_document_of(header, base_lines, layout, mappings, CUSTOMER_QBO_ID, is_us=is_us)

        build = build_credit_memo if move_type == "out_refund" else build_invoice
        self.assertEqual(build(from_order.data), build(from_move.data))
        self.assertEqual(from_order.odoo_totals, from_move.odoo_totals)
        return move, build(from_move.data)


@tagged("post_install", "-at_install")
class TestBaseLinesOutsideUS(BaseLinesCase):
    def setUp(self):
        super().setUp()
        self.emulator.call("POST", "settings", {"country": "GB"})
        self.backend._refresh_company_facts()
        self.backend.qbo_exempt_tax_code_id = self.env["quickbooks.qbo.tax.code"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", "Exempt")]
        )

    def test_tax_included_prices_rounded_globally_with_a_combined_code(self):
        # Rounding globally, Odoo moves a cent into the lines' amounts: both ways must move it alike.
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
        no_tax = self.env["account.tax"]
        spec = ["Samples", *[(f"Sample {n}", self.product_a, 1, 0.01, 0, no_tax) for n in range(3)]]
        spec += ["Consulting", ("Two days", self.product_a, 1, 3.46, 0, standard | levy)]
        spec += [("Travel", self.product_b, 3, 9.99, 10, standard)]
        move, body = self.assert_same_document(spec, is_us=False)
        subtotals = sum(move.invoice_line_ids.mapped("price_subtotal"))
        self.assertNotEqual(cents(subtotals), cents(move.amount_untaxed), "a cent of rounding is in a line's amount")
        self.assertEqual(body["GlobalTaxCalculation"], "TaxInclusive")
        self.assertEqual([line["DetailType"] for line in body["Line"]].count("DescriptionOnly"), 2)

    def test_tax_excluded_prices_in_a_foreign_currency_credit_note(self):
        self.company.tax_calculation_rounding_method = "round_globally"
        eur = self.setup_other_currency("EUR", rates=[("2016-01-01", 0.7777)])
        spec = [(f"Part {n}", self.product_a, 12.12, 12.12, 0, self.tax_sale_a) for n in range(2)]
        spec += ["Discounted", ("Kit", self.product_b, 2, 33.33, 7.5, self.tax_sale_a)]
        _move, body = self.assert_same_document(spec, is_us=False, move_type="out_refund", currency=eur)
        self.assertEqual((body["GlobalTaxCalculation"], body["CurrencyRef"]["value"]), ("TaxExcluded", "EUR"))


@tagged("post_install", "-at_install")
class TestBaseLinesUS(BaseLinesCase):
    def setUp(self):
        super().setUp()
        self.emulator.call("POST", "settings", {"country": "US"})
        self.backend._refresh_company_facts()
        self.map_tax(self.tax_sale_a, "Standard 15%")

    def test_manual_sales_tax_rounded_per_line(self):
        self.company.tax_calculation_rounding_method = "round_per_line"
        spec = [(f"Part {n}", self.product_a, 1, 0.10, 0, self.tax_sale_a) for n in range(3)]
        spec += [("Labour", self.product_a, 1, 5.0, 0, self.env["account.tax"])]
        _move, body = self.assert_same_document(spec, is_us=True)
        codes = [
            line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in body["Line"] if "SalesItemLineDetail" in line
        ]
        self.assertEqual(codes, ["TAX", "TAX", "TAX", "NON"])
