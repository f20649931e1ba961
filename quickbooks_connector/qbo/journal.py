"""Pure payload builder of a QuickBooks ``JournalEntry``: plain Python data in, QBO JSON out.

A JournalEntry is a list of ``JournalEntryLineDetail`` lines, each a debit or a credit of one account, in
the entry's currency; debits must equal credits (QuickBooks refuses the entry otherwise, error 2300). A line
on Accounts Receivable or Accounts Payable must name its customer or vendor (``Entity``; error 6000 "When
you use Accounts Receivable, you must choose a customer"). Amounts are positive: the posting type says the
side. Intuit's JournalEntry reference:
<https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/journalentry>.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .money import cents
from .payloads import Ref, _drop_none, _money_json, with_identity

DEBIT, CREDIT = "Debit", "Credit"


@dataclass(frozen=True)
class JournalLine:
    posting_type: str  # Debit or Credit
    amount: Decimal  # positive, in the entry's currency
    account: Ref
    description: str | None = None
    entity_type: str | None = None  # Customer or Vendor, on A/R and A/P lines
    entity: Ref | None = None
    class_ref: Ref | None = None  # the line's QuickBooks class
    department: Ref | None = None  # the line's QuickBooks location


@dataclass
class JournalEntryData:
    txn_date: date
    lines: list[JournalLine] = field(default_factory=list)
    doc_number: str | None = None
    private_note: str | None = None
    currency_code: str | None = None
    exchange_rate: Decimal | None = None  # home currency per unit of ``currency_code`` (foreign entries)

    def totals(self) -> tuple[Decimal, Decimal]:
        """(debits, credits) of the lines, to the cent."""
        debit = sum((cents(line.amount) for line in self.lines if line.posting_type == DEBIT), Decimal(0))
        credit = sum((cents(line.amount) for line in self.lines if line.posting_type == CREDIT), Decimal(0))
        return debit, credit


def _line_json(line: JournalLine, number: int) -> dict[str, Any]:
    detail: dict[str, Any] = {"PostingType": line.posting_type, "AccountRef": line.account.to_json()}
    if line.entity is not None:
        detail["Entity"] = {"Type": line.entity_type, "EntityRef": line.entity.to_json()}
    if line.class_ref is not None:
        detail["ClassRef"] = line.class_ref.to_json()
    if line.department is not None:
        detail["DepartmentRef"] = line.department.to_json()
    return _drop_none(
        {
            "Id": str(number),
            "DetailType": "JournalEntryLineDetail",
            "Amount": _money_json(line.amount),
            "Description": line.description or None,
            "JournalEntryLineDetail": detail,
        }
    )


def build_journal_entry(
    entry: JournalEntryData, *, object_id: str | None = None, sync_token: str | None = None
) -> dict[str, Any]:
    """The JSON of a JournalEntry (with its Id and SyncToken for a full update)."""
    body = _drop_none(
        {
            "TxnDate": entry.txn_date.isoformat(),
            "DocNumber": entry.doc_number or None,
            "PrivateNote": entry.private_note or None,
            "CurrencyRef": {"value": entry.currency_code} if entry.currency_code else None,
            "ExchangeRate": float(entry.exchange_rate) if entry.exchange_rate else None,
            "Line": [_line_json(line, number) for number, line in enumerate(entry.lines)],
        }
    )
    return with_identity(body, object_id, sync_token)


def journal_totals(body: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """(debits, credits) of a JournalEntry payload or of the object QuickBooks stored, to the cent."""
    totals = {DEBIT: Decimal(0), CREDIT: Decimal(0)}
    for line in body.get("Line") or []:
        if line.get("DetailType") != "JournalEntryLineDetail":
            continue
        posting = (line.get("JournalEntryLineDetail") or {}).get("PostingType")
        if posting in totals:
            totals[posting] += cents(line.get("Amount") or 0)
    return totals[DEBIT], totals[CREDIT]


#: What Odoo owns on a JournalEntry: everything it sends (a full rewrite of the lines on each update).
JOURNAL_ENTRY_OWNED_FIELDS = frozenset({"TxnDate", "DocNumber", "PrivateNote", "CurrencyRef", "ExchangeRate", "Line"})
