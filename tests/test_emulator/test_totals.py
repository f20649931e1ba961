"""Server-side totals: line amounts, discounts, tax per rate (US and non-US), currencies."""

from __future__ import annotations

import pytest

from .conftest import error_of, line


@pytest.fixture
def tax_codes(api) -> dict[str, str]:
    return {row["Name"]: row["Id"] for row in api.query("select * from TaxCode")["TaxCode"]}


def invoice(api, customer, lines, **fields):
    return api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": lines, **fields})


def test_line_amount_is_qty_times_price_and_money_is_a_number(api, customer, hours):
    created = invoice(api, customer, [line(hours["Id"], 3, 19.99)])
    sales = created["Line"][0]
    assert sales["Amount"] == 59.97 and isinstance(sales["Amount"], float)
    assert sales["Id"] == "1"
    assert created["Line"][-1] == {"Amount": 59.97, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}
    assert created["TotalAmt"] == 59.97 and created["Balance"] == 59.97
    assert isinstance(created["TotalAmt"], float)


def test_amount_must_equal_qty_times_price(api, customer, hours):
    response = api.post(
        "/invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 3, 10, Amount=31)]}
    )
    error = error_of(response)
    assert (error["code"], error["Message"]) == ("6070", "Amount is not equal to UnitPrice * Qty")
    ok = invoice(api, customer, [line(hours["Id"], 3, 10, Amount=30)])
    assert ok["TotalAmt"] == 30
    # Qty 0 and UnitPrice 0 mean "not given" (python-quickbooks sends them): the Amount stands.
    assert invoice(api, customer, [line(hours["Id"], 0, 0, Amount=12.5)])["TotalAmt"] == 12.5


def test_description_lines_are_allowed(api, customer, hours):
    created = invoice(
        api, customer, [line(hours["Id"], 1, 10), {"DetailType": "DescriptionOnly", "Description": "Thanks!"}]
    )
    assert created["Line"][1]["DetailType"] == "DescriptionOnly"
    assert created["TotalAmt"] == 10


def test_us_sales_tax_applies_to_taxable_lines_per_rate(api, customer, hours):
    created = invoice(api, customer, [line(hours["Id"], 1, 100, tax="TAX"), line(hours["Id"], 1, 50, tax="NON")])
    detail = created["TxnTaxDetail"]
    assert detail["TotalTax"] == 8.25  # 6.25 % state + 2 % city on the 100 taxable
    assert sorted(tax["Amount"] for tax in detail["TaxLine"]) == [2.0, 6.25]
    assert all(tax["TaxLineDetail"]["NetAmountTaxable"] == 100 for tax in detail["TaxLine"])
    assert created["Line"][-1]["Amount"] == 150
    assert created["TotalAmt"] == 158.25


def test_tax_is_rounded_half_up_on_the_summed_amount(api, customer, hours, tax_codes):
    standard = tax_codes["Standard 15%"]
    lines = [line(hours["Id"], 1, 0.10, tax="TAX") for _ in range(3)]
    created = invoice(api, customer, lines, TxnTaxDetail={"TxnTaxCodeRef": {"value": standard}})
    assert created["TxnTaxDetail"]["TotalTax"] == 0.05  # 0.30 * 15 % = 0.045 -> 0.05 (per line it would be 0.06)
    assert created["TotalAmt"] == 0.35


def test_non_us_lines_need_a_tax_code(api, ctl, customer, hours, tax_codes):
    ctl.settings(country="GB")
    response = api.post(
        "/invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 10, tax=None)]}
    )
    error = error_of(response)
    assert error["code"] == "6000"
    assert error["Detail"] == (
        "Business Validation Error: Make sure all your transactions have a VAT rate before you save."
    )
    created = invoice(
        api,
        customer,
        [
            line(hours["Id"], 1, 100, tax=tax_codes["Standard 15%"]),
            line(hours["Id"], 2, 100, tax=tax_codes["Reduced 5%"]),
        ],
    )
    assert created["GlobalTaxCalculation"] == "TaxExcluded"
    assert created["TxnTaxDetail"]["TotalTax"] == 25.0
    assert created["TotalAmt"] == 325.0
    not_applicable = invoice(api, customer, [line(hours["Id"], 1, 40, tax=None)], GlobalTaxCalculation="NotApplicable")
    assert not_applicable["TotalAmt"] == 40 and not_applicable["TxnTaxDetail"]["TotalTax"] == 0


@pytest.mark.parametrize("entity", ["Invoice", "CreditMemo", "Estimate", "SalesReceipt"])
def test_line_amount_is_net_even_when_tax_inclusive(api, ctl, customer, hours, tax_codes, entity):
    ctl.settings(country="GB")
    gross = line(hours["Id"], 1, 100, tax=tax_codes["Standard 15%"])
    gross["SalesItemLineDetail"]["TaxInclusiveAmt"] = 115  # the gross line price travels here
    created = api.create(
        entity, {"CustomerRef": {"value": customer["Id"]}, "Line": [gross], "GlobalTaxCalculation": "TaxInclusive"}
    )
    assert created["GlobalTaxCalculation"] == "TaxInclusive"
    assert created["Line"][0]["Amount"] == 100
    assert created["Line"][0]["SalesItemLineDetail"]["TaxInclusiveAmt"] == 115  # stored and served as sent
    assert created["Line"][-1]["Amount"] == 100  # subtotal
    assert created["TxnTaxDetail"]["TotalTax"] == 15
    assert created["TxnTaxDetail"]["TaxLine"][0]["TaxLineDetail"]["NetAmountTaxable"] == 100
    assert created["TotalAmt"] == 115


def test_a_gross_amount_sent_as_line_amount_is_taxed_again(api, ctl, customer, hours, tax_codes):
    """What QBO does to a client that puts the tax-included price in Line.Amount."""
    ctl.settings(country="GB")
    created = invoice(
        api, customer, [line(hours["Id"], 1, 115, tax=tax_codes["Standard 15%"])], GlobalTaxCalculation="TaxInclusive"
    )
    assert created["TxnTaxDetail"]["TotalTax"] == 17.25
    assert created["TotalAmt"] == 132.25


def test_tax_inclusive_amt_is_not_checked_against_the_amount(api, ctl, customer, hours, tax_codes):
    ctl.settings(country="GB")
    odd = line(hours["Id"], 1, 100, tax=tax_codes["Standard 15%"])
    odd["SalesItemLineDetail"]["TaxInclusiveAmt"] = 0  # python-quickbooks sends 0 when it is not set
    created = invoice(api, customer, [odd], GlobalTaxCalculation="TaxInclusive")
    assert created["Line"][0]["SalesItemLineDetail"]["TaxInclusiveAmt"] == 0
    assert created["TotalAmt"] == 115


def test_qty_and_unit_price_keep_seven_decimals(api, customer, hours):
    created = invoice(api, customer, [line(hours["Id"], 3.123456789, 0.123456789, Amount=0.39)])
    detail = created["Line"][0]["SalesItemLineDetail"]
    assert (detail["Qty"], detail["UnitPrice"]) == (3.1234568, 0.1234568)
    assert created["Line"][0]["Amount"] == 0.39
    # 125000 x 2.00000004 is 250000.005 (250000.01 in cents), but QBO multiplies what it keeps: 2.0000000.
    body = {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 125000, 2.00000004, Amount=250000.01)]}
    assert error_of(api.post("/invoice", body))["code"] == "6070"
    kept = invoice(api, customer, [line(hours["Id"], 125000, 2.00000004, Amount=250000)])
    assert kept["Line"][0]["SalesItemLineDetail"]["UnitPrice"] == 2
    # Half up at the seventh place.
    half = invoice(api, customer, [line(hours["Id"], 1, 0.00000005)])
    assert half["Line"][0]["SalesItemLineDetail"]["UnitPrice"] == 0.0000001


def test_negative_lines_but_not_a_negative_invoice(api, customer, hours):
    adjusted = invoice(api, customer, [line(hours["Id"], 1, 100), line(hours["Id"], 1, -0.01)])
    assert adjusted["Line"][1]["Amount"] == -0.01
    assert adjusted["TotalAmt"] == 99.99
    response = api.post(
        "/invoice",
        {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 10), line(hours["Id"], 1, -10.01)]},
    )
    error = error_of(response)
    assert error["code"] == "6000" and "credit memo" in error["Detail"]


def test_discounts_percent_and_amount(api, ctl, customer, hours, tax_codes):
    percent = invoice(
        api,
        customer,
        [
            line(hours["Id"], 2, 100),
            {"DetailType": "DiscountLineDetail", "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10}},
        ],
    )
    discount = next(item for item in percent["Line"] if item["DetailType"] == "DiscountLineDetail")
    assert discount["Amount"] == 20 and percent["TotalAmt"] == 180
    amount = invoice(
        api,
        customer,
        [
            line(hours["Id"], 2, 100),
            {"DetailType": "DiscountLineDetail", "Amount": 15, "DiscountLineDetail": {"PercentBased": False}},
        ],
    )
    assert amount["TotalAmt"] == 185
    too_much = api.post(
        "/invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "Line": [
                line(hours["Id"], 1, 10),
                {"DetailType": "DiscountLineDetail", "Amount": 11, "DiscountLineDetail": {"PercentBased": False}},
            ],
        },
    )
    assert error_of(too_much)["Detail"] == (
        "Business Validation Error: The discount amount can't be greater than the subtotal."
    )
    ctl.settings(country="GB")  # outside the US a discount reduces the taxable amount
    taxed = invoice(
        api,
        customer,
        [
            line(hours["Id"], 1, 100, tax=tax_codes["Standard 15%"]),
            {"DetailType": "DiscountLineDetail", "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10}},
        ],
    )
    assert taxed["TxnTaxDetail"]["TotalTax"] == 13.5
    assert taxed["TotalAmt"] == 103.5


def test_foreign_currency_needs_customer_currency_and_rate(api, hours):
    euro = api.create("Customer", {"DisplayName": "Euro GmbH", "CurrencyRef": {"value": "EUR"}})
    body = {"CustomerRef": {"value": euro["Id"]}, "Line": [line(hours["Id"], 1, 100)]}
    assert error_of(api.post("/invoice", body))["code"] == "2020"  # ExchangeRate missing
    wrong = api.post("/invoice", {**body, "CurrencyRef": {"value": "USD"}, "ExchangeRate": 1})
    assert error_of(wrong)["code"] == "6000"
    created = api.create("Invoice", {**body, "ExchangeRate": 1.1})
    assert created["CurrencyRef"]["value"] == "EUR"
    assert created["TotalAmt"] == 100 and created["HomeTotalAmt"] == 110
    assert created["HomeBalance"] == 110
    home = api.create("Customer", {"DisplayName": "Home Inc"})
    at_home = api.create(
        "Invoice", {"CustomerRef": {"value": home["Id"]}, "Line": [line(hours["Id"], 1, 100)], "ExchangeRate": 1.7}
    )
    assert at_home["ExchangeRate"] == 1 and at_home["HomeTotalAmt"] == 100


def test_sparse_invoice_update_recomputes_totals(api, customer, hours):
    created = invoice(api, customer, [line(hours["Id"], 1, 100)])
    updated = api.update(
        "Invoice",
        {"Id": created["Id"], "SyncToken": created["SyncToken"], "sparse": True, "Line": [line(hours["Id"], 4, 25.5)]},
    )
    assert updated["TotalAmt"] == 102 and updated["Balance"] == 102
    memo = api.update(
        "Invoice", {"Id": created["Id"], "SyncToken": updated["SyncToken"], "sparse": True, "PrivateNote": "kept lines"}
    )
    assert memo["TotalAmt"] == 102 and len(memo["Line"]) == 2
