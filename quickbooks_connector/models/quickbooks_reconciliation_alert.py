"""Alerts of a drifting reconciliation: a Slack message (in a retried job) and a manager activity.

The Slack webhook URL is the connection's (``quickbooks_backend_slack.py``).  The message goes out
from a queue job on the QuickBooks channel, so an unreachable Slack does not lose it: a network
error, a 429 or a 5xx raises ``RetryableJobError`` (back-off from the job function's retry
pattern, or Slack's ``Retry-After``) and the run keeps ``alert_state = pending`` with the attempt
count and last error, written on a separate cursor because the job's own transaction is rolled
back when it raises.  A refused webhook (4xx: revoked, wrong channel) or too many attempts marks
the alert ``failed`` and tells the managers.
"""

import requests
from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError

from .. import const
from ..qbo.redact import get_logger, redact
from ..tools.access import check_manager
from ..tools.jobs import enqueue, job, note_and_retry
from .quickbooks_reconciliation import FIGURES

_logger = get_logger(__name__)

#: Slack answers these for a webhook that will never work (revoked, archived channel, bad payload).
SLACK_PERMANENT_STATUSES = (301, 302, 303, 307, 308, 400, 401, 403, 404, 410)


def _amount(value, currency) -> str:
    return f"{value:,.{currency.decimal_places}f} {currency.name}"


def _signed(value, currency=None) -> str:
    text = _amount(abs(value), currency) if currency else f"{abs(value):,}"
    return ("+" if value > 0 else "-" if value < 0 else "") + text


class QuickbooksReconciliation(models.Model):
    _inherit = "quickbooks.reconciliation"

    # ------------------------------------------------------------------ the message
    def _figure_lines(self, mark=" :warning:"):
        """One line per figure: Odoo value, QBO value, difference (and drift); ``mark`` flags a drift."""
        self.ensure_one()
        currency = self.currency_id
        lines = []
        for key, label in FIGURES:
            is_count = key.endswith("_count")
            show = (lambda value: f"{value:,}") if is_count else (lambda value: _amount(value, currency))
            flag = mark if self[f"{key}_drift"] > self.threshold else ""
            lines.append(
                f"{label}: Odoo {show(self[f'odoo_{key}'])} | QuickBooks {show(self[f'qbo_{key}'])} | "
                f"difference {_signed(self[f'{key}_difference'], None if is_count else currency)} "
                f"({self[f'{key}_drift']:.2f} %){flag}"
            )
        if self.fx_state != "none":
            flag = mark if self.fx_state == "drift" else ""
            lines.append(
                f"FX gain/loss {self.fx_date_from:%Y-%m}: Odoo {_amount(self.odoo_fx_balance, currency)} | "
                f"QuickBooks {_amount(self.qbo_fx_balance, currency)} | difference "
                f"{_signed(self.fx_difference, currency)} (tolerance {_amount(self.fx_tolerance, currency)}){flag}"
            )
        return lines

    def _explanation_lines(self, limit):
        self.ensure_one()
        labels = dict(self.line_ids._fields["kind"]._description_selection(self.env))
        lines = []
        for line in self.line_ids[:limit]:
            if line.kind in ("customer", "vendor"):  # a partner's balance is in the partner's currency
                odoo, qbo = f"{line.odoo_amount:,.2f}", f"{line.qbo_amount:,.2f} {line.customer_currency}"
            else:
                odoo, qbo = _amount(line.odoo_amount, self.currency_id), _amount(line.qbo_amount, self.currency_id)
            lines.append(f"{labels[line.kind]}: {line._label()} (Odoo {odoo}, QuickBooks {qbo})")
        if self.explanation_count > len(lines):
            lines.append(self.env._("... and %s more in Odoo.", self.explanation_count - len(lines)))
        return lines

    def _alert_text(self):
        self.ensure_one()
        backend = self.backend_id.sudo()
        title = self.env._(
            "QuickBooks reconciliation drift for %(company)s (QuickBooks: %(qbo)s), %(date)s, threshold "
            "%(threshold)s %%",
            company=self.company_id.name,
            qbo=backend.qbo_company_name or backend.realm_id,
            date=self.local_date,
            threshold=f"{self.threshold:g}",
        )
        lines = [f"*{title}*", *(f"• {line}" for line in self._figure_lines())]
        if self.line_ids:
            lines.append(self.env._("Documents explaining the gap:"))
            lines += [f"• {line}" for line in self._explanation_lines(const.SLACK_EXPLANATION_LINES)]
        if self.notes:
            lines += [self.env._("Note: %s", note) for note in self.notes.splitlines()]
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "").rstrip("/")
        if base:
            lines.append(f"{base}/odoo/action-quickbooks_connector.action_quickbooks_reconciliation/{self.id}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ alerting
    def _alert(self):
        """Tell Slack (through a job) and the QuickBooks managers (activity) about a drift."""
        self.ensure_one()
        run = self.sudo()
        backend = run.backend_id
        run.alert_message = run._alert_text()
        if backend._get_slack_webhook_url():
            run._enqueue_slack_alert()
        else:  # a setting the company chose not to use, not a failure: the managers' activity below says it
            run.alert_state = "not_configured"
        lines = [
            self.env._("Odoo and QuickBooks disagree on: %s.", ", ".join(run._drifting_figures())),
            *run._figure_lines(mark=" ⚠"),
        ]
        if run.line_ids:
            lines += run._explanation_lines(const.ALERT_NOTE_LINES)
        backend._notify_managers(
            self.env._("QuickBooks reconciliation drift"), Markup("").join(Markup("<p>%s</p>") % line for line in lines)
        )

    def _enqueue_slack_alert(self):
        self.ensure_one()
        self.sudo().write({"alert_state": "pending", "alert_last_error": False})
        # An alert is given up after const.SLACK_MAX_ATTEMPTS (a stale alert is worse than none): its own limit.
        return enqueue(
            self.sudo(),
            self.env._("Slack alert of QuickBooks reconciliation %s", self.display_name),
            max_retries=const.SLACK_MAX_ATTEMPTS + 1,
        )._send_slack_alert()

    @job(on_fail="_on_slack_alert_job_failed")
    def _send_slack_alert(self):
        """Job: post the alert to the backend's Slack webhook (``{"text": ...}``)."""
        self.ensure_one()
        run = self.sudo()
        if run.alert_state != "pending":
            return f"nothing to send: the alert is {run.alert_state}"
        attempt = run.alert_attempts + 1
        url = run.backend_id._get_slack_webhook_url()
        if not url:  # removed since the alert was queued
            run.write({"alert_state": "not_configured", "alert_attempts": attempt})
            return self.env._("No Slack webhook URL is configured for this connection: not sent.")
        if not run.backend_id._slack_url_allowed(url):
            return run._alert_given_up(
                attempt, self.env._("The stored Slack webhook URL is not a Slack incoming webhook.")
            )
        retry_after = None
        try:
            # No redirect is followed: the alert goes to the stored webhook or nowhere.
            response = requests.post(
                url, json={"text": run.alert_message}, timeout=const.SLACK_TIMEOUT, allow_redirects=False
            )
        except requests.RequestException as error:
            # The exception text names the URL: keep only its kind.
            reason = self.env._("Slack could not be reached (%s).", type(error).__name__)
            status = None
        else:
            status = response.status_code
            if 200 <= status < 300:
                run.write(
                    {
                        "alert_state": "sent",
                        "alert_sent_at": fields.Datetime.now(),
                        "alert_attempts": attempt,
                        "alert_last_error": False,
                    }
                )
                return "sent"
            # Only the status: a reply body is never stored (it could be anything the URL's host says).
            reason = self.env._("Slack answered HTTP %s.", status)
            if status == 429:
                try:
                    retry_after = int(response.headers.get("Retry-After", ""))
                except ValueError:
                    retry_after = None
        if status in SLACK_PERMANENT_STATUSES or attempt >= const.SLACK_MAX_ATTEMPTS:
            return run._alert_given_up(attempt, reason)
        _logger.info(
            "QuickBooks: Slack alert of reconciliation %s not delivered (attempt %s): %s", run.id, attempt, reason
        )
        note_and_retry(
            run,
            {"alert_attempts": attempt, "alert_last_error": reason, "alert_state": "pending"},
            reason,
            retry_after=retry_after,
        )

    def _alert_given_up(self, attempt, reason):
        self.ensure_one()
        self.sudo().write({"alert_state": "failed", "alert_attempts": attempt, "alert_last_error": reason})
        _logger.warning("QuickBooks: Slack alert of reconciliation %s failed: %s", self.id, reason)
        self.backend_id.sudo()._notify_managers(
            self.env._("QuickBooks reconciliation alert not delivered"),
            self.env._(
                "Slack did not accept the alert of %(run)s (%(reason)s). Check the webhook URL of the connection, "
                "then use 'Send Alert Again' on the reconciliation.",
                run=self.display_name,
                reason=reason,
            ),
        )
        return reason

    def _on_slack_alert_job_failed(self, exc_info=None, exc_name=None, exc_message=None):
        """queue_job gave up on the job (unexpected error): the run must not stay 'pending'."""
        for run in self.sudo().filtered(lambda r: r.alert_state == "pending"):
            run._alert_given_up(
                run.alert_attempts, redact(exc_message or exc_name or self.env._("The alert job failed."))
            )

    def action_resend_alert(self):
        """Send the Slack alert of these drifting runs again, from a fresh count of tries.

        :raise AccessError: if the user is not a QuickBooks manager
        :raise UserError: if a run is not drifting, or its connection has no Slack webhook URL
        """
        check_manager(self, "read")  # record rules: another company's run is refused before any sudo
        for run in self.sudo():
            if run.state != "drift":
                raise UserError(self.env._("Only a drifting reconciliation has an alert to send."))
            if not run.backend_id._get_slack_webhook_url():
                raise UserError(self.env._("Enter the Slack webhook URL of the connection first."))
            run.write({"alert_attempts": 0, "alert_message": run.alert_message or run._alert_text()})
            run._enqueue_slack_alert()
        return True
