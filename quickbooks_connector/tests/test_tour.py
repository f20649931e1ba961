from unittest.mock import patch

from odoo import fields
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

    def test_a_new_accountants_first_hour(self):
        """Connect, map, send the period's invoices, watch them go, the dashboard, a reconciliation."""
        partner = self.env["res.partner"].create({"name": "First Hour Customer", "customer_rank": 1})
        tax_free = self.env["account.tax"]
        invoices = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": fields.Date.today(),
                    "invoice_line_ids": [
                        fields.Command.create({"name": f"Service {n}", "price_unit": 100.0 * n, "tax_ids": tax_free})
                    ],
                }
                for n in (1, 2, 3)
            ]
        )
        invoices.action_post()  # before the company is connected: nothing is sent yet
        # The jobs run as they are queued (no job runner in tests).
        with patch("odoo.addons.queue_job.delay.must_run_without_delay", return_value=True):
            self.start_tour(
                "/odoo/action-account.action_account_config",
                "quickbooks_first_hour_tour",
                login=self.manager.login,
                timeout=240,
            )
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.state, "connected")
        rows = self.env["quickbooks.sync.state"].search(
            [("res_model", "=", "account.move"), ("res_id", "in", invoices.ids)]
        )
        self.assertEqual(rows.mapped("state"), ["done"] * 3)
        sent = {i["DocNumber"] for i in self.emulator.entities("Invoice") if i.get("status") != "Deleted"}
        self.assertEqual(sent, set(invoices.mapped("name")))
        run = self.env["quickbooks.reconciliation"].search([("backend_id", "=", self.backend.id)], limit=1)
        self.assertEqual(run.state, "match")
