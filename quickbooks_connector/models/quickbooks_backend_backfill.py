"""Backfills: thousands of older invoices sent to QuickBooks at close to its rate limit.

Every push looks its customer and its number up in QuickBooks before creating them, so that an
earlier push whose binding was lost, or a document typed by the CPA, is bound instead of
duplicated.  One look-up per invoice would double a backfill's requests (QuickBooks allows 500 a
minute per company); a backfill therefore looks its customers and numbers up in batches first
(``IN`` queries of a couple hundred values), binds what exists and marks the rest "not in
QuickBooks", then queues the pushes, which skip their own look-up.  A duplicate QuickBooks refuses
at create time is still looked up and bound by the push itself.
"""

from odoo import fields, models

from .. import const
from ..adapters import customer_display_name
from ..adapters.entities import qbo_entity
from ..adapters.sides import RECEIVABLE, side_of_move_type
from ..tools.access import check_manager
from ..tools.jobs import enqueue, job

CUSTOMER = RECEIVABLE.party_entity


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    def _quickbooks_schedule_backfill(self, moves):
        """Queue the preparation of a backfill (it queues the pushes once the look-ups are done)."""
        self.ensure_one()
        check_manager(self)
        self._mark_backlog_started()
        moves = moves.sorted(lambda move: (move.invoice_date or move.date, move.id))
        for start in range(0, len(moves), const.BACKFILL_CHUNK):
            chunk = moves[start : start + const.BACKFILL_CHUNK]
            for move in chunk:  # shown as waiting in the sync records right away
                self.env["quickbooks.sync.state"]._binding_for(
                    self, move, move._quickbooks_entity()
                ).sudo().state = "pending"
            enqueue(
                self.sudo(),
                self.env._("QuickBooks: prepare the backfill of %s document(s)", len(chunk)),
                priority=const.BACKFILL_PRIORITY,
            )._quickbooks_prepare_backfill_job(chunk.ids)

    @job
    def _quickbooks_prepare_backfill_job(self, move_ids):
        """Job: look a backfill's customers and numbers up in batches, bind what QuickBooks already has,
        then queue the pushes (at backfill priority)."""
        self.ensure_one()
        moves = self.env["account.move"].browse(move_ids).exists().filtered(lambda m: m.state == "posted")
        Push = self.env["quickbooks.push"]
        bulk = self._qbo_bulk_lane()
        Push._run(self, self.env["quickbooks.sync.state"], lambda: bulk._quickbooks_look_up_backfill(moves))
        moves.filtered(lambda move: move._quickbooks_is_candidate())._quickbooks_schedule_chunks(self)
        return self.env._("%s document(s) looked up and queued.", len(moves))

    def _quickbooks_look_up_backfill(self, moves):
        client = self._qbo_client()
        now = fields.Datetime.now()
        # Documents QuickBooks numbers like Odoo (invoices, credit memos) are looked up by number; bills by
        # their own push (QuickBooks does not keep bill numbers unique).
        moves = moves.filtered(lambda m: side_of_move_type(m.move_type) is RECEIVABLE)
        self._look_up_customers(client, moves, now)
        for move_type in RECEIVABLE.move_types:
            entity = RECEIVABLE.entity_of(move_type)
            if qbo_entity(entity).numbered:
                self._look_up_documents(client, entity, moves.filtered(lambda m, t=move_type: m.move_type == t), now)

    def _look_up_customers(self, client, moves, now):
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        Push = self.env["quickbooks.push"]
        home = self.qbo_home_currency or self.company_id.currency_id.name
        wanted = {}
        for move in moves:
            partner, currency = move.commercial_partner_id, move.currency_id
            row = SyncRecords._binding_for(self, partner, CUSTOMER, key=Push._customer_key(self, currency))
            if not row.qbo_id:
                wanted[customer_display_name(partner, currency, home)] = (row, currency)
        found = client.find_in(CUSTOMER, "DisplayName", wanted, where="Active in (true, false)") if wanted else {}
        for name, (row, currency) in wanted.items():
            mine = [
                customer
                for customer in found.get(name, [])
                if (customer.get("CurrencyRef") or {}).get("value", home) == currency.name
                and not SyncRecords._binding_for_qbo(self, CUSTOMER, customer["Id"])
            ]
            if mine:  # adopted by the push (it makes the customer match Odoo)
                row.qbo_absent_at = False
            else:
                row.qbo_absent_at = now

    def _look_up_documents(self, client, entity, moves, now):
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        rows = {move: SyncRecords._binding_for(self, move, entity) for move in moves if move.name}
        unbound = {move.name: row for move, row in rows.items() if not row.qbo_id}
        found = client.find_in(entity, "DocNumber", unbound) if unbound else {}
        for number, row in unbound.items():
            theirs = [doc for doc in found.get(number, []) if not SyncRecords._binding_for_qbo(self, entity, doc["Id"])]
            row.qbo_absent_at = False if theirs else now  # found: the push binds it with its own look-up
