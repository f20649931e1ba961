"""Helpers shared by the journal entry and report tests."""

from __future__ import annotations

from typing import Any

from .conftest import Api


def accounts_by_number(api: Api) -> dict[str, str]:
    """Seeded account Ids by account number (inactive ones included)."""
    rows = api.query("select * from Account where Active in (true, false) maxresults 1000")["Account"]
    return {row["AcctNum"]: row["Id"] for row in rows if row.get("AcctNum")}


def je_line(account_id: str, posting: str, amount: Any, **extra: Any) -> dict[str, Any]:
    """One journal entry distribution line."""
    return {"DetailType": "JournalEntryLineDetail", "Amount": amount,
            "JournalEntryLineDetail": {"PostingType": posting, "AccountRef": {"value": account_id}}, **extra}
