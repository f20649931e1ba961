"""The soak's workload, generated from a seed: who buys what, who pays what where, and in which order.

Pure Python (no I/O), so the same seed gives the same plan and the plan can be unit-tested.

Invoices are split into disjoint groups so that the two sides never settle the same invoice (two
people taking the same money in both systems is a business conflict, not what the soak measures):

* ``odoo``: paid in Odoo with the payment register wizard (fully, partly, or two invoices of one
  customer at once);
* ``qbo``: paid in QuickBooks by the CPA (same shapes), some of those payments later edited or deleted
  by the CPA;
* ``credit``: a credit note (full or partial) reconciled with the invoice in Odoo;
* ``open``: left unpaid, some of them cancelled in Odoo later (reset to draft, then cancelled), in each
  of the orders a user can give those steps against the invoice's push (:data:`CANCEL_ORDERS`);
* ``writeoff``: written off in Odoo by a journal entry (bad debt, in full or in part) reconciled with the
  invoice: in QuickBooks a journal entry applied to the invoice by a payment of 0.

Some payments registered in Odoo are cancelled later too (reset to draft, then cancelled): their
QuickBooks payment must go.

Every action has a *slot* in [0, 1.3): invoices come in order, each settlement some time after its
invoices, edits anywhere.  The runner executes the actions in slot order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

#: The share of payments that cover two invoices of the same customer (always in full).
MULTI_INVOICE_SHARE = 0.15
#: The share of payments (and of credit notes) that settle only part of an invoice.
PARTIAL_SHARE = 0.35
#: The share of customer edits made in QuickBooks by the CPA (a field Odoo does not own: Notes).
QBO_EDIT_SHARE = 0.2
#: The share of Odoo customer edits that rename the customer.
RENAME_SHARE = 0.1
#: The share of taxed invoice lines (the others have no tax).
TAXED_SHARE = 0.85
#: The share of invoices written off by a journal entry (drawn among the unpaid ones, apart from the rest).
WRITE_OFF_SHARE = 0.05
#: When a cancelled invoice is reset to draft and cancelled, against its push: once it is in QuickBooks;
#: at once after posting (usually before the push ran); reset at once, then cancelled after the push ran
#: on the draft.  Drawn in turn, so that every order is in every run.
CANCEL_ORDERS = ("after_push", "before_push", "draft_then_push")


@dataclass
class Customer:
    key: str
    name: str
    street: str
    city: str
    zip: str
    email: str
    phone: str


@dataclass
class Line:
    name: str
    quantity: int
    price_unit: float
    taxed: bool


@dataclass
class Invoice:
    key: str
    customer: str
    lines: list[Line]
    group: str = "open"  # odoo | qbo | credit | writeoff | open
    cancel: bool = False  # open invoices only: cancelled in Odoo later
    cancel_order: str | None = None  # one of CANCEL_ORDERS when ``cancel``


@dataclass
class Payment:
    key: str
    side: str  # "odoo" (payment register wizard) or "qbo" (recorded by the CPA in QuickBooks)
    invoices: list[str]
    fraction: float | None = None  # None: the invoices' whole open amount
    change: str | None = None  # qbo side: "update" (lower amount) or "delete" by the CPA; odoo side: "cancel"
    change_fraction: float | None = None


@dataclass
class CreditNote:
    key: str
    invoice: str
    fraction: float  # of the invoice's untaxed amount; 1.0 credits it in full


@dataclass
class WriteOff:
    key: str
    invoice: str
    fraction: float  # of the invoice's open amount; 1.0 writes it off in full


@dataclass
class Edit:
    key: str
    customer: str
    side: str  # "odoo" (street, phone, e-mail, sometimes the name) or "qbo" (the CPA's Notes)
    serial: int
    rename: bool = False


@dataclass(order=True)
class Action:
    slot: float
    order: int
    #: invoice | payment | credit_note | edit | cpa_change | cancel_invoice | cancel_payment | write_off
    kind: str = field(compare=False)
    key: str = field(compare=False)


@dataclass
class Plan:
    seed: int
    customers: dict[str, Customer]
    invoices: dict[str, Invoice]
    payments: dict[str, Payment]
    credit_notes: dict[str, CreditNote]
    edits: dict[str, Edit]
    actions: list[Action]
    write_offs: dict[str, WriteOff] = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        odoo = [p for p in self.payments.values() if p.side == "odoo"]
        qbo = [p for p in self.payments.values() if p.side == "qbo"]
        return {
            "customers": len(self.customers),
            "invoices": len(self.invoices),
            "credit_notes": len(self.credit_notes),
            "odoo_payments": len(odoo),
            "odoo_payment_cancels": sum(1 for p in odoo if p.change == "cancel"),
            "qbo_payments": len(qbo),
            "qbo_payment_updates": sum(1 for p in qbo if p.change == "update"),
            "qbo_payment_deletes": sum(1 for p in qbo if p.change == "delete"),
            "odoo_edits": sum(1 for e in self.edits.values() if e.side == "odoo"),
            "qbo_edits": sum(1 for e in self.edits.values() if e.side == "qbo"),
            "unpaid_invoices": sum(1 for i in self.invoices.values() if i.group == "open" and not i.cancel),
            "invoice_cancels": sum(1 for i in self.invoices.values() if i.cancel),
            "write_offs": len(self.write_offs),
        }


def _customer(rng: random.Random, number: int) -> Customer:
    key = f"C{number:05d}"
    return Customer(
        key=key,
        name=f"Soak Customer {number:05d}",
        street=f"{rng.randint(1, 999)} Market Street",
        city=rng.choice(["Springfield", "Riverton", "Lakeside", "Fairview"]),
        zip=f"{rng.randint(10000, 99999)}",
        email=f"billing{number:05d}@example.com",
        phone=f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
    )


def _lines(rng: random.Random, number: int) -> list[Line]:
    return [
        Line(
            name=f"Service {number}-{index + 1}",
            quantity=rng.choice([1, 1, 2, 3, 5]),
            price_unit=round(rng.randint(500, 40000) / 100, 2),
            taxed=rng.random() < TAXED_SHARE,
        )
        for index in range(rng.randint(1, 3))
    ]


def make_plan(
    invoices: int,
    payments: int,
    edits: int,
    *,
    credit_notes: int | None = None,
    customers: int | None = None,
    qbo_share: float = 0.5,
    cpa_change_share: float = 0.1,
    cancel_share: float = 0.05,
    seed: int = 1,
) -> Plan:
    """The workload: ``invoices`` invoices, ``payments`` payments (``qbo_share`` of them by the CPA),
    ``edits`` customer edits and ``credit_notes`` credit notes (10 % of the invoices by default);
    ``cancel_share`` of the invoices (unpaid ones) and of the Odoo payments are cancelled in Odoo later."""
    if invoices < 1:
        raise ValueError("the soak needs at least one invoice")
    rng = random.Random(seed)
    credit_count = round(invoices * 0.1) if credit_notes is None else credit_notes
    customer_count = customers or max(3, invoices // 10)
    people = {c.key: c for c in (_customer(rng, n) for n in range(1, customer_count + 1))}
    keys = list(people)
    docs: dict[str, Invoice] = {}
    for number in range(1, invoices + 1):
        key = f"SOAK-INV-{number:05d}"
        docs[key] = Invoice(key=key, customer=rng.choice(keys), lines=_lines(rng, number))
    slot = {key: index / invoices for index, key in enumerate(docs)}
    actions: list[Action] = [Action(slot[key], 0, "invoice", key) for key in docs]

    pool = list(docs)
    rng.shuffle(pool)
    notes: dict[str, CreditNote] = {}
    for number in range(1, min(credit_count, len(pool)) + 1):
        invoice = pool.pop()
        docs[invoice].group = "credit"
        fraction = 1.0 if rng.random() >= PARTIAL_SHARE else round(rng.uniform(0.2, 0.8), 2)
        key = f"SOAK-CN-{number:05d}"
        notes[key] = CreditNote(key=key, invoice=invoice, fraction=fraction)
        actions.append(Action(slot[invoice] + rng.uniform(0.01, 0.1), 0, "credit_note", key))

    by_customer: dict[str, list[str]] = {}
    for invoice in pool:
        by_customer.setdefault(docs[invoice].customer, []).append(invoice)
    sides = ["qbo"] * round(payments * qbo_share) + ["odoo"] * (payments - round(payments * qbo_share))
    rng.shuffle(sides)
    settled: dict[str, Payment] = {}
    counters = {"odoo": 0, "qbo": 0}
    for side in sides:
        if not pool:
            break
        first = pool.pop()
        chosen = [first]
        siblings = by_customer[docs[first].customer]
        siblings.remove(first)
        fraction = None
        if rng.random() < MULTI_INVOICE_SHARE and siblings:
            second = siblings.pop()
            pool.remove(second)
            chosen.append(second)
        elif rng.random() < PARTIAL_SHARE:
            fraction = round(rng.uniform(0.3, 0.9), 2)
        counters[side] += 1
        key = f"SOAK-{'PAY' if side == 'odoo' else 'QBO'}-{counters[side]:05d}"
        payment = Payment(key=key, side=side, invoices=chosen, fraction=fraction)
        for invoice in chosen:
            docs[invoice].group = side
        when = max(slot[invoice] for invoice in chosen) + rng.uniform(0.02, 0.15)
        actions.append(Action(when, 0, "payment", key))
        if side == "qbo" and rng.random() < cpa_change_share:
            payment.change = rng.choice(["update", "delete"])
            payment.change_fraction = round(rng.uniform(0.4, 0.9), 2) if payment.change == "update" else None
            actions.append(Action(when + rng.uniform(0.02, 0.1), 0, "cpa_change", key))
        if side == "odoo" and rng.random() < cancel_share:
            payment.change = "cancel"
            actions.append(Action(when + rng.uniform(0.02, 0.1), 0, "cancel_payment", key))
        settled[key] = payment

    unpaid = [key for key in docs if docs[key].group == "open"]
    for index, key in enumerate(rng.sample(unpaid, min(len(unpaid), max(round(invoices * cancel_share), 0)))):
        docs[key].cancel = True
        docs[key].cancel_order = CANCEL_ORDERS[index % len(CANCEL_ORDERS)]
        # Right after the invoice when it must beat its push; some time later otherwise.
        delay = 1e-6 if docs[key].cancel_order != "after_push" else rng.uniform(0.02, 0.1)
        actions.append(Action(slot[key] + delay, 0, "cancel_invoice", key))

    # Drawn apart (their own generator): the rest of the plan is the same with or without them.
    drawer = random.Random(seed * 7919 + 1)
    unpaid = [key for key in docs if docs[key].group == "open" and not docs[key].cancel]
    bad_debts: dict[str, WriteOff] = {}
    for number, invoice in enumerate(drawer.sample(unpaid, min(len(unpaid), round(invoices * WRITE_OFF_SHARE))), 1):
        docs[invoice].group = "writeoff"
        key = f"SOAK-WO-{number:05d}"
        fraction = 1.0 if drawer.random() >= PARTIAL_SHARE else round(drawer.uniform(0.2, 0.8), 2)
        bad_debts[key] = WriteOff(key=key, invoice=invoice, fraction=fraction)
        actions.append(Action(slot[invoice] + drawer.uniform(0.02, 0.1), 0, "write_off", key))

    changes: dict[str, Edit] = {}
    for number in range(1, edits + 1):
        side = "qbo" if rng.random() < QBO_EDIT_SHARE else "odoo"
        key = f"E{number:05d}"
        changes[key] = Edit(
            key=key,
            customer=rng.choice(keys),
            side=side,
            serial=number,
            rename=side == "odoo" and rng.random() < RENAME_SHARE,
        )
        actions.append(Action(rng.uniform(0.0, 1.0), 0, "edit", key))

    actions.sort(key=lambda action: action.slot)
    for order, action in enumerate(actions):
        action.order = order
    return Plan(
        seed=seed,
        customers=people,
        invoices=docs,
        payments=settled,
        credit_notes=notes,
        edits=changes,
        actions=actions,
        write_offs=bad_debts,
    )


def edit_values(plan: Plan, edit: Edit) -> dict[str, str]:
    """What an Odoo-side edit writes on the partner (deterministic from the edit)."""
    customer = plan.customers[edit.customer]
    values = {
        "street": f"{edit.serial} Soak Avenue",
        "phone": f"+1 555 010 {edit.serial % 10000:04d}",
        "email": f"ap{edit.serial:05d}@{customer.key.lower()}.example.com",
    }
    if edit.rename:
        values["name"] = f"{customer.name} (renamed {edit.serial})"
    return values


def cpa_note(edit: Edit) -> str:
    """What a CPA edit writes in the QuickBooks customer's Notes (a field Odoo does not own)."""
    return f"CPA note {edit.serial:05d}"
