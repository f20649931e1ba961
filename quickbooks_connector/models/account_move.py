from odoo import api, fields, models
from odoo.exceptions import UserError

from .. import const
from ..adapters.entities import JOURNAL_ENTRY
from ..adapters.entry_settlement import entry_settlement, entry_settlement_side
from ..adapters.settlement import credit_note_settlement
from ..adapters.sides import PAYABLE, PAYMENT_ENTITIES, side_of_move_type
from ..qbo.redact import get_logger
from ..tools.access import check_manager, check_values
from ..tools.failures import FATAL, sort_failure
from ..tools.jobs import enqueue, job, users_work_waiting
from ..tools.switches import YIELD_TO_USERS, switched_on

_logger = get_logger(__name__)


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "quickbooks.bound.mixin", "quickbooks.settlement.source"]

    # A credit note's main binding is its CreditMemo; its applications to invoices are a Payment (a vendor
    # refund's: a VendorCredit, and a BillPayment).  A journal entry's: its JournalEntry, and the Payment
    # (BillPayment) of 0 applying it to the documents it is reconciled with.
    _quickbooks_settlement_key = "application"

    quickbooks_post_version = fields.Integer(
        copy=False,
        readonly=True,
        help="How many times the move was posted: part of the QuickBooks requestid, so a re-post is a new "
        "operation while retries of one post are the same one.",
    )
    quickbooks_skip = fields.Boolean(
        "Skip QuickBooks",
        copy=False,
        tracking=True,
        help="Never send this entry to QuickBooks (e.g. deferrals or accruals the accountant keeps in QuickBooks).",
    )

    quickbooks_import_id = fields.Many2one(
        "quickbooks.import",
        "Imported from QuickBooks",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Made by an import from QuickBooks (an open document, an opening balance): QuickBooks holds its "
        "original, so the connector never sends it.",
    )

    #: The connector's field users set on a move (Odoo's access rights decide who); the others are its own.
    _quickbooks_writable = frozenset({"quickbooks_skip"})

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, self._quickbooks_writable, create=True, own_model=False)
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, [vals], self._quickbooks_writable, own_model=False)
        return super().write(vals)

    def _quickbooks_side(self):
        """Receivable or payable (None for entries and receipts)."""
        self.ensure_one()
        return side_of_move_type(self.move_type)

    def _quickbooks_entity(self):
        """The QBO entity of this move: Invoice or CreditMemo (customer side), Bill or VendorCredit, or
        JournalEntry (a bank statement line's entry is only ever sent as one)."""
        self.ensure_one()
        if self._quickbooks_is_journal_entry() or self.statement_line_id:
            return JOURNAL_ENTRY
        return self._quickbooks_side().entity_of(self.move_type)

    def _quickbooks_backend(self):
        """The connected backend that would receive this move, or an empty recordset."""
        self.ensure_one()
        backend = self.env["quickbooks.backend"].sudo()._for_company(self.company_id)
        if self._quickbooks_is_cash_refund():
            refund_side = self._quickbooks_refund_side()
            enabled = backend.sync_payments_to_qbo and (backend.sync_bills or refund_side is not PAYABLE)
        elif self._quickbooks_is_journal_entry():
            enabled = True  # the journal's own switch said so
        else:
            enabled = backend.sync_bills if self._quickbooks_side() is PAYABLE else backend.sync_invoices
        if backend and backend.state == "connected" and enabled:
            return backend
        return backend.browse()

    def _quickbooks_estimate_ids(self, backend):
        """The QuickBooks Estimates this invoice is made from (their Ids): its invoice links them, which closes
        them in QuickBooks.  None here; sales orders sent as Estimates are ``quickbooks_connector_sale``'s."""
        self.ensure_one()
        return ()

    def _quickbooks_is_candidate(self):
        self.ensure_one()
        if self.quickbooks_skip or self.quickbooks_import_id:
            return False
        return self._quickbooks_side() is not None or self._quickbooks_is_journal_entry()

    def _quickbooks_accounts_to_map(self):
        """The accounts whose mapping a push of this move needs (its product lines' accounts; every account
        of a journal entry)."""
        self.ensure_one()
        if self._quickbooks_is_journal_entry():
            return self.line_ids.account_id
        return self.invoice_line_ids.filtered(lambda line: line.display_type == "product").account_id

    def _post(self, soft=True):
        # Refuse before anything is posted or sent when a needed QBO account went inactive:
        # the user learns why now, not from a failed sync later.  Unmapped accounts do not block
        # posting (the push waits in the sync records until they are mapped).
        backends = {}  # looked up once per post: the sync below needs them again
        for move in self.filtered(lambda m: m._quickbooks_is_candidate()):
            backend = backends[move.id] = move._quickbooks_backend()
            if not backend:
                continue
            accounts = move._quickbooks_accounts_to_map()
            inactive = (
                self.env["quickbooks.account.mapping"]
                .sudo()
                .search(
                    [("backend_id", "=", backend.id), ("account_id", "in", accounts.ids), ("state", "=", "inactive")]
                )
            )
            if inactive:
                self.env["quickbooks.account.mapping"]._check_accounts_or_raise(backend, inactive.account_id)
        posted = super()._post(soft=soft)
        sent = posted.filtered(lambda m: m.state == "posted" and m._quickbooks_is_candidate())
        if sent:
            # The requestid's version, the connector's own: one statement for the whole selection.  Through the
            # ORM, each increment was a write of a posted entry (its checks and recomputations) per document.
            self.env.cr.execute(
                "UPDATE account_move SET quickbooks_post_version = coalesce(quickbooks_post_version, 0) + 1 "
                "WHERE id = ANY(%s)",
                [sent.ids],
            )
            sent.invalidate_recordset(["quickbooks_post_version"])
            sent._quickbooks_schedule_sync(backends=backends, racing=False)
        return posted

    def button_cancel(self):
        result = super().button_cancel()
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        for move in self.filtered(
            lambda m: m.state == "cancel" and (m._quickbooks_side() or m._quickbooks_is_journal_entry())
        ):
            # A row not bound yet may have its push running right now (it would create what the user
            # just cancelled), or an earlier attempt may have created the document and lost the answer
            # before the move went back to draft: the void job waits for the push and looks it up.
            for row in SyncRecords.search(
                [
                    ("res_model", "=", "account.move"),
                    ("res_id", "=", move.id),
                    ("binding_key", "=", ""),
                    ("qbo_state", "=", "active"),
                    "|",
                    ("qbo_id", "!=", False),
                    ("state", "in", ("pending", "draft")),
                ]
            ):
                enqueue(move, f"QuickBooks: void {move.name}")._quickbooks_void_job(row.backend_id)
        return result

    def _quickbooks_schedule_sync(self, backend=None, priority=None, backends=None, racing=True):
        """Queue the push of this move (after commit: queue_job only runs committed jobs).

        ``priority``: a backfill passes :data:`const.BACKFILL_PRIORITY` so that what users validate
        now (and payments recorded in QuickBooks now) does not wait behind it.  ``backends``: the
        connection of each move (by id) when the caller has looked them up already.  ``racing=False``: the
        caller is the transaction that posts these moves (see ``_binding_for``).
        """
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        options = {"priority": priority} if priority else {}
        backends = backends or {}
        for move in self:
            target = backend or (backends[move.id] if move.id in backends else move._quickbooks_backend())
            if not target or not move._quickbooks_is_candidate() or move.state != "posted":
                continue
            row = SyncRecords._binding_for(target, move, move._quickbooks_entity(), racing=racing)
            if row.state != "pending":
                row.state = "pending"
            enqueue(move, f"QuickBooks: push {move.name}", **options)._quickbooks_push_job(target)

    def action_quickbooks_send(self):
        """ "Send to QuickBooks" on selected documents: the posted invoices, credit notes, bills, refunds and
        journal entries (of journals set to send them) among them are sent (customers and numbers looked up in
        batches first); the others are named.

        :raise AccessError: if the user is not a QuickBooks manager
        :raise UserError: if none of them can be sent
        """
        check_manager(self)
        candidates = self.filtered(lambda m: m.state == "posted" and m._quickbooks_is_candidate())
        queued = self.browse()
        for backend in {move._quickbooks_backend() for move in candidates}:
            if not backend:
                continue
            moves = candidates.filtered(lambda m, b=backend: m._quickbooks_backend() == b)
            backend._quickbooks_schedule_backfill(moves)
            queued |= moves
        left = self - queued
        if not queued:
            raise UserError(
                self.env._(
                    "Nothing to send: QuickBooks receives posted invoices, credit notes, bills and refunds, and the "
                    "entries of journals set to send them, not marked 'Skip QuickBooks', of a company connected "
                    "to QuickBooks."
                )
            )
        message = self.env._("%s document(s) queued for QuickBooks.", len(queued))
        if left:
            message += " " + self.env._(
                "Not sent (draft, cancelled, skipped or not connected): %s.",
                ", ".join(left.mapped(lambda m: m.name or m.display_name)),
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "info", "title": self.env._("QuickBooks"), "message": message},
        }

    @job
    def _quickbooks_push_job(self, backend):
        """Job: send this posted invoice, credit note, bill, refund or journal entry to QuickBooks (create or
        update)."""
        self.ensure_one()
        Push = self.env["quickbooks.push"]
        return Push._run_bound(backend, self, self._quickbooks_entity(), lambda: Push._push_move(backend, self)).state

    @job
    def _quickbooks_push_chunk_job(self, backend):
        """Job: send the first :data:`const.PUSH_CHUNK` of these posted documents, one after the other, then queue
        the rest as the next job of the chain, behind what other connections queued meanwhile.

        A backfill's documents go ten to a job (one job's start and end, and one read of the connection's
        mappings, for ten documents), in :data:`const.BACKFILL_CHAINS` chains per connection: a connection
        never has more jobs waiting than that, so the backfills of several companies take turns instead of
        the first one queued holding every worker.  Each document is sent as its own job would send it, in a
        savepoint.  When one must wait or be tried again later (QuickBooks' request budget, a network error,
        a paused connection, another worker), it and the rest of the chain go to a job of their own after
        the wait asked for; the first document's wait is the job's own (queue_job's retries and back-off).
        A document that fails for any other reason is recorded as failed on its sync record, with Retry,
        and the chain goes on."""
        Push = self.env["quickbooks.push"]
        backend = backend._qbo_bulk_lane()
        chunk = self[: const.PUSH_CHUNK]
        for index, move in enumerate(chunk):
            if move.state != "posted":
                continue
            if index and users_work_waiting(self.env.cr):
                # What a user validated (or a payment the CPA recorded) waits for a worker: give this one back
                # after each document, as a job of its own would, and go on behind it.
                self[index:]._quickbooks_schedule_chain(backend)
                return self.env._("%s sent; the rest goes on after work waiting for a worker.", index)
            try:
                # After the first document, one that must wait for QuickBooks' pace while users' work waits for
                # a worker gives the worker back (the first always goes: each job gets something done).
                sender = switched_on(backend, YIELD_TO_USERS) if index else backend
                with self.env.cr.savepoint():
                    Push._run_bound(
                        sender,
                        move,
                        move._quickbooks_entity(),
                        lambda move=move, sender=sender: Push._push_move(sender, move),
                    )
            except Exception as error:  # sorted as every job's failures are (tools/failures)
                failure = sort_failure(self.env, error)
                if failure.retried:
                    if index == 0:
                        raise
                    self[index:]._quickbooks_schedule_chain(backend, eta=failure.retry_after)
                    return self.env._("%(sent)s sent; the rest waits: %(why)s", sent=index, why=failure.message)
                if failure.kind == FATAL:
                    _logger.exception("QuickBooks: pushing %s failed", move.display_name)
                row = self.env["quickbooks.sync.state"]._binding_for(backend, move, move._quickbooks_entity())
                row._fail_with_note(failure.message, kind="other")
        rest = self[const.PUSH_CHUNK :]
        if rest:
            rest._quickbooks_schedule_chain(backend)
        return self.env._("%(sent)s document(s) sent, %(rest)s queued next.", sent=len(chunk), rest=len(rest))

    def _quickbooks_schedule_chunks(self, backend):
        """Queue the push of these posted documents (a backfill's) in :data:`const.BACKFILL_CHAINS` chains of
        chunks, at the backfill priority (what users validate now does not wait behind them)."""
        for start in range(const.BACKFILL_CHAINS):
            chain = self[start :: const.BACKFILL_CHAINS]
            if chain:
                chain._quickbooks_schedule_chain(backend)

    def _quickbooks_schedule_chain(self, backend, eta=None):
        options = {"priority": const.BACKFILL_PRIORITY, **({"eta": eta} if eta else {})}
        description = self.env._(
            "QuickBooks: push %(now)s of %(left)s document(s)", now=min(len(self), const.PUSH_CHUNK), left=len(self)
        )
        enqueue(self, description, **options)._quickbooks_push_chunk_job(backend)

    def unlink(self):
        # Odoo deletes the draft entry of a payment cancelled from draft (a cash refund sent as a journal
        # entry): what it has in QuickBooks must go with it.  Documents are voided on cancellation instead.
        rows = (
            self.env["quickbooks.sync.state"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "account.move"),
                    ("res_id", "in", self.ids),
                    ("origin", "=", "odoo"),
                    ("qbo_state", "=", "active"),
                    ("qbo_id", "!=", False),
                    ("qbo_entity", "in", (JOURNAL_ENTRY, *PAYMENT_ENTITIES)),
                ]
            )
        )
        gone = {(row.backend_id, row.res_id) for row in rows}
        result = super().unlink()
        for backend, move_id in gone:
            move = self.browse(move_id)
            enqueue(move, self.env._("QuickBooks: remove deleted entry %s", move_id))._quickbooks_void_job(backend)
        return result

    @job
    def _quickbooks_void_job(self, backend):
        """Job: void (or, for what QuickBooks cannot void: credit memos, bills, vendor credits, journal entries,
        delete) the QBO document of this cancelled move; a move deleted since has its QuickBooks payment of
        0 and its journal entry deleted."""
        self.ensure_one()
        Push = self.env["quickbooks.push"]
        if not self.exists():
            return Push._remove_deleted_entry(backend, self)
        row = Push._run_bound(
            backend, self, self._quickbooks_entity(), lambda: Push._void_move(backend, self), create=False
        )
        return row.qbo_state if row else "not bound"

    # ------------------------------------------------------------------ credit note applications
    def _quickbooks_is_settlement_candidate(self):
        self.ensure_one()
        if self.quickbooks_skip:
            return False
        return self.move_type in ("out_refund", "in_refund") or self._quickbooks_is_journal_entry()

    def _quickbooks_settlement_side(self):
        if self.move_type == "entry":
            return entry_settlement_side(self)
        return self._quickbooks_side()

    def _quickbooks_settlement(self):
        if self.move_type == "entry":
            return entry_settlement(self) if self._quickbooks_is_journal_entry() else None
        return credit_note_settlement(self)

    def _quickbooks_settlement_backend(self):
        return self._quickbooks_backend() and super()._quickbooks_settlement_backend()
