"""Classes and locations of a pushed invoice, credit note, bill or refund (the connection's mapping of analytic
accounts: ``quickbooks_tracking_mapping.py``).

* A line's class: the account of the connection's class plan with the largest share of the line's analytic
  distribution (a line split 60/40 between two classes goes to the 60 one; equal shares: the account first
  in name order).  Sent on each line when QuickBooks tracks one class per line, and on a bill's or refund's
  lines whichever way it tracks classes (QuickBooks keeps a bill's classes on its lines).
* A document's class, when QuickBooks tracks one per transaction, and its location: the account of the plan
  carrying the largest amount over the document's lines (each line's untaxed amount times its share; equal
  amounts: the account first in name order).
* A journal entry's line: its class and its location, each the account of its plan with the largest share of
  the line's distribution, whichever way QuickBooks tracks classes (a journal entry has no class or location
  of its own).
* An account of the plan that is not mapped sends nothing, and QuickBooks keeps what it has: on an update a
  line without a class of Odoo's gets the class the same line has in QuickBooks, and a document without a
  location of Odoo's leaves QuickBooks' (the update is sparse and does not name it).

Nothing is sent unless QuickBooks' preferences turn classes (locations) on.  Classes and locations change no
amount and no account: the totals compared before and after a push are the same.
"""

from collections import defaultdict

from odoo import api, models

from ..adapters.entities import qbo_entity
from ..adapters.journal_entry import entry_lines
from ..adapters.sides import PAYABLE, RECEIVABLE, side_of_move_type

#: The details of the lines that carry a class.
CLASSED_DETAILS = (
    "SalesItemLineDetail",
    "AccountBasedExpenseLineDetail",
    "ItemBasedExpenseLineDetail",
    "JournalEntryLineDetail",
)


def _shares(line, accounts):
    """Analytic account -> its percentage of ``line``'s distribution, for the accounts in ``accounts``."""
    shares = defaultdict(float)
    for key, percent in (line.analytic_distribution or {}).items():
        for account_id in str(key).split(","):
            account = accounts.get(int(account_id)) if account_id.strip().isdigit() else None
            if account is not None:
                shares[account] += float(percent or 0)
    return shares


def _largest(weights):
    """The account of the largest weight (equal weights: the first in name order), or None."""
    if not weights:
        return None
    return min(weights, key=lambda account: (-round(weights[account], 6), account.name or "", account.id))


class QuickbooksPush(models.AbstractModel):
    _inherit = "quickbooks.push"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    @api.model
    def _document_tracking(self, backend, move):
        """The classes and location of ``move``'s document: the ``Mappings`` fields ``line_classes``,
        ``document_class`` and ``location`` (empty when QuickBooks tracks none of them)."""
        values = {}
        lines = move.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        classes = backend.qbo_class_tracking
        if classes != "none" and backend.class_plan_id:
            per_line, document = self._plan_choice(backend.class_plan_id, lines, backend._tracking_refs("class"))
            if classes == "line" or side_of_move_type(move.move_type) is PAYABLE:
                values["line_classes"] = {line: ref for line, ref in per_line.items() if ref}
            else:
                values["document_class"] = document
        if backend.qbo_track_locations and backend.location_plan_id:
            _per_line, document = self._plan_choice(backend.location_plan_id, lines, backend._tracking_refs("location"))
            values["location"] = document
        return values

    @api.model
    def _entry_tracking(self, backend, move):
        """The classes and locations of the lines of ``move``'s JournalEntry: ``line_classes`` and
        ``line_locations`` of ``Mappings`` (empty when QuickBooks tracks neither)."""
        values = {}
        lines = entry_lines(move)
        if backend.qbo_class_tracking != "none" and backend.class_plan_id:
            per_line, _document = self._plan_choice(backend.class_plan_id, lines, backend._tracking_refs("class"))
            values["line_classes"] = {line: ref for line, ref in per_line.items() if ref}
        if backend.qbo_track_locations and backend.location_plan_id:
            per_line, _document = self._plan_choice(backend.location_plan_id, lines, backend._tracking_refs("location"))
            values["line_locations"] = {line: ref for line, ref in per_line.items() if ref}
        return values

    @api.model
    def _plan_choice(self, plan, lines, refs):
        """``(line -> Ref or None, the document's Ref or None)`` for the accounts of ``plan`` (see the module)."""
        accounts = {
            account.id: account
            for account in self.env["account.analytic.account"].sudo().search([("plan_id", "child_of", plan.id)])
        }
        per_line = {}
        totals = defaultdict(float)
        for line in lines:
            shares = _shares(line, accounts)
            chosen = _largest(shares)
            per_line[line] = refs.get(chosen) if chosen else None
            for account, percent in shares.items():
                totals[account] += abs(line.price_subtotal) * percent / 100
        document = _largest(totals)
        return per_line, refs.get(document) if document else None

    @api.model
    def _keep_quickbooks_classes(self, backend, entity, row, body, client):
        """On an update, a line Odoo gives no class keeps the class the same line (same position, same kind of
        line) has in QuickBooks, and a journal entry line its location: the lines an update sends replace
        QuickBooks' lines."""
        if not row.qbo_id:
            return body
        kept = []
        if backend.qbo_class_tracking != "none" and (
            backend.qbo_class_tracking == "line" or qbo_entity(entity).side is not RECEIVABLE
        ):  # one class per transaction: a sales document's lines have none
            kept.append("ClassRef")
        if backend.qbo_track_locations and qbo_entity(entity).side is None:  # a journal entry's lines
            kept.append("DepartmentRef")
        lines = [line for line in body.get("Line") or [] if line.get("DetailType") in CLASSED_DETAILS]
        if all(key in line[line["DetailType"]] for line in lines for key in kept):
            return body
        current = client.get(entity, row.qbo_id)
        theirs = [line for line in current.get("Line") or [] if line.get("DetailType") in CLASSED_DETAILS]
        for ours, their in zip(lines, theirs, strict=False):
            kind = ours["DetailType"]
            if their.get("DetailType") != kind:
                continue
            for key in kept:
                if key not in ours[kind] and (their[kind] or {}).get(key):
                    ours[kind][key] = their[kind][key]
        return body
