"""Journal entries: balanced lines, account references, currencies, CRUD, query, CDC and webhooks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from .conftest import error_of
from .ledger import accounts_by_number, je_line


@pytest.fixture
def accounts(api) -> dict[str, str]:
    return accounts_by_number(api)


def fx_loss(accounts: dict[str, str], amount: float = 12.34, **fields: Any) -> dict[str, Any]:
    """Debit "Exchange Gain or Loss" (7990), credit Checking (1000)."""
    return {"Line": [je_line(accounts["7990"], "Debit", amount), je_line(accounts["1000"], "Credit", amount)], **fields}


def test_balanced_entry_is_stored_with_totals_and_line_ids(api, accounts):
    created = api.create("JournalEntry", fx_loss(accounts, TxnDate="2026-02-15", PrivateNote="FX"))
    assert (created["Id"], created["SyncToken"], created["domain"]) == ("1", "0", "QBO")
    assert created["TxnDate"] == "2026-02-15" and created["PrivateNote"] == "FX"
    assert created["TotalAmt"] == 12.34 and created["HomeTotalAmt"] == 12.34
    assert created["CurrencyRef"]["value"] == "USD" and created["ExchangeRate"] == 1
    assert created["Adjustment"] is False and created["TxnTaxDetail"] == {}
    assert "DocNumber" not in created  # never numbered automatically
    debit, credit = created["Line"]
    assert (debit["Id"], credit["Id"]) == ("0", "1")  # QBO numbers journal lines from 0
    assert debit["JournalEntryLineDetail"]["AccountRef"] == {"value": accounts["7990"], "name": "Exchange Gain or Loss"}
    assert credit["JournalEntryLineDetail"]["PostingType"] == "Credit"
    assert api.read("JournalEntry", created["Id"]) == created


def test_split_lines_balance_in_total_and_totals_ignore_what_is_sent(api, accounts):
    created = api.create(
        "JournalEntry",
        {
            "DocNumber": "FX-2026-02",
            "TotalAmt": 999,
            "Line": [
                je_line(accounts["7990"], "Debit", "10.005"),  # rounded half-up to cents
                je_line(accounts["7991"], "Debit", 5),
                {"DetailType": "DescriptionOnly", "Description": "February revaluation"},
                je_line(accounts["1000"], "Credit", 7.51),
                je_line(accounts["1010"], "Credit", 7.5),
            ],
        },
    )
    assert created["DocNumber"] == "FX-2026-02"
    assert created["TotalAmt"] == 15.01
    assert [line["Id"] for line in created["Line"]] == ["0", "1", "2", "3", "4"]
    assert created["Line"][2]["DetailType"] == "DescriptionOnly"


def test_unbalanced_entry_is_refused_with_2300(api, ctl, accounts):
    body = fx_loss(accounts)
    body["Line"][1]["Amount"] = 12.35
    response = api.post("/journalentry", body)
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["Message"], error["type"]) == (
        "2300",
        "Amount on debits not equal to credits",
        "ValidationFault",
    )
    assert "Debits: 12.34, Credits: 12.35" in error["Detail"]
    one_sided = {"Line": [je_line(accounts["7990"], "Debit", 5)]}
    assert error_of(api.post("/journalentry", one_sided))["code"] == "2300"
    assert ctl.entities("JournalEntry") == []


def test_line_validation(api, ctl, accounts):
    def refused(body: dict[str, Any]) -> dict[str, Any]:
        response = api.post("/journalentry", body)
        assert response.status_code == 400, response.text
        return error_of(response)

    assert refused({"Line": []})["code"] == "2020"
    assert refused({"TxnDate": "2026-02-15"})["element"] == "Line"
    no_account = fx_loss(accounts)
    del no_account["Line"][0]["JournalEntryLineDetail"]["AccountRef"]
    assert (refused(no_account)["code"], refused(no_account)["element"]) == (
        "2020",
        "Line.JournalEntryLineDetail.AccountRef",
    )
    unknown = fx_loss(accounts)
    unknown["Line"][0]["JournalEntryLineDetail"]["AccountRef"] = {"value": "9999"}
    assert refused(unknown)["code"] == "2500"
    inactive = fx_loss(accounts)
    inactive["Line"][1]["JournalEntryLineDetail"]["AccountRef"] = {"value": accounts["4900"]}  # "Old Sales"
    error = refused(inactive)
    assert error["code"] == "2500" and "made inactive" in error["Detail"]
    no_posting = fx_loss(accounts)
    no_posting["Line"][0]["JournalEntryLineDetail"]["PostingType"] = "Sideways"
    assert refused(no_posting)["code"] == "2260"
    negative = {"Line": [je_line(accounts["7990"], "Debit", -5), je_line(accounts["1000"], "Credit", -5)]}
    assert refused(negative)["code"] == "2290"
    no_amount = fx_loss(accounts)
    del no_amount["Line"][0]["Amount"]
    assert refused(no_amount)["code"] == "2020"
    bad_kind = fx_loss(accounts)
    bad_kind["Line"][0]["DetailType"] = "SalesItemLineDetail"
    assert refused(bad_kind)["code"] == "2010"
    assert refused(fx_loss(accounts, TxnDate="15/02/2026"))["code"] == "2010"
    assert ctl.entities("JournalEntry") == []


def test_receivable_and_payable_lines_need_a_name(api, accounts, customer):
    body = {"Line": [je_line(accounts["1100"], "Debit", 20), je_line(accounts["4100"], "Credit", 20)]}
    error = error_of(api.post("/journalentry", body))
    assert error["code"] == "6000" and "customer" in error["Detail"]
    body["Line"][0]["JournalEntryLineDetail"]["Entity"] = {"EntityRef": {"value": customer["Id"]}}
    created = api.create("JournalEntry", body)
    assert created["Line"][0]["JournalEntryLineDetail"]["Entity"] == {
        "Type": "Customer",
        "EntityRef": {"value": customer["Id"], "name": "Acme Ltd"},
    }


def test_foreign_currency_needs_a_rate(api, accounts):
    body = fx_loss(accounts, 100, CurrencyRef={"value": "EUR"})
    assert error_of(api.post("/journalentry", body))["code"] == "2020"
    assert error_of(api.post("/journalentry", {**body, "CurrencyRef": {"value": "JPY"}}))["code"] == "2500"
    created = api.create("JournalEntry", {**body, "ExchangeRate": 1.1})
    assert created["CurrencyRef"] == {"value": "EUR", "name": "Euro"}
    assert (created["TotalAmt"], created["HomeTotalAmt"]) == (100, 110)


def test_update_delete_and_no_void(api, ctl, accounts):
    created = api.create("JournalEntry", fx_loss(accounts, TxnDate="2026-02-15"))
    sparse = api.update(
        "JournalEntry", {"Id": created["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "revalued"}
    )
    assert sparse["SyncToken"] == "1" and sparse["TotalAmt"] == 12.34 and sparse["PrivateNote"] == "revalued"
    stale = api.post("/journalentry", {**fx_loss(accounts, 20), "Id": created["Id"], "SyncToken": "0"})
    assert error_of(stale)["code"] == "5010"
    unbalanced = fx_loss(accounts, 20)
    unbalanced["Line"][0]["Amount"] = 21
    assert error_of(api.post("/journalentry", {**unbalanced, "Id": created["Id"], "SyncToken": "1"}))["code"] == "2300"
    full = api.update("JournalEntry", {**fx_loss(accounts, 20), "Id": created["Id"], "SyncToken": "1"})
    assert full["TotalAmt"] == 20 and "PrivateNote" not in full  # a full update clears what it omits
    assert (
        error_of(api.post("/journalentry", {"Id": created["Id"], "SyncToken": "2"}, operation="void"))["code"] == "500"
    )
    deleted = api.post("/journalentry", {"Id": created["Id"], "SyncToken": "2"}, operation="delete")
    assert deleted.json()["JournalEntry"] == {"status": "Deleted", "domain": "QBO", "Id": created["Id"]}
    assert error_of(api.get(f"/journalentry/{created['Id']}"))["code"] == "610"


def test_query_cdc_and_webhook_events(api, ctl, accounts):
    since = (datetime.fromisoformat(ctl.call("GET", "clock")["now"]) - timedelta(minutes=1)).isoformat()
    february = api.create("JournalEntry", fx_loss(accounts, TxnDate="2026-02-15"))
    march = api.create("JournalEntry", fx_loss(accounts, 5, TxnDate="2026-03-01"))
    rows = api.query("select * from JournalEntry where TxnDate >= '2026-02-01' and TxnDate <= '2026-02-28'")
    assert [row["Id"] for row in rows["JournalEntry"]] == [february["Id"]]
    assert api.query("select count(*) from journalentry")["totalCount"] == 2
    api.post("/journalentry", {"Id": march["Id"], "SyncToken": "0"}, operation="delete")
    changes = api.get("/cdc", entities="JournalEntry", changedSince=since).json()
    page = changes["CDCResponse"][0]["QueryResponse"][0]["JournalEntry"]
    assert {row["Id"]: row.get("status") for row in page} == {february["Id"]: None, march["Id"]: "Deleted"}
    events = [
        (event["entity"], event["operation"], event["entityId"])
        for event in ctl.call("GET", "webhooks/events")
        if event["entity"] == "JournalEntry"
    ]
    assert events == [
        ("JournalEntry", "Create", february["Id"]),
        ("JournalEntry", "Create", march["Id"]),
        ("JournalEntry", "Delete", march["Id"]),
    ]


def test_batch_and_bookkeeper_entries(api, ctl, accounts):
    answer = api.post(
        "/batch",
        {
            "BatchItemRequest": [
                {"bId": "1", "operation": "create", "JournalEntry": fx_loss(accounts)},
                {"bId": "2", "operation": "create", "JournalEntry": {"Line": [je_line(accounts["7990"], "Debit", 1)]}},
            ]
        },
    )
    first, second = answer.json()["BatchItemResponse"]
    assert first["JournalEntry"]["TotalAmt"] == 12.34
    assert second["Fault"]["Error"][0]["code"] == "2300"
    made_in_ui = ctl.call("POST", "entities/JournalEntry", fx_loss(accounts, 3))
    assert made_in_ui["TotalAmt"] == 3
