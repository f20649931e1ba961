"""Payments applied to invoices (full, partial, over), credit memos, deletes and voids restoring balances."""

from __future__ import annotations

import pytest

from .conftest import error_of, line
from .ledger import pay


@pytest.fixture
def invoice(api, customer, hours):
    return api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 100)]})


def test_full_payment_closes_the_invoice(api, customer, invoice):
    response = pay(api, customer, 100, (invoice, "Invoice", 100))
    assert response.status_code == 200, response.text
    payment = response.json()["Payment"]
    assert payment["UnappliedAmt"] == 0
    undeposited = api.find("Account", "Undeposited Funds")
    assert payment["DepositToAccountRef"]["value"] == undeposited["Id"]
    paid = api.read("Invoice", invoice["Id"])
    assert paid["Balance"] == 0
    assert paid["SyncToken"] == "1"  # the payment changed the invoice
    assert {"TxnId": payment["Id"], "TxnType": "Payment"} in paid["LinkedTxn"]
    assert api.read("Customer", customer["Id"])["Balance"] == 0


def test_partial_payments_and_over_application(api, customer, invoice):
    assert pay(api, customer, 40, (invoice, "Invoice", 40)).status_code == 200
    assert api.read("Invoice", invoice["Id"])["Balance"] == 60
    assert api.read("Customer", customer["Id"])["Balance"] == 60
    too_much = pay(api, customer, 70, (invoice, "Invoice", 70))
    error = error_of(too_much)
    assert error["code"] == "6000" and "open balance" in error["Detail"]
    over_total = pay(api, customer, 10, (invoice, "Invoice", 60))
    assert error_of(over_total)["code"] == "6000"
    rest = pay(api, customer, 80, (invoice, "Invoice", 60)).json()["Payment"]
    assert rest["UnappliedAmt"] == 20
    assert api.read("Invoice", invoice["Id"])["Balance"] == 0
    assert api.read("Customer", customer["Id"])["Balance"] == -20  # the unapplied 20 is a credit
    receivable = api.find("Account", "Accounts Receivable (A/R)")
    assert receivable["CurrentBalance"] == -20


def test_delete_and_void_restore_the_invoice_balance(api, customer, invoice):
    first = pay(api, customer, 30, (invoice, "Invoice", 30)).json()["Payment"]
    second = pay(api, customer, 70, (invoice, "Invoice", 70)).json()["Payment"]
    assert api.read("Invoice", invoice["Id"])["Balance"] == 0
    deleted = api.post("/payment", {"Id": first["Id"], "SyncToken": first["SyncToken"]}, operation="delete")
    assert deleted.json()["Payment"]["status"] == "Deleted"
    assert api.read("Invoice", invoice["Id"])["Balance"] == 30
    voided = api.update(
        "Payment",
        {"Id": second["Id"], "SyncToken": second["SyncToken"], "sparse": True},
        operation="update",
        include="void",
    )
    assert (voided["TotalAmt"], voided["PrivateNote"]) == (0, "Voided")
    restored = api.read("Invoice", invoice["Id"])
    assert restored["Balance"] == 100
    assert not [link for link in restored["LinkedTxn"] if link["TxnType"] == "Payment"]


def test_updating_a_payment_reapplies_it(api, customer, invoice):
    payment = pay(api, customer, 100, (invoice, "Invoice", 100)).json()["Payment"]
    smaller = api.update(
        "Payment",
        {
            "Id": payment["Id"],
            "SyncToken": payment["SyncToken"],
            "sparse": True,
            "TotalAmt": 25,
            "Line": [{"Amount": 25, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
        },
    )
    assert smaller["TotalAmt"] == 25
    assert api.read("Invoice", invoice["Id"])["Balance"] == 75


def test_credit_memo_applied_through_a_payment(api, customer, invoice, hours):
    memo = api.create("CreditMemo", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 30)]})
    assert memo["RemainingCredit"] == 30
    payment = pay(api, customer, 70, (invoice, "Invoice", 100), (memo, "CreditMemo", 30)).json()["Payment"]
    assert payment["UnappliedAmt"] == 0
    assert api.read("Invoice", invoice["Id"])["Balance"] == 0
    assert api.read("CreditMemo", memo["Id"])["RemainingCredit"] == 0


def test_deposit_account_and_customer_checks(api, customer, invoice):
    income = api.find("Account", "Services")
    bad = pay(api, customer, 100, (invoice, "Invoice", 100), DepositToAccountRef={"value": income["Id"]})
    assert error_of(bad)["code"] == "6000"
    checking = api.find("Account", "Checking")
    good = pay(api, customer, 10, (invoice, "Invoice", 10), DepositToAccountRef={"value": checking["Id"]})
    assert good.json()["Payment"]["DepositToAccountRef"]["value"] == checking["Id"]
    other = api.create("Customer", {"DisplayName": "Someone Else"})
    assert error_of(pay(api, other, 5, (invoice, "Invoice", 5)))["code"] == "6000"
    missing = {"Id": "777"}
    assert error_of(pay(api, customer, 5, (missing, "Invoice", 5)))["code"] == "2500"


def test_paid_invoices_cannot_be_deleted_or_voided(api, customer, invoice):
    pay(api, customer, 10, (invoice, "Invoice", 10))
    current = api.read("Invoice", invoice["Id"])
    for operation in ("delete", "void"):
        response = api.post("/invoice", {"Id": current["Id"], "SyncToken": current["SyncToken"]}, operation=operation)
        assert error_of(response)["code"] == "6000"
    shrink = api.post(
        "/invoice",
        {
            "Id": current["Id"],
            "SyncToken": current["SyncToken"],
            "sparse": True,
            "Line": [line(api.find("Item", "Hours")["Id"], 1, 5)],
        },
    )
    assert error_of(shrink)["code"] == "6000"  # the new total would be below what was paid


def test_bill_payment_settles_a_bill(api):
    vendor = api.find("Vendor", "Office Supplies Co.", field="DisplayName")
    expenses = api.find("Account", "Office Expenses")
    checking = {"BankAccountRef": {"value": api.find("Account", "Checking")["Id"]}}
    bill = api.create(
        "Bill",
        {
            "VendorRef": {"value": vendor["Id"]},
            "Line": [
                {
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "Amount": 200,
                    "AccountBasedExpenseLineDetail": {"AccountRef": {"value": expenses["Id"]}},
                }
            ],
        },
    )
    assert (bill["TotalAmt"], bill["Balance"]) == (200, 200)
    assert api.read("Vendor", vendor["Id"])["Balance"] == 200
    payment = api.create(
        "BillPayment",
        {
            "VendorRef": {"value": vendor["Id"]},
            "TotalAmt": 200,
            "PayType": "Check",
            "CheckPayment": checking,
            "Line": [{"Amount": 200, "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Bill"}]}],
        },
    )
    assert api.read("Bill", bill["Id"])["Balance"] == 0
    api.update(
        "BillPayment",
        {"Id": payment["Id"], "SyncToken": payment["SyncToken"], "sparse": True},
        operation="update",
        include="void",
    )
    assert api.read("Bill", bill["Id"])["Balance"] == 200
    payable = api.find("Account", "Accounts Payable (A/P)")
    assert payable["CurrentBalance"] == 200
