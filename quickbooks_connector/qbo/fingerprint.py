"""A comparable summary of the QBO fields Odoo owns, taken from QBO's own answers.

Which fingerprint an entity has is the connector's entity table's business (``adapters/entities.py``).
After each push the connector keeps the fingerprint of the object QBO returned; a later version of
the object with the same fingerprint is our own write (or a change to fields Odoo does not own,
like an invoice balance moved by a payment), a different one is drift made in QuickBooks.
"""

from decimal import ROUND_HALF_EVEN

from .money import cents


def _money(value):
    return str(cents(value, rounding=ROUND_HALF_EVEN))


def _ref(value):
    return (value or {}).get("value")


def customer_fingerprint(customer):
    address = customer.get("BillAddr") or {}
    return {
        "DisplayName": customer.get("DisplayName"),
        "CompanyName": customer.get("CompanyName"),
        "Email": (customer.get("PrimaryEmailAddr") or {}).get("Address"),
        "Phone": (customer.get("PrimaryPhone") or {}).get("FreeFormNumber"),
        "Address": [
            address.get(key) for key in ("Line1", "Line2", "City", "CountrySubDivisionCode", "PostalCode", "Country")
        ],
        "Active": customer.get("Active", True),
    }


def sales_document_fingerprint(document):
    lines = []
    for line in document.get("Line") or []:
        if line.get("DetailType") == "SalesItemLineDetail":
            detail = line.get("SalesItemLineDetail") or {}
            lines.append(
                [
                    _ref(detail.get("ItemRef")),
                    str(detail.get("Qty")),
                    _money(line.get("Amount")),
                    line.get("Description"),
                    _ref(detail.get("TaxCodeRef")),
                ]
            )
        elif line.get("DetailType") == "DescriptionOnly":
            lines.append([line.get("Description")])
    return {
        "DocNumber": document.get("DocNumber"),
        "TxnDate": document.get("TxnDate"),
        "DueDate": document.get("DueDate"),
        "Customer": _ref(document.get("CustomerRef")),
        "Currency": _ref(document.get("CurrencyRef")),
        "TotalAmt": _money(document.get("TotalAmt")),
        "TotalTax": _money((document.get("TxnTaxDetail") or {}).get("TotalTax")),
        "Lines": lines,
    }


def purchase_document_fingerprint(document):
    lines = []
    for line in document.get("Line") or []:
        if line.get("DetailType") == "AccountBasedExpenseLineDetail":
            detail = line.get("AccountBasedExpenseLineDetail") or {}
            lines.append(
                [
                    _ref(detail.get("AccountRef")),
                    _money(line.get("Amount")),
                    line.get("Description"),
                    _ref(detail.get("TaxCodeRef")),
                ]
            )
        elif line.get("DetailType") == "ItemBasedExpenseLineDetail":
            detail = line.get("ItemBasedExpenseLineDetail") or {}
            lines.append(
                [
                    "item:" + str(_ref(detail.get("ItemRef"))),
                    _money(line.get("Amount")),
                    line.get("Description"),
                    _ref(detail.get("TaxCodeRef")),
                ]
            )
    return {
        "DocNumber": document.get("DocNumber"),
        "TxnDate": document.get("TxnDate"),
        "DueDate": document.get("DueDate"),
        "Vendor": _ref(document.get("VendorRef")),
        "Currency": _ref(document.get("CurrencyRef")),
        "TotalAmt": _money(document.get("TotalAmt")),
        "TotalTax": _money((document.get("TxnTaxDetail") or {}).get("TotalTax")),
        "Lines": lines,
    }


def journal_entry_fingerprint(entry):
    """Its date, number, currency and lines (posting type, amount, account, customer or vendor): what an
    accountant changes on a journal entry."""
    lines = []
    for line in entry.get("Line") or []:
        if line.get("DetailType") == "JournalEntryLineDetail":
            detail = line.get("JournalEntryLineDetail") or {}
            lines.append(
                [
                    detail.get("PostingType"),
                    _money(line.get("Amount")),
                    _ref(detail.get("AccountRef")),
                    _ref((detail.get("Entity") or {}).get("EntityRef")),
                ]
            )
    return {
        "DocNumber": entry.get("DocNumber"),
        "TxnDate": entry.get("TxnDate"),
        "Currency": _ref(entry.get("CurrencyRef")),
        "Lines": sorted(lines, key=lambda line: [str(part) for part in line]),
    }


def payment_fingerprint(payment):
    applied = []
    for line in payment.get("Line") or []:
        for linked in line.get("LinkedTxn") or []:
            applied.append([linked.get("TxnType"), str(linked.get("TxnId")), _money(line.get("Amount"))])
    summary = {
        "TxnDate": payment.get("TxnDate"),
        "Customer": _ref(payment.get("CustomerRef")),
        "TotalAmt": _money(payment.get("TotalAmt")),
        "Applied": sorted(applied),
    }
    if payment.get("VendorRef"):  # a BillPayment
        summary.pop("Customer")
        summary["Vendor"] = _ref(payment.get("VendorRef"))
    return summary


def describe_changes(before, after):
    """Human-readable list of what differs between two fingerprints."""
    before, after = before or {}, after or {}
    return [
        f"{key}: {before.get(key)!r} → {after.get(key)!r}"
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]
