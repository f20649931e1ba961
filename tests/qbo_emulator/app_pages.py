"""QuickBooks' web-app links (``/app/...``): a small read-only page of the object they name.

Integrations link into QuickBooks' web app with ``https://app.qbo.intuit.com/app/invoice?txnId=<Id>``
(transactions: ``invoice``, ``creditmemo``, ``recvpayment``, ``bill``, ``vendorcredit``, ``billpayment``,
``journal``, ``salesreceipt``, ``refundreceipt``, ``deposit``, ``transfer``, ``expense``) and
``/app/customerdetail?nameId=<Id>`` / ``/app/vendordetail?nameId=<Id>`` (names); the app shows
the object of the company the user is signed in to.  The emulator has no user session, so the page
shows the object in every company (realm) it serves that has one, with the company's name, the
object's number, date, party, lines and totals: enough to check what the connector sent, not
QuickBooks' screen.  Unknown pages and objects answer 404 with a short page saying so.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from .server import Emulator

#: app page -> (entity, query parameter naming the Id, title)
PAGES = {
    "invoice": ("Invoice", "txnId", "Invoice"),
    "creditmemo": ("CreditMemo", "txnId", "Credit memo"),
    "estimate": ("Estimate", "txnId", "Estimate"),
    "recvpayment": ("Payment", "txnId", "Receive payment"),
    "salesreceipt": ("SalesReceipt", "txnId", "Sales receipt"),
    "refundreceipt": ("RefundReceipt", "txnId", "Refund receipt"),
    "bill": ("Bill", "txnId", "Bill"),
    "vendorcredit": ("VendorCredit", "txnId", "Vendor credit"),
    "billpayment": ("BillPayment", "txnId", "Bill payment"),
    "journal": ("JournalEntry", "txnId", "Journal entry"),
    "deposit": ("Deposit", "txnId", "Deposit"),
    "transfer": ("Transfer", "txnId", "Transfer"),
    "expense": ("Purchase", "txnId", "Expense"),
    "customerdetail": ("Customer", "nameId", "Customer"),
    "vendordetail": ("Vendor", "nameId", "Vendor"),
}
STYLE = (
    "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}th{background:#f3f3f3}"
    ".note{color:#666}.voided{color:#b00;font-weight:bold}"
)


def handle(emu: Emulator, request: Request, page: str) -> Response:
    spec = PAGES.get(page)
    if spec is None:
        return _page(f"QuickBooks page {page}", "<p>The emulator does not show this page of QuickBooks.</p>", 404)
    entity, parameter, title = spec
    object_id = (request.args.get(parameter) or "").strip()
    found = []
    for realm in list(emu.realms.values()):
        company = realm.company
        with company.store.lock:
            stored = company.store.get(entity, object_id) if object_id else None
            deleted = next((t for t in company.store.deleted(entity) if str(t.get("Id")) == object_id), None)
            shown = company.serve(entity, [stored])[0] if stored is not None else None
        if shown is not None or deleted is not None:
            found.append((company, shown, deleted))
    if not found:
        body = f"<p>No {escape(title.lower())} with Id {escape(object_id or '?')} in any company of this emulator.</p>"
        return _page(f"{title} {object_id}", body, 404)
    sections = [_section(company, entity, title, shown, deleted) for company, shown, deleted in found]
    return _page(f"{title} {object_id}", "".join(sections))


def _section(company: Any, entity: str, title: str, obj: dict[str, Any] | None, deleted: Any) -> str:
    name = escape(str(company.setting("company_name")))
    realm = escape(str(company.realm_id))
    if obj is None:
        return f"<h2>{name} <span class='note'>(realm {realm})</span></h2><p class='voided'>Deleted.</p>"
    number = obj.get("DocNumber") or obj.get("DisplayName") or obj.get("Id")
    party = (obj.get("CustomerRef") or obj.get("VendorRef") or {}).get("name") or (
        (obj.get("CustomerRef") or obj.get("VendorRef") or {}).get("value")
    )
    facts = [
        ("Number", number),
        ("Date", obj.get("TxnDate")),
        ("Due", obj.get("DueDate")),
        ("Customer" if obj.get("CustomerRef") else "Vendor", party),
        ("Currency", (obj.get("CurrencyRef") or {}).get("value")),
        ("Total", obj.get("TotalAmt")),
        ("Tax", (obj.get("TxnTaxDetail") or {}).get("TotalTax")),
        ("Balance", obj.get("Balance")),
        ("Memo", obj.get("PrivateNote")),
        ("Email", (obj.get("PrimaryEmailAddr") or {}).get("Address")),
    ]
    rows = "".join(
        f"<tr><th>{escape(label)}</th><td>{escape(str(value))}</td></tr>"
        for label, value in facts
        if value not in (None, "")
    )
    lines = [
        line
        for line in obj.get("Line") or []
        if isinstance(line, dict) and line.get("DetailType") != "SubTotalLineDetail"
    ]
    line_rows = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            escape(str(line.get("DetailType", ""))),
            escape(str(line.get("Description") or _linked(line) or "")),
            escape(str(line.get("Amount", ""))),
        )
        for line in lines
    )
    voided = "Voided" in (obj.get("PrivateNote") or "") and not float(obj.get("TotalAmt") or 0)
    return (
        f"<h2>{name} <span class='note'>(realm {realm})</span></h2>"
        f"<h3>{escape(title)} {escape(str(number))}{' <span class=voided>VOIDED</span>' if voided else ''}</h3>"
        f"<table>{rows}</table>"
        + (f"<table><tr><th>Line</th><th>Description</th><th>Amount</th></tr>{line_rows}</table>" if lines else "")
        + f"<p class='note'>{escape(entity)} Id {escape(str(obj.get('Id')))}, "
        f"SyncToken {escape(str(obj.get('SyncToken')))}.</p>"
    )


def _linked(line: dict[str, Any]) -> str:
    return ", ".join(f"{t.get('TxnType')} {t.get('TxnId')}" for t in line.get("LinkedTxn") or [])


def _page(title: str, body: str, status: int = 200) -> Response:
    html = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)} - QuickBooks emulator</title>"
        f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>{body}"
        "<p class='note'>QuickBooks Online emulator: what QuickBooks holds, not its screen.</p></body></html>"
    )
    return Response(html, status=status, content_type="text/html; charset=utf-8")
