"""The OAuth tokens of a QuickBooks connection, in a table of their own.

Intuit's access token lives an hour, so tokens are rewritten many times a day, often while jobs run.
Kept on the connection row, each refresh updated the row that every sync record, notification and
rate slot refers to: a job in REPEATABLE READ that then inserted such a row failed its foreign-key
check with "could not serialize access due to concurrent update" (retried, but logged as an error).
Here a refresh touches nothing those jobs refer to.
"""

from odoo import api, fields, models

from .. import const
from ..qbo import TokenSet
from ..tools import crypto
from ..tools.dates import naive_utc


class QuickbooksBackendToken(models.Model):
    _name = "quickbooks.backend.token"
    _description = "QuickBooks OAuth tokens of a connection"
    _log_access = False  # written by the refresh only: nobody is the author of a token

    backend_id = fields.Many2one("quickbooks.backend", required=True, ondelete="cascade", index=True)
    access_token_encrypted = fields.Char(groups="base.group_system")
    refresh_token_encrypted = fields.Char(groups="base.group_system")
    access_token_expires_at = fields.Datetime(groups="base.group_system")
    refresh_token_expires_at = fields.Datetime(groups="base.group_system")
    refresh_token_hard_expires_at = fields.Datetime(groups="base.group_system")

    _one_per_connection = models.Constraint("unique(backend_id)", "A connection has one set of tokens.")

    @staticmethod
    def _values_of(tokens: TokenSet) -> dict:
        """The stored form of a token pair: encrypted tokens, naive UTC expiries."""
        return {
            "access_token_encrypted": crypto.encrypt(tokens.access_token),
            "refresh_token_encrypted": crypto.encrypt(tokens.refresh_token),
            "access_token_expires_at": naive_utc(tokens.access_expires_at),
            "refresh_token_expires_at": naive_utc(tokens.refresh_expires_at),
            **(
                {"refresh_token_hard_expires_at": naive_utc(tokens.refresh_hard_expires_at)}
                if tokens.refresh_hard_expires_at
                else {}
            ),
        }


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    # The tokens live in quickbooks.backend.token (see there why); these fields read and write them.
    token_ids = fields.One2many("quickbooks.backend.token", "backend_id", groups="base.group_system")
    access_token_encrypted = fields.Char(
        compute="_compute_tokens", inverse="_inverse_tokens", compute_sudo=True, groups="base.group_system"
    )
    refresh_token_encrypted = fields.Char(
        compute="_compute_tokens", inverse="_inverse_tokens", compute_sudo=True, groups="base.group_system"
    )
    access_token_expires_at = fields.Datetime(
        compute="_compute_tokens", inverse="_inverse_tokens", compute_sudo=True, groups=const.GROUP_MANAGER
    )
    refresh_token_expires_at = fields.Datetime(
        compute="_compute_tokens", inverse="_inverse_tokens", compute_sudo=True, groups=const.GROUP_MANAGER
    )
    refresh_token_hard_expires_at = fields.Datetime(
        "Authorization Hard Expiry",
        compute="_compute_tokens",
        inverse="_inverse_tokens",
        compute_sudo=True,
        groups=const.GROUP_MANAGER,
        help="Intuit ends every authorization 5 years after it was first granted: reconnect before then.",
    )

    @api.depends(*(f"token_ids.{name}" for name in const.TOKEN_FIELDS))
    def _compute_tokens(self):
        for backend in self:
            row = backend.token_ids[:1]
            for name in const.TOKEN_FIELDS:
                backend[name] = row[name] if row else False

    def _inverse_tokens(self):
        for backend in self:
            backend._store_tokens({name: backend[name] for name in const.TOKEN_FIELDS})

    def _store_tokens(self, values: dict):
        """Write token fields into the connection's token row (made on first use); the connection row is
        not touched."""
        self.ensure_one()
        row = self.sudo().token_ids[:1]
        if row:
            row.write(values)
        else:
            self.env["quickbooks.backend.token"].sudo().create({"backend_id": self.id, **values})
