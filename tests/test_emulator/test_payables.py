"""Payables as QBO keeps them: vendors, bills, vendor credits and bill payments (by check or credit card),
what they leave on vendors and A/P, and what can be updated, deleted or voided.  Sources in the
emulator's README ("Payables")."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from .conftest import error_of
from .ledger import accounts_by_number, amounts, report
from .purchases import balance_of, bill_payment, expense, paid, payable, purchase, vendor_balance


@pytest.fixture
def accounts(api) -> dict[str, str]:
    """1000 Checking, 2000 A/P, 2050 Mastercard, 5000 Cost of Goods Sold, 6000 Office Expenses, 7990 exchange."""
    return accounts_by_number(api)


@pytest.fixture
def vendor(api) -> dict[str, Any]:
    return api.create("Vendor", {"DisplayName": "Acme Supplies"})


def bill(api, vendor, amount, accounts, **fields) -> dict[str, Any]:
    return purchase(api, "Bill", vendor, expense(accounts["6000"], amount), **fields)


def credit(api, vendor, amount, accounts, **fields) -> dict[str, Any]:
    return purchase(api, "VendorCredit", vendor, expense(accounts["6000"], amount), **fields)


# ----------------------------------------------------------------------------- vendors
def test_a_vendor_shares_its_display_name_with_customers_and_employees(api):
    vendor = api.create("Vendor", {"DisplayName": "Northwind"})
    for entity in ("Customer", "Employee"):
        error = error_of(api.post(f"/{entity.lower()}", {"DisplayName": " northwind"}))
        assert (error["code"], error["Detail"]) == ("6240", f"The name supplied already exists. : Id={vendor['Id']}")
    api.create("Customer", {"DisplayName": "Contoso"})
    renamed = api.post(
        "/vendor", {"Id": vendor["Id"], "SyncToken": vendor["SyncToken"], "sparse": True, "DisplayName": "CONTOSO"}
    )
    assert error_of(renamed)["code"] == "6240"
    person = api.create("Vendor", {"GivenName": "Ada", "FamilyName": "Lovelace"})
    assert person["DisplayName"] == "Ada Lovelace"  # built from the person's names


def test_a_vendors_currency_is_fixed_at_creation_and_its_balance_is_in_it(api, accounts):
    euro = api.create("Vendor", {"DisplayName": "Lieferant AG", "CurrencyRef": {"value": "EUR"}})
    assert euro["CurrencyRef"] == {"value": "EUR", "name": "Euro"}
    assert api.create("Vendor", {"DisplayName": "Local Co"})["CurrencyRef"]["value"] == "USD"
    changed = api.post(
        "/vendor", {"Id": euro["Id"], "SyncToken": euro["SyncToken"], "sparse": True, "CurrencyRef": {"value": "USD"}}
    )
    assert (error_of(changed)["code"], error_of(changed)["element"]) == ("6000", "CurrencyRef")
    body = {"VendorRef": {"value": euro["Id"]}, "Line": [expense(accounts["6000"], 100)]}
    assert error_of(api.post("/bill", body))["element"] == "ExchangeRate"  # 2020: a foreign bill needs a rate
    in_dollars = api.post("/bill", {**body, "CurrencyRef": {"value": "USD"}, "ExchangeRate": 1})
    assert (error_of(in_dollars)["code"], error_of(in_dollars)["element"]) == ("6000", "CurrencyRef")
    created = bill(api, euro, 100, accounts, ExchangeRate=1.2)
    assert (created["CurrencyRef"]["value"], created["Balance"], created["HomeBalance"]) == ("EUR", 100, 120)
    assert vendor_balance(api, euro) == 100  # in euros
    assert payable(api) == 120  # A/P in the home currency


# ----------------------------------------------------------------------------- bills
def test_a_bill_as_quickbooks_completes_it(api, accounts, vendor):
    created = bill(api, vendor, 200, accounts)
    assert created["APAccountRef"] == {"value": accounts["2000"], "name": "Accounts Payable (A/P)"}
    assert "DocNumber" not in created  # the vendor's reference: QBO assigns none
    assert created["DueDate"] == created["TxnDate"]  # no terms: due on the bill's date
    detail = created["Line"][0]["AccountBasedExpenseLineDetail"]
    assert (detail["BillableStatus"], detail["TaxCodeRef"]) == ("NotBillable", {"value": "NON"})
    assert (created["TotalAmt"], created["Balance"], created["HomeBalance"]) == (200, 200, 200)
    assert "TxnTaxDetail" not in created  # a US company keeps no tax on purchases
    net30 = api.find("Term", "Net 30")
    termed = bill(
        api, vendor, 10, accounts, TxnDate="2026-03-01", SalesTermRef={"value": net30["Id"]}, DocNumber="INV-0042"
    )
    assert (termed["DueDate"], termed["DocNumber"], termed["SalesTermRef"]["value"]) == (
        "2026-03-31",
        "INV-0042",
        net30["Id"],
    )
    dated = bill(
        api, vendor, 10, accounts, TxnDate="2026-03-01", DueDate="2026-04-15", SalesTermRef={"value": net30["Id"]}
    )
    assert dated["DueDate"] == "2026-04-15"
    job = api.create("Customer", {"DisplayName": "Job Client"})
    sales = api.find("Item", "Sales")
    mixed = purchase(
        api,
        "Bill",
        vendor,
        expense(accounts["6000"], 50, BillableStatus="Billable", CustomerRef={"value": job["Id"]}),
        {
            "DetailType": "ItemBasedExpenseLineDetail",
            "Amount": 30,
            "ItemBasedExpenseLineDetail": {"ItemRef": {"value": sales["Id"]}, "Qty": 3, "UnitPrice": 10},
        },
    )
    first, second = mixed["Line"]
    assert first["AccountBasedExpenseLineDetail"]["CustomerRef"]["value"] == job["Id"]
    assert first["AccountBasedExpenseLineDetail"]["BillableStatus"] == "Billable"
    assert (second["ItemBasedExpenseLineDetail"]["ItemRef"]["name"], second["Id"], mixed["TotalAmt"]) == (
        "Sales",
        "2",
        80,
    )
    assert vendor_balance(api, vendor) == 300 and payable(api) == 300


def test_a_bill_is_refused_as_quickbooks_refuses_it(api, accounts, vendor):
    base = {"VendorRef": {"value": vendor["Id"]}, "Line": [expense(accounts["6000"], 10)]}
    no_account = {"DetailType": "AccountBasedExpenseLineDetail", "Amount": 10, "AccountBasedExpenseLineDetail": {}}
    no_amount = {
        "DetailType": "AccountBasedExpenseLineDetail",
        "AccountBasedExpenseLineDetail": {"AccountRef": {"value": accounts["6000"]}},
    }
    cases = [
        ({**base, "VendorRef": None}, "2020", "VendorRef"),
        ({**base, "Line": []}, "2020", "Line"),
        ({**base, "Line": [no_account]}, "2020", "Line.AccountBasedExpenseLineDetail.AccountRef"),
        ({**base, "Line": [expense("999", 10)]}, "2500", "Line.AccountBasedExpenseLineDetail.AccountRef"),
        ({**base, "Line": [no_amount]}, "2020", "Line.Amount"),
        ({**base, "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 10}]}, "2010", "Line.DetailType"),
        (
            {**base, "Line": [expense(accounts["6000"], 10, BillableStatus="Maybe")]},
            "2170",
            "Line.AccountBasedExpenseLineDetail.BillableStatus",
        ),
        ({**base, "APAccountRef": {"value": accounts["6000"]}}, "6000", "APAccountRef"),
        ({**base, "DocNumber": "X" * 22}, "2050", "DocNumber"),
        ({**base, "Line": [expense(accounts["6000"], -10)]}, "6000", "TotalAmt"),
    ]
    for body, code, element in cases:
        error = error_of(api.post("/bill", body))
        assert (error["code"], error["element"]) == (code, element), body


def test_duplicate_bill_numbers_are_refused_only_when_the_company_warns(api, ctl, accounts, vendor):
    bill(api, vendor, 10, accounts, DocNumber="A-1")
    assert bill(api, vendor, 10, accounts, DocNumber="A-1")["DocNumber"] == "A-1"  # QBO's default: no warning
    prefs = api.read("Preferences", "1")["OtherPrefs"]["NameValue"]
    assert {"Name": "WarnDuplicateBillNumber", "Value": "false"} in prefs
    ctl.settings(warn_duplicate_bill_number=True)
    prefs = api.read("Preferences", "1")["OtherPrefs"]["NameValue"]
    assert {"Name": "WarnDuplicateBillNumber", "Value": "true"} in prefs
    body = {"VendorRef": {"value": vendor["Id"]}, "DocNumber": "A-1", "Line": [expense(accounts["6000"], 10)]}
    error = error_of(api.post("/bill", body))
    assert (error["code"], error["element"]) == ("6140", "DocNumber")
    assert api.post("/bill", body, include="allowduplicatedocnum").status_code == 200
    other = api.create("Vendor", {"DisplayName": "Other Supplier"})
    assert bill(api, other, 10, accounts, DocNumber="A-1")["DocNumber"] == "A-1"  # per vendor


# ----------------------------------------------------------------------------- bill payments
def test_bill_payments_by_check_and_by_credit_card(api, accounts, vendor):
    first, second = bill(api, vendor, 100, accounts), bill(api, vendor, 50, accounts)
    check = paid(bill_payment(api, vendor, 100, (first, "Bill", 100), bank=accounts["1000"], DocNumber="1001"))
    assert check["CheckPayment"] == {
        "BankAccountRef": {"value": accounts["1000"], "name": "Checking"},
        "PrintStatus": "NeedToPrint",
    }
    assert (check["APAccountRef"]["value"], check["DocNumber"], "UnappliedAmt" in check) == (
        accounts["2000"],
        "1001",
        False,
    )
    card = paid(bill_payment(api, vendor, 50, (second, "Bill", 50), card=accounts["2050"]))
    assert (card["PayType"], card["CreditCardPayment"]["CCAccountRef"]["value"]) == ("CreditCard", accounts["2050"])
    assert "DocNumber" not in card
    assert api.read("Bill", first["Id"])["LinkedTxn"] == [{"TxnId": check["Id"], "TxnType": "BillPaymentCheck"}]
    assert api.read("Bill", second["Id"])["LinkedTxn"] == [{"TxnId": card["Id"], "TxnType": "BillPaymentCreditCard"}]
    assert (vendor_balance(api, vendor), payable(api)) == (0, 0)


def test_a_bill_payment_is_refused_as_quickbooks_refuses_it(api, accounts, vendor):
    target = bill(api, vendor, 100, accounts)
    line = (target, "Bill", 100)
    cases = [
        (bill_payment(api, vendor, 100, line, bank=accounts["1000"], PayType=""), "2020", "PayType"),
        (bill_payment(api, vendor, 100, line, bank=accounts["1000"], PayType="Cash"), "2170", "PayType"),
        (bill_payment(api, vendor, 100, line, bank=None), "6000", "CheckPayment.BankAccountRef"),
        (bill_payment(api, vendor, 100, line, bank=accounts["2050"]), "6000", "CheckPayment.BankAccountRef"),
        (bill_payment(api, vendor, 100, line, card=accounts["1000"]), "6000", "CreditCardPayment.CCAccountRef"),
        (bill_payment(api, vendor, 100, line, bank=accounts["1000"], TotalAmt=None), "2020", "TotalAmt"),
        (bill_payment(api, vendor, -1, bank=accounts["1000"]), "2010", "TotalAmt"),
        (bill_payment(api, vendor, 90, line, bank=accounts["1000"]), "6000", "TotalAmt"),
        (bill_payment(api, vendor, 200, (target, "Bill", 150), bank=accounts["1000"]), "6000", "Line.Amount"),
        (
            bill_payment(api, vendor, 100, (target, "Invoice", 100), bank=accounts["1000"]),
            "2010",
            "Line.LinkedTxn.TxnType",
        ),
        (
            bill_payment(api, vendor, 100, ({"Id": "999"}, "Bill", 100), bank=accounts["1000"]),
            "2500",
            "Line.LinkedTxn.TxnId",
        ),
        (
            bill_payment(api, vendor, 100, line, bank=accounts["1000"], APAccountRef={"value": accounts["1000"]}),
            "6000",
            "APAccountRef",
        ),
    ]
    for response, code, element in cases:
        error = error_of(response)
        assert (error["code"], error["element"]) == (code, element), response.request.body
    other = api.create("Vendor", {"DisplayName": "Someone Else"})
    assert error_of(bill_payment(api, other, 100, line, bank=accounts["1000"]))["code"] == "6000"
    second_ap = api.create("Account", {"Name": "A/P Imports", "AccountType": "Accounts Payable"})
    elsewhere = bill(api, vendor, 10, accounts, APAccountRef={"value": second_ap["Id"]})
    mismatch = bill_payment(api, vendor, 10, (elsewhere, "Bill", 10), bank=accounts["1000"])
    assert (error_of(mismatch)["code"], error_of(mismatch)["element"]) == ("6000", "APAccountRef")
    assert payable(api, "A/P Imports") == 10 and payable(api) == 100  # each A/P account its own bills
    assert (
        paid(
            bill_payment(
                api, vendor, 10, (elsewhere, "Bill", 10), bank=accounts["1000"], APAccountRef={"value": second_ap["Id"]}
            )
        )["TotalAmt"]
        == 10
    )
    assert payable(api, "A/P Imports") == 0


def test_partial_payments_of_several_bills(api, accounts, vendor):
    first, second = bill(api, vendor, 100, accounts), bill(api, vendor, 50, accounts)
    payment = paid(bill_payment(api, vendor, 120, (first, "Bill", 100), (second, "Bill", 20), bank=accounts["1000"]))
    assert (balance_of(api, "Bill", first), balance_of(api, "Bill", second)) == (0, 30)
    assert api.read("Bill", second["Id"])["SyncToken"] == "1"  # the payment changed the bill
    assert (vendor_balance(api, vendor), payable(api)) == (30, 30)
    rest = paid(bill_payment(api, vendor, 30, (second, "Bill", 30), bank=accounts["1000"]))
    assert [link["TxnId"] for link in api.read("Bill", second["Id"])["LinkedTxn"]] == [payment["Id"], rest["Id"]]
    assert (vendor_balance(api, vendor), payable(api)) == (0, 0)


def test_vendor_credits_are_applied_through_bill_payments(api, accounts, vendor):
    target = bill(api, vendor, 100, accounts)
    vc = credit(api, vendor, 40, accounts)
    assert (vc["TotalAmt"], vc["Balance"], "DocNumber" in vc, "DueDate" in vc) == (40, 40, False, False)
    assert (vendor_balance(api, vendor), payable(api)) == (60, 60)
    zero = paid(bill_payment(api, vendor, 0, (target, "Bill", 40), (vc, "VendorCredit", 40), bank=accounts["1000"]))
    assert [(row["Amount"], row["LinkedTxn"][0]["TxnType"]) for row in zero["Line"]] == [
        (40, "Bill"),
        (40, "VendorCredit"),
    ]  # amounts positive, the type tells them apart
    assert (balance_of(api, "Bill", target), balance_of(api, "VendorCredit", vc)) == (60, 0)
    assert api.read("VendorCredit", vc["Id"])["LinkedTxn"] == [{"TxnId": zero["Id"], "TxnType": "BillPaymentCheck"}]
    assert (vendor_balance(api, vendor), payable(api)) == (60, 60)
    again = credit(api, vendor, 25, accounts)
    net = paid(bill_payment(api, vendor, 35, (target, "Bill", 60), (again, "VendorCredit", 25), card=accounts["2050"]))
    assert net["TotalAmt"] == 35  # the cash paid: bills - credits
    assert (balance_of(api, "Bill", target), balance_of(api, "VendorCredit", again)) == (0, 0)
    assert (vendor_balance(api, vendor), payable(api)) == (0, 0)


def test_vendor_credit_applications_are_refused_as_quickbooks_refuses_them(api, accounts, vendor):
    target, vc = bill(api, vendor, 100, accounts), credit(api, vendor, 40, accounts)
    bank = accounts["1000"]
    over_bills = bill_payment(api, vendor, 0, (target, "Bill", 10), (vc, "VendorCredit", 40), bank=bank)
    assert (error_of(over_bills)["code"], error_of(over_bills)["element"]) == ("6000", "Line")
    over_credit = bill_payment(api, vendor, 0, (target, "Bill", 50), (vc, "VendorCredit", 50), bank=bank)
    assert (error_of(over_credit)["code"], error_of(over_credit)["element"]) == ("6000", "Line.Amount")
    short = bill_payment(api, vendor, 50, (target, "Bill", 100), (vc, "VendorCredit", 40), bank=bank)
    assert (error_of(short)["code"], error_of(short)["element"]) == ("6000", "TotalAmt")  # 60 to cover
    links = [{"TxnId": target["Id"], "TxnType": "Bill"}, {"TxnId": vc["Id"], "TxnType": "VendorCredit"}]
    both = api.post(
        "/billpayment",
        {
            "VendorRef": {"value": vendor["Id"]},
            "TotalAmt": 60,
            "PayType": "Check",
            "CheckPayment": {"BankAccountRef": {"value": bank}},
            "Line": [{"Amount": 60, "LinkedTxn": links}],
        },
    )
    assert (error_of(both)["code"], error_of(both)["element"]) == ("6000", "Line.LinkedTxn")  # one per line
    stranger = api.create("Vendor", {"DisplayName": "Stranger"})
    theirs = credit(api, stranger, 10, accounts)
    foreign = bill_payment(api, vendor, 90, (target, "Bill", 100), (theirs, "VendorCredit", 10), bank=bank)
    assert error_of(foreign)["code"] == "6000"


def test_an_overpayment_is_the_vendors_credit(api, accounts, vendor):
    target = bill(api, vendor, 100, accounts)
    over = paid(bill_payment(api, vendor, 150, (target, "Bill", 100), bank=accounts["1000"]))
    assert "UnappliedAmt" not in over  # Intuit's BillPayment has no such field
    assert (balance_of(api, "Bill", target), vendor_balance(api, vendor), payable(api)) == (0, -50, -50)
    advance = paid(bill_payment(api, vendor, 80, bank=accounts["1000"]))
    assert advance["Line"] == []
    assert (vendor_balance(api, vendor), payable(api)) == (-130, -130)
    later = bill(api, vendor, 80, accounts)
    applied = api.update(
        "BillPayment",
        {
            "Id": advance["Id"],
            "SyncToken": advance["SyncToken"],
            "sparse": True,
            "Line": [{"Amount": 80, "LinkedTxn": [{"TxnId": later["Id"], "TxnType": "Bill"}]}],
        },
    )
    assert applied["TotalAmt"] == 80 and balance_of(api, "Bill", later) == 0
    assert (vendor_balance(api, vendor), payable(api)) == (-50, -50)


def test_updates_deletes_and_voids_give_balances_back(api, ctl, accounts, vendor):
    target, vc = bill(api, vendor, 100, accounts), credit(api, vendor, 30, accounts)
    payment = paid(
        bill_payment(
            api,
            vendor,
            70,
            (target, "Bill", 100),
            (vc, "VendorCredit", 30),
            bank=accounts["1000"],
            PrivateNote="Check 42",
        )
    )
    smaller = api.update(
        "BillPayment",
        {
            "Id": payment["Id"],
            "SyncToken": payment["SyncToken"],
            "sparse": True,
            "TotalAmt": 20,
            "Line": [{"Amount": 20, "LinkedTxn": [{"TxnId": target["Id"], "TxnType": "Bill"}]}],
        },
    )
    assert (balance_of(api, "Bill", target), balance_of(api, "VendorCredit", vc)) == (80, 30)  # lines: all or none
    assert api.read("VendorCredit", vc["Id"])["LinkedTxn"] == []
    refused = api.post("/billpayment", {"Id": smaller["Id"], "SyncToken": smaller["SyncToken"]}, operation="void")
    assert error_of(refused)["code"] == "500"  # operation=void is not how a bill payment is voided
    voided = api.update(
        "BillPayment",
        {"Id": smaller["Id"], "SyncToken": smaller["SyncToken"], "sparse": True},
        operation="update",
        include="void",
    )
    assert (voided["TotalAmt"], voided["Line"], voided["PrivateNote"]) == (0, [], "Voided - Check 42")
    last = ctl.call("GET", "webhooks/events")[-1]
    assert (last["entity"], last["operation"], last["entityId"]) == ("BillPayment", "Void", voided["Id"])
    assert (balance_of(api, "Bill", target), vendor_balance(api, vendor), payable(api)) == (100, 70, 70)
    again = api.post(
        "/billpayment", {"Id": voided["Id"], "SyncToken": voided["SyncToken"], "sparse": True, "TotalAmt": 5}
    )
    assert error_of(again)["code"] == "6000"  # a voided transaction stays as it is
    second = paid(bill_payment(api, vendor, 70, (target, "Bill", 100), (vc, "VendorCredit", 30), bank=accounts["1000"]))
    batch = api.post(
        "/batch",
        {
            "BatchItemRequest": [
                {"bId": "1", "operation": "void", "BillPayment": {"Id": second["Id"], "SyncToken": second["SyncToken"]}}
            ]
        },
    )
    assert batch.json()["BatchItemResponse"][0]["Fault"]["Error"][0]["code"] == "500"  # in batches too
    deleted = api.post("/billpayment", {"Id": second["Id"], "SyncToken": second["SyncToken"]}, operation="delete")
    assert deleted.json()["BillPayment"] == {"status": "Deleted", "domain": "QBO", "Id": second["Id"]}
    assert (balance_of(api, "Bill", target), balance_of(api, "VendorCredit", vc)) == (100, 30)
    assert (vendor_balance(api, vendor), payable(api)) == (70, 70)


def test_what_cannot_be_deleted_or_voided(api, ctl, accounts, vendor):
    target, vc = bill(api, vendor, 100, accounts), credit(api, vendor, 30, accounts)
    paid(bill_payment(api, vendor, 70, (target, "Bill", 100), (vc, "VendorCredit", 30), bank=accounts["1000"]))
    for entity, obj in (("Bill", target), ("VendorCredit", vc)):
        current = api.read(entity, obj["Id"])
        refused = api.post(
            f"/{entity.lower()}", {"Id": current["Id"], "SyncToken": current["SyncToken"]}, operation="delete"
        )
        assert error_of(refused)["code"] == "6000", entity  # unlink the bill payment first
        not_voidable = api.post(
            f"/{entity.lower()}", {"Id": current["Id"], "SyncToken": current["SyncToken"]}, operation="void"
        )
        assert error_of(not_voidable)["code"] == "500", entity  # no void in Intuit's references
    current = api.read("Bill", target["Id"])
    shrink = api.post(
        "/bill",
        {
            "Id": current["Id"],
            "SyncToken": current["SyncToken"],
            "sparse": True,
            "Line": [expense(accounts["6000"], 50)],
        },
    )
    assert error_of(shrink)["code"] == "6000"  # below what was paid
    spare = bill(api, vendor, 10, accounts, PrivateNote="Duplicate")
    voided = ctl.call("POST", f"entities/Bill/{spare['Id']}/void")  # a bookkeeper can, in QBO's screens
    assert (voided["TotalAmt"], voided["Balance"], voided["PrivateNote"]) == (0, 0, "Voided - Duplicate")
    last = ctl.call("GET", "webhooks/events")[-1]
    assert (last["entity"], last["operation"], last["entityId"]) == ("Bill", "Update", spare["Id"])  # no Void event
    spares = (("VendorCredit", credit(api, vendor, 5, accounts)), ("Bill", bill(api, vendor, 5, accounts)))
    for entity, unused in spares:
        gone = api.post(
            f"/{entity.lower()}", {"Id": unused["Id"], "SyncToken": unused["SyncToken"]}, operation="delete"
        )
        assert gone.json()[entity] == {"status": "Deleted", "domain": "QBO", "Id": unused["Id"]}
    assert vendor_balance(api, vendor) == 0  # what is left is paid or voided


def test_vendor_credit_updates(api, accounts, vendor):
    vc = credit(api, vendor, 40, accounts)
    memo = api.update(
        "VendorCredit", {"Id": vc["Id"], "SyncToken": vc["SyncToken"], "sparse": True, "PrivateNote": "returned goods"}
    )
    assert (memo["PrivateNote"], memo["TotalAmt"]) == ("returned goods", 40)
    sparse_lines = api.post(
        "/vendorcredit",
        {"Id": memo["Id"], "SyncToken": memo["SyncToken"], "sparse": True, "Line": [expense(accounts["6000"], 55)]},
    )
    assert (error_of(sparse_lines)["code"], error_of(sparse_lines)["element"]) == ("2020", "Line")
    full = {key: value for key, value in memo.items() if key not in ("MetaData", "TotalAmt", "Balance")}
    replaced = api.update("VendorCredit", {**full, "Line": [expense(accounts["6000"], 55)]})
    assert (replaced["TotalAmt"], replaced["Balance"], replaced["SyncToken"]) == (55, 55, "2")
    assert vendor_balance(api, vendor) == -55


# ----------------------------------------------------------------------------- foreign currency and reports
def test_a_foreign_bill_payment_realizes_exchange_differences(api, accounts):
    euro = api.create("Vendor", {"DisplayName": "Lieferant AG", "CurrencyRef": {"value": "EUR"}})
    target = bill(api, euro, 100, accounts, TxnDate="2026-02-10", ExchangeRate=1.2)  # A/P 120.00
    vc = credit(api, euro, 20, accounts, TxnDate="2026-02-11", ExchangeRate=1.3)  # A/P -26.00
    assert payable(api) == 94
    payment = paid(
        bill_payment(
            api,
            euro,
            80,
            (target, "Bill", 100),
            (vc, "VendorCredit", 20),
            bank=accounts["1000"],
            TxnDate="2026-03-05",
            CurrencyRef={"value": "EUR"},
            ExchangeRate=1.25,
        )
    )
    assert (payment["CurrencyRef"]["value"], payment["ExchangeRate"]) == ("EUR", 1.25)
    # Bill: 120.00 of A/P paid with 125.00 (loss 5.00); credit: 26.00 of A/P used for 25.00 (loss 1.00).
    assert amounts(report(api, start_date="2026-03-01", end_date="2026-03-31")) == {accounts["7990"]: "6.00"}
    assert (vendor_balance(api, euro), payable(api)) == (0, 0)
    assert api.read("Bill", target["Id"])["HomeBalance"] == 0


def test_profit_and_loss_posts_bills_and_vendor_credits_net(api, ctl, accounts, vendor):
    bill(api, vendor, 200, accounts, TxnDate="2026-02-04")
    credit(api, vendor, 50, accounts, TxnDate="2026-02-05")
    spare = bill(api, vendor, 999, accounts, TxnDate="2026-02-06")
    ctl.call("POST", f"entities/Bill/{spare['Id']}/void")
    assert amounts(report(api, start_date="2026-02-01", end_date="2026-02-28")) == {accounts["6000"]: "150.00"}


# ----------------------------------------------------------------------------- change data capture, webhooks
def test_payables_appear_in_cdc_queries_and_webhook_events(api, ctl, accounts, vendor):
    since = datetime.fromisoformat(api.read("CompanyInfo", "1")["MetaData"]["CreateTime"]) - timedelta(seconds=1)
    target, vc = bill(api, vendor, 100, accounts), credit(api, vendor, 30, accounts)
    payment = paid(
        bill_payment(api, vendor, 70, (target, "Bill", 100), (vc, "VendorCredit", 30), bank=accounts["1000"])
    )
    api.post("/billpayment", {"Id": payment["Id"], "SyncToken": payment["SyncToken"]}, operation="delete")
    response = api.get("/cdc", entities="Vendor,Bill,VendorCredit,BillPayment", changedSince=since.isoformat())
    vendors, bills, credits, payments = response.json()["CDCResponse"][0]["QueryResponse"]
    assert vendor["Id"] in [row["Id"] for row in vendors["Vendor"]]
    assert [(row["Id"], row["Balance"]) for row in bills["Bill"]] == [(target["Id"], 100)]
    assert [(row["Id"], row["Balance"]) for row in credits["VendorCredit"]] == [(vc["Id"], 30)]
    assert payments["BillPayment"][0]["status"] == "Deleted"
    events = {(event["entity"], event["operation"], event["entityId"]) for event in ctl.call("GET", "webhooks/events")}
    assert {
        ("Vendor", "Create", vendor["Id"]),
        ("Bill", "Create", target["Id"]),
        ("VendorCredit", "Create", vc["Id"]),
        ("BillPayment", "Create", payment["Id"]),
        ("BillPayment", "Delete", payment["Id"]),
    } <= events
    open_credits = api.query("select * from VendorCredit where Balance > '0'")["VendorCredit"]
    assert [row["Id"] for row in open_credits] == [vc["Id"]]
