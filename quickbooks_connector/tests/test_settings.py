from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import QuickbooksCase


@tagged("post_install", "-at_install")
class TestSettingsBlock(QuickbooksCase):
    def settings(self):
        return self.env["res.config.settings"].create({})

    def test_connected_company_shows_name_realm_and_expiry(self):
        self.connect_backend()
        self.backend._refresh_company_facts()
        settings = self.settings()
        self.assertEqual(settings.quickbooks_backend_id, self.backend)
        self.assertEqual(settings.quickbooks_state, "connected")
        self.assertEqual(settings.quickbooks_company_name, self.backend.qbo_company_name)
        self.assertEqual(settings.quickbooks_realm_id, self.backend.realm_id)
        self.assertTrue(settings.quickbooks_token_expiry)
        self.assertTrue(settings.quickbooks_encryption_ok)

    def test_connect_starts_the_oauth_round_trip_for_the_current_company(self):
        action = self.settings().action_quickbooks_connect()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(action["url"], f"/quickbooks/oauth/start?backend_id={self.backend.id}")

    def test_connect_without_app_credentials_opens_the_connection_form_first(self):
        company = self.env["res.company"].create({"name": "No QuickBooks Yet"})
        settings = self.env["res.config.settings"].with_company(company).create({})
        action = settings.action_quickbooks_connect()
        self.assertEqual((action["type"], action["res_model"]), ("ir.actions.act_window", "quickbooks.backend"))
        created = self.env["quickbooks.backend"].browse(action["res_id"])
        self.assertEqual(created.company_id, company)

    def test_disconnect_from_settings(self):
        self.connect_backend()
        self.settings().action_quickbooks_disconnect()
        self.assertEqual(self.backend.state, "disconnected")
        self.assertEqual(self.settings().quickbooks_state, "disconnected")

    def test_a_custom_server_needs_an_http_url(self):
        with self.assertRaisesRegex(ValidationError, "http:// or https://"):
            self.backend.write({"environment": "custom", "custom_base_url": "ftp://quickbooks.example"})
