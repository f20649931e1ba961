"""Settlements in the home currency: credit memos applied through Payments (a Payment of 0 when a
credit memo pays an invoice), unapplied amounts as customer credit, customer and A/R balances, and
what updates, deletes and voids give back.  Sources in the emulator's README ("Payments and
settlements")."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api, error_of, line
from .ledger import pay


@pytest.fixture
def invoice(api, customer, hours):
    return api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 100)]})


def memo(api: Api, customer: dict[str, Any], hours: dict[str, Any], amount: float, **fields: Any) -> dict[str, Any]:
    return api.create(
        "CreditMemo", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, amount)], **fields}
    )


def receivable(api: Api) -> float:
    return api.find("Account", "Accounts Receivable (A/R)")["CurrentBalance"]


def customer_balance(api: Api, customer: dict[str, Any]) -> float:
    read = api.read("Customer", customer["Id"])["Balance"]
    queried = api.query(f"select * from Customer where Id = '{customer['Id']}'")["Customer"][0]  # noqa: S608
    assert queried["Balance"] == queried["BalanceWithJobs"] == read  # reads and queries agree
    return read


def test_credit_memo_pays_an_invoice_through_a_zero_payment(api, customer, hours, invoice):
    credit = memo(api, customer, hours, 100)
    assert (customer_balance(api, customer), receivable(api)) == (0, 0)  # 100 owed, 100 credited
    payment = pay(api, customer, 0, (invoice, "Invoice", 100), (credit, "CreditMemo", 100)).json()["Payment"]
    assert (payment["TotalAmt"], payment["UnappliedAmt"]) == (0, 0)
    assert [(row["Amount"], row["LinkedTxn"][0]["TxnType"]) for row in payment["Line"]] == [
        (100, "Invoice"),
        (100, "CreditMemo"),
    ]  # amounts positive, the type tells them apart
    assert api.read("Invoice", invoice["Id"])["Balance"] == 0
    settled = api.read("CreditMemo", credit["Id"])
    assert (settled["RemainingCredit"], settled["Balance"]) == (0, 0)
    assert {"TxnId": payment["Id"], "TxnType": "Payment"} in api.read("Invoice", invoice["Id"])["LinkedTxn"]
    assert (customer_balance(api, customer), receivable(api)) == (0, 0)

    # Applying less gives part of both back, removing the payment gives everything back.
    lines = [
        {"Amount": 40, "LinkedTxn": [{"TxnId": target["Id"], "TxnType": kind}]}
        for target, kind in ((invoice, "Invoice"), (credit, "CreditMemo"))
    ]
    smaller = api.update(
        "Payment", {"Id": payment["Id"], "SyncToken": payment["SyncToken"], "sparse": True, "Line": lines}
    )
    assert api.read("Invoice", invoice["Id"])["Balance"] == 60
    assert api.read("CreditMemo", credit["Id"])["RemainingCredit"] == 60
    deleted = api.post("/payment", {"Id": smaller["Id"], "SyncToken": smaller["SyncToken"]}, operation="delete")
    assert deleted.json()["Payment"] == {"status": "Deleted", "domain": "QBO", "Id": smaller["Id"]}
    assert api.read("Invoice", invoice["Id"])["Balance"] == 100
    assert api.read("CreditMemo", credit["Id"])["RemainingCredit"] == 100
    assert (customer_balance(api, customer), receivable(api)) == (0, 0)


def test_total_covers_invoices_less_credits_and_the_rest_is_customer_credit(api, customer, hours, invoice):
    credit = memo(api, customer, hours, 30)
    short = pay(api, customer, 60, (invoice, "Invoice", 100), (credit, "CreditMemo", 30))
    assert error_of(short)["code"] == "6000"  # 70 to cover
    only_credit = pay(api, customer, 0, (credit, "CreditMemo", 30))
    assert error_of(only_credit)["code"] == "6000"  # a credit memo is applied to an invoice
    over_credit = pay(api, customer, 0, (invoice, "Invoice", 10), (credit, "CreditMemo", 40))
    assert error_of(over_credit)["code"] == "6000"  # more than the credit memo's remaining credit
    payment = pay(api, customer, 90, (invoice, "Invoice", 100), (credit, "CreditMemo", 30)).json()["Payment"]
    assert (payment["TotalAmt"], payment["UnappliedAmt"]) == (90, 20)
    assert api.read("CreditMemo", credit["Id"])["RemainingCredit"] == 0
    assert (customer_balance(api, customer), receivable(api)) == (-20, -20)


def test_unapplied_payment_stays_credit_until_applied(api, customer, hours):
    advance = pay(api, customer, 50).json()["Payment"]
    assert (advance["UnappliedAmt"], advance["Line"]) == (50, [])
    assert (customer_balance(api, customer), receivable(api)) == (-50, -50)
    bill = api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 100)]})
    assert customer_balance(api, customer) == 50
    applied = api.update(
        "Payment",
        {
            "Id": advance["Id"],
            "SyncToken": advance["SyncToken"],
            "sparse": True,
            "Line": [{"Amount": 50, "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Invoice"}]}],
        },
    )
    assert (applied["TotalAmt"], applied["UnappliedAmt"]) == (50, 0)
    assert api.read("Invoice", bill["Id"])["Balance"] == 50
    assert (customer_balance(api, customer), receivable(api)) == (50, 50)


def test_a_voided_payment_is_zero_without_lines_and_says_so(api, customer, hours, invoice):
    credit = memo(api, customer, hours, 30)
    payment = pay(
        api, customer, 70, (invoice, "Invoice", 100), (credit, "CreditMemo", 30), PrivateNote="Cheque 42"
    ).json()["Payment"]
    voided = api.update(
        "Payment",
        {"Id": payment["Id"], "SyncToken": payment["SyncToken"], "sparse": True},
        operation="update",
        include="void",
    )
    assert (voided["TotalAmt"], voided["UnappliedAmt"], voided["Line"]) == (0, 0, [])
    assert voided["PrivateNote"] == "Voided - Cheque 42"  # prepended to the memo
    assert api.read("Invoice", invoice["Id"])["Balance"] == 100
    assert api.read("CreditMemo", credit["Id"])["RemainingCredit"] == 30
    assert (customer_balance(api, customer), receivable(api)) == (70, 70)
    again = api.post("/payment", {"Id": voided["Id"], "SyncToken": voided["SyncToken"], "sparse": True, "TotalAmt": 5})
    assert error_of(again)["code"] == "6000"  # a voided transaction stays as it is
    # operation=void is accepted as well; an invoice's memo gets the same prefix.
    fresh = api.create(
        "Invoice",
        {"CustomerRef": {"value": customer["Id"]}, "PrivateNote": "Order 7", "Line": [line(hours["Id"], 1, 10)]},
    )
    gone = api.post("/invoice", {"Id": fresh["Id"], "SyncToken": fresh["SyncToken"]}, operation="void").json()
    assert (gone["Invoice"]["TotalAmt"], gone["Invoice"]["PrivateNote"]) == (0, "Voided - Order 7")


def test_applied_credit_memos_stay_and_credit_memos_are_not_voided_through_the_api(api, ctl, customer, hours, invoice):
    credit = memo(api, customer, hours, 30)
    pay(api, customer, 0, (invoice, "Invoice", 30), (credit, "CreditMemo", 30))
    current = api.read("CreditMemo", credit["Id"])
    refused = api.post("/creditmemo", {"Id": current["Id"], "SyncToken": current["SyncToken"]}, operation="delete")
    assert error_of(refused)["code"] == "6000"  # a payment applies it
    spare = memo(api, customer, hours, 5)
    not_voidable = api.post("/creditmemo", {"Id": spare["Id"], "SyncToken": spare["SyncToken"]}, operation="void")
    assert error_of(not_voidable)["code"] == "500"  # Intuit's CreditMemo reference has no void
    voided = ctl.call("POST", f"entities/CreditMemo/{spare['Id']}/void")  # a bookkeeper can, in QBO's screens
    assert (voided["TotalAmt"], voided["RemainingCredit"], voided["PrivateNote"]) == (0, 0, "Voided")
    deleted = api.post("/creditmemo", {"Id": voided["Id"], "SyncToken": voided["SyncToken"]}, operation="delete")
    assert deleted.status_code == 200
