"""The parallel run of a cutover: for a set number of days both books receive the same work, and each night's
books comparison (trial balance, aging, profit and loss) gives the day its verdict.  The exit rule (by
default: five clean days in a row, one of them a month-end) says when the company can switch; the sign-off
report (``report/quickbooks_parallel_run_report.xml``) puts the final figures side by side for the accountant.

A day is clean when that night's reconciliation matched and its unexplained differences add up to no more
than the run's tolerance.  What makes a day unclean is kept with the day, with the accountant's note of how it
was resolved.
"""

import calendar
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.access import check_backends, check_manager, check_user, check_values

DIRECTIONS = [
    ("qbo_to_odoo", "QuickBooks → Odoo (moving to Odoo)"),
    ("odoo_to_qbo", "Odoo → QuickBooks (moving to QuickBooks)"),
]


def is_month_end(day):
    return day.day == calendar.monthrange(day.year, day.month)[1]


class QuickbooksParallelRun(models.Model):
    _name = "quickbooks.parallel.run"
    _description = "QuickBooks parallel run"
    _order = "start_date desc, id desc"

    name = fields.Char(compute="_compute_name")
    backend_id = fields.Many2one("quickbooks.backend", "Connection", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    start_date = fields.Date(required=True, default=fields.Date.context_today)
    length_days = fields.Integer("Length (days)", default=30, required=True)
    end_date = fields.Date(compute="_compute_end_date", store=True)
    direction = fields.Selection(DIRECTIONS, default="qbo_to_odoo", required=True)
    tolerance = fields.Monetary(
        default=0.0, help="Unexplained differences up to this total still make a clean day (0: to the cent)."
    )
    exit_clean_days = fields.Integer("Clean Days in a Row to Exit", default=5, required=True)
    exit_needs_month_end = fields.Boolean("Including a Month-End", default=True)
    state = fields.Selection(
        [("running", "Running"), ("signed_off", "Signed Off"), ("stopped", "Stopped")],
        default="running",
        required=True,
        readonly=True,
    )
    day_ids = fields.One2many("quickbooks.parallel.day", "run_id", "Days", readonly=True)
    days_run = fields.Integer(compute="_compute_verdict")
    clean_days = fields.Integer(compute="_compute_verdict")
    consecutive_clean_days = fields.Integer("Clean Days in a Row", compute="_compute_verdict")
    streak_has_month_end = fields.Boolean("Streak Includes a Month-End", compute="_compute_verdict")
    exit_rule_met = fields.Boolean("Ready to Switch", compute="_compute_verdict")
    open_differences = fields.Integer("Unresolved Unclean Days", compute="_compute_verdict")
    last_reconciliation_id = fields.Many2one("quickbooks.reconciliation", compute="_compute_verdict")
    verdict = fields.Char(compute="_compute_verdict")
    signed_off_by = fields.Many2one("res.users", readonly=True)
    signed_off_at = fields.Datetime(readonly=True)

    #: What a manager sets; the connection when the run is made.  Its days, state and sign-off are the run's own.
    _quickbooks_writable = frozenset(
        {
            "start_date",
            "length_days",
            "direction",
            "tolerance",
            "exit_clean_days",
            "exit_needs_month_end",
            "history_from",
            "day_ids",
        }
    )
    _quickbooks_on_create = frozenset({"backend_id"})

    _length_positive = models.Constraint("CHECK(length_days > 0)", "A parallel run lasts at least one day.")
    _exit_days_positive = models.Constraint("CHECK(exit_clean_days > 0)", "The exit rule needs one clean day at least.")

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, self._quickbooks_writable, self._quickbooks_on_create, create=True)
        default = self.env.context.get("default_backend_id")
        check_backends(self.env, [vals.get("backend_id", default) for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, [vals], self._quickbooks_writable)
        return super().write(vals)

    @api.depends("company_id", "start_date")
    def _compute_name(self):
        for run in self:
            run.name = self.env._(
                "Parallel run of %(company)s from %(date)s",
                company=run.company_id.name or "",
                date=run.start_date or "",
            )

    @api.depends("start_date", "length_days")
    def _compute_end_date(self):
        for run in self:
            run.end_date = run.start_date and run.start_date + timedelta(days=max(run.length_days, 1) - 1)

    @api.depends("day_ids.clean", "day_ids.resolution", "exit_clean_days", "exit_needs_month_end")
    def _compute_verdict(self):
        for run in self:
            days = run.day_ids.sorted("date")
            streak = []
            for day in reversed(days):
                if not day.clean:
                    break
                streak.append(day)
            run.days_run = len(days)
            run.clean_days = len(days.filtered("clean"))
            run.consecutive_clean_days = len(streak)
            run.streak_has_month_end = any(is_month_end(day.date) for day in streak)
            run.exit_rule_met = len(streak) >= run.exit_clean_days and (
                run.streak_has_month_end or not run.exit_needs_month_end
            )
            run.open_differences = len(days.filtered(lambda d: not d.clean and not d.resolution))
            run.last_reconciliation_id = days[-1:].reconciliation_id
            if run.exit_rule_met:
                run.verdict = self.env._("Ready to switch: %s clean days in a row.", len(streak))
            else:
                missing = max(run.exit_clean_days - len(streak), 0)
                run.verdict = self.env._(
                    "%(streak)s clean day(s) in a row; %(missing)s more needed%(month_end)s.",
                    streak=len(streak),
                    missing=missing,
                    month_end=self.env._(", one of them a month-end")
                    if run.exit_needs_month_end and not run.streak_has_month_end
                    else "",
                )

    # ------------------------------------------------------------------ the nights
    @api.model
    def _record_nights(self, reconciliations):
        """Give each running parallel run the verdict of its connection's nightly reconciliation."""
        for reconciliation in reconciliations.filtered(lambda r: r.trigger == "cron"):
            day = reconciliation.local_date
            runs = self.sudo().search(
                [
                    ("backend_id", "=", reconciliation.backend_id.id),
                    ("state", "=", "running"),
                    ("start_date", "<=", day),
                    ("end_date", ">=", day),
                ]
            )
            for run in runs:
                run._record_day(reconciliation)

    def _record_day(self, reconciliation):
        self.ensure_one()
        unexplained = abs(reconciliation.books_unexplained_total or 0.0)
        clean = (
            reconciliation.state == "match"
            and reconciliation.books_state in ("match", "explained")
            and unexplained <= (self.tolerance or 0.0) + 0.005
        )
        values = {
            "run_id": self.id,
            "date": reconciliation.local_date,
            "reconciliation_id": reconciliation.id,
            "clean": clean,
            "unexplained_total": unexplained,
            "unexplained_count": reconciliation.books_unexplained_count,
            "explained_count": reconciliation.books_explained_count,
            "summary": self._night_summary(reconciliation),
        }
        existing = self.day_ids.filtered(lambda d: d.date == reconciliation.local_date)
        if existing:
            existing.sudo().write(values)
        else:
            self.env["quickbooks.parallel.day"].sudo().create(values)

    def _night_summary(self, reconciliation):
        """What the night said, the reconciliation's own verdict first when it did not match (an open
        document that differs is no books line)."""
        books = reconciliation.books_summary or ""
        if reconciliation.state == "match":
            return books or False
        state = dict(reconciliation._fields["state"].selection).get(reconciliation.state, reconciliation.state)
        detail = (reconciliation.notes or reconciliation.error_message or "").strip().splitlines()
        return "; ".join(part for part in (f"{state}: {detail[0]}" if detail else state, books) if part)[:250]

    # ------------------------------------------------------------------ actions
    def action_sign_off(self):
        """The accountant signs the parallel run off (once the exit rule is met) and prints the report."""
        self.ensure_one()
        check_manager(self)
        if not self.exit_rule_met:
            raise UserError(self.env._("Not yet: %s", self.verdict))
        self.sudo().write(
            {"state": "signed_off", "signed_off_by": self.env.user.id, "signed_off_at": fields.Datetime.now()}
        )
        return self.env.ref("quickbooks_connector.action_report_parallel_run").report_action(self)

    def action_stop(self):
        self.ensure_one()
        check_manager(self)
        self.sudo().state = "stopped"
        return True

    def action_print(self):
        self.ensure_one()
        check_user(self)
        return self.env.ref("quickbooks_connector.action_report_parallel_run").report_action(self)

    def action_open_days_graph(self):
        self.ensure_one()
        check_user(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Unexplained difference per day"),
            "res_model": "quickbooks.parallel.day",
            "view_mode": "graph,list",
            "domain": [("run_id", "=", self.id)],
            "context": {"graph_measure": "unexplained_total", "graph_mode": "line", "graph_groupbys": ["date:day"]},
        }

    def _report_lines(self, section):
        """The last night's books comparison lines of ``section`` (for the sign-off report)."""
        self.ensure_one()
        lines = self.last_reconciliation_id.books_line_ids.filtered(lambda line: line.section == section)
        return lines.sorted(lambda line: (line.name or "", line.period or ""))


class QuickbooksParallelDay(models.Model):
    _name = "quickbooks.parallel.day"
    _description = "QuickBooks parallel run day"
    _order = "date"

    run_id = fields.Many2one("quickbooks.parallel.run", required=True, ondelete="cascade", index=True)
    currency_id = fields.Many2one(related="run_id.currency_id")
    date = fields.Date(required=True, readonly=True)
    reconciliation_id = fields.Many2one("quickbooks.reconciliation", "Night's Reconciliation", readonly=True)
    clean = fields.Boolean(readonly=True)
    unexplained_total = fields.Monetary("Unexplained Difference", readonly=True)
    unexplained_count = fields.Integer("Unexplained Lines", readonly=True)
    explained_count = fields.Integer("Explained Lines", readonly=True)
    summary = fields.Char(readonly=True)
    resolution = fields.Text(help="How the differences of this day were resolved (for the sign-off report).")

    _run_date_uniq = models.Constraint("UNIQUE(run_id, date)", "One verdict per day.")

    #: The accountant's note of how a day's differences were resolved; the verdict is the night's.
    _quickbooks_writable = frozenset({"resolution"})

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, create=True)
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, [vals], self._quickbooks_writable)
        return super().write(vals)


class QuickbooksReconciliation(models.Model):
    _inherit = "quickbooks.reconciliation"  # pylint: disable=consider-merging-classes-inherited  # a file per concern

    @api.model
    def _cron_nightly_reconciliation(self, now=None):
        runs = super()._cron_nightly_reconciliation(now=now)
        self.env["quickbooks.parallel.run"]._record_nights(runs)
        return runs


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"  # pylint: disable=consider-merging-classes-inherited  # the run's entry point

    def action_open_parallel_run(self):
        """The connection's parallel run under way, else a new one."""
        self.ensure_one()
        check_manager(self)
        Runs = self.env["quickbooks.parallel.run"]
        run = Runs.search([("backend_id", "=", self.id), ("state", "=", "running")], limit=1)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Parallel Run"),
            "res_model": "quickbooks.parallel.run",
            "res_id": run.id or False,
            "view_mode": "form",
            "target": "current",
            "context": {"default_backend_id": self.id},
        }
