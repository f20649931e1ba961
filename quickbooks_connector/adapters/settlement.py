"""Odoo settlements of customer invoices (vendor bills) → the QBO Payment (BillPayment) that records
the same event.

A *settlement source* is whatever put cash or credit against customer invoices (vendor bills) in Odoo:

* a customer (vendor) payment: its receivable (payable) line reconciled with invoices (bills); a
  write-off or an early-payment discount is part of it;
* a bank statement line matched directly with invoices (money in) or bills (money out);
* a credit note (vendor refund) reconciled with invoices (bills): "Reverse", or matched by hand;
* a journal entry sent as a QuickBooks JournalEntry whose receivable (payable) items are reconciled with
  invoices or credit notes (bills or refunds): a write-off of bad debt, a refund paid by an entry.  The
  entry is a credit (it credits receivable, debits payable) or a charge, applied with the documents in
  a payment of 0, as QuickBooks' "Receive payment" applies "a journal entry credit to an invoice".

QuickBooks records each the way its own "Receive payment" screen does: one Payment per source whose
lines apply amounts to invoices and to credit memos, its total being the cash received (0 for a
credit note applied to an invoice), what is not applied staying as the customer's credit
(``UnappliedAmt``).  A write-off or discount becomes a credit memo applied in the same payment, on
the Items of the write-off accounts, so the invoice's balance is 0 on both sides.  Vendor payments
are the mirror image: a BillPayment applies bills and vendor credits, a write-off is a vendor credit.

What is read here is Odoo's current reconciliation state (its partials), never the history of
clicks, so a sync converges whatever happened in between (reconcile, unreconcile, reset to draft).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from ..qbo.money import cents
from .sides import PAYABLE, RECEIVABLE, SIDES, side_of_move_type, side_of_payment


@dataclass
class Application:
    """Part of a source applied to one Odoo invoice or credit note, in the document currency."""

    move: object
    amount: Decimal


@dataclass
class WriteOff:
    """A write-off or discount line of a payment: what the customer no longer owes."""

    account: object
    amount: Decimal  # positive: reduces the customer's debt
    taxes: object  # account.tax of a base line
    tax_line: object  # account.tax of a tax line (the tax part of an early-payment discount)
    home_amount: Decimal = Decimal(0)  # the same in the company currency


@dataclass
class Netting:
    """The other side's documents a bank statement line settles by netting (a customer's invoice and the
    same partner's bill on one line)."""

    side: object  # the other side
    items: object  # the statement line's journal items on the other side's account
    partner: object
    invoices: list  # [Application] to the other side's invoices (bills)
    credit_notes: list  # [Application] of its credit notes (refunds)
    total: Decimal  # what the items take off the main partner's balance (positive)

    @property
    def used(self) -> Decimal:
        """What the netting entry applies to the other side's documents (their charges less their credits)."""
        return sum((a.amount for a in self.invoices), Decimal(0)) - sum(
            (a.amount for a in self.credit_notes), Decimal(0)
        )


@dataclass
class Settlement:
    """The QuickBooks-relevant state of one settlement source."""

    side: object  # sides.RECEIVABLE or sides.PAYABLE
    source: object
    partner: object
    currency: object
    date: object
    cash: Decimal = Decimal(0)
    home_cash: Decimal = Decimal(0)
    journal: object = None
    reference: str | None = None
    invoices: list = field(default_factory=list)  # [Application] on customer invoices (vendor bills)
    credit_notes: list = field(default_factory=list)  # [Application] of credit notes (vendor refunds) used
    writeoffs: list = field(default_factory=list)  # [WriteOff]
    #: journal items booked in QuickBooks by a journal entry of their own against the bank (a statement line's
    #: fee when a payment without journal entry already received the invoices it matches)
    entry_items: object = None
    #: the other side's documents a statement line settles by netting (:class:`Netting`), or None
    netting: object = None
    problems: list = field(default_factory=list)

    @property
    def writeoff_total(self) -> Decimal:
        return sum((w.amount for w in self.writeoffs), Decimal(0))


def _settled(partial, line):
    """(other line, amount in ``line``'s currency) of a partial seen from ``line``."""
    if partial.debit_move_id == line:
        return partial.credit_move_id, cents(partial.debit_amount_currency)
    return partial.debit_move_id, cents(partial.credit_amount_currency)


def applications_of(lines, target_type, since=None):
    """Amounts of ``lines`` reconciled with moves of ``target_type`` (partials pulled from QBO excluded; with
    ``since``, those dated before it too)."""
    amounts = {}
    for line in lines:
        for partial in line.matched_debit_ids | line.matched_credit_ids:
            if partial.quickbooks_pulled:
                continue  # QuickBooks' own payment already records it
            if since and partial.max_date < since:
                continue
            other, amount = _settled(partial, line)
            move = other.move_id
            if move.move_type != target_type or move.state == "cancel":
                continue  # exchange differences, payments, entries: not applications
            amounts[move] = amounts.get(move, Decimal(0)) + amount
    return [Application(move, amount) for move, amount in amounts.items() if amount]


def _writeoffs(lines, sign):
    """Write-off lines as amounts that reduce the partner's balance (``sign``: the side's sign)."""
    found = []
    for line in lines:
        found.append(
            WriteOff(
                account=line.account_id,
                amount=cents(sign * line.amount_currency),
                taxes=line.tax_ids,
                tax_line=line.tax_line_id,
                home_amount=cents(sign * line.balance),
            )
        )
    return [w for w in found if w.amount]


def currency_problems(env, settlement):
    problems = []
    for application in settlement.invoices + settlement.credit_notes:
        if application.move.currency_id != settlement.currency:
            problems.append(
                env._(
                    "%(source)s is in %(currency)s but %(move)s is in %(other)s: QuickBooks applies a payment only to "
                    "documents in its own currency.",
                    source=settlement.source.display_name,
                    currency=settlement.currency.name,
                    move=application.move.name,
                    other=application.move.currency_id.name,
                )
            )
    return problems


def payment_settlement(payment):
    """The settlement of a customer (vendor) payment (None when it no longer settles anything: draft,
    cancelled, or a refund paid out to a customer)."""
    env = payment.env
    side = side_of_payment(payment)
    if side is None or payment.state not in ("in_process", "paid", "draft"):
        return None
    settlement = Settlement(
        side=side,
        source=payment,
        partner=payment.partner_id.commercial_partner_id,
        currency=payment.currency_id,
        date=payment.date,
        journal=payment.journal_id,
        reference=payment.memo or payment.name,
        cash=cents(payment.amount),
    )
    if payment.state == "draft":
        return _draft_payment_settlement(payment, settlement)
    if payment.move_id:
        if payment.move_id.state != "posted":
            return None
        liquidity, counterpart, writeoff = payment._seek_for_lines()
        settlement.home_cash = cents(abs(sum(liquidity.mapped("balance"))))
        partner_lines = counterpart.filtered(lambda line: line.account_id.account_type == side.account_type)
        settlement.invoices = applications_of(partner_lines, side.invoice_type)
        settlement.writeoffs = _writeoffs(writeoff, side.sign)
    else:
        # Journals without an outstanding account (the Accounting app): no journal entry until the bank
        # statement is matched; the invoices are those the payment was registered for.
        settlement.home_cash = cents(abs(payment.amount_company_currency_signed))
        settlement.invoices = _movelessapplications_of(payment)
    settlement.problems = currency_problems(env, settlement)
    return settlement


def _draft_payment_settlement(payment, settlement):
    """Odoo 19 keeps the reconciliation of a payment reset to draft: its invoices stay paid in Odoo, so they
    stay paid in QuickBooks, for what is applied only (a draft entry is not in the receivables, so its
    unapplied rest is not the customer's credit).  Cancelling it, or editing it (which unreconciles it),
    removes the QuickBooks payment."""
    if not payment.move_id:
        return None
    side = settlement.side
    _liquidity, counterpart, writeoff = payment._seek_for_lines()
    partner_lines = counterpart.filtered(lambda line: line.account_id.account_type == side.account_type)
    settlement.invoices = applications_of(partner_lines, side.invoice_type)
    if not settlement.invoices:
        return None
    settlement.writeoffs = _writeoffs(writeoff, side.sign)
    settlement.cash = sum((a.amount for a in settlement.invoices), Decimal(0)) - settlement.writeoff_total
    rate = abs(payment.amount_company_currency_signed) / payment.amount if payment.amount else 1
    settlement.home_cash = cents(settlement.cash * Decimal(str(rate)))
    settlement.problems = currency_problems(payment.env, settlement)
    return settlement


def _movelessapplications_of(payment):
    """A payment without journal entry pays its invoices in date order, up to its amount."""
    left = cents(payment.amount)
    applications = []
    invoice_type = side_of_payment(payment).invoice_type
    for invoice in payment.invoice_ids.filtered(lambda m: m.move_type == invoice_type and m.state == "posted").sorted(
        lambda m: (m.invoice_date or m.date, m.id)
    ):
        statement_paid = sum((amount for _line, amount in statement_partials(invoice)), Decimal(0))
        open_amount = cents(invoice.amount_residual) + statement_paid
        take = min(left, open_amount)
        if take > 0:
            applications.append(Application(invoice, take))
            left -= take
    return applications


def statement_partials(invoice):
    """(statement line, amount) of the statement lines matched directly with ``invoice`` (or bill)."""
    found = []
    account_type = side_of_move_type(invoice.move_type).account_type
    for line in invoice.line_ids.filtered(lambda aml: aml.account_id.account_type == account_type):
        for partial in line.matched_debit_ids | line.matched_credit_ids:
            other, amount = _settled(partial, line)
            if other.move_id.statement_line_id:
                found.append((other.move_id.statement_line_id, amount))
    return found


def statement_line_side(statement_line):
    """Money in settles customer invoices, money out vendor bills."""
    return RECEIVABLE if statement_line.amount > 0 else PAYABLE


def statement_line_refund_side(statement_line):
    """The side a bank statement line refunds in cash: money out matched with customer items only (a credit
    note paid back), money in matched with vendor items only (a vendor refund received); None otherwise."""
    move = statement_line.move_id
    types = set(move.line_ids.account_id.mapped("account_type")) & {side.account_type for side in SIDES}
    refunded = RECEIVABLE if statement_line.amount < 0 else PAYABLE
    return refunded if types == {refunded.account_type} else None


def statement_line_settlement(statement_line):
    """The settlement of a bank statement line matched with invoices or bills (None when it matches none)."""
    env = statement_line.env
    move = statement_line.move_id
    if not move or move.state != "posted":
        return None
    if statement_line_refund_side(statement_line):
        return None  # a refund in cash: a journal entry applied to the credit (account.move, entry settlement)
    side = statement_line_side(statement_line)
    receivable = move.line_ids.filtered(lambda line: line.account_id.account_type == side.account_type)
    if not receivable:
        return None
    applied = applications_of(receivable, side.invoice_type)
    invoices = [application for application in applied if not _paid_by_moveless_payment(application.move)]
    absorbed = sum((a.amount for a in applied if a not in invoices), Decimal(0))
    currency = receivable[0].currency_id
    liquidity, _suspense, other = statement_line._seek_for_lines()
    other = other - receivable
    netting = _netting(side, other)
    if netting:
        other = other - netting.items
    settlement = Settlement(
        side=side,
        source=statement_line,
        partner=(statement_line.partner_id or receivable.partner_id[:1]).commercial_partner_id,
        currency=currency,
        date=statement_line.date,
        journal=statement_line.journal_id,
        reference=statement_line.payment_ref or move.name,
        invoices=invoices,
        writeoffs=_writeoffs(other, side.sign),
        netting=netting,
    )
    settlement.cash = (
        cents(-side.sign * sum(receivable.mapped("amount_currency")))
        - settlement.writeoff_total
        - absorbed
        - (netting.total if netting else 0)
    )
    if absorbed and other and (settlement.cash < 0 or not invoices):
        # Payments registered without journal entry already received these invoices in QuickBooks, for their
        # whole amount: what the bank kept (a fee) is booked against the bank by an entry, not a credit memo.
        settlement.entry_items = other
        settlement.cash += settlement.writeoff_total
        settlement.writeoffs = []
    if not settlement.cash and not invoices and not settlement.entry_items:
        return None  # all of it is the cash of payments registered without journal entry
    home = Decimal(str(abs(sum(liquidity.mapped("balance")))))
    received = Decimal(str(abs(sum(liquidity.mapped("amount_currency"))))) or Decimal(1)
    settlement.home_cash = cents(home * settlement.cash / received) if absorbed else cents(home)
    settlement.problems = currency_problems(env, settlement) + _netting_problems(env, settlement)
    return settlement


def _netting(side, items):
    """The :class:`Netting` of a statement line of ``side`` whose ``items`` (those beside its liquidity and
    its own side's) hold the other side's partner items, or None."""
    other_side = PAYABLE if side is RECEIVABLE else RECEIVABLE
    netted = items.filtered(lambda line: line.account_id.account_type == other_side.account_type)
    if not netted:
        return None
    return Netting(
        side=other_side,
        items=netted,
        partner=netted.partner_id.commercial_partner_id[:1],
        invoices=applications_of(netted, other_side.invoice_type),
        credit_notes=applications_of(netted, other_side.refund_type),
        total=cents(side.sign * sum(netted.mapped("amount_currency"))),
    )


def _netting_problems(env, settlement):
    """Why a statement line's netting cannot be sent as QuickBooks would book it."""
    netting = settlement.netting
    if not netting:
        return []
    source = settlement.source
    problems = []
    if len(netting.items.partner_id.commercial_partner_id) != 1:
        problems.append(
            env._(
                "%s nets the items of several partners (or of none): QuickBooks nets one customer with one vendor.",
                source.display_name,
            )
        )
    if netting.total <= 0 or netting.used < 0:
        problems.append(
            env._(
                "%s nets the other side's credit against its own: QuickBooks nets a bill against an invoice (or "
                "the reverse) only. Match the credit on a line of its own.",
                source.display_name,
            )
        )
    if settlement.currency != source.company_id.currency_id or netting.items.currency_id != settlement.currency:
        problems.append(
            env._(
                "%s nets a customer and a vendor in a foreign currency: enter that netting in QuickBooks.",
                source.display_name,
            )
        )
    return problems


def _paid_by_moveless_payment(invoice):
    """A statement line matched with an invoice that a payment without journal entry was registered for
    is that payment's cash: the payment is the settlement, not the statement line."""
    return bool(invoice.matched_payment_ids.filtered(lambda p: not p.move_id and p.state in ("in_process", "paid")))


def credit_note_settlement(credit_note):
    """Applications of a credit note (vendor refund) to invoices (bills); None when it is applied to none."""
    env = credit_note.env
    side = side_of_move_type(credit_note.move_type)
    if side is None or credit_note.move_type != side.refund_type or credit_note.state == "cancel":
        return None  # a credit note reset to draft keeps its reconciliation in Odoo 19: so does QuickBooks
    receivable = credit_note.line_ids.filtered(lambda line: line.account_id.account_type == side.account_type)
    invoices = applications_of(receivable, side.invoice_type)
    if not invoices:
        return None
    settlement = Settlement(
        side=side,
        source=credit_note,
        partner=credit_note.commercial_partner_id,
        currency=credit_note.currency_id,
        date=credit_note.invoice_date or credit_note.date,
        reference=credit_note.name,
        invoices=invoices,
    )
    settlement.credit_notes = [Application(credit_note, sum((a.amount for a in invoices), Decimal(0)))]
    settlement.problems = currency_problems(env, settlement)
    return settlement


def sources_of_moves(moves):
    """The settlement sources (a list of recordsets) whose QBO Payment (BillPayment) depends on these moves."""
    invoices = moves.filtered(lambda m: m.move_type in [side.invoice_type for side in SIDES])
    return [
        # Payments without journal entry settle through their invoices.
        moves.origin_payment_id | invoices.matched_payment_ids.filtered(lambda p: not p.move_id),
        moves.statement_line_id,
        # Credit notes, and the entries sent as journal entries (each decides whether it is one).
        moves.filtered(lambda m: m.move_type in [side.refund_type for side in SIDES] or m.move_type == "entry"),
    ]
