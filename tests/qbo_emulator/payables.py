"""Purchases: Bills and VendorCredits (lines, purchase tax, totals) and the A/P account checks.

Every rule and its source is in the package README ("Payables").  In short:

* Lines are ``AccountBasedExpenseLineDetail`` (``AccountRef`` required) or
  ``ItemBasedExpenseLineDetail`` (``ItemRef`` required); ``Line.Amount`` is required and net of tax;
  ``BillableStatus`` defaults to ``NotBillable``, a US line's ``TaxCodeRef`` to ``NON``.
* ``APAccountRef`` must be an Accounts Payable account; without one the company's A/P account.
* ``DocNumber`` is the vendor's reference: optional, never assigned.  With the company setting
  ``warn_duplicate_bill_number`` a bill number already used for the same vendor is refused (6140)
  unless ``include=allowduplicatedocnum``.
* A Bill's ``DueDate`` defaults from ``SalesTermRef``; a VendorCredit has no due date.
* Tax: US companies keep no tax on purchases (``TxnTaxDetail`` is not kept).  Elsewhere each line's
  tax code brings the rates of its ``PurchaseTaxRateList`` and :func:`.tax.apply_tax` computes or
  keeps the ``TxnTaxDetail`` exactly as for sales documents (overrides included).
* ``TotalAmt`` = net lines + tax; ``Balance`` (and a Bill's ``HomeBalance``) come from the bill
  payments (:func:`.payments.settle`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import faults
from .entities import cents, check_ref, money, num, ref_value
from .tax import OVERRIDE_FLAG, apply_tax, carried_detail
from .transactions import DOC_NUMBER_MAX, TAX_WORD, apply_currency, default_txn_date, due_date, seven_places

if TYPE_CHECKING:
    from .company import Company

PURCHASES = ("Bill", "VendorCredit")
DETAILS = ("AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail")
BILLABLE_STATUSES = ("Billable", "NotBillable", "HasBeenBilled")
GLOBAL_TAX_CALCULATIONS = ("TaxExcluded", "TaxInclusive", "NotApplicable")


def prepare_purchase(
    company: Company, entity: str, data: dict[str, Any], existing: dict[str, Any] | None
) -> dict[str, Any]:
    """Validate a Bill or VendorCredit and compute its tax and totals."""
    vendor = check_ref(company, "Vendor", data.get("VendorRef"), "VendorRef", required=True)
    assert vendor is not None
    data["VendorRef"] = {"value": vendor["Id"], "name": vendor.get("DisplayName")}
    lines_in = (
        [
            line
            for line in data.get("Line") or []
            if isinstance(line, dict) and line.get("DetailType") != "SubTotalLineDetail"
        ]
        if isinstance(data.get("Line"), list)
        else []
    )
    if not lines_in:
        raise faults.required_missing("Line")
    data["TxnDate"] = default_txn_date(company, data)
    if entity == "Bill":
        _check_date(data, "DueDate")
        due_date(company, data)
        term = check_ref(company, "Term", data.get("SalesTermRef"), "SalesTermRef")
        if term is not None:
            data["SalesTermRef"] = {"value": term["Id"], "name": term.get("Name")}
    apply_currency(company, data, vendor)
    _doc_number(company, entity, data, existing, vendor)
    data["APAccountRef"] = ap_account(company, data.get("APAccountRef"))
    mode = data.get("GlobalTaxCalculation") or "TaxExcluded"
    if mode not in GLOBAL_TAX_CALCULATIONS:
        raise faults.invalid_property(f"GlobalTaxCalculation {mode!r} is not valid", "GlobalTaxCalculation")
    lines_out: list[dict[str, Any]] = []
    subtotal = Decimal(0)
    by_code: dict[str, Decimal] = {}
    for number, line in enumerate(lines_in, start=1):
        out = dict(line)
        amount, code = _expense_line(company, out, mode)
        out["Id"] = str(number)
        out["LineNum"] = number
        subtotal += amount
        if code is not None:
            by_code[code] = by_code.get(code, Decimal(0)) + amount
        lines_out.append(out)
    data["Line"] = lines_out
    if company.is_us:
        # QBO's US editions keep no tax on purchases: a tax code on an expense line says nothing more.
        data.pop("TxnTaxDetail", None)
        data[OVERRIDE_FLAG] = False
        total_tax = Decimal(0)
    else:
        data["GlobalTaxCalculation"] = mode
        total_tax = apply_tax(company, data, by_code, mode, vendor, rate_list="PurchaseTaxRateList")
    total = cents(subtotal + total_tax)
    if total < 0:
        raise faults.business(
            f"The total of a {'bill' if entity == 'Bill' else 'vendor credit'} can't be negative.", "TotalAmt"
        )
    data["TotalAmt"] = num(total)
    if entity == "Bill":
        data["HomeTotalAmt"] = num(cents(total * Decimal(str(data["ExchangeRate"]))))
    return data


def sparse_start(
    entity: str, existing: dict[str, Any], incoming: dict[str, Any], *, api: bool = True
) -> dict[str, Any] | None:
    """What a sparse update starts from for ``TxnTaxDetail`` (as sales documents), after the checks.

    A sparse API update that replaces a VendorCredit's lines is refused (2020): intuit/quickbooks-online-
    mcp-server pull request #101 reports QBO rejecting "sparse line replacement" of vendor credits with
    error 2020.  Changes "made in QBO's UI" (control API, ``api=False``) are not checked.
    """
    if api and entity == "VendorCredit" and "Line" in incoming:
        raise faults.QBOFault(
            "2020",
            "Required param missing, need to supply the required value for the API",
            "Required parameter Line: the lines of a VendorCredit can only be replaced by a "
            "full update (sparse=false) that sends every writable field.",
            element="Line",
        )
    return carried_detail(existing)


def ap_account(company: Company, ref: Any, element: str = "APAccountRef") -> dict[str, Any]:
    """The A/P account of a purchase or bill payment: the one sent (an Accounts Payable account), else the
    company's."""
    account = check_ref(company, "Account", ref, element)
    if account is None:
        account = company.store.get("Account", company.account_id_by_type("Accounts Payable"))
        assert account is not None
    elif account.get("AccountType") != "Accounts Payable":
        raise faults.business(
            f"{element} must be an Accounts Payable account; {account.get('Name')} is a "
            f"{account.get('AccountType')} account.",
            element,
        )
    return {"value": account["Id"], "name": account.get("Name")}


# ----------------------------------------------------------------------------- helpers
def _check_date(data: dict[str, Any], field: str) -> None:
    if field not in data:
        return
    try:
        data[field] = date.fromisoformat(str(data[field])[:10]).isoformat()
    except ValueError:
        raise faults.invalid_property(f"{field} {data[field]!r} is not a date (yyyy-mm-dd)", field) from None


def _doc_number(
    company: Company, entity: str, data: dict[str, Any], existing: dict[str, Any] | None, vendor: dict[str, Any]
) -> None:
    """The vendor's reference: optional, never assigned; bill numbers unique per vendor when the company
    warns about duplicate bill numbers."""
    doc = data.get("DocNumber")
    if doc in (None, ""):
        data.pop("DocNumber", None)
        return
    doc = str(doc)
    if len(doc) > DOC_NUMBER_MAX:
        raise faults.string_too_long("DocNumber", DOC_NUMBER_MAX, len(doc))
    data["DocNumber"] = doc
    checked = entity == "Bill" and company.setting("warn_duplicate_bill_number")
    changed = (
        existing is None or existing.get("DocNumber") != doc or ref_value(existing.get("VendorRef")) != vendor["Id"]
    )
    if checked and changed and not data.get("_allow_duplicate_docnum"):
        for other_id in company.store.linked_to("Bill", ("DocNumber", doc)):
            other = company.store.get("Bill", other_id)
            if ref_value(other.get("VendorRef")) == vendor["Id"] and (
                existing is None or other["Id"] != existing["Id"]
            ):
                raise faults.duplicate_doc_number(doc, "Bill", other["Id"])


def _expense_line(company: Company, out: dict[str, Any], mode: str) -> tuple[Decimal, str | None]:
    """Check one expense line in place; its net amount and its tax code Id (None: untaxed)."""
    kind = out.get("DetailType")
    if kind not in DETAILS:
        raise faults.invalid_property(
            f"Line DetailType {kind!r} is not supported on a purchase; use {' or '.join(DETAILS)}", "Line.DetailType"
        )
    detail = dict(out.get(kind) or {})
    out[kind] = detail
    element = f"Line.{kind}"
    if kind == "AccountBasedExpenseLineDetail":
        account = check_ref(company, "Account", detail.get("AccountRef"), f"{element}.AccountRef", required=True)
        assert account is not None
        detail["AccountRef"] = {"value": account["Id"], "name": account.get("FullyQualifiedName") or account["Name"]}
    else:
        item = check_ref(company, "Item", detail.get("ItemRef"), f"{element}.ItemRef", required=True)
        assert item is not None
        detail["ItemRef"] = {"value": item["Id"], "name": item.get("Name")}
        seven_places(detail, "Qty")
        seven_places(detail, "UnitPrice")
    customer = check_ref(company, "Customer", detail.get("CustomerRef"), f"{element}.CustomerRef")
    if customer is not None:
        detail["CustomerRef"] = {"value": customer["Id"], "name": customer.get("DisplayName")}
    status = detail.get("BillableStatus") or "NotBillable"
    if status not in BILLABLE_STATUSES:
        raise faults.invalid_enumeration(f"{element}.BillableStatus", str(status), ", ".join(BILLABLE_STATUSES))
    detail["BillableStatus"] = status
    money(detail.get("TaxInclusiveAmt"), f"{element}.TaxInclusiveAmt")  # a number; kept as sent, never used
    amount = money(out.get("Amount"), "Line.Amount")
    if amount is None:
        raise faults.required_missing("Line.Amount")
    amount = cents(amount)
    out["Amount"] = num(amount)
    return amount, _line_tax_code(company, detail, element, mode)


def _line_tax_code(company: Company, detail: dict[str, Any], element: str, mode: str) -> str | None:
    code_id = ref_value(detail.get("TaxCodeRef"))
    if company.is_us:
        code_id = code_id or "NON"
        check_ref(company, "TaxCode", {"value": code_id}, f"{element}.TaxCodeRef")
        detail["TaxCodeRef"] = {"value": code_id}
        return None
    if code_id is None:
        if mode == "NotApplicable":
            return None
        word = TAX_WORD.get(company.country, "sales tax")
        raise faults.business(
            f"Make sure all your transactions have a {word} rate before you save.", f"{element}.TaxCodeRef"
        )
    code = check_ref(company, "TaxCode", {"value": code_id}, f"{element}.TaxCodeRef")
    assert code is not None
    sales = (code.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
    purchases = (code.get("PurchaseTaxRateList") or {}).get("TaxRateDetail") or []
    if code.get("Taxable") and sales and not purchases:
        raise faults.business(
            f"The tax code {code.get('Name')} has no purchase tax rate: it can't be used on a purchase.",
            f"{element}.TaxCodeRef",
        )
    detail["TaxCodeRef"] = {"value": code_id}
    return code_id
