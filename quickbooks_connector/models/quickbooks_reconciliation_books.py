"""The books comparison of a reconciliation run: every account of the trial balance, every customer's and
vendor's open balance, and each account's profit and loss over the last thirteen months, Odoo against
QuickBooks' own reports (TrialBalance, AgedReceivables, AgedPayables, ProfitAndLoss), each difference
explained where the connector knows why.

It runs with the nightly reconciliation and with "Reconcile Now" (``_run_for_backend(with_books=True)``);
what it cannot explain makes the run drift, and the run's alert (Slack and the managers' activity) names the
worst lines first.  How each side is computed: ``tools/books_figures.py`` (Odoo, and the status that says
why an entry is not in QuickBooks), ``tools/books_sections.py`` (where each account is compared, the fiscal
year), ``qbo/reports.py`` (QuickBooks' reports), ``qbo/books.py`` (the explanations).
"""

from datetime import timedelta
from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from .. import const
from ..qbo import QBOError, books, reports
from ..qbo.redact import get_logger, redact
from ..tools import books_figures, books_sections
from ..tools import reconciliation_figures as recfig
from ..tools.access import check_manager, check_user

_logger = get_logger(__name__)

BOOKS_STATES = [("match", "Match"), ("explained", "Explained"), ("unexplained", "Unexplained"), ("error", "Error")]
SECTION_ORDER = {"trial_balance": 1, "receivable": 2, "payable": 3, "profit_loss": 4}


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
        preferences = (client.query("select * from Preferences").get("Preferences") or [{}])[0]
        fiscal_start = reports.fiscal_year_start(day, reports.fiscal_year_start_month(preferences))
        tolerance = Decimal(str(backend.sudo().books_tolerance or 0))
        trial = reports.trial_balance(
            client.report(
                "TrialBalance",
                start_date=fiscal_start.isoformat(),
                end_date=day.isoformat(),
                accounting_method="Accrual",
            )
        )
        chart = books_sections.Chart(env, backend)
        if not chart.by_id or set(trial) - set(chart.by_id):  # accounts created in QuickBooks since the last read
            env["quickbooks.qbo.account"].sudo()._pull_for_backend(backend)
            chart = books_sections.Chart(env, backend)
        periods = books_sections.months(day)
        monthly = {
            start: reports.profit_and_loss(
                client.report(
                    "ProfitAndLoss",
                    start_date=start.isoformat(),
                    end_date=end.isoformat(),
                    accounting_method="Accrual",
                    summarize_column_by="Total",
                )
            )
            for start, end in periods
        }
        aging = {
            side: reports.aging(client.report(name, report_date=day.isoformat()))
            for side, name in (("receivable", "AgedReceivables"), ("payable", "AgedPayables"))
        }
        books_figures.build_statuses(env, backend, day)
        routes = books_sections.Routes(env, backend, chart)
        specs = list(books_sections.trial_balance(env, routes, trial, day, fiscal_start, tolerance).values())
        by_month, months_agreeing = books_sections.profit_and_loss(env, routes, monthly, periods, tolerance)
        bindings = {
            "receivable": recfig.customer_bindings(env, backend, "Customer"),
            "payable": recfig.customer_bindings(env, backend, "Vendor"),
        }
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

    # ------------------------------------------------------------------ storing
    def _books_store(self, specs):
        """Create the lines (in ``specs``' order, which is kept: ``specs`` is sorted in place)."""
        specs.sort(
            key=lambda spec: (
                SECTION_ORDER[spec.section],
                spec.period_start or spec.period_end,
                spec.comparison.state != "unexplained",
                spec.name.lower(),
            )
        )
        values = [self._books_line_values(spec, index) for index, spec in enumerate(specs)]
        return self.env["quickbooks.books.line"].sudo().create(values)

    def _books_line_values(self, spec, index):
        sign = -1 if spec.normal_side == "credit" else 1
        values = {
            "reconciliation_id": self.id,
            "section": spec.section,
            "section_sequence": SECTION_ORDER[spec.section],
            "sequence": index,
            "name": spec.name or "?",
            "period": spec.period,
            "period_start": spec.period_start,
            "period_end": spec.period_end,
            "cumulative": spec.cumulative,
            "qbo_account_id": spec.qbo_account.id if spec.qbo_account else False,
            "account_ids": [Command.set(spec.account_ids)],
            "partner_id": spec.partner_id or False,
            "qbo_party_id": spec.qbo_party_id or False,
            "account_group": spec.account_group,
            "mapping": spec.mapping,
            "normal_side": spec.normal_side,
            "note": spec.note or False,
            "ledger_accounts": ",".join(spec.ledger_accounts) or False,
        }
        values.update(self._books_amounts(spec, sign))
        values["explanation_ids"] = [Command.create(value) for value in self._books_explanations(spec, sign)]
        return values

    def _books_amounts(self, spec, sign):
        comparison = spec.comparison
        labels = dict(self.env["quickbooks.books.explanation"]._fields["kind"]._description_selection(self.env))
        parts = [
            f"{labels[kind]} {sign * comparison.explained[kind]:,.2f}"
            for kind in books.KINDS
            if comparison.explained.get(kind)
        ]
        if comparison.unexplained:
            parts.append(self.env._("Unexplained %s", f"{sign * comparison.unexplained:,.2f}"))
        return {
            "odoo_amount": float(sign * comparison.odoo),
            "qbo_amount": float(sign * comparison.qbo),
            "difference": float(sign * comparison.difference),
            "explained_amount": float(sign * (comparison.difference - comparison.unexplained)),
            "unexplained_amount": float(sign * comparison.unexplained),
            "unexplained_abs": float(abs(comparison.unexplained)),
            "state": comparison.state,
            "explanation_summary": "; ".join(parts) or False,
        }

    def _books_explanations(self, spec, sign):
        out = []
        for index, kind in enumerate(books.KINDS):
            amount = spec.comparison.explained.get(kind)
            if not amount:
                continue
            entries = spec.entries.get(kind, [])
            out.append(
                {
                    "kind": kind,
                    "sequence": index,
                    "amount": float(sign * amount),
                    "note": self._books_note(spec, kind, entries, sign),
                    "entry_count": spec.counts.get(kind, len(entries)),
                    "move_ids": [Command.set([entry[0] for entry in entries])],
                    "sync_state_ids": [Command.set(sorted({entry[3] for entry in entries if entry[3]}))],
                }
            )
        return out

    def _books_note(self, spec, kind, entries, sign):
        named = ", ".join(f"{name} ({sign * amount:,.2f})" for _move, name, amount, _sync in entries)
        count = spec.counts.get(kind, len(entries))
        more = self.env._(" and %s more", count - len(entries)) if count > len(entries) else ""
        if kind == "pending":
            return self.env._(
                "Entries the connector sends that are not in QuickBooks yet (waiting, failed or never queued; see "
                "their sync records): %(entries)s%(more)s.",
                entries=named,
                more=more,
            )
        if kind == "not_sent":
            return self.env._(
                "Entries of a kind the connector does not send (journal entries, bank statement lines that settle no "
                "document, documents whose sync is off): %(entries)s%(more)s.",
                entries=named,
                more=more,
            )
        if kind == "skipped":
            return self.env._("Entries marked Skip QuickBooks: %(entries)s%(more)s.", entries=named, more=more)
        if kind == "revaluation":
            return self.env._(
                "Currency revaluation entries of the exchange difference journal, which QuickBooks does not "
                "receive: %(entries)s%(more)s.",
                entries=named,
                more=more,
            )
        if kind == "elsewhere":
            return self.env._(
                "Payments in QuickBooks on an account no Odoo account is mapped to, that Odoo has in this "
                "account's journal: %s.",
                ", ".join(spec.elsewhere_rows) or "-",
            )
        if kind == "qbo_only":
            return self.env._(
                "QuickBooks transactions of this account and period that are linked to no Odoo record: %s.",
                ", ".join(spec.qbo_only_rows) or "-",
            )
        if kind == "tolerance":
            return self.env._(
                "Within the connection's books tolerance (%(tolerance)s %(currency)s).",
                tolerance=f"{self.books_tolerance:,.2f}",
                currency=self.currency_id.name,
            )
        return self._books_unmapped_note(spec, named, more)

    def _books_unmapped_note(self, spec, named, more):
        if spec.mapping == "odoo_only":
            return self.env._(
                "This Odoo account is mapped to no QuickBooks account: its balance is in Odoo only. Map it under "
                "Invoicing › Configuration › QuickBooks › Account Mapping."
            )
        if spec.mapping == "qbo_only":
            return self.env._(
                "No Odoo account is mapped to this QuickBooks account: its balance is in QuickBooks only."
            )
        if spec.mapping == "qbo_party":
            return self.env._("This QuickBooks customer or vendor is linked to no Odoo partner.")
        return self.env._(
            "The earlier fiscal years' result of Odoo accounts mapped to no QuickBooks account: %(entries)s%(more)s.",
            entries=named,
            more=more,
        )

    def _books_rewrite(self, line, spec):
        """Write a line again after a new explanation (what QuickBooks alone holds)."""
        sign = -1 if spec.normal_side == "credit" else 1
        line.explanation_ids.unlink()
        line.write(
            {
                **self._books_amounts(spec, sign),
                "explanation_ids": [Command.create(value) for value in self._books_explanations(spec, sign)],
            }
        )

    def _books_finish(self):
        lines = self.books_line_ids
        unexplained = lines.filtered(lambda line: line.state == "unexplained")
        explained = lines.filtered(lambda line: line.state == "explained")
        state = "unexplained" if unexplained else "explained" if explained else "match"
        total = sum(unexplained.mapped("unexplained_abs"))
        if unexplained:
            summary = self.env._(
                "%(count)s unexplained difference(s), %(total)s %(currency)s in all; %(explained)s explained",
                count=len(unexplained),
                total=f"{total:,.2f}",
                currency=self.currency_id.name,
                explained=len(explained),
            )
        elif explained:
            summary = self.env._("Every difference explained (%s)", len(explained))
        else:
            summary = self.env._("Every account agrees")
        self.write(
            {
                "books_state": state,
                "books_line_count": len(lines),
                "books_unexplained_count": len(unexplained),
                "books_explained_count": len(explained),
                "books_unexplained_total": total,
                "books_summary": summary,
            }
        )
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            "UPDATE quickbooks_books_line SET latest = (reconciliation_id = %s) WHERE backend_id = %s AND "
            "(latest OR reconciliation_id = %s)",
            (self.id, self.backend_id.id, self.id),
        )
        # In each section and period, what is unexplained first (QuickBooks' ledger may have explained more).
        cr.execute(
            """UPDATE quickbooks_books_line line SET sequence = ordered.position
                 FROM (SELECT id, ROW_NUMBER() OVER (
                              ORDER BY section_sequence, COALESCE(period_start, period_end), state <> 'unexplained',
                                       lower(name), id) AS position
                         FROM quickbooks_books_line WHERE reconciliation_id = %s) ordered
                WHERE ordered.id = line.id""",
            (self.id,),
        )
        self.env["quickbooks.books.line"].invalidate_model(["latest", "sequence"])

    @api.model
    def _cron_nightly_reconciliation(self, now=None):
        runs = super()._cron_nightly_reconciliation(now=now)
        self._books_forget_matching(now or fields.Datetime.now())
        return runs

    @api.model
    def _books_forget_matching(self, now):
        """Lines that agree, of runs older than :data:`const.BOOKS_KEEP_MATCHING_DAYS`: the differences and
        each run's counts and totals stay (one line per account and night would otherwise pile up)."""
        before = now - timedelta(days=const.BOOKS_KEEP_MATCHING_DAYS)
        self.env.flush_all()
        self.env.cr.execute(
            """DELETE FROM quickbooks_books_line line USING quickbooks_reconciliation run
                WHERE run.id = line.reconciliation_id AND line.state = 'match' AND run.run_at < %s""",
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
        backends = self.env["quickbooks.backend"].search(
            [("company_id", "in", self.env.companies.ids), ("state", "=", "connected")]
        )
        check_manager(backends)
        if not backends:
            raise UserError(self.env._("No company selected is connected to QuickBooks."))
        runs = self.browse()
        for backend in backends:
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
