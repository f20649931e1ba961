"""Push a manual journal entry (account.move of type entry, in a journal set to send them) → QBO JournalEntry.

The customers and vendors its receivable and payable lines name are sent first (QuickBooks needs them on
those lines); each journal item becomes a debit or credit line on the QuickBooks account its account is
mapped to; the create carries a requestid derived from the move and its posted version (a lost answer is
replayed, not duplicated); a re-post after a reset to draft updates it with its SyncToken; a cancellation
deletes it (QuickBooks cannot void a journal entry).  Debits and credits must equal Odoo's to the cent,
before sending and as QuickBooks stored them.
"""

import dataclasses

from odoo import api, models

from ..adapters.entities import JOURNAL_ENTRY, qbo_entity
from ..adapters.journal_entry import (
    account_substitutes,
    entry_lines,
    entry_problems,
    journal_entry_data,
    odoo_totals,
    party_side,
)
from ..adapters.sales_document import MappingProblem
from ..adapters.sides import RECEIVABLE
from ..qbo import NotFoundError
from ..qbo.journal import journal_totals
from ..qbo.redact import get_logger

_logger = get_logger(__name__)


class QuickbooksPush(models.AbstractModel):
    _inherit = "quickbooks.push"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    @api.model
    def _push_journal_entry(self, backend, move, row, client):
        """Create or update the JournalEntry of a posted ``move`` under its sync record ``row``."""
        entity = move._quickbooks_entity()
        problems = entry_problems(move)
        if problems:
            row._fail_with_note(self.env._("Not sent to QuickBooks:\n%s", "\n".join(problems)), kind="validation")
            return row
        parties = self._journal_entry_parties(backend, move, client)
        try:
            accounts = move.line_ids.account_id.union(*account_substitutes(move).values())
            mappings = self._quickbooks_mappings(backend, accounts)
            mappings = dataclasses.replace(mappings, **self._entry_tracking(backend, move))
            data = journal_entry_data(move, mappings, parties)
        except MappingProblem as problem:
            message = self.env._("Not sent to QuickBooks, map first:\n%s", "\n".join(problem.problems))
            row._fail_with_note(message, kind="mapping")
            return row
        debit, credit = data.totals()
        if debit != credit:
            row._fail_with_note(
                self.env._(
                    "Not sent to QuickBooks: in %(currency)s the entry's debits (%(debit)s) and credits (%(credit)s) "
                    "differ, and QuickBooks refuses an entry that does not balance in its own currency. Post "
                    "every line in the entry's currency.",
                    currency=data.currency_code or move.company_currency_id.name,
                    debit=debit,
                    credit=credit,
                ),
                kind="validation",
            )
            return row
        body = qbo_entity(entity).build(data)
        if row.qbo_id:
            body = self._keep_quickbooks_classes(backend, entity, row, body, client)
            stored = self._update_document(backend, move, row, entity, body, client)
        else:
            stored = self._create_document(backend, move, row, entity, body, client)
            if row.qbo_id:
                self._resume_waiting_settlements(backend, move)
        if stored is not None and journal_totals(stored) != odoo_totals(move):
            stored_debit, stored_credit = journal_totals(stored)
            message = self.env._(
                "QuickBooks stored debits %(qbo_debit)s and credits %(qbo_credit)s; Odoo has %(debit)s and %(credit)s.",
                qbo_debit=stored_debit,
                qbo_credit=stored_credit,
                debit=debit,
                credit=credit,
            )
            row._mark_failed(message, kind="totals")
            move._message_log(body=message)
        return row

    def _journal_entry_parties(self, backend, move, client):
        """{(partner id, side name): QuickBooks id} of the customers and vendors the entry's receivable and
        payable lines name, each sent to QuickBooks first when it is not there yet."""
        parties = {}
        for line in entry_lines(move):
            side = party_side(line)
            if not side:
                continue
            partner = line.partner_id.commercial_partner_id
            key = (partner.id, side.name)
            if key in parties:
                continue
            if side is RECEIVABLE:
                party_row = self._push_customer(backend, partner, move.currency_id, client)
            else:
                party_row = self._push_vendor(backend, partner, move.currency_id, client)
            parties[key] = party_row.qbo_id
        return parties

    @api.model
    def _remove_deleted_entry(self, backend, move):
        """``move`` was deleted in Odoo: delete its QuickBooks payment of 0 first (QuickBooks deletes no
        journal entry a payment applies), then its JournalEntry.  Returns what became of the entry."""
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        rows = SyncRecords.search(
            [
                ("backend_id", "=", backend.id),
                ("res_model", "=", "account.move"),
                ("res_id", "=", move.id),
                ("qbo_state", "=", "active"),
            ]
        )
        client = backend._qbo_client()
        for row in rows.filtered(lambda r: r.binding_key == "application"):
            self._run(backend, row, lambda row=row: self._remove_settlement(backend, row, client))
        for row in rows.filtered(lambda r: r.binding_key == "" and r.qbo_entity == JOURNAL_ENTRY and r.qbo_id):
            self._run(backend, row, lambda row=row: self._delete_entry(row, client))
        return "removed" if rows else "not bound"

    def _delete_entry(self, row, client):
        """Delete the JournalEntry of ``row`` (gone already: nothing to do) and mark the row deleted."""
        try:
            current = client.get(JOURNAL_ENTRY, row.qbo_id)
        except NotFoundError:
            current = None
        if current is not None:
            request_id = self._request_id(JOURNAL_ENTRY, row.res_model, row.res_id, "delete", row.qbo_id)
            client.delete(JOURNAL_ENTRY, row.qbo_id, current["SyncToken"], request_id=request_id)
        row.sudo().write({"qbo_state": "deleted", "state": "done", "last_error": False, "failure_kind": False})
        return row
