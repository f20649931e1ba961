"""Push a bank statement line that nets a customer and a vendor (an invoice of 1,000 and a bill of 300 of one
partner, settled by 700 received) → the QuickBooks documents an accountant makes for it.

* a JournalEntry that moves the netted 300 between Accounts Payable (the vendor) and Accounts Receivable (the
  customer), bound to the statement line under :data:`const.NETTING_KEY`;
* the line's own Payment (BillPayment) of the cash, applying the invoices and that entry as a credit;
* the other side's BillPayment (Payment) of 0 applying the bills and the same entry, under
  :data:`const.NETTED_KEY`.

Intuit documents both applications: a Payment links a ``JournalEntry`` (its help "Apply a journal entry credit
to an invoice"), a BillPayment "zero or more Bill, VendorCredit, and JournalEntry objects".  What a statement
line no longer nets is removed in the opposite order: the payments stop applying the entry, then it goes.
"""

from odoo import api, models

from ..adapters.entities import JOURNAL_ENTRY, owned, qbo_entity
from ..adapters.journal_entry import netting_accounts, netting_entry_data
from ..adapters.settlement import Settlement
from ..const import NETTED_KEY, NETTING_KEY
from ..qbo import NotFoundError
from ..qbo.payloads import PaymentApplication


class QuickbooksPush(models.AbstractModel):
    _inherit = "quickbooks.push"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    @api.model
    def _netted_settlement(self, settlement):
        """The other side's settlement of a statement line's netting: its documents, no cash."""
        netting = settlement.netting
        return Settlement(
            side=netting.side,
            source=settlement.source,
            partner=netting.partner,
            currency=settlement.currency,
            date=settlement.date,
            journal=settlement.journal,
            reference=settlement.reference,
            invoices=list(netting.invoices),
            credit_notes=list(netting.credit_notes),
        )

    def _sync_netting_entry(self, backend, source, settlement, party, client):
        """Create or update the netting JournalEntry of ``source``; returns its QuickBooks id.

        :raise MappingProblem: when a partner account is not mapped
        """
        netting = settlement.netting
        other = self._push_party(backend, netting.partner, settlement.currency, client, netting.side)
        mappings = self._quickbooks_mappings(backend, netting_accounts(settlement))
        data = netting_entry_data(
            settlement, mappings, {settlement.side.name: party.qbo_id, netting.side.name: other.qbo_id}
        )
        row = self.env["quickbooks.sync.state"]._binding_for(backend, source, JOURNAL_ENTRY, key=NETTING_KEY)
        body = qbo_entity(JOURNAL_ENTRY).build(data)
        ours = owned(JOURNAL_ENTRY, body)
        if row.qbo_id and row.qbo_state == "active":
            if row.synced_values != ours or row.state != "done":
                request_id = self._request_id(JOURNAL_ENTRY, source._name, source.id, "update", row.sync_token)
                self._merged_update(
                    client, row, source, JOURNAL_ENTRY, ours, qbo_entity(JOURNAL_ENTRY).owned_fields, request_id
                )
            return row.qbo_id
        request_id = self._request_id(JOURNAL_ENTRY, source._name, source.id, NETTING_KEY, row.qbo_id or "")
        created = client.create(JOURNAL_ENTRY, body, request_id=request_id)
        row._mark_done(
            created, ours, last_request_id=request_id, qbo_state="active", origin="odoo", attempts=row.attempts + 1
        )
        source._quickbooks_note(
            self.env._(
                "The netting of a customer and a vendor is recorded in QuickBooks as journal entry %s.", created["Id"]
            )
        )
        return created["Id"]

    def _netting_application(self, settlement, entry_id):
        """The main payment's application of the netting entry: a credit of what it takes off the partner."""
        if not entry_id:
            return []
        return [PaymentApplication(entry_id, settlement.netting.total, JOURNAL_ENTRY, credit=True)]

    def _sync_netted_payment(self, backend, source, settlement, entry_id, documents, client, depth):
        """Make the other side's payment of 0 apply the netted documents and the netting entry."""
        netted = self._netted_settlement(settlement)
        if not netted.invoices and not netted.credit_notes:
            self._remove_netted(backend, source, client, keep_entry=True)
            return
        party = self._push_party(backend, netted.partner, netted.currency, client, netted.side)
        extra = [PaymentApplication(entry_id, settlement.netting.used, JOURNAL_ENTRY, credit=True)]
        body = self._settlement_body(backend, source, netted, party, documents, None, extra=extra)
        row = self.env["quickbooks.sync.state"]._binding_for(
            backend, source, netted.side.payment_entity, key=NETTED_KEY
        )
        self._send_settlement(backend, source, row, body, client, depth)

    @api.model
    def _remove_netted(self, backend, source, client=None, keep_entry=False):
        """Delete the other side's payment of a statement line's netting, then (unless ``keep_entry``) the
        netting entry: QuickBooks deletes no journal entry a payment applies."""
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        rows = SyncRecords.search(
            [
                ("backend_id", "=", backend.id),
                ("res_model", "=", source._name),
                ("res_id", "=", source.id),
                ("binding_key", "in", (NETTED_KEY, NETTING_KEY)),
                ("qbo_state", "=", "active"),
                ("qbo_id", "!=", False),
            ]
        )
        for row in rows.filtered(lambda r: r.binding_key == NETTED_KEY):
            client = client or backend._qbo_client()
            try:
                current = client.get(row.qbo_entity, row.qbo_id)
            except NotFoundError:
                current = None
            if current is not None:
                request_id = self._request_id(row.qbo_entity, source._name, source.id, "delete", row.qbo_id)
                client.delete(row.qbo_entity, row.qbo_id, current["SyncToken"], request_id=request_id)
            row.write({"qbo_state": "deleted", "state": "done", "last_error": False, "failure_kind": False})
        if keep_entry:
            return
        for row in rows.filtered(lambda r: r.binding_key == NETTING_KEY):
            self._delete_entry(row, client or backend._qbo_client())
