"""The books comparison: both sides' balance of each account (customer, vendor, month), the difference, and
what explains it.

Odoo's side arrives as *shares*: ``(key, status, amount)``, the balance of the journal items of one
comparison key (a QuickBooks account, an unmapped Odoo account, a customer...) whose entries are in one
*status*: ``sent`` (the entry is in QuickBooks, by itself or as part of a document the connector sent) or
one of the reasons the connector knows why it is not there (``pending``, ``not_sent``, ``skipped``,
``revaluation``, ``unmapped``).  QuickBooks' side is one amount per key.  Every amount is debit-positive
(credit negative), in the company's currency.

A comparison's difference is Odoo's minus QuickBooks'.  Each share not sent explains its own amount of it
(a document not yet in QuickBooks is in Odoo's balance only); a key whose whole difference has one cause
(an account mapped to nothing) is explained as a whole; what QuickBooks holds that no Odoo record is bound
to explains its (negative) amount once the general ledger has been read (:meth:`Comparison.explain`).  What
is left over is *unexplained*; when it is within the tolerance, the tolerance explains it.  A payment the
connector sent or received that QuickBooks keeps on an account no Odoo account is mapped to (Undeposited
Funds) is ``elsewhere``: Odoo has it in its journal's account; one whose Odoo entry is not posted (a payment
reset to draft keeps its reconciliation in Odoo 19, so QuickBooks keeps it) is ``unposted``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from .money import cents

ZERO = Decimal(0)
SENT = "sent"
#: Explanations, in the order a line lists them.
KINDS = ("pending", "not_sent", "skipped", "revaluation", "elsewhere", "unposted", "unmapped", "qbo_only", "tolerance")


@dataclass
class Comparison:
    """One key's two balances and the explained parts of their difference."""

    key: Hashable
    odoo: Decimal = ZERO
    qbo: Decimal = ZERO
    explained: dict[str, Decimal] = field(default_factory=dict)

    @property
    def difference(self) -> Decimal:
        return cents(self.odoo - self.qbo)

    @property
    def unexplained(self) -> Decimal:
        return cents(self.difference - sum(self.explained.values(), ZERO))

    @property
    def state(self) -> str:
        """``unexplained`` while something is left unexplained, else ``explained`` while the balances differ,
        else ``match`` (explanations that cancel out, an entry made on both sides separately, are kept)."""
        if self.unexplained:
            return "unexplained"
        return "explained" if self.difference else "match"

    def explain(self, kind: str, amount: Decimal) -> None:
        """``amount`` of the difference is explained by ``kind`` (added to what it already explained)."""
        if kind not in KINDS:
            raise ValueError(f"unknown explanation {kind!r}")
        amount = cents(amount)
        if amount:
            self.explained[kind] = cents(self.explained.get(kind, ZERO) + amount)

    def settle(self, tolerance: Decimal) -> None:
        """Let the tolerance explain what is left when it is that small (again after each new explanation)."""
        self.explained.pop("tolerance", None)
        left = self.unexplained
        if left and abs(left) <= tolerance:
            self.explained["tolerance"] = left


def compare(
    shares: Iterable[tuple[Hashable, str, Decimal]],
    qbo: dict[Hashable, Decimal],
    whole: dict[Hashable, str] | None = None,
    tolerance: Decimal = ZERO,
) -> dict[Hashable, Comparison]:
    """Every key of either side, compared.  ``whole``: keys whose entire difference has one cause (kind)."""
    whole = whole or {}
    out: dict[Hashable, Comparison] = {}
    for key, status, amount in shares:
        comparison = out.setdefault(key, Comparison(key))
        comparison.odoo += amount
        if status != SENT and key not in whole:
            comparison.explain(status, amount)
    for key, amount in qbo.items():
        out.setdefault(key, Comparison(key)).qbo += amount
    for comparison in out.values():
        comparison.odoo, comparison.qbo = cents(comparison.odoo), cents(comparison.qbo)
        if comparison.key in whole:
            comparison.explained = {}
            comparison.explain(whole[comparison.key], comparison.difference)
        comparison.settle(tolerance)
    return out


@dataclass(frozen=True)
class Route:
    """Where an Odoo account's journal items are compared: ``key`` for the current fiscal year (and for
    every year when ``earlier_key`` is None, as a balance sheet account), ``earlier_key`` for what is dated
    before the fiscal year when QuickBooks closes it into Retained Earnings; ``earlier_status`` replaces the
    status of those items (None keeps it)."""

    key: Hashable
    earlier_key: Hashable | None = None
    earlier_status: str | None = None


def routed(
    rows: Iterable[tuple[int, bool, str, Decimal]], routes: dict[int, Route]
) -> list[tuple[Hashable, str, Decimal]]:
    """Shares of the trial balance from ``(Odoo account, dated before the fiscal year, status, balance)``."""
    out = []
    for account, earlier, status, amount in rows:
        route = routes[account]
        if earlier and route.earlier_key is not None:
            out.append((route.earlier_key, route.earlier_status or status, amount))
        else:
            out.append((route.key, status, amount))
    return out
