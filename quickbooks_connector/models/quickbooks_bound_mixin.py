"""QuickBooks status on the records the connector binds (partners, invoices)."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from .. import const
from ..tools.access import check_user
from .quickbooks_sync_state import SYNC_STATES


class QuickbooksBoundMixin(models.AbstractModel):
    _name = "quickbooks.bound.mixin"
    _description = "Record synchronised with QuickBooks"

    # Computed with sudo from the sync records: only QuickBooks users may read them (portal users never).
    quickbooks_sync_state_id = fields.Many2one(
        "quickbooks.sync.state",
        compute="_compute_quickbooks_status",
        string="QuickBooks Binding",
        groups=const.GROUP_USER,
    )
    quickbooks_status = fields.Selection(
        [*SYNC_STATES, ("none", "Not synced")],
        string="QuickBooks Status",
        compute="_compute_quickbooks_status",
        search="_search_quickbooks_status",
        groups=const.GROUP_USER,
    )
    quickbooks_url = fields.Char("View in QuickBooks", compute="_compute_quickbooks_status", groups=const.GROUP_USER)
    quickbooks_last_error = fields.Text(
        "QuickBooks Error", compute="_compute_quickbooks_status", groups=const.GROUP_USER
    )
    quickbooks_drift_note = fields.Text(
        "Changed in QuickBooks", compute="_compute_quickbooks_status", groups=const.GROUP_USER
    )

    @api.depends_context("company")
    def _compute_quickbooks_status(self):
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        backend = self.env["quickbooks.backend"].sudo()._for_company(self.env.company)
        rows = (
            SyncRecords.search(
                [("backend_id", "=", backend.id), ("res_model", "=", self._name), ("res_id", "in", self.ids)],
                order="binding_key desc",
            )
            if backend and self.ids
            else SyncRecords
        )
        by_id = {row.res_id: row for row in rows}  # the main binding (key "") comes last and wins
        for record in self:
            row = by_id.get(record.id, SyncRecords)
            record.quickbooks_sync_state_id = row
            record.quickbooks_status = row.state or "none"
            record.quickbooks_url = row.qbo_url or False
            record.quickbooks_last_error = row.last_error or False
            record.quickbooks_drift_note = row.drift_note if row.drift_detected else False

    def _search_quickbooks_status(self, operator, value):
        """Filter lists by QuickBooks status (the current company's connection; "none": never bound)."""
        if operator not in ("=", "!=", "in", "not in"):
            return NotImplemented
        # Odoo 19 hands "=" over as "in" with a set of values; a single value is accepted too.
        wanted = {value} if isinstance(value, str) or value is False else set(value)
        backend = self.env["quickbooks.backend"].sudo()._for_company(self.env.company)
        rows = (
            self.env["quickbooks.sync.state"]
            .sudo()
            ._read_group(
                [("backend_id", "=", backend.id), ("res_model", "=", self._name), ("binding_key", "=", "")],
                ["state"],
                ["res_id:array_agg"],
            )
        )
        by_state = {state: set(ids) for state, ids in rows}
        bound = set().union(*by_state.values()) if by_state else set()
        ids = set().union(*(by_state.get(state, set()) for state in wanted - {"none"}))
        domain = [("id", "in", list(ids))]
        if "none" in wanted:
            domain = ["|", ("id", "not in", list(bound)), *domain]
        if operator in ("!=", "not in"):
            domain = ["!", *domain]
        return domain

    def _quickbooks_note(self, body):
        """Log something about its QuickBooks sync on the record's chatter (a note: nobody is notified, as with
        a posted note, and it costs a fraction of one)."""
        self.ensure_one()
        self._message_log(body=body)

    def _quickbooks_schedule_sync(self, backend=None):
        """Queue what sends this record to QuickBooks (``backend``: that connection, else the company's).
        Each bound model says how; a sync record's Retry calls it."""
        raise NotImplementedError

    def action_view_in_quickbooks(self):
        """Open this record's object in QuickBooks, in a new tab.

        :raise AccessError: if the user is not a QuickBooks user
        :raise UserError: if the record is not in QuickBooks yet
        """
        self.ensure_one()
        check_user(self)
        if not self.quickbooks_url:
            raise UserError(self.env._("This record is not in QuickBooks yet."))
        return {"type": "ir.actions.act_url", "url": self.quickbooks_url, "target": "new"}

    def action_open_quickbooks_sync_record(self):
        """Open this record's sync record.

        :raise AccessError: if the user is not a QuickBooks user
        :raise UserError: if the record has no sync record yet
        """
        self.ensure_one()
        check_user(self)
        if not self.quickbooks_sync_state_id:
            raise UserError(self.env._("This record has no QuickBooks history yet."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "quickbooks.sync.state",
            "res_id": self.quickbooks_sync_state_id.id,
            "view_mode": "form",
            "target": "current",
        }
