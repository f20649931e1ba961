"""Foreign-currency settlements: the payment's currency and rate, realized exchange gains and losses
on QBO's "Exchange Gain or Loss" account (ProfitAndLoss), the account as QBO creates it, and the
``account_numbers`` company setting.  Sources in the emulator's README ("Payments and settlements")."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api, error_of, line
from .ledger import accounts_by_number, amounts, pay, report, sections, total

FEBRUARY = {"start_date": "2026-02-01", "end_date": "2026-02-28"}
MARCH = {"start_date": "2026-03-01", "end_date": "2026-03-31"}


@pytest.fixture
def euro(api) -> dict[str, Any]:
    return api.create("Customer", {"DisplayName": "Euro GmbH", "CurrencyRef": {"value": "EUR"}})


@pytest.fixture
def accounts(api) -> dict[str, str]:
    return accounts_by_number(api)


def invoice(
    api: Api,
    customer: dict[str, Any],
    hours: dict[str, Any],
    amount: float,
    rate: float,
    entity: str = "Invoice",
    day: str = "2026-02-10",
) -> dict[str, Any]:
    return api.create(
        entity,
        {
            "CustomerRef": {"value": customer["Id"]},
            "TxnDate": day,
            "ExchangeRate": rate,
            "Line": [line(hours["Id"], 1, amount)],
        },
    )


def eur_pay(
    api: Api, customer: dict[str, Any], total: float, rate: float, *applied: Any, day: str = "2026-03-05"
) -> dict[str, Any]:
    response = pay(api, customer, total, *applied, TxnDate=day, CurrencyRef={"value": "EUR"}, ExchangeRate=rate)
    assert response.status_code == 200, response.text
    return response.json()["Payment"]


def test_a_payment_is_in_its_customers_currency_with_a_rate(api, euro, hours):
    sale = invoice(api, euro, hours, 100, 1.2)
    no_rate = pay(api, euro, 100, (sale, "Invoice", 100))
    assert (error_of(no_rate)["code"], error_of(no_rate)["element"]) == ("2020", "ExchangeRate")
    in_dollars = pay(api, euro, 100, (sale, "Invoice", 100), CurrencyRef={"value": "USD"})
    assert (error_of(in_dollars)["code"], error_of(in_dollars)["element"]) == ("6000", "CurrencyRef")
    payment = eur_pay(api, euro, 100, 1.2345678, (sale, "Invoice", 100))
    assert (payment["CurrencyRef"]["value"], payment["ExchangeRate"]) == ("EUR", 1.2345678)  # kept as sent
    assert api.read("Payment", payment["Id"])["ExchangeRate"] == 1.2345678
    paid = api.read("Invoice", sale["Id"])
    assert (paid["Balance"], paid["HomeBalance"], paid["ExchangeRate"]) == (0, 0, 1.2)


def test_realized_gain_and_loss_by_payment_date(api, accounts, euro, hours):
    sale = invoice(api, euro, hours, 100, 1.2)  # 120.00 USD in A/R
    assert amounts(report(api, **FEBRUARY)) == {accounts["4100"]: "120.00"}
    eur_pay(api, euro, 40, 1.3, (sale, "Invoice", 40))  # 52.00 received for 48.00 of A/R: gain 4.00
    eur_pay(api, euro, 60, 1.1, (sale, "Invoice", 60), day="2026-03-20")  # 66.00 for 72.00: loss 6.00
    march = report(api, **MARCH)
    assert amounts(march) == {accounts["7990"]: "2.00"}  # net loss 2.00, debit positive
    assert sections(march)["OtherExpenses"]["Rows"]["Row"][0]["ColData"][0] == {
        "value": "Exchange Gain or Loss",
        "id": accounts["7990"],
    }
    assert (total(march, "NetOtherIncome"), total(march, "NetIncome")) == ("-2.00", "-2.00")
    assert amounts(report(api, start_date="2026-03-01", end_date="2026-03-10")) == {accounts["7990"]: "-4.00"}
    assert amounts(report(api, **FEBRUARY)) == {accounts["4100"]: "120.00"}  # nothing moves back
    receivable = api.find("Account", "Accounts Receivable (A/R)")
    assert receivable["CurrentBalance"] == 0  # cleared at the invoice's own rate
    assert api.find("Account", "Exchange Gain or Loss")["CurrentBalance"] == 0  # P&L accounts carry none


def test_unapplied_amounts_realize_nothing_and_home_currency_payments_nothing(api, accounts, euro, hours, customer):
    sale = invoice(api, euro, hours, 100, 1.2)
    payment = eur_pay(api, euro, 150, 1.25, (sale, "Invoice", 100))
    assert payment["UnappliedAmt"] == 50
    assert amounts(report(api, **MARCH)) == {accounts["7990"]: "-5.00"}  # on the 100 applied only
    assert api.read("Customer", euro["Id"])["Balance"] == -50  # in euros
    assert api.find("Account", "Accounts Receivable (A/R)")["CurrentBalance"] == -62.5  # 50 at 1.25
    local = invoice(api, customer, hours, 80, 1, day="2026-03-01")
    pay(api, customer, 80, (local, "Invoice", 80), TxnDate="2026-03-02")
    assert amounts(report(api, **MARCH)) == {accounts["7990"]: "-5.00", accounts["4100"]: "80.00"}


def test_credit_memo_at_another_rate_realizes_the_difference(api, accounts, euro, hours):
    sale = invoice(api, euro, hours, 100, 1.2)  # A/R +120
    credit = invoice(api, euro, hours, 100, 1.3, entity="CreditMemo")  # A/R -130
    link = eur_pay(api, euro, 0, 1.25, (sale, "Invoice", 100), (credit, "CreditMemo", 100))
    assert (link["TotalAmt"], link["UnappliedAmt"]) == (0, 0)
    assert amounts(report(api, **MARCH)) == {accounts["7990"]: "-10.00"}  # a gain of 10.00, whatever the rate
    assert api.find("Account", "Accounts Receivable (A/R)")["CurrentBalance"] == 0


def test_voided_or_deleted_payments_realize_nothing(api, accounts, euro, hours):
    sale = invoice(api, euro, hours, 100, 1.2)
    first = eur_pay(api, euro, 50, 1.3, (sale, "Invoice", 50))
    second = eur_pay(api, euro, 50, 1.3, (sale, "Invoice", 50))
    assert amounts(report(api, **MARCH)) == {accounts["7990"]: "-10.00"}
    api.post("/payment", {"Id": first["Id"], "SyncToken": first["SyncToken"]}, operation="delete")
    assert amounts(report(api, **MARCH)) == {accounts["7990"]: "-5.00"}
    api.update(
        "Payment",
        {"Id": second["Id"], "SyncToken": second["SyncToken"], "sparse": True},
        operation="update",
        include="void",
    )
    assert amounts(report(api, **MARCH)) == {}


def test_bill_payment_at_a_higher_rate_is_a_loss(api, accounts):
    vendor = api.create("Vendor", {"DisplayName": "Lieferant AG", "CurrencyRef": {"value": "EUR"}})
    expense = {"AccountRef": {"value": accounts["6000"]}}
    bill = api.create(
        "Bill",
        {
            "VendorRef": {"value": vendor["Id"]},
            "TxnDate": "2026-02-10",
            "ExchangeRate": 1.2,
            "Line": [
                {"DetailType": "AccountBasedExpenseLineDetail", "Amount": 200, "AccountBasedExpenseLineDetail": expense}
            ],
        },
    )
    api.create(
        "BillPayment",
        {
            "VendorRef": {"value": vendor["Id"]},
            "TotalAmt": 200,
            "PayType": "Check",
            "CheckPayment": {"BankAccountRef": {"value": accounts["1000"]}},
            "TxnDate": "2026-03-05",
            "CurrencyRef": {"value": "EUR"},
            "ExchangeRate": 1.25,
            "Line": [{"Amount": 200, "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Bill"}]}],
        },
    )
    assert amounts(report(api, **MARCH)) == {accounts["7990"]: "10.00"}  # 250.00 paid for 240.00 of A/P


def test_exchange_accounts_as_quickbooks_shows_them(api, accounts):
    realized = api.read("Account", accounts["7990"])
    assert (realized["Name"], realized["AccountType"], realized["AccountSubType"], realized["Classification"]) == (
        "Exchange Gain or Loss",
        "Other Expense",
        "ExchangeGainOrLoss",
        "Expense",
    )
    unrealized = api.read("Account", accounts["7991"])
    assert (unrealized["AccountType"], unrealized["AccountSubType"]) == (
        "Other Expense",
        "UnrealisedLossOnSecuritiesNetOfTax",
    )


def test_account_numbers_setting(api, ctl, hours):
    assert api.read("Preferences", "1")["AccountingInfoPrefs"]["UseAccountNumbers"] is True
    assert ctl.settings(account_numbers=False)["account_numbers"] is False  # re-seeds the company
    euro = api.create("Customer", {"DisplayName": "Euro GmbH", "CurrencyRef": {"value": "EUR"}})
    rows = api.query("select * from Account where Active in (true, false) maxresults 1000")["Account"]
    assert rows and not [row for row in rows if "AcctNum" in row]
    assert api.read("Preferences", "1")["AccountingInfoPrefs"]["UseAccountNumbers"] is False
    exchange = api.find("Account", "Exchange Gain or Loss")
    sale = invoice(api, euro, hours, 100, 1.2)
    eur_pay(api, euro, 100, 1.25, (sale, "Invoice", 100))
    assert amounts(report(api, **MARCH)) == {exchange["Id"]: "-5.00"}  # found by its subtype, not a number
    ctl.settings(account_numbers=True)
    assert accounts_by_number(api)["7990"] == api.find("Account", "Exchange Gain or Loss")["Id"]
