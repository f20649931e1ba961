from odoo.tests import HttpCase, new_test_user, tagged

from .common import REALM_ID, QuickbooksTestMixin

COMPANY_NAME = "Tour Test Company LLC"  # also asserted by the tour


@tagged("post_install", "-at_install")
class TestConnectTour(QuickbooksTestMixin, HttpCase):
    """A real browser: Settings → Connect to QuickBooks → the emulator's authorization → back connected."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_quickbooks()
        cls.manager = new_test_user(
            cls.env,
            "qbo_tour_manager",
            name="QuickBooks Tour Manager",
            groups="base.group_system,account.group_account_manager,quickbooks_connector.group_quickbooks_manager",
        )

    def test_manager_connects_from_the_settings(self):
        self.emulator.call("POST", "settings", {"company_name": COMPANY_NAME})
        self.assertEqual(self.backend.state, "draft")

        self.start_tour(
            "/odoo/action-account.action_account_config",
            "quickbooks_connect_tour",
            login=self.manager.login,
            timeout=120,
        )

        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.state, "connected")
        self.assertEqual(self.backend.realm_id, REALM_ID)
        self.assertEqual(self.backend.qbo_company_name, COMPANY_NAME)
        self.assertTrue(self.backend.sudo().access_token_encrypted)
        # The browser really went through the emulator's authorization and token endpoints.
        paths = [entry.get("path", "") for entry in self.emulator.requests_log() or []]
        self.assertTrue(any("companyinfo" in path.lower() for path in paths), paths[-10:])
