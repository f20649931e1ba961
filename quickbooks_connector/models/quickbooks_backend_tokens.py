"""OAuth tokens of a QuickBooks connection: storage, refresh with rotation, reconnect state.

Intuit rotates refresh tokens: the refresh token used is dead as soon as the new pair is issued.
The new pair is therefore written and committed on a cursor of its own, at once, so a job that
rolls back later cannot lose it; the token row (``quickbooks.backend.token``) is locked while refreshing so that
two workers never refresh with the same token.  Odoo runs transactions in REPEATABLE READ, so a
worker that waited for the lock sees a serialization error and simply looks again on a new
cursor, where it finds the pair the other worker stored.
"""

import time

from psycopg2 import errors as pg_errors

from odoo import fields, models
from odoo.exceptions import UserError

from .. import const
from ..qbo import InvalidGrantError, OAuthError, QBOClient, QBOError, TokenSet
from ..qbo.redact import get_logger
from ..tools import crypto
from ..tools.access import check_manager

_logger = get_logger(__name__)


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    # ------------------------------------------------------------------ storage
    def _token_values(self, tokens: TokenSet) -> dict:
        return self.env["quickbooks.backend.token"]._values_of(tokens)

    def _access_token_expiring(self, margin=const.ACCESS_TOKEN_REFRESH_MARGIN) -> bool:
        self.ensure_one()
        expires = self.sudo().access_token_expires_at
        return not expires or expires - fields.Datetime.now() <= margin

    # ------------------------------------------------------------------ authorization
    def _complete_authorization(self, code: str, realm_id: str):
        """Finish "Connect to QuickBooks": exchange the code, prove the tokens open ``realm_id``, store them.

        Refused (nothing stored): another QuickBooks company than the one this connection holds
        bindings of (its ids would be read as the other company's), a QuickBooks company already
        connected to another Odoo company, and tokens that do not open the company Intuit named.
        """
        self.ensure_one()
        if not code or not realm_id or not str(realm_id).isdigit():
            raise UserError(self.env._("Intuit did not send an authorization code and company id."))
        realm_id = str(realm_id)
        backend = self.sudo()
        if backend.realm_id != realm_id:  # also without a realm: bindings are always one realm's
            if backend.realm_id and backend.state in ("connected", "reconnect"):
                raise UserError(
                    self.env._(
                        "This Odoo company is linked to QuickBooks company %(old)s; Intuit authorized %(new)s. "
                        "Disconnect first to switch companies.",
                        old=backend.realm_id,
                        new=realm_id,
                    )
                )
            held = backend._realm_bound_counts()
            if held:
                raise UserError(
                    self.env._(
                        "This connection still holds what Odoo knows of QuickBooks company %(old)s (%(held)s); "
                        "QuickBooks ids belong to one company, so connecting %(new)s would apply them to unrelated "
                        "documents. Authorize %(old)s again, or use 'Forget QuickBooks Company' on the connection "
                        "first.",
                        old=backend.realm_id or self.env._("another one"),
                        new=realm_id,
                        held=held,
                    )
                )
        other = (
            self.sudo()
            .with_context(active_test=False)
            .search([("realm_id", "=", realm_id), ("id", "!=", backend.id)], limit=1)
        )
        if other:
            raise UserError(
                self.env._(
                    "QuickBooks company %(realm)s is already connected to the Odoo company %(company)s: "
                    "one QuickBooks company per Odoo company.",
                    realm=realm_id,
                    company=other.company_id.name,
                )
            )
        tokens = backend._oauth_client().exchange_code(code)
        info = backend._company_info_for(realm_id, tokens)
        backend.write(
            {
                **backend._token_values(tokens),
                "realm_id": realm_id,
                "state": "connected",
                "connected_at": fields.Datetime.now(),
                "last_error": False,
                "qbo_company_name": info.get("CompanyName") or False,
            }
        )
        try:
            backend._refresh_company_facts()
        except Exception as error:  # the connection works even if the preferences lookup did not
            _logger.warning("QuickBooks: connected %s but could not read its preferences: %s", realm_id, error)
        backend.activity_unlink(["mail.mail_activity_data_warning"])
        backend.message_post(
            body=self.env._(
                "Connected to QuickBooks company %(name)s (realm %(realm)s).",
                name=backend.qbo_company_name or "-",
                realm=realm_id,
            )
        )
        backend._resume_waiting_jobs()

    def _resume_waiting_jobs(self):
        """After a (re)connect, the QuickBooks jobs that were waiting run now, not at their next look
        (a paused connection makes them look again every 15 minutes).  Jobs of other connections that
        are made to look early simply wait again."""
        waiting = (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("state", "=", "pending"),
                    ("eta", ">", fields.Datetime.now()),
                    ("channel", "=like", f"{const.JOB_CHANNEL}%"),
                ]
            )
        )
        waiting.write({"eta": False})

    def _company_info_for(self, realm_id, tokens):
        """CompanyInfo of ``realm_id`` read with the new tokens: the proof they belong to that company."""
        self.ensure_one()
        client = QBOClient(
            realm_id,
            lambda: tokens.access_token,
            base_url=self._api_base_url(),
            minorversion=self.sudo().minorversion,
            retry=self._qbo_retry_policy,
        )
        try:
            return client.company_info()
        except QBOError as error:
            try:  # not ours to keep: give the grant back
                self._oauth_client().revoke(tokens.refresh_token)
            except Exception:
                _logger.info("QuickBooks: revoking the unconfirmed grant failed")
            raise UserError(
                self.env._(
                    "QuickBooks did not open company %(realm)s with this authorization (%(error)s); "
                    "nothing was stored. Connect again.",
                    realm=realm_id,
                    error=error,
                )
            ) from None

    def _realm_bound_counts(self):
        """What this connection holds of its QuickBooks company, in words (empty when nothing)."""
        self.ensure_one()
        counts = [
            (
                self.env["quickbooks.sync.state"].sudo().search_count([("backend_id", "=", self.id)]),
                self.env._("synchronised records"),
            ),
            (
                self.env["quickbooks.account.mapping"]
                .sudo()
                .search_count(
                    [("backend_id", "=", self.id), "|", ("qbo_account_id", "!=", False), ("qbo_item_id", "!=", False)]
                ),
                self.env._("account mappings"),
            ),
            (
                self.env["quickbooks.qbo.tax.code"].sudo().search_count([("backend_id", "=", self.id)]),
                self.env._("tax codes"),
            ),
            (
                self.env["quickbooks.webhook.event"].sudo().search_count([("backend_id", "=", self.id)]),
                self.env._("notifications"),
            ),
        ]
        return ", ".join(f"{count} {label}" for count, label in counts if count)

    def action_forget_qbo_company(self):
        """Managers, when disconnected: forget the QuickBooks company this connection was bound to (sync records,
        account and tax mappings, QuickBooks accounts and tax codes, notifications, catch-up cursor), so
        another QuickBooks company can be connected.  The Odoo documents themselves are not touched.

        :raise AccessError: if the user is not a QuickBooks manager
        :raise UserError: if the connection is still connected (or waiting to be reconnected)
        """
        self.ensure_one()
        check_manager(self)
        backend = self.sudo()
        if backend.state in ("connected", "reconnect"):
            raise UserError(self.env._("Disconnect from QuickBooks first."))
        held = backend._realm_bound_counts()
        env = self.env(su=True)
        env["quickbooks.sync.state"].search([("backend_id", "=", backend.id)]).unlink()
        env["quickbooks.webhook.event"].search([("backend_id", "=", backend.id)]).unlink()
        env["quickbooks.tax.mapping"].search([("backend_id", "=", backend.id)]).unlink()
        env["quickbooks.account.mapping"].search([("backend_id", "=", backend.id)]).unlink()
        backend.qbo_exempt_tax_code_id = False
        env["quickbooks.qbo.tax.code"].search([("backend_id", "=", backend.id)]).unlink()
        env["quickbooks.qbo.account"].search([("backend_id", "=", backend.id)]).unlink()
        old_realm = backend.realm_id
        backend.write(
            {
                "realm_id": False,
                "qbo_company_name": False,
                "qbo_country": False,
                "qbo_home_currency": False,
                "qbo_automated_sales_tax": False,
                "cdc_cursor": False,
                "state": "draft",
                **const.TOKEN_RESET,
            }
        )
        backend.message_post(
            body=self.env._(
                "Forgot QuickBooks company %(realm)s (%(held)s). Odoo documents are kept; "
                "they will be sent to the next QuickBooks company connected.",
                realm=old_realm or "-",
                held=held or self.env._("nothing"),
            )
        )
        return True

    # ------------------------------------------------------------------ access token
    def _get_access_token(self) -> str:
        """The current access token, refreshed first when it has less than 5 minutes left.

        :raise UserError: if no token is stored, or the refresh fails (see :meth:`_refresh_tokens`)
        """
        self.ensure_one()
        backend = self.sudo()
        if backend._access_token_expiring():
            return backend._refresh_tokens()
        token = crypto.decrypt(backend.access_token_encrypted)
        if not token:
            raise UserError(self.env._("QuickBooks is not connected: no access token is stored."))
        return token

    def _refresh_after_unauthorized(self, rejected: str | None) -> str:
        """QBO answered 401 to ``rejected``: refresh, unless another worker already did.

        :raise UserError: if the refresh fails (see :meth:`_refresh_tokens`)
        """
        return self.sudo()._refresh_tokens(force=True, rejected=rejected)

    def _refresh_tokens(
        self, force: bool = False, rejected: str | None = None, margin=const.ACCESS_TOKEN_REFRESH_MARGIN
    ) -> str:
        """Refresh on a separate, immediately committed cursor; returns the access token to use.

        ``force`` refreshes even when the stored token looks valid, unless the stored token is no
        longer ``rejected`` (someone refreshed meanwhile).  On ``invalid_grant`` the connection
        moves to "reconnect needed" and managers get an activity.

        :raise UserError: if the connection is not connected (or Intuit refused the refresh token:
            then it is marked "reconnect needed" first), if Intuit could not be reached, or if
            another worker kept the connection locked through every attempt
        """
        self.ensure_one()
        # The refresh runs on another cursor: pending writes of this transaction must reach the
        # database first (in tests both cursors share one connection), and what it committed
        # must be re-read afterwards.
        self.env.flush_all()
        for attempt in range(const.REFRESH_LOCK_RETRIES):
            try:
                return self._refresh_tokens_locked(force, rejected, margin)
            except (pg_errors.SerializationFailure, pg_errors.LockNotAvailable):
                # Another worker refreshed while we waited for the row: look again.
                time.sleep(const.REFRESH_LOCK_RETRY_STEP_SECONDS * (attempt + 1))
            finally:  # what the other cursor wrote is read again: the connection and its token row
                self.invalidate_recordset()
                self.env["quickbooks.backend.token"].invalidate_model()
        raise UserError(self.env._("Could not refresh the QuickBooks token: the connection is busy. Try again."))

    def _refresh_tokens_locked(self, force, rejected, margin) -> str:
        with self.env.registry.cursor() as cr:
            # The token row, not the connection row: nothing refers to it, so no job holds a lock on it
            # (every job that inserted a sync record or notification holds a KEY SHARE lock on the
            # connection until it commits, and may be the very one asking for a token here).  The
            # timeout bounds a wait on another refresh (then: look again).
            cr.execute("SET LOCAL lock_timeout = %s", [f"{const.REFRESH_LOCK_TIMEOUT_MS}ms"])
            cr.execute("SELECT id FROM quickbooks_backend_token WHERE backend_id = %s FOR UPDATE", [self.id])
            backend = self.with_env(self.env(cr=cr, su=True))
            backend.invalidate_recordset()
            if backend.state not in ("connected",):
                raise UserError(self.env._("QuickBooks needs to be reconnected for %s.", backend.company_id.name))
            current = crypto.decrypt(backend.access_token_encrypted)
            still_valid = current and not backend._access_token_expiring(margin)
            if still_valid and (not force or (rejected and current != rejected)):
                return current
            refresh_token = crypto.decrypt(backend.refresh_token_encrypted)
            if not refresh_token:
                backend._mark_reconnect_needed(self.env._("No refresh token is stored."))
                # This cursor is the refresh's own (not the caller's): the reconnect state must survive
                # the UserError below, which rolls the caller's transaction back.
                cr.commit()  # pylint: disable=invalid-commit
                raise UserError(self.env._("QuickBooks needs to be reconnected for %s.", backend.company_id.name))
            try:
                tokens = backend._oauth_client().refresh(refresh_token)
            except InvalidGrantError as error:
                backend._mark_reconnect_needed(str(error))
                # Own cursor, as above: the reconnect state survives the UserError's rollback.
                cr.commit()  # pylint: disable=invalid-commit
                raise UserError(
                    self.env._(
                        "QuickBooks refused to renew the connection of %(company)s (%(error)s). A manager must "
                        "reconnect from the settings.",
                        company=backend.company_id.name,
                        error=error,
                    )
                ) from None
            except OAuthError as error:
                raise UserError(self.env._("Could not renew the QuickBooks token: %s", error)) from None
            backend._store_tokens(backend._token_values(tokens))
            if backend.last_error:  # the connection row is written only when there is something to say
                backend.last_error = False
            # Own cursor: QuickBooks has already rotated the refresh token, the old one is dead; the new
            # one must be stored now, whatever becomes of the caller's transaction.
            cr.commit()  # pylint: disable=invalid-commit  # the rotated refresh token is safe from here on
            _logger.info("QuickBooks: refreshed the access token of realm %s", backend.realm_id)
            return tokens.access_token

    def _mark_reconnect_needed(self, reason: str):
        """Stop using this connection and tell the managers; called on ``invalid_grant``."""
        for backend in self:
            backend.sudo().write(
                {
                    "state": "reconnect",
                    "last_error": reason,
                    "access_token_encrypted": False,
                    "access_token_expires_at": False,
                }
            )
            backend._notify_managers(
                self.env._("Reconnect QuickBooks"),
                self.env._(
                    "QuickBooks refused the stored authorization (%s). Open Settings and click "
                    "'Connect to QuickBooks' again; synchronisation is paused until then.",
                    reason,
                ),
            )
            _logger.warning("QuickBooks: realm %s needs to be reconnected: %s", backend.realm_id, reason)

    def _notify_managers(self, summary: str, note: str):
        """One warning activity per QuickBooks manager of the company (not repeated while open)."""
        self.ensure_one()
        group = self.env.ref(const.GROUP_MANAGER)
        managers = group.sudo().all_user_ids.filtered(
            lambda user: self.company_id in user.company_ids and not user.share and user.active
        )
        activity_type = self.env.ref("mail.mail_activity_data_warning")
        open_for = self.activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type and a.summary == summary
        ).user_id
        for user in managers - open_for:
            self.activity_schedule(activity_type_id=activity_type.id, summary=summary, note=note, user_id=user.id)

    # ------------------------------------------------------------------ cron
    def _cron_refresh_tokens(self):
        """Every 30 minutes: keep each connection's tokens fresh and warn before they expire."""
        now = fields.Datetime.now()
        for backend in self.sudo().search([("state", "=", "connected")]):
            try:
                with self.env.cr.savepoint():
                    try:
                        if backend._access_token_expiring(const.CRON_REFRESH_MARGIN):
                            backend._refresh_tokens(margin=const.CRON_REFRESH_MARGIN)
                    except UserError as error:  # refused or unreachable: what it means is already stored
                        _logger.warning("QuickBooks: token refresh for %s failed: %s", backend.company_id.name, error)
                        continue
                    backend.invalidate_recordset()
                    backend._warn_authorization_expiry(now)
            except Exception:  # one company's failure (say an SQL error) must not stop the others
                _logger.exception("QuickBooks: token refresh for %s failed", backend.company_id.name)
                backend.invalidate_recordset()

    def _warn_authorization_expiry(self, now):
        """An activity for the managers when the authorization lapses within the warning delay."""
        self.ensure_one()
        for expiry in (self.refresh_token_hard_expires_at, self.refresh_token_expires_at):
            if expiry and expiry - now <= const.REFRESH_EXPIRY_WARNING:
                self._notify_managers(
                    self.env._("QuickBooks authorization expires soon"),
                    self.env._(
                        "The QuickBooks authorization of %(company)s expires on %(date)s. Reconnect from "
                        "Settings before then to keep synchronising.",
                        company=self.company_id.name,
                        date=fields.Datetime.to_string(expiry),
                    ),
                )
                break
