"""A manual journal entry (accrual, reclassification, payroll entry...) → a QuickBooks JournalEntry.

Which entries are sent is decided on the move (``account.move._quickbooks_is_journal_entry``): entries of
the journals the user chose, not marked "Skip QuickBooks", and none of those Odoo posts itself for what the
connector already sends another way (a payment's or a bank statement line's entry: sent as a Payment or
BillPayment; an exchange difference: QuickBooks books it with the payment; a cash-basis tax entry:
QuickBooks keeps its own tax reports).

A cash refund (an Odoo payment to a customer, from a vendor) is sent the same way: receivable (payable)
debited (credited) for the customer (vendor), the bank journal's QuickBooks account credited (debited); its
application to the credit notes it refunds is a payment of 0 (``adapters/settlement.py``), the way
QuickBooks applies a journal entry with a credit memo.

Each journal item becomes one line on the QuickBooks account its account is mapped to, a debit or a credit
of its amount in the entry's currency; items on receivable or payable accounts name their customer or
vendor (QuickBooks refuses them otherwise). Entries with taxes are not sent: a QuickBooks journal entry
line carries its tax through a tax code and its tax reports would not show Odoo's tax lines as tax, so the
accountant is told to enter such an entry in QuickBooks, or to post the tax as a plain amount.
"""

from decimal import Decimal

from ..qbo.journal import CREDIT, DEBIT, JournalEntryData, JournalLine
from ..qbo.money import cents, to_decimal
from ..qbo.payloads import Ref
from .sales_document import MappingProblem
from .sides import PAYABLE, RECEIVABLE

PARTY_ACCOUNT_TYPES = {"asset_receivable": RECEIVABLE, "liability_payable": PAYABLE}


def entry_lines(move):
    """The journal items of ``move`` that post something."""
    return move.line_ids.filtered(lambda line: line.display_type not in ("line_section", "line_note"))


def party_side(line):
    """The side (receivable or payable) whose customer or vendor a journal item must name, or None."""
    return PARTY_ACCOUNT_TYPES.get(line.account_id.account_type)


def entry_problems(move):
    """Why ``move`` cannot be sent as it is (an empty list: it can), in an accountant's words."""
    env = move.env
    problems = []
    lines = entry_lines(move)
    if lines.filtered(lambda line: line.tax_ids or line.tax_line_id):
        problems.append(
            env._(
                "The entry has taxes. QuickBooks books a journal entry's tax through tax codes, and its tax "
                "reports would not count Odoo's tax lines: enter this entry in QuickBooks, or post it without "
                "taxes (the tax as a plain amount on the tax account) and send it again."
            )
        )
    for line in lines.filtered(lambda line: party_side(line) and not line.partner_id):
        problems.append(
            env._(
                "The item on %s names no partner: QuickBooks needs the customer or vendor of every line on "
                "Accounts Receivable or Accounts Payable.",
                line.account_id.display_name,
            )
        )
    return problems


def account_substitutes(move):
    """{account: the account whose QuickBooks mapping its items are sent on}.  A cash refund's money leaves
    (reaches) the bank through Odoo's outstanding account until the statement is matched; QuickBooks has no
    such step, and the connector deposits payments on the bank journal's account: so is the refund."""
    payment = move.origin_payment_id
    if not payment:
        return {}
    liquidity, _counterpart, _writeoff = payment._seek_for_lines()
    bank = payment.journal_id.default_account_id
    return {account: bank for account in liquidity.account_id if bank and account != bank}


def journal_entry_data(move, mappings, parties):
    """The JournalEntry of ``move``; ``mappings``: its accounts' (:class:`~.mappings.Mappings`, those of
    :func:`account_substitutes` included); ``parties``: {(partner id, side name): QuickBooks id} of the
    customers and vendors its party lines name.  Raises :class:`MappingProblem` when it cannot be sent."""
    substitutes = account_substitutes(move)
    accounts = {line: substitutes.get(line.account_id, line.account_id) for line in entry_lines(move)}
    problems = entry_problems(move)
    problems += sorted(
        {problem for account in set(accounts.values()) if (problem := mappings.account(account).problem)}
    )
    if problems:
        raise MappingProblem(problems)
    foreign = move.currency_id != move.company_currency_id
    lines = []
    home = foreign_total = Decimal(0)
    for line in entry_lines(move):
        amount = to_decimal(line.amount_currency if foreign else line.balance)
        if cents(amount) == 0:
            continue
        side = party_side(line)
        partner = line.partner_id.commercial_partner_id
        lines.append(
            JournalLine(
                posting_type=DEBIT if amount > 0 else CREDIT,
                amount=abs(amount),
                account=mappings.account(accounts[line]).qbo_account.ref,
                description=line.name or None,
                entity_type="Customer" if side is RECEIVABLE else "Vendor" if side is PAYABLE else None,
                entity=Ref(parties[(partner.id, side.name)]) if side else None,
                class_ref=mappings.line_classes.get(line),
                department=mappings.line_locations.get(line),
            )
        )
        if amount > 0:
            home += to_decimal(line.balance)
            foreign_total += amount
    rate = None
    if foreign and foreign_total:
        rate = (home / foreign_total).quantize(Decimal("0.000001"))
    return JournalEntryData(
        txn_date=move.date,
        lines=lines,
        doc_number=(move.name or "")[:21] or None,  # QuickBooks keeps 21 characters of a DocNumber
        private_note=move.env._("From Odoo: %s", " - ".join(filter(None, [move.name, move.ref]))),
        currency_code=move.currency_id.name if foreign else None,
        exchange_rate=rate,
    )


def odoo_totals(move):
    """(debits, credits) of ``move`` in its currency, to the cent, as QuickBooks must store them."""
    foreign = move.currency_id != move.company_currency_id
    debit = credit = Decimal(0)
    for line in entry_lines(move):
        amount = cents(line.amount_currency if foreign else line.balance)
        if amount > 0:
            debit += amount
        else:
            credit -= amount
    return debit, credit


def counterpart_entry_data(settlement, mappings):
    """The JournalEntry that books a statement line's ``settlement.entry_items`` (a fee...) against the bank:
    each item as Odoo booked it, the bank journal's account for the opposite of their sum.  ``mappings``: the
    items' accounts' and the journal's.  Raises :class:`MappingProblem` when it cannot be sent."""
    source = settlement.source
    env = source.env
    items = settlement.entry_items
    bank = settlement.journal.default_account_id
    problems = []
    if items.currency_id != source.company_id.currency_id:
        problems.append(
            env._(
                "%s books a fee in a foreign currency on invoices a payment without journal entry already received: "
                "enter the fee in QuickBooks.",
                source.display_name,
            )
        )
    if items.filtered(party_side):
        problems.append(
            env._(
                "%s matches customer or vendor items on invoices a payment without journal entry already received: "
                "match them on a line of their own.",
                source.display_name,
            )
        )
    problems += sorted(
        {problem for account in items.account_id | bank if (problem := mappings.account(account).problem)}
    )
    if problems:
        raise MappingProblem(problems)
    lines = []
    total = Decimal(0)
    for item in items:
        amount = cents(item.balance)
        if not amount:
            continue
        account = mappings.account(item.account_id).qbo_account.ref
        lines.append(JournalLine(DEBIT if amount > 0 else CREDIT, abs(amount), account, item.name or None))
        total += amount
    if total:
        bank_ref = mappings.account(bank).qbo_account.ref
        lines.append(JournalLine(CREDIT if total > 0 else DEBIT, abs(total), bank_ref, source.payment_ref or None))
    return JournalEntryData(
        txn_date=settlement.date,
        lines=lines,
        doc_number=(source.move_id.name or "")[:21] or None,
        private_note=env._("From Odoo: %s", source.display_name),
    )


def _own_partner_account(settlement):
    """The statement line's own partner account (receivable for money in, payable for money out)."""
    own = settlement.source.move_id.line_ids.filtered(
        lambda line: line.account_id.account_type == settlement.side.account_type
    )
    return own.account_id[:1]


def netting_accounts(settlement):
    """The partner accounts a statement line's netting entry posts to: the netted items' and the line's own."""
    return settlement.netting.items.account_id | _own_partner_account(settlement)


def netting_entry_data(settlement, mappings, party_ids):
    """The JournalEntry that moves a statement line's netted amount between the two partner accounts: the
    other side's items as Odoo booked them (naming their customer or vendor), the line's own partner account
    for the opposite.  QuickBooks' payments then apply it on both sides, as they apply "a journal entry credit
    to an invoice".  ``party_ids``: {side name: QuickBooks id of the partner on that side}."""
    source = settlement.source
    netting = settlement.netting
    own_account = _own_partner_account(settlement)
    problems = sorted(
        {problem for account in netting_accounts(settlement) if (problem := mappings.account(account).problem)}
    )
    if problems:
        raise MappingProblem(problems)

    def entity(side):
        return side.party_entity, Ref(party_ids[side.name])

    lines = []
    total = Decimal(0)
    for item in netting.items:
        amount = cents(item.balance)
        if not amount:
            continue
        kind, ref = entity(netting.side)
        lines.append(
            JournalLine(
                DEBIT if amount > 0 else CREDIT,
                abs(amount),
                mappings.account(item.account_id).qbo_account.ref,
                item.name or None,
                entity_type=kind,
                entity=ref,
            )
        )
        total += amount
    kind, ref = entity(settlement.side)
    lines.append(
        JournalLine(
            CREDIT if total > 0 else DEBIT,
            abs(total),
            mappings.account(own_account).qbo_account.ref,
            source.payment_ref or None,
            entity_type=kind,
            entity=ref,
        )
    )
    return JournalEntryData(
        txn_date=settlement.date,
        lines=lines,
        doc_number=(source.move_id.name or "")[:21] or None,
        private_note=source.env._("Netting of %s, from Odoo", source.display_name),
    )
