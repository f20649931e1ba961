"""What every report shares: its parameters (periods, date macros, basis, filters), QBO's report
header and columns, money as text, account signs and the fiscal year.

Rules and sources are in the package README ("ProfitAndLoss report", "Books: postings and reports").
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import faults
from .entities import cents, ref_value

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .company import Company

#: Report filters the emulator does not apply: refused rather than ignored.
FILTERS = ("customer", "vendor", "item", "class", "department", "employee", "qzurl", "sort_order")
DATE_MACROS = (
    "today",
    "yesterday",
    "this week",
    "this week-to-date",
    "last week",
    "this month",
    "this month-to-date",
    "last month",
    "this fiscal quarter",
    "this fiscal quarter-to-date",
    "last fiscal quarter",
    "this fiscal year",
    "this fiscal year-to-date",
    "last fiscal year",
)
DEFAULT_DATE_MACRO = "This Fiscal Year-to-date"
#: The seeded company's ``FiscalYearStartMonth`` (CompanyInfo) and ``FirstMonthOfFiscalYear`` (Preferences).
FISCAL_YEAR_START_MONTH = 1
#: Account classifications whose balance is a credit (shown positive when credit).
CREDIT_NORMAL = ("Liability", "Equity", "Revenue")
#: Classifications of the income statement: their balances start again at each fiscal year.
INCOME_STATEMENT = ("Revenue", "Expense")
ZERO = Decimal(0)


# ----------------------------------------------------------------------------- dates
def parse_date(value: str, element: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise faults.invalid_date_format(element, value) from None


def fiscal_year_start(day: date) -> date:
    """First day of the fiscal year ``day`` falls in (the fiscal year starts in January)."""
    year = day.year if day.month >= FISCAL_YEAR_START_MONTH else day.year - 1
    return date(year, FISCAL_YEAR_START_MONTH, 1)


def macro_period(macro: str, today: date) -> tuple[date, date]:
    """A QBO ``date_macro`` (case-insensitive) as a date range; the fiscal year starts in January."""
    word = macro.strip().lower()
    if word not in DATE_MACROS:
        raise faults.invalid_enumeration("date_macro", macro, ", ".join(DATE_MACROS))
    month_end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    quarter_end_month = quarter_start.month + 2
    quarter_end = quarter_start.replace(
        month=quarter_end_month, day=calendar.monthrange(today.year, quarter_end_month)[1]
    )
    week_start = today - timedelta(days=(today.weekday() + 1) % 7)  # weeks start on Sunday
    last_month_end = today.replace(day=1) - timedelta(days=1)
    previous_quarter_end = quarter_start - timedelta(days=1)
    previous_quarter_start = previous_quarter_end.replace(day=1, month=(previous_quarter_end.month - 1) // 3 * 3 + 1)
    periods = {
        "today": (today, today),
        "yesterday": (today - timedelta(days=1), today - timedelta(days=1)),
        "this week": (week_start, week_start + timedelta(days=6)),
        "this week-to-date": (week_start, today),
        "last week": (week_start - timedelta(days=7), week_start - timedelta(days=1)),
        "this month": (today.replace(day=1), month_end),
        "this month-to-date": (today.replace(day=1), today),
        "last month": (last_month_end.replace(day=1), last_month_end),
        "this fiscal quarter": (quarter_start, quarter_end),
        "this fiscal quarter-to-date": (quarter_start, today),
        "last fiscal quarter": (previous_quarter_start, previous_quarter_end),
        "this fiscal year": (date(today.year, 1, 1), date(today.year, 12, 31)),
        "this fiscal year-to-date": (date(today.year, 1, 1), today),
        "last fiscal year": (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    }
    return periods[word]


def period(company: Company, args: Mapping[str, str]) -> tuple[date, date, str | None]:
    """``start_date``..``end_date``, else ``date_macro``, else This Fiscal Year-to-date; and the macro
    that chose it (for the header).  A lone ``end_date`` is ignored, as QBO does (README)."""
    start_text, end_text = (args.get("start_date") or "").strip(), (args.get("end_date") or "").strip()
    if end_text and not start_text:
        parse_date(end_text, "end_date")  # still a date, or 2060
        end_text = ""
    macro = None
    if not (start_text and end_text):
        macro = (args.get("date_macro") or "").strip() or DEFAULT_DATE_MACRO
    default_start, default_end = macro_period(macro, company.today()) if macro else (None, None)
    start = parse_date(start_text, "start_date") if start_text else default_start
    end = parse_date(end_text, "end_date") if end_text else default_end
    assert start is not None and end is not None
    if start > end:
        raise faults.invalid_date_range(f"start_date {start.isoformat()} is after end_date {end.isoformat()}.")
    return start, end, macro.lower() if macro and not start_text else None


def report_date(company: Company, args: Mapping[str, str]) -> tuple[date, str | None]:
    """``report_date`` (aging and balance reports), else the end of ``date_macro``, else today."""
    text = (args.get("report_date") or "").strip()
    if text:
        return parse_date(text, "report_date"), None
    macro = (args.get("date_macro") or "").strip()
    if macro:
        return macro_period(macro, company.today())[1], macro.lower()
    return company.today(), None


def basis(args: Mapping[str, str]) -> str:
    value = (args.get("accounting_method") or "Accrual").strip()
    for name in ("Accrual", "Cash"):
        if value.lower() == name.lower():
            return name
    raise faults.invalid_enumeration("accounting_method", value, "Cash, Accrual")


def check_options(args: Mapping[str, str], *, allowed: tuple[str, ...] = (), summarize: bool = True) -> None:
    """Refuse what the emulator does not serve: other column summaries, report filters."""
    value = (args.get("summarize_column_by") or "Total").strip()
    if summarize and value.lower() != "total":
        raise faults.invalid_property(
            f"summarize_column_by={value} is not supported by the emulator (only Total)", "summarize_column_by"
        )
    used = [
        name for name in FILTERS if name not in allowed and (args.get(name) or "").strip() and args.get(name) != "false"
    ]
    if used:
        raise faults.invalid_property(
            f"The report filter(s) {', '.join(used)} are not supported by the emulator", used[0]
        )


def ids_filter(args: Mapping[str, str], name: str) -> set[str] | None:
    """A comma-separated list of Ids (``customer=1,2``), or None when absent."""
    text = (args.get(name) or "").strip()
    return {part.strip() for part in text.split(",") if part.strip()} if text else None


# ----------------------------------------------------------------------------- shape
def money_text(value: Decimal) -> str:
    return f"{cents(value):.2f}"


def cell(value: Decimal) -> dict[str, str]:
    """A money cell of a data row: blank when zero, as QBO's detail and aging rows show it."""
    return {"value": money_text(value) if value else ""}


def header(company: Company, name: str, **fields: Any) -> dict[str, Any]:
    """QBO's report ``Header``: ``Time`` and ``ReportName`` first, the fields given, then ``Currency``."""
    out: dict[str, Any] = {"Time": company.now_text(), "ReportName": name}
    out.update({key: value for key, value in fields.items() if value is not None})
    out["Currency"] = company.home_currency
    return out


def no_data(has_data: bool) -> dict[str, str]:
    return {"Name": "NoReportData", "Value": "false" if has_data else "true"}


def column(title: str, kind: str, key: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"ColTitle": title, "ColType": kind}
    if key:
        out["MetaData"] = [{"Name": "ColKey", "Value": key}]
    return out


def grand_total(*values: Decimal | str) -> dict[str, Any]:
    """The closing ``GrandTotal`` section of a summary report, "TOTAL" and its amounts."""
    cells = [{"value": "TOTAL"}] + [{"value": v if isinstance(v, str) else money_text(v)} for v in values]
    return {"group": "GrandTotal", "type": "Section", "Summary": {"ColData": cells}}


# ----------------------------------------------------------------------------- accounts
def accounts_by_id(company: Company) -> dict[str, dict[str, Any]]:
    return {str(obj["Id"]): obj for obj in company.store.all("Account")}


def natural(account: dict[str, Any], debit: Decimal) -> Decimal:
    """A debit-positive amount in the account's natural sign (credit positive on liabilities, equity and
    income), as QBO's balance sheet and general ledger show amounts."""
    return -debit if account.get("Classification") in CREDIT_NORMAL else debit


def retained_earnings_id(company: Company) -> str | None:
    """QBO's system Retained Earnings account (``AccountSubType`` RetainedEarnings)."""
    for obj in company.store.all("Account"):
        if obj.get("AccountSubType") == "RetainedEarnings":
            return str(obj["Id"])
    return None


def account_rows(
    accounts: dict[str, dict[str, Any]], amounts: dict[str, Decimal], member: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    """Rows of one section: the accounts of ``amounts``, sub-accounts nested under their parents (a parent
    heads a ``Section`` with its own amount, "" when it has none, and "Total <name>" over its branch);
    ``member`` says whether a parent belongs to the section.  Sorted by name."""

    def parent_of(account_id: str) -> str | None:
        parent = ref_value(accounts[account_id].get("ParentRef"))
        if parent in accounts and member(accounts[parent]):
            return parent
        return None

    shown: set[str] = set()
    for account_id in amounts:
        node: str | None = account_id
        while node is not None and node not in shown:
            shown.add(node)
            node = parent_of(node)
    children: dict[str | None, list[str]] = {}
    for account_id in shown:
        children.setdefault(parent_of(account_id), []).append(account_id)

    def name(account_id: str) -> str:
        return str(accounts[account_id].get("Name") or "")

    def build(account_id: str) -> tuple[dict[str, Any], Decimal]:
        own = amounts.get(account_id)
        kids = sorted(children.get(account_id, []), key=lambda a: name(a).lower())
        label = {"value": name(account_id), "id": account_id}
        if not kids:
            return {"ColData": [label, {"value": money_text(own or Decimal(0))}], "type": "Data"}, own or Decimal(0)
        built = [build(kid) for kid in kids]
        total = (own or Decimal(0)) + sum((value for _row, value in built), Decimal(0))
        return {
            "Header": {"ColData": [label, {"value": money_text(own) if own is not None else ""}]},
            "Rows": {"Row": [row for row, _value in built]},
            "Summary": {"ColData": [{"value": f"Total {name(account_id)}"}, {"value": money_text(total)}]},
            "type": "Section",
        }, total

    return [build(account_id)[0] for account_id in sorted(children.get(None, []), key=lambda a: name(a).lower())]
