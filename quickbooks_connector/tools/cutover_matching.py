"""What a QuickBooks account, customer, vendor or item is in Odoo when a company moves from QuickBooks: the
existing Odoo record it matches (and why), or the new one to create.  Plain Python over plain values: the
import (``models/quickbooks_import*.py``) reads both sides, calls these, and shows the result for review.

Accounts are matched by number, then by name, then (for the accounts a company has one of: receivables,
payables, retained earnings) by type; the Odoo account must be of a type that can hold what the QuickBooks
account holds.  Customers and vendors are matched by e-mail, then tax number, then name; items by SKU, then
name.  An Odoo record is matched once: a second QuickBooks record that would match it is proposed as new.
"""

import re
from dataclasses import dataclass

#: QuickBooks AccountType -> the Odoo account type a new account of it gets.
ODOO_TYPE_OF = {
    "Bank": "asset_cash",
    "Accounts Receivable": "asset_receivable",
    "Other Current Asset": "asset_current",
    "Fixed Asset": "asset_fixed",
    "Other Asset": "asset_non_current",
    "Accounts Payable": "liability_payable",
    "Credit Card": "liability_credit_card",
    "Other Current Liability": "liability_current",
    "Long Term Liability": "liability_non_current",
    "Equity": "equity",
    "Income": "income",
    "Other Income": "income_other",
    "Cost of Goods Sold": "expense_direct_cost",
    "Expense": "expense",
    "Other Expense": "expense_other",
}
#: Detail types whose Odoo account type is not their AccountType's.
ODOO_TYPE_OF_SUBTYPE = {
    "RetainedEarnings": "equity_unaffected",
    "PrepaidExpenses": "asset_prepayments",
}
#: Odoo account types a company keeps one of: matched by type alone when name and number say nothing.
ONE_OF_A_KIND = ("asset_receivable", "liability_payable", "equity_unaffected")
#: QuickBooks AccountTypes that are a journal in Odoo (a new one is created as a journal, with its account).
JOURNAL_TYPE_OF = {"Bank": "bank", "Credit Card": "credit"}


def odoo_type(account_type: str, subtype: str = "") -> str | None:
    """The Odoo account type of a QuickBooks account of ``account_type`` (and detail type ``subtype``)."""
    return ODOO_TYPE_OF_SUBTYPE.get(subtype or "") or ODOO_TYPE_OF.get(account_type or "")


def _group(odoo_account_type: str) -> str:
    for prefix in ("asset", "liability", "equity", "income", "expense"):
        if (odoo_account_type or "").startswith(prefix):
            return prefix
    return ""


def compatible(odoo_account_type: str, wanted: str | None) -> bool:
    """Whether an Odoo account of ``odoo_account_type`` can hold what an account of type ``wanted`` holds:
    the same type for receivables, payables and retained earnings, the same group (asset, liability,
    equity, income, expense) otherwise."""
    if not wanted:
        return False
    if wanted in ONE_OF_A_KIND or odoo_account_type in ONE_OF_A_KIND:
        return odoo_account_type == wanted
    return _group(odoo_account_type) == _group(wanted)


def normalized(text: str) -> str:
    """A name as compared: case, spacing and punctuation aside ("Accounts Receivable (A/R)" and
    "accounts receivable a r" are the same)."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", (text or "").casefold()).split())


@dataclass(frozen=True)
class Match:
    """The Odoo record a QuickBooks one is (``odoo_id`` None: create one) and why, in a few words."""

    odoo_id: int | None
    reason: str


@dataclass(frozen=True)
class OdooAccount:
    id: int
    code: str
    name: str
    account_type: str


@dataclass(frozen=True)
class QboAccount:
    qbo_id: str
    name: str
    acct_num: str
    account_type: str
    subtype: str
    fully_qualified_name: str = ""


def match_accounts(
    qbo_accounts: list[QboAccount],
    odoo_accounts: list[OdooAccount],
    mapped: dict[str, int] | None = None,
    defaults: dict[str, int] | None = None,
) -> dict[str, Match]:
    """QuickBooks account Id -> its :class:`Match`, each Odoo account matched at most once (the strongest
    reason first: the account ``mapped`` to it already ({QuickBooks Id: Odoo id}, a second run or the
    mapping table), then every number match, every name match, the one-of-a-kind types: the only Odoo
    account of the type, else the company's default one (``defaults``: {Odoo type: Odoo id}, the
    receivable and payable accounts new customers and vendors get))."""
    taken: set[int] = set()
    out: dict[str, Match] = {}
    for qbo_id, odoo_id in (mapped or {}).items():
        if odoo_id not in taken:
            taken.add(odoo_id)
            out[qbo_id] = Match(odoo_id, "mapped")
    by_code = {account.code: account for account in odoo_accounts if account.code}
    by_name: dict[str, list[OdooAccount]] = {}
    for account in odoo_accounts:
        by_name.setdefault(normalized(account.name), []).append(account)

    def take(qbo: QboAccount, candidate: OdooAccount | None, reason: str) -> None:
        if candidate is not None and candidate.id not in taken and qbo.qbo_id not in out:
            taken.add(candidate.id)
            out[qbo.qbo_id] = Match(candidate.id, reason)

    wanted = {qbo.qbo_id: odoo_type(qbo.account_type, qbo.subtype) for qbo in qbo_accounts}
    for qbo in qbo_accounts:
        candidate = by_code.get(qbo.acct_num) if qbo.acct_num else None
        if candidate and compatible(candidate.account_type, wanted[qbo.qbo_id]):
            take(qbo, candidate, "number")
    for qbo in qbo_accounts:
        names = {normalized(qbo.name), normalized(qbo.fully_qualified_name)} - {""}
        for name in sorted(names):
            for candidate in by_name.get(name, []):
                if compatible(candidate.account_type, wanted[qbo.qbo_id]) and candidate.id not in taken:
                    take(qbo, candidate, "name")
                    break
    for qbo in qbo_accounts:
        kind = wanted[qbo.qbo_id]
        if qbo.qbo_id in out or kind not in ONE_OF_A_KIND:
            continue
        same = [account for account in odoo_accounts if account.account_type == kind and account.id not in taken]
        default = (defaults or {}).get(kind)
        if len(same) == 1:
            take(qbo, same[0], "type")
        elif default and any(account.id == default for account in same):
            take(qbo, next(account for account in same if account.id == default), "type")
    for qbo in qbo_accounts:
        out.setdefault(qbo.qbo_id, Match(None, "new"))
    return out


def new_account_code(qbo: QboAccount, used_codes: set[str]) -> str:
    """The code of a new Odoo account: QuickBooks' number when it is free, else one made of its Id."""
    candidates = [qbo.acct_num] if qbo.acct_num and re.fullmatch(r"[A-Za-z0-9.]+", qbo.acct_num) else []
    candidates.append(f"QBO{qbo.qbo_id}")
    for code in candidates:
        if code not in used_codes:
            return code
    suffix = 2
    while f"QBO{qbo.qbo_id}.{suffix}" in used_codes:
        suffix += 1
    return f"QBO{qbo.qbo_id}.{suffix}"


@dataclass(frozen=True)
class Party:
    """A customer, vendor or item on either side, as matched: its key fields normalized."""

    id: int | str
    name: str
    email: str = ""
    vat: str = ""
    sku: str = ""


def _clean_vat(vat: str) -> str:
    # QuickBooks answers tax numbers masked ("XXXXX1234"): such a number matches nothing.
    vat = re.sub(r"[^0-9A-Za-z]", "", vat or "").upper()
    return "" if "X" * 3 in vat else vat


def match_parties(
    qbo_parties: list[Party], odoo_parties: list[Party], keys=("email", "vat", "name"), bound: dict | None = None
) -> dict:
    """QuickBooks Id -> :class:`Match` by the first of ``keys`` that finds an Odoo record not taken yet
    (``bound``: {QuickBooks Id: Odoo id} linked already, taken first)."""
    extract = {
        "email": lambda p: (p.email or "").strip().casefold(),
        "vat": lambda p: _clean_vat(p.vat),
        "sku": lambda p: (p.sku or "").strip().casefold(),
        "name": lambda p: normalized(p.name),
    }
    indexes = {}
    for key in keys:
        index: dict[str, list[Party]] = {}
        for party in odoo_parties:
            value = extract[key](party)
            if value:
                index.setdefault(value, []).append(party)
        indexes[key] = index
    out: dict = {qbo_id: Match(int(odoo_id), "bound") for qbo_id, odoo_id in (bound or {}).items()}
    taken: set = {int(odoo_id) for odoo_id in (bound or {}).values()}
    for key in keys:
        for qbo in qbo_parties:
            value = extract[key](qbo)
            if qbo.id in out or not value:
                continue
            for candidate in indexes[key].get(value, []):
                if int(candidate.id) not in taken:
                    taken.add(int(candidate.id))
                    out[qbo.id] = Match(int(candidate.id), key)
                    break
    for qbo in qbo_parties:
        out.setdefault(qbo.id, Match(None, "new"))
    return out
