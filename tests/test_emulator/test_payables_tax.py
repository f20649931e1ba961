"""Tax on bills and vendor credits: none in US companies, input tax from each code's
``PurchaseTaxRateList`` elsewhere (computed, tax-inclusive lines, supplied overrides).  Sources in the
emulator's README ("Payables")."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import error_of
from .ledger import accounts_by_number, amounts, report
from .purchases import expense, purchase, vendor_balance


@pytest.fixture
def accounts(api) -> dict[str, str]:
    return accounts_by_number(api)


@pytest.fixture
def vendor(api) -> dict[str, Any]:
    return api.create("Vendor", {"DisplayName": "Acme Supplies"})


@pytest.fixture
def codes(api) -> dict[str, str]:
    return {row["Name"]: row["Id"] for row in api.query("select * from TaxCode")["TaxCode"]}


@pytest.fixture
def rates(api) -> dict[str, str]:
    return {row["Name"]: row["Id"] for row in api.query("select * from TaxRate")["TaxRate"]}


@pytest.fixture
def gb(ctl) -> None:
    ctl.settings(country="GB", home_currency="GBP")


def taxed(account_id: str, amount: Any, code: str, **detail: Any) -> dict[str, Any]:
    return expense(account_id, amount, TaxCodeRef={"value": code}, **detail)


def tax_line(rate_id: str, amount: Any, **detail: Any) -> dict[str, Any]:
    return {
        "Amount": amount,
        "DetailType": "TaxLineDetail",
        "TaxLineDetail": {"TaxRateRef": {"value": rate_id}, "PercentBased": True, **detail},
    }


def per_rate(created: dict[str, Any]) -> dict[str, tuple[float, float]]:
    return {
        row["TaxLineDetail"]["TaxRateRef"]["value"]: (row["Amount"], row["TaxLineDetail"]["NetAmountTaxable"])
        for row in created["TxnTaxDetail"].get("TaxLine", [])
    }


def test_us_purchases_keep_no_tax(api, accounts, vendor, codes):
    created = purchase(
        api,
        "Bill",
        vendor,
        taxed(accounts["6000"], 100, "TAX"),
        TxnTaxDetail={"TotalTax": 8.25},
        GlobalTaxCalculation="TaxExcluded",
    )
    assert (created["TotalAmt"], "TxnTaxDetail" in created) == (100, False)
    assert created["Line"][0]["AccountBasedExpenseLineDetail"]["TaxCodeRef"] == {"value": "TAX"}
    unknown = api.post("/bill", {"VendorRef": {"value": vendor["Id"]}, "Line": [taxed(accounts["6000"], 1, "999")]})
    assert error_of(unknown)["code"] == "2500"


def test_seeded_non_us_codes_carry_purchase_rates(api, gb, codes, rates):
    standard = api.read("TaxCode", codes["Standard 15%"])
    assert [d["TaxRateRef"]["value"] for d in standard["SalesTaxRateList"]["TaxRateDetail"]] == [rates["Standard Rate"]]
    assert [d["TaxRateRef"]["value"] for d in standard["PurchaseTaxRateList"]["TaxRateDetail"]] == [
        rates["Standard Rate Purchases"]
    ]


def test_input_tax_comes_from_the_purchase_rates(api, gb, accounts, vendor, codes, rates):
    created = purchase(
        api,
        "Bill",
        vendor,
        taxed(accounts["6000"], 100, codes["Standard 15%"]),
        taxed(accounts["6000"], 40, codes["Reduced 5%"]),
        taxed(accounts["6000"], 10, codes["Exempt"]),
    )
    assert created["GlobalTaxCalculation"] == "TaxExcluded"
    assert per_rate(created) == {rates["Standard Rate Purchases"]: (15, 100), rates["Reduced Rate Purchases"]: (2, 40)}
    assert (created["TxnTaxDetail"]["TotalTax"], created["TotalAmt"], created["Balance"]) == (17, 167, 167)
    assert vendor_balance(api, vendor) == 167
    # The figures of a live vendor credit (intuit/quickbooks-online-mcp-server #101) at this company's 15 %.
    vc = purchase(api, "VendorCredit", vendor, taxed(accounts["6000"], 6698.22, codes["Standard 15%"]))
    assert (vc["TxnTaxDetail"]["TotalTax"], vc["TotalAmt"], vc["Balance"]) == (1004.73, 7702.95, 7702.95)
    assert vendor_balance(api, vendor) == -7535.95
    assert amounts(report(api, date_macro="This Fiscal Year"))[accounts["6000"]] == "-6548.22"  # net of tax


def test_tax_inclusive_lines_stay_net(api, gb, accounts, vendor, codes, rates):
    created = purchase(
        api,
        "Bill",
        vendor,
        taxed(accounts["6000"], 100, codes["Standard 15%"], TaxInclusiveAmt=115),
        GlobalTaxCalculation="TaxInclusive",
    )
    assert created["GlobalTaxCalculation"] == "TaxInclusive"
    assert created["Line"][0]["Amount"] == 100
    assert created["Line"][0]["AccountBasedExpenseLineDetail"]["TaxInclusiveAmt"] == 115
    assert (created["TxnTaxDetail"]["TotalTax"], created["TotalAmt"]) == (15, 115)
    gross = purchase(
        api, "Bill", vendor, taxed(accounts["6000"], 115, codes["Standard 15%"]), GlobalTaxCalculation="TaxInclusive"
    )
    assert gross["TotalAmt"] == 132.25  # the gross sent as Amount is taxed again


def test_a_supplied_tax_override_must_name_purchase_rates(api, gb, accounts, vendor, codes, rates):
    body = {"VendorRef": {"value": vendor["Id"]}, "Line": [taxed(accounts["6000"], 100.03, codes["Standard 15%"])]}
    sales_rate = api.post("/bill", {**body, "TxnTaxDetail": {"TaxLine": [tax_line(rates["Standard Rate"], 15)]}})
    error = error_of(sales_rate)
    assert (error["code"], error["element"]) == ("6000", "TxnTaxDetail.TaxLine.TaxLineDetail.TaxRateRef")
    purchase_rate = rates["Standard Rate Purchases"]
    kept = api.create("Bill", {**body, "TxnTaxDetail": {"TaxLine": [tax_line(purchase_rate, 15.01)]}})
    assert (kept["TxnTaxDetail"]["TotalTax"], kept["TotalAmt"]) == (15.01, 115.04)  # computed: 15.00
    changed = api.update(
        "Bill",
        {
            "Id": kept["Id"],
            "SyncToken": kept["SyncToken"],
            "sparse": True,
            "Line": [taxed(accounts["6000"], 200, codes["Standard 15%"])],
        },
    )
    assert changed["TxnTaxDetail"]["TotalTax"] == 15.01  # an override survives a sparse update
    recomputed = api.update(
        "Bill", {"Id": changed["Id"], "SyncToken": changed["SyncToken"], "sparse": True, "TxnTaxDetail": None}
    )
    assert (recomputed["TxnTaxDetail"]["TotalTax"], recomputed["TotalAmt"]) == (30, 230)
    total_only = api.create("Bill", {**body, "TxnTaxDetail": {"TotalTax": 14}})
    assert per_rate(total_only) == {rates["Standard Rate Purchases"]: (14, 100.03)}


def test_tax_codes_on_purchase_lines_outside_the_us(api, ctl, gb, accounts, vendor, codes, rates):
    body = {"VendorRef": {"value": vendor["Id"]}, "Line": [expense(accounts["6000"], 10)]}
    missing = error_of(api.post("/bill", body))
    assert (missing["code"], missing["Detail"]) == (
        "6000",
        "Business Validation Error: Make sure all your transactions have a VAT rate before you save.",
    )
    untaxed = api.create("Bill", {**body, "GlobalTaxCalculation": "NotApplicable"})
    assert (untaxed["TotalAmt"], untaxed["TxnTaxDetail"]) == (10, {"TotalTax": 0})
    sales_only = ctl.call(
        "POST",
        "entities/TaxCode",
        {
            "Name": "Sales only",
            "SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": rates["Standard Rate"]}}]},
        },
    )
    refused = api.post("/bill", {**body, "Line": [taxed(accounts["6000"], 10, sales_only["Id"])]})
    assert (error_of(refused)["code"], error_of(refused)["element"]) == (
        "6000",
        "Line.AccountBasedExpenseLineDetail.TaxCodeRef",
    )
    combined = ctl.call(
        "POST",
        "entities/TaxCode",
        {
            "Name": "Standard + Reduced",
            "SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": rates["Standard Rate"]}}]},
            "PurchaseTaxRateList": {
                "TaxRateDetail": [
                    {"TaxRateRef": {"value": rates["Standard Rate Purchases"]}},
                    {"TaxRateRef": {"value": rates["Reduced Rate Purchases"]}},
                ]
            },
        },
    )
    assert combined["TaxGroup"] is True
    created = purchase(api, "Bill", vendor, taxed(accounts["6000"], 100, combined["Id"]))
    assert per_rate(created) == {rates["Standard Rate Purchases"]: (15, 100), rates["Reduced Rate Purchases"]: (5, 100)}
    assert created["TotalAmt"] == 120
    bad = api.post("/bill", {**body, "GlobalTaxCalculation": "TaxIncluded"})
    assert error_of(bad)["element"] == "GlobalTaxCalculation"
