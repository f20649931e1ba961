"""The ProfitAndLoss report (``GET /reports/ProfitAndLoss``), computed from the ledger (:mod:`.postings`).

The answer has QBO's report shape (Intuit's ProfitAndLoss API reference and answers of a QBO
sandbox): ``Header`` (``ReportName``, ``ReportBasis``, ``StartPeriod``, ``EndPeriod``,
``SummarizeColumnsBy``, ``Currency``, ``Time``, ``Option`` with ``AccountingStandard`` and
``NoReportData``, plus ``DateMacro`` when a date macro chose the period), ``Columns`` (an ``Account``
column and a ``Money`` column titled "Total") and ``Rows``: sections in QBO's order ``Income``,
``COGS``, ``GrossProfit``, ``Expenses``, ``NetOperatingIncome``, ``OtherIncome``, ``OtherExpenses``,
``NetOtherIncome``, ``NetIncome``.  ``Income`` and ``Expenses`` are always there (with an empty
total when nothing posted), ``COGS``, ``OtherIncome`` and ``OtherExpenses`` only with activity,
``NetOtherIncome`` when either of the last two is there; the profit lines always.

An account with postings dated in the period (``start_date``..``end_date``, both included) is a
``Data`` row ``[{"value": name, "id": Id}, {"value": amount}]``; accounts are sorted by name.  A parent
account whose sub-accounts have activity becomes a ``Section`` whose ``Header`` carries the parent's id
and its own amount (``""`` when it has none), whose ``Rows`` hold the sub-accounts and whose ``Summary``
is "Total <name>" over the whole branch.  Money is a string with two decimals, in the home currency.
Income and other income show credits as positive amounts, cost of goods sold, expenses and other
expenses show debits as positive amounts.  What posts where is :mod:`.postings`' business: sales lines
to their items' income accounts, discounts, purchase lines net of tax, journal entries and the exchange
gains or losses that foreign-currency payments realize.

Simpler than QBO: the cash basis gives the accrual figures (``ReportBasis`` still says Cash), only
``summarize_column_by=Total`` is served, and the filters (customer, vendor, item, class, department...)
are refused rather than applied.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .postings import movements
from .reportkit import account_rows, basis, check_options, money_text, period

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .company import Company

#: AccountType -> P&L group.
GROUP_OF = {
    "Income": "Income",
    "Cost of Goods Sold": "COGS",
    "Expense": "Expenses",
    "Other Income": "OtherIncome",
    "Other Expense": "OtherExpenses",
}
#: group -> (section title, shown when empty, credit-positive)
SECTIONS = {
    "Income": ("Income", True, True),
    "COGS": ("Cost of Goods Sold", False, False),
    "Expenses": ("Expenses", True, False),
    "OtherIncome": ("Other Income", False, True),
    "OtherExpenses": ("Other Expenses", False, False),
}


def profit_and_loss(company: Company, args: Mapping[str, str]) -> dict[str, Any]:
    start, end, macro = period(company, args)
    report_basis = basis(args)
    check_options(args)
    moved = movements(company, start, end)
    accounts = {obj["Id"]: obj for obj in company.store.all("Account")}
    totals: dict[str, Decimal] = {}
    sections: dict[str, dict[str, Any]] = {}
    for group, (title, always, credit_positive) in SECTIONS.items():
        members = [
            acc for acc_id, acc in accounts.items() if acc_id in moved and GROUP_OF.get(acc.get("AccountType")) == group
        ]
        sign = -1 if credit_positive else 1
        amounts = {acc["Id"]: sign * moved[acc["Id"]] for acc in members}
        if not members and not always:
            continue
        section: dict[str, Any] = {"Header": {"ColData": [{"value": title}, {"value": ""}]}}
        total = sum(amounts.values(), Decimal(0))
        if members:
            section["Rows"] = {
                "Row": account_rows(accounts, amounts, lambda acc, g=group: GROUP_OF.get(acc.get("AccountType")) == g)
            }
        section["Summary"] = {"ColData": [{"value": f"Total {title}"}, {"value": money_text(total) if members else ""}]}
        section.update({"type": "Section", "group": group})
        sections[group] = section
        totals[group] = total
    zero = Decimal(0)
    gross = totals.get("Income", zero) - totals.get("COGS", zero)
    operating = gross - totals.get("Expenses", zero)
    other = totals.get("OtherIncome", zero) - totals.get("OtherExpenses", zero)
    has_data = any(group in sections and "Rows" in sections[group] for group in SECTIONS)
    rows: list[dict[str, Any]] = []
    for group in ("Income", "COGS"):
        if group in sections:
            rows.append(sections[group])
    rows.append(_summary_row("GrossProfit", "Gross Profit", gross))
    rows.append(sections["Expenses"])
    rows.append(_summary_row("NetOperatingIncome", "Net Operating Income", operating))
    for group in ("OtherIncome", "OtherExpenses"):
        if group in sections:
            rows.append(sections[group])
    if "OtherIncome" in sections or "OtherExpenses" in sections:
        rows.append(_summary_row("NetOtherIncome", "Net Other Income", other))
    rows.append(_summary_row("NetIncome", "Net Income", operating + other))
    header: dict[str, Any] = {
        "Time": company.now_text(),
        "ReportName": "ProfitAndLoss",
        "ReportBasis": report_basis,
        "StartPeriod": start.isoformat(),
        "EndPeriod": end.isoformat(),
        "SummarizeColumnsBy": "Total",
        "Currency": company.home_currency,
        "Option": [
            {"Name": "AccountingStandard", "Value": "GAAP"},
            {"Name": "NoReportData", "Value": "false" if has_data else "true"},
        ],
    }
    if macro:
        header["DateMacro"] = macro
    return {
        "Header": header,
        "Columns": {
            "Column": [
                {"ColTitle": "", "ColType": "Account", "MetaData": [{"Name": "ColKey", "Value": "account"}]},
                {"ColTitle": "Total", "ColType": "Money", "MetaData": [{"Name": "ColKey", "Value": "total"}]},
            ]
        },
        "Rows": {"Row": rows},
    }


def _member_of(group: str) -> Callable[[dict[str, Any]], bool]:
    return lambda account: GROUP_OF.get(account.get("AccountType")) == group


def _summary_row(group: str, label: str, value: Decimal) -> dict[str, Any]:
    return {"Summary": {"ColData": [{"value": label}, {"value": money_text(value)}]}, "type": "Section", "group": group}
