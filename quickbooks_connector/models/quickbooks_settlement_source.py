"""What customer (vendor) payments, bank statement lines and credit notes (vendor refunds) share as
settlement sources: one QuickBooks Payment (BillPayment) each, kept in line with what the record
settles in Odoo by one job."""

from odoo import models

from ..adapters.entities import JOURNAL_ENTRY
from ..adapters.sides import PAYABLE, PAYMENT_ENTITIES
from ..const import COUNTERPART_KEY, NETTING_KEY
from ..tools.jobs import enqueue, job


class QuickbooksSettlementSource(models.AbstractModel):
    _name = "quickbooks.settlement.source"
    _description = "Record settling customer invoices or vendor bills (a QuickBooks Payment or BillPayment)"

    #: The sync record binding key of the QBO payment (a credit note's main binding is its CreditMemo).
    _quickbooks_settlement_key = ""

    def _quickbooks_settlement(self):
        """The :class:`~..adapters.settlement.Settlement` of this record, or None (nothing to record)."""
        raise NotImplementedError

    def _quickbooks_settlement_side(self):
        """Receivable (a QBO Payment) or payable (a BillPayment); None when neither."""
        raise NotImplementedError

    def _quickbooks_is_settlement_candidate(self):
        return True

    def _quickbooks_settlement_backend(self):
        self.ensure_one()
        backend = self.env["quickbooks.backend"].sudo()._for_company(self.company_id)
        payable = self._quickbooks_settlement_side() is PAYABLE
        if (
            backend
            and backend.state == "connected"
            and backend.sync_payments_to_qbo
            and (backend.sync_bills or not payable)
        ):
            return backend
        return backend.browse()

    def _quickbooks_bound_payments(self, backend=None, active_only=True):
        """SyncRecords rows of this record's QBO payments (of either side: a record edited since may have
        changed sides)."""
        domain = [
            ("res_model", "=", self._name),
            ("res_id", "in", self.ids),
            ("qbo_entity", "in", PAYMENT_ENTITIES),
            ("binding_key", "=", self._quickbooks_settlement_key),
        ]
        if backend:
            domain.append(("backend_id", "=", backend.id))
        if active_only:
            domain.append(("qbo_state", "=", "active"))
        return self.env["quickbooks.sync.state"].sudo().search(domain)

    def _quickbooks_bound_entries(self, backend=None):
        """SyncRecords rows of the journal entries this record booked besides its payment (a statement
        line's fee, or its netting of a customer and a vendor), still in QuickBooks."""
        domain = [
            ("res_model", "=", self._name),
            ("res_id", "in", self.ids),
            ("qbo_entity", "=", JOURNAL_ENTRY),
            ("binding_key", "in", (COUNTERPART_KEY, NETTING_KEY)),
            ("qbo_state", "=", "active"),
            ("qbo_id", "!=", False),
        ]
        if backend:
            domain.append(("backend_id", "=", backend.id))
        return self.env["quickbooks.sync.state"].sudo().search(domain)

    def _quickbooks_schedule_settlement(self, backend=None):
        """Queue the sync of this record's QBO payment (after commit; a transaction's burst collapses into one job)."""
        for record in self:
            if not record.exists():
                # Deleted (a statement line with its move): its QuickBooks payment, if any, must go.
                for row in record._quickbooks_bound_payments() | record._quickbooks_bound_entries():
                    enqueue(
                        record,
                        self.env._("QuickBooks: remove payment %s", row.qbo_id),
                    )._quickbooks_settle_job(row.backend_id)
                continue
            if not record._quickbooks_is_settlement_candidate():
                continue
            target = backend or record._quickbooks_settlement_backend()
            if not target:
                continue
            enqueue(record, self.env._("QuickBooks: payment of %s", record.display_name))._quickbooks_settle_job(target)

    def _quickbooks_schedule_sync(self, backend=None):
        """What a sync record's Retry runs: the sync of this record's QuickBooks payment."""
        self._quickbooks_schedule_settlement(backend)

    @job
    def _quickbooks_settle_job(self, backend):
        """Job: make this record's QuickBooks payment record what it settles in Odoo now (create, update
        or delete it); a record deleted since has its QuickBooks payment deleted."""
        Push = self.env["quickbooks.push"]
        SyncRecords = self.env["quickbooks.sync.state"]
        if not self.exists():
            for row in self._quickbooks_bound_payments(backend, active_only=False):
                Push._run(backend, row, lambda row=row: Push._remove_settlement(backend, row))
            Push._remove_netted(backend, self)
            for row in self._quickbooks_bound_entries(backend):
                Push._run(backend, row, lambda row=row: Push._delete_entry(row, backend._qbo_client()))
            return "removed"
        self.ensure_one()
        row = SyncRecords._binding_for(backend, self, create=False, key=self._quickbooks_settlement_key)
        if not row:
            side = self._quickbooks_settlement_side()
            if side is None or self._quickbooks_settlement() is None:
                return "nothing to record"
            row = SyncRecords._binding_for(backend, self, side.payment_entity, key=self._quickbooks_settlement_key)
        result = Push._run(backend, row, lambda: Push._push_settlement(backend, self))
        return result.state if result else row.state

    def _quickbooks_note(self, body):
        """Tell the record's followers (a statement line's are its move's)."""
        target = self if hasattr(self, "message_post") else self.move_id
        target.message_post(body=body)
