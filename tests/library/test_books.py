"""The books comparison's QuickBooks side and its rules: QuickBooks' reports read into debit-positive figures
(against the emulator's reports of its own postings), and how differences are explained."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from qbo import QBOError, books, reports

from .conftest import seeded

D = Decimal


def _customer(client, name):
    return client.create("Customer", {"DisplayName": name})


def _invoice(client, customer, item, amount, day="2026-03-10"):
    return client.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TxnDate": day,
            "DueDate": day,
            "Line": [
                {
                    "DetailType": "SalesItemLineDetail",
                    "Amount": amount,
                    "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "TaxCodeRef": {"value": "NON"}},
                }
            ],
        },
    )


def _journal(client, day, debit, credit, amount):
    def line(account, posting):
        return {
            "DetailType": "JournalEntryLineDetail",
            "Amount": amount,
            "JournalEntryLineDetail": {"PostingType": posting, "AccountRef": {"value": account["Id"]}},
        }

    return client.create("JournalEntry", {"TxnDate": day, "Line": [line(debit, "Debit"), line(credit, "Credit")]})


@pytest.fixture
def books_company(client):
    """Two customers' invoices, a payment, a journal entry last year and this year."""
    services = seeded(client, "Item", "Services")
    checking, office = seeded(client, "Account", "Checking"), seeded(client, "Account", "Office Expenses")
    alice, bob = _customer(client, "Alice Books"), _customer(client, "Bob Books")
    first = _invoice(client, alice, services, 100, "2026-01-15")
    _invoice(client, bob, services, 40, "2026-03-01")
    client.create(
        "Payment",
        {
            "CustomerRef": {"value": alice["Id"]},
            "TotalAmt": 30,
            "TxnDate": "2026-02-01",
            "DepositToAccountRef": {"value": checking["Id"]},
            "Line": [{"Amount": 30, "LinkedTxn": [{"TxnId": first["Id"], "TxnType": "Invoice"}]}],
        },
    )
    _journal(client, "2025-12-20", office, checking, 12.5)
    _journal(client, "2026-02-10", office, checking, 7)
    return {
        "alice": alice,
        "bob": bob,
        "checking": checking,
        "office": office,
        "services": seeded(client, "Account", "Services"),
        "receivable": seeded(client, "Account", "Accounts Receivable (A/R)"),
        "retained": seeded(client, "Account", "Retained Earnings"),
    }


def test_the_trial_balance_is_read_debit_positive_income_and_expenses_from_the_fiscal_year(client, books_company):
    c = books_company
    report = client.report("TrialBalance", start_date="2026-01-01", end_date="2026-03-31")
    figures = reports.trial_balance(report)
    assert figures[c["receivable"]["Id"]] == D("110.00")
    assert figures[c["services"]["Id"]] == D("-140.00")
    assert figures[c["checking"]["Id"]] == D("10.50")  # 30 received, 12.50 and 7 paid
    assert figures[c["office"]["Id"]] == D("7.00"), "last year's 12.50 is closed into Retained Earnings"
    assert figures[c["retained"]["Id"]] == D("12.50")
    assert sum(figures.values()) == 0, "a trial balance balances"


def test_the_profit_and_loss_of_a_month_is_read_debit_positive(client, books_company):
    c = books_company
    february = reports.profit_and_loss(
        client.report("ProfitAndLoss", start_date="2026-02-01", end_date="2026-02-28", summarize_column_by="Total")
    )
    assert february == {c["office"]["Id"]: D("7.00")}
    march = reports.profit_and_loss(client.report("ProfitAndLoss", start_date="2026-03-01", end_date="2026-03-31"))
    assert march == {c["services"]["Id"]: D("-40.00")}, "income shown credit-positive, read credit negative"


def test_aging_rows_give_each_customers_total_and_what_is_past_due(client, books_company):
    c = books_company
    rows = reports.aging(client.report("AgedReceivables", report_date="2026-03-10"))
    assert set(rows) == {c["alice"]["Id"], c["bob"]["Id"]}
    alice, bob = rows[c["alice"]["Id"]], rows[c["bob"]["Id"]]
    assert (alice.name, alice.total, alice.past_due) == ("Alice Books", D("70.00"), D("70.00"))
    assert (bob.total, bob.past_due) == (D("40.00"), D("40.00"))
    assert reports.aging(client.report("AgedPayables", report_date="2026-03-10")) == {}


def test_the_general_ledger_of_an_account_lists_its_transactions_and_beginning_balance(client, books_company):
    c = books_company
    accounts = {account["Id"]: account["Classification"] for account in client.query_all("Account")}
    report = client.report("GeneralLedger", start_date="2026-01-01", end_date="2026-03-31", account=c["checking"]["Id"])
    sections = reports.general_ledger(report, accounts)
    checking = sections[c["checking"]["Id"]]
    assert checking.beginning == D("-12.50")
    assert [(row.entity, row.amount) for row in checking.rows] == [
        ("Payment", D("30.00")),
        ("JournalEntry", D("-7.00")),
    ]
    assert checking.beginning + checking.movement == D("10.50")
    income = reports.general_ledger(
        client.report("GeneralLedger", start_date="2026-01-01", end_date="2026-03-31", account=c["services"]["Id"]),
        accounts,
    )[c["services"]["Id"]]
    assert [(row.day, row.party, row.amount) for row in income.rows] == [
        (date(2026, 1, 15), "Alice Books", D("-100.00")),
        (date(2026, 3, 1), "Bob Books", D("-40.00")),
    ], "an income account's natural (credit) sign turned debit-positive"


def test_a_report_without_its_columns_is_refused_rather_than_misread():
    with pytest.raises(QBOError):
        reports.trial_balance({"Columns": {"Column": [{"ColTitle": "Total"}]}, "Rows": {"Row": []}})
    with pytest.raises(QBOError):
        reports.aging({"Columns": {"Column": []}, "Rows": {"Row": []}})
    with pytest.raises(QBOError):
        reports.trial_balance({"Columns": {"Column": [{"ColTitle": "Debit"}, {"ColTitle": "Credit"}]}, "Rows": []})


def test_the_fiscal_year_is_the_companys():
    assert reports.fiscal_year_start_month({"AccountingInfoPrefs": {"FirstMonthOfFiscalYear": "April"}}) == 4
    assert reports.fiscal_year_start_month({}, {"FiscalYearStartMonth": "July"}) == 7
    assert reports.fiscal_year_start_month(None) == 1
    assert reports.fiscal_year_start(date(2026, 3, 31), 4) == date(2025, 4, 1)
    assert reports.fiscal_year_start(date(2026, 4, 1), 4) == date(2026, 4, 1)


# ----------------------------------------------------------------------------- the explanations
def test_each_share_not_sent_explains_its_own_amount_and_the_rest_is_unexplained():
    shares = [
        ("checking", books.SENT, D("100")),
        ("checking", "not_sent", D("-25")),
        ("income", books.SENT, D("-100")),
        ("income", "pending", D("-50")),
    ]
    found = books.compare(shares, {"checking": D("100"), "income": D("-120")})
    assert (found["checking"].difference, found["checking"].unexplained, found["checking"].state) == (
        D("-25.00"),
        D("0.00"),
        "explained",
    )
    income = found["income"]
    assert income.explained == {"pending": D("-50.00")}
    assert (income.difference, income.unexplained, income.state) == (D("-30.00"), D("20.00"), "unexplained")


def test_a_key_with_one_cause_is_explained_whole_and_the_tolerance_takes_what_is_that_small():
    found = books.compare(
        [("odoo account", "not_sent", D("7.5")), ("rounding", books.SENT, D("10.01"))],
        {"qbo account": D("40"), "rounding": D("10")},
        whole={"odoo account": "unmapped", "qbo account": "unmapped"},
        tolerance=D("0.05"),
    )
    assert found["odoo account"].explained == {"unmapped": D("7.50")}
    assert found["qbo account"].explained == {"unmapped": D("-40.00")}
    assert (found["rounding"].explained, found["rounding"].state) == ({"tolerance": D("0.01")}, "explained")
    strict = books.compare([("rounding", books.SENT, D("10.01"))], {"rounding": D("10")})
    assert strict["rounding"].state == "unexplained"


def test_what_quickbooks_alone_holds_is_explained_later_and_balances_that_agree_match():
    comparison = books.compare([("office", "not_sent", D("25"))], {"office": D("25")})["office"]
    assert comparison.state == "unexplained", "in Odoo only as far as Odoo knows, yet QuickBooks has as much"
    comparison.explain("qbo_only", D("-25"))
    comparison.settle(D(0))
    assert (comparison.difference, comparison.unexplained, comparison.state) == (D("0.00"), D("0.00"), "match")
    with pytest.raises(ValueError):
        comparison.explain("a guess", D(1))


def test_earlier_years_go_where_quickbooks_closes_them():
    routes = {
        1: books.Route("sales"),
        2: books.Route("office", "retained"),
        3: books.Route("unmapped expense", "unaffected", "unmapped"),
    }
    rows = [
        (1, True, books.SENT, D(5)),
        (2, True, "not_sent", D(12)),
        (2, False, books.SENT, D(7)),
        (3, True, books.SENT, D(3)),
    ]
    assert books.routed(rows, routes) == [
        ("sales", books.SENT, D(5)),
        ("retained", "not_sent", D(12)),
        ("office", books.SENT, D(7)),
        ("unaffected", "unmapped", D(3)),
    ]
