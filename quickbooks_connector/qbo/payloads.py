"""Pure payload builders: plain Python data in, QBO JSON out.  No I/O, no Odoo.

Money is :class:`~decimal.Decimal` throughout and rounded the way QBO rounds (half up, to the
cent) only at the edge, when it becomes a JSON number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .money import cents

#: QBO keeps up to 7 decimals on unit prices (discounted prices are rarely whole cents).
UNIT_PRICE_STEP = Decimal("0.0000001")

GLOBAL_TAX_CALCULATIONS = ("TaxExcluded", "TaxInclusive", "NotApplicable")


def _number(value: Decimal) -> float | int:
    """A JSON number for a Decimal (integral values stay integers)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _money_json(value: Decimal | int | str | float) -> float | int:
    return _number(cents(value))


@dataclass(frozen=True)
class Ref:
    """A QBO reference: ``{"value": id, "name": ...}``."""

    value: str
    name: str | None = None

    def to_json(self) -> dict[str, str]:
        data = {"value": str(self.value)}
        if self.name:
            data["name"] = self.name
        return data


@dataclass(frozen=True)
class Address:
    line1: str | None = None
    line2: str | None = None
    line3: str | None = None
    city: str | None = None
    region: str | None = None  # state / province: QBO's CountrySubDivisionCode
    postal_code: str | None = None
    country: str | None = None

    def to_json(self) -> dict[str, str]:
        pairs = (
            ("Line1", self.line1),
            ("Line2", self.line2),
            ("Line3", self.line3),
            ("City", self.city),
            ("CountrySubDivisionCode", self.region),
            ("PostalCode", self.postal_code),
            ("Country", self.country),
        )
        return {key: value for key, value in pairs if value}


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def with_identity(body: dict[str, Any], object_id: str | None, sync_token: str | None) -> dict[str, Any]:
    """Make ``body`` a sparse update of ``object_id`` when an id is given; a create otherwise."""
    if object_id is None:
        return body
    if sync_token is None:
        raise ValueError("an update needs the SyncToken QBO gave the object last")
    return {**body, "Id": str(object_id), "SyncToken": str(sync_token), "sparse": True}


# --------------------------------------------------------------------------- names
@dataclass
class CustomerData:
    display_name: str
    company_name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    website: str | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    currency_code: str | None = None  # fixed at creation in QBO
    active: bool = True
    tax_id: str | None = None  # not written: QBO only exposes it on some regions' customers


def build_customer(
    customer: CustomerData, *, object_id: str | None = None, sync_token: str | None = None
) -> dict[str, Any]:
    """Customer JSON; with ``object_id`` a sparse update (currency is left out: QBO fixes it)."""
    if not customer.display_name or not customer.display_name.strip():
        raise ValueError("a QBO customer needs a display name")
    body = _drop_none(
        {
            "DisplayName": customer.display_name.strip()[:500],
            "CompanyName": customer.company_name,
            "GivenName": customer.given_name,
            "FamilyName": customer.family_name,
            "PrimaryEmailAddr": {"Address": customer.email} if customer.email else None,
            "PrimaryPhone": {"FreeFormNumber": customer.phone} if customer.phone else None,
            "Mobile": {"FreeFormNumber": customer.mobile} if customer.mobile else None,
            "WebAddr": {"URI": customer.website} if customer.website else None,
            "BillAddr": customer.billing_address.to_json() if customer.billing_address else None,
            "ShipAddr": customer.shipping_address.to_json() if customer.shipping_address else None,
            "Active": customer.active,
        }
    )
    if object_id is None and customer.currency_code:
        body["CurrencyRef"] = {"value": customer.currency_code}
    return with_identity(body, object_id, sync_token)


@dataclass
class ItemData:
    name: str
    income_account: Ref
    item_type: str = "Service"
    description: str | None = None
    unit_price: Decimal | None = None
    active: bool = True
    sku: str | None = None
    purchase_cost: Decimal | None = None
    expense_account: Ref | None = None
    #: The Category it is filed under (None: top level).
    parent: Ref | None = None


def build_item(item: ItemData, *, object_id: str | None = None, sync_token: str | None = None) -> dict[str, Any]:
    """A Service or NonInventory Item: a sales line's income account is the one of the Item it references.
    Never a quantity on hand nor an inventory start date (those are Inventory Items', which Odoo does not
    send)."""
    body = _drop_none(
        {
            "Name": item.name.strip()[:100],
            "Type": item.item_type,
            "Sku": item.sku[:100] if item.sku else None,
            "IncomeAccountRef": item.income_account.to_json(),
            "ExpenseAccountRef": item.expense_account.to_json() if item.expense_account else None,
            "Description": item.description[:4000] if item.description else None,
            "UnitPrice": _number(item.unit_price) if item.unit_price is not None else None,
            "PurchaseCost": _number(item.purchase_cost) if item.purchase_cost is not None else None,
            "Active": item.active,
            "SubItem": True if item.parent else None,
            "ParentRef": item.parent.to_json() if item.parent else None,
        }
    )
    return with_identity(body, object_id, sync_token)


def build_category(name: str, parent: Ref | None = None) -> dict[str, Any]:
    """An Item Category (``Type`` Category, minor version 4 and later): it files Items, posts nothing."""
    body: dict[str, Any] = {"Name": name.strip()[:100], "Type": "Category"}
    if parent:
        body.update(SubItem=True, ParentRef=parent.to_json())
    return body


# --------------------------------------------------------------------------- sales documents
@dataclass
class SalesLine:
    """An invoice or credit memo line.

    ``kind`` is ``sales`` (an Item line) or ``description`` (text only: Odoo section and note
    lines).  ``amount`` is the line's net amount as the source system computed it; the unit price
    sent is the net unit price so QBO's ``UnitPrice * Qty == Amount`` check holds after discounts.
    """

    kind: str = "sales"
    description: str | None = None
    item: Ref | None = None
    quantity: Decimal = Decimal(1)
    unit_price: Decimal = Decimal(0)
    discount_percent: Decimal = Decimal(0)
    amount: Decimal | None = None
    tax_code: Ref | None = None
    service_date: date | None = None
    #: The line's gross amount (``SalesItemLineDetail.TaxInclusiveAmt``) on a ``TaxInclusive``
    #: document: QBO's ``Line.Amount`` stays net on every document.
    tax_inclusive_amount: Decimal | None = None
    #: The line's QuickBooks class (``SalesItemLineDetail.ClassRef``), when the company tracks one per line.
    class_ref: Ref | None = None

    def net_amount(self) -> Decimal:
        if self.amount is not None:
            return cents(self.amount)
        gross = Decimal(self.quantity) * Decimal(self.unit_price)
        return cents(gross * (1 - Decimal(self.discount_percent) / 100))


def _quantity_and_price(line: SalesLine, amount: Decimal) -> tuple[Decimal, Decimal] | None:
    """Qty and UnitPrice as QBO keeps them (7 decimals), or None when they cannot reproduce ``amount``.

    QBO refuses a line whose ``Qty * UnitPrice`` is not its ``Amount`` (6070); a net unit price
    rounded to 7 decimals times a large quantity can miss by a cent, and then only the amount is sent.
    """
    quantity = Decimal(line.quantity).quantize(UNIT_PRICE_STEP, rounding=ROUND_HALF_UP)
    if quantity:
        unit_price = (amount / quantity).quantize(UNIT_PRICE_STEP, rounding=ROUND_HALF_UP)
    else:
        unit_price = Decimal(line.unit_price).quantize(UNIT_PRICE_STEP, rounding=ROUND_HALF_UP)
    if not quantity or cents(quantity * unit_price) != amount:
        return None
    return quantity, unit_price


def _line_json(line: SalesLine, number: int) -> dict[str, Any]:
    if line.kind == "description":
        return {
            "LineNum": number,
            "DetailType": "DescriptionOnly",
            "Description": line.description or "",
            "DescriptionLineDetail": {},
        }
    if line.kind != "sales":
        raise ValueError(f"unknown line kind {line.kind!r}")
    if line.item is None:
        raise ValueError(f"line {number} has no QBO Item (map its account first)")
    amount = line.net_amount()
    priced = _quantity_and_price(line, amount)
    detail = _drop_none(
        {
            "ItemRef": line.item.to_json(),
            "Qty": _number(priced[0]) if priced else None,
            "UnitPrice": _number(priced[1]) if priced else None,
            "TaxCodeRef": line.tax_code.to_json() if line.tax_code else None,
            "TaxInclusiveAmt": _money_json(line.tax_inclusive_amount)
            if line.tax_inclusive_amount is not None
            else None,
            "ServiceDate": line.service_date.isoformat() if line.service_date else None,
            "ClassRef": line.class_ref.to_json() if line.class_ref else None,
        }
    )
    return _drop_none(
        {
            "LineNum": number,
            "DetailType": "SalesItemLineDetail",
            "Amount": _money_json(amount),
            "Description": line.description,
            "SalesItemLineDetail": detail,
        }
    )


@dataclass(frozen=True)
class TaxLineData:
    """The tax of one QBO tax rate on a document, as the source system computed it."""

    rate: Ref
    percent: Decimal
    amount: Decimal
    taxable_amount: Decimal

    def to_json(self) -> dict[str, Any]:
        return {
            "Amount": _money_json(self.amount),
            "DetailType": "TaxLineDetail",
            "TaxLineDetail": {
                "TaxRateRef": self.rate.to_json(),
                "PercentBased": True,
                "TaxPercent": _number(Decimal(self.percent)),
                "NetAmountTaxable": _money_json(self.taxable_amount),
            },
        }


@dataclass
class SalesDocumentData:
    """What an invoice and a credit memo share."""

    customer: Ref
    lines: list[SalesLine]
    doc_number: str | None = None
    txn_date: date | None = None
    currency_code: str | None = None
    exchange_rate: Decimal | None = None
    global_tax_calculation: str | None = None
    txn_tax_code: Ref | None = None  # US: the tax code for the whole document
    #: The tax as the source system computed it, sent as QBO's tax override (``TxnTaxDetail``):
    #: per rate outside the US, the total (``total_tax``) for US companies.
    tax_lines: list[TaxLineData] = field(default_factory=list)
    total_tax: Decimal | None = None
    private_note: str | None = None
    customer_memo: str | None = None
    bill_email: str | None = None
    billing_address: Address | None = None
    #: US automated sales tax takes the rate from this address (else the customer's, else the company's).
    shipping_address: Address | None = None
    #: The document's QuickBooks location (``DepartmentRef``) and, when the company tracks one class per
    #: transaction, its class (``ClassRef``).
    department: Ref | None = None
    class_ref: Ref | None = None


@dataclass
class InvoiceData(SalesDocumentData):
    due_date: date | None = None
    sales_term: Ref | None = None
    #: Ids of the QBO Estimates this invoice is made from: linking them closes them in QuickBooks.
    estimate_ids: tuple[str, ...] = ()


#: An estimate's statuses in QuickBooks (``TxnStatus``).
ESTIMATE_STATUSES = ("Pending", "Accepted", "Closed", "Rejected")


@dataclass
class EstimateData(SalesDocumentData):
    """A quotation: lines and taxes as an invoice's, with how long it is valid and whether it was accepted."""

    expiration_date: date | None = None
    status: str = "Pending"
    accepted_date: date | None = None
    accepted_by: str | None = None


def _sales_document(doc: SalesDocumentData) -> dict[str, Any]:
    if not doc.lines:
        raise ValueError("a sales document needs at least one line")
    if doc.global_tax_calculation not in (None, *GLOBAL_TAX_CALCULATIONS):
        raise ValueError(f"unknown GlobalTaxCalculation {doc.global_tax_calculation!r}")
    body = _drop_none(
        {
            "CustomerRef": doc.customer.to_json(),
            "Line": [_line_json(line, number) for number, line in enumerate(doc.lines, start=1)],
            "DocNumber": doc.doc_number[:21] if doc.doc_number else None,
            "TxnDate": doc.txn_date.isoformat() if doc.txn_date else None,
            "CurrencyRef": {"value": doc.currency_code} if doc.currency_code else None,
            "ExchangeRate": _number(Decimal(doc.exchange_rate)) if doc.exchange_rate is not None else None,
            "GlobalTaxCalculation": doc.global_tax_calculation,
            "TxnTaxDetail": _txn_tax_detail(doc),
            "PrivateNote": doc.private_note[:4000] if doc.private_note else None,
            "CustomerMemo": {"value": doc.customer_memo[:1000]} if doc.customer_memo else None,
            "BillEmail": {"Address": doc.bill_email} if doc.bill_email else None,
            "BillAddr": doc.billing_address.to_json() if doc.billing_address else None,
            "ShipAddr": doc.shipping_address.to_json() if doc.shipping_address else None,
            "DepartmentRef": doc.department.to_json() if doc.department else None,
            "ClassRef": doc.class_ref.to_json() if doc.class_ref else None,
        }
    )
    return body


def _txn_tax_detail(doc: SalesDocumentData) -> dict[str, Any] | None:
    """The tax override: QBO keeps supplied tax amounts instead of computing its own."""
    detail: dict[str, Any] = {}
    if doc.txn_tax_code:
        detail["TxnTaxCodeRef"] = doc.txn_tax_code.to_json()
    if doc.tax_lines:
        detail["TaxLine"] = [tax_line.to_json() for tax_line in doc.tax_lines]
    if doc.total_tax is not None or doc.tax_lines:
        total = (
            doc.total_tax
            if doc.total_tax is not None
            else sum((cents(tax_line.amount) for tax_line in doc.tax_lines), Decimal(0))
        )
        detail["TotalTax"] = _money_json(total)
    return detail or None


def build_invoice(
    invoice: InvoiceData, *, object_id: str | None = None, sync_token: str | None = None
) -> dict[str, Any]:
    body = _sales_document(invoice)
    if invoice.due_date:
        body["DueDate"] = invoice.due_date.isoformat()
    if invoice.sales_term:
        body["SalesTermRef"] = invoice.sales_term.to_json()
    if invoice.estimate_ids:
        body["LinkedTxn"] = [{"TxnId": str(estimate_id), "TxnType": "Estimate"} for estimate_id in invoice.estimate_ids]
    return with_identity(body, object_id, sync_token)


def build_estimate(
    estimate: EstimateData, *, object_id: str | None = None, sync_token: str | None = None
) -> dict[str, Any]:
    """Estimate JSON: a sales document that posts nothing, with its status (``TxnStatus``)."""
    if estimate.status not in ESTIMATE_STATUSES:
        raise ValueError(f"unknown estimate status {estimate.status!r}")
    body = _sales_document(estimate)
    body["TxnStatus"] = estimate.status
    if estimate.expiration_date:
        body["ExpirationDate"] = estimate.expiration_date.isoformat()
    if estimate.accepted_date:
        body["AcceptedDate"] = estimate.accepted_date.isoformat()
    if estimate.accepted_by:
        body["AcceptedBy"] = estimate.accepted_by[:100]
    return with_identity(body, object_id, sync_token)


def build_credit_memo(
    credit_memo: SalesDocumentData, *, object_id: str | None = None, sync_token: str | None = None
) -> dict[str, Any]:
    return with_identity(_sales_document(credit_memo), object_id, sync_token)


def expected_subtotal(lines: Iterable[SalesLine]) -> Decimal:
    """Sum of the sales lines as QBO will compute it (for the totals check after a push)."""
    return sum((line.net_amount() for line in lines if line.kind == "sales"), Decimal(0))


# --------------------------------------------------------------------------- payments
@dataclass(frozen=True)
class PaymentApplication:
    """Part of a payment applied to one transaction (an invoice, or a credit memo used).  A journal entry
    is a credit or a charge by its lines (``credit``); the credit kinds of documents always are."""

    txn_id: str
    amount: Decimal
    txn_type: str = "Invoice"
    credit: bool = False

    @property
    def is_credit(self) -> bool:
        return self.credit or self.txn_type in ("CreditMemo", "VendorCredit")


@dataclass
class PaymentData:
    customer: Ref
    total_amount: Decimal
    applications: list[PaymentApplication] = field(default_factory=list)
    txn_date: date | None = None
    deposit_account: Ref | None = None
    currency_code: str | None = None
    exchange_rate: Decimal | None = None
    reference: str | None = None
    private_note: str | None = None


def build_payment(
    payment: PaymentData, *, object_id: str | None = None, sync_token: str | None = None
) -> dict[str, Any]:
    """Payment JSON; what is not applied stays as the payment's unapplied amount in QBO.

    Credit memos applied count against the invoices they pay: the cash applied is the invoices'
    amounts minus the credit memos' (0 for a credit memo applied to an invoice).
    """
    applied = sum((cents(app.amount) * (-1 if app.is_credit else 1) for app in payment.applications), Decimal(0))
    if applied > cents(payment.total_amount):
        raise ValueError(f"payment applies {applied} but only {cents(payment.total_amount)} was received")
    body = _drop_none(
        {
            "CustomerRef": payment.customer.to_json(),
            "TotalAmt": _money_json(payment.total_amount),
            "TxnDate": payment.txn_date.isoformat() if payment.txn_date else None,
            "DepositToAccountRef": payment.deposit_account.to_json() if payment.deposit_account else None,
            "CurrencyRef": {"value": payment.currency_code} if payment.currency_code else None,
            "ExchangeRate": _number(Decimal(payment.exchange_rate)) if payment.exchange_rate is not None else None,
            "PaymentRefNum": payment.reference[:21] if payment.reference else None,
            "PrivateNote": payment.private_note[:4000] if payment.private_note else None,
            "Line": [
                {"Amount": _money_json(app.amount), "LinkedTxn": [{"TxnId": str(app.txn_id), "TxnType": app.txn_type}]}
                for app in payment.applications
            ],
        }
    )
    return with_identity(body, object_id, sync_token)


# --------------------------------------------------------------------------- currencies
def exchange_rate(foreign_total: Decimal, home_total: Decimal, *, fallback: Decimal | None = None) -> Decimal | None:
    """QBO's ``ExchangeRate`` (home units per foreign unit) that turns ``foreign_total`` into ``home_total``.

    QBO derives the home-currency total from the document total and the rate, so the rate must
    reproduce the source system's home total to the cent: the shortest one (6 to 12 decimals) that
    does.  A zero total carries no information: ``fallback`` is used then.
    """
    foreign_total, home_total = cents(foreign_total), cents(home_total)
    if not foreign_total:
        return fallback
    exact = abs(home_total / foreign_total)
    for places in range(6, 13):
        rate = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if cents(abs(foreign_total) * rate) == abs(home_total):
            return rate.normalize()
    return exact.quantize(Decimal("1e-12"), rounding=ROUND_HALF_UP).normalize()
