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

DEFAULT_PORTS = {"http": 80, "https": 443}


def _where(url):
    """``(scheme, host, port, path)`` of an http(s) URL without credentials, else None."""
    parts = urlsplit((url or "").strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        return None
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.username is not None or "\\" in parts.netloc:
        return None
    return scheme, parts.hostname, port or DEFAULT_PORTS[scheme], parts.path or "/"


def url_under(url, prefix) -> bool:
    """Whether ``url`` is on the server ``prefix`` names (same scheme, host and port) and under its path.

    Compared part by part, never as text: ``https://relay.example`` does not admit
    ``https://relay.example.evil.com/`` (another host) nor ``https://relay.example:8443/`` (another port),
    and a path prefix ``/hooks`` admits ``/hooks/x`` but not ``/hooksx``."""
    target, allowed = _where(url), _where(prefix)
    if target is None or allowed is None or target[:3] != allowed[:3]:
        return False
    path, under = target[3], allowed[3]
    if under.endswith("/"):
        return path.startswith(under)
    return path == under or path.startswith(under + "/")


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
        system parameter ``quickbooks.slack_webhook_url_prefixes`` (comma separated): each names a server
        (scheme, host and port, compared as such) and optionally a path under it."""
        extra = self.env["ir.config_parameter"].sudo().get_param(const.SLACK_PREFIXES_PARAM, "")
        prefixes = [const.SLACK_URL_PREFIX, *(p.strip() for p in extra.split(",") if p.strip())]
        return any(url_under(url, prefix) for prefix in prefixes)

    def _get_slack_webhook_url(self) -> str | None:
        self.ensure_one()
        return crypto.decrypt(self.sudo().slack_webhook_url_encrypted)

    def action_clear_slack_webhook(self):
        check_manager(self)
        self.sudo().write({"slack_webhook_url_encrypted": False})
        return True
