"""Security: the whole RPC surface refuses who must be refused, a reconnect never crosses two QuickBooks
companies, QuickBooks credentials and alerts go nowhere else than configured by a system administrator."""

import json
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

import requests

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .. import const
from .common import CLIENT_ID, CLIENT_SECRET, REALM_ID, VERIFIER_TOKEN, QuickbooksTestMixin

ADDON_PREFIX = "odoo.addons.quickbooks_connector."

#: Public methods a user may call on a record they can read, harmlessly: (model, method) -> (who, why).
#: "users" = QuickBooks users (billing users are); every other user kind must be refused.
HARMLESS = {
    ("quickbooks.backend", "action_open_failed_sync_records"): (
        "users",
        "opens the sync records list, filtered by access rights",
    ),
    ("quickbooks.backend", "action_open_webhook_events"): ("users", "opens the notification list, access rights apply"),
    ("quickbooks.backend", "action_open_reconciliations"): ("users", "opens the reconciliation list"),
    ("quickbooks.backend", "action_open_books_comparison"): ("users", "opens the books comparison lines"),
    ("quickbooks.reconciliation", "action_open_books"): ("users", "opens the run's books comparison lines"),
    ("quickbooks.books.line", "action_open_ledgers"): ("users", "opens the line: both ledgers as the run read them"),
    ("quickbooks.books.line", "action_open_odoo_items"): ("users", "opens the journal items, access rights apply"),
    ("quickbooks.backend", "action_open_sync_done"): (
        "users",
        "dashboard: opens the sync records, access rights apply",
    ),
    ("quickbooks.backend", "action_open_sync_pending"): ("users", "dashboard: opens the sync records"),
    ("quickbooks.backend", "action_open_sync_failed"): ("users", "dashboard: opens the sync records"),
    ("quickbooks.sync.state", "action_open_record"): ("users", "opens the bound record; its own access rights apply"),
    ("quickbooks.sync.state", "action_view_in_quickbooks"): ("users", "a link to QuickBooks' web app"),
    ("account.move", "action_view_in_quickbooks"): ("users", "a link to QuickBooks' web app"),
    ("account.move", "action_open_quickbooks_sync_record"): ("users", "opens the sync record (read-only for users)"),
    ("res.partner", "action_view_in_quickbooks"): ("users", "a link to QuickBooks' web app"),
    ("res.partner", "action_open_quickbooks_sync_record"): ("users", "opens the sync record (read-only for users)"),
    ("account.payment", "action_view_in_quickbooks"): ("users", "a link to QuickBooks' web app"),
    ("account.payment", "action_open_quickbooks_sync_record"): ("users", "opens the sync record (read-only for users)"),
    ("quickbooks.parallel.run", "action_print"): ("users", "prints the run's report (read access applies)"),
    ("quickbooks.parallel.run", "action_open_days_graph"): ("users", "opens the run's days"),
}
#: Overrides of Odoo's own methods: Odoo's access rights decide (they run ``super()`` first), and what
#: the connector adds only queues jobs; listed here so that a new public method still fails the test.
ODOO_GUARDED = {
    "create",
    "write",
    "unlink",
    "button_cancel",
    "action_post",
    "action_draft",
    "action_cancel",
}


@tagged("post_install", "-at_install")
class TestRpcSurface(QuickbooksTestMixin, HttpCase):
    """Every public method the addon defines, called like the web client calls a button."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_quickbooks()
        cls.env["ir.config_parameter"].sudo().set_param("quickbooks.slack_webhook_url_prefixes", "http://127.0.0.1:9/")
        other = cls.env["res.company"].create({"name": "Other Holding Company"})
        cls.users = {
            "portal": new_test_user(cls.env, "rpc_portal", groups="base.group_portal"),
            "internal": new_test_user(cls.env, "rpc_internal", groups="base.group_user"),
            "billing": new_test_user(cls.env, "rpc_billing", groups="account.group_account_invoice"),
            "qbo_user": new_test_user(
                cls.env, "rpc_qbo_user", groups="base.group_user,quickbooks_connector.group_quickbooks_user"
            ),
            "other_manager": new_test_user(
                cls.env,
                "rpc_other_manager",
                groups="account.group_account_manager",
                company_id=other.id,
                company_ids=[(6, 0, other.ids)],
            ),
        }

    def setUp(self):
        super().setUp()
        self.connect_backend()
        self.backend.slack_webhook_url = "http://127.0.0.1:9/services/T/B/rpc-surface-secret"
        partner = self.env["res.partner"].create({"name": "RPC Customer"})
        self.records = self._targets(partner)

    def _targets(self, partner):
        env = self.env
        backend = self.backend
        sync_record = env["quickbooks.sync.state"].create(
            {
                "backend_id": backend.id,
                "res_model": "res.partner",
                "res_id": partner.id,
                "qbo_entity": "Customer",
                "qbo_id": "1",
                "state": "failed",
            }
        )
        qbo_account = env["quickbooks.qbo.account"].create(
            {"backend_id": backend.id, "qbo_id": "77", "name": "RPC Income", "account_type": "Income"}
        )
        account = env["account.account"].search([("account_type", "=", "income")], limit=1)
        mapping = env["quickbooks.account.mapping"].create(
            {"backend_id": backend.id, "account_id": account.id, "qbo_account_id": qbo_account.id}
        )
        code = env["quickbooks.qbo.tax.code"].create({"backend_id": backend.id, "qbo_id": "3", "name": "RPC 15%"})
        tax = env["account.tax"].search([("type_tax_use", "=", "sale")], limit=1)
        tax_mapping = env["quickbooks.tax.mapping"].create(
            {"backend_id": backend.id, "tax_id": tax.id, "qbo_tax_code_id": code.id}
        )
        run = env["quickbooks.reconciliation"].create(
            {"backend_id": backend.id, "state": "drift", "alert_message": "rpc", "threshold": 0.1}
        )
        books_line = env["quickbooks.books.line"].create(
            {"reconciliation_id": run.id, "section": "trial_balance", "name": "RPC Income", "state": "match"}
        )
        event = env["quickbooks.webhook.event"].create(
            {
                "backend_id": backend.id,
                "realm_id": REALM_ID,
                "entity": "Payment",
                "qbo_id": "5",
                "operation": "create",
                "dedupe_key": "rpc-surface",
                "source": "webhook",
                "state": "failed",
            }
        )
        move = env["account.move"].create({"move_type": "out_invoice", "partner_id": partner.id})
        journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", self.company.id)], limit=1)
        payment = env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": partner.id,
                "amount": 10,
                "journal_id": journal.id,
            }
        )
        wizard = env["quickbooks.account.mapping.wizard"].create({"backend_id": backend.id})
        bulk = env["quickbooks.bulk.push.wizard"].create({"backend_id": backend.id})
        item_review = env["quickbooks.item.match.wizard"].create({"backend_id": backend.id})
        settings = env["res.config.settings"].create({})
        cutover = env["quickbooks.import"].create({"backend_id": backend.id})
        line = env["quickbooks.import.line"].create(
            {"import_id": cutover.id, "kind": "account", "qbo_id": "77", "qbo_account_id": qbo_account.id}
        )
        parallel = env["quickbooks.parallel.run"].create({"backend_id": backend.id})
        return {
            "quickbooks.import": cutover,
            "quickbooks.import.line": line,
            "quickbooks.parallel.run": parallel,
            "quickbooks.backend": backend,
            "quickbooks.sync.state": sync_record,
            "quickbooks.account.mapping": mapping,
            "quickbooks.qbo.account": qbo_account,
            "quickbooks.qbo.tax.code": code,
            "quickbooks.tax.mapping": tax_mapping,
            "quickbooks.reconciliation": run,
            "quickbooks.books.line": books_line,
            "quickbooks.webhook.event": event,
            "account.move": move,
            "res.partner": partner,
            "account.payment": payment,
            "quickbooks.account.mapping.wizard": wizard,
            "quickbooks.bulk.push.wizard": bulk,
            "quickbooks.item.match.wizard": item_review,
            "res.config.settings": settings,
        }

    def _public_methods(self):
        """(model, method) for every public method a class of this addon defines on a model it defines or extends
        (a model a bridge addon alone makes bound, such as a sales order, is that addon's to test)."""
        found = set()
        for model_name in self.env.registry:
            model = self.env[model_name]
            if model._abstract:
                continue
            classes = [cls for cls in type(model).__mro__ if cls.__module__.startswith(ADDON_PREFIX)]
            if not any(cls._name == model_name for cls in classes):
                continue
            for cls in classes:
                for name, value in vars(cls).items():
                    if not name.startswith("_") and callable(value):
                        found.add((model_name, name))
        return found

    def _call(self, model, method, record):
        """Call it as the web client does (a button: ids first; a model method: no ids)."""
        function = getattr(type(self.env[model]), method)
        args = [] if getattr(function, "_api_model", False) else [record.ids]
        response = self.url_open(
            "/web/dataset/call_button",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {"model": model, "method": method, "args": args, "kwargs": {}},
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertNotEqual(response.status_code, 500, f"{model}.{method}")
        body = response.json()
        return body.get("error", {}).get("data", {}).get("name") if "error" in body else None

    def test_every_public_method_refuses_who_must_be_refused_and_sends_nothing(self):
        methods = self._public_methods()
        unknown = sorted(
            f"{model}.{name}"
            for model, name in methods
            if name not in ODOO_GUARDED and (model, name) not in HARMLESS and not name.startswith("action_")
        )
        self.assertEqual(unknown, [], "a new public method: make it private, or check who calls it and list it here")
        buttons = sorted((model, name) for model, name in methods if name not in ODOO_GUARDED)
        self.assertGreater(len(buttons), 30)
        self.emulator.call("DELETE", "requests")
        tokens_before = self.backend.sudo().read(["access_token_encrypted", "refresh_token_encrypted"])
        allowed = []
        for kind, user in self.users.items():
            self.authenticate(user.login, user.login)
            for model, method in buttons:
                record = self.records.get(model)
                self.assertTrue(record, f"no target record for {model}.{method}")
                error = self._call(model, method, record)
                who = HARMLESS.get((model, method), (None,))[0]
                if error is None:
                    allowed.append(f"{kind}: {model}.{method}")
                    self.assertTrue(
                        who == "users" and kind in ("billing", "qbo_user"), f"{kind} could call {model}.{method}"
                    )
                else:
                    self.assertIn(
                        error.rsplit(".", 1)[-1],
                        ("AccessError", "UserError", "MissingError", "ValidationError"),
                        f"{kind} {model}.{method}: {error}",
                    )
        self.assertEqual(self.emulator.requests_log(), [], "nothing may reach QuickBooks")
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.state, "connected")
        self.assertEqual(
            self.backend.sudo().read(["access_token_encrypted", "refresh_token_encrypted"]),
            tokens_before,
            "no token was revoked or refreshed",
        )
        self.assertTrue(self.backend.slack_webhook_set, "the Slack webhook is still there")
        self.assertTrue(allowed, "QuickBooks users can still use their buttons")


@tagged("post_install", "-at_install")
class TestConnectionSecurity(QuickbooksTestMixin, HttpCase):
    """OAuth state, realm proof, one QuickBooks company per connection, endpoints and alerts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_quickbooks()
        cls.manager = new_test_user(cls.env, "sec_manager", groups="account.group_account_manager")
        cls.other_manager = new_test_user(cls.env, "sec_manager_2", groups="account.group_account_manager")

    # --- the OAuth round trip
    def start_and_authorize(self, login):
        self.authenticate(login, login)
        start = self.url_open(f"/quickbooks/oauth/start?backend_id={self.backend.id}", allow_redirects=False)
        self.assertIn(start.status_code, (302, 303), start.text[:300])
        granted = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
        back = urlparse(granted.headers["Location"])
        return back.path, parse_qs(back.query)

    def callback(self, path, query, **override):
        params = {key: values[0] for key, values in query.items()} | override
        return self.url_open(f"{path}?{'&'.join(f'{k}={v}' for k, v in params.items())}", allow_redirects=False)

    def assert_nothing_stored(self):
        self.backend.invalidate_recordset()
        self.assertNotEqual(self.backend.state, "connected")
        self.assertFalse(self.backend.sudo().access_token_encrypted)
        self.assertFalse(self.backend.sudo().refresh_token_encrypted)

    def test_a_callback_without_the_state_leaves_the_flow_in_progress(self):
        """A link on another site to the callback (no state, or another one) is refused and cancels nothing."""
        path, query = self.start_and_authorize(self.manager.login)
        for forged in ("", "?state=forged&code=x&realmId=1", f"?code={query['code'][0]}"):
            self.assertEqual(self.url_open(f"{path}{forged}", allow_redirects=False).status_code, 400, forged)
        self.assert_nothing_stored()
        finished = self.callback(path, query)
        self.assertIn(finished.status_code, (302, 303), finished.text[:300])
        self.backend.invalidate_recordset()
        self.assertEqual((self.backend.state, self.backend.realm_id), ("connected", REALM_ID))
        # Used once: the same callback again is refused.
        self.assertEqual(self.callback(path, query).status_code, 400)

    def test_an_expired_state_is_refused(self):
        path, query = self.start_and_authorize(self.manager.login)
        with patch.object(const, "OAUTH_STATE_TTL", timedelta(seconds=-1)):
            self.assertEqual(self.callback(path, query).status_code, 400)
        self.assert_nothing_stored()

    def test_a_state_started_by_one_user_cannot_be_finished_by_another(self):
        path, query = self.start_and_authorize(self.manager.login)
        self.authenticate(self.other_manager.login, self.other_manager.login)
        self.assertEqual(self.callback(path, query).status_code, 400)
        self.assert_nothing_stored()

    def test_a_tampered_realm_id_is_refused_and_stores_nothing(self):
        path, query = self.start_and_authorize(self.manager.login)
        response = self.callback(path, query, realmId="9130354000000999")
        self.assertEqual(response.status_code, 400)
        self.assertIn("did not open company", response.text)
        self.assert_nothing_stored()
        self.assertFalse(self.backend.realm_id)

    # --- one QuickBooks company per connection, and per Odoo company
    def test_reconnecting_another_realm_is_refused_while_bindings_exist_then_forgotten_on_purpose(self):
        self.connect_backend()
        partner = self.env["res.partner"].create({"name": "Bound Customer"})
        self.env["quickbooks.sync.state"].create(
            {
                "backend_id": self.backend.id,
                "res_model": "res.partner",
                "res_id": partner.id,
                "qbo_entity": "Customer",
                "qbo_id": "58",
            }
        )
        self.backend.with_user(self.manager).action_disconnect()
        with self.assertRaisesRegex(UserError, "Forget QuickBooks Company"):
            self.backend._complete_authorization("any-code", "9130354000000777")
        with self.assertRaises(AccessError):
            self.backend.with_user(
                new_test_user(self.env, "sec_billing", groups="account.group_account_invoice")
            ).action_forget_qbo_company()
        self.backend.with_user(self.manager).action_forget_qbo_company()
        self.assertFalse(self.env["quickbooks.sync.state"].search([("backend_id", "=", self.backend.id)]))
        self.assertFalse(self.backend.realm_id)

    def test_a_realm_is_connected_to_one_odoo_company_only(self):
        self.connect_backend()
        other = self.env["res.company"].create({"name": "Second Company"})
        second = self.env["quickbooks.backend"].create(
            {
                "company_id": other.id,
                "environment": "custom",
                "custom_base_url": self.emulator.url,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            }
        )
        with self.assertRaisesRegex(UserError, "already connected"):
            second._complete_authorization("any-code", REALM_ID)

    # --- endpoints and disconnect
    def test_only_system_administrators_move_the_endpoint_and_the_tokens_are_wiped(self):
        self.connect_backend()
        with self.assertRaises(AccessError):
            self.backend.with_user(self.manager).write({"custom_base_url": "https://attacker.example"})
        self.assertTrue(self.backend.sudo().refresh_token_encrypted)
        self.backend.write({"custom_base_url": self.emulator.url + "/"})  # the administrator
        self.assertEqual(self.backend.state, "disconnected")
        self.assertFalse(self.backend.sudo().refresh_token_encrypted)
        self.assertFalse(self.backend.sudo().access_token_encrypted)

    def test_a_portal_user_cannot_disconnect_or_silence_alerts(self):
        self.connect_backend()
        self.env["ir.config_parameter"].sudo().set_param("quickbooks.slack_webhook_url_prefixes", "http://127.0.0.1:9/")
        self.backend.slack_webhook_url = "http://127.0.0.1:9/services/T/B/portal-test"
        portal = new_test_user(self.env, "sec_portal", groups="base.group_portal")
        self.emulator.call("DELETE", "requests")
        for method in ("action_disconnect", "action_clear_slack_webhook"):
            with self.assertRaises(AccessError, msg=method):
                getattr(self.backend.with_user(portal), method)()
        self.assertEqual(self.emulator.requests_log(), [], "the grant was not revoked at Intuit")
        self.assertEqual(self.backend.state, "connected")
        self.assertTrue(self.backend.slack_webhook_set)

    def test_the_slack_url_must_be_a_slack_webhook_and_no_reply_is_kept(self):
        self.env["ir.config_parameter"].sudo().set_param("quickbooks.slack_webhook_url_prefixes", "")
        for url in (
            "http://127.0.0.1:8765/_emulator/reset",
            "https://hooks.slack.com.attacker.example/x",
            "https://user@hooks.slack.com/services/x",
            "ftp://hooks.slack.com/services/x",
        ):
            with self.assertRaises(UserError, msg=url):
                self.backend.slack_webhook_url = url
        self.backend.slack_webhook_url = "https://hooks.slack.com/services/T000/B000/abc"
        self.assertTrue(self.backend.slack_webhook_set)

    def test_allowed_alert_hosts_are_compared_by_scheme_host_and_port(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "quickbooks.slack_webhook_url_prefixes", "https://relay.example, http://127.0.0.1:9/hooks"
        )
        for url in (
            "https://relay.example.evil.com/services/x",
            "https://relay.example:8443/services/x",
            "http://relay.example/services/x",
            "https://relay.example@evil.example/services/x",
            "https://evil.example/https://relay.example/",
            "http://127.0.0.1:9/hooksx",
            "http://127.0.0.1:90/hooks/x",
            "https://hooks.slack.com.evil.example/services/x",
        ):
            with self.assertRaises(UserError, msg=url):
                self.backend.slack_webhook_url = url
        for url in ("https://relay.example/services/x", "https://RELAY.example:443/x", "http://127.0.0.1:9/hooks/x"):
            self.backend.slack_webhook_url = url
            self.assertTrue(self.backend._slack_url_allowed(url), url)

    def test_quickbooks_fields_of_documents_are_hidden_from_portal_users(self):
        portal = new_test_user(self.env, "sec_portal_reader", groups="base.group_portal")
        partner = portal.partner_id
        for field_name in ("quickbooks_last_error", "quickbooks_drift_note", "quickbooks_url", "quickbooks_status"):
            with self.assertRaises(AccessError, msg=field_name):
                partner.with_user(portal).read([field_name])

    def test_verifier_and_secret_are_never_readable(self):
        for field_name in ("client_secret", "webhook_verifier_token"):
            self.assertFalse(self.backend[field_name])
        self.assertNotIn(VERIFIER_TOKEN, json.dumps(self.backend.read(["webhook_verifier_token_set"]), default=str))
