"""The emulator's general ledger: what every stored transaction posts, in the home currency.

:func:`ledger` turns every transaction the company holds into postings (account, amount with debits
positive and credits negative, the transaction, the customer or vendor, and for Accounts Receivable
and Accounts Payable the open item it belongs to).  Every report is computed from these postings and
nothing else, and each transaction's postings sum to zero, so the trial balance always balances.
Each rule and its source is in the package README ("Books: postings and reports").

* Invoice: debit A/R ``HomeTotalAmt``; credit each sales line's item income account, debit each
  discount line's account, credit the tax (``TxnTaxDetail.TotalTax``) to Sales Tax Payable.  A credit
  memo is the same reversed; a sales receipt debits its ``DepositToAccountRef`` instead of A/R.
* Bill: credit its A/P account; debit each line's account (an item line: the item's expense account,
  an inventory item's asset account), and the input tax to Sales Tax Payable.  A vendor credit is
  the same reversed.
* Payment: debit its deposit account (Undeposited Funds by default); credit A/R for each invoice it
  pays, debit A/R for each credit memo it applies, credit A/R for what it leaves unapplied; the
  exchange difference goes to QBO's "Exchange Gain or Loss" account.  A bill payment is the mirror:
  credit the bank or credit card account, debit A/P.
* Journal entry: each distribution line as it says.  Estimates post nothing; voided and deleted
  transactions post nothing.

Home amounts: each side of a transaction is converted at the transaction's ``ExchangeRate`` with
cumulative rounding (each line is the change it makes to the rounded running total), so the lines
add up to the rounded total exactly.  A payment line clears, from the document it pays, the change
it makes to that document's rounded home open balance (payments in date order), so the A/R or A/P
left on a document is always cents(open balance x its rate) and a fully paid one leaves nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .entities import cents, ref_value
from .payments import JOURNAL, PARTY_OF, journal_open, links

if TYPE_CHECKING:
    from .company import Company

#: How QBO's reports name each kind of transaction (``txn_type``).
TXN_TYPES = {
    "Invoice": "Invoice",
    "CreditMemo": "Credit Memo",
    "SalesReceipt": "Sales Receipt",
    "Payment": "Payment",
    "Bill": "Bill",
    "VendorCredit": "Vendor Credit",
    "JournalEntry": "Journal Entry",
}
BILL_PAYMENT_TYPES = {"Check": "Bill Payment (Check)", "CreditCard": "Bill Payment (Credit Card)"}
ZERO = Decimal(0)


@dataclass(frozen=True)
class Txn:
    """The transaction a posting comes from."""

    entity: str
    id: str
    type: str
    number: str
    date: date
    memo: str


@dataclass(frozen=True)
class Posting:
    """One line of the general ledger: ``amount`` in the home currency, debit positive."""

    account: str
    amount: Decimal
    txn: Txn
    party: tuple[str, str] | None = None  # ("Customer" or "Vendor", Id)
    item: tuple[str, str] | None = None  # the open A/R or A/P item: (entity, Id) of the document
    memo: str = ""

    @property
    def date(self) -> date:
        return self.txn.date


def ledger(company: Company) -> list[Posting]:
    """Every posting of the company, computed once between two writes (the store forgets it at each)."""
    kept = company.store.derived
    if "ledger" not in kept:
        kept["ledger"] = _Builder(company).build()
    return kept["ledger"]


# ----------------------------------------------------------------------------- helpers
def rate_of(obj: dict[str, Any]) -> Decimal:
    return Decimal(str(obj.get("ExchangeRate") or 1))


def amount_of(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def spread(lines: Iterable[tuple[str | None, Decimal]], rate: Decimal) -> list[tuple[str | None, Decimal]]:
    """Lines in the transaction currency -> home amounts with cumulative rounding: each line is the
    change it makes to the rounded running total, so the lines add up to the rounded total."""
    out = []
    running = ZERO
    previous = ZERO
    for account, amount in lines:
        running += amount
        home = cents(running * rate)
        out.append((account, home - previous))
        previous = home
    return out


def txn_date(obj: dict[str, Any]) -> date:
    try:
        return date.fromisoformat(str(obj.get("TxnDate"))[:10])
    except ValueError:
        return date.min


class _Builder:
    """Builds the ledger of one company."""

    def __init__(self, company: Company) -> None:
        self.company = company
        self.store = company.store
        self.postings: list[Posting] = []
        self.tax_account = self._by_subtype("SalesTaxPayable") or self._by_type("Other Current Liability")
        self.discount_account = self._by_subtype("DiscountsRefundsGiven")
        self.receivable = self._by_type("Accounts Receivable")
        self.payable = self._by_type("Accounts Payable")
        self.fx_account = company.exchange_account_id
        self.cleared = self._clearings()

    def _by_subtype(self, sub_type: str) -> str | None:
        for account in self.store.all("Account"):
            if account.get("AccountSubType") == sub_type:
                return str(account["Id"])
        return None

    def _by_type(self, account_type: str) -> str | None:
        for active in (True, False):
            for account in self.store.all("Account"):
                if account.get("AccountType") == account_type and (account.get("Active") is not False) == active:
                    return str(account["Id"])
        return None

    def build(self) -> list[Posting]:
        posters = {
            "Invoice": lambda obj: self._sale(obj, "Invoice", 1),
            "CreditMemo": lambda obj: self._sale(obj, "CreditMemo", -1),
            "SalesReceipt": lambda obj: self._sale(obj, "SalesReceipt", 1),
            "Payment": self._payment,
            "Bill": lambda obj: self._purchase(obj, "Bill", 1),
            "VendorCredit": lambda obj: self._purchase(obj, "VendorCredit", -1),
            "BillPayment": self._bill_payment,
            "JournalEntry": self._journal,
        }
        for entity, post in posters.items():
            for obj in self.store.all(entity):
                if not obj.get("_voided"):
                    post(obj)
        for account in self.store.all("Account"):
            self._opening_balance(account)
        return self.postings

    def _txn(self, entity: str, obj: dict[str, Any], kind: str | None = None) -> Txn:
        return Txn(
            entity=entity,
            id=str(obj["Id"]),
            type=kind or TXN_TYPES[entity],
            number=str(obj.get("DocNumber") or ""),
            date=txn_date(obj),
            memo=str(obj.get("PrivateNote") or ""),
        )

    def _add(self, account: str | None, amount: Decimal, txn: Txn, **extra: Any) -> None:
        if account is not None and amount:
            self.postings.append(Posting(account=account, amount=amount, txn=txn, **extra))

    # ------------------------------------------------------------------ sales
    def _sale(self, obj: dict[str, Any], entity: str, sign: int) -> None:
        """``sign`` 1: the control account is debited (invoice, sales receipt); -1: credited (credit memo)."""
        txn = self._txn(entity, obj)
        party = ("Customer", str(ref_value(obj.get("CustomerRef"))))
        lines: list[tuple[str | None, Decimal]] = []
        for line in obj.get("Line") or []:
            kind = line.get("DetailType")
            if kind == "SalesItemLineDetail":
                item_id = ref_value((line.get("SalesItemLineDetail") or {}).get("ItemRef")) or ""
                item = self.store.get("Item", item_id) or {}
                lines.append((ref_value(item.get("IncomeAccountRef")), -sign * amount_of(line.get("Amount"))))
            elif kind == "DiscountLineDetail":
                detail = line.get("DiscountLineDetail") or {}
                account = ref_value(detail.get("DiscountAccountRef")) or self.discount_account
                lines.append((account, sign * amount_of(line.get("Amount"))))
        lines.append((self.tax_account, -sign * amount_of((obj.get("TxnTaxDetail") or {}).get("TotalTax"))))
        rate = rate_of(obj)
        total = amount_of(obj.get("TotalAmt"))
        if entity == "SalesReceipt":
            control, item = ref_value(obj.get("DepositToAccountRef")) or self.company.undeposited_funds_id, None
        else:
            control, item = self.receivable, (entity, txn.id)
        self._add(control, sign * cents(total * rate), txn, party=party, item=item)
        for account, home in spread(lines, rate):
            self._add(account, home, txn, party=party)

    # ------------------------------------------------------------------ purchases
    def _purchase(self, obj: dict[str, Any], entity: str, sign: int) -> None:
        """``sign`` 1: expenses debited, A/P credited (bill); -1: the reverse (vendor credit)."""
        txn = self._txn(entity, obj)
        party = ("Vendor", str(ref_value(obj.get("VendorRef"))))
        lines: list[tuple[str | None, Decimal]] = []
        for line in obj.get("Line") or []:
            kind = line.get("DetailType")
            detail = line.get(kind) or {}
            if kind == "AccountBasedExpenseLineDetail":
                account = ref_value(detail.get("AccountRef"))
            elif kind == "ItemBasedExpenseLineDetail":
                item = self.store.get("Item", ref_value(detail.get("ItemRef")) or "") or {}
                refs = ("AssetAccountRef",) if item.get("Type") == "Inventory" else ()
                refs += ("ExpenseAccountRef", "IncomeAccountRef")
                account = next((ref_value(item.get(ref)) for ref in refs if ref_value(item.get(ref))), None)
            else:
                continue
            lines.append((account, sign * amount_of(line.get("Amount"))))
        lines.append((self.tax_account, sign * amount_of((obj.get("TxnTaxDetail") or {}).get("TotalTax"))))
        rate = rate_of(obj)
        control = ref_value(obj.get("APAccountRef")) or self.payable
        total = amount_of(obj.get("TotalAmt"))
        self._add(control, -sign * cents(total * rate), txn, party=party, item=(entity, txn.id))
        for account, home in spread(lines, rate):
            self._add(account, home, txn, party=party)

    # ------------------------------------------------------------------ settlements
    def _clearings(self) -> dict[tuple[str, str, int], Decimal]:
        """Home amount each payment line clears from the document it pays: the change it makes to the
        document's rounded home open balance, the payments taken in date order."""
        applied: dict[tuple[str, ...], list[tuple[date, int, str, int, str, Decimal]]] = {}
        for payer in ("Payment", "BillPayment"):
            for payment in self.store.all(payer):
                for index, (kind, target, amount) in enumerate(links(payment)):
                    number = int(payment["Id"]) if str(payment["Id"]).isdigit() else 0
                    # A journal entry's open item is per customer (vendor): one entry may hold several.
                    key = (kind, target, payer, _party_of(payer, payment)) if kind == JOURNAL else (kind, target)
                    applied.setdefault(key, []).append(
                        (txn_date(payment), number, str(payment["Id"]), index, payer, amount)
                    )
        cleared: dict[tuple[str, str, int], Decimal] = {}
        for key, rows in applied.items():
            document = self.store.get(key[0], key[1]) or {}
            rate = rate_of(document)
            if key[0] == JOURNAL:
                open_amount = abs(journal_open(self.company, key[2], document, key[3]))
            else:
                open_amount = amount_of(document.get("TotalAmt"))
            for _day, _number, payment_id, index, payer, amount in sorted(rows, key=lambda row: row[:4]):
                before = cents(open_amount * rate)
                open_amount -= amount
                cleared[payer, payment_id, index] = before - cents(open_amount * rate)
        return cleared

    def _settlement(
        self, obj: dict[str, Any], payer: str, txn: Txn, party: tuple[str, str], control: str | None, unapplied: Decimal
    ) -> Decimal:
        """Post the control-account side of a (bill) payment; returns its home total (debit positive)."""
        sign = 1 if payer == "Payment" else -1  # a Payment credits A/R for invoices, a BillPayment debits A/P
        total = ZERO
        for index, (kind, target, _amount) in enumerate(links(obj)):
            home = self.cleared.get((payer, txn.id, index), ZERO)
            if kind == JOURNAL:
                credit = journal_open(self.company, payer, self.store.get(kind, target) or {}, party[1]) > 0
            else:
                credit = kind in ("CreditMemo", "VendorCredit")
            amount = (home if credit else -home) * sign
            self._add(control, amount, txn, party=party, item=(kind, target))
            total += amount
        rest = -sign * cents(unapplied * rate_of(obj))
        self._add(control, rest, txn, party=party, item=(payer, txn.id))
        return total + rest

    def _payment(self, obj: dict[str, Any]) -> None:
        txn = self._txn("Payment", obj)
        party = ("Customer", str(ref_value(obj.get("CustomerRef"))))
        money = cents(amount_of(obj.get("TotalAmt")) * rate_of(obj))
        deposit = ref_value(obj.get("DepositToAccountRef")) or self.company.undeposited_funds_id
        self._add(deposit, money, txn, party=party)
        control = self.receivable
        settled = self._settlement(obj, "Payment", txn, party, control, amount_of(obj.get("UnappliedAmt")))
        self._add(self.fx_account, -(money + settled), txn, party=party)

    def _bill_payment(self, obj: dict[str, Any]) -> None:
        txn = self._txn("BillPayment", obj, BILL_PAYMENT_TYPES.get(str(obj.get("PayType")), "Bill Payment (Check)"))
        party = ("Vendor", str(ref_value(obj.get("VendorRef"))))
        money = cents(amount_of(obj.get("TotalAmt")) * rate_of(obj))
        paid_from = ref_value((obj.get("CheckPayment") or {}).get("BankAccountRef")) or ref_value(
            (obj.get("CreditCardPayment") or {}).get("CCAccountRef")
        )
        self._add(paid_from, -money, txn, party=party)
        control = ref_value(obj.get("APAccountRef")) or self.payable
        settled = self._settlement(obj, "BillPayment", txn, party, control, amount_of(obj.get("_unapplied")))
        self._add(self.fx_account, money - settled, txn, party=party)

    # ------------------------------------------------------------------ opening balances
    def _opening_balance(self, account: dict[str, Any]) -> None:
        """An account created with an ``OpeningBalance``: the account against Opening Balance Equity, on
        ``OpeningBalanceDate`` (balance sheet accounts but A/R and A/P, which need a customer or vendor)."""
        amount = amount_of(account.get("OpeningBalance"))
        equity = self._by_subtype("OpeningBalanceEquity")
        kind = account.get("AccountType")
        if not amount or equity is None or kind in ("Accounts Receivable", "Accounts Payable"):
            return
        if account.get("Classification") not in ("Asset", "Liability", "Equity") or str(account["Id"]) == equity:
            return
        day = {"TxnDate": account.get("OpeningBalanceDate")}
        txn = Txn("Account", str(account["Id"]), "Journal Entry", "", txn_date(day), "Opening Balance")
        sign = 1 if account.get("Classification") == "Asset" else -1
        self._add(str(account["Id"]), sign * amount, txn, memo="Opening Balance")
        self._add(equity, -sign * amount, txn, memo="Opening Balance")

    # ------------------------------------------------------------------ journal entries
    def _journal(self, obj: dict[str, Any]) -> None:
        txn = self._txn("JournalEntry", obj)
        rate = rate_of(obj)
        for posting in ("Debit", "Credit"):
            sign = 1 if posting == "Debit" else -1
            rows = [
                line
                for line in obj.get("Line") or []
                if line.get("DetailType") == "JournalEntryLineDetail"
                and (line.get("JournalEntryLineDetail") or {}).get("PostingType") == posting
            ]
            homes = spread(
                (
                    (ref_value(line["JournalEntryLineDetail"].get("AccountRef")), sign * amount_of(line.get("Amount")))
                    for line in rows
                ),
                rate,
            )
            for line, (account, home) in zip(rows, homes, strict=True):
                entity = line["JournalEntryLineDetail"].get("Entity") or {}
                party_id = ref_value(entity.get("EntityRef"))
                party = (str(entity.get("Type") or "Customer"), party_id) if party_id else None
                control = (self.store.get("Account", account or "") or {}).get("AccountType")
                item = ("JournalEntry", txn.id) if control in ("Accounts Receivable", "Accounts Payable") else None
                self._add(account, home, txn, party=party, item=item, memo=str(line.get("Description") or ""))


def _party_of(payer: str, payment: dict[str, Any]) -> str:
    return str(ref_value(payment.get(f"{PARTY_OF[payer][0]}Ref")))


# ----------------------------------------------------------------------------- sums
def movements(company: Company, start: date, end: date) -> dict[str, Decimal]:
    """Net debit (credit negative) per account over ``start..end`` (both included); an account with
    postings in the period is there even when they net to zero."""
    out: dict[str, Decimal] = {}
    for posting in ledger(company):
        if start <= posting.date <= end:
            out[posting.account] = out.get(posting.account, ZERO) + posting.amount
    return out


def balances(company: Company, last: date, year_start: date) -> dict[str, Decimal]:
    """Debit balance (credit negative) per account after the postings dated ``last`` or earlier.

    Balance sheet accounts are cumulative; income and expense accounts count from ``year_start`` (the
    fiscal year's first day): what they had before is rolled into QBO's Retained Earnings account, as
    QBO closes the year (README, "Books: postings and reports").
    """
    accounts = {str(obj["Id"]): obj for obj in company.store.all("Account")}
    retained = next((key for key, obj in accounts.items() if obj.get("AccountSubType") == "RetainedEarnings"), None)
    out: dict[str, Decimal] = {}
    for posting in ledger(company):
        if posting.date > last:
            continue
        account = posting.account
        classification = (accounts.get(account) or {}).get("Classification")
        if retained and posting.date < year_start and classification in ("Revenue", "Expense"):
            account = retained
        out[account] = out.get(account, ZERO) + posting.amount
    return out
