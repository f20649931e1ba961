"""A settlement (``settlement.py``) → the QBO Payment or BillPayment that records it.

A customer settlement becomes a Payment deposited to the QBO account its journal's account is mapped
to; a vendor settlement a BillPayment paid by check from that bank account, or on the credit card it
is mapped to.  In a foreign currency, the exchange rate is the one that reproduces Odoo's
company-currency cash.
"""

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
    if settlement.credit_notes and settlement.credit_notes[0].move.invoice_currency_rate:
        fallback = 1 / settlement.credit_notes[0].move.invoice_currency_rate
    return exchange_rate(settlement.cash, settlement.home_cash, fallback=fallback)


def journal_mapping(env, backend, settlement):
    """The mapping of the settlement journal's account (None without journal or mapping)."""
    if not settlement.journal:
        return None
    return (
        env["quickbooks.account.mapping"]
        .sudo()
        .search(
            [
                ("backend_id", "=", backend.id),
                ("account_id", "=", settlement.journal.default_account_id.id),
                ("qbo_account_id", "!=", False),
            ],
            limit=1,
        )
        or None
    )


def payment_data(env, backend, source, settlement, customer_qbo_id, applications):
    """The Payment of a customer settlement, applied as ``applications`` say."""
    deposit = journal_mapping(env, backend, settlement)
    return PaymentData(
        customer=Ref(customer_qbo_id),
        total_amount=settlement.cash,
        applications=applications,
        txn_date=settlement.date,
        currency_code=settlement.currency.name,
        exchange_rate=settlement_rate(source, settlement),
        deposit_account=Ref(deposit.qbo_account_id.qbo_id) if deposit else None,
        reference=settlement.reference,
        private_note=env._("From Odoo: %s", source.display_name),
    )


def bill_payment_data(env, backend, source, settlement, vendor_qbo_id, applications):
    """The BillPayment of a vendor settlement: paid by check from the journal's bank account, or on the
    credit card its account is mapped to (None when the journal's account is not mapped)."""
    mapping = journal_mapping(env, backend, settlement)
    if mapping is None:
        if settlement.cash:
            return None
        # A vendor refund applied to a bill moves no money: QuickBooks still wants a bank account.
        mapping = (
            env["quickbooks.account.mapping"]
            .sudo()
            .search(
                [
                    ("backend_id", "=", backend.id),
                    ("qbo_account_id.account_type", "=", "Bank"),
                    ("state", "=", "mapped"),
                ],
                limit=1,
            )
        )
        if not mapping:
            return None
    qbo_account = mapping.qbo_account_id
    pay_type = "CreditCard" if qbo_account.account_type == "Credit Card" else "Check"
    return BillPaymentData(
        vendor=Ref(vendor_qbo_id),
        total_amount=settlement.cash,
        pay_type=pay_type,
        account=Ref(qbo_account.qbo_id, qbo_account.name),
        applications=applications,
        txn_date=settlement.date,
        currency_code=settlement.currency.name,
        exchange_rate=settlement_rate(source, settlement),
        doc_number=(settlement.reference or "")[:21] or None,
        private_note=env._("From Odoo: %s", source.display_name),
    )
