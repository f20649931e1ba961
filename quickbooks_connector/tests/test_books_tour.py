"""The Books Comparison screen in a real browser: compare now, a difference's two ledgers, the unexplained
filter, the graph and the pivot.  With ``QBO_BOOKS_SCREENSHOT=<file.png>`` the browser's last page is saved
there (how the README's screenshot is taken)."""

import base64
import os
from unittest.mock import patch

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser

from .test_books import BooksCase

SCREENSHOT_ENV = "QBO_BOOKS_SCREENSHOT"


@tagged("post_install", "-at_install")
class TestBooksTour(BooksCase, HttpCase):
    def test_the_morning_after_on_the_books_comparison_screen(self):
        invoice = self.pushed(1000.0, taxes=self.tax_sale_a)
        self.register(invoice, 400.0)
        second = self.pushed(200.0)
        self.register(self.pushed_bill(300.0), 300.0)
        with trap_jobs():
            waiting = self.invoice(price=500.0, taxes=self.env["account.tax"])
            waiting.action_post()
        self.odoo_entry(self.expense, self.bank, 25.0)
        self.odoo_entry(self.unmapped_account(), self.bank, 7.5, label="Bank charges")
        self.qbo_entry("Office Expenses", "Checking", 40.0)
        self.qbo_set_amount(second, 180.0)
        self.backend.action_clear_slack_webhook()
        manager = new_test_user(
            self.env,
            "qbo_books_manager",
            name="Books Manager",
            groups="account.group_account_manager,quickbooks_connector.group_quickbooks_manager",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        with patch.object(ChromeBrowser, "_wait_code_ok", _wait_then_screenshot(ChromeBrowser._wait_code_ok)):
            self.start_tour(
                "/odoo/action-quickbooks_connector.action_quickbooks_compare_books_now",
                "quickbooks_books_tour",
                login=manager.login,
                timeout=180,
            )
        run = self.Run.search([("backend_id", "=", self.backend.id)], limit=1)
        self.assertEqual((run.trigger, run.books_state, run.state), ("manual", "unexplained", "drift"))
        self.assertEqual(run.books_unexplained_count, 4)


def _wait_then_screenshot(wait, variable=SCREENSHOT_ENV, height=620):
    """The tour's own wait, then (when ``variable`` names a file) a picture of the page the tour ended on."""

    def wrapper(browser, *args, **kwargs):
        result = wait(browser, *args, **kwargs)
        target = os.environ.get(variable)
        if target:
            # A wider window than the tour's, so that the explanations fit; the list lays itself out again.
            browser._websocket_request(
                "Emulation.setDeviceMetricsOverride",
                params={"width": 1680, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
            browser._websocket_request(
                "Runtime.evaluate",
                params={"expression": "new Promise((done) => setTimeout(done, 1000))", "awaitPromise": True},
            )
            shot = browser._websocket_request("Page.captureScreenshot", params={"format": "png"}, timeout=30)
            with open(target, "wb") as file:
                file.write(base64.b64decode(shot["data"]))
        return result

    return wrapper
