"""``--data FILE`` keeps the company (and tokens, replays) across restarts; the CLI prints its defaults."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from tests.qbo_emulator import EmulatorServer

from .conftest import CLIENT_ID, CLIENT_SECRET, REALM, Api, Control

ROOT = Path(__file__).resolve().parents[2]


def test_data_file_survives_a_restart(tmp_path):
    data = str(tmp_path / "company.sqlite3")
    with EmulatorServer(
        port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, realm_id=REALM, data_file=data
    ) as first:
        tokens = Control(first.url, first.control_token).tokens()
        api = Api(first.url, tokens["access_token"])
        created = api.create("Customer", {"DisplayName": "Persistent"}, requestid="persist-1")
        items_before = len(api.query("select * from Item")["Item"])
    with EmulatorServer(
        port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, realm_id=REALM, data_file=data
    ) as second:
        api = Api(second.url, tokens["access_token"])  # the grant was kept too
        assert api.read("Customer", created["Id"])["DisplayName"] == "Persistent"
        assert len(api.query("select * from Item")["Item"]) == items_before  # not seeded twice
        replay = api.post("/customer", {"DisplayName": "Persistent"}, requestid="persist-1")
        assert replay.json()["Customer"] == created
        newer = api.create("Customer", {"DisplayName": "Next one"})
        assert int(newer["Id"]) == int(created["Id"]) + 1
        Control(second.url, second.control_token).reset()
        assert Control(second.url, second.control_token).entities("Customer") == []
    with EmulatorServer(port=0, data_file=data) as third:
        assert Control(third.url, third.control_token).entities("Customer") == []  # the reset was written to the file


def _start_cli(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, dict[str, str]]:
    command = [sys.executable, "-m", "tests.qbo_emulator", "--port", "0", *args]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})}
    )
    timer = threading.Timer(30, process.kill)  # a hung start fails the test instead of blocking it
    timer.start()
    printed: dict[str, str] = {}
    try:
        assert process.stdout is not None
        for raw in process.stdout:
            key, _, value = raw.strip().partition(": ")
            printed[key] = value
            if key == "control token file":
                break
    finally:
        timer.cancel()
    return process, printed


def test_cli_starts_and_prints_its_defaults():
    process, printed = _start_cli()
    try:
        assert printed["client id"] == "emulator-client-id"
        assert printed["client secret"] == "emulator-client-secret"
        assert printed["realm id"] == "9130354000000001"
        assert printed["webhook format"] == "cloudevents"
        assert printed["rate limit"] == "on"
        assert printed["automated sales tax"] == "off"
        assert printed["account numbers"] == "on"
        assert printed["host"] == "127.0.0.1"
        base = printed["base url"]
        assert printed["api base url"] == f"{base}/v3/company/9130354000000001"
        assert len(printed["control token"]) >= 32 and printed["control token file"] == "(none)"
        health = Control(base, printed["control token"]).call("GET", "health")
        assert health["ok"] is True and health["client_id"] == "emulator-client-id"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cli_reads_environment_variables():
    process, printed = _start_cli(
        "--no-rate-limit",
        env={
            "QBO_EMULATOR_REALM_ID": "4620816365000000042",
            "QBO_EMULATOR_WEBHOOK_FORMAT": "classic",
            "QBO_EMULATOR_AUTOMATED_SALES_TAX": "1",
            "QBO_EMULATOR_NO_ACCOUNT_NUMBERS": "1",
        },
    )
    try:
        assert printed["realm id"] == "4620816365000000042"
        assert printed["webhook format"] == "classic"
        assert printed["rate limit"] == "off"
        assert printed["automated sales tax"] == "on"
        control = Control(printed["base url"], printed["control token"])
        limits = control.call("GET", "rate_limits")
        assert limits["enabled"] is False
        settings = control.call("GET", "settings")
        assert settings["automated_sales_tax"] is True
        assert (printed["account numbers"], settings["account_numbers"]) == ("off", False)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_payments_still_settle_their_documents_after_a_restart(tmp_path):
    data = str(tmp_path / "company.sqlite3")
    with EmulatorServer(
        port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, realm_id=REALM, data_file=data
    ) as first:
        tokens = Control(first.url, first.control_token).tokens()
        api = Api(first.url, tokens["access_token"])
        customer = api.create("Customer", {"DisplayName": "Paid Later"})
        item = api.query("select * from Item")["Item"][0]
        invoice = api.create(
            "Invoice",
            {
                "CustomerRef": {"value": customer["Id"]},
                "Line": [
                    {
                        "Amount": 100,
                        "DetailType": "SalesItemLineDetail",
                        "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
                    }
                ],
            },
        )
        link = [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
        payment = api.create(
            "Payment",
            {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 60, "Line": [{"Amount": 60, "LinkedTxn": link}]},
        )
    with EmulatorServer(
        port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, realm_id=REALM, data_file=data
    ) as second:
        api = Api(second.url, tokens["access_token"])
        # A second payment: the first one, read back from the file, still counts.
        api.create(
            "Payment",
            {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": 30, "Line": [{"Amount": 30, "LinkedTxn": link}]},
        )
        assert api.read("Invoice", invoice["Id"])["Balance"] == 10
        current = api.read("Payment", payment["Id"])
        current["Line"][0]["Amount"] = 20
        current["TotalAmt"] = 20
        api.update("Payment", current)
        assert api.read("Invoice", invoice["Id"])["Balance"] == 50
        refused = api.post(
            "/invoice",
            {"Id": invoice["Id"], "SyncToken": api.read("Invoice", invoice["Id"])["SyncToken"]},
            operation="delete",
        )
        assert refused.status_code == 400, "an invoice with payments applied cannot be deleted"
