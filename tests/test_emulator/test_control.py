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
    token = Control(emulator.url, emulator.control_token).tokens()["access_token"]
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


# --- the control API's own guard (a demo facility, not QuickBooks behaviour)
def test_the_control_api_needs_its_token(emulator, ctl, customer):
    anonymous = session()
    for method, path in (("GET", "entities/Customer"), ("POST", "reset"), ("POST", "tokens"), ("GET", "requests")):
        response = anonymous.request(method, f"{emulator.url}/_emulator/{path}", json={}, timeout=10)
        assert response.status_code == 401, (method, path)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = session()
    wrong.headers["Authorization"] = "Bearer not-the-token"
    assert wrong.post(f"{emulator.url}/_emulator/reset", json={}, timeout=10).status_code == 401
    assert [c["Id"] for c in ctl.entities("Customer")] == [customer["Id"]]  # nothing was reset
    # Liveness only, without the token: no settings, no realm.
    assert anonymous.get(f"{emulator.url}/_emulator/health", timeout=10).json() == {"ok": True}


def test_the_control_api_takes_json_only(emulator, ctl, customer):
    """A web page can POST text/plain anywhere without asking first: such a body is refused."""
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": content_type} if content_type else {}
        response = ctl.http.post(f"{emulator.url}/_emulator/reset", data=b"{}", headers=headers, timeout=10)
        assert response.status_code == 415, content_type
    assert [c["Id"] for c in ctl.entities("Customer")] == [customer["Id"]]


def test_webhooks_are_sent_to_http_receivers_only(ctl):
    for url in ("file:///etc/passwd", "ftp://127.0.0.1/x", "http://user:secret@127.0.0.1:9/hook", "gopher://x"):
        assert "http://" in ctl.call("POST", "webhooks", {"url": url}, expect=400)["error"], url
    assert ctl.webhooks(url="http://127.0.0.1:9/hook")["url"] == "http://127.0.0.1:9/hook"
    assert ctl.webhooks(url=None)["url"] is None


def test_the_control_token_is_generated_once_and_kept(tmp_path):
    path = tmp_path / "control-token"
    with EmulatorServer(port=0, control_token_file=str(path)) as first:
        token = first.control_token
        assert len(token) >= 32 and path.read_text().strip() == token
        assert Control(first.url, token).call("GET", "health")["ok"] is True
    with EmulatorServer(port=0, control_token_file=str(path)) as second:
        assert second.control_token == token  # the same after a restart
    with EmulatorServer(port=0, control_token="given-token", control_token_file=str(path)) as third:
        assert third.control_token == "given-token"
    with EmulatorServer(port=0) as other, EmulatorServer(port=0) as another:
        assert other.control_token != another.control_token  # without a file: a new one each start
