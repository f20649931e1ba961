"""Receivables and payables: the same flows with other names on each side.

Customer invoices, credit notes and customer payments become QuickBooks Invoices, CreditMemos and
Payments; vendor bills, refunds and vendor payments become Bills, VendorCredits and BillPayments.
Everything that differs between the two is named here, once.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Side:
    name: str
    account_type: str  # the Odoo account type of the partner's open items
    party_entity: str  # QBO Customer / Vendor
    invoice_type: str  # Odoo move type of the documents paid
    refund_type: str  # Odoo move type of the credits applied
    invoice_entity: str
    refund_entity: str
    payment_entity: str
    partner_type: str  # account.payment partner_type
    payment_type: str  # account.payment payment_type
    #: +1 when the documents paid debit the partner account (receivables), -1 when they credit it.
    sign: int
    #: SyncRecords binding key prefix of the partner's QBO object (a partner can be both customer and vendor).
    party_key_prefix: str

    @property
    def move_types(self):
        return (self.invoice_type, self.refund_type)

    def entity_of(self, move_type):
        return self.refund_entity if move_type == self.refund_type else self.invoice_entity

    def party_key(self, currency_code):
        """SyncRecords binding key of the partner's QBO object in ``currency_code`` ("" = home currency)."""
        return ":".join(part for part in (self.party_key_prefix, currency_code or "") if part)


RECEIVABLE = Side(
    name="receivable",
    account_type="asset_receivable",
    party_entity="Customer",
    invoice_type="out_invoice",
    refund_type="out_refund",
    invoice_entity="Invoice",
    refund_entity="CreditMemo",
    payment_entity="Payment",
    partner_type="customer",
    payment_type="inbound",
    sign=1,
    party_key_prefix="",
)
PAYABLE = Side(
    name="payable",
    account_type="liability_payable",
    party_entity="Vendor",
    invoice_type="in_invoice",
    refund_type="in_refund",
    invoice_entity="Bill",
    refund_entity="VendorCredit",
    payment_entity="BillPayment",
    partner_type="supplier",
    payment_type="outbound",
    sign=-1,
    party_key_prefix="vendor",
)
SIDES = (RECEIVABLE, PAYABLE)
PAYMENT_ENTITIES = tuple(side.payment_entity for side in SIDES)


def side_of_move_type(move_type):
    """The side of an Odoo move type (None for entries and receipts)."""
    return next((side for side in SIDES if move_type in side.move_types), None)


def side_of_entity(entity):
    """The side a QBO entity belongs to (None for entities of neither)."""
    return next(
        (
            side
            for side in SIDES
            if entity in (side.party_entity, side.invoice_entity, side.refund_entity, side.payment_entity)
        ),
        None,
    )


def side_of_payment(payment):
    """The side of an Odoo payment (None for internal transfers and refunds paid out to customers)."""
    return next(
        (
            side
            for side in SIDES
            if payment.partner_type == side.partner_type and payment.payment_type == side.payment_type
        ),
        None,
    )


def refund_side_of_payment(payment):
    """The side whose credit notes (refunds) a payment refunds in cash: money out to a customer is the
    receivable side, money in from a vendor the payable side; None for the other payments."""
    return next(
        (
            side
            for side in SIDES
            if payment.partner_type == side.partner_type and payment.payment_type != side.payment_type
        ),
        None,
    )


def is_refund_payment(payment):
    """A refund paid out to a customer or received from a vendor (with a partner: not a transfer)."""
    return bool(payment.partner_id) and refund_side_of_payment(payment) is not None
