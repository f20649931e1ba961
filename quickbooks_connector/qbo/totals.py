"""The figures an accountant compares on a sales or purchase document, read the same way on both sides.

:func:`payload_totals` predicts what QuickBooks will store for a payload built by
:mod:`.payloads` (QBO adds the line amounts, which are net on every document, and keeps a
supplied ``TxnTaxDetail`` override); :func:`document_totals` reads what QuickBooks did store.
Comparing either with the source system's own figures (:func:`differences`) tells, before a
create, whether the document would disagree, and after it, whether it does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .money import cents


@dataclass(frozen=True)
class DocumentTotals:
    """Subtotal, tax (in total and per QBO tax rate id), total and home-currency total."""

    subtotal: Decimal
    total_tax: Decimal
    total: Decimal
    home_total: Decimal | None = None
    tax_by_rate: Mapping[str, Decimal] = field(default_factory=dict)

    def describe(self, currency: str = "") -> str:
        text = f"subtotal {self.subtotal}, tax {self.total_tax}, total {self.total}"
        if currency:
            text += f" {currency}"
        if self.home_total is not None:
            text += f", home total {self.home_total}"
        return text


#: The lines whose amounts make a document's subtotal: sales lines, and a bill's expense lines.
AMOUNT_DETAIL_TYPES = ("SalesItemLineDetail", "AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail")


def _amount_lines(lines: Any) -> list[dict[str, Any]]:
    return [line for line in lines or [] if isinstance(line, dict) and line.get("DetailType") in AMOUNT_DETAIL_TYPES]


def _tax_by_rate(detail: Mapping[str, Any]) -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    for tax_line in detail.get("TaxLine") or []:
        rate_id = str(((tax_line.get("TaxLineDetail") or {}).get("TaxRateRef") or {}).get("value") or "")
        if rate_id:
            found[rate_id] = found.get(rate_id, Decimal(0)) + cents(tax_line.get("Amount"))
    return found


def _discounts(lines: Any) -> Decimal:
    return sum(
        (
            cents(line.get("Amount"))
            for line in lines or []
            if isinstance(line, dict) and line.get("DetailType") == "DiscountLineDetail"
        ),
        Decimal(0),
    )


def payload_totals(body: Mapping[str, Any]) -> DocumentTotals:
    """What QuickBooks will store for ``body`` when it honours the tax override the body carries.

    Only meaningful for payloads that carry their own ``TxnTaxDetail.TotalTax`` (the connector's
    do); without one QuickBooks computes the tax itself and only the subtotal is predictable.
    """
    subtotal = sum((cents(line.get("Amount")) for line in _amount_lines(body.get("Line"))), Decimal(0))
    detail = body.get("TxnTaxDetail") or {}
    by_rate = _tax_by_rate(detail)
    total_tax = (
        cents(detail.get("TotalTax")) if detail.get("TotalTax") is not None else sum(by_rate.values(), Decimal(0))
    )
    total = subtotal - _discounts(body.get("Line")) + total_tax
    rate = body.get("ExchangeRate")
    home = cents(total * Decimal(str(rate))) if rate is not None else total
    return DocumentTotals(subtotal=subtotal, total_tax=total_tax, total=total, home_total=home, tax_by_rate=by_rate)


def document_totals(document: Mapping[str, Any]) -> DocumentTotals:
    """The totals of a sales document (or a bill, a vendor credit) as QuickBooks stored it."""
    subtotal_lines = [
        line
        for line in document.get("Line") or []
        if isinstance(line, dict) and line.get("DetailType") == "SubTotalLineDetail"
    ]
    subtotal = (
        cents(subtotal_lines[-1].get("Amount"))
        if subtotal_lines
        else sum((cents(line.get("Amount")) for line in _amount_lines(document.get("Line"))), Decimal(0))
    )
    detail = document.get("TxnTaxDetail") or {}
    home = document.get("HomeTotalAmt")
    total = cents(document.get("TotalAmt"))
    if home is None and document.get("ExchangeRate") is not None:
        # Entities without HomeTotalAmt (a vendor credit): the home total is the total at the rate.
        home = total * Decimal(str(document["ExchangeRate"]))
    return DocumentTotals(
        subtotal=subtotal,
        total_tax=cents(detail.get("TotalTax")),
        total=total,
        home_total=cents(home) if home is not None else total,
        tax_by_rate=_tax_by_rate(detail),
    )


def differences(expected: DocumentTotals, actual: DocumentTotals, *, per_rate: bool = True) -> list[str]:
    """Plain-words list of the figures that differ (empty when they agree to the cent).

    ``per_rate=False`` compares the tax in total only: a US company's tax rates are QuickBooks'
    own (automated sales tax picks them), so only the total can be compared with the source.
    """
    problems = []
    for label, mine, theirs in (
        ("subtotal", expected.subtotal, actual.subtotal),
        ("tax", expected.total_tax, actual.total_tax),
        ("total", expected.total, actual.total),
    ):
        if mine != theirs:
            problems.append(f"{label} {mine} ≠ {theirs}")
    if expected.home_total is not None and actual.home_total is not None and expected.home_total != actual.home_total:
        problems.append(f"home-currency total {expected.home_total} ≠ {actual.home_total}")
    if per_rate:
        for rate_id in sorted(set(expected.tax_by_rate) | set(actual.tax_by_rate)):
            mine = expected.tax_by_rate.get(rate_id, Decimal(0))
            theirs = actual.tax_by_rate.get(rate_id, Decimal(0))
            if mine != theirs:
                problems.append(f"tax of rate {rate_id} {mine} ≠ {theirs}")
    return problems
