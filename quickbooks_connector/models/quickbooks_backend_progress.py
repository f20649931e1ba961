"""How far a backlog of documents waiting for QuickBooks has got (shown on the connection form)."""

from odoo import fields, models

from .. import const


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    backlog_pending = fields.Integer("Waiting", compute="_compute_backlog")
    backlog_failed = fields.Integer("Failed", compute="_compute_backlog")
    backlog_done = fields.Integer(
        "Sent", compute="_compute_backlog", help="Documents sent since the oldest one still waiting was queued."
    )
    backlog_progress = fields.Float("Progress", compute="_compute_backlog")
    backlog_rate = fields.Float("Documents per Minute", compute="_compute_backlog", digits=(16, 1))
    backlog_eta = fields.Char("Time Left", compute="_compute_backlog")

    def _compute_backlog(self):
        Ledger = self.env["quickbooks.sync.state"].sudo()
        now = fields.Datetime.now()
        for backend in self:
            documents = [
                ("backend_id", "=", backend.id),
                ("res_model", "=", "account.move"),
                ("qbo_entity", "in", ("Invoice", "CreditMemo")),
            ]
            pending = Ledger.search([*documents, ("state", "=", "pending")], order="write_date", limit=1)
            backend.backlog_pending = Ledger.search_count([*documents, ("state", "=", "pending")])
            backend.backlog_failed = Ledger.search_count([*documents, ("state", "in", ("failed", "conflict"))])
            since = pending.write_date if pending else now
            done = [*documents, ("state", "=", "done")]
            backend.backlog_done = Ledger.search_count([*done, ("last_success_at", ">=", since)])
            window = [*done, ("last_success_at", ">=", now - const.BACKLOG_RATE_WINDOW)]
            recent = Ledger.search_count(window)
            # Over the time documents have been going out in the window, not the whole window: a
            # backlog started three minutes ago is not three times slower than it is.
            first = Ledger.search(window, order="last_success_at", limit=1).last_success_at if recent else now
            elapsed = max((now - first).total_seconds(), const.BACKLOG_MIN_RATE_SECONDS)
            rate = recent / (elapsed / 60)
            total = backend.backlog_done + backend.backlog_pending
            backend.backlog_progress = 100.0 * backend.backlog_done / total if total else 100.0
            backend.backlog_rate = rate
            if not backend.backlog_pending:
                backend.backlog_eta = self.env._("Nothing waiting")
            elif not rate:
                backend.backlog_eta = self.env._(
                    "Not moving (connection paused, QuickBooks unreachable, or the job runner is not running)"
                )
            else:
                minutes = backend.backlog_pending / rate
                backend.backlog_eta = self.env._("About %s minute(s)", max(1, round(minutes)))
