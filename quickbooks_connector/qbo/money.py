"""Money as QuickBooks counts it: :class:`~decimal.Decimal`, rounded half up to the cent."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")


def to_decimal(value: Any) -> Decimal:
    """``value`` as a Decimal, through its text (a float's 0.1 stays 0.1); None and empty values are 0."""
    return Decimal(str(value or 0))


def cents(value: Any, rounding: str = ROUND_HALF_UP) -> Decimal:
    """``value`` rounded to the cent, half up as QuickBooks rounds money; None and empty values are 0."""
    return to_decimal(value).quantize(CENT, rounding=rounding)
