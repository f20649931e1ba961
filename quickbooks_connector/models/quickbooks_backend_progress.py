"""How far the documents sent to QuickBooks have got (the connection form's "Sending to QuickBooks").

A push of many documents (the "Send to QuickBooks" wizard, a backfill) marks when it started; from
then on the block counts every document of the company the connector sends (invoices, credit notes,
bills, vendor refunds) sent, failed and waiting since that moment, the rate and the time left, and
once nothing is waiting, when it finished and with what result.  The form refreshes itself while
documents are waiting (``static/src/backlog_live_field.js``).
"""

from odoo import fields, models

from .. import const


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    backlog_started_at = fields.Datetime(
        "Push Started", readonly=True, copy=False, help="When the last push of many documents was queued."
    )
    backlog_pending = fields.Integer("Waiting", compute="_compute_backlog")
    backlog_failed = fields.Integer("Failed", compute="_compute_backlog")
    backlog_done = fields.Integer("Sent", compute="_compute_backlog", help="Documents sent since the push started.")
    backlog_progress = fields.Float("Progress", compute="_compute_backlog")
    backlog_rate = fields.Float("Documents per Minute", compute="_compute_backlog", digits=(16, 1))
    backlog_eta = fields.Char("Time Left", compute="_compute_backlog")
    backlog_finished_at = fields.Datetime("Finished", compute="_compute_backlog")
    backlog_summary = fields.Char("Result", compute="_compute_backlog")

    def _mark_backlog_started(self):
        """A push of many documents starts now (unless one is still running: it goes on counting)."""
        for backend in self.sudo():
            if not backend.backlog_started_at or not backend.backlog_pending:
                backend.backlog_started_at = fields.Datetime.now()

    def _open_form_action(self):
        """The connection's form (where the push's progress shows)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "name": self.env._("QuickBooks Connection"),
        }

    def _compute_backlog(self):
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        now = fields.Datetime.now()
        for backend in self:
            documents = [("backend_id", "=", backend.id), ("res_model", "=", "account.move"), ("binding_key", "=", "")]
            pending = SyncRecords.search_count([*documents, ("state", "=", "pending")])
            since = backend.backlog_started_at
            if not since:  # no push of many documents yet: what is waiting now, since it was queued
                oldest = SyncRecords.search([*documents, ("state", "=", "pending")], order="write_date", limit=1)
                since = oldest.write_date or now
            done = [*documents, ("state", "=", "done"), ("qbo_state", "=", "active")]
            backend.backlog_pending = pending
            backend.backlog_done = SyncRecords.search_count([*done, ("last_success_at", ">=", since)])
            backend.backlog_failed = SyncRecords.search_count(
                [*documents, ("state", "in", ("failed", "conflict")), ("last_attempt_at", ">=", since)]
            )
            window = [*done, ("last_success_at", ">=", now - const.BACKLOG_RATE_WINDOW)]
            recent = SyncRecords.search_count(window)
            # Over the time documents have been going out in the window, not the whole window: a
            # backlog started three minutes ago is not three times slower than it is.
            first = SyncRecords.search(window, order="last_success_at", limit=1).last_success_at if recent else now
            elapsed = max((now - first).total_seconds(), const.BACKLOG_MIN_RATE_SECONDS)
            rate = recent / (elapsed / 60)
            total = backend.backlog_done + backend.backlog_failed + pending
            backend.backlog_progress = 100.0 * (total - pending) / total if total else 100.0
            backend.backlog_rate = rate if pending else 0.0
            last = SyncRecords.search(
                [*documents, ("last_attempt_at", ">=", since)], order="last_attempt_at desc", limit=1
            )
            backend.backlog_finished_at = last.last_attempt_at if not pending and last else False
            if pending:
                backend.backlog_summary = self.env._(
                    "%(done)s sent, %(failed)s failed, %(pending)s waiting",
                    done=backend.backlog_done,
                    failed=backend.backlog_failed,
                    pending=pending,
                )
            elif total:
                backend.backlog_summary = self.env._(
                    "Finished: %(done)s sent, %(failed)s failed",
                    done=backend.backlog_done,
                    failed=backend.backlog_failed,
                )
            else:
                backend.backlog_summary = False
            if not pending:
                backend.backlog_eta = self.env._("Nothing waiting")
            elif not rate:
                backend.backlog_eta = self.env._(
                    "Not moving (connection paused, QuickBooks unreachable, or the job runner is not running)"
                )
            else:
                minutes = pending / rate
                backend.backlog_eta = self.env._("About %s minute(s)", max(1, round(minutes)))
