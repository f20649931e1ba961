"""The books: what each transaction posts, and the TrialBalance, BalanceSheet, GeneralLedger,
AgedReceivables, AgedPayables, CustomerBalance and VendorBalance reports computed from it (shapes,
figures, fiscal year and retained earnings, parameters).  Sources in the emulator's README ("Books:
postings and reports")."""

from __future__ import annotations

from typing import Any

import pytest

from .books import (
    grand_total,
    groups,
    ledger_lines,
    ledger_sections,
    party_rows,
    run_report,
    summary,
    trial_debit,
    trial_rows,
)
from .conftest import Api, error_of, line
from .ledger import accounts_by_number, je_line, pay
from .purchases import bill_payment, expense, paid, purchase

FEBRUARY = {"start_date": "2026-02-01", "end_date": "2026-02-28"}


@pytest.fixture
def accounts(api) -> dict[str, str]:
    return accounts_by_number(api)


@pytest.fixture
def supplier(api) -> dict[str, Any]:
    return api.find("Vendor", "Office Supplies Co.", "DisplayName")


def journal(api: Api, accounts: dict[str, str], day: str, debit: str, credit: str, amount: float) -> dict[str, Any]:
    return api.create(
        "JournalEntry",
        {
            "TxnDate": day,
            "Line": [je_line(accounts[debit], "Debit", amount), je_line(accounts[credit], "Credit", amount)],
        },
    )


def sale(api: Api, customer: dict[str, Any], *lines: dict[str, Any], entity: str = "Invoice", **fields: Any) -> Any:
    return api.create(entity, {"CustomerRef": {"value": customer["Id"]}, "Line": list(lines), **fields})


def at(api: Api, ctl: Any, moment: str) -> None:
    """Move the emulator's clock (company time is 7 hours behind UTC) and take a fresh token."""
    ctl.call("POST", "clock", {"now": moment})
    api.token = ctl.tokens()["access_token"]


@pytest.fixture
def february(api, accounts, customer, hours, supplier) -> dict[str, Any]:
    """An opening balance, a taxed invoice partly paid, a bill paid by check."""
    journal(api, accounts, "2026-01-02", "1000", "3000", 1000)  # opening balance of Checking
    invoice = sale(api, customer, line(hours["Id"], 4, 75, tax="TAX"), TxnDate="2026-02-03", DueDate="2026-02-10")
    assert invoice["TotalAmt"] == 324.75  # 300 + 8.25 % sales tax
    payment = pay(api, customer, 100, (invoice, "Invoice", 100), TxnDate="2026-02-05")
    assert payment.status_code == 200, payment.text
    bill = purchase(api, "Bill", supplier, expense(accounts["6000"], 40), TxnDate="2026-02-04")
    paid(bill_payment(api, supplier, 40, (bill, "Bill", 40), bank=accounts["1000"], TxnDate="2026-02-06"))
    return {"invoice": invoice, "payment": payment.json()["Payment"], "bill": bill}


def test_trial_balance_shape_and_figures(api, accounts, february):
    body = run_report(api, "TrialBalance", **FEBRUARY, accounting_method="Accrual")
    assert "time" not in body
    head = body["Header"]
    assert (head["ReportName"], head["StartPeriod"], head["EndPeriod"]) == ("TrialBalance", "2026-02-01", "2026-02-28")
    assert (head["ReportBasis"], head["Currency"], head["Option"]) == (
        "Accrual",
        "USD",
        [{"Name": "NoReportData", "Value": "false"}],
    )
    assert [(c["ColTitle"], c["ColType"]) for c in body["Columns"]["Column"]] == [
        ("", "Account"),
        ("Debit", "Money"),
        ("Credit", "Money"),
    ]
    # QBO's chart order (bank, A/R, other current assets, liabilities, equity, income, expenses); A/P,
    # paid in full, has no balance and no row.
    assert list(trial_rows(body).items()) == [
        (accounts["1000"], ("960.00", "")),
        (accounts["1100"], ("224.75", "")),
        (accounts["1200"], ("100.00", "")),
        (accounts["2100"], ("", "24.75")),
        (accounts["3000"], ("", "1000.00")),
        (accounts["4100"], ("", "300.00")),
        (accounts["6000"], ("40.00", "")),
    ]
    first = body["Rows"]["Row"][0]
    assert first == {
        "ColData": [{"value": "Checking", "id": accounts["1000"]}, {"value": "960.00"}, {"value": ""}],
        "type": "Data",
    }
    assert grand_total(body) == ["1324.75", "1324.75"]
    # The period's start selects nothing: balances are as of end_date.
    assert trial_rows(run_report(api, "TrialBalance", start_date="2026-02-27", end_date="2026-02-28")) == trial_rows(
        body
    )
    assert trial_rows(run_report(api, "TrialBalance", start_date="2026-01-01", end_date="2026-01-31")) == {
        accounts["1000"]: ("1000.00", ""),
        accounts["3000"]: ("", "1000.00"),
    }


def test_empty_trial_balance(api):
    body = run_report(api, "TrialBalance", **FEBRUARY)
    assert body["Header"]["Option"] == [{"Name": "NoReportData", "Value": "true"}]
    assert body["Rows"]["Row"] == [
        {
            "group": "GrandTotal",
            "type": "Section",
            "Summary": {"ColData": [{"value": "TOTAL"}, {"value": "0.00"}, {"value": "0.00"}]},
        }
    ]


def test_income_and_expenses_start_again_each_fiscal_year(api, accounts):
    journal(api, accounts, "2025-06-01", "1000", "4000", 500)
    journal(api, accounts, "2025-07-01", "6000", "1000", 200)
    journal(api, accounts, "2026-02-01", "1000", "4000", 100)
    last_year = run_report(api, "TrialBalance", start_date="2025-01-01", end_date="2025-12-31")
    assert trial_rows(last_year) == {
        accounts["1000"]: ("300.00", ""),
        accounts["4000"]: ("", "500.00"),
        accounts["6000"]: ("200.00", ""),
    }
    # The day after the year closes: income and expenses are back to zero, the year's net income is
    # in Retained Earnings.
    new_year = run_report(api, "TrialBalance", start_date="2026-01-01", end_date="2026-01-01")
    assert trial_rows(new_year) == {accounts["1000"]: ("300.00", ""), accounts["3900"]: ("", "300.00")}
    body = run_report(api, "TrialBalance", **FEBRUARY)
    assert trial_rows(body) == {
        accounts["1000"]: ("400.00", ""),
        accounts["3900"]: ("", "300.00"),
        accounts["4000"]: ("", "100.00"),
    }
    assert grand_total(body) == ["400.00", "400.00"]
    sheet = run_report(api, "BalanceSheet", start_date="2026-01-01", end_date="2026-02-28")
    equity = groups(sheet)["Equity"]["Rows"]["Row"]
    assert [[cell["value"] for cell in row["ColData"]] for row in equity] == [
        ["Retained Earnings", "300.00"],
        ["Net Income", "100.00"],
    ]
    assert equity[-1] == {
        "ColData": [{"value": "Net Income"}, {"value": "100.00"}],
        "type": "Data",
        "group": "NetIncome",
    }
    profit = run_report(api, "ProfitAndLoss", start_date="2026-01-01", end_date="2026-02-28")
    assert summary(groups(profit)["NetIncome"]) == "100.00"


def test_balance_sheet_sections_and_totals(api, accounts, february):
    body = run_report(api, "BalanceSheet", start_date="2026-01-01", end_date="2026-02-28")
    head = body["Header"]
    assert (head["ReportName"], head["StartPeriod"], head["EndPeriod"], head["SummarizeColumnsBy"]) == (
        "BalanceSheet",
        "2026-01-01",
        "2026-02-28",
        "Total",
    )
    assert head["Option"][0] == {"Name": "AccountingStandard", "Value": "GAAP"}
    assert [row["group"] for row in body["Rows"]["Row"]] == ["TotalAssets", "TotalLiabilitiesAndEquity"]
    found = groups(body)
    assert list(found) == [
        "TotalAssets",
        "CurrentAssets",
        "BankAccounts",
        "AR",
        "OtherCurrentAssets",
        "TotalLiabilitiesAndEquity",
        "Liabilities",
        "CurrentLiabilities",
        "AP",
        "OtherCurrentLiabilities",
        "Equity",
        "NetIncome",
    ]
    assert found["TotalAssets"]["Header"]["ColData"] == [{"value": "ASSETS"}, {"value": ""}]
    assert found["TotalAssets"]["Summary"]["ColData"] == [{"value": "TOTAL ASSETS"}, {"value": "1284.75"}]
    assert found["TotalLiabilitiesAndEquity"]["Summary"]["ColData"] == [
        {"value": "TOTAL LIABILITIES AND EQUITY"},
        {"value": "1284.75"},
    ]
    # Accounts with activity are shown even at zero (A/P), liabilities and equity credit positive.
    assert found["AP"]["Rows"]["Row"] == [
        {"ColData": [{"value": "Accounts Payable (A/P)", "id": accounts["2000"]}, {"value": "0.00"}], "type": "Data"}
    ]
    assert [summary(found[g]) for g in ("BankAccounts", "AR", "OtherCurrentAssets", "Liabilities", "Equity")] == [
        "960.00",
        "224.75",
        "100.00",
        "24.75",
        "1260.00",
    ]
    assert found["NetIncome"]["ColData"][1]["value"] == "260.00"  # 300 of services less 40 of expenses


def test_general_ledger_drill_down(api, accounts, customer, february, supplier):
    checking = run_report(api, "GeneralLedger", **FEBRUARY, account=accounts["1000"])
    assert [(c["ColTitle"], c["ColType"]) for c in checking["Columns"]["Column"]] == [
        ("Date", "tx_date"),
        ("Transaction Type", "txn_type"),
        ("Num", "doc_num"),
        ("Name", "name"),
        ("Memo/Description", "memo"),
        ("Split", "split_acc"),
        ("Amount", "subt_nat_amount"),
        ("Balance", "rbal_nat_amount"),
    ]
    section = ledger_sections(checking)[accounts["1000"]]
    assert section["Header"]["ColData"][0] == {"value": "Checking", "id": accounts["1000"]}
    rows = section["Rows"]["Row"]
    assert ledger_lines(section) == [
        ["Beginning Balance", "", "", "", "", "", "", "1000.00"],
        [
            "2026-02-06",
            "Bill Payment (Check)",
            "",
            "Office Supplies Co.",
            "",
            "Accounts Payable (A/P)",
            "-40.00",
            "960.00",
        ],
    ]
    assert rows[1]["ColData"][3] == {"value": "Office Supplies Co.", "id": supplier["Id"]}
    assert rows[1]["ColData"][5] == {"value": "Accounts Payable (A/P)", "id": accounts["2000"]}
    assert section["Summary"]["ColData"][0] == {"value": "Total for Checking"}
    assert section["Summary"]["ColData"][6] == {"value": "-40.00"}
    receivable = ledger_sections(run_report(api, "GeneralLedger", **FEBRUARY, account=accounts["1100"]))
    invoice, payment = receivable[accounts["1100"]]["Rows"]["Row"]
    assert invoice["ColData"][1] == {"value": "Invoice", "id": february["invoice"]["Id"]}
    assert [cell["value"] for cell in invoice["ColData"]] == [
        "2026-02-03",
        "Invoice",
        february["invoice"]["DocNumber"],
        "Acme Ltd",
        "",
        "-Split-",  # income and sales tax
        "324.75",
        "324.75",
    ]
    assert [cell["value"] for cell in payment["ColData"]][1:] == [
        "Payment",
        "",
        "Acme Ltd",
        "",
        "Undeposited Funds",
        "-100.00",
        "224.75",
    ]
    # Income in its natural sign: credits positive.
    services = ledger_sections(run_report(api, "GeneralLedger", **FEBRUARY, account=accounts["4100"]))
    assert ledger_lines(services[accounts["4100"]])[0][-2:] == ["300.00", "300.00"]
    # Without an account: every account with activity in the period or a beginning balance.
    everything = ledger_sections(run_report(api, "GeneralLedger", **FEBRUARY))
    assert list(everything) == [accounts[n] for n in ("1000", "1100", "1200", "2000", "2100", "3000", "4100", "6000")]
    assert ledger_lines(everything[accounts["3000"]]) == [["Beginning Balance", "", "", "", "", "", "", "1000.00"]]


def test_aging_and_customer_balance(api, ctl, accounts, customer, hours):
    at(api, ctl, "2026-03-20T20:00:00Z")
    euro = api.create("Customer", {"DisplayName": "Euro GmbH", "CurrencyRef": {"value": "EUR"}})
    paid_up = api.create("Customer", {"DisplayName": "Paid Up Inc."})
    late = sale(api, customer, line(hours["Id"], 1, 100), TxnDate="2026-01-01", DueDate="2026-01-31")
    sale(api, customer, line(hours["Id"], 1, 50), TxnDate="2026-03-10", DueDate="2026-03-25")
    sale(api, customer, line(hours["Id"], 1, 20), entity="CreditMemo", TxnDate="2026-02-20")
    assert pay(api, customer, 30, TxnDate="2026-03-01").status_code == 200  # all unapplied
    sale(api, euro, line(hours["Id"], 1, 100), TxnDate="2025-11-01", DueDate="2025-11-15", ExchangeRate=1.2)
    settled = sale(api, paid_up, line(hours["Id"], 1, 10), TxnDate="2026-03-01")
    assert pay(api, paid_up, 10, (settled, "Invoice", 10), TxnDate="2026-03-02").status_code == 200
    body = run_report(api, "AgedReceivables", report_date="2026-03-20")
    head = body["Header"]
    assert (head["ReportName"], head["StartPeriod"], head["EndPeriod"]) == (
        "AgedReceivables",
        "2026-03-20",
        "2026-03-20",
    )
    assert head["Option"] == [
        {"Name": "report_date", "Value": "2026-03-20"},
        {"Name": "NoReportData", "Value": "false"},
    ]
    assert [(c["ColTitle"], c["ColType"]) for c in body["Columns"]["Column"]] == [
        ("", "Customer"),
        ("Current", "Money"),
        ("1 - 30", "Money"),
        ("31 - 60", "Money"),
        ("61 - 90", "Money"),
        ("91 and over", "Money"),
        ("Total", "Money"),
    ]
    # By name; the credit memo and the unapplied payment are aged by their dates; foreign customers
    # in the home currency; settled customers are not listed.
    assert party_rows(body) == {
        customer["Id"]: ["50.00", "-50.00", "100.00", "", "", "100.00"],
        euro["Id"]: ["", "", "", "", "120.00", "120.00"],
    }
    assert body["Rows"]["Row"][0]["ColData"][0] == {"id": customer["Id"], "value": "Acme Ltd"}
    assert grand_total(body) == ["50.00", "-50.00", "100.00", "0.00", "120.00", "220.00"]
    assert (
        trial_debit(run_report(api, "TrialBalance", start_date="2026-01-01", end_date="2026-03-20"), accounts["1100"])
        == 220
    )
    shorter = run_report(api, "AgedReceivables", report_date="2026-03-20", aging_period=15, num_periods=3)
    assert [c["ColTitle"] for c in shorter["Columns"]["Column"]][1:] == [
        "Current",
        "1 - 15",
        "16 - 30",
        "31 and over",
        "Total",
    ]
    assert party_rows(shorter)[customer["Id"]] == ["50.00", "", "-50.00", "100.00", "100.00"]
    earlier = run_report(api, "AgedReceivables", report_date="2026-02-15")
    assert party_rows(earlier) == {
        customer["Id"]: ["", "100.00", "", "", "", "100.00"],
        euro["Id"]: ["", "", "", "", "120.00", "120.00"],
    }
    as_of_today = run_report(api, "AgedReceivables", report_date="2026-02-15", aging_method="Current")
    assert party_rows(as_of_today)[customer["Id"]] == ["", "", "100.00", "", "", "100.00"]  # 48 days late today
    one = run_report(api, "AgedReceivables", report_date="2026-03-20", customer=euro["Id"])
    assert (list(party_rows(one)), one["Header"]["Customer"]) == ([euro["Id"]], euro["Id"])
    balances = run_report(api, "CustomerBalance")
    assert balances["Header"]["DateMacro"] == "all"
    assert balances["Header"]["Option"][0] == {"Name": "report_date", "Value": "2026-03-20"}
    assert [(c["ColTitle"], c["ColType"]) for c in balances["Columns"]["Column"]] == [
        ("", "Customer"),
        ("Total", "Money"),
    ]
    assert party_rows(balances) == {customer["Id"]: ["100.00"], euro["Id"]: ["120.00"]}
    assert grand_total(balances) == ["220.00"]
    assert party_rows(run_report(api, "CustomerBalance", report_date="2025-12-31")) == {euro["Id"]: ["120.00"]}
    assert late["Balance"] == 100


def test_payables_postings_aging_and_vendor_balance(api, ctl, accounts, supplier):
    at(api, ctl, "2026-03-20T20:00:00Z")
    bill = purchase(api, "Bill", supplier, expense(accounts["6000"], 200), TxnDate="2026-02-01", DueDate="2026-03-03")
    credit = purchase(api, "VendorCredit", supplier, expense(accounts["6000"], 50), TxnDate="2026-02-10")
    by_card = bill_payment(
        api,
        supplier,
        60,
        (bill, "Bill", 100),
        (credit, "VendorCredit", 50),
        card=accounts["2050"],
        TxnDate="2026-03-05",
    )
    paid(by_card)  # 100 - 50 applied, 10 over: a vendor credit of 10
    body = run_report(api, "AgedPayables", report_date="2026-03-20")
    assert body["Columns"]["Column"][0]["ColType"] == "Vendor"
    assert party_rows(body) == {supplier["Id"]: ["", "90.00", "", "", "", "90.00"]}  # 100 open less 10 over
    assert grand_total(body) == ["0.00", "90.00", "0.00", "0.00", "0.00", "90.00"]
    vendors = run_report(api, "VendorBalance", report_date="2026-03-20")
    assert party_rows(vendors) == {supplier["Id"]: ["90.00"]}
    assert api.read("Vendor", supplier["Id"])["Balance"] == 90
    trial = run_report(api, "TrialBalance", start_date="2026-01-01", end_date="2026-03-20")
    assert trial_rows(trial) == {
        accounts["2000"]: ("", "90.00"),
        accounts["2050"]: ("", "60.00"),
        accounts["6000"]: ("150.00", ""),
    }
    assert (
        api.find("Account", "Accounts Payable (A/P)")["CurrentBalance"],
        api.find("Account", "Mastercard")["CurrentBalance"],
    ) == (90, 60)


def test_sales_receipts_discounts_credit_memos_and_input_tax(api, ctl, accounts, customer, hours, supplier):
    ctl.settings(country="GB")
    codes = {row["Name"]: row["Id"] for row in api.query("select * from TaxCode")["TaxCode"]}
    standard, zero = codes["Standard 15%"], codes["Zero-rated 0%"]
    sale(
        api,
        customer,
        line(hours["Id"], 1, 100, tax=standard),
        entity="SalesReceipt",
        TxnDate="2026-02-02",
        DepositToAccountRef={"value": accounts["1000"]},
    )
    sale(
        api,
        customer,
        line(hours["Id"], 2, 50, tax=zero),
        {"DetailType": "DiscountLineDetail", "Amount": 10, "DiscountLineDetail": {"PercentBased": False}},
        TxnDate="2026-02-03",
    )
    sale(api, customer, line(hours["Id"], 1, 50, tax=zero), entity="CreditMemo", TxnDate="2026-02-04")
    taxed = expense(accounts["6000"], 200, TaxCodeRef={"value": standard})
    bill = purchase(api, "Bill", supplier, taxed, TxnDate="2026-02-05")
    assert bill["TotalAmt"] == 230
    body = run_report(api, "TrialBalance", **FEBRUARY)
    assert trial_rows(body) == {
        accounts["1000"]: ("115.00", ""),
        accounts["1100"]: ("40.00", ""),  # 90 invoiced less 50 credited
        accounts["2000"]: ("", "230.00"),
        accounts["2100"]: ("15.00", ""),  # 30 of input tax reclaimable less 15 collected
        accounts["4100"]: ("", "150.00"),
        accounts["4200"]: ("10.00", ""),
        accounts["6000"]: ("200.00", ""),
    }
    assert grand_total(body) == ["380.00", "380.00"]


def test_foreign_currency_settlements_balance_to_the_cent(api, accounts, hours):
    euro = api.create("Customer", {"DisplayName": "Euro GmbH", "CurrencyRef": {"value": "EUR"}})
    eur = {"CurrencyRef": {"value": "EUR"}}
    invoice = sale(api, euro, line(hours["Id"], 1, 100), TxnDate="2026-02-10", ExchangeRate=1.2)
    assert (
        pay(api, euro, 100, (invoice, "Invoice", 100), TxnDate="2026-02-20", ExchangeRate=1.3, **eur).status_code == 200
    )
    body = run_report(api, "TrialBalance", **FEBRUARY)
    assert trial_rows(body) == {
        accounts["1200"]: ("130.00", ""),
        accounts["4100"]: ("", "120.00"),
        accounts["7990"]: ("", "10.00"),  # a gain of 10.00
    }
    # Two payments of 0.01 at 1.5 clear an invoice of 0.02 (0.03 at home) exactly: no cent left on A/R.
    tiny = sale(api, euro, line(hours["Id"], 1, 0.02), TxnDate="2026-02-11", ExchangeRate=1.5)
    for day in ("2026-02-21", "2026-02-22"):
        assert pay(api, euro, 0.01, (tiny, "Invoice", 0.01), TxnDate=day, ExchangeRate=1.5, **eur).status_code == 200
    body = run_report(api, "TrialBalance", **FEBRUARY)
    assert trial_debit(body, accounts["1100"]) == 0
    debit, credit = grand_total(body)
    assert debit == credit


def test_account_current_balance_is_the_ledger(api, accounts, february):
    petty = api.create(
        "Account", {"Name": "Petty Cash", "AccountType": "Bank", "ParentRef": {"value": accounts["1000"]}}
    )
    api.create(
        "JournalEntry",
        {"TxnDate": "2026-02-07", "Line": [je_line(petty["Id"], "Debit", 5), je_line(accounts["3000"], "Credit", 5)]},
    )
    by_name = {row["Name"]: row for row in api.query("select * from Account")["Account"]}
    assert (by_name["Checking"]["CurrentBalance"], by_name["Checking"]["CurrentBalanceWithSubAccounts"]) == (960, 965)
    assert by_name["Accounts Receivable (A/R)"]["CurrentBalance"] == 224.75
    assert by_name["Undeposited Funds"]["CurrentBalance"] == 100
    assert by_name["Sales Tax Payable"]["CurrentBalance"] == 24.75  # liabilities credit positive
    assert by_name["Opening Balance Equity"]["CurrentBalance"] == 1005
    assert by_name["Accounts Payable (A/P)"]["CurrentBalance"] == 0
    assert by_name["Services"]["CurrentBalance"] == 0  # income accounts: none, as QBO's API serves them
    assert by_name["Retained Earnings"]["AccountSubType"] == "RetainedEarnings"


def test_an_account_created_with_an_opening_balance(api, accounts):
    savings = api.create(
        "Account",
        {"Name": "Reserve", "AccountType": "Bank", "OpeningBalance": 250, "OpeningBalanceDate": "2026-01-15"},
    )
    assert (savings["OpeningBalance"], savings["OpeningBalanceDate"], savings["CurrentBalance"]) == (
        250,
        "2026-01-15",
        250,
    )
    card = api.create(
        "Account",
        {"Name": "Visa", "AccountType": "Credit Card", "OpeningBalance": 80, "OpeningBalanceDate": "2026-01-15"},
    )
    assert card["CurrentBalance"] == 80  # a liability: credit positive
    body = run_report(api, "TrialBalance", **FEBRUARY)
    assert trial_rows(body) == {
        savings["Id"]: ("250.00", ""),
        card["Id"]: ("", "80.00"),
        accounts["3000"]: ("", "170.00"),
    }
    assert trial_rows(run_report(api, "TrialBalance", start_date="2026-01-01", end_date="2026-01-14")) == {}
    section = ledger_sections(
        run_report(api, "GeneralLedger", start_date="2026-01-01", end_date="2026-01-31", account=savings["Id"])
    )
    assert ledger_lines(section[savings["Id"]]) == [
        ["2026-01-15", "Journal Entry", "", "", "Opening Balance", "Opening Balance Equity", "250.00", "250.00"]
    ]
    # Taken when the account is created, kept afterwards.
    again = api.update("Account", {**savings, "OpeningBalance": 999, "Name": "Reserve Fund"})
    assert (again["OpeningBalance"], again["CurrentBalance"], again["Name"]) == (250, 250, "Reserve Fund")


def test_a_lone_end_date_is_ignored(api, ctl, accounts):
    at(api, ctl, "2026-03-20T20:00:00Z")
    journal(api, accounts, "2025-06-01", "1000", "4000", 5)
    for name in ("TrialBalance", "BalanceSheet", "ProfitAndLoss", "GeneralLedger"):
        head = run_report(api, name, end_date="2025-12-31")["Header"]
        assert (head["StartPeriod"], head["EndPeriod"], head["DateMacro"]) == (
            "2026-01-01",
            "2026-03-20",
            "this fiscal year-to-date",
        ), name
    macro = run_report(api, "TrialBalance", date_macro="Last Fiscal Year")["Header"]
    assert (macro["StartPeriod"], macro["EndPeriod"], macro["DateMacro"]) == (
        "2025-01-01",
        "2025-12-31",
        "last fiscal year",
    )
    assert run_report(api, "AgedPayables", date_macro="Last Month")["Header"]["Option"][0]["Value"] == "2026-02-28"


def test_parameters_and_faults(api, accounts):
    def refused(name: str, **params: Any) -> dict[str, Any]:
        response = api.get(f"/reports/{name}", **params)
        assert response.status_code in (400, 500), response.text
        return error_of(response)

    assert refused("CashFlow", **FEBRUARY)["code"] == "500"
    assert refused("TrialBalance", start_date="2026-02-30", end_date="2026-03-01")["code"] == "2060"
    assert refused("TrialBalance", start_date="2026-03-01", end_date="2026-02-01")["code"] == "2190"
    assert refused("BalanceSheet", **FEBRUARY, accounting_method="Modified")["code"] == "2170"
    assert refused("TrialBalance", **FEBRUARY, customer="1")["element"] == "customer"
    assert refused("BalanceSheet", **FEBRUARY, summarize_column_by="Month")["element"] == "summarize_column_by"
    # On a trial balance summarize_column_by selects nothing.
    assert (
        run_report(api, "TrialBalance", **FEBRUARY, summarize_column_by="Month")["Rows"]["Row"][-1]["group"]
        == "GrandTotal"
    )
    assert refused("AgedReceivables", aging_period="0")["element"] == "aging_period"
    assert refused("AgedPayables", num_periods="two")["element"] == "num_periods"
    assert refused("AgedReceivables", aging_method="Sometimes")["code"] == "2170"
    assert refused("AgedReceivables", report_date="2026-13-01")["code"] == "2060"
    assert refused("AgedReceivables", past_due="5")["element"] == "past_due"
    assert refused("CustomerBalance", vendor="1")["element"] == "vendor"
    assert refused("GeneralLedger", **FEBRUARY, account="999")["code"] == "2500"
    assert refused("GeneralLedger", **FEBRUARY, columns="tx_date")["element"] == "columns"
    assert run_report(api, "trialbalance", **FEBRUARY)["Header"]["ReportName"] == "TrialBalance"  # any case
