"""The GeneralLedger report: the postings behind each account's balance over a period (the drill-down).

One ``Section`` per account (those of the ``account`` parameter, comma-separated Ids, else every account
with postings in the period or a beginning balance), in QBO's chart order: a ``Header`` with the
account's name and Id, a "Beginning Balance" row when the account had a balance before the period, one
``Data`` row per posting of the period (date order), and a ``Summary`` "Total for <name>" with the
period's net amount.  Columns are QBO's defaults: Date (``tx_date``), Transaction Type (``txn_type``,
with the transaction's Id), Num (``doc_num``), Name (``name``, with the customer's or vendor's Id),
Memo/Description (``memo``), Split (``split_acc``: the other account, or "-Split-" when there are
several), Amount (``subt_nat_amount``) and Balance (``rbal_nat_amount``, running).  Amounts are in the
home currency and in the account's natural sign (credit positive on liabilities, equity and income).
The beginning balance follows the trial balance's rule (income and expense accounts from the start of
the fiscal year ``start_date`` falls in).  Rules and sources: the package README.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import faults
from .postings import Posting, balances, ledger
from .reportkit import (
    ZERO,
    accounts_by_id,
    basis,
    check_options,
    column,
    fiscal_year_start,
    header,
    ids_filter,
    money_text,
    natural,
    no_data,
    period,
)
from .statements import order_key

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .company import Company

#: (title, column key) of QBO's default GeneralLedger columns, in order.
COLUMNS = (
    ("Date", "tx_date"),
    ("Transaction Type", "txn_type"),
    ("Num", "doc_num"),
    ("Name", "name"),
    ("Memo/Description", "memo"),
    ("Split", "split_acc"),
    ("Amount", "subt_nat_amount"),
    ("Balance", "rbal_nat_amount"),
)
#: Parameters of QBO's GeneralLedger the emulator does not serve: refused rather than ignored.
NOT_SERVED = ("columns", "sort_by", "source_account", "source_account_type", "account_type")
#: Order of transactions on the same day.
KIND_ORDER = ("Invoice", "SalesReceipt", "CreditMemo", "Payment", "Bill", "VendorCredit", "BillPayment", "JournalEntry")


def general_ledger(company: Company, args: Mapping[str, str]) -> dict[str, Any]:
    start, end, macro = period(company, args)
    report_basis = basis(args)
    check_options(args)
    for name in NOT_SERVED:
        if (args.get(name) or "").strip():
            raise faults.invalid_property(f"The GeneralLedger parameter {name} is not supported by the emulator", name)
    accounts = accounts_by_id(company)
    wanted = ids_filter(args, "account")
    for account_id in wanted or ():
        if account_id not in accounts:
            raise faults.invalid_reference("account")
    postings = ledger(company)
    before = balances(company, start - timedelta(days=1), fiscal_year_start(start))
    in_period: dict[str, list[Posting]] = {}
    accounts_of: dict[tuple[str, str], set[str]] = {}
    for posting in postings:
        accounts_of.setdefault((posting.txn.entity, posting.txn.id), set()).add(posting.account)
        if start <= posting.date <= end:
            in_period.setdefault(posting.account, []).append(posting)
    chosen = wanted if wanted is not None else {a for a in accounts if in_period.get(a) or before.get(a)}
    sections = []
    for account_id in sorted(chosen, key=lambda a: order_key(accounts[a])):
        if not in_period.get(account_id) and not before.get(account_id):
            continue
        sections.append(_section(company, accounts, account_id, before.get(account_id, ZERO), in_period, accounts_of))
    return {
        "Header": header(
            company,
            "GeneralLedger",
            DateMacro=macro,
            ReportBasis=report_basis,
            StartPeriod=start.isoformat(),
            EndPeriod=end.isoformat(),
            Option=[no_data(bool(sections))],
        ),
        "Columns": {"Column": [column(title, key, key) for title, key in COLUMNS]},
        "Rows": {"Row": sections},
    }


def _section(
    company: Company,
    accounts: dict[str, dict[str, Any]],
    account_id: str,
    opening: Decimal,
    in_period: dict[str, list[Posting]],
    accounts_of: dict[tuple[str, str], set[str]],
) -> dict[str, Any]:
    account = accounts[account_id]
    name = str(account.get("FullyQualifiedName") or account.get("Name") or "")
    blanks = [{"value": ""} for _ in COLUMNS[1:]]
    balance = natural(account, opening)
    rows: list[dict[str, Any]] = []
    if opening:
        rows.append(
            {"ColData": [{"value": "Beginning Balance"}, *blanks[:-1], {"value": money_text(balance)}], "type": "Data"}
        )
    total = ZERO
    for posting in sorted(in_period.get(account_id, []), key=_order):
        amount = natural(account, posting.amount)
        total += amount
        balance += amount
        others = accounts_of[posting.txn.entity, posting.txn.id] - {account_id}
        rows.append(
            {
                "ColData": [
                    {"value": posting.date.isoformat()},
                    _transaction(posting),
                    {"value": posting.txn.number},
                    _party(company, posting),
                    {"value": posting.memo or posting.txn.memo},
                    _split(accounts, others),
                    {"value": money_text(amount)},
                    {"value": money_text(balance)},
                ],
                "type": "Data",
            }
        )
    return {
        "Header": {"ColData": [{"value": name, "id": account_id}, *blanks]},
        "Rows": {"Row": rows},
        "Summary": {
            "ColData": [{"value": f"Total for {name}"}, *blanks[:-2], {"value": money_text(total)}, {"value": ""}]
        },
        "type": "Section",
    }


def _order(posting: Posting) -> tuple[Any, ...]:
    kind = posting.txn.entity
    number = int(posting.txn.id) if posting.txn.id.isdigit() else 0
    return posting.date, KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), number


def _transaction(posting: Posting) -> dict[str, str]:
    """The ``txn_type`` cell, with the transaction's Id (not for an account's opening balance, which is no
    transaction of the API)."""
    if posting.txn.entity == "Account":
        return {"value": posting.txn.type}
    return {"value": posting.txn.type, "id": posting.txn.id}


def _party(company: Company, posting: Posting) -> dict[str, str]:
    if posting.party is None:
        return {"value": ""}
    entity, party_id = posting.party
    party = company.store.get(entity, party_id) or {}
    return {"value": str(party.get("DisplayName") or ""), "id": party_id}


def _split(accounts: dict[str, dict[str, Any]], others: set[str]) -> dict[str, str]:
    if len(others) != 1:
        return {"value": "-Split-" if others else ""}
    other = next(iter(others))
    account = accounts.get(other) or {}
    return {"value": str(account.get("FullyQualifiedName") or account.get("Name") or ""), "id": other}
