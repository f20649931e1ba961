"""A settlement (``settlement.py``) → the QBO Payment or BillPayment that records it.

A customer settlement becomes a Payment deposited to the QBO account its journal's account is mapped
to; a vendor settlement a BillPayment paid by check from that bank account, or on the credit card it
is mapped to.  In a foreign currency, the exchange rate is the one that reproduces Odoo's
company-currency cash.
"""

from decimal import Decimal

from ..qbo.payables import BillPaymentData
from ..qbo.payloads import PaymentData, Ref, exchange_rate

PAYMENT_OWNED_FIELDS = frozenset(
    {
        "CustomerRef",
        "TotalAmt",
        "TxnDate",
        "Line",
        "CurrencyRef",
        "ExchangeRate",
        "DepositToAccountRef",
        "PaymentRefNum",
        "PrivateNote",
    }
)
BILL_PAYMENT_OWNED_FIELDS = frozenset(
    {
        "VendorRef",
        "TotalAmt",
        "TxnDate",
        "Line",
        "CurrencyRef",
        "ExchangeRate",
        "PayType",
        "CheckPayment",
        "CreditCardPayment",
        "APAccountRef",
        "DocNumber",
        "PrivateNote",
    }
)


def settlement_rate(source, settlement):
    """QBO's exchange rate of a settlement in a foreign currency (None in the company currency)."""
    if settlement.currency == source.company_id.currency_id:
        return None
    fallback = None
    entry = next((a.move for a in settlement.credit_notes + settlement.invoices if a.move.move_type == "entry"), None)
    if entry is not None:
        # A journal entry applied to documents: no cash moves, the entry's own rate says it.
        items = entry.line_ids.filtered(
            lambda line: line.account_id.account_type == settlement.side.account_type and line.amount_currency
        )
        if items:
            fallback = abs(
                Decimal(str(sum(items.mapped("balance")))) / Decimal(str(sum(items.mapped("amount_currency"))))
            )
    elif settlement.credit_notes and settlement.credit_notes[0].move.invoice_currency_rate:
        fallback = 1 / settlement.credit_notes[0].move.invoice_currency_rate
    return exchange_rate(settlement.cash, settlement.home_cash, fallback=fallback)


def payment_data(mappings, source, settlement, customer_qbo_id, applications):
    """The Payment of a customer settlement, applied as ``applications`` say (``mappings``: the settlement
    journal's account, read by the push)."""
    deposit = mappings.journal_account(settlement.journal)
    return PaymentData(
        customer=Ref(customer_qbo_id),
        total_amount=settlement.cash,
        applications=applications,
        txn_date=settlement.date,
        currency_code=settlement.currency.name,
        exchange_rate=settlement_rate(source, settlement),
        deposit_account=Ref(deposit.qbo_id) if deposit else None,
        reference=settlement.reference,
        private_note=source.env._("From Odoo: %s", source.display_name),
    )


def bill_payment_data(mappings, source, settlement, vendor_qbo_id, applications):
    """The BillPayment of a vendor settlement: paid by check from the journal's bank account, or on the
    credit card its account is mapped to (None when the journal's account is not mapped).  ``mappings``: the
    settlement journal's account and a mapped bank account, read by the push."""
    qbo_account = mappings.journal_account(settlement.journal)
    if qbo_account is None:
        if settlement.cash:
            return None
        # A vendor refund applied to a bill moves no money: QuickBooks still wants a bank account.
        qbo_account = mappings.first_bank
        if qbo_account is None:
            return None
    pay_type = "CreditCard" if qbo_account.account_type == "Credit Card" else "Check"
    return BillPaymentData(
        vendor=Ref(vendor_qbo_id),
        total_amount=settlement.cash,
        pay_type=pay_type,
        account=qbo_account.ref,
        applications=applications,
        txn_date=settlement.date,
        currency_code=settlement.currency.name,
        exchange_rate=settlement_rate(source, settlement),
        doc_number=(settlement.reference or "")[:21] or None,
        private_note=source.env._("From Odoo: %s", source.display_name),
    )
