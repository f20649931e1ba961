"""Several realms from the command line (``--add-realm``) and in a data file (``--data``)."""

from __future__ import annotations

import subprocess
import sys

from tests.qbo_emulator import EmulatorServer
from tests.qbo_emulator.realms import parse_spec

from .conftest import CLIENT_ID, CLIENT_SECRET, REALM, Api, Control
from .test_persistence_cli import ROOT, _start_cli

UK = "9130354000000002"


def test_added_realms_survive_a_restart_until_a_full_reset(tmp_path):
    data = str(tmp_path / "companies.sqlite3")
    options = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "realm_id": REALM, "data_file": data}
    with EmulatorServer(port=0, **options) as first:
        control = Control(first.url, first.control_token)
        assert control.call("POST", "realms", {"preset": "uk"})["realmId"] == UK
        tokens = control.call("POST", f"realms/{UK}/tokens", {})
        created = Api(first.url, tokens["access_token"], realm=UK).create("Customer", {"DisplayName": "Kept Ltd"})
        us_tokens = control.tokens()
        Api(first.url, us_tokens["access_token"]).create("Customer", {"DisplayName": "US Kept"})
    with EmulatorServer(port=0, **options) as second:
        control = Control(second.url, second.control_token)
        assert [realm["realmId"] for realm in control.call("GET", "realms")] == [REALM, UK]
        uk = Api(second.url, tokens["access_token"], realm=UK)  # the grant was kept with its company
        assert uk.read("Customer", created["Id"])["DisplayName"] == "Kept Ltd"
        assert uk.read("CompanyInfo", UK)["Country"] == "GB"
        assert [c["DisplayName"] for c in control.entities("Customer")] == ["US Kept"]
        control.reset()
    with EmulatorServer(port=0, **options) as third:
        assert [realm["realmId"] for realm in Control(third.url, third.control_token).call("GET", "realms")] == [REALM]


def test_cli_adds_realms():
    process, printed = _start_cli(
        "--add-realm",
        f"{UK}:uk",
        "--add-realm",
        "9130354000000003:fr,company_name=Filiale SAS,automated_sales_tax=false",
    )
    try:
        assert printed["other realms"] == (
            f"{UK} (Emulated UK Company Ltd, GB, GBP), 9130354000000003 (Filiale SAS, FR, EUR)"
        )
        listed = Control(printed["base url"], printed["control token"]).call("GET", "realms")
        assert [(realm["realmId"], realm["startup"]) for realm in listed] == [
            (REALM, True),
            (UK, True),
            ("9130354000000003", True),
        ]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cli_reads_added_realms_from_the_environment():
    process, printed = _start_cli(env={"QBO_EMULATOR_ADD_REALMS": f"{UK}:uk;9130354000000004:ca"})
    try:
        assert printed["other realms"].startswith(f"{UK} (Emulated UK Company Ltd, GB, GBP), 9130354000000004")
    finally:
        process.terminate()
        process.wait(timeout=10)
    single, printed = _start_cli()
    try:
        assert printed["other realms"] == "(none)"
    finally:
        single.terminate()
        single.wait(timeout=10)


def test_cli_refuses_a_bad_realm():
    for spec in ("1:uk,colour", "1:colour=red", "1:mars", REALM):
        bad = subprocess.run(
            [sys.executable, "-m", "tests.qbo_emulator", "--port", "0", "--add-realm", spec],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert bad.returncode == 2 and "--add-realm" in bad.stderr, spec


def test_realm_specs():
    assert parse_spec("42") == {"realmId": "42"}
    assert parse_spec("42:uk,account_numbers=off,utc_offset_minutes=0") == {
        "realmId": "42",
        "preset": "uk",
        "account_numbers": False,
        "utc_offset_minutes": 0,
    }
