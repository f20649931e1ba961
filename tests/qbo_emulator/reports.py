"""Reports (``GET /reports/{name}``): which report answers, under the store's lock.

Every report is computed from the ledger of :mod:`.postings` (what each stored transaction posts):
ProfitAndLoss (:mod:`.profit_and_loss`), TrialBalance and BalanceSheet (:mod:`.statements`),
GeneralLedger (:mod:`.general_ledger`), AgedReceivables, AgedPayables, CustomerBalance and
VendorBalance (:mod:`.aging`).  Parameters, headers and shapes they share are in :mod:`.reportkit`.
Any other report name answers "Unsupported Operation" (500), as QBO does for a report it does not
have.  Rules and sources: the package README ("ProfitAndLoss report", "Books: postings and reports").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import faults
from .aging import aging_report, balance_report
from .general_ledger import general_ledger
from .profit_and_loss import profit_and_loss
from .reportkit import macro_period
from .statements import balance_sheet, trial_balance

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .company import Company

__all__ = ["REPORTS", "macro_period", "run"]

#: Report name (as in the URL, any case) -> its builder.
REPORTS: dict[str, Callable[[Company, Mapping[str, str]], dict[str, Any]]] = {
    "ProfitAndLoss": profit_and_loss,
    "TrialBalance": trial_balance,
    "BalanceSheet": balance_sheet,
    "GeneralLedger": general_ledger,
    "AgedReceivables": lambda company, args: aging_report(company, "AgedReceivables", args),
    "AgedPayables": lambda company, args: aging_report(company, "AgedPayables", args),
    "CustomerBalance": lambda company, args: balance_report(company, "CustomerBalance", args),
    "VendorBalance": lambda company, args: balance_report(company, "VendorBalance", args),
}
_BY_LOWER = {name.lower(): builder for name, builder in REPORTS.items()}


def run(company: Company, name: str, args: Mapping[str, str]) -> dict[str, Any]:
    """Serve ``/reports/{name}``."""
    builder = _BY_LOWER.get(name.lower())
    if builder is None:
        raise faults.unsupported_operation(f"report {name}")
    with company.store.lock:
        return builder(company, args)
