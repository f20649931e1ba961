"""Every reconciliation and un-reconciliation of receivable (payable) lines goes through partials: the one
place that sees them all (payment registration, the invoice's payment widget "Add"/"Unreconcile",
credit-note reversal, bank matching, cancelling or deleting a move).  Each change re-syncs the
QuickBooks Payment (BillPayment) of the settlement sources involved (see ``adapters/settlement.py``)."""

import json

from odoo import api, fields, models

from ..adapters.settlement import sources_of_moves
from ..tools.access import check_values
from ..tools.switches import PULLED, switch


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    quickbooks_pulled = fields.Boolean(
        "From QuickBooks",
        readonly=True,
        copy=False,
        help="Made by applying a payment recorded in QuickBooks: that payment already records it, so it is "
        "never pushed back.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, create=True, own_model=False)
        pulled = bool(switch(self.env, PULLED))
        if pulled:
            vals_list = [{**vals, "quickbooks_pulled": True} for vals in vals_list]
        partials = super().create(vals_list)
        if not pulled:
            partials._quickbooks_schedule_settlements()
        return partials

    def write(self, vals):
        check_values(self, [vals], own_model=False)
        return super().write(vals)

    def unlink(self):
        # The sources are read before the partials go (a deleted statement line takes its move along).
        sources = self.filtered(lambda partial: not partial.quickbooks_pulled)._quickbooks_sources()
        if not switch(self.env, PULLED):
            self.filtered("quickbooks_pulled")._quickbooks_flag_undone_in_odoo()
        result = super().unlink()
        for records in sources:
            records._quickbooks_schedule_settlement()
        return result

    def _quickbooks_flag_undone_in_odoo(self):
        """A reconciliation a QuickBooks payment made, undone by hand in Odoo: QuickBooks is master of that
        payment, so this is drift (a retry of its sync record applies QuickBooks' version again)."""
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        for partial in self:
            self.env.cr.execute(
                """SELECT id FROM quickbooks_sync_state WHERE qbo_entity IN ('Payment', 'BillPayment')
                    AND origin = 'qbo' AND synced_values @> %s::jsonb""",
                [json.dumps({"pulled": {"partials": [partial.id]}})],
            )
            for row in SyncRecords.browse([r[0] for r in self.env.cr.fetchall()]):
                note = self.env._(
                    "A reconciliation made by QuickBooks payment %(id)s was undone in Odoo (%(move)s); "
                    "QuickBooks still applies it. Retry the row to apply QuickBooks' payment again.",
                    id=row.qbo_id,
                    move=partial.debit_move_id.move_id.name,
                )
                row.write({"drift_detected": True, "drift_note": note, "drift_at": fields.Datetime.now()})

    def _quickbooks_sources(self):
        lines = (self.debit_move_id | self.credit_move_id).filtered(
            lambda line: line.account_id.account_type in ("asset_receivable", "liability_payable")
        )
        return sources_of_moves(lines.move_id)

    def _quickbooks_schedule_settlements(self):
        for records in self._quickbooks_sources():
            records._quickbooks_schedule_settlement()
