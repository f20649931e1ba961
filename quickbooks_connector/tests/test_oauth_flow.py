import logging
from urllib.parse import parse_qs, urlparse

import requests

from odoo.tests import HttpCase, new_test_user, tagged

from .common import CLIENT_SECRET, REALM_ID, VERIFIER_TOKEN, QuickbooksTestMixin


@tagged("post_install", "-at_install")
class TestOAuthFlow(QuickbooksTestMixin, HttpCase):
    """The whole round trip over real HTTP: Odoo → emulator's authorize page → Odoo callback."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_quickbooks()
        new_test_user(cls.env, "qbo_billing", groups="account.group_account_invoice")

    def _start(self):
        response = self.url_open(f"/quickbooks/oauth/start?backend_id={self.backend.id}", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303), response.text[:500])
        location = response.headers["Location"]
        self.assertTrue(location.startswith(f"{self.emulator.url}/connect/oauth2?"), location)
        return location

    def _authorize_at_intuit(self, authorize_url):
        """What the browser does at Intuit: the emulator approves and redirects back to Odoo."""
        response = requests.get(authorize_url, allow_redirects=False, timeout=10)
        self.assertIn(response.status_code, (302, 303))
        back = urlparse(response.headers["Location"])
        self.assertEqual(back.path, "/quickbooks/oauth/callback")
        return back, parse_qs(back.query)

    def test_manager_connects_and_nothing_is_stored_in_plain_text(self):
        self.authenticate("admin", "admin")
        back, query = self._authorize_at_intuit(self._start())
        self.assertEqual(query["realmId"], [REALM_ID])
        response = self.url_open(f"{back.path}?{back.query}", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303), response.text[:500])
        self.assertIn(f"/odoo/quickbooks/{self.backend.id}", response.headers["Location"])
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.state, "connected")
        self.assertEqual(self.backend.realm_id, REALM_ID)
        self.assertTrue(self.backend.qbo_company_name)
        access = self.stored_secret("access_token_encrypted")
        refresh = self.stored_secret("refresh_token_encrypted")
        self.assertTrue(access and refresh)
        self.assert_no_plaintext(access, refresh, CLIENT_SECRET, VERIFIER_TOKEN)

        # Disconnect revokes at Intuit and clears the tokens.
        self.backend.action_disconnect()
        self.assertEqual(self.backend.state, "disconnected")
        self.assertFalse(self.backend.sudo().refresh_token_encrypted)

    def test_reconnecting_lets_the_jobs_that_waited_run_at_once(self):
        # Intuit refused the stored refresh token: the connection waits for a manager, and so do its
        # jobs (they look again every 15 minutes, without using up their retries).
        self.connect_backend()
        self.backend.sudo().write({"realm_id": REALM_ID, "state": "reconnect"})
        partner = self.env["res.partner"].create({"name": "Waiting Customer"})
        job = partner.with_delay(eta=900)._quickbooks_push_job(self.backend, self.env.company.currency_id)
        waiting = self.env["queue.job"].search([("uuid", "=", job.uuid)])
        self.assertTrue(waiting.eta)
        self.authenticate("admin", "admin")
        back, _query = self._authorize_at_intuit(self._start())
        response = self.url_open(f"{back.path}?{back.query}", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303), response.text[:500])
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.state, "connected")
        waiting.invalidate_recordset()
        self.assertEqual((waiting.state, waiting.eta), ("pending", False))

    def test_callback_with_a_wrong_or_missing_state_is_refused_and_stores_nothing(self):
        self.authenticate("admin", "admin")
        back, query = self._authorize_at_intuit(self._start())
        tampered = f"{back.path}?code={query['code'][0]}&state=forged&realmId={REALM_ID}"
        response = self.url_open(tampered, allow_redirects=False)
        self.assertEqual(response.status_code, 400)
        missing = self.url_open(f"{back.path}?code={query['code'][0]}&realmId={REALM_ID}", allow_redirects=False)
        self.assertEqual(missing.status_code, 400)
        self.backend.invalidate_recordset()
        self.assertNotEqual(self.backend.state, "connected")
        self.assertFalse(self.backend.sudo().access_token_encrypted)
        self.assertFalse(self.backend.realm_id)

    def test_the_authorization_code_never_reaches_the_log(self):
        # Odoo's HTTP server logs each request line (logger "werkzeug", after the answer is sent): the
        # callback's carries Intuit's one-time code.  The record as werkzeug makes it:
        code = "PlainAuthorizationCode1234567890"
        record = logging.LogRecord(
            "werkzeug",
            logging.INFO,
            __file__,
            0,
            '127.0.0.1 - - [now] "%s" %s %s',
            (f"GET /quickbooks/oauth/callback?code={code}&state=abc&realmId={REALM_ID} HTTP/1.1", "303", "-"),
            None,
        )
        self.assertTrue(logging.getLogger("werkzeug").filter(record), "the line is still logged")
        self.assertNotIn(code, record.getMessage())
        self.assertIn("/quickbooks/oauth/callback?code=***", record.getMessage())

    def test_state_is_single_use(self):
        self.authenticate("admin", "admin")
        back, _query = self._authorize_at_intuit(self._start())
        self.assertIn(self.url_open(f"{back.path}?{back.query}", allow_redirects=False).status_code, (302, 303))
        replay = self.url_open(f"{back.path}?{back.query}", allow_redirects=False)
        self.assertEqual(replay.status_code, 400)

    def test_intuit_error_is_shown_as_a_readable_page(self):
        self.authenticate("admin", "admin")
        self.emulator.call("POST", "settings", {"oauth_deny": True})
        back, query = self._authorize_at_intuit(self._start())
        self.assertEqual(query["error"], ["access_denied"])
        response = self.url_open(f"{back.path}?{back.query}", allow_redirects=False)
        self.assertEqual(response.status_code, 200)
        self.assertIn("did not authorize", response.text)
        self.assertIn("access_denied", response.text)
        self.backend.invalidate_recordset()
        self.assertNotEqual(self.backend.state, "connected")
        self.assertFalse(self.backend.sudo().access_token_encrypted)

    def test_invoicing_user_cannot_start_the_flow(self):
        self.authenticate("qbo_billing", "qbo_billing")
        response = self.url_open(f"/quickbooks/oauth/start?backend_id={self.backend.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 403)

    def test_anonymous_visitor_is_sent_to_login(self):
        response = self.url_open("/quickbooks/oauth/start", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
