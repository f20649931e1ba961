"""The books comparison of a reconciliation run: every account of the trial balance, every customer's and
vendor's open balance, and each account's profit and loss over the last thirteen months, Odoo against
QuickBooks' own reports (TrialBalance, AgedReceivables, AgedPayables, ProfitAndLoss), each difference
explained where the connector knows why.

It runs with the nightly reconciliation and with "Reconcile Now" (``_run_for_backend(with_books=True)``);
what it cannot explain makes the run drift, and the run's alert (Slack and the managers' activity) names the
worst lines first.  How each side is computed: ``tools/books_figures.py`` (Odoo, and the status that says
why an entry is not in QuickBooks), ``tools/books_routes.py`` (where each account is compared, the fiscal
year), ``tools/books_sections.py`` (the trial balance, profit and loss and aging lines), ``qbo/reports.py``
(QuickBooks' reports), ``qbo/books.py`` (the explanations); storing the lines:
``quickbooks_reconciliation_books_store.py``.
"""

from datetime import timedelta
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError

from .. import const
from ..adapters.sides import SIDES
from ..qbo import QBOError, reports
from ..qbo.redact import get_logger, redact
from ..tools import books_figures, books_routes, books_sections
from ..tools import reconciliation_figures as recfig
from ..tools.access import check_user

_logger = get_logger(__name__)

BOOKS_STATES = [("match", "Match"), ("explained", "Explained"), ("unexplained", "Unexplained"), ("error", "Error")]


class QuickbooksReconciliation(models.Model):
    _inherit = "quickbooks.reconciliation"  # pylint: disable=consider-merging-classes-inherited  # a file per concern

    books_state = fields.Selection(BOOKS_STATES, "Books", readonly=True, index=True)
    books_date = fields.Date("Books Compared At", readonly=True, help="Both books are read as of this date.")
    books_fiscal_start = fields.Date(
        "Fiscal Year Start", readonly=True, help="QuickBooks' fiscal year, within which income and expenses count."
    )
    books_tolerance = fields.Monetary(readonly=True)
    books_line_ids = fields.One2many("quickbooks.books.line", "reconciliation_id", "Books Comparison", readonly=True)
    books_line_count = fields.Integer("Lines Compared", readonly=True)
    books_unexplained_count = fields.Integer("Unexplained Differences", readonly=True)
    books_explained_count = fields.Integer("Explained Differences", readonly=True)
    books_unexplained_total = fields.Monetary(
        "Unexplained (total)", readonly=True, help="The unexplained differences added up without their signs."
    )
    books_months_agreeing = fields.Integer(
        "Account-Months Agreeing", readonly=True, help="Profit and loss accounts and months equal on both sides."
    )
    books_error = fields.Text("Books Comparison Error", readonly=True)
    books_summary = fields.Char("Books Verdict", readonly=True)

    # ------------------------------------------------------------------ running
    @api.model
    def _run_for_backend(self, backend, trigger="manual", with_fx=None, now=None, with_books=None):
        """As the reconciliation's own, plus the books comparison when ``with_books`` (default: the nightly
        run, and what the context asks for)."""
        if with_books is None:
            with_books = self.env.context.get("quickbooks_books", trigger == "cron")
        return super(QuickbooksReconciliation, self.with_context(quickbooks_books=with_books))._run_for_backend(
            backend, trigger=trigger, with_fx=with_fx, now=now
        )

    def _compare(self, backend, fx_date_from, fx_date_to):
        result = super()._compare(backend, fx_date_from, fx_date_to)
        if self.env.context.get("quickbooks_books"):
            self._compare_books(backend)
        return result

    def _compare_books(self, backend):
        """Compare the books; a QuickBooks or Odoo refusal makes the run an error (tried again next hour)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._books_run(backend)
        except (QBOError, UserError) as error:
            message = redact(str(error))
            _logger.warning("QuickBooks books comparison of %s failed: %s", backend.company_id.name, message)
            self.write(
                {
                    "books_state": "error",
                    "books_error": message,
                    "state": "error",
                    "error_message": self.env._("Books comparison: %s", message),
                }
            )
            backend._notify_managers(
                self.env._("QuickBooks books comparison failed"),
                self.env._(
                    "The books of %(company)s could not be compared with QuickBooks: %(error)s",
                    company=backend.company_id.name,
                    error=message,
                ),
            )
            return
        if self.books_state == "unexplained" and self.state == "match":
            self.state = "drift"

    def _books_run(self, backend):
        env = self.env
        client = backend._qbo_client()
        day = self.local_date or fields.Date.context_today(self)
        fiscal_start = reports.read_fiscal_year_start(client, day)
        tolerance = Decimal(str(backend.sudo().books_tolerance or 0))
        trial = reports.read_trial_balance(client, fiscal_start, day)
        chart = books_routes.Chart(env, backend)
        if not chart.by_id or set(trial) - set(chart.by_id):  # accounts created in QuickBooks since the last read
            env["quickbooks.qbo.account"].sudo()._pull_for_backend(backend)
            chart = books_routes.Chart(env, backend)
        periods = books_sections.months(day)
        monthly = reports.read_monthly_profit_and_loss(client, periods)
        aging = {
            side: reports.aging(client.report(name, report_date=day.isoformat()))
            for side, name in (("receivable", "AgedReceivables"), ("payable", "AgedPayables"))
        }
        books_figures.build_statuses(env, backend, day)
        routes = books_routes.Routes(env, backend, chart)
        specs = list(books_sections.trial_balance(env, routes, trial, day, fiscal_start, tolerance).values())
        by_month, months_agreeing = books_sections.profit_and_loss(env, routes, monthly, periods, tolerance)
        bindings = {side.name: recfig.customer_bindings(env, backend, side.party_entity) for side in SIDES}
        unapplied = Decimal(str(self.qbo_unapplied or 0))
        by_partner = books_sections.aging(env, backend, chart, aging, bindings, day, tolerance, unapplied)
        specs += [*by_partner.values(), *by_month.values()]
        self.write(
            {
                "books_date": day,
                "books_fiscal_start": fiscal_start,
                "books_tolerance": float(tolerance),
                "books_months_agreeing": months_agreeing,
                "books_error": False,
            }
        )
        lines = self._books_store(specs)
        differing = lines.filtered(lambda line: line.state != "match" and line.ledger_accounts)
        ranked = differing.sorted(
            lambda line: (line.state != "unexplained", -line.unexplained_abs, -abs(line.difference), line.id)
        )
        # QuickBooks accounts nothing maps to are read too: payments kept there explain their bank's line.
        unmapped = differing.filtered(lambda line: line.section == "trial_balance" and line.mapping == "qbo_only")
        chosen = ranked[: const.BOOKS_LEDGER_LINES] | unmapped[: const.BOOKS_LEDGER_LINES]
        self._books_read_ledgers(chosen, dict(zip(lines.ids, specs, strict=True)), routes)
        self._books_finish()

    @api.model
    def _cron_nightly_reconciliation(self, now=None):
        runs = super()._cron_nightly_reconciliation(now=now)
        self._books_forget_matching(now or fields.Datetime.now())
        return runs

    @api.model
    def _books_forget_matching(self, now):
        """Lines that agree, of runs older than :data:`const.BOOKS_KEEP_MATCHING_DAYS`: the differences and
        each run's counts and totals stay (one line per account and night would otherwise pile up).  The
        nights of a parallel run keep theirs: its sign-off report shows both trial balances in full."""
        before = now - timedelta(days=const.BOOKS_KEEP_MATCHING_DAYS)
        self.env.flush_all()
        self.env.cr.execute(
            """DELETE FROM quickbooks_books_line line USING quickbooks_reconciliation run
                WHERE run.id = line.reconciliation_id AND line.state = 'match' AND run.run_at < %s
                  AND NOT EXISTS (SELECT 1 FROM quickbooks_parallel_day day WHERE day.reconciliation_id = run.id)""",
            (before,),
        )
        if self.env.cr.rowcount:
            self.env["quickbooks.books.line"].invalidate_model()
            self.env["quickbooks.reconciliation"].invalidate_model(["books_line_ids"])

    # ------------------------------------------------------------------ actions
    @api.model
    def action_reconcile_current_companies(self):
        """Menu "Reconcile Now": the reconciliation and the books comparison of every connected backend of the
        selected companies.

        :raise AccessError: if the user is not a QuickBooks manager
        :raise UserError: if no selected company is connected to QuickBooks
        """
        return super(
            QuickbooksReconciliation, self.with_context(quickbooks_books=True)
        ).action_reconcile_current_companies()

    @api.model
    def action_compare_books_current_companies(self):
        """Menu "Compare Books Now": the same run, then the comparison's lines of the runs it made.

        :raise AccessError: if the user is not a QuickBooks manager
        :raise UserError: if no selected company is connected to QuickBooks
        """
        runs = self.browse()
        for backend in self._connected_backends_of_current_companies():
            runs |= self._run_for_backend(backend, trigger="manual", with_books=True)
        return runs._books_action()

    def action_open_books(self):
        """The books comparison lines of these runs.

        :raise AccessError: if the user is not a QuickBooks user allowed to read the runs
        """
        check_user(self)
        return self._books_action()

    def _books_action(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("quickbooks_connector.action_quickbooks_books_line")
        action["domain"] = [("reconciliation_id", "in", self.ids)]
        action["context"] = {}  # every line of these runs, the unexplained ones first in each section
        return action
