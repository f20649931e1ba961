"""Push what a bank statement line books besides its settlement → a QBO JournalEntry against the bank.

A statement line matched with invoices that a payment without journal entry already received (the Accounting
app's journals) adds nothing to QuickBooks' Payment, which deposited the invoices' whole amount: what the bank
kept (a fee) is booked by a journal entry of its own, bound to the statement line under the key ``fees``.  It
follows the line: created, updated, deleted when the line no longer books it.
"""

from odoo import api, models

from ..adapters.entities import JOURNAL_ENTRY, owned, qbo_entity
from ..adapters.journal_entry import counterpart_entry_data
from ..adapters.sales_document import MappingProblem
from ..const import COUNTERPART_KEY


class QuickbooksPush(models.AbstractModel):
    _inherit = "quickbooks.push"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    @api.model
    def _sync_counterpart_entry(self, backend, source, settlement, client):
        """Make the JournalEntry of ``source``'s counterparts say what ``settlement.entry_items`` book (delete
        it when there are none); returns its sync record (empty when there is none and never was)."""
        SyncRecords = self.env["quickbooks.sync.state"]
        items = settlement.entry_items if settlement else None
        row = SyncRecords._binding_for(backend, source, JOURNAL_ENTRY, key=COUNTERPART_KEY, create=bool(items))
        if not items:
            if row and row.qbo_id and row.qbo_state == "active":
                self._delete_entry(row, client or backend._qbo_client())
            return row
        accounts = items.account_id | settlement.journal.default_account_id
        try:
            data = counterpart_entry_data(settlement, self._quickbooks_mappings(backend, accounts))
        except MappingProblem as problem:
            row._fail_with_note(
                self.env._("Not sent to QuickBooks, map first:\n%s", "\n".join(problem.problems)), kind="mapping"
            )
            return row
        client = client or backend._qbo_client()
        body = qbo_entity(JOURNAL_ENTRY).build(data)
        ours = owned(JOURNAL_ENTRY, body)
        if row.qbo_id and row.qbo_state == "active":
            if row.synced_values == ours and row.state == "done":
                return row
            request_id = self._request_id(JOURNAL_ENTRY, source._name, source.id, "update", row.sync_token)
            self._merged_update(
                client, row, source, JOURNAL_ENTRY, ours, qbo_entity(JOURNAL_ENTRY).owned_fields, request_id
            )
            return row
        request_id = self._request_id(JOURNAL_ENTRY, source._name, source.id, COUNTERPART_KEY, row.qbo_id or "")
        created = client.create(JOURNAL_ENTRY, body, request_id=request_id)
        row._mark_done(
            created, ours, last_request_id=request_id, qbo_state="active", origin="odoo", attempts=row.attempts + 1
        )
        source._quickbooks_note(
            self.env._("What the bank kept is recorded in QuickBooks as journal entry %s.", created["Id"])
        )
        return row
