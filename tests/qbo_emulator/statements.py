"""The TrialBalance and BalanceSheet reports, computed from the ledger (:mod:`.postings`).

Both are balances as of ``end_date`` (``start_date`` is echoed in the header and selects nothing):
balance sheet accounts cumulative, income and expense accounts from the first day of the fiscal year
``end_date`` falls in, what they had in earlier fiscal years rolled into QBO's Retained Earnings account
(QBO closes the year into Retained Earnings without a visible transaction).  Rules and sources: the
package README, "Books: postings and reports".

* TrialBalance: one ``Data`` row per account with a balance, ``[{"value": name, "id": Id}, {"value":
  debit}, {"value": credit}]`` (the other column ``""``), accounts in QBO's type order then by name,
  then a ``GrandTotal`` section "TOTAL" with both sums, equal.  Columns ``Account``, ``Debit``, ``Credit``.
* BalanceSheet: QBO's sections (``TotalAssets`` > ``CurrentAssets`` > ``BankAccounts``, ``AR``,
  ``OtherCurrentAssets``; ``FixedAssets``; ``OtherAssets``; ``TotalLiabilitiesAndEquity`` >
  ``Liabilities`` > ``CurrentLiabilities`` > ``AP``, ``CreditCards``, ``OtherCurrentLiabilities``;
  ``LongTermLiabilities``; ``Equity``), each account with activity in its natural sign (credit positive
  on liabilities and equity), and in Equity a "Net Income" row (group ``NetIncome``): the fiscal
  year-to-date net income.  Assets = liabilities + equity.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .entities import cents
from .postings import balances
from .reportkit import (
    INCOME_STATEMENT,
    ZERO,
    account_rows,
    accounts_by_id,
    basis,
    check_options,
    column,
    fiscal_year_start,
    grand_total,
    header,
    money_text,
    natural,
    no_data,
    period,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .company import Company

#: QBO's chart of accounts order (balance sheet first, then the income statement).
TYPE_ORDER = (
    "Bank",
    "Accounts Receivable",
    "Other Current Asset",
    "Fixed Asset",
    "Other Asset",
    "Accounts Payable",
    "Credit Card",
    "Other Current Liability",
    "Long Term Liability",
    "Equity",
    "Income",
    "Cost of Goods Sold",
    "Expense",
    "Other Income",
    "Other Expense",
)

#: (group, title, summary title, children): children are sub-groups or the account types of a leaf group.
BALANCE_SHEET: tuple[Any, ...] = (
    (
        "TotalAssets",
        "ASSETS",
        "TOTAL ASSETS",
        (
            (
                "CurrentAssets",
                "Current Assets",
                "Total Current Assets",
                (
                    ("BankAccounts", "Bank Accounts", "Total Bank Accounts", ("Bank",)),
                    ("AR", "Accounts Receivable", "Total Accounts Receivable", ("Accounts Receivable",)),
                    (
                        "OtherCurrentAssets",
                        "Other Current Assets",
                        "Total Other Current Assets",
                        ("Other Current Asset",),
                    ),
                ),
            ),
            ("FixedAssets", "Fixed Assets", "Total Fixed Assets", ("Fixed Asset",)),
            ("OtherAssets", "Other Assets", "Total Other Assets", ("Other Asset",)),
        ),
    ),
    (
        "TotalLiabilitiesAndEquity",
        "LIABILITIES AND EQUITY",
        "TOTAL LIABILITIES AND EQUITY",
        (
            (
                "Liabilities",
                "Liabilities",
                "Total Liabilities",
                (
                    (
                        "CurrentLiabilities",
                        "Current Liabilities",
                        "Total Current Liabilities",
                        (
                            ("AP", "Accounts Payable", "Total Accounts Payable", ("Accounts Payable",)),
                            ("CreditCards", "Credit Cards", "Total Credit Cards", ("Credit Card",)),
                            (
                                "OtherCurrentLiabilities",
                                "Other Current Liabilities",
                                "Total Other Current Liabilities",
                                ("Other Current Liability",),
                            ),
                        ),
                    ),
                    (
                        "LongTermLiabilities",
                        "Long-Term Liabilities",
                        "Total Long-Term Liabilities",
                        ("Long Term Liability",),
                    ),
                ),
            ),
            ("Equity", "Equity", "Total Equity", ("Equity",)),
        ),
    ),
)
#: Sections shown even when empty (the others only with accounts).
ALWAYS = ("TotalAssets", "TotalLiabilitiesAndEquity", "Equity")


def as_of(company: Company, end: date) -> dict[str, Decimal]:
    """Debit balance (credit negative) per account as of ``end``, in cents (the trial balance's figures)."""
    return {account: cents(value) for account, value in balances(company, end, fiscal_year_start(end)).items()}


def order_key(account: dict[str, Any]) -> tuple[int, str]:
    kind = account.get("AccountType")
    rank = TYPE_ORDER.index(kind) if kind in TYPE_ORDER else len(TYPE_ORDER)
    return rank, str(account.get("FullyQualifiedName") or account.get("Name") or "").lower()


# ----------------------------------------------------------------------------- TrialBalance
def trial_balance(company: Company, args: Mapping[str, str]) -> dict[str, Any]:
    start, end, macro = period(company, args)
    report_basis = basis(args)
    check_options(args, summarize=False)  # summarize_column_by selects nothing on this report (README)
    accounts = accounts_by_id(company)
    figures = as_of(company, end)
    rows: list[dict[str, Any]] = []
    debits = credits = ZERO
    for account_id in sorted((a for a in figures if a in accounts), key=lambda a: order_key(accounts[a])):
        amount = figures[account_id]
        if not amount:
            continue
        account = accounts[account_id]
        name = str(account.get("FullyQualifiedName") or account.get("Name") or "")
        debit, credit = (amount, ZERO) if amount > 0 else (ZERO, -amount)
        debits += debit
        credits += credit
        rows.append(
            {
                "ColData": [
                    {"value": name, "id": account_id},
                    {"value": money_text(debit) if debit else ""},
                    {"value": money_text(credit) if credit else ""},
                ],
                "type": "Data",
            }
        )
    has_data = bool(rows)
    rows.append(grand_total(debits, credits))
    return {
        "Header": header(
            company,
            "TrialBalance",
            DateMacro=macro,
            ReportBasis=report_basis,
            StartPeriod=start.isoformat(),
            EndPeriod=end.isoformat(),
            SummarizeColumnsBy="Total",
            Option=[no_data(has_data)],
        ),
        "Columns": {"Column": [column("", "Account"), column("Debit", "Money"), column("Credit", "Money")]},
        "Rows": {"Row": rows},
    }


# ----------------------------------------------------------------------------- BalanceSheet
def balance_sheet(company: Company, args: Mapping[str, str]) -> dict[str, Any]:
    start, end, macro = period(company, args)
    report_basis = basis(args)
    check_options(args)
    accounts = accounts_by_id(company)
    figures = as_of(company, end)
    shown = {
        account_id: natural(accounts[account_id], amount)
        for account_id, amount in figures.items()
        if account_id in accounts and accounts[account_id].get("Classification") not in INCOME_STATEMENT
    }
    net_income = -sum(
        (
            amount
            for account_id, amount in figures.items()
            if accounts.get(account_id, {}).get("Classification") in INCOME_STATEMENT
        ),
        ZERO,
    )
    rows = [_section(node, accounts, shown, net_income)[0] for node in BALANCE_SHEET]
    return {
        "Header": header(
            company,
            "BalanceSheet",
            DateMacro=macro,
            ReportBasis=report_basis,
            StartPeriod=start.isoformat(),
            EndPeriod=end.isoformat(),
            SummarizeColumnsBy="Total",
            Option=[{"Name": "AccountingStandard", "Value": "GAAP"}, no_data(bool(figures))],
        ),
        "Columns": {"Column": [column("", "Account", "account"), column("Total", "Money", "total")]},
        "Rows": {"Row": [row for row in rows if row is not None]},
    }


def _section(
    node: tuple[Any, ...], accounts: dict[str, dict[str, Any]], shown: dict[str, Decimal], net_income: Decimal
) -> tuple[dict[str, Any] | None, Decimal]:
    """One section of the balance sheet and its total (None when empty and not always shown)."""
    group, title, summary, children = node
    if children and isinstance(children[0], str):  # a leaf group: the accounts of these types
        types = children
        amounts = {key: value for key, value in shown.items() if accounts[key].get("AccountType") in types}
        rows = account_rows(accounts, amounts, lambda account: account.get("AccountType") in types) if amounts else []
        total = sum(amounts.values(), ZERO)
        if group == "Equity":
            rows.append(
                {
                    "ColData": [{"value": "Net Income"}, {"value": money_text(net_income)}],
                    "type": "Data",
                    "group": "NetIncome",
                }
            )
            total += net_income
    else:
        built = [_section(child, accounts, shown, net_income) for child in children]
        rows = [row for row, _total in built if row is not None]
        total = sum((value for _row, value in built), ZERO)
    if not rows and group not in ALWAYS:
        return None, ZERO
    section: dict[str, Any] = {"Header": {"ColData": [{"value": title}, {"value": ""}]}}
    if rows:
        section["Rows"] = {"Row": rows}
    section["Summary"] = {"ColData": [{"value": summary}, {"value": money_text(total)}]}
    section.update({"type": "Section", "group": group})
    return section, total
