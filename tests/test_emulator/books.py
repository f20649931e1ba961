"""Helpers shared by the books tests: run a report, read its rows as a connector does."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .conftest import Api
from .ledger import walk


def run_report(api: Api, name: str, **params: Any) -> dict[str, Any]:
    response = api.get(f"/reports/{name}", **params)
    assert response.status_code == 200, response.text
    return response.json()


def money(value: str) -> Decimal:
    return Decimal(value) if value else Decimal(0)


def trial_rows(body: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """``{account id: (debit, credit)}`` of a TrialBalance's data rows."""
    return {
        row["ColData"][0]["id"]: (row["ColData"][1]["value"], row["ColData"][2]["value"])
        for row in body["Rows"]["Row"]
        if row.get("type") == "Data"
    }


def trial_debit(body: dict[str, Any], account_id: str) -> Decimal:
    """An account's trial balance as one debit-positive number (0 when it has no row)."""
    debit, credit = trial_rows(body).get(account_id, ("", ""))
    return money(debit) - money(credit)


def grand_total(body: dict[str, Any]) -> list[str]:
    """The amounts of the closing ``GrandTotal`` section ("TOTAL" dropped)."""
    last = body["Rows"]["Row"][-1]
    assert (last["group"], last["type"]) == ("GrandTotal", "Section")
    return [cell["value"] for cell in last["Summary"]["ColData"][1:]]


def party_rows(body: dict[str, Any]) -> dict[str, list[str]]:
    """``{customer or vendor id: [amounts...]}`` of an aging or balance report."""
    return {
        row["ColData"][0]["id"]: [cell["value"] for cell in row["ColData"][1:]]
        for row in body["Rows"]["Row"]
        if row.get("type") == "Data"
    }


def groups(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every section of a report by its ``group`` (nested ones included)."""
    return {row["group"]: row for row in walk(body["Rows"]["Row"]) if row.get("group")}


def summary(section: dict[str, Any]) -> str:
    return section["Summary"]["ColData"][-1]["value"]


def ledger_sections(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{account id: section}`` of a GeneralLedger."""
    return {row["Header"]["ColData"][0]["id"]: row for row in body["Rows"]["Row"]}


def ledger_lines(section: dict[str, Any]) -> list[list[str]]:
    """The values of a GeneralLedger section's rows."""
    return [[cell["value"] for cell in row["ColData"]] for row in section["Rows"]["Row"]]
