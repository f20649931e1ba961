"""Derived figures QBO shows on reads and queries: customer, vendor, A/R and A/P balances.

Nothing here is stored: every read recomputes from the open documents (see the package README,
"Payments and settlements" and "Payables").

* ``Customer.Balance`` (and ``BalanceWithJobs``), in the customer's currency: open invoice balances
  - credit memos' ``RemainingCredit`` - payments' ``UnappliedAmt`` (negative when credits win).
* ``Vendor.Balance``, in the vendor's currency: open bill balances - vendor credits' ``Balance`` -
  what bill payments leave unapplied.
* ``CurrentBalance`` of the A/R and A/P accounts, in the home currency: the same documents, each at
  its own ``ExchangeRate``; payables on the account their ``APAccountRef`` names, receivables on the
  company's A/R account (QBO keeps one A/R and A/P account per currency; the emulator does not).
  Other accounts keep the ``CurrentBalance`` they were seeded or created with.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import faults
from .entities import ref_value
from .store import public

if TYPE_CHECKING:
    from .company import Company

#: (entity, open amount field, party, sign, control account type)
OPEN_AMOUNTS = (
    ("Invoice", "Balance", "Customer", 1, "Accounts Receivable"),
    ("CreditMemo", "RemainingCredit", "Customer", -1, "Accounts Receivable"),
    ("Payment", "UnappliedAmt", "Customer", -1, "Accounts Receivable"),
    ("Bill", "Balance", "Vendor", 1, "Accounts Payable"),
    ("VendorCredit", "Balance", "Vendor", -1, "Accounts Payable"),
    ("BillPayment", "_unapplied", "Vendor", -1, "Accounts Payable"),
)
CONTROL_TYPES = ("Accounts Receivable", "Accounts Payable")


def serve(company: Company, entity: str, objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Public copies with the derived balances filled in."""
    out = [public(obj) for obj in objs]
    if entity not in ("Customer", "Vendor", "Account") or not out:
        return out
    totals = balances(company)
    for obj in out:
        if entity == "Account":
            if obj.get("AccountType") in CONTROL_TYPES:
                value = totals.get(("Account", obj["Id"]), Decimal(0))
                obj["CurrentBalance"] = obj["CurrentBalanceWithSubAccounts"] = float(round(value, 2))
            continue
        obj["Balance"] = float(round(totals.get((entity, obj["Id"]), Decimal(0)), 2))
        if entity == "Customer":
            obj["BalanceWithJobs"] = obj["Balance"]
    return out


def balances(company: Company) -> dict[tuple[str, str], Decimal]:
    """Open amount per (party entity, Id), and per ("Account", control account Id) in home currency."""
    totals: dict[tuple[str, str], Decimal] = {}
    defaults = {kind: _default_account(company, kind) for kind in CONTROL_TYPES}
    for entity, field, party, sign, book in OPEN_AMOUNTS:
        for obj in company.store.all(entity):
            value = Decimal(str(obj.get(field) or 0)) * sign
            key = (party, str((obj.get(f"{party}Ref") or {}).get("value")))
            totals[key] = totals.get(key, Decimal(0)) + value
            account = (ref_value(obj.get("APAccountRef")) if party == "Vendor" else None) or defaults[book]
            home = value * Decimal(str(obj.get("ExchangeRate") or 1))
            totals["Account", str(account)] = totals.get(("Account", str(account)), Decimal(0)) + home
    return totals


def _default_account(company: Company, account_type: str) -> str | None:
    try:
        return company.account_id_by_type(account_type)
    except faults.QBOFault:
        return None
