"""The Slack channel of a connection's reconciliation alerts.

The Slack incoming-webhook URL is a credential (anyone holding it can post to the channel): it
is stored encrypted like the other connection secrets, never shown back, and never logged or
written into an error message.  Only Slack's webhook host is accepted, unless a system
administrator allows another prefix.
"""

from urllib.parse import urlsplit

from odoo import fields, models
from odoo.exceptions import UserError

from .. import const
from ..tools import crypto
from ..tools.access import check_manager


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    slack_webhook_url_encrypted = fields.Char(groups="base.group_system", copy=False)
    slack_webhook_url = fields.Char(
        "Slack Webhook URL",
        compute="_compute_slack_webhook",
        inverse="_inverse_slack_webhook_url",
        groups=const.GROUP_MANAGER,
        help="Incoming-webhook URL of the Slack channel that receives reconciliation alerts. Stored encrypted.",
    )
    slack_webhook_set = fields.Boolean(
        "Slack Webhook Stored", compute="_compute_slack_webhook", groups=const.GROUP_MANAGER
    )
    slack_webhook_host = fields.Char(compute="_compute_slack_webhook", groups=const.GROUP_MANAGER)

    def _compute_slack_webhook(self):
        for backend in self:
            stored = bool(backend.sudo().slack_webhook_url_encrypted)
            try:
                url = backend._get_slack_webhook_url() if stored else None
            except UserError:  # unreadable with the configured key: the form must still open
                url = None
            backend.slack_webhook_url = False  # write-only: the URL is a credential
            backend.slack_webhook_set = stored
            backend.slack_webhook_host = urlsplit(url).netloc if url else False

    def _inverse_slack_webhook_url(self):
        for backend in self.filtered("slack_webhook_url"):
            url = backend.slack_webhook_url.strip()
            if not backend._slack_url_allowed(url):
                raise UserError(
                    self.env._("The Slack webhook URL must be a Slack incoming webhook: %s...", const.SLACK_URL_PREFIX)
                )
            backend.sudo().slack_webhook_url_encrypted = crypto.encrypt(url)

    def _slack_url_allowed(self, url):
        """Only Slack's incoming-webhook host (alerts must not be sendable to any server of the network).
        A system administrator may allow another prefix (a self-hosted relay, a test sink) with the
        system parameter ``quickbooks.slack_webhook_url_prefixes`` (comma separated)."""
        extra = self.env["ir.config_parameter"].sudo().get_param(const.SLACK_PREFIXES_PARAM, "")
        prefixes = [const.SLACK_URL_PREFIX, *(p.strip() for p in extra.split(",") if p.strip())]
        parts = urlsplit(url)
        return bool(parts.netloc) and not parts.username and any(url.startswith(prefix) for prefix in prefixes)

    def _get_slack_webhook_url(self) -> str | None:
        self.ensure_one()
        return crypto.decrypt(self.sudo().slack_webhook_url_encrypted)

    def action_clear_slack_webhook(self):
        check_manager(self)
        self.sudo().write({"slack_webhook_url_encrypted": False})
        return True
