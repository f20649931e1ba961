"""The QuickBooks dashboard: a card per connection with what an accountant checks in the morning.

Records by status, the last successful sync, the jobs still queued or running, and the verdict of the
last reconciliation; each figure opens the list behind it.
"""

from odoo import fields, models

from ..tools.access import check_user
from ..tools.jobs import UNDER_WAY_STATES


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    dashboard_done_count = fields.Integer("Synced", compute="_compute_dashboard")
    dashboard_pending_count = fields.Integer("Waiting", compute="_compute_dashboard")
    dashboard_failed_count = fields.Integer("Failed", compute="_compute_dashboard")
    dashboard_last_success_at = fields.Datetime("Last Successful Sync", compute="_compute_dashboard")
    dashboard_queue_depth = fields.Integer(
        "Jobs Queued or Running", compute="_compute_dashboard", help="QuickBooks jobs of the company not ended yet."
    )
    dashboard_reconciliation_state = fields.Char("Last Reconciliation", compute="_compute_dashboard")
    dashboard_reconciliation_at = fields.Datetime("Reconciled On", compute="_compute_dashboard")

    def _compute_dashboard(self):
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        Run = self.env["quickbooks.reconciliation"].sudo()
        Job = self.env["queue.job"].sudo()
        run_states = dict(Run._fields["state"].selection)
        for backend in self:
            mine = [("backend_id", "=", backend.id)]
            counts = dict(SyncRecords._read_group(mine, ["state"], ["__count"]))
            backend.dashboard_done_count = counts.get("done", 0)
            backend.dashboard_pending_count = counts.get("pending", 0)
            backend.dashboard_failed_count = counts.get("failed", 0) + counts.get("conflict", 0)
            last = SyncRecords.search([*mine, ("last_success_at", "!=", False)], order="last_success_at desc", limit=1)
            backend.dashboard_last_success_at = last.last_success_at
            backend.dashboard_queue_depth = Job.search_count(
                [
                    ("company_id", "=", backend.company_id.id),
                    ("channel", "=like", "root.quickbooks%"),
                    ("state", "in", UNDER_WAY_STATES),
                ]
            )
            run = Run.search(mine, order="run_at desc, id desc", limit=1)
            backend.dashboard_reconciliation_state = run_states.get(run.state) if run else False
            backend.dashboard_reconciliation_at = run.run_at

    def _open_sync_records(self, states, name):
        check_user(self)
        action = self.env["ir.actions.act_window"]._for_xml_id("quickbooks_connector.action_quickbooks_sync_state")
        action["domain"] = [("backend_id", "in", self.ids), ("state", "in", states)]
        action["name"] = name
        return action

    def action_open_sync_done(self):
        """Open the connection's synced records.

        :raise AccessError: if the user is not a QuickBooks user
        """
        return self._open_sync_records(["done"], self.env._("Synced"))

    def action_open_sync_pending(self):
        """Open the connection's records waiting to be sent.

        :raise AccessError: if the user is not a QuickBooks user
        """
        return self._open_sync_records(["pending"], self.env._("Waiting for QuickBooks"))

    def action_open_sync_failed(self):
        """Open the connection's failed records.

        :raise AccessError: if the user is not a QuickBooks user
        """
        return self._open_sync_records(["failed", "conflict"], self.env._("Failed Syncs"))
