"""Push Odoo settlements (payments, bank statement lines, credit-note applications) → QBO Payments, and
their vendor-side mirror (vendor payments, bank payments of bills, vendor-refund applications) → QBO
BillPayments.

The job is state-based: it reads what the source settles in Odoo now (``adapters/settlement.py``)
and makes its QBO payment say the same, creating, updating or deleting it.  Whatever happened in
between (reconcile, unreconcile, reset to draft, cancel, a later use of an overpayment), the last
run leaves QuickBooks like Odoo.  QuickBooks refuses to apply more than an invoice's open balance,
so when a source now applies more to an invoice, the other sources that apply less than before
are synced first.
"""

import json
from decimal import Decimal

from odoo import api, models
from odoo.tools import SQL

from ..adapters import MappingProblem
from ..adapters.entities import JOURNAL_ENTRY, owned, qbo_entity
from ..adapters.payment import bill_payment_data, payment_data
from ..adapters.settlement import applications_of
from ..adapters.sides import PAYABLE
from ..adapters.writeoff import writeoff_memo_data
from ..qbo import NotFoundError
from ..qbo.payables import build_bill_payment
from ..qbo.payloads import PaymentApplication, build_payment
from ..qbo.redact import get_logger
from ..tools.jobs import jobs_under_way, wait_for_jobs

_logger = get_logger(__name__)


def _applied(values):
    """{(TxnType, TxnId): amount} of a payment body or of the values last synced."""
    found = {}
    for line in (values or {}).get("Line") or []:
        for linked in line.get("LinkedTxn") or []:
            key = (linked.get("TxnType"), str(linked.get("TxnId")))
            found[key] = found.get(key, 0) + float(line.get("Amount") or 0)
    return found


class QuickbooksPush(models.AbstractModel):
    _inherit = "quickbooks.push"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    # ------------------------------------------------------------------ the payment
    @api.model
    def _settlement_since_opening(self, payment, row, history_from):
        """The settlement of a customer payment dated before the history sent to QuickBooks whose money not
        applied the day before went in as an opening payment (``row``): that amount, applied to what Odoo
        applied it to since (documents bound by then: the history's, or the opening's open ones), the rest
        unapplied.  None for anything else dated before the history (its effect is in the opening balances)."""
        if not row.opening_balance or payment._name != "account.payment" or not row.qbo_id:
            return None
        settlement = payment._quickbooks_settlement()
        if settlement is None or not payment.move_id:
            return None
        _liquidity, counterpart, _writeoff = payment._seek_for_lines()
        party_lines = counterpart.filtered(lambda line: line.account_id.account_type == settlement.side.account_type)
        Run = self.env["quickbooks.parallel.run"]
        home = foreign = Decimal(0)
        for line in party_lines:
            open_home, open_foreign = Run._open_at(line, history_from)
            home += open_home
            foreign += open_foreign
        settlement.invoices = applications_of(party_lines, settlement.side.invoice_type, since=history_from)
        settlement.writeoffs = []  # booked with the payment, before the history
        settlement.home_cash = abs(home)
        settlement.cash = abs(foreign) if payment.currency_id != payment.company_currency_id else abs(home)
        return settlement

    @api.model
    def _push_settlement(self, backend, source, client=None, depth=0):
        """Make the QBO payment of ``source`` record what it settles in Odoo now; returns its sync record.

        :raise RetryableJobError: while the push of a document it settles is queued or running
        """
        row = self.env["quickbooks.sync.state"]._binding_for(
            backend, source, key=source._quickbooks_settlement_key, create=False
        )
        if row.origin == "qbo":
            return row  # recorded in QuickBooks: Odoo mirrors it and never pushes it back
        history_from = backend._history_sent_from()
        if history_from and source.date < history_from and row:
            settlement = self._settlement_since_opening(source, row, history_from)
            if settlement is None:
                return self._dated_before_history(source, row, history_from)
        else:
            settlement = source._quickbooks_settlement()
        if settlement is None or not (settlement.invoices or settlement.credit_notes or settlement.cash):
            # Nothing for a payment; a statement line may still book a fee by an entry of its own.
            self._sync_counterpart_entry(backend, source, settlement, client)
            removed = self._remove_settlement(backend, row, client)
            self._remove_netted(backend, source, client)
            return removed
        row = self._settlement_row(backend, source, row, settlement.side.payment_entity, client)
        if settlement.problems:
            message = self.env._("Not sent to QuickBooks:\n%s", "\n".join(settlement.problems))
            row._fail_with_note(message, kind="validation")
            return row
        documents, waiting = self._settled_documents(backend, settlement)
        netted_documents = {}
        if settlement.netting:
            netted_documents, netted_waiting = self._settled_documents(backend, self._netted_settlement(settlement))
            waiting |= netted_waiting
        if waiting:
            return self._wait_for_documents(backend, source, row, waiting)
        client = client or backend._qbo_client()
        party = self._push_party(backend, settlement.partner, settlement.currency, client, settlement.side)
        try:
            memo = self._sync_writeoff_memo(backend, source, settlement, party.qbo_id, client)
            entry_id = None
            if settlement.netting:
                entry_id = self._sync_netting_entry(backend, source, settlement, party, client)
            extra = self._netting_application(settlement, entry_id)
            body = self._settlement_body(backend, source, settlement, party, documents, memo, extra=extra)
        except MappingProblem as problem:
            row._fail_with_note(
                self.env._("Not sent to QuickBooks, map first:\n%s", "\n".join(problem.problems)), kind="mapping"
            )
            return row
        self._send_settlement(backend, source, row, body, client, depth)
        if settlement.netting:
            try:
                self._sync_netted_payment(backend, source, settlement, entry_id, netted_documents, client, depth)
            except MappingProblem as problem:
                row._fail_with_note(
                    self.env._("Not sent to QuickBooks, map first:\n%s", "\n".join(problem.problems)), kind="mapping"
                )
                return row
        else:
            self._remove_netted(backend, source, client)
        self._sync_counterpart_entry(backend, source, settlement, client)
        if not memo:
            self._remove_writeoff_memo(backend, source._name, source.id, client)
        return row

    def _settlement_row(self, backend, source, row, entity, client):
        """The sync record of ``source``'s QBO payment of ``entity`` (made when missing).  A source that
        changed sides (a statement line's amount changed sign) loses its payment of the other side first."""
        if row and row.qbo_entity != entity:
            self._remove_settlement(backend, row, client)
            row.sudo().write({"qbo_entity": entity, "qbo_id": False, "sync_token": False, "synced_values": False})
        return row or self.env["quickbooks.sync.state"]._binding_for(
            backend, source, entity, key=source._quickbooks_settlement_key
        )

    def _settled_documents(self, backend, settlement):
        """``({move: (QBO entity, QBO id)}, the moves not in QuickBooks)`` of what a settlement applies to."""
        SyncRecords = self.env["quickbooks.sync.state"]
        documents = {}
        waiting = self.env["account.move"]
        for application in settlement.invoices + settlement.credit_notes:
            move = application.move
            bound = SyncRecords._binding_for(backend, move, create=False)
            if not bound.qbo_id or bound.qbo_state != "active":
                waiting |= move
            entity = JOURNAL_ENTRY if move.move_type == "entry" else settlement.side.entity_of(move.move_type)
            documents[move] = (entity, bound.qbo_id)
        return documents, waiting

    def _settlement_body(self, backend, source, settlement, party, documents, memo, extra=()):
        """The QBO Payment (BillPayment) JSON of a settlement: its applications, a write-off memo's too, and
        ``extra`` ones (a netting entry's).

        :raise MappingProblem: when the bank journal of a bill payment is not mapped
        """
        side = settlement.side
        applications = [
            PaymentApplication(documents[a.move][1], a.amount, documents[a.move][0], credit=credit)
            for credit, applied in ((False, settlement.invoices), (True, settlement.credit_notes))
            for a in applied
        ]
        # QuickBooks refuses credits applied beyond the invoices they pay: a write-off whose invoice was
        # unreconciled stays an open credit of the party, as the payment's credit is open in Odoo.
        applications += list(extra)
        room = sum((a.amount for a in settlement.invoices), Decimal(0)) - sum(
            (a.amount for a in settlement.credit_notes), Decimal(0)
        )
        room -= sum((a.amount for a in extra if a.is_credit), Decimal(0))
        memo_applied = min(settlement.writeoff_total, room)
        if memo and memo_applied > 0:
            applications.append(PaymentApplication(memo.qbo_id, memo_applied, side.refund_entity))
        journal_account = settlement.journal.default_account_id if settlement.journal else self.env["account.account"]
        mappings = self._quickbooks_mappings(backend, journal_account, bank=side is PAYABLE)
        if side is not PAYABLE:
            if settlement.cash and settlement.journal and mappings.journal_account(settlement.journal) is None:
                # QuickBooks would keep the money in Undeposited Funds, where Odoo has it on the journal's account.
                raise MappingProblem(
                    [
                        self.env._(
                            "The account of journal %s is not mapped to a QuickBooks bank account: QuickBooks would "
                            "keep this money in Undeposited Funds.",
                            settlement.journal.display_name,
                        )
                    ]
                )
            return build_payment(payment_data(mappings, source, settlement, party.qbo_id, applications))
        data = bill_payment_data(mappings, source, settlement, party.qbo_id, applications)
        if data is None:
            raise MappingProblem(
                [
                    self.env._(
                        "The account of journal %s is not mapped to a QuickBooks bank or credit card account.",
                        settlement.journal.display_name,
                    )
                ]
            )
        return build_bill_payment(data)

    def _send_settlement(self, backend, source, row, body, client, depth):
        """Create or update the QBO payment so that it says ``body`` (nothing when it already does)."""
        entity = row.qbo_entity
        ours = owned(entity, body)
        if row.qbo_id and row.qbo_state == "active" and row.synced_values == ours and row.state == "done":
            return
        self._settle_reductions_first(backend, row, ours, client, depth)
        if row.qbo_id and row.qbo_state == "active":
            request_id = self._request_id(entity, source._name, source.id, "update", row.sync_token)
            self._merged_update(client, row, source, entity, ours, qbo_entity(entity).owned_fields, request_id)
            return
        # A new requestid once an earlier QBO payment of this source was removed (it is part of it).
        request_id = self._request_id(entity, source._name, source.id, "create", row.qbo_id or "")
        created = client.create(entity, body, request_id=request_id)
        row._mark_done(
            created, ours, last_request_id=request_id, qbo_state="active", origin="odoo", attempts=row.attempts + 1
        )
        source._quickbooks_note(
            self.env._(
                "Recorded in QuickBooks as %(entity)s %(id)s.",
                entity=self.env._("bill payment") if qbo_entity(entity).payable else self.env._("payment"),
                id=created["Id"],
            )
        )

    def _wait_for_documents(self, backend, source, row, moves):
        """A settlement of documents not in QuickBooks: wait while their push is queued or running; once
        none is, record why nothing was sent (their push ended without sending them: a missing mapping,
        a refusal, a cancellation).  The settlement is sent again when they reach QuickBooks.

        :raise RetryableJobError: while a push of one of ``moves`` has not ended
        """
        names = ", ".join(moves.mapped("name"))
        pushes = jobs_under_way(moves, ["_quickbooks_push_job"])
        if pushes:
            wait_for_jobs(pushes, self.env._("Waiting for %s to reach QuickBooks first.", names))
        SyncRecords = self.env["quickbooks.sync.state"]
        reasons = []
        for move in moves:
            bound = SyncRecords._binding_for(backend, move, create=False)
            state = dict(bound._fields["state"].selection).get(bound.state) if bound else None
            if bound.qbo_state and bound.qbo_state != "active":
                state = dict(bound._fields["qbo_state"].selection).get(bound.qbo_state)
            reasons.append(
                self.env._("%(name)s: %(state)s", name=move.name, state=state or self.env._("never sent"))
                + (f" ({bound.last_error})" if bound.last_error else "")
            )
        message = self.env._(
            "Not sent to QuickBooks: what it settles is not there yet. It is sent once they are:\n%s",
            "\n".join(reasons),
        )
        row._fail_with_note(message, kind="waiting")
        return row

    @api.model
    def _resume_waiting_settlements(self, backend, move):
        """``move`` just reached QuickBooks: send again the settlements that waited for it."""
        lines = move.line_ids.filtered(
            lambda line: line.account_id.account_type in ("asset_receivable", "liability_payable")
        )
        partials = lines.matched_debit_ids | lines.matched_credit_ids
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        for records in partials._quickbooks_sources():
            for record in records:
                row = SyncRecords._binding_for(backend, record, create=False, key=record._quickbooks_settlement_key)
                if row.state == "failed" and row.failure_kind == "waiting":
                    record._quickbooks_schedule_settlement(backend)

    def _settle_reductions_first(self, backend, row, ours, client, depth):
        """Sync first the other sources whose QBO payments apply more to these documents than Odoo now does."""
        if depth > 2:
            return
        before = _applied(row.synced_values if row.qbo_state == "active" else {})
        grown = [key for key, amount in _applied(ours).items() if amount > before.get(key, 0) + 0.004]
        for txn_type, txn_id in grown:
            self.env.flush_all()
            self.env.cr.execute(
                SQL(
                    """SELECT id FROM quickbooks_sync_state
                    WHERE backend_id = %s AND qbo_entity = %s AND origin = 'odoo' AND qbo_state = 'active'
                      AND id != %s AND synced_values @> %s::jsonb""",
                    backend.id,
                    row.qbo_entity,
                    row.id or 0,
                    json.dumps({"Line": [{"LinkedTxn": [{"TxnId": txn_id, "TxnType": txn_type}]}]}),
                )
            )
            for other in self.env["quickbooks.sync.state"].sudo().browse([r[0] for r in self.env.cr.fetchall()]):
                record = other._record()
                if record is None:
                    self._remove_settlement(backend, other, client)
                else:
                    self._push_settlement(backend, record, client, depth=depth + 1)

    # ------------------------------------------------------------------ removal
    @api.model
    def _remove_settlement(self, backend, row, client=None):
        """Delete the QBO payment of a source that no longer settles anything (and its write-off memo)."""
        if not row:
            return row
        entity = row.qbo_entity
        if row.qbo_id and row.qbo_state == "active" and row.origin == "odoo":
            client = client or backend._qbo_client()
            try:
                current = client.get(entity, row.qbo_id)
            except NotFoundError:
                current = None
            if current is not None:
                request_id = self._request_id(entity, row.res_model, row.res_id, "delete", row.qbo_id)
                client.delete(entity, row.qbo_id, current["SyncToken"], request_id=request_id)
            row.sudo().write({"qbo_state": "deleted", "state": "done", "last_error": False, "failure_kind": False})
            record = row._record()
            if record is not None:
                record._quickbooks_note(
                    self.env._(
                        "Its QuickBooks payment %s was deleted: it no longer settles anything in Odoo.", row.qbo_id
                    )
                )
        elif row.state in ("pending", "failed"):
            row._mark_skipped(self.env._("Nothing to record in QuickBooks (draft, cancelled or not reconciled)."))
        if row.origin == "odoo":
            self._remove_writeoff_memo(backend, row.res_model, row.res_id, client)
        return row

    # ------------------------------------------------------------------ write-off credit memo
    def _sync_writeoff_memo(self, backend, source, settlement, party_qbo_id, client):
        """The credit memo (vendor credit) recording a settlement's write-off; returns its sync record."""
        if not settlement.writeoffs:
            return None
        SyncRecords = self.env["quickbooks.sync.state"]
        entity = settlement.side.refund_entity
        row = SyncRecords._binding_for(backend, source, entity, key="writeoff")
        if settlement.side is not PAYABLE:
            accounts = self.env["account.account"].union(*[w.account for w in settlement.writeoffs if not w.tax_line])
            self._ensure_items(backend, accounts, client)
        accounts = self.env["account.account"].union(*[w.account for w in settlement.writeoffs])
        mappings = self._quickbooks_mappings(backend, accounts, taxes=True)
        data = writeoff_memo_data(mappings, settlement, party_qbo_id, is_us=backend._is_us_company())
        body = qbo_entity(entity).build(data)
        ours = owned(entity, body)
        if row.qbo_id and row.qbo_state == "active":
            if row.synced_values != ours:
                request_id = self._request_id(entity, source._name, source.id, "writeoff", row.sync_token)
                self._merged_update(client, row, source, entity, ours, qbo_entity(entity).owned_fields, request_id)
        else:
            request_id = self._request_id(entity, source._name, source.id, "writeoff", row.qbo_id or "")
            created = client.create(entity, body, request_id=request_id)
            row._mark_done(created, ours, last_request_id=request_id, qbo_state="active", origin="odoo")
        return row

    def _remove_writeoff_memo(self, backend, res_model, res_id, client):
        row = (
            self.env["quickbooks.sync.state"]
            .sudo()
            .search(
                [
                    ("backend_id", "=", backend.id),
                    ("res_model", "=", res_model),
                    ("res_id", "=", res_id),
                    ("binding_key", "=", "writeoff"),
                    ("qbo_state", "=", "active"),
                ],
                limit=1,
            )
        )
        if not row.qbo_id:
            return
        client = client or backend._qbo_client()
        entity = row.qbo_entity
        try:
            current = client.get(entity, row.qbo_id)
            client.delete(
                entity,
                row.qbo_id,
                current["SyncToken"],
                request_id=self._request_id(entity, res_model, res_id, "delete", row.qbo_id),
            )
        except NotFoundError:
            _logger.debug("QuickBooks: %s %s of the write-off was already deleted", entity, row.qbo_id)
        row.write({"qbo_state": "deleted", "state": "done"})
