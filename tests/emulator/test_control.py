"""The test-control API: clock, reset, entity listings, bookkeeper changes, settings, other entities."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from tests.qbo_emulator import EmulatorServer

from .conftest import REALM, Api, Control, error_of, line, session


def test_clock_can_be_set_and_drives_metadata(emulator, ctl):
    ctl.call("POST", "clock", {"now": "2027-03-01T12:00:00Z"})
    api = Api(emulator.url, ctl.tokens()["access_token"])  # tokens issued before would have expired
    created = api.create("Customer", {"DisplayName": "Time Traveller"})
    stamp = datetime.fromisoformat(created["MetaData"]["CreateTime"])
    assert abs((stamp - datetime(2027, 3, 1, 12, tzinfo=timezone.utc)).total_seconds()) < 60
    assert stamp.utcoffset().total_seconds() == -7 * 3600  # QBO's Pacific offset
    assert datetime.fromisoformat(ctl.call("GET", "clock")["now"]).year == 2027


def test_reset_wipes_data_and_optionally_keeps_tokens(emulator, api, ctl, customer):
    ctl.reset(keep_tokens=True)
    assert ctl.entities("Customer") == []
    assert api.get(f"/companyinfo/{REALM}").status_code == 200  # same token still valid
    ctl.reset()
    assert api.get(f"/companyinfo/{REALM}").status_code == 401


def test_entity_listing_includes_inactive_and_deleted(api, ctl, customer, hours):
    invoice = api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 9)]})
    api.post("/invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="delete")
    assert ctl.entities("Invoice") == [
        {"Id": invoice["Id"], "status": "Deleted", "domain": "QBO", "MetaData": ctl.entities("Invoice")[0]["MetaData"]}
    ]
    names = {item["Name"]: item["Active"] for item in ctl.entities("Item")}
    assert names["Discontinued Product"] is False and names["Hours"] is True


def test_bookkeeper_changes_need_no_synctoken(api, ctl, customer):
    ctl.call("POST", f"entities/customer/{customer['Id']}", {"Notes": "from the UI"})
    stale = api.post("/customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "from Odoo"})
    assert error_of(stale)["code"] == "5010"  # the connector now holds an old SyncToken
    created = ctl.call(
        "POST",
        "entities/invoice",
        {"CustomerRef": {"value": customer["Id"]}, "Line": [line(api.find("Item", "Hours")["Id"], 1, 20)]},
    )
    ctl.call("DELETE", f"entities/invoice/{created['Id']}")
    assert error_of(api.get(f"/invoice/{created['Id']}"))["code"] == "610"
    assert ctl.call("POST", "entities/taxcode", {"Name": "x"}, expect=400)["error"]


def test_settings_validate_their_keys(ctl):
    assert "unknown settings" in ctl.call("POST", "settings", {"colour": "red"}, expect=400)["error"]
    assert ctl.settings(warn_duplicate_docnum=False)["warn_duplicate_docnum"] is False


def test_new_home_currency_reseeds_the_company(api, ctl, customer):
    ctl.settings(home_currency="GBP")
    assert ctl.entities("Customer") == []
    prefs = api.get("/preferences").json()["Preferences"]
    assert prefs["CurrencyPrefs"]["HomeCurrency"] == {"value": "GBP"}
    assert api.create("Customer", {"DisplayName": "Dollar Inc", "CurrencyRef": {"value": "USD"}})


def test_estimates_and_sales_receipts(api, customer, hours):
    estimate = api.create("Estimate", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 2, 10)]})
    assert (estimate["TotalAmt"], estimate["TxnStatus"]) == (20, "Pending")
    assert "Balance" not in estimate
    receipt = api.create("SalesReceipt", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 15)]})
    assert (receipt["TotalAmt"], receipt["Balance"]) == (15, 0)
    voided = api.update(
        "SalesReceipt", {"Id": receipt["Id"], "SyncToken": "0", "sparse": True}, operation="update", include="void"
    )
    assert (voided["TotalAmt"], voided["PrivateNote"]) == (0, "Voided")


def test_redirect_uris_can_be_restricted():
    with EmulatorServer(port=0, redirect_uri_allow="http://127.0.0.1:8069/cb") as server:
        base = {
            "client_id": "emulator-client-id",
            "response_type": "code",
            "state": "s",
            "scope": "com.intuit.quickbooks.accounting",
        }
        http = session()
        allowed = http.get(
            f"{server.url}/connect/oauth2",
            params={**base, "redirect_uri": "http://127.0.0.1:8069/cb"},
            allow_redirects=False,
            timeout=10,
        )
        assert allowed.status_code == 302
        assert parse_qs(urlsplit(allowed.headers["Location"]).query)["realmId"] == ["9130354000000001"]
        other = http.get(
            f"{server.url}/connect/oauth2",
            params={**base, "redirect_uri": "http://evil.test/cb"},
            allow_redirects=False,
            timeout=10,
        )
        assert other.status_code == 400


def test_health_and_other_realms(emulator, ctl):
    health = ctl.call("GET", "health")
    assert health["ok"] is True and health["realmId"] == REALM
    token = Control(emulator.url).tokens()["access_token"]
    response = Api(emulator.url, token, realm="123").get("/companyinfo/123")
    assert response.status_code == 403
    assert error_of(response)["type"] == "AuthorizationFault"


def test_a_combined_tax_code_is_set_up_from_existing_rates(api, ctl):
    rates = {rate["Name"]: rate["Id"] for rate in api.query("select * from TaxRate")["TaxRate"]}
    created = ctl.call(
        "POST",
        "entities/TaxCode",
        {
            "Name": "Standard + Reduced",
            "SalesTaxRateList": {
                "TaxRateDetail": [
                    {"TaxRateRef": {"value": rates["Standard Rate"]}},
                    {"TaxRateRef": {"value": rates["Reduced Rate"]}},
                ]
            },
        },
    )
    assert created["TaxGroup"] is True
    code = api.read("TaxCode", created["Id"])
    assert [d["TaxRateRef"]["value"] for d in code["SalesTaxRateList"]["TaxRateDetail"]] == [
        rates["Standard Rate"],
        rates["Reduced Rate"],
    ]
