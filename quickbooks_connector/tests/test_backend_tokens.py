import logging
from contextlib import closing
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import fields, sql_db
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from ..qbo import InvalidGrantError, OAuthClient, OAuthEndpoints
from .common import CLIENT_ID, CLIENT_SECRET, QuickbooksCase


@tagged("post_install", "-at_install")
class TestTokens(QuickbooksCase):
    def _oauth(self):
        return OAuthClient(
            CLIENT_ID, CLIENT_SECRET, self.backend.redirect_uri, endpoints=OAuthEndpoints.for_server(self.emulator.url)
        )

    def _expire_in(self, minutes):
        self.backend.sudo().access_token_expires_at = fields.Datetime.now() + timedelta(minutes=minutes)

    def test_access_token_with_less_than_five_minutes_left_is_refreshed_and_rotation_kept(self):
        minted = self.connect_backend()
        self._expire_in(2)
        info = self.backend._qbo_client().company_info()
        self.assertTrue(info["CompanyName"])
        new_access = self.stored_secret("access_token_encrypted")
        new_refresh = self.stored_secret("refresh_token_encrypted")
        self.assertNotEqual(new_access, minted["access_token"])
        self.assertNotEqual(new_refresh, minted["refresh_token"], "the rotated refresh token must be stored")
        self.assertGreater(self.backend.access_token_expires_at, fields.Datetime.now() + timedelta(minutes=55))
        with self.assertRaises(InvalidGrantError):
            self._oauth().refresh(minted["refresh_token"])  # the old one is dead at Intuit
        self._oauth().refresh(new_refresh)  # the stored one works

    def _ctid(self, table, column="id"):
        self.env.flush_all()
        self.env.cr.execute(
            SQL("SELECT ctid FROM %s WHERE %s = %s", SQL.identifier(table), SQL.identifier(column), self.backend.id)
        )
        return self.env.cr.fetchone()[0]

    def test_a_refresh_writes_the_token_row_not_the_connection_row(self):
        """Every sync record, notification and rate slot refers to the connection row: a refresh that
        updated it made concurrent jobs inserting such rows fail with a serialization error."""
        minted = self.connect_backend()
        self._expire_in(2)
        connection_before = self._ctid("quickbooks_backend")
        tokens_before = self._ctid("quickbooks_backend_token", "backend_id")
        self.backend._qbo_client().company_info()
        self.assertNotEqual(self.stored_secret("access_token_encrypted"), minted["access_token"], "refreshed")
        self.assertEqual(self._ctid("quickbooks_backend"), connection_before, "the connection row was not updated")
        self.assertNotEqual(self._ctid("quickbooks_backend_token", "backend_id"), tokens_before)

    def test_a_query_that_lost_a_race_is_logged_as_retried_not_as_an_error(self):
        """The log of a bulk push: a transaction that lost a race is rolled back and retried (INFO); any
        other failed query is still an ERROR.  (``logging.INFO``, not "INFO": Odoo names its level 25 so.)"""
        company_id = self.env.ref("base.main_company").id  # a committed row, seen by the other connection
        self.env.cr.execute("SELECT id FROM res_company WHERE id = %s FOR UPDATE", [company_id])
        with closing(sql_db.db_connect(self.env.cr.dbname).cursor()) as other:
            other.execute("SET lock_timeout = '50ms'")
            lost_race = self.assertRaises(pg_errors.LockNotAvailable)
            with self.assertLogs("odoo.sql_db", level=logging.INFO) as logged, lost_race:
                other.execute("SELECT id FROM res_company WHERE id = %s FOR UPDATE", [company_id])
            other.rollback()
            self.assertEqual([record.levelno for record in logged.records], [logging.INFO])
            self.assertIn("retried", logged.records[0].getMessage())
            wrong_query = self.assertRaises(pg_errors.UndefinedTable)
            with self.assertLogs("odoo.sql_db", level=logging.INFO) as logged, wrong_query:
                other.execute("SELECT 1 FROM quickbooks_no_such_table")
            other.rollback()
            self.assertEqual([record.levelno for record in logged.records], [logging.ERROR])

    def test_fresh_access_token_is_used_as_is(self):
        minted = self.connect_backend()
        self.backend._qbo_client().company_info()
        self.assertEqual(self.stored_secret("access_token_encrypted"), minted["access_token"])
        self.assertEqual(self.stored_secret("refresh_token_encrypted"), minted["refresh_token"])

    def test_401_refreshes_once_and_the_call_succeeds(self):
        minted = self.connect_backend()
        self.emulator.fault(path="*", method="GET", kind="expire_token", times=1)
        self.assertTrue(self.backend._qbo_client().company_info()["CompanyName"])
        self.assertNotEqual(self.stored_secret("refresh_token_encrypted"), minted["refresh_token"])

    def test_a_token_refreshed_by_another_worker_is_reused_not_refreshed_again(self):
        self.connect_backend()
        stored_refresh = self.stored_secret("refresh_token_encrypted")
        stored_access = self.stored_secret("access_token_encrypted")
        # A 401 with a token that is no longer the stored one: someone refreshed meanwhile.
        token = self.backend._refresh_tokens(force=True, rejected="an-older-access-token")
        self.assertEqual(token, stored_access)
        self.assertEqual(self.stored_secret("refresh_token_encrypted"), stored_refresh)

    def test_invalid_grant_pauses_the_connection_and_tells_the_managers(self):
        minted = self.connect_backend()
        self._oauth().revoke(minted["refresh_token"])
        self._expire_in(1)
        with self.assertRaisesRegex(UserError, "reconnect"):
            self.backend._qbo_client().company_info()
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.state, "reconnect")
        self.assertFalse(self.backend.sudo().access_token_encrypted)
        admin = self.env.ref("base.user_admin")
        self.assertIn(admin, self.backend.activity_ids.user_id)
        self.assertIn("Reconnect", self.backend.activity_ids[0].summary)
        with self.assertRaisesRegex(UserError, "not connected"):
            self.backend._qbo_client()
        # The cron leaves it alone instead of failing every 30 minutes.
        self.env["quickbooks.backend"]._cron_refresh_tokens()
        self.assertEqual(len(self.backend.activity_ids.filtered(lambda a: a.user_id == admin)), 1)

    def test_cron_refreshes_tokens_that_would_expire_before_its_next_run(self):
        minted = self.connect_backend()
        self._expire_in(20)
        self.env["quickbooks.backend"]._cron_refresh_tokens()
        self.assertNotEqual(self.stored_secret("access_token_encrypted"), minted["access_token"])
        refreshed = self.stored_secret("access_token_encrypted")
        self.env["quickbooks.backend"]._cron_refresh_tokens()
        self.assertEqual(self.stored_secret("access_token_encrypted"), refreshed)

    def test_cron_warns_managers_before_the_authorization_ends(self):
        self.connect_backend()
        self.backend.sudo().refresh_token_hard_expires_at = fields.Datetime.now() + timedelta(days=10)
        self.env["quickbooks.backend"]._cron_refresh_tokens()
        summaries = self.backend.activity_ids.mapped("summary")
        self.assertIn("QuickBooks authorization expires soon", summaries)

    def test_disconnect_revokes_at_intuit_and_forgets_the_tokens(self):
        minted = self.connect_backend()
        refresh = self.stored_secret("refresh_token_encrypted")
        self.backend.action_disconnect()
        self.assertEqual(self.backend.state, "disconnected")
        self.assertFalse(self.backend.sudo().refresh_token_encrypted)
        self.assertFalse(self.backend.sudo().access_token_encrypted)
        with self.assertRaises(InvalidGrantError):
            self._oauth().refresh(refresh)
        self.assert_no_plaintext(minted["access_token"], minted["refresh_token"])
