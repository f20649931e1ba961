"""Push every posted invoice and credit note (and vendor bill and refund, when bills are synced) of a
period, then its entries sent as journal entries: a first sync for a company with history.

Customers and numbers are first looked up in batches (``quickbooks_backend_backfill``), then each document
gets its own job on the QuickBooks channel, behind interactive work; the jobs share the per-realm
rate governor, so a backlog of thousands drains at close to QBO's limit without 429s.
"""

from odoo import api, fields, models

from ..tools.access import check_backends, check_manager, check_values

#: What the user chooses; the count is computed.
CHOICES = frozenset({"backend_id", "date_from", "date_to", "include_synced"})


class QuickbooksBulkPushWizard(models.TransientModel):
    _name = "quickbooks.bulk.push.wizard"
    _description = "Push posted invoices to QuickBooks"

    backend_id = fields.Many2one(
        "quickbooks.backend", required=True, default=lambda self: self.env["quickbooks.backend"]._for_company()
    )
    date_from = fields.Date(required=True, default=lambda self: fields.Date.today().replace(month=1, day=1))
    date_to = fields.Date(required=True, default=fields.Date.today)
    include_synced = fields.Boolean(
        "Send already synced documents again", help="Re-send documents already in QuickBooks (updates them)."
    )
    move_count = fields.Integer(compute="_compute_move_count", string="Documents to send")

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, CHOICES, create=True)
        default = self.env.context.get("default_backend_id")
        check_backends(self.env, [vals.get("backend_id", default) for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, [vals], CHOICES)
        if "backend_id" in vals:
            check_backends(self.env, [vals["backend_id"]])
        return super().write(vals)

    def _moves(self):
        self.ensure_one()
        move_types = ("out_invoice", "out_refund") + (("in_invoice", "in_refund") if self.backend_id.sync_bills else ())
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", self.backend_id.company_id.id),
                ("state", "=", "posted"),
                ("move_type", "in", move_types),
                ("quickbooks_skip", "=", False),
                ("invoice_date", ">=", self.date_from),
                ("invoice_date", "<=", self.date_to),
            ],
            order="invoice_date, id",
        )
        moves |= self._entries()
        if self.include_synced:
            return moves
        done = (
            self.env["quickbooks.sync.state"]
            .sudo()
            .search(
                [
                    ("backend_id", "=", self.backend_id.id),
                    ("res_model", "=", "account.move"),
                    ("res_id", "in", moves.ids),
                    ("state", "=", "done"),
                ]
            )
            .mapped("res_id")
        )
        return moves.filtered(lambda move: move.id not in set(done))

    def _entries(self):
        """The period's entries the connector sends as journal entries (of the journals set to send them, and
        cash refunds), after the documents: their applications need the documents there first."""
        entries = self.env["account.move"].search(
            [
                ("company_id", "=", self.backend_id.company_id.id),
                ("state", "=", "posted"),
                ("move_type", "=", "entry"),
                ("quickbooks_skip", "=", False),
                ("date", ">=", self.date_from),
                ("date", "<=", self.date_to),
                "|",
                ("journal_id.quickbooks_send_entries", "=", True),
                ("origin_payment_id", "!=", False),
            ],
            order="date, id",
        )
        return entries.filtered(lambda move: move._quickbooks_is_candidate() and move._quickbooks_backend())

    @api.depends("backend_id", "date_from", "date_to", "include_synced")
    def _compute_move_count(self):
        for wizard in self:
            wizard.move_count = len(wizard._moves()) if wizard.backend_id and wizard.date_from else 0

    def action_push(self):
        self.ensure_one()
        check_manager(self.backend_id)
        self.backend_id._ensure_connected()
        moves = self._moves()
        self.backend_id._quickbooks_schedule_backfill(moves)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("QuickBooks"),
                "message": self.env._(
                    "%s document(s) queued for QuickBooks: the connection shows how far they have got.", len(moves)
                ),
                "next": self.backend_id._open_form_action(),
            },
        }
