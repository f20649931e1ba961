"""The README's and the Apps page's screenshots, taken from a real browser on a real flow.

Not a check: it runs only when ``QBO_SCREENSHOTS_DIR`` names where to write the pictures (the README's
are in ``quickbooks_connector/static/description/``), and says so when skipped.  Each screen is opened
the way a user reaches it, and captured once what it shows has loaded.
"""

import base64
import os
from pathlib import Path
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser

from .common import QuickbooksTestMixin

DIRECTORY_ENV = "QBO_SCREENSHOTS_DIR"
WAIT_AND_SIGNAL = """
(async () => {
    const wait = async (selector) => {
        for (let tries = 0; tries < 300; tries++) {
            const found = document.querySelector(selector);
            if (found) { return found; }
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        throw new Error("not shown: " + selector);
    };
    %s
    await new Promise((resolve) => setTimeout(resolve, 800));
    console.log("test successful");
})();
"""


@tagged("post_install", "-at_install")
class TestReadmeScreenshots(QuickbooksTestMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_quickbooks()
        cls.manager = new_test_user(
            cls.env,
            "qbo_screens_manager",
            name="Accountant",
            groups="base.group_system,account.group_account_manager,quickbooks_connector.group_quickbooks_manager",
        )

    def setUp(self):
        super().setUp()
        self.directory = os.environ.get(DIRECTORY_ENV)
        if not self.directory:
            self.skipTest(f"set {DIRECTORY_ENV} to a directory to retake the README's screenshots")

    def capture(self, url, name, steps):
        """Open ``url``, run ``steps`` (JS awaiting what must be shown), and capture the page then: the test
        browser lives only inside ``browser_js``, so the capture happens when its code reports success."""
        shots = []
        wait_code_ok = ChromeBrowser._wait_code_ok

        def wait_then_capture(browser, *args, **kwargs):
            result = wait_code_ok(browser, *args, **kwargs)
            shots.append(browser._websocket_request("Page.captureScreenshot", params={"format": "png"}, timeout=30))
            return result

        with patch.object(ChromeBrowser, "_wait_code_ok", wait_then_capture):
            self.browser_js(url, WAIT_AND_SIGNAL % steps, login=self.manager.login, timeout=120)
        path = Path(self.directory) / f"{name}.png"
        path.write_bytes(base64.b64decode(shots[0]["data"]))
        return path

    def test_take_the_readme_screenshots(self):
        self.emulator.call("POST", "settings", {"company_name": "Northwind Traders (QuickBooks)"})
        partner = self.env["res.partner"].create({"name": "Deco Addict", "customer_rank": 1, "is_company": True})
        other = self.env["res.partner"].create({"name": "Azure Interior", "customer_rank": 1, "is_company": True})
        odd = self.env["account.account"].create({"code": "499900", "name": "Consulting", "account_type": "income"})
        lines = [(partner, 1250.0, None), (other, 480.0, None), (partner, 99.5, None), (other, 310.0, odd)]
        invoices = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": fields.Date.today(),
                    "invoice_line_ids": [
                        fields.Command.create(
                            {
                                "name": "Consulting",
                                "price_unit": price,
                                **({"account_id": account.id} if account else {}),
                            }
                        )
                    ],
                }
                for customer, price, account in lines
            ]
        )
        invoices.action_post()
        self.connect_backend()
        self.backend._refresh_company_facts()
        # Screenshots of the mapping wizard before it is saved, then everything after a first push.
        directory = Path(self.directory)
        directory.mkdir(parents=True, exist_ok=True)
        form = f"/odoo/action-quickbooks_connector.action_quickbooks_backend/{self.backend.id}"
        self.capture(
            form,
            "mapping_wizard",
            "(await wait('button[name=action_open_mapping_wizard]')).click(); await wait('.modal .o_data_row');",
        )
        wizard = self.env["quickbooks.account.mapping.wizard"]._prepare_for_backend(self.backend)
        wizard.action_accept_proposals()
        wizard.action_apply()
        with patch("odoo.addons.queue_job.delay.must_run_without_delay", return_value=True):
            self.backend._quickbooks_schedule_backfill(invoices)
        self.env["quickbooks.reconciliation"]._run_for_backend(self.backend, with_fx=False)
        self.capture(
            "/odoo/action-account.action_account_config",
            "settings_connected",
            "(await wait('#quickbooks_connection')).scrollIntoView();",
        )
        self.capture(
            "/odoo/action-quickbooks_connector.action_quickbooks_dashboard",
            "dashboard",
            "await wait('.o_kanban_record .o_quickbooks_done');",
        )
        self.capture(
            "/odoo/action-quickbooks_connector.action_quickbooks_sync_state",
            "sync_records",
            "await wait('.o_list_view .o_data_row');",
        )
        self.capture(
            f"/odoo/action-account.action_move_out_invoice_type/{invoices[0].id}",
            "invoice_quickbooks_status",
            "await wait('.o_form_view button[name=action_view_in_quickbooks]');",
        )
        for name in ("mapping_wizard", "settings_connected", "dashboard", "sync_records", "invoice_quickbooks_status"):
            picture = (directory / f"{name}.png").read_bytes()
            self.assertTrue(picture.startswith(b"\x89PNG") and len(picture) > 10_000, name)
