"""Helpers shared by the journal entry, report and settlement tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .conftest import Api


def accounts_by_number(api: Api) -> dict[str, str]:
    """Seeded account Ids by account number (inactive ones included)."""
    rows = api.query("select * from Account where Active in (true, false) maxresults 1000")["Account"]
    return {row["AcctNum"]: row["Id"] for row in rows if row.get("AcctNum")}


def je_line(account_id: str, posting: str, amount: Any, **extra: Any) -> dict[str, Any]:
    """One journal entry distribution line."""
    return {
        "DetailType": "JournalEntryLineDetail",
        "Amount": amount,
        "JournalEntryLineDetail": {"PostingType": posting, "AccountRef": {"value": account_id}},
        **extra,
    }


def pay(
    api: Api, customer: dict[str, Any], total: Any, *applied: tuple[dict[str, Any], str, Any], **fields: Any
) -> Any:
    """POST a Payment of ``total`` applying ``(target, TxnType, amount)`` lines; the raw response."""
    lines = [
        {"Amount": amount, "LinkedTxn": [{"TxnId": target["Id"], "TxnType": kind}]} for target, kind, amount in applied
    ]
    return api.post("/payment", {"CustomerRef": {"value": customer["Id"]}, "TotalAmt": total, "Line": lines, **fields})


def report(api: Api, **params: Any) -> dict[str, Any]:
    response = api.get("/reports/ProfitAndLoss", **params)
    assert response.status_code == 200, response.text
    return response.json()


def walk(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield row
        yield from walk((row.get("Rows") or {}).get("Row") or [])


def amounts(body: dict[str, Any]) -> dict[str, str]:
    """``{account id: amount}`` of the data rows, read as a connector does (``ColData[0].id``)."""
    return {
        row["ColData"][0]["id"]: row["ColData"][1]["value"]
        for row in walk(body["Rows"]["Row"])
        if row.get("type") == "Data"
    }


def sections(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["group"]: row for row in body["Rows"]["Row"]}


def total(body: dict[str, Any], group: str) -> str:
    return sections(body)[group]["Summary"]["ColData"][1]["value"]
