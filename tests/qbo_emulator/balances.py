"""Derived figures QBO shows on reads and queries: customer, vendor and account balances.

Nothing here is stored: every read recomputes them, from the open documents (customers, vendors) or
from the ledger (accounts); see the package README, "Payments and settlements", "Payables" and "Books:
postings and reports".

* ``Customer.Balance`` (and ``BalanceWithJobs``), in the customer's currency: open invoice balances
  - credit memos' ``RemainingCredit`` - payments' ``UnappliedAmt`` (negative when credits win).
* ``Vendor.Balance``, in the vendor's currency: open bill balances - vendor credits' ``Balance`` -
  what bill payments leave unapplied.
* Both count what journal entries leave open to them on A/R (A/P) once payments applied them: a
  credit lowers the balance, a charge raises it.
* ``CurrentBalance`` of balance sheet accounts (A/R and A/P included), in the home currency and the
  account's natural sign (credit positive on liabilities and equity): the account's balance in the
  ledger (:mod:`.postings`), every transaction of every date; ``CurrentBalanceWithSubAccounts`` adds
  the sub-accounts'.  Income and expense accounts keep the ``CurrentBalance`` they were seeded or
  created with (0), as QBO's API serves them.  So an account's balance is only ever what posted to it:
  an opening balance is a journal entry against Opening Balance Equity.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .entities import ref_value
from .payments import JOURNAL, PARTY_OF, applied_to, journal_open, journal_parties
from .postings import ledger
from .store import public

if TYPE_CHECKING:
    from .company import Company

#: (entity, open amount field, party, sign)
OPEN_AMOUNTS = (
    ("Invoice", "Balance", "Customer", 1),
    ("CreditMemo", "RemainingCredit", "Customer", -1),
    ("Payment", "UnappliedAmt", "Customer", -1),
    ("Bill", "Balance", "Vendor", 1),
    ("VendorCredit", "Balance", "Vendor", -1),
    ("BillPayment", "_unapplied", "Vendor", -1),
)


def serve(company: Company, entity: str, objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Public copies with the derived balances filled in."""
    out = [public(obj) for obj in objs]
    if entity not in ("Customer", "Vendor", "Account") or not out:
        return out
    if entity == "Account":
        _account_balances(company, out)
        return out
    totals = balances(company)
    for obj in out:
        obj["Balance"] = float(round(totals.get((entity, obj["Id"]), Decimal(0)), 2))
        if entity == "Customer":
            obj["BalanceWithJobs"] = obj["Balance"]
    return out


#: Account classifications of the income statement (their ``CurrentBalance`` is not the ledger's).
INCOME_STATEMENT = ("Revenue", "Expense")


def _account_balances(company: Company, out: list[dict[str, Any]]) -> None:
    """``CurrentBalance`` (and with sub-accounts) of balance sheet accounts, from the ledger."""
    debit: dict[str, Decimal] = {}
    for posting in ledger(company):
        debit[posting.account] = debit.get(posting.account, Decimal(0)) + posting.amount
    parents = {str(obj["Id"]): ref_value(obj.get("ParentRef")) for obj in company.store.all("Account")}
    branch: dict[str, Decimal] = {}
    for account_id, value in debit.items():
        node: str | None = account_id
        seen: set[str] = set()
        while node is not None and node not in seen:
            seen.add(node)
            branch[node] = branch.get(node, Decimal(0)) + value
            node = parents.get(node)
    for obj in out:
        if obj.get("Classification") in INCOME_STATEMENT:
            continue
        sign = -1 if obj.get("Classification") in ("Liability", "Equity") else 1
        own = debit.get(str(obj["Id"]), Decimal(0)) * sign
        obj["CurrentBalance"] = float(own) + 0.0  # never -0.0
        obj["CurrentBalanceWithSubAccounts"] = float(branch.get(str(obj["Id"]), Decimal(0)) * sign) + 0.0


def balances(company: Company) -> dict[tuple[str, str], Decimal]:
    """Open amount per (party entity, Id), in its currency (the customer's or vendor's ``Balance``)."""
    totals: dict[tuple[str, str], Decimal] = {}
    for entity, field, party, sign in OPEN_AMOUNTS:
        for obj in company.store.all(entity):
            value = Decimal(str(obj.get(field) or 0)) * sign
            key = (party, str((obj.get(f"{party}Ref") or {}).get("value")))
            totals[key] = totals.get(key, Decimal(0)) + value
    for entry in company.store.all(JOURNAL):
        for payer, party_id in journal_parties(company, entry):
            opened = journal_open(company, payer, entry, party_id)
            applied, _ = applied_to(company, JOURNAL, str(entry["Id"]), payer=payer, party_id=party_id)
            left = abs(opened) - applied
            key = (PARTY_OF[payer][0], party_id)
            totals[key] = totals.get(key, Decimal(0)) + (-left if opened > 0 else left)
    return totals
