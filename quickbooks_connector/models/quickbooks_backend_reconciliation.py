"""The reconciliation settings of a connection (hour, time zone, threshold, FX accounts, Slack)."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from odoo import fields, models
from odoo.addons.base.models.res_partner import _tz_get

from .. import const
from ..tools.access import check_manager, check_user
from .quickbooks_reconciliation import RUN_STATES


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    reconciliation_threshold = fields.Float(
        "Drift Threshold (%)",
        default=0.1,
        digits=(16, 3),
        groups=const.GROUP_MANAGER,
        help="A figure that differs between Odoo and QuickBooks by more than this percentage alerts.",
    )
    reconciliation_hour = fields.Integer(
        default=2, groups=const.GROUP_MANAGER, help="Local hour (0-23) after which the nightly reconciliation runs."
    )
    reconciliation_tz = fields.Selection(
        _tz_get,
        string="Reconciliation Time Zone",
        groups=const.GROUP_MANAGER,
        help="Time zone of the reconciliation hour; empty: the company address's time zone, else UTC.",
    )
    fx_gain_account_code = fields.Char(
        "Other QuickBooks FX Account (number)",
        groups=const.GROUP_MANAGER,
        help="QuickBooks' own Exchange Gain or Loss account is found by its type (detail type \"Exchange Gain or "
        "Loss\"), numbered or not. Give the number of any other account holding exchange differences.",
    )
    fx_loss_account_code = fields.Char(
        "Another QuickBooks FX Account (number)",
        groups=const.GROUP_MANAGER,
        help="A second account holding exchange differences, by number (optional).",
    )
    fx_tolerance = fields.Monetary(
        "FX Tolerance",
        default=1.0,
        currency_field="reconciliation_currency_id",
        groups=const.GROUP_MANAGER,
        help="The monthly FX gain/loss comparison alerts when the two sides differ by more than this amount.",
    )
    reconciliation_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    reconciliation_ids = fields.One2many("quickbooks.reconciliation", "backend_id", string="Reconciliations")
    reconciliation_count = fields.Integer(compute="_compute_reconciliation_count")
    last_reconciliation_state = fields.Selection(RUN_STATES, compute="_compute_reconciliation_count")

    _reconciliation_hour_check = models.Constraint(
        "CHECK(reconciliation_hour >= 0 AND reconciliation_hour <= 23)",
        "The reconciliation hour must be between 0 and 23.",
    )

    def _compute_reconciliation_count(self):
        Run = self.env["quickbooks.reconciliation"]
        groups = Run._read_group([("backend_id", "in", self.ids)], ["backend_id"], ["__count", "id:max"])
        counts = {backend.id: (count, last_id) for backend, count, last_id in groups}
        for backend in self:
            count, last_id = counts.get(backend.id, (0, None))
            backend.reconciliation_count = count
            backend.last_reconciliation_state = Run.browse(last_id).state if last_id else False

    def _reconciliation_timezone(self):
        self.ensure_one()
        name = self.sudo().reconciliation_tz or self.company_id.partner_id.tz or "UTC"
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def _reconciliation_local_now(self, now) -> datetime:
        """``now`` (naive UTC, as Odoo stores it) in the backend's reconciliation time zone."""
        return now.replace(tzinfo=timezone.utc).astimezone(self._reconciliation_timezone())

    def _fx_accounts(self):
        """The Odoo accounts of exchange differences (Accounting settings of the company)."""
        company = self.company_id
        return company.income_currency_exchange_account_id | company.expense_currency_exchange_account_id

    def action_reconcile_now(self):
        self.ensure_one()
        check_manager(self)
        run = self.env["quickbooks.reconciliation"]._run_for_backend(self, trigger="manual")
        return run._open_form()

    def action_open_reconciliations(self):
        self.ensure_one()
        check_user(self)
        action = self.env["ir.actions.act_window"]._for_xml_id("quickbooks_connector.action_quickbooks_reconciliation")
        action["domain"] = [("backend_id", "=", self.id)]
        action["context"] = {"default_backend_id": self.id}
        return action
