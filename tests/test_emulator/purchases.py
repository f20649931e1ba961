"""Helpers shared by the payables tests: expense lines, bills, vendor credits and bill payments."""

from __future__ import annotations

from typing import Any

import requests

from .conftest import Api


def expense(account_id: str, amount: Any, **detail: Any) -> dict[str, Any]:
    """One ``AccountBasedExpenseLineDetail`` line."""
    return {
        "DetailType": "AccountBasedExpenseLineDetail",
        "Amount": amount,
        "AccountBasedExpenseLineDetail": {"AccountRef": {"value": account_id}, **detail},
    }


def purchase(api: Api, entity: str, vendor: dict[str, Any], *lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Create a Bill or VendorCredit of ``vendor`` with ``lines``."""
    return api.create(entity, {"VendorRef": {"value": vendor["Id"]}, "Line": list(lines), **fields})


def bill_payment(
    api: Api,
    vendor: dict[str, Any],
    total: Any,
    *applied: tuple[dict[str, Any], str, Any],
    bank: str | None = None,
    card: str | None = None,
    **fields: Any,
) -> requests.Response:
    """POST a BillPayment of ``total`` applying ``(target, TxnType, amount)`` lines, by check from ``bank``
    or by credit card from ``card``; the raw response."""
    lines = [
        {"Amount": amount, "LinkedTxn": [{"TxnId": target["Id"], "TxnType": kind}]} for target, kind, amount in applied
    ]
    body: dict[str, Any] = {"VendorRef": {"value": vendor["Id"]}, "TotalAmt": total, "Line": lines}
    if card is not None:
        body.update(PayType="CreditCard", CreditCardPayment={"CCAccountRef": {"value": card}})
    else:
        body.update(PayType="Check", CheckPayment={"BankAccountRef": {"value": bank}})
    return api.post("/billpayment", {**body, **fields})


def paid(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()["BillPayment"]


def vendor_balance(api: Api, vendor: dict[str, Any]) -> float:
    """``Vendor.Balance`` as read, after checking that a query serves the same."""
    read = api.read("Vendor", vendor["Id"])["Balance"]
    queried = api.query(f"select * from Vendor where Id = '{vendor['Id']}'")["Vendor"][0]  # noqa: S608 - QBO query
    assert queried["Balance"] == read
    return read


def payable(api: Api, name: str = "Accounts Payable (A/P)") -> float:
    return api.find("Account", name)["CurrentBalance"]


def balance_of(api: Api, entity: str, target: dict[str, Any]) -> float:
    return api.read(entity, target["Id"])["Balance"]
