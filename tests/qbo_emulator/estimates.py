"""Estimates: their status, and the invoices that close them.  Every rule and its source is in the package
README ("Estimates").

* ``TxnStatus`` is one of Pending (the default), Accepted, Closed and Rejected; ``AcceptedBy`` and
  ``AcceptedDate`` are kept as sent, ``ExpirationDate`` too (a date).
* An Invoice whose ``LinkedTxn`` names ``{"TxnType": "Estimate", "TxnId": ...}`` closes that estimate: its
  ``TxnStatus`` becomes Closed and its ``LinkedTxn`` lists the invoice (``TxnType`` Invoice).  The estimate
  must exist and be the same customer's.  When no invoice links it any more (deleted, voided, or its link
  removed), the estimate gets back the status it was given last.
* Closing changes the estimate like any write (SyncToken, ``LastUpdatedTime``: change data capture lists it)
  and sends its webhook event (Update).
* Estimates post nothing (``postings.py``).
"""

from __future__ import annotations

import copy
from datetime import date
from typing import TYPE_CHECKING, Any

from . import faults
from .entities import ref_value

if TYPE_CHECKING:
    from .company import Company

ESTIMATE = "Estimate"
INVOICE = "Invoice"
STATUSES = ("Pending", "Accepted", "Closed", "Rejected")
CLOSED = "Closed"
#: Private: the status an estimate was given by its writers (served ``TxnStatus`` is Closed while invoiced).
OWN_STATUS = "_own_status"


def link_keys(invoice: dict[str, Any]) -> list[tuple[str, str]]:
    """The store's reverse-link keys of an invoice: the estimates it names (none once it is voided)."""
    if invoice.get("_voided"):
        return []
    return [
        (ESTIMATE, str(linked.get("TxnId")))
        for linked in invoice.get("LinkedTxn") or []
        if isinstance(linked, dict) and linked.get("TxnType") == ESTIMATE
    ]


def estimates_of(*invoices: dict[str, Any] | None) -> set[str]:
    """The ids of the estimates the given invoices (before and after a write) name."""
    return {estimate_id for invoice in invoices if invoice for _kind, estimate_id in link_keys(invoice)}


def prepare_estimate(company: Company, data: dict[str, Any], existing: dict[str, Any] | None) -> None:
    """Validate an estimate's status fields and remember the status its writer gave it."""
    status = data.get("TxnStatus")
    if status in (None, "") or (existing is not None and status == existing.get("TxnStatus")):
        # unchanged (a sparse update carries the status served, Closed while invoiced): the writer's stays
        status = (existing or {}).get(OWN_STATUS) or status or "Pending"
    if status not in STATUSES:
        raise faults.invalid_enumeration("TxnStatus", str(status), ", ".join(STATUSES))
    for element in ("AcceptedDate", "ExpirationDate"):
        value = data.get(element)
        if value in (None, ""):
            data.pop(element, None)
            continue
        try:
            data[element] = date.fromisoformat(str(value)[:10]).isoformat()
        except ValueError:
            raise faults.invalid_date_format(element, str(value)) from None
    data[OWN_STATUS] = status
    data["TxnStatus"] = status
    data.pop("LinkedTxn", None)  # QuickBooks lists the invoices itself (``settle``, once the estimate has its Id)


def settle(company: Company, estimate: dict[str, Any]) -> None:
    """Set ``TxnStatus`` and ``LinkedTxn`` of an estimate from the invoices that name it."""
    invoices = company.store.linked_to(INVOICE, (ESTIMATE, str(estimate.get("Id") or "")))
    estimate["TxnStatus"] = CLOSED if invoices else estimate.get(OWN_STATUS) or "Pending"
    if invoices:
        estimate["LinkedTxn"] = [{"TxnId": invoice_id, "TxnType": INVOICE} for invoice_id in invoices]
    else:
        estimate.pop("LinkedTxn", None)


def check_invoice_links(company: Company, invoice: dict[str, Any], party_id: str | None) -> None:
    """Each estimate an invoice names exists and is its customer's."""
    for _kind, estimate_id in link_keys(invoice):
        estimate = company.store.get(ESTIMATE, estimate_id)
        if estimate is None:
            raise faults.invalid_reference("LinkedTxn.TxnId")
        if ref_value(estimate.get("CustomerRef")) != party_id:
            raise faults.business(
                f"Estimate {estimate_id} is another customer's: an invoice can only close its own customer's "
                "estimates.",
                "LinkedTxn",
            )


def resettle(company: Company, estimate_ids: set[str]) -> list[str]:
    """Re-settle the given estimates after an invoice changed; returns the ids of those that changed."""
    changed = []
    for estimate_id in sorted(estimate_ids):
        current = company.store.get(ESTIMATE, estimate_id)
        if current is None:
            continue
        updated = copy.deepcopy(current)
        settle(company, updated)
        if (updated.get("TxnStatus"), updated.get("LinkedTxn")) != (current.get("TxnStatus"), current.get("LinkedTxn")):
            updated["SyncToken"] = str(int(current["SyncToken"]) + 1)
            updated["MetaData"] = {**current["MetaData"], "LastUpdatedTime": company.now_text()}
            company.store.put(ESTIMATE, updated)
            changed.append(estimate_id)
    return changed
