"""Nightly reconciliation: Odoo's and QuickBooks' open invoices and bills, receivables and payables, and
customers' and vendors' balances side by side.

One record per run and backend.  Above the backend's threshold the run alerts (Slack, in a job,
and an activity for the QuickBooks managers, see ``quickbooks_reconciliation_alert``).  Whenever
the open invoices or receivables differ, even under the threshold, the run lists the documents
that explain the gap (the largest 20).  How each figure is computed is documented in
``tools/reconciliation_figures.py``.

Scheduling: an hourly cron runs every connected backend whose local time (the backend's time
zone, else the company address's, else UTC) has reached its reconciliation hour (02:00 by
default) and that has no successful nightly run for that local date yet.  A failed run (QBO
unreachable...) is tried again at the next hour, at most three times a day.  The first nightly
run of a month also compares the FX gain/loss accounts over the previous month.
"""

from datetime import date, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from .. import const
from ..adapters.sides import PAYABLE, RECEIVABLE
from ..qbo import QBOError
from ..qbo.redact import get_logger, redact
from ..tools import reconciliation_figures as figures
from ..tools.access import check_manager

_logger = get_logger(__name__)

#: (key, label) of the figures compared every night.
FIGURES = (
    ("open_count", "Open invoices"),
    ("receivable", "Receivables"),
    ("unapplied", "Unapplied payments"),
    ("open_bill_count", "Open bills"),
    ("payable", "Payables"),
)

RUN_STATES = [("match", "Match"), ("drift", "Drift"), ("error", "Error"), ("not_synced", "Not yet synchronised")]
FX_STATES = [("none", "Not checked"), ("match", "Match"), ("drift", "Drift")]
ALERT_STATES = [
    ("none", "No alert"),
    ("pending", "Pending"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("not_configured", "No Slack URL set"),
]


def drift_percent(odoo_value, qbo_value) -> float:
    """|Odoo - QBO| relative to the larger of the two, in percent (0 when both are 0)."""
    base = max(abs(odoo_value), abs(qbo_value))
    return abs(odoo_value - qbo_value) / base * 100.0 if base else 0.0


class QuickbooksReconciliation(models.Model):
    _name = "quickbooks.reconciliation"
    _description = "QuickBooks reconciliation run"
    _order = "run_at desc, id desc"
    _check_company_auto = True

    backend_id = fields.Many2one("quickbooks.backend", required=True, index=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    run_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    local_date = fields.Date(
        readonly=True, index=True, help="Date of the run in the backend's reconciliation time zone."
    )
    trigger = fields.Selection(
        [("cron", "Nightly"), ("manual", "On demand")], default="manual", required=True, readonly=True
    )
    state = fields.Selection(RUN_STATES, readonly=True, index=True)
    error_message = fields.Text(readonly=True)
    notes = fields.Text(readonly=True, help="What could not be compared, and why.")
    threshold = fields.Float("Threshold (%)", digits=(16, 3), readonly=True)

    odoo_open_count = fields.Integer("Open Invoices (Odoo)", readonly=True)
    qbo_open_count = fields.Integer("Open Invoices (QuickBooks)", readonly=True)
    open_count_difference = fields.Integer("Open Invoices Difference", compute="_compute_differences", store=True)
    open_count_drift = fields.Float(
        "Open Invoices Drift (%)", compute="_compute_differences", store=True, digits=(16, 4), aggregator="max"
    )
    odoo_receivable = fields.Monetary("Receivables (Odoo)", readonly=True)
    qbo_receivable = fields.Monetary("Receivables (QuickBooks)", readonly=True)
    receivable_difference = fields.Monetary("Receivables Difference", compute="_compute_differences", store=True)
    receivable_drift = fields.Float(
        "Receivables Drift (%)", compute="_compute_differences", store=True, digits=(16, 4), aggregator="max"
    )
    odoo_unapplied = fields.Monetary(
        "Unapplied Payments (Odoo)", readonly=True, help="Customers' credit: payments not applied to any document."
    )
    qbo_unapplied = fields.Monetary("Unapplied Payments (QuickBooks)", readonly=True)
    unapplied_difference = fields.Monetary("Unapplied Payments Difference", compute="_compute_differences", store=True)
    unapplied_drift = fields.Float(
        "Unapplied Payments Drift (%)", compute="_compute_differences", store=True, digits=(16, 4), aggregator="max"
    )
    customer_mismatch_count = fields.Integer(
        "Customers Differing",
        readonly=True,
        help="Customers whose balance (in their currency) differs between Odoo and QuickBooks by more than the "
        "threshold; listed among the explaining documents.",
    )
    vendor_mismatch_count = fields.Integer(
        "Vendors with Another Balance",
        readonly=True,
        help="Vendors whose balance in QuickBooks differs from what Odoo owes them (in the vendor's currency).",
    )
    odoo_open_bill_count = fields.Integer("Open Bills (Odoo)", readonly=True)
    qbo_open_bill_count = fields.Integer("Open Bills (QuickBooks)", readonly=True)
    open_bill_count_difference = fields.Integer("Open Bills Difference", compute="_compute_differences", store=True)
    open_bill_count_drift = fields.Float(
        "Open Bills Drift (%)", compute="_compute_differences", store=True, digits=(16, 4)
    )
    odoo_payable = fields.Monetary("Payables (Odoo)", readonly=True)
    qbo_payable = fields.Monetary("Payables (QuickBooks)", readonly=True)
    payable_difference = fields.Monetary("Payables Difference", compute="_compute_differences", store=True)
    payable_drift = fields.Float(
        "Payables Drift (%)", compute="_compute_differences", store=True, digits=(16, 4), aggregator="max"
    )
    max_drift = fields.Float(
        "Drift (%)",
        compute="_compute_differences",
        store=True,
        digits=(16, 4),
        aggregator="max",
        help="The largest drift of the three figures.",
    )

    fx_state = fields.Selection(FX_STATES, "FX Check", default="none", readonly=True)
    fx_date_from = fields.Date("FX Period Start", readonly=True)
    fx_date_to = fields.Date("FX Period End", readonly=True)
    odoo_fx_balance = fields.Monetary(
        "FX Gain/Loss (Odoo)", readonly=True, help="Net result of the exchange difference accounts; a loss is positive."
    )
    qbo_fx_balance = fields.Monetary("FX Gain/Loss (QuickBooks)", readonly=True)
    fx_difference = fields.Monetary("FX Difference", compute="_compute_differences", store=True)
    fx_tolerance = fields.Monetary("FX Tolerance", readonly=True)
    fx_source = fields.Selection(
        [("report", "ProfitAndLoss report"), ("balance", "Account balances")], "QuickBooks FX Source", readonly=True
    )

    line_ids = fields.One2many(
        "quickbooks.reconciliation.line", "reconciliation_id", string="Explaining Documents", readonly=True
    )
    explanation_count = fields.Integer(
        "Documents Explaining the Gap", readonly=True, help="How many documents were found; the first ones are listed."
    )

    alert_state = fields.Selection(ALERT_STATES, "Slack Alert", default="none", required=True, readonly=True)
    alert_message = fields.Text(readonly=True)
    alert_sent_at = fields.Datetime(readonly=True)
    alert_attempts = fields.Integer(readonly=True)
    alert_last_error = fields.Text("Last Alert Error", readonly=True)

    @api.depends(
        "odoo_open_count",
        "qbo_open_count",
        "odoo_receivable",
        "qbo_receivable",
        "odoo_unapplied",
        "qbo_unapplied",
        "odoo_open_bill_count",
        "qbo_open_bill_count",
        "odoo_payable",
        "qbo_payable",
        "odoo_fx_balance",
        "qbo_fx_balance",
    )
    def _compute_differences(self):
        for run in self:
            drifts = []
            for key, _label in FIGURES:
                odoo_value, qbo_value = run[f"odoo_{key}"], run[f"qbo_{key}"]
                run[f"{key}_difference"] = odoo_value - qbo_value
                run[f"{key}_drift"] = drift_percent(odoo_value, qbo_value)
                drifts.append(run[f"{key}_drift"])
            run.fx_difference = run.odoo_fx_balance - run.qbo_fx_balance
            run.max_drift = max(drifts)

    @api.depends("backend_id", "run_at")
    def _compute_display_name(self):
        for run in self:
            when = fields.Datetime.context_timestamp(run, run.run_at) if run.run_at else None
            run.display_name = self.env._(
                "%(backend)s, %(when)s",
                backend=run.backend_id.display_name,
                when=when.strftime("%Y-%m-%d %H:%M") if when else "-",
            )

    def _open_form(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    def _drifting_figures(self):
        """Labels of the figures beyond the threshold (and the FX check when it drifts)."""
        self.ensure_one()
        labels = [label for key, label in FIGURES if self[f"{key}_drift"] > self.threshold]
        if self.customer_mismatch_count:
            labels.append("Customer balances")
        if self.vendor_mismatch_count:
            labels.append("Vendor balances")
        if self.fx_state == "drift":
            labels.append("FX gain/loss")
        return labels

    # ------------------------------------------------------------------ running
    @api.model
    def _run_for_backend(self, backend, trigger="manual", with_fx=None, now=None):
        """Compare both sides for ``backend`` now; returns the new run (state match, drift or error).

        ``with_fx`` None: manual runs always check FX, nightly runs only the first of the month.
        """
        backend = backend.sudo()
        now = now or fields.Datetime.now()
        local_now = backend._reconciliation_local_now(now)
        period_end = local_now.date().replace(day=1) - timedelta(days=1)
        period_start = period_end.replace(day=1)
        if with_fx is None:
            with_fx = trigger == "manual" or not self._fx_checked(backend, period_start)
        run = self.sudo().create(
            {
                "backend_id": backend.id,
                "run_at": now,
                "local_date": local_now.date(),
                "trigger": trigger,
                "threshold": backend.reconciliation_threshold,
                "fx_tolerance": backend.fx_tolerance,
            }
        )
        if not self._has_synced_documents(backend):
            # Before the first push or backfill every Odoo document would be "only in Odoo": not drift,
            # a step the user has not taken yet.
            run.write(
                {
                    "state": "not_synced",
                    "notes": self.env._(
                        "No document of %(company)s is in QuickBooks yet: nothing to compare. Send the open "
                        "documents first (QuickBooks › Send to QuickBooks, or post new ones); the books are "
                        "compared from the next run on.",
                        company=backend.company_id.name,
                    ),
                }
            )
            return run
        try:
            with self.env.cr.savepoint():
                run._compare(backend, period_start if with_fx else None, period_end)
        except (QBOError, UserError) as error:
            message = redact(str(error))
            _logger.warning("QuickBooks reconciliation of %s failed: %s", backend.company_id.name, message)
            run.write({"state": "error", "error_message": message})
            backend._notify_managers(
                self.env._("QuickBooks reconciliation failed"),
                self.env._(
                    "The reconciliation of %(company)s with QuickBooks could not run: %(error)s",
                    company=backend.company_id.name,
                    error=message,
                ),
            )
            return run
        if run.state == "drift":
            run._alert()
        return run

    @api.model
    def _has_synced_documents(self, backend) -> bool:
        """Whether the company's documents have started reaching QuickBooks: one of them is bound, or
        Odoo has none to send (then QuickBooks' side alone is worth comparing)."""
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        if SyncRecords.search_count(
            [("backend_id", "=", backend.id), ("res_model", "=", "account.move"), ("qbo_id", "!=", False)], limit=1
        ):
            return True
        return (
            not self.env["account.move"]
            .sudo()
            .search_count(
                [
                    ("company_id", "=", backend.company_id.id),
                    ("state", "=", "posted"),
                    ("move_type", "in", ("out_invoice", "out_refund", "in_invoice", "in_refund")),
                    ("quickbooks_skip", "=", False),
                ],
                limit=1,
            )
        )

    @api.model
    def _fx_checked(self, backend, period_start: date) -> bool:
        return bool(
            self.sudo().search_count(
                [
                    ("backend_id", "=", backend.id),
                    ("fx_date_from", "=", period_start),
                    ("fx_state", "in", ("match", "drift")),
                ],
                limit=1,
            )
        )

    def _compare(self, backend, fx_date_from, fx_date_to):
        """Read both sides, store the figures, decide the state and list what explains a gap."""
        self.ensure_one()
        company = backend.company_id
        currency = company.currency_id
        client = backend._qbo_client()
        qbo, notes = figures.qbo_figures(client)
        odoo = figures.odoo_figures(self.env, company)
        values = {"notes": "\n".join(notes) or False}
        for key, _label in FIGURES:
            values[f"odoo_{key}"] = odoo[key]
            values[f"qbo_{key}"] = qbo[key] if key.endswith("_count") else currency.round(qbo[key])
        if fx_date_from:
            odoo_fx = figures.odoo_fx_balance(self.env, company, backend._fx_accounts(), fx_date_from, fx_date_to)
            qbo_fx, source, fx_notes = figures.qbo_fx_balance(
                client, (backend.fx_gain_account_code, backend.fx_loss_account_code), fx_date_from, fx_date_to
            )
            qbo_fx = currency.round(qbo_fx)
            values.update(
                {
                    "fx_date_from": fx_date_from,
                    "fx_date_to": fx_date_to,
                    "odoo_fx_balance": odoo_fx,
                    "qbo_fx_balance": qbo_fx,
                    "fx_source": source,
                    "fx_state": "drift"
                    if currency.compare_amounts(abs(odoo_fx - qbo_fx), self.fx_tolerance) > 0
                    else "match",
                    "notes": "\n".join(notes + fx_notes) or False,
                }
            )
        customers = self._compare_customers(backend, client)
        vendors = self._compare_customers(backend, client, "Vendor") if backend.sync_bills else []
        values["customer_mismatch_count"] = len(customers)
        values["vendor_mismatch_count"] = len(vendors)
        self.write(values)
        self.state = "drift" if self._drifting_figures() else "match"
        receivables = bool(self.open_count_difference or not currency.is_zero(self.receivable_difference) or customers)
        payables = bool(self.open_bill_count_difference or not currency.is_zero(self.payable_difference) or vendors)
        if receivables or payables:
            # Also under the threshold: the run then shows what differs without alerting.
            self._store_explanation(backend, client, customers + vendors, receivables=receivables, payables=payables)

    def _compare_customers(self, backend, client, entity="Customer"):
        """Customers (vendors) whose balance differs by more than the threshold (at least a cent)."""
        company = backend.company_id
        threshold = self.threshold / 100.0
        account_type = "liability_payable" if entity == "Vendor" else "asset_receivable"
        odoo_balances = figures.odoo_customer_balances(self.env, company, account_type)
        qbo_balances = figures.qbo_customer_balances(client, entity)
        lines = []
        for line in figures.compare_customers(
            odoo_balances,
            qbo_balances,
            figures.customer_bindings(self.env, backend, entity),
            company.currency_id.name,
            0.005,
            kind=entity.lower(),
        ):
            if abs(line["difference"]) > max(0.005, threshold * max(abs(line["odoo_amount"]), abs(line["qbo_amount"]))):
                lines.append(line)
        return lines

    def _store_explanation(self, backend, client, customers=(), receivables=True, payables=False):
        company = backend.company_id
        sides = (RECEIVABLE,) * bool(receivables) + (PAYABLE,) * bool(payables)
        move_types = tuple(move_type for side in sides for move_type in side.move_types)
        entities = tuple(entity for side in sides for entity in (side.invoice_entity, side.refund_entity))
        documents = figures.qbo_open_documents(client, entities)
        lines = list(customers) + figures.explain(
            figures.odoo_open_documents(self.env, company, move_types),
            documents,
            figures.document_bindings(self.env, backend, entities),
            company.currency_id,
        )
        kept = lines[: const.RECONCILIATION_EXPLANATION_LINES]
        existing = set(
            self.env["account.move"]
            .sudo()
            .browse([line["move_id"] for line in kept if line.get("move_id")])
            .exists()
            .ids
        )
        self.write(
            {
                "explanation_count": len(lines),
                "line_ids": [
                    fields.Command.create(
                        {
                            **line,
                            "move_id": line.get("move_id") if line.get("move_id") in existing else False,
                            "sequence": index,
                        }
                    )
                    for index, line in enumerate(kept)
                ],
            }
        )

    # ------------------------------------------------------------------ scheduling
    @api.model
    def _backends_due(self, now):
        """Connected backends whose nightly reconciliation is due at ``now`` (naive UTC)."""
        due = self.env["quickbooks.backend"]
        for backend in self.env["quickbooks.backend"].sudo().search([("state", "=", "connected")]):
            local_now = backend._reconciliation_local_now(now)
            if local_now.hour < backend.reconciliation_hour:
                continue
            runs = self.sudo()._read_group(
                [("backend_id", "=", backend.id), ("trigger", "=", "cron"), ("local_date", "=", local_now.date())],
                ["state"],
                ["__count"],
            )
            by_state = dict(runs)
            if (
                by_state.get("match")
                or by_state.get("drift")
                or by_state.get("not_synced")
                or by_state.get("error", 0) >= const.RECONCILIATION_MAX_NIGHTLY_ERRORS
            ):
                continue
            due |= backend
        return due

    @api.model
    def _cron_nightly_reconciliation(self, now=None):
        """Hourly: reconcile each connected backend once a night, after its local reconciliation hour."""
        now = now or fields.Datetime.now()
        runs = self.browse()
        for backend in self._backends_due(now):
            try:
                with self.env.cr.savepoint():
                    runs |= self._run_for_backend(backend, trigger="cron", now=now)
            except Exception:  # one company's failure must not stop the others
                _logger.exception("QuickBooks: the nightly reconciliation of %s failed", backend.company_id.name)
        return runs

    # ------------------------------------------------------------------ actions
    @api.model
    def _connected_backends_of_current_companies(self):
        """The connected backends of the companies the user selected, for a manual run.

        :raise AccessError: if the user is not a QuickBooks manager
        :raise UserError: if no selected company is connected to QuickBooks
        """
        backends = self.env["quickbooks.backend"].search(
            [("company_id", "in", self.env.companies.ids), ("state", "=", "connected")]
        )
        check_manager(backends)
        if not backends:
            raise UserError(self.env._("No company selected is connected to QuickBooks."))
        return backends

    @api.model
    def action_reconcile_current_companies(self):
        """Menu "Reconcile Now": run every connected backend of the selected companies.

        :raise AccessError: if the user is not a QuickBooks manager
        :raise UserError: if no selected company is connected to QuickBooks
        """
        backends = self._connected_backends_of_current_companies()
        runs = self.browse()
        for backend in backends:
            runs |= self._run_for_backend(backend, trigger="manual")
        if len(runs) == 1:
            return runs._open_form()
        action = self.env["ir.actions.act_window"]._for_xml_id("quickbooks_connector.action_quickbooks_reconciliation")
        action["domain"] = [("id", "in", runs.ids)]
        return action
