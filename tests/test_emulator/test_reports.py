"""The ProfitAndLoss report: QBO's shape, periods, sections, signs, currencies and parameters."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from tests.qbo_emulator.reports import macro_period

from .conftest import Api, error_of, line
from .ledger import accounts_by_number, amounts, je_line, report, sections, total

FEBRUARY = {"start_date": "2026-02-01", "end_date": "2026-02-28"}
PARAMS = {"accounting_method": "Accrual", "summarize_column_by": "Total"}


@pytest.fixture
def accounts(api) -> dict[str, str]:
    return accounts_by_number(api)


def journal(
    api: Api, accounts: dict[str, str], day: str, debit: str, credit: str, amount: float, **fields: Any
) -> dict[str, Any]:
    return api.create(
        "JournalEntry",
        {
            "TxnDate": day,
            **fields,
            "Line": [je_line(accounts[debit], "Debit", amount), je_line(accounts[credit], "Credit", amount)],
        },
    )


def test_empty_report_has_qbo_shape(api):
    body = report(api, **FEBRUARY, **PARAMS)
    assert "time" not in body  # a report carries its time in its header
    header = body["Header"]
    assert header["ReportName"] == "ProfitAndLoss"
    assert (header["StartPeriod"], header["EndPeriod"]) == ("2026-02-01", "2026-02-28")
    assert (header["ReportBasis"], header["SummarizeColumnsBy"], header["Currency"]) == ("Accrual", "Total", "USD")
    assert datetime.fromisoformat(header["Time"]).utcoffset() == timedelta(hours=-7)
    assert header["Option"] == [
        {"Name": "AccountingStandard", "Value": "GAAP"},
        {"Name": "NoReportData", "Value": "true"},
    ]
    assert "DateMacro" not in header
    assert [(c["ColTitle"], c["ColType"]) for c in body["Columns"]["Column"]] == [("", "Account"), ("Total", "Money")]
    assert [row["group"] for row in body["Rows"]["Row"]] == [
        "Income",
        "GrossProfit",
        "Expenses",
        "NetOperatingIncome",
        "NetIncome",
    ]
    income = sections(body)["Income"]
    assert income["type"] == "Section" and "Rows" not in income
    assert income["Header"]["ColData"] == [{"value": "Income"}, {"value": ""}]
    assert income["Summary"]["ColData"] == [{"value": "Total Income"}, {"value": ""}]
    assert total(body, "NetIncome") == "0.00"


def test_journal_entry_to_fx_account_is_an_other_expense(api, accounts):
    journal(api, accounts, "2026-02-15", "7990", "1000", 12.34)
    body = report(api, **FEBRUARY, **PARAMS)
    assert [row["group"] for row in body["Rows"]["Row"]] == [
        "Income",
        "GrossProfit",
        "Expenses",
        "NetOperatingIncome",
        "OtherExpenses",
        "NetOtherIncome",
        "NetIncome",
    ]
    other = sections(body)["OtherExpenses"]
    assert other["Header"]["ColData"][0] == {"value": "Other Expenses"}
    assert other["Rows"]["Row"] == [
        {"ColData": [{"value": "Exchange Gain or Loss", "id": accounts["7990"]}, {"value": "12.34"}], "type": "Data"}
    ]
    assert other["Summary"]["ColData"] == [{"value": "Total Other Expenses"}, {"value": "12.34"}]
    assert (total(body, "NetOtherIncome"), total(body, "NetIncome")) == ("-12.34", "-12.34")
    assert body["Header"]["Option"][1] == {"Name": "NoReportData", "Value": "false"}
    assert accounts["1000"] not in amounts(body)  # the bank is not on a P&L
    # A gain credits the account: it shows negative among other expenses.
    journal(api, accounts, "2026-02-20", "1000", "7991", 2.5)
    assert amounts(report(api, **FEBRUARY)) == {accounts["7990"]: "12.34", accounts["7991"]: "-2.50"}


def test_period_boundaries_are_inclusive_and_by_txn_date(api, accounts):
    for day, amount in (("2026-01-31", 1), ("2026-02-01", 10), ("2026-02-28", 100), ("2026-03-01", 1000)):
        journal(api, accounts, day, "7990", "1000", amount)
    assert amounts(report(api, **FEBRUARY)) == {accounts["7990"]: "110.00"}
    assert amounts(report(api, start_date="2026-01-31", end_date="2026-01-31")) == {accounts["7990"]: "1.00"}
    assert amounts(report(api, start_date="2026-03-01", end_date="2026-03-31")) == {accounts["7990"]: "1000.00"}
    assert amounts(report(api, start_date="2026-04-01", end_date="2026-04-30")) == {}


def test_sections_and_profit_lines(api, accounts, customer, hours):
    vendor = api.find("Vendor", "Office Supplies Co.", "DisplayName")
    api.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TxnDate": "2026-02-03",
            "Line": [line(hours["Id"], 4, 75, tax="TAX")],
        },
    )  # 300 to "Services", tax not income
    api.create(
        "Bill",
        {
            "VendorRef": {"value": vendor["Id"]},
            "TxnDate": "2026-02-04",
            "Line": [
                {
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "Amount": 40,
                    "AccountBasedExpenseLineDetail": {"AccountRef": {"value": accounts["6000"]}},
                }
            ],
        },
    )
    journal(api, accounts, "2026-02-05", "5000", "1000", 60)  # cost of goods sold
    journal(api, accounts, "2026-02-06", "7990", "1000", 12.34)  # FX loss
    journal(api, accounts, "2026-02-07", "1000", "4000", 25)  # income credited
    body = report(api, **FEBRUARY, **PARAMS)
    assert [row["group"] for row in body["Rows"]["Row"]] == [
        "Income",
        "COGS",
        "GrossProfit",
        "Expenses",
        "NetOperatingIncome",
        "OtherExpenses",
        "NetOtherIncome",
        "NetIncome",
    ]
    income = sections(body)["Income"]["Rows"]["Row"]
    assert [row["ColData"][0]["value"] for row in income] == ["Sales of Product Income", "Services"]  # by name
    assert amounts(body) == {
        accounts["4100"]: "300.00",
        accounts["4000"]: "25.00",
        accounts["5000"]: "60.00",
        accounts["6000"]: "40.00",
        accounts["7990"]: "12.34",
    }
    assert sections(body)["COGS"]["Header"]["ColData"][0] == {"value": "Cost of Goods Sold"}
    assert [(group, total(body, group)) for group in sections(body)] == [
        ("Income", "325.00"),
        ("COGS", "60.00"),
        ("GrossProfit", "265.00"),
        ("Expenses", "40.00"),
        ("NetOperatingIncome", "225.00"),
        ("OtherExpenses", "12.34"),
        ("NetOtherIncome", "-12.34"),
        ("NetIncome", "212.66"),
    ]
    assert sections(body)["Income"]["Summary"]["ColData"][0] == {"value": "Total Income"}
    assert sections(body)["GrossProfit"]["Summary"]["ColData"][0] == {"value": "Gross Profit"}


def test_credit_memos_are_negative_and_voids_and_deletes_post_nothing(api, ctl, accounts, customer, hours):
    def sale(entity: str, quantity: int, day: str = "2026-02-10") -> dict[str, Any]:
        return api.create(
            entity,
            {"CustomerRef": {"value": customer["Id"]}, "TxnDate": day, "Line": [line(hours["Id"], quantity, 75)]},
        )

    sale("Invoice", 2)
    sale("CreditMemo", 1)
    assert amounts(report(api, **FEBRUARY)) == {accounts["4100"]: "75.00"}
    receipt = sale("SalesReceipt", 1)
    assert amounts(report(api, **FEBRUARY)) == {accounts["4100"]: "150.00"}
    api.post("/salesreceipt", {"Id": receipt["Id"], "SyncToken": receipt["SyncToken"]}, operation="void")
    voided = sale("Invoice", 10)
    api.post("/invoice", {"Id": voided["Id"], "SyncToken": voided["SyncToken"]}, operation="void")
    entry = journal(api, accounts, "2026-02-11", "7990", "1000", 9)
    api.post("/journalentry", {"Id": entry["Id"], "SyncToken": "0"}, operation="delete")
    assert amounts(report(api, **FEBRUARY)) == {accounts["4100"]: "75.00"}
    sale("CreditMemo", 2, "2026-03-05")
    only_credit = report(api, start_date="2026-03-01", end_date="2026-03-31")
    assert amounts(only_credit) == {accounts["4100"]: "-150.00"}
    assert total(only_credit, "Income") == "-150.00"


def test_discounts_and_tax_inclusive_lines_post_net(api, ctl, accounts, customer, hours):
    ctl.settings(country="GB")
    codes = {row["Name"]: row["Id"] for row in api.query("select * from TaxCode")["TaxCode"]}
    # Line.Amount is net on a TaxInclusive document too; the gross price travels in TaxInclusiveAmt.
    gross = line(hours["Id"], 1, 100, tax=codes["Standard 15%"])
    gross["SalesItemLineDetail"]["TaxInclusiveAmt"] = 115
    api.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TxnDate": "2026-02-10",
            "GlobalTaxCalculation": "TaxInclusive",
            "Line": [gross],
        },
    )
    api.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TxnDate": "2026-02-11",
            "Line": [
                line(hours["Id"], 2, 50, tax=codes["Zero-rated 0%"]),
                {"DetailType": "DiscountLineDetail", "Amount": 10, "DiscountLineDetail": {"PercentBased": False}},
            ],
        },
    )
    assert amounts(report(api, **FEBRUARY)) == {accounts["4100"]: "200.00", accounts["4200"]: "-10.00"}


def test_foreign_currency_amounts_are_in_home_currency(api, accounts, hours):
    euro = api.create("Customer", {"DisplayName": "Euro GmbH", "CurrencyRef": {"value": "EUR"}})
    api.create(
        "Invoice",
        {
            "CustomerRef": {"value": euro["Id"]},
            "TxnDate": "2026-02-10",
            "ExchangeRate": 1.2,
            "Line": [line(hours["Id"], 1, 100)],
        },
    )
    journal(api, accounts, "2026-02-12", "7990", "1000", 10, CurrencyRef={"value": "EUR"}, ExchangeRate=1.25)
    body = report(api, **FEBRUARY)
    assert amounts(body) == {accounts["4100"]: "120.00", accounts["7990"]: "12.50"}
    assert body["Header"]["Currency"] == "USD"


def test_sub_accounts_are_nested_sections(api, accounts):
    printing = api.create(
        "Account",
        {
            "Name": "Printing",
            "AccountType": "Expense",
            "AccountSubType": "OfficeGeneralAdministrativeExpenses",
            "ParentRef": {"value": accounts["6000"]},
        },
    )
    assert printing["SubAccount"] is True
    assert printing["FullyQualifiedName"] == "Office Expenses:Printing"
    journal(api, accounts, "2026-02-10", "6000", "1000", 3)
    api.create(
        "JournalEntry",
        {
            "TxnDate": "2026-02-11",
            "Line": [je_line(printing["Id"], "Debit", 4), je_line(accounts["1000"], "Credit", 4)],
        },
    )
    parent = sections(report(api, **FEBRUARY))["Expenses"]["Rows"]["Row"][0]
    assert parent["type"] == "Section"
    assert parent["Header"]["ColData"] == [{"value": "Office Expenses", "id": accounts["6000"]}, {"value": "3.00"}]
    assert parent["Rows"]["Row"] == [
        {"ColData": [{"value": "Printing", "id": printing["Id"]}, {"value": "4.00"}], "type": "Data"}
    ]
    assert parent["Summary"]["ColData"] == [{"value": "Total Office Expenses"}, {"value": "7.00"}]
    # Only the sub-account moved in March: the parent heads the section with no amount of its own.
    api.create(
        "JournalEntry",
        {
            "TxnDate": "2026-03-02",
            "Line": [je_line(printing["Id"], "Debit", 1), je_line(accounts["1000"], "Credit", 1)],
        },
    )
    march = sections(report(api, start_date="2026-03-01", end_date="2026-03-31"))["Expenses"]["Rows"]["Row"][0]
    assert march["Header"]["ColData"][1] == {"value": ""}
    assert march["Summary"]["ColData"][1] == {"value": "1.00"}
    missing_parent = api.post("/account", {"Name": "Orphan", "AccountType": "Expense", "SubAccount": True})
    assert error_of(missing_parent)["code"] == "6150"
    # Intuit's Account reference: an ExchangeGainOrLoss account has no sub-accounts and is none.
    under_fx = api.post(
        "/account",
        {
            "Name": "Realized FX",
            "AccountType": "Other Expense",
            "AccountSubType": "OtherMiscellaneousExpense",
            "ParentRef": {"value": accounts["7990"]},
        },
    )
    assert error_of(under_fx)["code"] == "6000"


def test_default_period_is_this_fiscal_year_to_date(api, ctl, accounts):
    ctl.call("POST", "clock", {"now": "2026-03-10T20:00:00Z"})
    api.token = ctl.tokens()["access_token"]
    journal(api, accounts, "2026-01-05", "7990", "1000", 1)
    journal(api, accounts, "2025-12-31", "7990", "1000", 100)
    body = report(api)
    assert (body["Header"]["StartPeriod"], body["Header"]["EndPeriod"]) == ("2026-01-01", "2026-03-10")
    assert body["Header"]["DateMacro"] == "this fiscal year-to-date"
    assert amounts(body) == {accounts["7990"]: "1.00"}
    last_month = report(api, date_macro="Last Month")["Header"]
    assert (last_month["StartPeriod"], last_month["EndPeriod"], last_month["DateMacro"]) == (
        "2026-02-01",
        "2026-02-28",
        "last month",
    )
    assert report(api, start_date="2025-12-01")["Header"]["EndPeriod"] == date(2026, 3, 10).isoformat()


def test_parameters(api):
    assert report(api, **FEBRUARY, accounting_method="Cash")["Header"]["ReportBasis"] == "Cash"

    def refused(**params: Any) -> dict[str, Any]:
        response = api.get("/reports/ProfitAndLoss", **params)
        assert response.status_code == 400, response.text
        return error_of(response)

    assert refused(start_date="2026-02-30", end_date="2026-03-01")["code"] == "2060"
    assert refused(start_date="2026-03-01", end_date="2026-02-01")["code"] == "2190"
    assert refused(**FEBRUARY, accounting_method="Modified")["code"] == "2170"
    assert refused(date_macro="Someday")["code"] == "2170"
    assert refused(**FEBRUARY, summarize_column_by="Month")["element"] == "summarize_column_by"
    assert refused(**FEBRUARY, customer="1")["element"] == "customer"
    assert error_of(api.get("/reports/CashFlow", **FEBRUARY))["code"] == "500"  # a QBO report the emulator lacks


def test_report_needs_a_token_and_is_logged(emulator, ctl):
    assert Api(emulator.url, "").get("/reports/ProfitAndLoss").status_code == 401
    api = Api(emulator.url, ctl.tokens()["access_token"])
    report(api, **FEBRUARY)
    entry = ctl.requests_log()[-1]
    assert (entry["method"], entry["status"]) == ("GET", 200)


@pytest.mark.parametrize(
    ("macro", "today", "expected"),
    [
        ("Last Fiscal Quarter", date(2026, 1, 15), ("2025-10-01", "2025-12-31")),
        ("This Fiscal Quarter", date(2026, 5, 31), ("2026-04-01", "2026-06-30")),
        ("This Month", date(2024, 2, 10), ("2024-02-01", "2024-02-29")),
        ("Last Month", date(2026, 1, 5), ("2025-12-01", "2025-12-31")),
        ("This Week", date(2026, 3, 11), ("2026-03-08", "2026-03-14")),  # Sunday to Saturday
        ("Last Fiscal Year", date(2026, 3, 11), ("2025-01-01", "2025-12-31")),
    ],
)
def test_date_macros(macro, today, expected):
    start, end = macro_period(macro, today)
    assert (start.isoformat(), end.isoformat()) == expected
