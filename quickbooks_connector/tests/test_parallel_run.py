"""A parallel run, night after night: the nightly books comparison gives each day its verdict, a day whose
books differ breaks the streak until the difference is resolved, and the exit rule (clean days in a row, one
of them a month-end) says when the company can switch; the sign-off report shows the final figures.

The days are the nights of a clock the test moves (the reconciliation's ``now``), each with documents
entered on the working side (Odoo, in this direction) and sent to QuickBooks as the connector sends them.
"""

from datetime import datetime, time, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser

from .test_books import BooksCase
from .test_books_tour import _wait_then_screenshot

SCREENSHOT_ENV = "QBO_PARALLEL_RUN_SCREENSHOT"


class ParallelRunCase(BooksCase):
    def night(self, day):
        """The nightly reconciliation of ``day`` (noon: after the reconciliation hour)."""
        runs = self.Run._cron_nightly_reconciliation(now=datetime.combine(day, time(12)))
        self.assertEqual(runs.local_date, day)
        return runs

    def qbo_only_invoice(self, day, amount):
        """What the bookkeeper types in QuickBooks by mistake during the run (Odoo is the working side)."""
        customer = self.env["quickbooks.push"]._push_customer(self.backend, self.partner_a)
        item = self.env["quickbooks.account.mapping"].search(
            [("backend_id", "=", self.backend.id), ("qbo_item_id", "!=", False)], limit=1
        )
        exempt = self.backend.qbo_exempt_tax_code_id.qbo_id
        return self.emulator.api(
            self.token,
            "POST",
            "invoice",
            json={
                "CustomerRef": {"value": customer.qbo_id},
                "TxnDate": day.isoformat(),
                "Line": [
                    {
                        "DetailType": "SalesItemLineDetail",
                        "Amount": amount,
                        "SalesItemLineDetail": {
                            "ItemRef": {"value": item.qbo_item_id},
                            "TaxCodeRef": {"value": exempt},
                        },
                    }
                ],
            },
        )["Invoice"]

    def four_nights(self):
        """Four nights of work in Odoo, the first one with an invoice typed in QuickBooks only (then voided there
        and resolved), the third a month-end; the run and its days."""
        month_end = fields.Date.today().replace(day=1) - timedelta(days=1)
        days = [month_end - timedelta(days=2) + timedelta(days=n) for n in range(4)]
        run = self.env["quickbooks.parallel.run"].create(
            {
                "backend_id": self.backend.id,
                "start_date": days[0],
                "length_days": 4,
                "direction": "odoo_to_qbo",
                "exit_clean_days": 3,
            }
        )
        self.pushed(120.0, invoice_date=days[0])
        stray = self.qbo_only_invoice(days[0], 75.0)
        self.night(days[0])
        current = self.emulator.api(self.token, "GET", f"invoice/{stray['Id']}")["Invoice"]
        self.emulator.api(
            self.token,
            "POST",
            "invoice",
            params={"operation": "void"},
            json={"Id": stray["Id"], "SyncToken": current["SyncToken"]},
        )
        run.day_ids.resolution = "Typed in QuickBooks by mistake: voided there."
        for day in days[1:]:
            self.pushed(50.0 + day.day, invoice_date=day)
            self.night(day)
        return run


@tagged("post_install", "-at_install")
class TestParallelRun(ParallelRunCase):
    def test_days_are_judged_each_night_and_the_exit_rule_needs_clean_days_in_a_row_with_a_month_end(self):
        month_end = fields.Date.today().replace(day=1) - timedelta(days=1)
        days = [month_end - timedelta(days=2) + timedelta(days=n) for n in range(4)]  # the month-end is the 3rd
        run = self.env["quickbooks.parallel.run"].create(
            {
                "backend_id": self.backend.id,
                "start_date": days[0],
                "length_days": 4,
                "direction": "odoo_to_qbo",
                "exit_clean_days": 3,
            }
        )
        # Day 1: an invoice in Odoo, sent; and one typed in QuickBooks only: the books differ.
        self.pushed(120.0, invoice_date=days[0])
        stray = self.qbo_only_invoice(days[0], 75.0)
        first = self.night(days[0])
        self.assertEqual(first.state, "drift")
        self.assertEqual(len(run.day_ids), 1)
        self.assertFalse(run.day_ids.clean)
        self.assertAlmostEqual(run.day_ids.unexplained_total, first.books_unexplained_total)
        self.assertEqual((run.consecutive_clean_days, run.open_differences, run.exit_rule_met), (0, 1, False))
        self.assertIn("Drift", run.day_ids.summary)  # the open invoice QuickBooks alone has
        with self.assertRaises(UserError), self.env.cr.savepoint():
            run.action_sign_off()
        # The accountant voids the stray invoice in QuickBooks and says so.
        current = self.emulator.api(self.token, "GET", f"invoice/{stray['Id']}")["Invoice"]
        self.emulator.api(
            self.token,
            "POST",
            "invoice",
            params={"operation": "void"},
            json={"Id": stray["Id"], "SyncToken": current["SyncToken"]},
        )
        run.day_ids.resolution = "Typed in QuickBooks by mistake: voided there."
        self.assertEqual(run.open_differences, 0)
        # Days 2 to 4: the work goes on in Odoo, every night is clean.
        for day in days[1:]:
            self.pushed(50.0 + day.day, invoice_date=day)
            self.night(day)
            if day == month_end:
                self.assertEqual(run.consecutive_clean_days, 2)
                self.assertFalse(run.exit_rule_met, "two clean days are not three")
        self.assertEqual([d.clean for d in run.day_ids.sorted("date")], [False, True, True, True])
        self.assertEqual((run.days_run, run.clean_days, run.consecutive_clean_days), (4, 3, 3))
        self.assertTrue(run.streak_has_month_end)
        self.assertTrue(run.exit_rule_met, run.verdict)
        # A night outside the run's days is not the run's.
        self.night(days[-1] + timedelta(days=1))
        self.assertEqual(run.days_run, 4)

        run.action_sign_off()
        self.assertEqual((run.state, run.signed_off_by), ("signed_off", self.env.user))
        html = str(
            self.env["ir.actions.report"]._render_qweb_html("quickbooks_connector.report_parallel_run", run.ids)[0]
        )
        self.assertIn("Trial balance, side by side", html)
        self.assertIn("voided there", html)
        receivable = run._report_lines("trial_balance").filtered(lambda line: "Receivable" in (line.name or ""))
        self.assertTrue(receivable)
        self.assertEqual(receivable[0].odoo_amount, receivable[0].qbo_amount)
        self.assertIn(receivable[0].name, html)

    def test_the_nights_of_a_run_keep_their_whole_trial_balance_for_the_sign_off(self):
        run = self.four_nights()
        last = run.last_reconciliation_id
        matching = last.books_line_ids.filtered(lambda line: line.state == "match")
        self.assertTrue(matching)
        later = datetime.combine(fields.Date.today(), time(12)) + timedelta(days=400)
        self.Run._books_forget_matching(later)
        last.invalidate_recordset()
        self.assertEqual(last.books_line_ids.filtered(lambda line: line.state == "match"), matching)
        other = self.Run._run_for_backend(self.backend, with_fx=False, with_books=True)  # no run's night
        self.assertTrue(other.books_line_ids.filtered(lambda line: line.state == "match"))
        self.Run._books_forget_matching(later)
        other.invalidate_recordset()
        self.assertFalse(other.books_line_ids.filtered(lambda line: line.state == "match"), "others are forgotten")

    def test_without_a_month_end_the_streak_is_not_enough(self):
        month_end = fields.Date.today().replace(day=1) - timedelta(days=1)
        days = [month_end - timedelta(days=3) + timedelta(days=n) for n in range(3)]  # ends the day before
        run = self.env["quickbooks.parallel.run"].create(
            {"backend_id": self.backend.id, "start_date": days[0], "length_days": 3, "exit_clean_days": 3}
        )
        for day in days:
            self.pushed(40.0, invoice_date=day)
            self.night(day)
        self.assertEqual(run.consecutive_clean_days, 3)
        self.assertFalse(run.exit_rule_met)
        self.assertIn("month-end", run.verdict)
        run.exit_needs_month_end = False
        self.assertTrue(run.exit_rule_met)


@tagged("post_install", "-at_install")
class TestParallelRunTour(ParallelRunCase, HttpCase):
    """The run's screen in a real browser.  With ``QBO_PARALLEL_RUN_SCREENSHOT=<file.png>`` the browser's last
    page is saved there (the README's screenshot)."""

    def test_the_accountant_reads_the_run_in_the_browser(self):
        run = self.four_nights()
        self.assertTrue(run.exit_rule_met, run.verdict)
        manager = new_test_user(
            self.env,
            "qbo_parallel_manager",
            name="Parallel Run Manager",
            groups="account.group_account_manager,quickbooks_connector.group_quickbooks_manager",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        screenshot = _wait_then_screenshot(ChromeBrowser._wait_code_ok, SCREENSHOT_ENV, height=760)
        with patch.object(ChromeBrowser, "_wait_code_ok", screenshot):
            self.start_tour(
                f"/odoo/action-quickbooks_connector.action_quickbooks_parallel_run/{run.id}",
                "quickbooks_parallel_run_tour",
                login=manager.login,
                timeout=120,
            )
