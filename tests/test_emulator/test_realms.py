"""Several companies (realms) from one emulator: isolation, the company selector, tokens bound to their
realm, webhook deliveries carrying several realms, and the control API addressing a realm."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.qbo_emulator import EmulatorServer

from .conftest import CLIENT_ID, REALM, REDIRECT_URI, Api, Control, basic, error_of, line, session
from .test_oauth import authorize, token_call
from .test_webhooks import VERIFIER, Receiver, signature_ok

UK = "9130354000000002"
FR = "4620816365000000077"


class RealmControl(Control):
    """The control API addressed to one realm: ``/_emulator/realms/{realmId}/...``."""

    def __init__(self, url: str, token: str, realm: str) -> None:
        super().__init__(url, token)
        self.realm = realm

    def call(self, method: str, path: str, payload: Any = None, expect: int = 200) -> Any:
        if payload is None and method == "POST":
            payload = {}  # a POST is JSON, even an empty one
        response = self.http.request(
            method, f"{self.url}/_emulator/realms/{self.realm}/{path}", json=payload, timeout=15
        )
        assert response.status_code == expect, response.text
        return response.json()


@pytest.fixture
def realms(emulator: EmulatorServer, ctl: Control) -> dict[str, Any]:
    """The start-up US realm plus a UK one and a French (EUR) one, each with a token."""
    uk = ctl.call("POST", "realms", {"preset": "uk"})
    fr = ctl.call("POST", "realms", {"realmId": FR, "preset": "fr", "company_name": "Filiale SAS"})
    assert uk["realmId"] == UK  # the next Id after the start-up realm's
    assert fr["realmId"] == FR
    apis = {
        realm: Api(
            emulator.url,
            RealmControl(emulator.url, emulator.control_token, realm).tokens()["access_token"],
            realm=realm,
        )
        for realm in (REALM, UK, FR)
    }
    return {
        "api": apis,
        "ctl": {realm: RealmControl(emulator.url, emulator.control_token, realm) for realm in (REALM, UK, FR)},
    }


def test_realms_are_companies_of_their_own(emulator, ctl, realms):
    listed = {realm["realmId"]: realm for realm in ctl.call("GET", "realms")}
    assert list(listed) == [REALM, UK, FR]
    assert listed[REALM]["default"] is True and listed[UK]["default"] is False
    assert ctl.call("GET", "health")["realms"] == [REALM, UK, FR]
    expected = {
        REALM: ("US", "USD", "Emulated Company Inc."),
        UK: ("GB", "GBP", "Emulated UK Company Ltd"),
        FR: ("FR", "EUR", "Filiale SAS"),
    }
    for realm, (country, currency, name) in expected.items():
        api = realms["api"][realm]
        info = api.get(f"/companyinfo/{realm}").json()["CompanyInfo"]
        assert (info["Country"], info["CompanyName"]) == (country, name)
        prefs = api.get("/preferences").json()["Preferences"]
        assert prefs["CurrencyPrefs"]["HomeCurrency"]["value"] == currency
        accounts = api.query("select * from Account")["Account"]
        assert {account["CurrencyRef"]["value"] for account in accounts} == {currency}
        assert realms["ctl"][realm].call("GET", "settings")["home_currency"] == currency
    # A chart of accounts, tax codes and settings per company: a change in one stays there.
    uk_api = realms["api"][UK]
    checking = uk_api.find("Account", "Checking")
    uk_api.update(
        "Account",
        {"Id": checking["Id"], "SyncToken": checking["SyncToken"], "sparse": True, "Name": "Barclays Current"},
    )
    assert realms["api"][REALM].find("Account", "Checking")["Id"] == checking["Id"]
    realms["ctl"][UK].settings(company_name="Renamed Ltd")
    assert ctl.call("GET", "settings")["company_name"] == "Emulated Company Inc."
    assert realms["ctl"][FR].call("GET", "")["settings"]["company_name"] == "Filiale SAS"


def test_data_and_synctokens_are_per_realm(realms):
    us, uk = realms["api"][REALM], realms["api"][UK]
    a = us.create("Customer", {"DisplayName": "Same Name Ltd"})
    b = uk.create("Customer", {"DisplayName": "Same Name Ltd"})  # no duplicate across companies
    assert a["Id"] == b["Id"]  # each company numbers its own lists
    for token in ("0", "1"):
        a = us.update("Customer", {"Id": a["Id"], "SyncToken": token, "sparse": True, "Notes": f"v{token}"})
    assert a["SyncToken"] == "2"
    assert uk.read("Customer", b["Id"])["SyncToken"] == "0"
    stale = uk.post("/customer", {"Id": b["Id"], "SyncToken": "2", "sparse": True, "Notes": "x"})
    assert error_of(stale)["code"] == "5010"  # realm A's SyncToken means nothing in realm B
    hours = us.find("Item", "Hours")
    invoice = us.create("Invoice", {"CustomerRef": {"value": a["Id"]}, "Line": [line(hours["Id"], 2, 50)]})
    assert invoice["TotalAmt"] == 100
    assert uk.query("select * from Invoice").get("Invoice", []) == []
    assert [c["Notes"] for c in realms["ctl"][REALM].entities("Customer")] == ["v1"]
    assert realms["ctl"][UK].entities("Customer")[0].get("Notes") is None
    # The same requestid in two companies is two requests (replays are per realm).
    first = us.post("/customer", {"DisplayName": "Replay Co"}, requestid="same-id-1").json()["Customer"]
    second = uk.post("/customer", {"DisplayName": "Replay Co"}, requestid="same-id-1").json()["Customer"]
    assert realms["ctl"][UK].entities("Customer")[-1]["Id"] == second["Id"]
    assert us.post("/customer", {"DisplayName": "Replay Co"}, requestid="same-id-1").json()["Customer"] == first
    # Change data capture sees its own company only.
    since = a["MetaData"]["CreateTime"]
    rows = uk.get("/cdc", entities="Invoice", changedSince=since).json()["CDCResponse"][0]["QueryResponse"]
    assert rows == [{}]


def test_rate_limits_are_per_realm(realms):
    us_ctl, uk_ctl = realms["ctl"][REALM], realms["ctl"][UK]
    for control in (us_ctl, uk_ctl):
        control.rate_limits(per_minute=3)
    us, uk = realms["api"][REALM], realms["api"][UK]
    assert [us.get(f"/companyinfo/{REALM}").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert [uk.get(f"/companyinfo/{UK}").status_code for _ in range(3)] == [200, 200, 200]  # its own budget
    stats = us_ctl.rate_limits()
    assert stats["per_minute"] == 3 and stats["throttled"] == 1
    assert stats["realms"][REALM]["requests_in_window"] == 3 and stats["realms"][REALM]["throttled"] == 1
    assert stats["realms"][UK]["requests_in_window"] == 3 and stats["realms"][UK]["throttled"] == 0
    assert stats["realms"][FR]["per_minute"] == 500  # settings are per realm too
    realms["ctl"][REALM].call("POST", "faults", {"kind": "status", "status": 503, "path": "/companyinfo"})
    assert realms["api"][FR].get(f"/companyinfo/{FR}").status_code == 200  # faults too
    assert realms["ctl"][FR].call("GET", "faults") == []


def test_control_calls_address_a_realm(emulator, ctl, realms):
    us, uk = realms["api"][REALM], realms["api"][UK]
    us.create("Customer", {"DisplayName": "Stays"})
    uk.create("Customer", {"DisplayName": "Goes"})
    log = realms["ctl"][UK].requests_log()
    assert log and {entry["realmId"] for entry in log} == {UK}
    assert {entry["realmId"] for entry in ctl.requests_log()} >= {REALM, UK}
    created = realms["ctl"][UK].call("POST", "entities/customer", {"DisplayName": "From the UI"})
    assert uk.read("Customer", created["Id"])["DisplayName"] == "From the UI"
    realms["ctl"][UK].reset()  # one company back to its seed: tokens, data, log
    assert realms["ctl"][UK].entities("Customer") == []
    assert uk.get(f"/companyinfo/{UK}").status_code == 401
    assert [c["DisplayName"] for c in ctl.entities("Customer")] == ["Stays"]
    assert us.get(f"/companyinfo/{REALM}").status_code == 200
    clock = realms["ctl"][UK].call("GET", "clock")
    assert "company_time" in clock
    assert "one for every company" in realms["ctl"][UK].call("POST", "clock", {"advance": 60}, expect=400)["error"]
    assert ctl.call("GET", "realms/999/health", expect=404)["error"] == "no realm 999"
    assert "cannot be removed" in ctl.call("DELETE", f"realms/{REALM}", expect=400)["error"]
    ctl.call("DELETE", f"realms/{FR}")
    assert [realm["realmId"] for realm in ctl.call("GET", "realms")] == [REALM, UK]
    ctl.reset()  # the whole emulator: back to the start-up realm only
    assert [realm["realmId"] for realm in ctl.call("GET", "realms")] == [REALM]
    assert "unknown realm settings" in ctl.call("POST", "realms", {"colour": "red"}, expect=400)["error"]
    assert "unknown preset" in ctl.call("POST", "realms", {"preset": "mars"}, expect=400)["error"]
    assert "exists already" in ctl.call("POST", "realms", {"realmId": REALM}, expect=400)["error"]


# ----------------------------------------------------------------------------- OAuth and tokens
def _exchange(url: str, code: str) -> dict[str, Any]:
    response = token_call(url, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI})
    assert response.status_code == 200, response.text
    return response.json()


def _redirect(response) -> dict[str, list[str]]:
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["Location"]).query)


def test_the_user_picks_the_company_on_the_authorize_page(emulator, ctl, realms):
    page = authorize(emulator.url, state="pick-1")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    offered = re.findall(r'data-realm-id="([^"]+)"', page.text)
    assert offered == [REALM, UK, FR]
    assert "Emulated UK Company Ltd (GB, GBP)" in page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    picked = session().post(emulator.url + action, data={**fields, "company": UK}, allow_redirects=False, timeout=10)
    params = _redirect(picked)
    assert params["realmId"] == [UK] and params["state"] == ["pick-1"]
    tokens = _exchange(emulator.url, params["code"][0])
    assert Api(emulator.url, tokens["access_token"], realm=UK).get(f"/companyinfo/{UK}").status_code == 200
    # A refreshed token stays with its company.
    refreshed = token_call(emulator.url, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert Api(emulator.url, refreshed.json()["access_token"], realm=UK).get(f"/companyinfo/{UK}").status_code == 200
    # The page's choice can also be a plain link (GET), and an unknown company is refused.
    fields["company"] = "1"
    assert session().get(emulator.url + action, params=fields, allow_redirects=False, timeout=10).status_code == 400


def test_the_control_api_preselects_the_next_company(emulator, ctl, realms):
    ctl.call("POST", "oauth/company", {"realmId": FR})
    assert ctl.call("GET", "oauth/company") == {"realmId": FR, "sticky": False}
    assert _redirect(authorize(emulator.url))["realmId"] == [FR]
    assert authorize(emulator.url).status_code == 200  # used up: the selector again
    realms["ctl"][UK].call("POST", "oauth/company", {"sticky": True})  # addressed form
    assert [_redirect(authorize(emulator.url))["realmId"] for _ in range(2)] == [[UK], [UK]]
    ctl.call("DELETE", "oauth/company")
    assert authorize(emulator.url).status_code == 200
    assert ctl.call("POST", "oauth/company", {"realmId": "404"}, expect=404)["error"] == "no realm 404"
    realms["ctl"][UK].settings(oauth_deny=True)  # the user declines for that company only
    realms["ctl"][UK].call("POST", "oauth/company", {})
    assert _redirect(authorize(emulator.url))["error"] == ["access_denied"]
    ctl.call("POST", "oauth/company", {"realmId": REALM})
    assert "code" in _redirect(authorize(emulator.url))


def test_one_company_is_approved_at_once(emulator, ctl):
    params = _redirect(authorize(emulator.url, client_id=CLIENT_ID))
    assert params["realmId"] == [REALM]  # no selector with a single company, as Intuit


def test_a_token_is_refused_on_another_realm(emulator, ctl, realms):
    us_token = realms["api"][REALM].token
    response = Api(emulator.url, us_token, realm=UK).get(f"/companyinfo/{UK}")
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314 - the emulator's own answer, on loopback
    fault = root.find("{http://schema.intuit.com/finance/v3}Fault")
    assert fault.get("type") == "AuthenticationFault"
    error = fault.find("{http://schema.intuit.com/finance/v3}Error")
    assert error.get("code") == "100"
    assert error.findtext("{http://schema.intuit.com/finance/v3}Message") == "General Authentication Error"
    write = Api(emulator.url, us_token, realm=UK).post("/customer", {"DisplayName": "Wrong Books"})
    assert write.status_code == 401
    assert realms["ctl"][UK].entities("Customer") == []  # nothing written in the other company
    assert realms["ctl"][UK].rate_limits()["served"] == 0
    entry = realms["ctl"][UK].requests_log()[-1]
    assert entry["status"] == 401 and entry["wrong_realm"] == REALM
    # A company this emulator does not serve at all: 403, as before.
    unknown = Api(emulator.url, us_token, realm="123").get("/companyinfo/123")
    assert unknown.status_code == 403 and error_of(unknown)["type"] == "AuthorizationFault"
    # Revoking one company's grant leaves the others connected.
    revoke = session().post(
        f"{emulator.url}/v2/oauth2/tokens/revoke",
        json={"token": us_token},
        headers={"Authorization": basic()},
        timeout=10,
    )
    assert revoke.status_code == 200
    assert realms["api"][REALM].get(f"/companyinfo/{REALM}").status_code == 401
    assert realms["api"][UK].get(f"/companyinfo/{UK}").status_code == 200


# ----------------------------------------------------------------------------- webhooks
@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.mark.parametrize("fmt", ["classic", "cloudevents"])
def test_one_delivery_carries_events_of_several_realms(ctl, realms, receiver, fmt):
    ctl.webhooks(url=receiver.url, verifier_token=VERIFIER, retry_schedule=[30], batch_window=60, format=fmt)
    us, uk, fr = (realms["api"][realm] for realm in (REALM, UK, FR))
    made = {
        REALM: us.create("Customer", {"DisplayName": "US One"})["Id"],
        UK: uk.create("Customer", {"DisplayName": "UK One"})["Id"],
    }
    vendor = uk.create("Vendor", {"DisplayName": "UK Supplier"})["Id"]
    made[FR] = fr.create("Customer", {"DisplayName": "FR Un"})["Id"]
    deliveries = ctl.flush()
    assert len(deliveries) == 1 and deliveries[0]["state"] == "delivered"
    headers, body = receiver.calls[-1]
    assert signature_ok(headers, body)
    payload = json.loads(body)
    if fmt == "classic":
        notes = payload["eventNotifications"]
        assert [note["realmId"] for note in notes] == [REALM, UK, FR]  # one entry per realm
        by_realm = {note["realmId"]: note["dataChangeEvent"]["entities"] for note in notes}
        assert [(e["name"], e["id"]) for e in by_realm[UK]] == [("Customer", made[UK]), ("Vendor", vendor)]
        assert [(e["name"], e["id"]) for e in by_realm[FR]] == [("Customer", made[FR])]
    else:
        assert [(event["intuitaccountid"], event["type"]) for event in payload] == [
            (REALM, "qbo.customer.created.v1"),
            (UK, "qbo.customer.created.v1"),
            (UK, "qbo.vendor.created.v1"),
            (FR, "qbo.customer.created.v1"),
        ]
    assert [e["realmId"] for e in realms["ctl"][UK].call("GET", "webhooks/events")] == [UK, UK]
    assert "the app's" in realms["ctl"][UK].call("POST", "webhooks", {"url": receiver.url}, expect=400)["error"]


def test_deliveries_can_be_split_per_realm(ctl, realms, receiver):
    ctl.webhooks(
        url=receiver.url,
        verifier_token=VERIFIER,
        retry_schedule=[30],
        batch_window=60,
        format="classic",
        realms_per_delivery="one",
    )
    realms["api"][REALM].create("Customer", {"DisplayName": "A"})
    realms["api"][UK].create("Customer", {"DisplayName": "B"})
    realms["api"][REALM].create("Customer", {"DisplayName": "C"})
    deliveries = ctl.flush()
    assert len(deliveries) == 2
    bodies = [json.loads(body) for _headers, body in receiver.calls[-2:]]
    assert [[note["realmId"] for note in body["eventNotifications"]] for body in bodies] == [[REALM], [UK]]
    assert len(bodies[0]["eventNotifications"][0]["dataChangeEvent"]["entities"]) == 2
    assert all(signature_ok(headers, body) for headers, body in receiver.calls[-2:])
    assert ctl.call("POST", "webhooks", {"realms_per_delivery": "some"}, expect=400)


def test_resetting_a_realm_drops_its_pending_events(ctl, realms, receiver):
    ctl.webhooks(url=receiver.url, verifier_token=VERIFIER, retry_schedule=[30], batch_window=60, format="classic")
    realms["api"][REALM].create("Customer", {"DisplayName": "Kept"})
    realms["api"][UK].create("Customer", {"DisplayName": "Dropped"})
    realms["ctl"][UK].reset()
    ctl.flush()
    assert [note["realmId"] for note in receiver.events()["eventNotifications"]] == [REALM]
