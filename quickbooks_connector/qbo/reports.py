"""QuickBooks' reports read into plain figures: TrialBalance, ProfitAndLoss, AgedReceivables/AgedPayables
and GeneralLedger, in QBO's JSON report shape (``Header``, ``Columns``, ``Rows`` of sections with
``Header``, ``Rows`` and ``Summary``, data rows with ``ColData``).

Every amount is returned debit-positive (a credit balance is negative) in the home currency, whatever
sign the report shows it in: the trial balance has a Debit and a Credit column; the profit and loss
shows income credit-positive and expenses debit-positive; the general ledger shows each account in its
natural sign.  Columns are found by their ``ColKey`` (``MetaData``) or title, not by position, so a
report with other or more columns is still read right.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import QBOError
from .money import to_decimal

ZERO = Decimal(0)
#: ProfitAndLoss sections whose amounts are credits shown positive.
CREDIT_POSITIVE_GROUPS = ("Income", "OtherIncome")
#: QuickBooks' account classifications whose natural balance is a credit.
CREDIT_NORMAL = ("Liability", "Equity", "Revenue")
#: Classifications of the income statement: QuickBooks starts them again at each fiscal year.
INCOME_STATEMENT = ("Revenue", "Expense")
#: ``txn_type`` of a report row -> the API entity of the transaction.
TXN_ENTITIES = {
    "Invoice": "Invoice",
    "Credit Memo": "CreditMemo",
    "Sales Receipt": "SalesReceipt",
    "Payment": "Payment",
    "Bill": "Bill",
    "Vendor Credit": "VendorCredit",
    "Bill Payment (Check)": "BillPayment",
    "Bill Payment (Credit Card)": "BillPayment",
    "Journal Entry": "JournalEntry",
    "Deposit": "Deposit",
    "Transfer": "Transfer",
    "Expense": "Purchase",
    "Check": "Purchase",
    "Credit Card Expense": "Purchase",
    "Refund": "RefundReceipt",
}
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def _money(value: Any) -> Decimal:
    """A report cell's money text ("1,234.50", "", "-3.00") as a Decimal; blank is 0."""
    text = str(value or "").replace(",", "").strip()
    if not text:
        return ZERO
    try:
        return to_decimal(text)
    except InvalidOperation:
        raise QBOError(f"QuickBooks answered a report with an amount that is not a number: {text!r}") from None


def _rows(container: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list(((container or {}).get("Rows") or {}).get("Row") or [])


def _columns(report: dict[str, Any]) -> list[dict[str, Any]]:
    return list((report.get("Columns") or {}).get("Column") or [])


def _column_key(column: dict[str, Any]) -> str:
    for meta in column.get("MetaData") or []:
        if meta.get("Name") == "ColKey":
            return str(meta.get("Value") or "")
    return ""


def _check(report: Any, name: str) -> dict[str, Any]:
    if not isinstance(report, dict) or not isinstance(report.get("Rows", {}), dict):
        raise QBOError(f"QuickBooks answered the {name} report without rows")
    return report


def no_data(report: dict[str, Any]) -> bool:
    """Whether the report says it has nothing (``Option`` ``NoReportData`` true)."""
    for option in (report.get("Header") or {}).get("Option") or []:
        if option.get("Name") == "NoReportData":
            return str(option.get("Value")).lower() == "true"
    return False


def walk(report: dict[str, Any]) -> Iterator[tuple[dict[str, Any], tuple[str, ...]]]:
    """Every row with cells (data rows and section headers), with the ``group`` of each enclosing section."""
    stack = [(row, ()) for row in reversed(_rows(report))]
    while stack:
        row, groups = stack.pop()
        inner = (*groups, row["group"]) if row.get("group") else groups
        if row.get("ColData"):
            yield row["ColData"], inner
        if (row.get("Header") or {}).get("ColData"):
            yield row["Header"]["ColData"], inner
        stack.extend((child, inner) for child in reversed(_rows(row)))


# ----------------------------------------------------------------------------- TrialBalance
def trial_balance(report: dict[str, Any]) -> dict[str, Decimal]:
    """Account Id -> debit balance (credit negative) of a ``TrialBalance`` report."""
    report = _check(report, "TrialBalance")
    columns = _columns(report)
    titles = [str(column.get("ColTitle") or "").strip().lower() for column in columns]
    try:
        debit, credit = titles.index("debit"), titles.index("credit")
    except ValueError:
        raise QBOError("QuickBooks answered the TrialBalance report without Debit and Credit columns") from None
    out: dict[str, Decimal] = {}
    for cells, _groups in walk(report):
        account = cells[0].get("id") if cells else None
        if not account or len(cells) <= max(debit, credit):
            continue
        amount = _money(cells[debit].get("value")) - _money(cells[credit].get("value"))
        out[str(account)] = out.get(str(account), ZERO) + amount
    return out


# ----------------------------------------------------------------------------- ProfitAndLoss
def profit_and_loss(report: dict[str, Any]) -> dict[str, Decimal]:
    """Account Id -> net debit (credit negative) over the period of a ``ProfitAndLoss`` report summarized
    by Total: income credit-positive in the report, expenses debit-positive.  A parent account's own amount
    sits in its section's header, its sub-accounts are rows of their own."""
    report = _check(report, "ProfitAndLoss")
    out: dict[str, Decimal] = {}
    for cells, groups in walk(report):
        account = cells[0].get("id") if cells else None
        if not account or len(cells) < 2:
            continue
        sign = -1 if any(group in CREDIT_POSITIVE_GROUPS for group in groups) else 1
        out[str(account)] = out.get(str(account), ZERO) + sign * _money(cells[-1].get("value"))
    return out


# ----------------------------------------------------------------------------- aging
@dataclass(frozen=True)
class AgingRow:
    """One customer's (vendor's) open balance of an aging report, usual sign positive (owed to the company
    for receivables, owed by it for payables)."""

    party_id: str
    name: str
    total: Decimal
    past_due: Decimal


def aging(report: dict[str, Any]) -> dict[str, AgingRow]:
    """Customer (vendor) Id -> its row of an ``AgedReceivables`` or ``AgedPayables`` summary: the ``Total``
    column, and what is past due (every bucket but ``Current``)."""
    report = _check(report, "aging")
    titles = [str(column.get("ColTitle") or "").strip().lower() for column in _columns(report)]
    if "total" not in titles:
        raise QBOError("QuickBooks answered an aging report without a Total column")
    total_index = titles.index("total")
    current_index = titles.index("current") if "current" in titles else None
    out: dict[str, AgingRow] = {}
    for cells, groups in walk(report):
        party = cells[0].get("id") if cells else None
        if not party or "GrandTotal" in groups or len(cells) <= total_index:
            continue
        buckets = [
            _money(cells[index].get("value"))
            for index in range(1, total_index)
            if index != current_index and index < len(cells)
        ]
        out[str(party)] = AgingRow(
            str(party),
            str(cells[0].get("value") or ""),
            _money(cells[total_index].get("value")),
            sum(buckets, ZERO),
        )
    return out


# ----------------------------------------------------------------------------- GeneralLedger
@dataclass(frozen=True)
class LedgerRow:
    """One posting of a ``GeneralLedger`` section, debit-positive."""

    day: date | None
    txn_type: str
    txn_id: str
    number: str
    party: str
    party_id: str
    memo: str
    split: str
    amount: Decimal

    @property
    def entity(self) -> str | None:
        """The API entity of the transaction (None for what the API has no entity of)."""
        return TXN_ENTITIES.get(self.txn_type)


@dataclass
class LedgerSection:
    """One account of a ``GeneralLedger`` report: its balance before the period and its postings."""

    account_id: str
    name: str
    beginning: Decimal = ZERO
    rows: list[LedgerRow] = field(default_factory=list)

    @property
    def movement(self) -> Decimal:
        return sum((row.amount for row in self.rows), ZERO)


def general_ledger(report: dict[str, Any], classifications: dict[str, str]) -> dict[str, LedgerSection]:
    """Account Id -> its section of a ``GeneralLedger`` report, amounts turned debit-positive with the
    account's ``classifications`` (Id -> QBO Classification: the report shows natural signs)."""
    report = _check(report, "GeneralLedger")
    keys = [_column_key(column) or str(column.get("ColTitle") or "").strip().lower() for column in _columns(report)]
    aliases = {
        "tx_date": ("tx_date", "date"),
        "txn_type": ("txn_type", "transaction type"),
        "doc_num": ("doc_num", "num"),
        "name": ("name",),
        "memo": ("memo", "memo/description"),
        "split_acc": ("split_acc", "split"),
        "subt_nat_amount": ("subt_nat_amount", "subt_nat_home_amount", "amount"),
    }
    index = {}
    for key, names in aliases.items():
        index[key] = next((keys.index(name) for name in names if name in keys), None)
    if index["subt_nat_amount"] is None:
        raise QBOError("QuickBooks answered the GeneralLedger report without an Amount column")
    out: dict[str, LedgerSection] = {}
    stack = list(reversed(_rows(report)))
    while stack:  # sections, sub-accounts' sections nested in their parent's (as QBO nests them)
        row = stack.pop()
        cells = (row.get("Header") or {}).get("ColData") or []
        account = str(cells[0].get("id") or "") if cells else ""
        if not account:
            stack.extend(reversed([child for child in _rows(row) if child.get("Header")]))
            continue
        sign = -1 if classifications.get(account) in CREDIT_NORMAL else 1
        section = out.setdefault(account, LedgerSection(account, str(cells[0].get("value") or "")))
        for data in _rows(row):
            if data.get("Header"):
                stack.append(data)
                continue
            data_cells = data.get("ColData") or []
            if not data_cells:
                continue
            if str(data_cells[0].get("value") or "") == "Beginning Balance":
                section.beginning = sign * _money(data_cells[-1].get("value"))
                continue
            section.rows.append(_ledger_row(data_cells, index, sign))
    return out


def _ledger_row(cells: list[dict[str, Any]], index: dict[str, int | None], sign: int) -> LedgerRow:
    def cell(key: str) -> dict[str, Any]:
        position = index.get(key)
        return cells[position] if position is not None and position < len(cells) else {}

    try:
        day = date.fromisoformat(str(cell("tx_date").get("value") or "")[:10])
    except ValueError:
        day = None
    return LedgerRow(
        day=day,
        txn_type=str(cell("txn_type").get("value") or ""),
        txn_id=str(cell("txn_type").get("id") or ""),
        number=str(cell("doc_num").get("value") or ""),
        party=str(cell("name").get("value") or ""),
        party_id=str(cell("name").get("id") or ""),
        memo=str(cell("memo").get("value") or ""),
        split=str(cell("split_acc").get("value") or ""),
        amount=sign * _money(cell("subt_nat_amount").get("value")),
    )


# ----------------------------------------------------------------------------- the fiscal year
def fiscal_year_start_month(preferences: dict[str, Any] | None, company_info: dict[str, Any] | None = None) -> int:
    """The first month (1-12) of the company's fiscal year: ``Preferences.AccountingInfoPrefs
    .FirstMonthOfFiscalYear``, else ``CompanyInfo.FiscalYearStartMonth``, else January."""
    candidates = (
        ((preferences or {}).get("AccountingInfoPrefs") or {}).get("FirstMonthOfFiscalYear"),
        (company_info or {}).get("FiscalYearStartMonth"),
    )
    for value in candidates:
        text = str(value or "").strip().lower()
        if text in MONTHS:
            return MONTHS.index(text) + 1
    return 1


def fiscal_year_start(day: date, start_month: int) -> date:
    """The first day of the fiscal year ``day`` falls in."""
    year = day.year if day.month >= start_month else day.year - 1
    return date(year, start_month, 1)


# ----------------------------------------------------------------------------- reading them
def read_fiscal_year_start(client: Any, day: date) -> date:
    """The first day of the QuickBooks company's fiscal year ``day`` falls in (its ``Preferences``)."""
    preferences = (client.query("select * from Preferences").get("Preferences") or [{}])[0]
    return fiscal_year_start(day, fiscal_year_start_month(preferences))


def read_trial_balance(client: Any, fiscal_start: date, day: date) -> dict[str, Decimal]:
    """QuickBooks' ``TrialBalance`` at ``day`` (income and expenses from ``fiscal_start``), accrual basis."""
    return trial_balance(
        client.report(
            "TrialBalance", start_date=fiscal_start.isoformat(), end_date=day.isoformat(), accounting_method="Accrual"
        )
    )


def read_monthly_profit_and_loss(client: Any, periods: list[tuple[date, date]]) -> dict[date, dict[str, Decimal]]:
    """First day of each period -> QuickBooks' ``ProfitAndLoss`` of that period (one request each: Intuit
    advises short report periods)."""
    return {
        start: profit_and_loss(
            client.report(
                "ProfitAndLoss",
                start_date=start.isoformat(),
                end_date=end.isoformat(),
                accounting_method="Accrual",
                summarize_column_by="Total",
            )
        )
        for start, end in periods
    }
