"""Sales tax as QBO keeps it: supplied tax overrides, US manual and automated sales tax, rounding."""

from __future__ import annotations

import pytest

from .conftest import error_of, line


@pytest.fixture
def tax_codes(api) -> dict[str, str]:
    return {row["Name"]: row["Id"] for row in api.query("select * from TaxCode")["TaxCode"]}


@pytest.fixture
def tax_rates(api) -> dict[str, str]:
    return {row["Name"]: row["Id"] for row in api.query("select * from TaxRate")["TaxRate"]}


def invoice(api, customer, lines, **fields):
    return api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": lines, **fields})


def per_rate(created) -> dict[str, float]:
    return {
        tax["TaxLineDetail"]["TaxRateRef"]["value"]: tax["Amount"] for tax in created["TxnTaxDetail"].get("TaxLine", [])
    }


def tax_line(rate_id: str, amount: float, **detail) -> dict:
    return {
        "Amount": amount,
        "DetailType": "TaxLineDetail",
        "TaxLineDetail": {"TaxRateRef": {"value": rate_id}, "PercentBased": True, **detail},
    }


def sparse(api, created, **fields):
    return api.update("Invoice", {"Id": created["Id"], "SyncToken": created["SyncToken"], "sparse": True, **fields})


# ----------------------------------------------------------------------------- overrides
def test_supplied_tax_lines_are_kept(api, ctl, customer, hours, tax_codes, tax_rates):
    ctl.settings(country="GB")
    standard = tax_rates["Standard Rate"]
    created = invoice(
        api,
        customer,
        [line(hours["Id"], 1, 100.03, tax=tax_codes["Standard 15%"])],
        TxnTaxDetail={"TotalTax": 99, "TaxLine": [tax_line(standard, 15.01, TaxPercent=15)]},
    )
    detail = created["TxnTaxDetail"]
    assert detail["TaxLine"][0]["Amount"] == 15.01  # computed would be 15.00 (100.03 x 15 % = 15.0045)
    assert detail["TaxLine"][0]["TaxLineDetail"]["NetAmountTaxable"] == 100.03  # not sent: the computed one
    assert detail["TotalTax"] == 15.01  # the sum of the tax lines, not the TotalTax sent
    assert created["TotalAmt"] == 115.04
    with_net = invoice(
        api,
        customer,
        [line(hours["Id"], 1, 100, tax=tax_codes["Standard 15%"])],
        TxnTaxDetail={"TaxLine": [tax_line(standard, 14.99, NetAmountTaxable=99.95)]},
    )
    assert with_net["TxnTaxDetail"]["TaxLine"][0]["TaxLineDetail"]["NetAmountTaxable"] == 99.95


def test_rates_the_override_omits_are_computed(api, customer, hours, tax_rates):
    state, city = tax_rates["State Sales Tax"], tax_rates["City Sales Tax"]
    created = invoice(
        api, customer, [line(hours["Id"], 1, 100, tax="TAX")], TxnTaxDetail={"TaxLine": [tax_line(state, 6.30)]}
    )
    assert per_rate(created) == {state: 6.30, city: 2.00}
    assert created["TxnTaxDetail"]["TotalTax"] == 8.30
    assert created["TotalAmt"] == 108.30


def test_a_tax_line_for_a_rate_the_document_does_not_use_is_refused(api, customer, hours, tax_rates):
    body = {
        "CustomerRef": {"value": customer["Id"]},
        "Line": [line(hours["Id"], 1, 100, tax="TAX")],
        "TxnTaxDetail": {"TaxLine": [tax_line(tax_rates["Standard Rate"], 15)]},
    }
    error = error_of(api.post("/invoice", body))
    assert error["code"] == "6000"
    assert error["element"] == "TxnTaxDetail.TaxLine.TaxLineDetail.TaxRateRef"
    unknown = {**body, "TxnTaxDetail": {"TaxLine": [tax_line("999", 1)]}}
    assert error_of(api.post("/invoice", unknown))["code"] == "2500"


def test_a_total_tax_alone_is_prorated_over_the_rates(api, customer, hours, tax_rates):
    state, city = tax_rates["State Sales Tax"], tax_rates["City Sales Tax"]
    created = invoice(api, customer, [line(hours["Id"], 1, 100, tax="TAX")], TxnTaxDetail={"TotalTax": 8.30})
    # In proportion to the computed 6.25 and 2.00: 8.30 x 6.25 / 8.25 = 6.2878... -> 6.29, the rest on the last.
    assert per_rate(created) == {state: 6.29, city: 2.01}
    assert created["TxnTaxDetail"]["TotalTax"] == 8.30 and created["TotalAmt"] == 108.30
    # Nothing taxable computed: in proportion to the rates (6.25 and 2).
    untaxed = invoice(api, customer, [line(hours["Id"], 1, 100, tax="NON")], TxnTaxDetail={"TotalTax": 1})
    assert per_rate(untaxed) == {state: 0.76, city: 0.24}
    assert untaxed["TotalAmt"] == 101


def test_a_tax_code_alone_or_a_zero_total_tax_is_not_an_override(api, customer, hours, tax_codes):
    standard = {"value": tax_codes["Standard 15%"]}
    # python-quickbooks serialises TxnTaxDetail() with TotalTax 0 and an empty TaxLine list.
    for sent in ({"TxnTaxCodeRef": standard}, {"TxnTaxCodeRef": standard, "TotalTax": 0, "TaxLine": []}):
        created = invoice(api, customer, [line(hours["Id"], 1, 100, tax="TAX")], TxnTaxDetail=sent)
        assert created["TxnTaxDetail"]["TotalTax"] == 15
        again = sparse(api, created, Line=[line(hours["Id"], 2, 100, tax="TAX")])
        assert again["TxnTaxDetail"]["TotalTax"] == 30  # computed: recomputed from the new lines


def test_an_override_survives_a_sparse_update_that_does_not_send_it(api, customer, hours, tax_rates):
    state, city = tax_rates["State Sales Tax"], tax_rates["City Sales Tax"]
    created = invoice(
        api,
        customer,
        [line(hours["Id"], 1, 100, tax="TAX")],
        TxnTaxDetail={"TaxLine": [tax_line(state, 7), tax_line(city, 1)]},
    )
    assert created["TxnTaxDetail"]["TotalTax"] == 8
    changed = sparse(api, created, Line=[line(hours["Id"], 2, 100, tax="TAX")])
    assert per_rate(changed) == {state: 7, city: 1}
    assert changed["TotalAmt"] == 208
    memo = sparse(api, changed, PrivateNote="tax kept")
    assert memo["TxnTaxDetail"]["TotalTax"] == 8
    assert "_tax_override" not in memo


@pytest.mark.parametrize("reset", [None, {}])
def test_sending_an_empty_tax_detail_recomputes(api, customer, hours, tax_rates, reset):
    state, city = tax_rates["State Sales Tax"], tax_rates["City Sales Tax"]
    created = invoice(
        api,
        customer,
        [line(hours["Id"], 1, 100, tax="TAX")],
        TxnTaxDetail={"TaxLine": [tax_line(state, 7), tax_line(city, 1)]},
    )
    recomputed = sparse(api, created, TxnTaxDetail=reset)
    assert per_rate(recomputed) == {state: 6.25, city: 2}
    after = sparse(api, recomputed, Line=[line(hours["Id"], 2, 100, tax="TAX")])
    assert after["TxnTaxDetail"]["TotalTax"] == 16.50  # no longer an override


def test_a_computed_detail_is_recomputed_on_a_sparse_line_change(api, customer, hours, tax_codes):
    code = tax_codes["Standard 15%"]
    created = invoice(
        api, customer, [line(hours["Id"], 1, 100, tax="TAX")], TxnTaxDetail={"TxnTaxCodeRef": {"value": code}}
    )
    assert created["TxnTaxDetail"]["TotalTax"] == 15
    changed = sparse(api, created, Line=[line(hours["Id"], 1, 40, tax="TAX"), line(hours["Id"], 1, 60)])
    assert changed["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == code  # the document's code stays
    assert changed["TxnTaxDetail"]["TotalTax"] == 6
    assert changed["TotalAmt"] == 106


def test_a_full_update_sending_back_the_stored_detail_keeps_it(api, customer, hours):
    """The QuickBooks-V3-PHP-SDK #422 case: the SDK sends the stored taxes back with new lines."""
    created = invoice(api, customer, [line(hours["Id"], 1, 100, tax="TAX")])
    body = {key: value for key, value in created.items() if key not in ("MetaData", "TotalAmt", "Balance")}
    body["Line"] = [line(hours["Id"], 2, 100, tax="TAX")]
    updated = api.update("Invoice", body)
    assert updated["TxnTaxDetail"]["TotalTax"] == 8.25
    assert updated["TotalAmt"] == 208.25


# ----------------------------------------------------------------------------- US manual sales tax
def test_us_manual_sales_tax(api, customer, hours, tax_codes):
    prefs = api.read("Preferences", "1")["TaxPrefs"]
    assert prefs["UsingSalesTax"] is True and "PartnerTaxEnabled" not in prefs
    created = invoice(
        api,
        customer,
        [line(hours["Id"], 1, 100, tax="TAX"), line(hours["Id"], 1, 50, tax="NON")],
        TxnTaxDetail={"TxnTaxCodeRef": {"value": tax_codes["Reduced 5%"]}},
    )
    assert created["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == tax_codes["Reduced 5%"]
    assert created["TxnTaxDetail"]["TotalTax"] == 5 and created["TotalAmt"] == 155
    default = invoice(api, customer, [line(hours["Id"], 1, 100, tax="TAX")], ShipAddr={"CountrySubDivisionCode": "TX"})
    assert default["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == tax_codes["Sales Tax 8.25%"]  # the address is unused
    nothing = invoice(api, customer, [line(hours["Id"], 1, 100, tax="NON")])
    assert nothing["TxnTaxDetail"]["TotalTax"] == 0 and "TaxLine" not in nothing["TxnTaxDetail"]


def test_tax_is_rounded_half_up_per_rate_on_the_summed_amount(api, customer, hours, tax_rates):
    state, city = tax_rates["State Sales Tax"], tax_rates["City Sales Tax"]
    lines = [line(hours["Id"], 1, 0.28, tax="TAX") for _ in range(3)]
    created = invoice(api, customer, lines)
    # 0.84 x 6.25 % = 0.0525 -> 0.05; 0.84 x 2 % = 0.0168 -> 0.02.  Per line: 3 x 0.02 and 3 x 0.01.
    assert per_rate(created) == {state: 0.05, city: 0.02}
    assert created["TxnTaxDetail"]["TotalTax"] == 0.07
    tie = invoice(api, customer, [line(hours["Id"], 1, 0.4, tax="TAX")])  # 0.4 x 6.25 % = 0.025 exactly
    assert per_rate(tie)[state] == 0.03


# ----------------------------------------------------------------------------- automated sales tax
@pytest.fixture
def ast(ctl) -> None:
    ctl.settings(automated_sales_tax=True)


def test_automated_sales_tax_setting_shows_in_preferences(api, ctl):
    assert ctl.settings(automated_sales_tax=True)["automated_sales_tax"] is True
    assert api.read("Preferences", "1")["TaxPrefs"]["PartnerTaxEnabled"] is True
    assert api.read("CompanyInfo", "9130354000000001")["CompanyAddr"]["CountrySubDivisionCode"] == "CA"
    ctl.settings(automated_sales_tax=False)
    assert "PartnerTaxEnabled" not in api.read("Preferences", "1")["TaxPrefs"]


def test_ast_uses_the_transaction_ship_address(api, ast, customer, hours, tax_codes, tax_rates):
    created = invoice(
        api,
        customer,
        [line(hours["Id"], 1, 100, tax="TAX")],
        ShipAddr={"City": "Austin", "CountrySubDivisionCode": "TX", "PostalCode": "73301"},
    )
    assert created["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == tax_codes["TX Sales Tax 7.75%"]
    assert per_rate(created) == {tax_rates["TX State Sales Tax"]: 6.5, tax_rates["TX Local Sales Tax"]: 1.25}
    assert created["TotalAmt"] == 107.75
    elsewhere = invoice(
        api, customer, [line(hours["Id"], 1, 100, tax="TAX")], ShipAddr={"CountrySubDivisionCode": "WA"}
    )
    assert elsewhere["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == tax_codes["Other States Sales Tax 7%"]


def test_ast_falls_back_to_the_customer_ship_address(api, ast, hours, tax_codes):
    buyer = api.create(
        "Customer", {"DisplayName": "Big Apple Inc", "ShipAddr": {"City": "New York", "CountrySubDivisionCode": "NY"}}
    )
    created = invoice(api, buyer, [line(hours["Id"], 1, 200, tax="TAX")])
    assert created["ShipAddr"]["CountrySubDivisionCode"] == "NY"  # the customer's default ship-to address
    assert created["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == tax_codes["NY Sales Tax 8.875%"]
    assert created["TxnTaxDetail"]["TotalTax"] == 17.75  # 8.00 + 9.75


def test_ast_falls_back_to_the_company_address(api, ast, customer, hours, tax_codes):
    created = invoice(api, customer, [line(hours["Id"], 1, 100, tax="TAX")])
    assert "ShipAddr" not in created
    assert created["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == tax_codes["Sales Tax 8.25%"]  # the company is in CA
    assert created["TotalAmt"] == 108.25


def test_ast_ignores_the_tax_code_sent(api, ast, customer, hours, tax_codes):
    created = invoice(
        api,
        customer,
        [line(hours["Id"], 1, 100, tax="TAX")],
        ShipAddr={"CountrySubDivisionCode": "TX"},
        TxnTaxDetail={"TxnTaxCodeRef": {"value": tax_codes["Standard 15%"]}},
    )
    assert created["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == tax_codes["TX Sales Tax 7.75%"]
    assert created["TxnTaxDetail"]["TotalTax"] == 7.75


def test_ast_prorates_an_explicit_tax_over_its_own_code(api, ast, customer, hours, tax_codes, tax_rates):
    state, local = tax_rates["TX State Sales Tax"], tax_rates["TX Local Sales Tax"]
    texas = {"CountrySubDivisionCode": "TX"}
    created = invoice(
        api,
        customer,
        [line(hours["Id"], 1, 100, tax="TAX")],
        ShipAddr=texas,
        TxnTaxDetail={"TxnTaxCodeRef": {"value": tax_codes["Standard 15%"]}, "TotalTax": 10},
    )
    # 10 x 6.5 / 7.75 = 8.387... -> 8.39, the rest (1.61) on the last rate.
    assert per_rate(created) == {state: 8.39, local: 1.61}
    assert created["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == tax_codes["TX Sales Tax 7.75%"]
    assert created["TotalAmt"] == 110
    # Tax lines are summed whatever rates they name, then prorated the same way.
    summed = invoice(
        api,
        customer,
        [line(hours["Id"], 1, 100, tax="TAX")],
        ShipAddr=texas,
        TxnTaxDetail={"TaxLine": [tax_line(tax_rates["Standard Rate"], 6), tax_line(local, 4)]},
    )
    assert per_rate(summed) == {state: 8.39, local: 1.61}
    kept = sparse(api, summed, Line=[line(hours["Id"], 3, 100, tax="TAX")])
    assert kept["TxnTaxDetail"]["TotalTax"] == 10  # still an override


def test_ast_never_taxes_non_lines(api, ast, customer, hours):
    created = invoice(
        api,
        customer,
        [line(hours["Id"], 1, 100, tax="NON"), line(hours["Id"], 1, 40, tax="TAX")],
        ShipAddr={"CountrySubDivisionCode": "TX"},
    )
    assert created["TxnTaxDetail"]["TotalTax"] == 3.10  # 7.75 % of the 40 only
    untaxed = invoice(api, customer, [line(hours["Id"], 1, 100, tax="NON")])
    assert untaxed["TxnTaxDetail"]["TotalTax"] == 0 and untaxed["TotalAmt"] == 100


def test_ast_is_for_us_companies_only(api, ctl, customer, hours, tax_codes):
    ctl.settings(country="GB", automated_sales_tax=True)
    assert "PartnerTaxEnabled" not in api.read("Preferences", "1")["TaxPrefs"]
    created = invoice(
        api,
        customer,
        [line(hours["Id"], 1, 100, tax=tax_codes["Standard 15%"])],
        ShipAddr={"CountrySubDivisionCode": "TX"},
    )
    assert created["TxnTaxDetail"]["TotalTax"] == 15
