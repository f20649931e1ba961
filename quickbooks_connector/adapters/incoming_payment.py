"""A QBO Payment (BillPayment) recorded in QuickBooks → what it means in Odoo: the mirror of ``payment.py``.

A Payment is cash received (``TotalAmt``, in the customer's currency at the payment's own
``ExchangeRate``) and applications: amounts to invoices and to credit memos.  Read against the sync
records (passed in as :class:`Binding` values, see :func:`bindings_needed`), it says how much cash Odoo
records, which Odoo invoices (credit notes) QuickBooks applied how much to, and what it applied to
documents that exist only in QuickBooks (not Odoo's cash).  A BillPayment is the same on the vendor side
(bills, vendor credits, the bank account or card it was paid from).

Nothing here reads Odoo: the pull (``models/quickbooks_pull_payment.py``) looks the bindings up, waits for
documents still on their way, and registers and reconciles the payment.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from ..qbo.money import cents

#: The memo Odoo writes on what it sends ("From Odoo: <name>").
FROM_ODOO = "From Odoo: "
FROM_ODOO_SUFFIX = ", from Odoo"


@dataclass(frozen=True)
class Binding:
    """The Odoo record a QuickBooks object is bound to (its sync record, as plain values)."""

    res_model: str
    res_id: int
    binding_key: str = ""


@dataclass
class IncomingPayment:
    """What a QBO Payment (BillPayment) means in Odoo terms."""

    qbo_id: str
    cash: Decimal  # the cash Odoo records (what QuickBooks applied to its own documents left out)
    currency_code: str
    rate: Decimal  # QuickBooks' exchange rate: company currency units per document currency unit
    date: str | None
    reference: str  # the payment's reference (check number, document number, or its Id)
    party_ref: str | None  # the QBO Customer (Vendor) it is from (to)
    party_bound: bool = False
    #: Odoo invoice (bill) id -> amount QuickBooks applied to it, in the payment currency.
    invoices: dict = field(default_factory=dict)
    #: Odoo credit note (vendor refund) id -> amount QuickBooks applied from it.
    credits: dict = field(default_factory=dict)
    #: Applied to documents bound to nothing in Odoo (they exist only in QuickBooks): not Odoo's cash.
    elsewhere: Decimal = Decimal(0)
    #: (QBO entity, Id) of those documents, once per application, in the payment's order.
    unbound: list = field(default_factory=list)
    #: The account it was deposited to (paid from): a QBO account Id.
    paid_from: str | None = None

    @property
    def concerns_odoo(self):
        """Whether any of it is Odoo's: an Odoo document paid, or cash of a customer (vendor) Odoo knows."""
        return bool(self.invoices) or bool(self.cash and self.party_bound)

    @property
    def key(self):
        """What Odoo did for it depends on this only: applying the same key again changes nothing."""
        return {
            "cash": str(self.cash),
            "currency": self.currency_code,
            "rate": str(self.rate),
            "date": self.date,
            "deposit": self.paid_from,
            "customer": self.party_ref,
            "invoices": {str(k): str(v) for k, v in sorted(self.invoices.items())},
            "credits": {str(k): str(v) for k, v in sorted(self.credits.items())},
        }


def party_ref(payment, side):
    """The QBO Customer (Vendor) Id of a Payment (BillPayment), or None."""
    return (payment.get(f"{side.party_entity}Ref") or {}).get("value")


def _applications(payment, side):
    """(QBO entity, Id, amount) of what a payment applies to the side's documents, in its order."""
    for line in payment.get("Line") or []:
        amount = cents(line.get("Amount"))
        for linked in line.get("LinkedTxn") or []:
            entity, txn_id = linked.get("TxnType"), str(linked.get("TxnId"))
            if entity in (side.invoice_entity, side.refund_entity) and amount > 0:
                yield entity, txn_id, amount


def bindings_needed(payment, side):
    """(QBO entity, Id) of the objects whose bindings :func:`parse_payment` reads: the documents the payment
    applies to, and its customer (vendor)."""
    needed = [(entity, txn_id) for entity, txn_id, _amount in _applications(payment, side)]
    party = party_ref(payment, side)
    if party:
        needed.append((side.party_entity, str(party)))
    return list(dict.fromkeys(needed))


def parse_payment(payment, side, bindings, home_currency_code):
    """The :class:`IncomingPayment` of a QBO Payment (BillPayment) of ``side``; ``bindings``: (QBO entity,
    Id) -> :class:`Binding` of those of :func:`bindings_needed` that are bound."""
    invoices, credits, unbound = {}, {}, []
    elsewhere = Decimal(0)
    for entity, txn_id, amount in _applications(payment, side):
        bound = bindings.get((entity, txn_id))
        if bound and (bound.res_model != "account.move" or bound.binding_key):
            continue  # a credit memo the connector made for a write-off: its payment's business
        if not bound:
            unbound.append((entity, txn_id))
            elsewhere += amount if entity == side.invoice_entity else -amount
            continue
        target = invoices if entity == side.invoice_entity else credits
        target[bound.res_id] = target.get(bound.res_id, Decimal(0)) + amount
    party = party_ref(payment, side)
    return IncomingPayment(
        qbo_id=str(payment.get("Id")),
        cash=max(cents(payment.get("TotalAmt")) - elsewhere, Decimal(0)),
        currency_code=(payment.get("CurrencyRef") or {}).get("value") or home_currency_code,
        rate=Decimal(str(payment.get("ExchangeRate") or 1)),
        date=payment.get("TxnDate"),
        reference=payment.get("PaymentRefNum") or payment.get("DocNumber") or payment.get("Id"),
        party_ref=party,
        party_bound=bool(party) and (side.party_entity, str(party)) in bindings,
        invoices=invoices,
        credits=credits,
        elsewhere=elsewhere,
        unbound=unbound,
        paid_from=paid_from_account(payment),
    )


def paid_from_account(payment):
    """The QBO bank (card) account of a payment: where a Payment was deposited, or what a BillPayment was paid
    from."""
    for path in (
        ("DepositToAccountRef",),
        ("CheckPayment", "BankAccountRef"),
        ("CreditCardPayment", "CCAccountRef"),
    ):
        value = payment or {}
        for key in path:
            value = (value or {}).get(key)
        if value:
            return value.get("value")
    return None


def sent_by_odoo(qbo_object):
    """Whether the memo says Odoo wrote the object: "From Odoo: <name>", or "<what> of <name>, from Odoo"
    (a write-off's credit memo, a netting entry)."""
    note = qbo_object.get("PrivateNote") or ""
    return note.startswith(FROM_ODOO) or note.endswith(FROM_ODOO_SUFFIX)


def odoo_name_in_memo(qbo_object):
    """The Odoo record an object was sent for, named in the memo Odoo writes ("From Odoo: <name>")."""
    note = qbo_object.get("PrivateNote") or ""
    return note.removeprefix(FROM_ODOO).strip() if note.startswith(FROM_ODOO) else None
