"""The import from QuickBooks in a real browser, from the connection's button to the opening balances; the
books comparison afterwards finds nothing to report.  (The jobs of the import run as they are queued: no
job runner runs during a browser test.)  With ``QBO_IMPORT_SCREENSHOT=<file.png>`` the browser's last page is
saved there (the README's screenshot)."""

from unittest.mock import patch

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser

from ..models import quickbooks_import_documents, quickbooks_import_parties
from .test_books_tour import _wait_then_screenshot
from .test_cutover_import import ImportCase

SCREENSHOT_ENV = "QBO_IMPORT_SCREENSHOT"


def run_now(record, description, **options):
    """``enqueue(record, ...)._job(...)`` that runs the job at once, in the request."""
    return record


@tagged("post_install", "-at_install")
class TestImportTour(ImportCase, HttpCase):
    def test_a_manager_imports_the_quickbooks_company_through_the_wizard(self):
        manager = new_test_user(
            self.env,
            "qbo_import_manager",
            name="Import Manager",
            groups="account.group_account_manager,quickbooks_connector.group_quickbooks_manager",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        screenshot = _wait_then_screenshot(ChromeBrowser._wait_code_ok, SCREENSHOT_ENV, height=900)
        with (
            patch.object(quickbooks_import_documents, "enqueue", run_now),
            patch.object(quickbooks_import_parties, "enqueue", run_now),
            patch.object(ChromeBrowser, "_wait_code_ok", screenshot),
        ):
            self.start_tour(
                f"/odoo/quickbooks/{self.backend.id}", "quickbooks_import_tour", login=manager.login, timeout=180
            )
        run = self.env["quickbooks.import"].search([("backend_id", "=", self.backend.id)])
        self.assertEqual(run.state, "done")
        self.assertTrue(run.documents_total)
        self.assertEqual(run.documents_done, run.documents_total)
        self.assert_books_agree()
