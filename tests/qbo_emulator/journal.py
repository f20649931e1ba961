"""Journal entries: distribution lines, the balance rule, totals.

A ``JournalEntry`` has at least one ``JournalEntryLineDetail`` line; each names an active account
(``AccountRef``, 2020 when missing, 2500 when unknown or inactive), a ``PostingType`` (``Debit`` or
``Credit``, 2260 otherwise) and a non-negative ``Amount`` (2290 for a negative one).  The debits must
equal the credits, to the cent (2300 "Amount on debits not equal to credits", the code Intuit's error
list gives for an unbalanced journal entry).  ``DescriptionOnly`` lines are kept and post nothing.

``TotalAmt`` is the sum of the debits (``HomeTotalAmt`` the same in the home currency).  The
transaction is in the home currency unless ``CurrencyRef`` names another enabled currency, which then
needs an ``ExchangeRate``.  ``DocNumber`` is optional and never assigned (QBO saves a null number
from minor version 54 on) nor checked for duplicates.  Line Ids start at "0", as in QBO's answers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import faults
from .entities import cents, check_ref, currency_ref, money, num
from .transactions import DOC_NUMBER_MAX, apply_exchange_rate, default_txn_date

if TYPE_CHECKING:
    from .company import Company

POSTING_TYPES = ("Debit", "Credit")


def prepare_journal_entry(company: Company, data: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    """Validate a JournalEntry about to be stored and compute its totals."""
    lines = (
        [line for line in data.get("Line") or [] if isinstance(line, dict)]
        if isinstance(data.get("Line"), list)
        else []
    )
    if not [line for line in lines if line.get("DetailType") == "JournalEntryLineDetail"]:
        raise faults.required_missing("Line")
    data["TxnDate"] = default_txn_date(company, data)
    apply_exchange_rate(company, data, currency_ref(company, data.get("CurrencyRef")))
    _doc_number(data)
    totals = {"Debit": Decimal(0), "Credit": Decimal(0)}
    lines_out = []
    for number, line in enumerate(lines):
        out = dict(line)
        kind = out.get("DetailType")
        if kind == "JournalEntryLineDetail":
            posting, amount = _distribution_line(company, out)
            totals[posting] += amount
        elif kind in ("DescriptionOnly", "DescriptionLineDetail"):
            out["DetailType"] = "DescriptionOnly"
            out.setdefault("DescriptionLineDetail", {})
            out.pop("Amount", None)
        else:
            raise faults.invalid_property(
                f"Line DetailType {kind!r} is not supported on a JournalEntry", "Line.DetailType"
            )
        out["Id"] = str(number)
        out["LineNum"] = number + 1
        lines_out.append(out)
    if totals["Debit"] != totals["Credit"]:
        raise faults.unbalanced_journal(num(totals["Debit"]), num(totals["Credit"]))
    data["Line"] = lines_out
    data["TotalAmt"] = num(totals["Debit"])
    data["HomeTotalAmt"] = num(cents(totals["Debit"] * Decimal(str(data["ExchangeRate"]))))
    data["Adjustment"] = data.get("Adjustment") in (True, "true", "True")
    if not isinstance(data.get("TxnTaxDetail"), dict):
        data["TxnTaxDetail"] = {}
    return data


def _distribution_line(company: Company, out: dict[str, Any]) -> tuple[str, Decimal]:
    detail = dict(out.get("JournalEntryLineDetail") or {})
    out["JournalEntryLineDetail"] = detail
    posting = str(detail.get("PostingType") or "").strip().capitalize()
    if posting not in POSTING_TYPES:
        raise faults.missing_posting_type("Line.JournalEntryLineDetail.PostingType")
    detail["PostingType"] = posting
    account = check_ref(
        company, "Account", detail.get("AccountRef"), "Line.JournalEntryLineDetail.AccountRef", required=True
    )
    assert account is not None
    detail["AccountRef"] = {"value": account["Id"], "name": account.get("FullyQualifiedName") or account["Name"]}
    entity = detail.get("Entity")
    if isinstance(entity, dict) and entity.get("EntityRef"):
        _entity(company, entity)
    elif account.get("AccountType") in ("Accounts Receivable", "Accounts Payable"):
        party = "customer" if account["AccountType"] == "Accounts Receivable" else "vendor"
        raise faults.business(
            f"When you use {account['AccountType']}, you must choose a {party} in the Name field.",
            "Line.JournalEntryLineDetail.Entity",
        )
    amount = money(out.get("Amount"), "Line.Amount")
    if amount is None:
        raise faults.required_missing("Line.Amount")
    if amount < 0:
        raise faults.negative_amount("Line.Amount")
    amount = cents(amount)
    out["Amount"] = num(amount)
    return posting, amount


def _entity(company: Company, entity: dict[str, Any]) -> None:
    """``Entity.EntityRef``: a customer, vendor or employee (``Type`` is output only)."""
    wanted = str(entity.get("Type") or "")
    for kind in ("Customer", "Vendor", "Employee"):
        if wanted and wanted != kind:
            continue
        found = company.store.get(kind, str((entity.get("EntityRef") or {}).get("value") or ""))
        if found is not None:
            check_ref(company, kind, entity["EntityRef"], "Line.JournalEntryLineDetail.Entity.EntityRef")
            entity["Type"] = kind
            entity["EntityRef"] = {"value": found["Id"], "name": found.get("DisplayName")}
            return
    raise faults.invalid_reference("Line.JournalEntryLineDetail.Entity.EntityRef")


def _doc_number(data: dict[str, Any]) -> None:
    doc = data.get("DocNumber")
    if doc in (None, ""):
        data.pop("DocNumber", None)
        return
    doc = str(doc)
    if len(doc) > DOC_NUMBER_MAX:
        raise faults.string_too_long("DocNumber", DOC_NUMBER_MAX, len(doc))
    data["DocNumber"] = doc
