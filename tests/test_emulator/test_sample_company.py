"""The sample company: a QuickBooks company worth importing, the same for the same seed, its books consistent
(everything in it went through the emulator's own create path)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .books import grand_total, run_report, trial_debit
from .conftest import Control
from .test_persistence_cli import ROOT, _start_cli

SMALL = {"customers": 6, "vendors": 3, "items": 6, "invoices": 30, "bills": 12, "entries": 4, "months": 6}


def picture(api) -> dict[str, Any]:
    """What an import would read: names, numbers, dates and open amounts of everything."""
    query = api.query
    return {
        "accounts": sorted(
            (row["Name"], row["AccountType"], (row.get("ParentRef") or {}).get("value") is not None)
            for row in query("select * from Account maxresults 1000")["Account"]
        ),
        "customers": sorted(
            (row["DisplayName"], row["Balance"], row["BillAddr"]["City"])
            for row in query("select * from Customer maxresults 1000")["Customer"]
        ),
        "invoices": sorted(
            (row["DocNumber"], row["TxnDate"], row["TotalAmt"], row["Balance"])
            for row in query("select * from Invoice maxresults 1000")["Invoice"]
        ),
        "bills": sorted(
            (row["DocNumber"], row["TxnDate"], row["TotalAmt"], row["Balance"])
            for row in query("select * from Bill maxresults 1000")["Bill"]
        ),
    }


def test_the_same_seed_gives_the_same_company_and_another_seed_another(api, ctl):
    first = ctl.call("POST", "sample_company", {"seed": 7, **SMALL})
    snapshot = picture(api)
    again = ctl.call("POST", "sample_company", {"seed": 7, **SMALL})
    assert again["created"] == first["created"]
    assert picture(api) == snapshot, "reset and filled again: the same company"
    ctl.call("POST", "sample_company", {"seed": 8, **SMALL})
    assert picture(api) != snapshot


def test_the_sample_company_has_what_an_import_needs_and_its_books_hold_together(api, ctl):
    created = ctl.call("POST", "sample_company", {"seed": 3, **SMALL})["created"]
    assert (created["Customer"], created["Vendor"], created["Item"], created["Invoice"], created["Bill"]) == (
        6,
        3,
        6,
        30,
        12,
    )
    assert created["JournalEntry"] == 4 and created["Payment"] > 0 and created["BillPayment"] > 0
    accounts = api.query("select * from Account maxresults 1000")["Account"]
    by_name = {row["Name"]: row for row in accounts}
    assert by_name["Consulting"]["ParentRef"]["value"] == by_name["Services"]["Id"], "sub-accounts"
    items = api.query("select * from Item maxresults 1000")["Item"]
    assert {row["Type"] for row in items} == {"Service", "NonInventory", "Inventory"}
    customers = api.query("select * from Customer maxresults 1000")["Customer"]
    assert all(row["PrimaryEmailAddr"]["Address"] and row["BillAddr"]["PostalCode"] for row in customers)
    invoices = api.query("select * from Invoice maxresults 1000")["Invoice"]
    open_invoices = [row for row in invoices if row["Balance"]]
    assert 0 < len(open_invoices) < len(invoices), "some open, some paid"
    # The books: the trial balance balances, and A/R is what the customers owe.
    end = (date.today() + timedelta(days=2)).isoformat()
    trial = run_report(api, "TrialBalance", start_date="2000-01-01", end_date=end)
    debit, credit = grand_total(trial)
    assert Decimal(debit) == Decimal(credit)
    receivable = by_name["Accounts Receivable (A/R)"]["Id"]
    owed = sum((Decimal(str(row["Balance"])) for row in customers), Decimal(0))
    assert trial_debit(trial, receivable) == owed


def test_the_command_line_starts_with_the_sample_company():
    size = "customers=3,vendors=2,items=3,invoices=8,bills=4,entries=2,months=3"
    process, printed = _start_cli("--sample-company", "5", "--sample-size", size)
    try:
        assert "'Invoice': 8" in printed["sample company 5"]
        control = Control(printed["base url"], printed["control token"])
        assert len(control.entities("Customer")) == 3
    finally:
        process.terminate()
        process.wait(timeout=10)
    refused = subprocess.run(
        [sys.executable, "-m", "tests.qbo_emulator", "--sample-size", "clients=3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert refused.returncode == 2 and "unknown sample size 'clients=3'" in refused.stderr


def test_a_history_made_without_notifications_notifies_no_one():
    from .test_webhooks import Receiver

    receiver = Receiver()
    process, printed = _start_cli("--webhook-url", receiver.url)
    try:
        control = Control(printed["base url"], printed["control token"])
        control.call("POST", "sample_company", {"seed": 3, "notify": False, **SMALL})
        assert control.call("POST", "webhooks/flush") == []
        assert receiver.calls == []
        control.call("POST", "sample_company", {"seed": 3, **SMALL})  # by default, as the API would
        control.call("POST", "webhooks/flush")
        assert sum(len(receiver.events(index)) for index in range(len(receiver.calls))) > 100
    finally:
        process.terminate()
        process.wait(timeout=10)
        receiver.close()
