"""Sales transactions (Invoice, CreditMemo, Estimate, SalesReceipt): lines and totals.

Totals are computed server side with Decimal and served as JSON numbers; the tax comes from
:mod:`.tax`.  Every rule and its source is in the package README ("Taxes").

* ``Line.Amount`` is the net amount of a sales line on every document, whatever
  ``GlobalTaxCalculation`` says; ``TotalAmt`` = net subtotal - discounts + total tax in every mode.
  ``SalesItemLineDetail.TaxInclusiveAmt`` is stored and served as sent.
* ``Qty`` and ``UnitPrice`` are kept to 7 decimal places (half up); line amounts, tax and totals to
  cents.  "Amount is not equal to UnitPrice * Qty" (6070) compares with the values as kept.
* Discounts reduce the taxable amounts proportionally when ``ApplyTaxAfterDiscount`` is true or the
  company is not a US one.
* A sales document without a ``ShipAddr`` takes its customer's (QBO's default ship-to address).
* Negative lines are accepted; an Invoice whose total is negative is refused.

Bills and vendor credits are in :mod:`.payables`; they share the date, currency and 7-place helpers.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from . import faults
from .entities import cents, check_ref, currency_ref, money, num, ref_value
from .estimates import check_invoice_links, prepare_estimate
from .tax import apply_tax

if TYPE_CHECKING:
    from .company import Company

SALES = ("Invoice", "CreditMemo", "Estimate", "SalesReceipt")
DOC_NUMBER_MAX = 21
SEVEN_PLACES = Decimal("0.0000001")
TAX_WORD = {"GB": "VAT", "IE": "VAT", "FR": "VAT", "DE": "VAT", "CA": "GST/HST", "AU": "GST", "NZ": "GST", "IN": "GST"}


def prepare_transaction(
    company: Company, entity: str, data: dict[str, Any], existing: dict[str, Any] | None
) -> dict[str, Any]:
    """Validate an Invoice/CreditMemo/Estimate/SalesReceipt and compute its totals."""
    party = check_ref(company, "Customer", data.get("CustomerRef"), "CustomerRef", required=True)
    assert party is not None
    if not isinstance(data.get("Line"), list) or not [
        line for line in data["Line"] if isinstance(line, dict) and line.get("DetailType") != "SubTotalLineDetail"
    ]:
        raise faults.required_missing("Line")
    _dates(company, entity, data)
    apply_currency(company, data, party)
    _doc_number(company, entity, data, existing)
    _sales_totals(company, data, party)
    if entity == "Invoice" and Decimal(str(data["TotalAmt"])) < 0:
        # QBO takes negative lines on an invoice but not a negative total: that is a credit memo.
        raise faults.business("The total of an invoice can't be negative. Record a credit memo instead.", "TotalAmt")
    rate = Decimal(str(data["ExchangeRate"]))
    data["HomeTotalAmt"] = num(cents(Decimal(str(data["TotalAmt"])) * rate))
    if entity == "Estimate":
        prepare_estimate(company, data, existing)
    if entity == "Invoice":
        check_invoice_links(company, data, party["Id"])
    if entity == "SalesReceipt":
        data["Balance"] = 0
        deposit = check_ref(company, "Account", data.get("DepositToAccountRef"), "DepositToAccountRef")
        data["DepositToAccountRef"] = {"value": deposit["Id"] if deposit else company.undeposited_funds_id}
    return data


def default_txn_date(company: Company, data: dict[str, Any]) -> str:
    """``TxnDate`` as sent (validated) or today in the company's time zone."""
    try:
        return date.fromisoformat(str(data.get("TxnDate") or company.today().isoformat())[:10]).isoformat()
    except ValueError:
        raise faults.invalid_property(
            f"TxnDate {data.get('TxnDate')!r} is not a date (yyyy-mm-dd)", "TxnDate"
        ) from None


def _dates(company: Company, entity: str, data: dict[str, Any]) -> None:
    data["TxnDate"] = default_txn_date(company, data)
    if entity == "Invoice":
        due_date(company, data)


def due_date(company: Company, data: dict[str, Any]) -> None:
    """``DueDate`` as sent, else ``TxnDate`` plus the days of ``SalesTermRef`` (Intuit's Invoice and Bill
    references: "If date is not provided, the number of days specified in SalesTermRef added the
    transaction date will be used")."""
    if "DueDate" in data:
        return
    term = check_ref(company, "Term", data.get("SalesTermRef"), "SalesTermRef")
    days = int(term.get("DueDays") or 0) if term else 0
    data["DueDate"] = (date.fromisoformat(data["TxnDate"]) + timedelta(days=days)).isoformat()


def apply_currency(company: Company, data: dict[str, Any], party: dict[str, Any]) -> None:
    """The transaction's currency is its customer's (vendor's); foreign ones need a rate."""
    party_currency = (party.get("CurrencyRef") or {}).get("value", company.home_currency)
    currency = currency_ref(company, data.get("CurrencyRef") or {"value": party_currency})
    if currency["value"] != party_currency:
        raise faults.business(
            f"The currency of the transaction ({currency['value']}) must be the currency of "
            f"{party.get('DisplayName')} ({party_currency}).",
            "CurrencyRef",
        )
    apply_exchange_rate(company, data, currency)


def apply_exchange_rate(company: Company, data: dict[str, Any], currency: dict[str, Any]) -> None:
    """Set the checked currency; home currency means rate 1, a foreign one needs a positive rate."""
    data["CurrencyRef"] = currency
    if currency["value"] == company.home_currency:
        data["ExchangeRate"] = 1
        return
    rate = money(data.get("ExchangeRate"), "ExchangeRate")
    if rate is None:
        raise faults.required_missing("ExchangeRate")
    if rate <= 0:
        raise faults.invalid_property("ExchangeRate must be greater than zero", "ExchangeRate")
    data["ExchangeRate"] = float(rate)


def doc_number_key(obj: dict[str, Any]) -> list[tuple[str, str]]:
    """The store's reverse-link key of a document's number (numbers are looked up without reading them all)."""
    return [("DocNumber", str(obj.get("DocNumber") or ""))]


def _doc_number(company: Company, entity: str, data: dict[str, Any], existing: dict[str, Any] | None) -> None:
    doc = data.get("DocNumber")
    if doc in (None, ""):
        data["DocNumber"] = (existing or {}).get("DocNumber") or company.next_doc_number(entity)
        return
    doc = str(doc)
    if len(doc) > DOC_NUMBER_MAX:
        raise faults.string_too_long("DocNumber", DOC_NUMBER_MAX, len(doc))
    data["DocNumber"] = doc
    checked = entity in ("Invoice", "CreditMemo") and company.setting("warn_duplicate_docnum")
    changed = existing is None or existing.get("DocNumber") != doc
    if checked and changed and not data.get("_allow_duplicate_docnum"):
        for other_id in company.store.linked_to(entity, doc_number_key({"DocNumber": doc})[0]):
            if existing is None or other_id != existing["Id"]:
                raise faults.duplicate_doc_number(doc, entity, other_id)


# ----------------------------------------------------------------------------- sales lines
def _sales_totals(company: Company, data: dict[str, Any], party: dict[str, Any]) -> None:
    lines_in = [
        line for line in data["Line"] if isinstance(line, dict) and line.get("DetailType") != "SubTotalLineDetail"
    ]
    mode = data.get("GlobalTaxCalculation") or "TaxExcluded"
    if mode not in ("TaxExcluded", "TaxInclusive", "NotApplicable"):
        raise faults.invalid_property(f"GlobalTaxCalculation {mode!r} is not valid", "GlobalTaxCalculation")
    if not company.is_us:
        data["GlobalTaxCalculation"] = mode
    if not data.get("ShipAddr") and isinstance(party.get("ShipAddr"), dict):
        data["ShipAddr"] = copy.deepcopy(party["ShipAddr"])  # the customer's default ship-to address
    lines_out: list[dict[str, Any]] = []
    subtotal = Decimal(0)
    by_code: dict[str, Decimal] = {}
    discount_lines: list[dict[str, Any]] = []
    for line in lines_in:
        kind = line.get("DetailType")
        out = dict(line)
        if kind == "SalesItemLineDetail":
            amount, code = _sales_line(company, out, mode)
            subtotal += amount
            if code is not None:
                by_code[code] = by_code.get(code, Decimal(0)) + amount
        elif kind == "DiscountLineDetail":
            discount_lines.append(out)
        elif kind in ("DescriptionOnly", "DescriptionLineDetail"):
            out["DetailType"] = "DescriptionOnly"
            out["Amount"] = num(money(out.get("Amount"), "Line.Amount") or Decimal(0))
            out.setdefault("DescriptionLineDetail", {})
        else:
            raise faults.invalid_property(f"Line DetailType {kind!r} is not supported", "Line.DetailType")
        lines_out.append(out)
    discount = Decimal(0)
    for out in discount_lines:
        detail = out.setdefault("DiscountLineDetail", {})
        check_ref(company, "Account", detail.get("DiscountAccountRef"), "Line.DiscountLineDetail.DiscountAccountRef")
        if detail.get("PercentBased"):
            percent = money(detail.get("DiscountPercent"), "DiscountPercent") or Decimal(0)
            amount = cents(subtotal * percent / 100)
        else:
            amount = cents(money(out.get("Amount"), "Line.Amount") or Decimal(0))
        out["Amount"] = num(amount)
        discount += amount
    if discount > 0 and discount > subtotal:
        raise faults.business("The discount amount can't be greater than the subtotal.", "Line")
    if discount and subtotal and (data.get("ApplyTaxAfterDiscount") or not company.is_us):
        factor = (subtotal - discount) / subtotal
        by_code = {code: amount * factor for code, amount in by_code.items()}
    total_tax = apply_tax(company, data, by_code, mode, party)
    for number, out in enumerate(lines_out, start=1):
        out["Id"] = str(number)
        out["LineNum"] = number
    lines_out.append({"Amount": num(cents(subtotal)), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
    data["Line"] = lines_out
    # Line amounts are net in every GlobalTaxCalculation mode: the tax always comes on top.
    data["TotalAmt"] = num(cents(subtotal - discount + total_tax))


def _sales_line(company: Company, out: dict[str, Any], mode: str) -> tuple[Decimal, str | None]:
    detail = dict(out.get("SalesItemLineDetail") or {})
    out["SalesItemLineDetail"] = detail
    if ref_value(detail.get("ItemRef")) is None:
        detail["ItemRef"] = {"value": company.default_item_id}  # QBO falls back to its "Services" item
    item = check_ref(company, "Item", detail["ItemRef"], "Line.SalesItemLineDetail.ItemRef")
    assert item is not None
    check_ref(company, "Account", item.get("IncomeAccountRef"), "Line.SalesItemLineDetail.ItemRef")
    detail["ItemRef"] = {"value": item["Id"], "name": item.get("Name")}
    if detail.get("ServiceDate") == "":
        detail.pop("ServiceDate")
    qty = seven_places(detail, "Qty")
    price = seven_places(detail, "UnitPrice")
    money(detail.get("TaxInclusiveAmt"), "Line.SalesItemLineDetail.TaxInclusiveAmt")  # a number; kept as sent
    amount = money(out.get("Amount"), "Line.Amount")
    # python-quickbooks sends Qty 0 / UnitPrice 0 for "not set": QBO only checks real values.
    priced = qty is not None and price is not None and not (qty == 0 and price == 0)
    if amount is None:
        if not priced:
            raise faults.required_missing("Line.Amount")
        amount = cents(qty * price)  # type: ignore[operator]
    elif priced and cents(qty * price) != cents(amount):  # type: ignore[operator]
        raise faults.amount_mismatch(out.get("Amount"))
    amount = cents(amount)
    out["Amount"] = num(amount)
    code = ref_value(detail.get("TaxCodeRef"))
    if code is None and mode != "NotApplicable":
        if not company.is_us:
            word = TAX_WORD.get(company.country, "sales tax")
            raise faults.business(f"Make sure all your transactions have a {word} rate before you save.", "TaxCodeRef")
        code = "NON"
    if code is not None:
        check_ref(company, "TaxCode", {"value": code}, "Line.SalesItemLineDetail.TaxCodeRef")
        detail["TaxCodeRef"] = {"value": code}
    return amount, code


def seven_places(detail: dict[str, Any], field: str) -> Decimal | None:
    """``Qty`` and ``UnitPrice`` are kept to 7 decimal places (half up), and served as kept."""
    value = money(detail.get(field), field)
    if value is None:
        return None
    value = value.quantize(SEVEN_PLACES, rounding=ROUND_HALF_UP)
    detail[field] = float(value)
    return value
