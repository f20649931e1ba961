"""A journal entry sent as a QuickBooks JournalEntry, reconciled with documents → the Payment (BillPayment) of 0
that applies it to them in QuickBooks.

The documents a credit of the entry pays (bad debt written off: receivable credited) are the payment's
charges and the entry their credit; the credit notes a charge of the entry uses (a refund paid out:
receivable debited) are its credits and the entry their charge.  QuickBooks' "Receive payment" applies
"a journal entry credit to an invoice" the same way (Intuit's help; the emulator's README, "Payments and
settlements" 10).
"""

from decimal import Decimal

from .settlement import Application, Settlement, applications_of, currency_problems
from .sides import SIDES


def _entry_sides(entry):
    """{side: (its journal items, charges applied, credits applied)} of the sides whose receivable
    (payable) items of ``entry`` are reconciled with documents."""
    found = {}
    for side in SIDES:
        items = entry.line_ids.filtered(lambda line, side=side: line.account_id.account_type == side.account_type)
        charges = applications_of(items, side.invoice_type)
        credits = applications_of(items, side.refund_type)
        if charges or credits:
            found[side] = (items, charges, credits)
    return found


def entry_settlement_side(entry):
    """The side whose documents a journal entry is reconciled with (the first one when both are)."""
    return next(iter(_entry_sides(entry)), None)


def entry_settlement(entry):
    """The applications of a journal entry (sent as a QuickBooks JournalEntry) to the documents its
    receivable (payable) items are reconciled with; None when there are none or the entry is cancelled.

    The documents a credit of the entry pays are charges of the payment, the entry their credit; the
    credit notes a charge of the entry uses are credits, the entry their charge.  Nothing is received:
    the payment is of 0.
    """
    env = entry.env
    if entry.state == "cancel":
        return None
    sides = _entry_sides(entry)
    if not sides:
        return None
    side, (items, charges, credits) = next(iter(sides.items()))
    reconciled = items.filtered(lambda line: line.matched_debit_ids or line.matched_credit_ids)
    settlement = Settlement(
        side=side,
        source=entry,
        partner=reconciled.partner_id.commercial_partner_id[:1],
        currency=reconciled.currency_id[:1] or entry.currency_id,
        date=entry.date,
        reference=entry.name,
        invoices=list(charges),
        credit_notes=list(credits),
    )
    used = sum((a.amount for a in charges), Decimal(0)) - sum((a.amount for a in credits), Decimal(0))
    if used > 0:
        settlement.credit_notes.append(Application(entry, used))
    elif used < 0:
        settlement.invoices.append(Application(entry, -used))
    if len(sides) > 1:
        settlement.problems.append(
            env._(
                "%s is reconciled with both customer and vendor documents. QuickBooks applies a journal entry "
                "in one payment per customer or vendor: reconcile each side with an entry of its own.",
                entry.display_name,
            )
        )
    if len(reconciled.partner_id.commercial_partner_id) > 1:
        settlement.problems.append(
            env._(
                "%s is reconciled with the documents of several partners. QuickBooks applies a journal entry to "
                "one customer or vendor at a time: make an entry per partner.",
                entry.display_name,
            )
        )
    if charges and credits:
        settlement.problems.append(
            env._(
                "%s is reconciled both with invoices and with credit notes: in QuickBooks it is one open item of "
                "the partner, either a credit or a charge. Reconcile its credit and its charge in two entries.",
                entry.display_name,
            )
        )
    settlement.problems += currency_problems(env, settlement)
    return settlement
