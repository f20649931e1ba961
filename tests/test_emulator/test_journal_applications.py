"""Journal entries applied by payments: a journal entry line on A/R (A/P) naming a customer (vendor) is an
open item that a Payment (BillPayment) links as a credit or a charge, as QuickBooks' "Receive payment"
and "Pay bills" screens apply it.  Sources in the emulator's README ("Payments and settlements" 10)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import error_of, line
from .ledger import accounts_by_number, je_line, pay
from .purchases import bill_payment, expense, paid, purchase, vendor_balance


@pytest.fixture
def accounts(api) -> dict[str, str]:
    return accounts_by_number(api)


def named(account_id: str, posting: str, amount: Any, party: dict[str, Any], kind: str) -> dict[str, Any]:
    entry_line = je_line(account_id, posting, amount)
    entry_line["JournalEntryLineDetail"]["Entity"] = {"Type": kind, "EntityRef": {"value": party["Id"]}}
    return entry_line


def write_off(api, accounts, customer, amount) -> dict[str, Any]:
    """Bad debt: debit Office Expenses, credit A/R for the customer."""
    return api.create(
        "JournalEntry",
        {
            "Line": [
                je_line(accounts["6000"], "Debit", amount),
                named(accounts["1100"], "Credit", amount, customer, "Customer"),
            ]
        },
    )


def balance_sheet_account(api, account_id) -> float:
    return api.read("Account", account_id)["CurrentBalance"]


def test_a_journal_entry_credit_pays_an_invoice_in_a_payment_of_zero(api, accounts, customer, hours):
    invoice = api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 100)]})
    entry = write_off(api, accounts, customer, 100)
    assert api.read("Customer", customer["Id"])["Balance"] == 0  # the entry's credit already lowers what it owes
    response = pay(api, customer, 0, (invoice, "Invoice", 100), (entry, "JournalEntry", 100))
    assert response.status_code == 200, response.text
    payment = response.json()["Payment"]
    assert (payment["TotalAmt"], payment["UnappliedAmt"]) == (0, 0)
    assert api.read("Invoice", invoice["Id"])["Balance"] == 0
    assert api.read("Customer", customer["Id"])["Balance"] == 0
    assert balance_sheet_account(api, accounts["1100"]) == 0
    # The entry's open item is used up: it cannot be applied twice.
    again = api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 50)]})
    refused = pay(api, customer, 0, (again, "Invoice", 10), (entry, "JournalEntry", 10))
    assert refused.status_code == 400 and "open balance" in error_of(refused)["Message"] + error_of(refused)["Detail"]


def test_a_partial_write_off_leaves_both_open_amounts(api, accounts, customer, hours):
    invoice = api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 100)]})
    entry = write_off(api, accounts, customer, 30)
    payment = pay(api, customer, 0, (invoice, "Invoice", 20), (entry, "JournalEntry", 20)).json()["Payment"]
    assert api.read("Invoice", invoice["Id"])["Balance"] == 80
    assert api.read("Customer", customer["Id"])["Balance"] == 70  # 80 open, 10 of the entry's credit left
    assert balance_sheet_account(api, accounts["1100"]) == 70
    # The payment goes: the invoice and the entry are open again.
    api.post("/payment", {"Id": payment["Id"], "SyncToken": payment["SyncToken"]}, operation="delete")
    assert api.read("Invoice", invoice["Id"])["Balance"] == 100
    assert api.read("Customer", customer["Id"])["Balance"] == 70


def test_a_journal_entry_charge_is_paid_like_an_invoice(api, accounts, customer):
    # A refund paid out of Checking to the customer, on A/R: a charge the customer's credit memo settles.
    memo = api.create(
        "CreditMemo", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(api.find("Item", "Hours")["Id"], 1, 40)]}
    )
    refund = api.create(
        "JournalEntry",
        {"Line": [named(accounts["1100"], "Debit", 40, customer, "Customer"), je_line(accounts["1000"], "Credit", 40)]},
    )
    response = pay(api, customer, 0, (refund, "JournalEntry", 40), (memo, "CreditMemo", 40))
    assert response.status_code == 200, response.text
    assert api.read("CreditMemo", memo["Id"])["RemainingCredit"] == 0
    assert api.read("Customer", customer["Id"])["Balance"] == 0
    assert balance_sheet_account(api, accounts["1000"]) == -40


def test_journal_entry_applications_are_refused_as_for_documents(api, accounts, customer, hours):
    invoice = api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 100)]})
    other = api.create("Customer", {"DisplayName": "Someone Else"})
    theirs = write_off(api, accounts, other, 50)
    refused = pay(api, customer, 0, (invoice, "Invoice", 50), (theirs, "JournalEntry", 50))
    assert refused.status_code == 400 and "no Accounts Receivable line" in error_of(refused)["Detail"]
    entry = write_off(api, accounts, customer, 50)
    too_much = pay(api, customer, 0, (invoice, "Invoice", 60), (entry, "JournalEntry", 60))
    assert too_much.status_code == 400
    pay(api, customer, 0, (invoice, "Invoice", 50), (entry, "JournalEntry", 50))
    # Applied, the entry can neither be deleted nor be cut below what is applied.
    stored = api.read("JournalEntry", entry["Id"])
    deleted = api.post("/journalentry", {"Id": stored["Id"], "SyncToken": stored["SyncToken"]}, operation="delete")
    assert deleted.status_code == 400 and "applied to it" in error_of(deleted)["Detail"]
    smaller = api.post(
        "/journalentry",
        {
            "Id": stored["Id"],
            "SyncToken": stored["SyncToken"],
            "Line": [
                je_line(accounts["6000"], "Debit", 20),
                named(accounts["1100"], "Credit", 20, customer, "Customer"),
            ],
        },
    )
    assert smaller.status_code == 400 and "Remove or reduce the payments first" in error_of(smaller)["Detail"]


def test_a_journal_entry_debit_on_payables_is_a_vendor_credit_in_a_bill_payment(api, accounts):
    vendor = api.create("Vendor", {"DisplayName": "Acme Supplies"})
    bill = purchase(api, "Bill", vendor, expense(accounts["6000"], 300))
    # A rebate the vendor grants on A/P, entered as a journal entry.
    entry = api.create(
        "JournalEntry",
        {"Line": [named(accounts["2000"], "Debit", 300, vendor, "Vendor"), je_line(accounts["6000"], "Credit", 300)]},
    )
    assert vendor_balance(api, vendor) == 0
    settled = paid(
        bill_payment(api, vendor, 0, (bill, "Bill", 300), (entry, "JournalEntry", 300), bank=accounts["1000"])
    )
    assert settled["TotalAmt"] == 0
    assert api.read("Bill", bill["Id"])["Balance"] == 0
    assert vendor_balance(api, vendor) == 0
    assert api.read("Account", accounts["2000"])["CurrentBalance"] == 0
    assert api.read("Account", accounts["1000"])["CurrentBalance"] == 0
