"""Payments and bill payments, the balances they leave on invoices, credit memos, bills and vendor
credits, and the exchange gains or losses they realize.

Balances are always recomputed from the stored payments (never adjusted incrementally), so an
update, delete or void of a payment restores exactly what it had taken.  Every rule and its source
is in the package README ("Payments and settlements", "Payables").

* A Payment's lines link an ``Invoice`` or a ``CreditMemo`` (``LinkedTxn.TxnType``), a BillPayment's
  a ``Bill`` or a ``VendorCredit``; both may link a ``JournalEntry`` whose lines on Accounts Receivable
  (Payable) name their customer (vendor): a credit when it credits A/R (debits A/P), else a charge;
  amounts positive; ``TotalAmt`` must cover documents paid - credits
  applied, the rest is the customer's (vendor's) credit: a Payment's ``UnappliedAmt``, a BillPayment's
  private ``_unapplied`` (Intuit's BillPayment has no such field).  A credit applied to a document
  alone is a payment of 0.
* A void zeroes ``TotalAmt`` and the unapplied amount, clears the lines and prepends "Voided" to
  ``PrivateNote``; the targets get their balances back.
* A foreign-currency payment clears each document it applies at that document's ``ExchangeRate``;
  the difference with the payment's own rate is a realized gain or loss (posted by :mod:`.postings`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import faults
from .entities import cents, check_ref, money, num, ref_value
from .payables import ap_account
from .transactions import DOC_NUMBER_MAX, apply_currency, default_txn_date

if TYPE_CHECKING:
    from .company import Company

#: Which payer entity settles which targets.
PAYER_OF = {"Invoice": "Payment", "CreditMemo": "Payment", "Bill": "BillPayment", "VendorCredit": "BillPayment"}
TARGETS = {
    "Payment": ("Invoice", "CreditMemo", "JournalEntry"),
    "BillPayment": ("Bill", "VendorCredit", "JournalEntry"),
}
#: A journal entry is the target of both payers: a Payment through its A/R lines, a BillPayment its A/P ones.
JOURNAL = "JournalEntry"
#: payer -> (party entity, control account type)
PARTY_OF = {"Payment": ("Customer", "Accounts Receivable"), "BillPayment": ("Vendor", "Accounts Payable")}
#: Targets that are credits (they reduce what the payment must cover).
CREDITS = ("CreditMemo", "VendorCredit")
#: ``LinkedTxn.TxnType`` a paid document shows for its payer (a bill payment by its ``PayType``).
LINK_TYPES = {"Payment": "Payment", "Check": "BillPaymentCheck", "CreditCard": "BillPaymentCreditCard"}
PRINT_STATUSES = ("NotSet", "NeedToPrint", "PrintComplete")


def links(obj: dict[str, Any]) -> list[tuple[str, str, Decimal]]:
    """(target entity, target id, amount) for every line of a payment that is not voided."""
    found = []
    if obj.get("_voided"):
        return found
    for line in obj.get("Line") or []:
        for linked in line.get("LinkedTxn") or []:
            found.append((str(linked.get("TxnType")), str(linked.get("TxnId")), Decimal(str(line.get("Amount") or 0))))
            break  # one target per line, as QBO's payment lines are built
    return found


def link_keys(obj: dict[str, Any]) -> list[tuple[str, str]]:
    """(target entity, target id) of every document a payment applies to (the store's reverse links)."""
    return [(kind, target) for kind, target, _amount in links(obj)]


def applied_to(
    company: Company,
    entity: str,
    object_id: str,
    exclude: str | None = None,
    *,
    payer: str | None = None,
    party_id: str | None = None,
) -> tuple[Decimal, list[str]]:
    """Sum applied to a target by all payments (but ``exclude``), and the ids of those payments.  A journal
    entry's are those of ``payer`` (Payment or BillPayment) for ``party_id``: one entry can hold several
    customers' and vendors' open items."""
    payer = payer or PAYER_OF[entity]
    party_field = f"{PARTY_OF[payer][0]}Ref"
    total = Decimal(0)
    payers = []
    store = company.store
    for payment_id in store.linked_to(payer, (entity, str(object_id))):
        payment = store.get(payer, payment_id)
        if payment is None or payment["Id"] == exclude:
            continue
        if party_id is not None and ref_value(payment.get(party_field)) != party_id:
            continue
        amounts = [amount for kind, target, amount in links(payment) if kind == entity and target == object_id]
        if amounts:
            total += sum(amounts, Decimal(0))
            payers.append(payment["Id"])
    return total, payers


def link_type(payer: str, payment: dict[str, Any]) -> str:
    """How a paid document names its payer in ``LinkedTxn``: ``Payment``, or for a bill payment
    ``BillPaymentCheck`` / ``BillPaymentCreditCard`` by its ``PayType``."""
    if payer == "Payment":
        return "Payment"
    return LINK_TYPES.get(str(payment.get("PayType")), "BillPaymentCheck")


def journal_open(
    company: Company, payer: str, entry: dict[str, Any], party_id: str, control: str | None = None
) -> Decimal:
    """What a journal entry leaves to one customer (vendor) before any payment, in its currency: positive a
    credit (A/R credited, A/P debited, for that party), negative a charge; 0 when it names them on no
    line of the control account (``control``: one A/P account's Id, else every account of the type)."""
    party_entity, control_type = PARTY_OF[payer]
    total = Decimal(0)
    for line in entry.get("Line") or []:
        detail = line.get("JournalEntryLineDetail") or {}
        if line.get("DetailType") != "JournalEntryLineDetail":
            continue
        named = detail.get("Entity") or {}
        if ref_value(named.get("EntityRef")) != party_id or str(named.get("Type") or party_entity) != party_entity:
            continue
        account_id = ref_value(detail.get("AccountRef")) or ""
        account = company.store.get("Account", account_id) or {}
        if account.get("AccountType") != control_type or (control and account_id != control):
            continue
        amount = Decimal(str(line.get("Amount") or 0))
        debit = amount if detail.get("PostingType") == "Debit" else -amount
        total += debit if payer == "BillPayment" else -debit
    return total


def journal_parties(company: Company, entry: dict[str, Any]) -> set[tuple[str, str]]:
    """(payer, party Id) of every customer (vendor) a journal entry names on A/R (A/P)."""
    found = set()
    for line in entry.get("Line") or []:
        named = (line.get("JournalEntryLineDetail") or {}).get("Entity") or {}
        party_id = ref_value(named.get("EntityRef"))
        if party_id:
            payer = "BillPayment" if named.get("Type") == "Vendor" else "Payment"
            if journal_open(company, payer, entry, party_id):
                found.add((payer, party_id))
    return found


def check_journal_applications(company: Company, entry: dict[str, Any]) -> None:
    """An update may not leave a journal entry's open item below what payments already apply to it."""
    for payer in PARTY_OF:
        for payment_id in company.store.linked_to(payer, (JOURNAL, str(entry.get("Id")))):
            payment = company.store.get(payer, payment_id)
            party_id = ref_value(payment.get(f"{PARTY_OF[payer][0]}Ref")) or ""
            applied, _ = applied_to(company, JOURNAL, str(entry["Id"]), payer=payer, party_id=party_id)
            left = abs(journal_open(company, payer, entry, party_id))
            if applied > left:
                raise faults.business(
                    f"The payments applied to this JournalEntry ({num(applied)}) are more than what it leaves "
                    f"open ({num(left)}). Remove or reduce the payments first.",
                    "Line",
                )


def settle(company: Company, entity: str, obj: dict[str, Any]) -> None:
    """Set Balance (and LinkedTxn) of an invoice, credit memo, bill or vendor credit from its payments."""
    if entity not in PAYER_OF:
        return
    applied, payers = applied_to(company, entity, str(obj.get("Id") or ""))
    total = Decimal(str(obj.get("TotalAmt") or 0))
    if applied > total:
        raise faults.business(
            f"The payments applied to this {entity} ({num(applied)}) are more than its new "
            f"total ({num(total)}). Remove or reduce the payments first.",
            "TotalAmt",
        )
    balance = cents(total - applied)
    obj["Balance"] = num(balance)
    rate = Decimal(str(obj.get("ExchangeRate") or 1))
    if entity == "CreditMemo":
        obj["RemainingCredit"] = num(balance)
        return
    if entity != "VendorCredit":
        obj["HomeBalance"] = num(cents(balance * rate))
    payer = PAYER_OF[entity]
    kept = [link for link in obj.get("LinkedTxn") or [] if link.get("TxnType") not in (*LINK_TYPES.values(), payer)]
    obj["LinkedTxn"] = kept + [
        {"TxnId": pid, "TxnType": link_type(payer, company.store.get(payer, pid) or {})} for pid in payers
    ]


def prepare_payment(
    company: Company, entity: str, data: dict[str, Any], existing: dict[str, Any] | None
) -> dict[str, Any]:
    """Validate a Payment or BillPayment and compute what it leaves unapplied."""
    party_entity = "Customer" if entity == "Payment" else "Vendor"
    party_field = f"{party_entity}Ref"
    party = check_ref(company, party_entity, data.get(party_field), party_field, required=True)
    assert party is not None
    if entity == "BillPayment":
        _bill_payment_header(company, data, party)
    total = money(data.get("TotalAmt"), "TotalAmt")
    if total is None:
        raise faults.required_missing("TotalAmt")
    if total < 0:
        raise faults.invalid_property("TotalAmt cannot be negative", "TotalAmt")
    data["TotalAmt"] = num(cents(total))
    data["TxnDate"] = default_txn_date(company, data)
    apply_currency(company, data, party)
    own_id = existing["Id"] if existing else None
    debit = Decimal(0)
    credit = Decimal(0)
    lines_out = []
    lines = data.get("Line") or []
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        raise faults.invalid_property("Line must be a list of objects", "Line")
    for line in lines:
        out = dict(line)
        amount = money(out.get("Amount"), "Line.Amount")
        if amount is None:
            raise faults.required_missing("Line.Amount")
        linked = out.get("LinkedTxn")
        if isinstance(linked, dict):
            linked = [linked]
        if not linked:
            raise faults.required_missing("Line.LinkedTxn")
        if entity == "BillPayment" and len(linked) > 1:
            raise faults.business(
                "A bill payment line links one transaction: put each bill and each vendor credit on a line of its own.",
                "Line.LinkedTxn",
            )
        target_type = _target_type(entity, str(linked[0].get("TxnType") or ""))
        target_id = str(linked[0].get("TxnId") or "")
        target = company.store.get(target_type, target_id)
        if target is None:
            raise faults.invalid_reference("Line.LinkedTxn.TxnId")
        if target_type == JOURNAL:
            is_credit, open_amount = _journal_target(company, entity, data, target, party, own_id)
        else:
            is_credit, open_amount = _document_target(company, entity, data, target_type, target, party, own_id)
        if cents(amount) > open_amount:
            raise faults.business(
                f"The amount applied to {target_type} {target_id} ({num(cents(amount))}) is "
                f"more than its open balance ({num(open_amount)}).",
                "Line.Amount",
            )
        if is_credit:
            credit += cents(amount)
        else:
            debit += cents(amount)
        out["Amount"] = num(cents(amount))
        out["LinkedTxn"] = [{**linked[0], "TxnId": target_id, "TxnType": target_type}]
        lines_out.append(out)
    return _finish_payment(company, entity, data, lines_out, debit, credit, total)


def _journal_target(
    company: Company,
    entity: str,
    data: dict[str, Any],
    target: dict[str, Any],
    party: dict[str, Any],
    own_id: str | None,
) -> tuple[bool, Decimal]:
    """(is a credit, open amount) of a journal entry a payment links, for the payment's party."""
    control = data["APAccountRef"]["value"] if entity == "BillPayment" else None
    opened = journal_open(company, entity, target, party["Id"], control)
    if not opened:
        party_entity, control_type = PARTY_OF[entity]
        raise faults.business(
            f"JournalEntry {target['Id']} has no {control_type} line for this {party_entity.lower()}; a {entity} "
            f"can only be applied to its own {party_entity.lower()}'s transactions.",
            "Line.LinkedTxn",
        )
    others, _ = applied_to(company, JOURNAL, str(target["Id"]), exclude=own_id, payer=entity, party_id=party["Id"])
    return opened > 0, abs(opened) - others


def _document_target(
    company: Company,
    entity: str,
    data: dict[str, Any],
    target_type: str,
    target: dict[str, Any],
    party: dict[str, Any],
    own_id: str | None,
) -> tuple[bool, Decimal]:
    """(is a credit, open amount) of an invoice, credit memo, bill or vendor credit a payment links."""
    party_entity = PARTY_OF[entity][0]
    party_field = f"{party_entity}Ref"
    target_id = str(target["Id"])
    if ref_value(target.get(party_field)) != party["Id"]:
        raise faults.business(
            f"{target_type} {target_id} belongs to another {party_entity.lower()}; "
            f"a {entity} can only be applied to its own {party_entity.lower()}'s transactions.",
            "Line.LinkedTxn",
        )
    if entity == "BillPayment" and ref_value(target.get("APAccountRef")) != data["APAccountRef"]["value"]:
        raise faults.business(
            f"{target_type} {target_id} is on another A/P account than this bill payment "
            f"({data['APAccountRef']['name']}).",
            "APAccountRef",
        )
    others, _ = applied_to(company, target_type, target_id, exclude=own_id)
    return target_type in CREDITS, Decimal(str(target.get("TotalAmt") or 0)) - others


def _finish_payment(
    company: Company,
    entity: str,
    data: dict[str, Any],
    lines_out: list[dict[str, Any]],
    debit: Decimal,
    credit: Decimal,
    total: Decimal,
) -> dict[str, Any]:
    """Check what the lines apply against ``TotalAmt`` and compute what is left unapplied."""
    data["Line"] = lines_out
    if credit > debit:
        paid = "invoices" if entity == "Payment" else "bills"
        raise faults.business(
            f"The credits applied ({num(credit)}) are more than the {paid} they pay ({num(debit)}).", "Line"
        )
    if debit - credit > total:
        raise faults.business(
            f"The amounts applied ({num(debit - credit)}) are more than the payment's total ({num(total)}).", "TotalAmt"
        )
    if entity == "Payment":
        data["UnappliedAmt"] = num(cents(total - (debit - credit)))
        _deposit_account(company, data)
    else:
        data["_unapplied"] = num(cents(total - (debit - credit)))
    return data


def _target_type(entity: str, word: str) -> str:
    for target in TARGETS[entity]:
        if target.lower() == word.lower():
            return target
    raise faults.invalid_property(f"LinkedTxn TxnType {word!r} cannot be paid by a {entity}", "Line.LinkedTxn.TxnType")


def _deposit_account(company: Company, data: dict[str, Any]) -> None:
    account = check_ref(company, "Account", data.get("DepositToAccountRef"), "DepositToAccountRef")
    if account is None:
        data["DepositToAccountRef"] = {"value": company.undeposited_funds_id}
        return
    if account.get("AccountType") not in ("Bank", "Other Current Asset"):
        raise faults.business(
            "Deposit to account must be a bank or other current asset account.", "DepositToAccountRef"
        )
    data["DepositToAccountRef"] = {"value": account["Id"], "name": account.get("Name")}


def _bill_payment_header(company: Company, data: dict[str, Any], vendor: dict[str, Any]) -> None:
    """``PayType`` and the account paid from, the A/P account and the (optional) ``DocNumber``."""
    data["VendorRef"] = {"value": vendor["Id"], "name": vendor.get("DisplayName")}
    pay_type = data.get("PayType")
    if pay_type in (None, ""):
        raise faults.required_missing("PayType")
    if pay_type == "Check":
        data.pop("CreditCardPayment", None)
        check = dict(data.get("CheckPayment") or {})
        bank = _paid_from(company, check.get("BankAccountRef"), "Bank", "CheckPayment.BankAccountRef")
        status = check.get("PrintStatus") or "NeedToPrint"
        if status not in PRINT_STATUSES:
            raise faults.invalid_enumeration("CheckPayment.PrintStatus", str(status), ", ".join(PRINT_STATUSES))
        data["CheckPayment"] = {**check, "BankAccountRef": bank, "PrintStatus": status}
    elif pay_type == "CreditCard":
        data.pop("CheckPayment", None)
        card = dict(data.get("CreditCardPayment") or {})
        account = _paid_from(company, card.get("CCAccountRef"), "Credit Card", "CreditCardPayment.CCAccountRef")
        data["CreditCardPayment"] = {**card, "CCAccountRef": account}
    else:
        raise faults.invalid_enumeration("PayType", str(pay_type), "Check, CreditCard")
    data["APAccountRef"] = ap_account(company, data.get("APAccountRef"))
    doc = data.get("DocNumber")
    if doc in (None, ""):
        data.pop("DocNumber", None)
    elif len(str(doc)) > DOC_NUMBER_MAX:
        raise faults.string_too_long("DocNumber", DOC_NUMBER_MAX, len(str(doc)))
    else:
        data["DocNumber"] = str(doc)


def _paid_from(company: Company, ref: Any, account_type: str, element: str) -> dict[str, Any]:
    """The bank (credit card) account a bill payment is paid from: required, of that type."""
    account = check_ref(company, "Account", ref, element)
    if account is None:
        # What QBO answered a bill payment without a usable account (a Stack Overflow question, in French:
        # "Vous devez sélectionner un compte pour cette opération").
        raise faults.business("You must select an account for this transaction.", element)
    if account.get("AccountType") != account_type:
        raise faults.business(
            f"{element} must be a {account_type} account; {account.get('Name')} is a "
            f"{account.get('AccountType')} account.",
            element,
        )
    return {"value": account["Id"], "name": account.get("Name")}


def voided_note(note: Any) -> str:
    """QBO prepends "Voided" to the memo of a voided transaction ("Voided - <memo>" when there was one)."""
    text = str(note or "").strip()
    return f"Voided - {text}" if text else "Voided"


def void_payment(obj: dict[str, Any]) -> None:
    """A voided (bill) payment: amounts zeroed, lines cleared, "Voided" prepended to its memo."""
    obj["_voided"] = True
    obj["TotalAmt"] = 0
    for key in ("UnappliedAmt", "_unapplied"):
        if key in obj:
            obj[key] = 0
    obj["Line"] = []
    obj["PrivateNote"] = voided_note(obj.get("PrivateNote"))


def targets_of(*payments: dict[str, Any] | None) -> set[tuple[str, str]]:
    """Every (entity, id) that any version of a payment pointed to, voided or not."""
    found: set[tuple[str, str]] = set()
    for payment in payments:
        for line in (payment or {}).get("Line") or []:
            for linked in line.get("LinkedTxn") or []:
                found.add((str(linked.get("TxnType")), str(linked.get("TxnId"))))
    return found
