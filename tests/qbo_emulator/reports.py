"""Reports (``GET /reports/{name}``): the ProfitAndLoss summary.

The answer has QBO's report shape (Intuit's ProfitAndLoss API reference and answers of a QBO
sandbox): ``Header`` (``ReportName``, ``ReportBasis``, ``StartPeriod``, ``EndPeriod``,
``SummarizeColumnsBy``, ``Currency``, ``Time``, ``Option`` with ``AccountingStandard`` and
``NoReportData``, plus ``DateMacro`` when a date macro chose the period), ``Columns`` (an ``Account``
column and a ``Money`` column titled "Total") and ``Rows``: sections in QBO's order ``Income``,
``COGS``, ``GrossProfit``, ``Expenses``, ``NetOperatingIncome``, ``OtherIncome``, ``OtherExpenses``,
``NetOtherIncome``, ``NetIncome``.  ``Income`` and ``Expenses`` are always there (with an empty
total when nothing posted), ``COGS``, ``OtherIncome`` and ``OtherExpenses`` only with activity,
``NetOtherIncome`` when either of the last two is there; the profit lines always.

An account with activity in the period is a ``Data`` row ``[{"value": name, "id": Id}, {"value":
amount}]``; accounts are sorted by name.  A parent account whose sub-accounts have activity becomes a
``Section`` whose ``Header`` carries the parent's id and its own amount (``""`` when it has none), whose
``Rows`` hold the sub-accounts and whose ``Summary`` is "Total <name>" over the whole branch.  Money is
a string with two decimals, in the home currency (each line converted at its transaction's
``ExchangeRate`` and rounded to the cent).  Income and other income show credits as positive amounts,
cost of goods sold, expenses and other expenses show debits as positive amounts.

What posts, by ``TxnDate`` within ``start_date``..``end_date`` (both included): invoice and sales
receipt lines (credit to the item's ``IncomeAccountRef``; discounts debit their
``DiscountAccountRef`` or the "Discounts given" account; line amounts are net of tax whatever
``GlobalTaxCalculation`` says, so they post as they are), credit memo lines (the same, reversed),
bill lines (debit to the line's ``AccountRef``, or the item's ``ExpenseAccountRef``), vendor credit
lines (the same, reversed; purchase lines post net of tax as sales lines do), journal
entry lines, and the exchange gains or losses realized by foreign-currency payments and bill payments
(:func:`.payments.realized_gain`, by the payment's ``TxnDate``, on QBO's system "Exchange Gain or
Loss" account: an Other Expense account, so a gain is a credit and shows negative).  Voided
transactions post nothing.  Tax, receivables, payables, banks and equity are not on this report.

Simpler than QBO: the cash basis gives the accrual figures (``ReportBasis`` still says Cash), only
``summarize_column_by=Total`` is served, and the filters (customer, vendor, item, class, department...)
are refused rather than applied.  Without dates the period is "This Fiscal Year-to-date" (QBO's
default ``date_macro``, the fiscal year starting in January here); with one date only, the other
comes from that default period.  Any other report name answers "Unsupported Operation".
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import faults
from .entities import cents, ref_value
from .payments import realized_gain

if TYPE_CHECKING:
    from collections.abc import Mapping

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


def run(company: Company, name: str, args: Mapping[str, str]) -> dict[str, Any]:
    """Serve ``/reports/{name}`` (only ProfitAndLoss)."""
    if name.lower() != "profitandloss":
        raise faults.unsupported_operation(f"report {name}")
    with company.store.lock:
        return profit_and_loss(company, args)


# ----------------------------------------------------------------------------- parameters
def _parse_date(value: str, element: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise faults.invalid_date_format(element, value) from None


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


def _period(company: Company, args: Mapping[str, str]) -> tuple[date, date, str | None]:
    start_text, end_text = (args.get("start_date") or "").strip(), (args.get("end_date") or "").strip()
    macro = None
    if not (start_text and end_text):
        macro = (args.get("date_macro") or "").strip() or DEFAULT_DATE_MACRO
    default_start, default_end = macro_period(macro, company.today()) if macro else (None, None)
    start = _parse_date(start_text, "start_date") if start_text else default_start
    end = _parse_date(end_text, "end_date") if end_text else default_end
    assert start is not None and end is not None
    if start > end:
        raise faults.invalid_date_range(f"start_date {start.isoformat()} is after end_date {end.isoformat()}.")
    return start, end, macro.lower() if macro and not (start_text or end_text) else None


def _basis(args: Mapping[str, str]) -> str:
    value = (args.get("accounting_method") or "Accrual").strip()
    for basis in ("Accrual", "Cash"):
        if value.lower() == basis.lower():
            return basis
    raise faults.invalid_enumeration("accounting_method", value, "Cash, Accrual")


def _check_options(args: Mapping[str, str]) -> None:
    summarize = (args.get("summarize_column_by") or "Total").strip()
    if summarize.lower() != "total":
        raise faults.invalid_property(
            f"summarize_column_by={summarize} is not supported by the emulator (only Total)", "summarize_column_by"
        )
    used = [name for name in FILTERS if (args.get(name) or "").strip() and args.get(name) != "false"]
    if used:
        raise faults.invalid_property(
            f"The report filter(s) {', '.join(used)} are not supported by the emulator", used[0]
        )


# ----------------------------------------------------------------------------- postings
@dataclass
class Ledger:
    """Net debit (credit negative) per account over the period, and which accounts had activity."""

    debit: dict[str, Decimal] = field(default_factory=dict)

    def post(self, account_id: str | None, amount: Decimal, rate: Decimal) -> None:
        if not account_id:
            return
        self.debit[account_id] = self.debit.get(account_id, Decimal(0)) + cents(amount * rate)


def _in_period(obj: dict[str, Any], start: date, end: date) -> bool:
    try:
        return start <= date.fromisoformat(str(obj.get("TxnDate"))[:10]) <= end
    except ValueError:
        return False


def postings(company: Company, start: date, end: date) -> Ledger:
    """What every transaction dated in ``start..end`` posts to the accounts."""
    ledger = Ledger()
    for entity, sign in (("Invoice", -1), ("SalesReceipt", -1), ("CreditMemo", 1)):
        for obj in company.store.all(entity):
            if not obj.get("_voided") and _in_period(obj, start, end):
                _post_sale(company, ledger, obj, sign)
    for entity, sign in (("Bill", 1), ("VendorCredit", -1)):
        for obj in company.store.all(entity):
            if not obj.get("_voided") and _in_period(obj, start, end):
                _post_bill(company, ledger, obj, sign)
    for obj in company.store.all("JournalEntry"):
        if _in_period(obj, start, end):
            rate = _rate(obj)
            for line in obj.get("Line") or []:
                detail = line.get("JournalEntryLineDetail") or {}
                if line.get("DetailType") != "JournalEntryLineDetail":
                    continue
                sign = 1 if detail.get("PostingType") == "Debit" else -1
                ledger.post(ref_value(detail.get("AccountRef")), sign * _amount(line), rate)
    exchange_account = company.exchange_account_id
    for entity in ("Payment", "BillPayment"):
        for obj in company.store.all(entity):
            if _in_period(obj, start, end):
                gain = realized_gain(company, obj)
                if gain:
                    ledger.post(exchange_account, -gain, Decimal(1))  # a gain credits the account
    return ledger


def _rate(obj: dict[str, Any]) -> Decimal:
    return Decimal(str(obj.get("ExchangeRate") or 1))


def _amount(line: dict[str, Any]) -> Decimal:
    return Decimal(str(line.get("Amount") or 0))


def _post_sale(company: Company, ledger: Ledger, obj: dict[str, Any], sign: int) -> None:
    """``sign`` -1: income credited (invoice, sales receipt); 1: debited (credit memo)."""
    rate = _rate(obj)
    lines = obj.get("Line") or []
    for line in lines:
        if line.get("DetailType") != "SalesItemLineDetail":
            continue
        item = company.store.get("Item", ref_value((line.get("SalesItemLineDetail") or {}).get("ItemRef")) or "")
        account_id = ref_value((item or {}).get("IncomeAccountRef"))
        ledger.post(account_id, sign * _amount(line), rate)  # line amounts are net in every tax mode
    for line in lines:
        if line.get("DetailType") == "DiscountLineDetail":
            account_id = ref_value(
                (line.get("DiscountLineDetail") or {}).get("DiscountAccountRef")
            ) or _discount_account(company)
            ledger.post(account_id, -sign * _amount(line), rate)


def _discount_account(company: Company) -> str | None:
    for account in company.store.all("Account"):
        if account.get("AccountSubType") == "DiscountsRefundsGiven":
            return str(account["Id"])
    return None


def _post_bill(company: Company, ledger: Ledger, obj: dict[str, Any], sign: int) -> None:
    """``sign`` 1: expense debited (bill); -1: credited (vendor credit).  Line amounts are net of tax."""
    rate = _rate(obj)
    for line in obj.get("Line") or []:
        kind = line.get("DetailType")
        if kind == "AccountBasedExpenseLineDetail":
            account_id = ref_value((line.get("AccountBasedExpenseLineDetail") or {}).get("AccountRef"))
        elif kind == "ItemBasedExpenseLineDetail":
            item = (
                company.store.get(
                    "Item", ref_value((line.get("ItemBasedExpenseLineDetail") or {}).get("ItemRef")) or ""
                )
                or {}
            )
            account_id = ref_value(
                item.get("AssetAccountRef") if item.get("Type") == "Inventory" else item.get("ExpenseAccountRef")
            )
        else:
            continue
        ledger.post(account_id, sign * _amount(line), rate)


# ----------------------------------------------------------------------------- the report
def money_text(value: Decimal) -> str:
    return f"{cents(value):.2f}"


def profit_and_loss(company: Company, args: Mapping[str, str]) -> dict[str, Any]:
    start, end, macro = _period(company, args)
    basis = _basis(args)
    _check_options(args)
    ledger = postings(company, start, end)
    accounts = {obj["Id"]: obj for obj in company.store.all("Account")}
    totals: dict[str, Decimal] = {}
    sections: dict[str, dict[str, Any]] = {}
    for group, (title, always, credit_positive) in SECTIONS.items():
        members = [
            acc
            for acc_id, acc in accounts.items()
            if acc_id in ledger.debit and GROUP_OF.get(acc.get("AccountType")) == group
        ]
        sign = -1 if credit_positive else 1
        amounts = {acc["Id"]: sign * ledger.debit[acc["Id"]] for acc in members}
        if not members and not always:
            continue
        section: dict[str, Any] = {"Header": {"ColData": [{"value": title}, {"value": ""}]}}
        total = sum(amounts.values(), Decimal(0))
        if members:
            section["Rows"] = {"Row": _account_rows(accounts, amounts, group)}
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
        "ReportBasis": basis,
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


def _summary_row(group: str, label: str, value: Decimal) -> dict[str, Any]:
    return {"Summary": {"ColData": [{"value": label}, {"value": money_text(value)}]}, "type": "Section", "group": group}


def _account_rows(accounts: dict[str, dict[str, Any]], amounts: dict[str, Decimal], group: str) -> list[dict[str, Any]]:
    """Rows of one section: accounts with activity, sub-accounts nested under their parents."""

    def parent_of(account_id: str) -> str | None:
        parent = ref_value(accounts[account_id].get("ParentRef"))
        if parent in accounts and GROUP_OF.get(accounts[parent].get("AccountType")) == group:
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
