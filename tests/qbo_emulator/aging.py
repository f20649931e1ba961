"""AgedReceivables, AgedPayables, CustomerBalance and VendorBalance: open items per customer or vendor.

An open item is what a document still leaves on Accounts Receivable (Payable) as of ``report_date``:
the sum of the ledger's postings to those accounts that belong to it (:mod:`.postings`), in the home
currency.  Invoices and bills are open for their balance, credit memos, vendor credits and what
payments leave unapplied for their credit (negative), journal entry lines on A/R or A/P for their
amount.  Receivables are debit positive, payables credit positive.

* Aging (summary): one row per customer (vendor) with an open item, its open amounts in buckets of
  ``aging_period`` days (default 30) past the due date (``DueDate``, else ``TxnDate``): Current (not yet
  due), "1 - 30", "31 - 60", "61 - 90" and "91 and over" with the default ``num_periods`` 4; the
  ``Total`` column; a ``GrandTotal`` section "TOTAL".  ``aging_method=Current`` ages as of today
  instead of ``report_date``.
* Balance: one row per customer (vendor) with a non-zero open total, and "TOTAL".

Rules and sources: the package README, "Books: postings and reports".
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from . import faults
from .postings import ZERO, ledger
from .reportkit import (
    basis,
    cell,
    check_options,
    column,
    grand_total,
    header,
    ids_filter,
    macro_period,
    no_data,
    report_date,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .company import Company

#: Report -> (control account type, party entity, sign that makes the usual balance positive).
KINDS = {
    "AgedReceivables": ("Accounts Receivable", "Customer", 1),
    "AgedPayables": ("Accounts Payable", "Vendor", -1),
    "CustomerBalance": ("Accounts Receivable", "Customer", 1),
    "VendorBalance": ("Accounts Payable", "Vendor", -1),
}
AGING_METHODS = ("Report_Date", "Current")
#: Parameters of QBO's aging and balance reports the emulator does not serve: refused rather than ignored.
NOT_SERVED = ("past_due", "arpaid", "appaid", "columns", "term", "shipvia")


def open_items(company: Company, report: str, day: date) -> dict[tuple[str, str], tuple[str, Decimal]]:
    """(entity, Id) of each open item -> (party Id, open amount as of ``day``, usual sign positive)."""
    control, party_entity, sign = KINDS[report]
    controls = {str(obj["Id"]) for obj in company.store.all("Account") if obj.get("AccountType") == control}
    items: dict[tuple[str, str], tuple[str, Decimal]] = {}
    for posting in ledger(company):
        if posting.account not in controls or posting.item is None or posting.date > day:
            continue
        if posting.party is None or posting.party[0] != party_entity:
            continue
        party, amount = items.get(posting.item, (posting.party[1], ZERO))
        items[posting.item] = (party, amount + sign * posting.amount)
    return items


def due_date(company: Company, item: tuple[str, str]) -> date:
    obj = company.store.get(*item) or {}
    for field in ("DueDate", "TxnDate"):
        try:
            return date.fromisoformat(str(obj.get(field))[:10])
        except ValueError:
            continue
    return date.min


def _positive(args: Mapping[str, str], name: str, default: int) -> int:
    text = (args.get(name) or "").strip()
    if not text:
        return default
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise faults.invalid_property(f"{name} must be a positive whole number: {text}", name) from None
    if value != value.to_integral_value() or value < 1:
        raise faults.invalid_property(f"{name} must be a positive whole number: {text}", name)
    return int(value)


def _common(company: Company, report: str, args: Mapping[str, str]) -> tuple[date, str | None, set[str] | None]:
    _control, party_entity, _sign = KINDS[report]
    basis(args)  # Cash or Accrual (both give the accrual figures)
    check_options(args, allowed=(party_entity.lower(),), summarize=False)
    for name in NOT_SERVED:
        if (args.get(name) or "").strip():
            raise faults.invalid_property(f"The {report} parameter {name} is not supported by the emulator", name)
    day, macro = report_date(company, args)
    return day, macro, ids_filter(args, party_entity.lower())


def _name(company: Company, entity: str, party_id: str) -> str:
    return str((company.store.get(entity, party_id) or {}).get("DisplayName") or "")


def aging_report(company: Company, report: str, args: Mapping[str, str]) -> dict[str, Any]:
    """AgedReceivables or AgedPayables (summary)."""
    _control, party_entity, _sign = KINDS[report]
    day, macro, wanted = _common(company, report, args)
    days = _positive(args, "aging_period", 30)
    periods = _positive(args, "num_periods", 4)
    method = (args.get("aging_method") or "Report_Date").strip()
    if method.lower() not in [m.lower() for m in AGING_METHODS]:
        raise faults.invalid_enumeration("aging_method", method, ", ".join(AGING_METHODS))
    aged_on = company.today() if method.lower() == "current" else day
    titles = ["Current"] + [f"{i * days + 1} - {(i + 1) * days}" for i in range(periods - 1)]
    titles.append(f"{(periods - 1) * days + 1} and over")
    per_party: dict[str, list[Decimal]] = {}
    for item, (party, amount) in open_items(company, report, day).items():
        if wanted is not None and party not in wanted:
            continue
        late = (aged_on - due_date(company, item)).days
        bucket = 0 if late <= 0 else min((late - 1) // days + 1, periods)
        per_party.setdefault(party, [ZERO] * len(titles))[bucket] += amount
    rows = []
    totals = [ZERO] * len(titles)
    for party in sorted(per_party, key=lambda p: _name(company, party_entity, p).lower()):
        buckets = per_party[party]
        if not any(buckets):
            continue
        totals = [a + b for a, b in zip(totals, buckets, strict=True)]
        rows.append(
            {
                "ColData": [
                    {"id": party, "value": _name(company, party_entity, party)},
                    *[cell(value) for value in buckets],
                    {"value": f"{sum(buckets, ZERO):.2f}"},
                ],
                "type": "Data",
            }
        )
    body_rows = [*rows, grand_total(*totals, sum(totals, ZERO))]
    columns = [column("", party_entity)] + [column(title, "Money") for title in [*titles, "Total"]]
    return {
        "Header": _header(company, report, day, macro, wanted, party_entity, bool(rows)),
        "Columns": {"Column": columns},
        "Rows": {"Row": body_rows},
    }


def balance_report(company: Company, report: str, args: Mapping[str, str]) -> dict[str, Any]:
    """CustomerBalance or VendorBalance (summary)."""
    _control, party_entity, _sign = KINDS[report]
    day, macro, wanted = _common(company, report, args)
    per_party: dict[str, Decimal] = {}
    for party, amount in open_items(company, report, day).values():
        if wanted is None or party in wanted:
            per_party[party] = per_party.get(party, ZERO) + amount
    rows = [
        {
            "ColData": [
                {"id": party, "value": _name(company, party_entity, party)},
                {"value": f"{per_party[party]:.2f}"},
            ],
            "type": "Data",
        }
        for party in sorted(per_party, key=lambda p: _name(company, party_entity, p).lower())
        if per_party[party]
    ]
    total = sum((per_party[p] for p in per_party), ZERO)
    return {
        "Header": _header(company, report, day, macro or "all", wanted, party_entity, bool(rows), period=False),
        "Columns": {"Column": [column("", party_entity), column("Total", "Money")]},
        "Rows": {"Row": [*rows, grand_total(total)]},
    }


def _header(
    company: Company,
    report: str,
    day: date,
    macro: str | None,
    wanted: set[str] | None,
    party_entity: str,
    has_data: bool,
    *,
    period: bool = True,
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if wanted is not None:
        fields[party_entity] = ",".join(sorted(wanted))
    fields["DateMacro"] = macro
    if period:
        start = macro_period(macro, company.today())[0] if macro else day
        fields.update(StartPeriod=start.isoformat(), EndPeriod=day.isoformat())
    fields["Option"] = [{"Name": "report_date", "Value": day.isoformat()}, no_data(has_data)]
    return header(company, report, **fields)
