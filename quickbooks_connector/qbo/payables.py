"""Pure payload builders for accounts payable: Vendor, Bill, VendorCredit, BillPayment.  No I/O, no Odoo.

A Bill and a VendorCredit carry expense lines (``AccountBasedExpenseLineDetail``): each line names
its own account, unlike sales lines, which take theirs from an Item.  Amounts are net on every
line, as on sales documents; on a ``TaxInclusive`` document the gross amount travels as
``TaxInclusiveAmt`` and Odoo's tax as the ``TxnTaxDetail`` override, exactly as for invoices.
A BillPayment pays bills and applies vendor credits, from a bank account (``PayType`` Check) or a
credit-card account (``PayType`` CreditCard).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .money import cents
from .payloads import (
    GLOBAL_TAX_CALCULATIONS,
    Address,
    PaymentApplication,
    Ref,
    TaxLineData,
    _drop_none,
    _money_json,
    _number,
    with_identity,
)

PAY_TYPES = ("Check", "CreditCard")


# --------------------------------------------------------------------------- vendors
@dataclass
class VendorData:
    display_name: str
    company_name: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    billing_address: Address | None = None
    currency_code: str | None = None  # fixed at creation in QBO, as for customers
    active: bool = True


def build_vendor(vendor: VendorData, *, object_id: str | None = None, sync_token: str | None = None) -> dict[str, Any]:
    """Vendor JSON; with ``object_id`` a sparse update (currency left out: QBO fixes it)."""
    if not vendor.display_name or not vendor.display_name.strip():
        raise ValueError("a QBO vendor needs a display name")
    body = _drop_none(
        {
            "DisplayName": vendor.display_name.strip()[:500],
            "CompanyName": vendor.company_name,
            "PrimaryEmailAddr": {"Address": vendor.email} if vendor.email else None,
            "PrimaryPhone": {"FreeFormNumber": vendor.phone} if vendor.phone else None,
            "WebAddr": {"URI": vendor.website} if vendor.website else None,
            "BillAddr": vendor.billing_address.to_json() if vendor.billing_address else None,
            "Active": vendor.active,
        }
    )
    if object_id is None and vendor.currency_code:
        body["CurrencyRef"] = {"value": vendor.currency_code}
    return with_identity(body, object_id, sync_token)


# --------------------------------------------------------------------------- bills and vendor credits
@dataclass
class ExpenseLine:
    """A bill or vendor-credit line posted to ``account`` (net ``amount``)."""

    account: Ref
    amount: Decimal
    description: str | None = None
    tax_code: Ref | None = None
    #: The line's gross amount on a ``TaxInclusive`` document (``Line.Amount`` stays net).
    tax_inclusive_amount: Decimal | None = None
    #: The product's Item: an ``ItemBasedExpenseLineDetail`` line (QuickBooks posts it to the Item's expense
    #: account, which must be ``account``); None: an ``AccountBasedExpenseLineDetail`` line on ``account``.
    item: Ref | None = None
    quantity: Decimal | None = None
    #: The line's QuickBooks class (a bill's lines carry theirs whichever way the company tracks classes).
    class_ref: Ref | None = None


@dataclass
class PurchaseDocumentData:
    """What a bill and a vendor credit share."""

    vendor: Ref
    lines: list[ExpenseLine]
    doc_number: str | None = None  # the vendor's own number (not numbered by QuickBooks)
    txn_date: date | None = None
    currency_code: str | None = None
    exchange_rate: Decimal | None = None
    global_tax_calculation: str | None = None
    tax_lines: list[TaxLineData] = field(default_factory=list)
    total_tax: Decimal | None = None
    ap_account: Ref | None = None
    private_note: str | None = None
    department: Ref | None = None  # the document's QuickBooks location (``DepartmentRef``)


@dataclass
class BillData(PurchaseDocumentData):
    due_date: date | None = None
    sales_term: Ref | None = None


def _expense_line_json(line: ExpenseLine, number: int) -> dict[str, Any]:
    """An account line, or an item line with its quantity and the net unit price that gives its amount (7
    places, as QuickBooks keeps them)."""
    if line.item is None:
        kind, head = "AccountBasedExpenseLineDetail", {"AccountRef": line.account.to_json()}
    else:
        quantity = line.quantity if line.quantity else Decimal(1)
        unit_price = (line.amount / quantity).quantize(Decimal("0.0000001"))
        if (unit_price * quantity).quantize(Decimal("0.01")) != line.amount:
            quantity, unit_price = Decimal(1), line.amount
        kind = "ItemBasedExpenseLineDetail"
        head = {"ItemRef": line.item.to_json(), "Qty": float(quantity), "UnitPrice": float(unit_price)}
    detail = _drop_none(
        {
            **head,
            "TaxCodeRef": line.tax_code.to_json() if line.tax_code else None,
            "TaxInclusiveAmt": _money_json(line.tax_inclusive_amount)
            if line.tax_inclusive_amount is not None
            else None,
            "BillableStatus": "NotBillable",
            "ClassRef": line.class_ref.to_json() if line.class_ref else None,
        }
    )
    return _drop_none(
        {
            "LineNum": number,
            "DetailType": kind,
            "Amount": _money_json(line.amount),
            "Description": line.description[:4000] if line.description else None,
            kind: detail,
        }
    )


def _purchase_document(doc: PurchaseDocumentData) -> dict[str, Any]:
    if not doc.lines:
        raise ValueError("a bill or vendor credit needs at least one line")
    if doc.global_tax_calculation not in (None, *GLOBAL_TAX_CALCULATIONS):
        raise ValueError(f"unknown GlobalTaxCalculation {doc.global_tax_calculation!r}")
    detail: dict[str, Any] = {}
    if doc.tax_lines:
        detail["TaxLine"] = [tax_line.to_json() for tax_line in doc.tax_lines]
    if doc.total_tax is not None or doc.tax_lines:
        total = (
            doc.total_tax
            if doc.total_tax is not None
            else sum((cents(tax_line.amount) for tax_line in doc.tax_lines), Decimal(0))
        )
        detail["TotalTax"] = _money_json(total)
    return _drop_none(
        {
            "VendorRef": doc.vendor.to_json(),
            "Line": [_expense_line_json(line, number) for number, line in enumerate(doc.lines, start=1)],
            "DocNumber": doc.doc_number[:21] if doc.doc_number else None,
            "TxnDate": doc.txn_date.isoformat() if doc.txn_date else None,
            "CurrencyRef": {"value": doc.currency_code} if doc.currency_code else None,
            "ExchangeRate": _number(Decimal(doc.exchange_rate)) if doc.exchange_rate is not None else None,
            "GlobalTaxCalculation": doc.global_tax_calculation,
            "TxnTaxDetail": detail or None,
            "APAccountRef": doc.ap_account.to_json() if doc.ap_account else None,
            "PrivateNote": doc.private_note[:4000] if doc.private_note else None,
            "DepartmentRef": doc.department.to_json() if doc.department else None,
        }
    )


def build_bill(bill: BillData, *, object_id: str | None = None, sync_token: str | None = None) -> dict[str, Any]:
    body = _purchase_document(bill)
    if bill.due_date:
        body["DueDate"] = bill.due_date.isoformat()
    if bill.sales_term:
        body["SalesTermRef"] = bill.sales_term.to_json()
    return with_identity(body, object_id, sync_token)


def build_vendor_credit(
    credit: PurchaseDocumentData, *, object_id: str | None = None, sync_token: str | None = None
) -> dict[str, Any]:
    return with_identity(_purchase_document(credit), object_id, sync_token)


# --------------------------------------------------------------------------- bill payments
@dataclass
class BillPaymentData:
    """A payment to a vendor: bills paid and vendor credits used (``txn_type`` Bill / VendorCredit)."""

    vendor: Ref
    total_amount: Decimal
    pay_type: str  # "Check" (from a bank account) or "CreditCard"
    account: Ref  # the bank or credit-card account paid from
    applications: list[PaymentApplication] = field(default_factory=list)
    txn_date: date | None = None
    currency_code: str | None = None
    exchange_rate: Decimal | None = None
    ap_account: Ref | None = None
    doc_number: str | None = None
    private_note: str | None = None


def build_bill_payment(
    payment: BillPaymentData, *, object_id: str | None = None, sync_token: str | None = None
) -> dict[str, Any]:
    """BillPayment JSON.  Vendor credits count against the bills they pay: the cash paid is the bills'
    amounts minus the credits' (0 for a vendor credit applied to a bill)."""
    if payment.pay_type not in PAY_TYPES:
        raise ValueError(f"unknown PayType {payment.pay_type!r}")
    applied = sum((cents(app.amount) * (-1 if app.is_credit else 1) for app in payment.applications), Decimal(0))
    if applied > cents(payment.total_amount):
        raise ValueError(f"bill payment applies {applied} but only {cents(payment.total_amount)} was paid")
    account_key = "CheckPayment" if payment.pay_type == "Check" else "CreditCardPayment"
    account_field = "BankAccountRef" if payment.pay_type == "Check" else "CCAccountRef"
    body = _drop_none(
        {
            "VendorRef": payment.vendor.to_json(),
            "PayType": payment.pay_type,
            account_key: {account_field: payment.account.to_json()},
            "TotalAmt": _money_json(payment.total_amount),
            "TxnDate": payment.txn_date.isoformat() if payment.txn_date else None,
            "CurrencyRef": {"value": payment.currency_code} if payment.currency_code else None,
            "ExchangeRate": _number(Decimal(payment.exchange_rate)) if payment.exchange_rate is not None else None,
            "APAccountRef": payment.ap_account.to_json() if payment.ap_account else None,
            "DocNumber": payment.doc_number[:21] if payment.doc_number else None,
            "PrivateNote": payment.private_note[:4000] if payment.private_note else None,
            "Line": [
                {"Amount": _money_json(app.amount), "LinkedTxn": [{"TxnId": str(app.txn_id), "TxnType": app.txn_type}]}
                for app in payment.applications
            ],
        }
    )
    return with_identity(body, object_id, sync_token)
