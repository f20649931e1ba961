"""Nightly reconciliation against the QBO emulator, with Slack answered by a local HTTP sink."""

import json
import secrets
import socket
import threading
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import QuickbooksTestMixin

DRIFT = "QuickBooks reconciliation drift"
RUN_LOGGER = "odoo.addons.quickbooks_connector.models.quickbooks_reconciliation"
ALERT_LOGGER = "odoo.addons.quickbooks_connector.models.quickbooks_reconciliation_alert"


class SlackSink:
    """A Slack incoming webhook on 127.0.0.1: records every POST, answers with ``status``."""

    def __init__(self):
        self.requests = []
        self.status = 200
        self.reply = b"service_unavailable"
        self.location = None
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                sink.requests.append(
                    {
                        "path": self.path,
                        "content_type": self.headers.get("Content-Type"),
                        "json": json.loads(body or b"null"),
                    }
                )
                answer = b"ok" if sink.status == 200 else sink.reply
                self.send_response(sink.status)
                if sink.location:
                    self.send_header("Location", sink.location)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.secret = secrets.token_hex(12)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T0RECON/B0RECON/{self.secret}"

    def reset(self, status=200, reply=b"service_unavailable", location=None):
        self.requests.clear()
        self.status = status
        self.reply = reply
        self.location = location

    def texts(self):
        return [request["json"]["text"] for request in self.requests]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@tagged("post_install", "-at_install")
class TestReconciliation(QuickbooksTestMixin, AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_quickbooks()
        cls.slack = SlackSink()
        cls.addClassCleanup(cls.slack.stop)
        # A local stand-in for Slack: allowed by the system parameter an administrator would set.
        cls.env["ir.config_parameter"].sudo().set_param(
            "quickbooks.slack_webhook_url_prefixes", f"http://127.0.0.1:{cls.slack.server.server_address[1]}/"
        )
        cls.backend.write({"slack_webhook_url": cls.slack.url, "reconciliation_tz": "UTC"})
        cls.Run = cls.env["quickbooks.reconciliation"]
        cls.SyncRecords = cls.env["quickbooks.sync.state"]
        cls.vendor = cls.env["res.partner"].create({"name": "Reconciliation Vendor"})
        cls.currency = cls.company.currency_id
        cls.no_tax = cls.env["account.tax"]
        cls.eur = cls.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])  # 1 company unit = 2 EUR

    def setUp(self):
        super().setUp()
        self.slack.reset()
        self.token = self.emulator.mint_tokens()["access_token"]
        self.customer = self.qbo("POST", "customer", json={"DisplayName": "Reconciliation Customer"})["Customer"]

    # ------------------------------------------------------------------ helpers
    def qbo(self, method, path, **kwargs):
        """Act in QuickBooks as the bookkeeper would."""
        return self.emulator.api(self.token, method, path, **kwargs)

    def post_move(self, amount, move_type="out_invoice", partner=None, **values):
        """An Odoo document posted while the backend is not connected (so no push is scheduled)."""
        return self._create_invoice_one_line(
            price_unit=amount,
            name="Consulting",
            tax_ids=self.no_tax,
            move_type=move_type,
            partner_id=partner or self.partner_a,
            post=True,
            **values,
        )

    def started(self):
        """A first document sent to QuickBooks: from then on the books are compared (before, a run only
        says that nothing was sent yet)."""
        return self.push(self.post_move(5.0))

    def push(self, move):
        """Put ``move`` in QuickBooks and bind it in its sync record, as the push flow does."""
        entity = "Invoice" if move.move_type == "out_invoice" else "CreditMemo"
        qbo_object = self.qbo(
            "POST",
            entity.lower(),
            json={
                "CustomerRef": {"value": self.customer["Id"]},
                "DocNumber": move.name,
                "Line": [{"DetailType": "SalesItemLineDetail", "Amount": move.amount_total}],
            },
        )[entity]
        self.SyncRecords._binding_for(self.backend, move, entity)._mark_done(qbo_object)
        return qbo_object

    def qbo_invoice(self, amount):
        return self.qbo(
            "POST",
            "invoice",
            json={
                "CustomerRef": {"value": self.customer["Id"]},
                "Line": [{"DetailType": "SalesItemLineDetail", "Amount": amount}],
            },
        )["Invoice"]

    def qbo_payment(self, invoice, amount):
        return self.qbo(
            "POST",
            "payment",
            json={
                "CustomerRef": {"value": self.customer["Id"]},
                "TotalAmt": amount,
                "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
            },
        )["Payment"]

    def qbo_bill(self, amount):
        vendor = next(v for v in self.emulator.entities("Vendor") if v["DisplayName"] == "Office Supplies Co.")
        expense = next(a for a in self.emulator.entities("Account") if a.get("AcctNum") == "6000")
        return self.qbo(
            "POST",
            "bill",
            json={
                "VendorRef": {"value": vendor["Id"]},
                "Line": [
                    {
                        "DetailType": "AccountBasedExpenseLineDetail",
                        "Amount": amount,
                        "AccountBasedExpenseLineDetail": {"AccountRef": {"value": expense["Id"]}},
                    }
                ],
            },
        )["Bill"]

    def reconcile(self, **kwargs):
        self.connect_backend()
        run = self.Run._run_for_backend(self.backend, **kwargs)
        run.invalidate_recordset()
        return run

    def money(self, value):
        return f"{value:,.2f} {self.currency.name}"

    def drift_activities(self, summary=DRIFT):
        return self.backend.activity_ids.filtered(lambda activity: activity.summary == summary)

    def assert_figures(self, run, odoo, qbo):
        self.assertEqual((run.odoo_open_count, run.odoo_receivable, run.odoo_payable), odoo)
        self.assertEqual((run.qbo_open_count, run.qbo_receivable, run.qbo_payable), qbo)

    def perform_retried(self, trap):
        """Perform the trapped jobs, expecting queue_job to be asked for a retry.

        Not ``assertRaises``: it rolls back to a savepoint, which in tests would also undo what the
        job recorded on its separate cursor (in production only the job's own transaction rolls back).
        """
        try:
            trap.perform_enqueued_jobs()
        except RetryableJobError as error:
            return error
        self.fail("the Slack job did not ask to be retried")

    def drift_with_slack(self, scenario):
        """Run ``scenario`` and the reconciliation with jobs trapped; perform the Slack job."""
        with trap_jobs() as trap:
            scenario()
            run = self.reconcile()
            trap.assert_jobs_count(1, only=run._send_slack_alert)
            trap.assert_enqueued_job(run._send_slack_alert)
            self.assertEqual(
                [job.channel for job in trap.enqueued_jobs], ["root.quickbooks"], "the channel of the job function"
            )
            self.assertEqual(run.alert_state, "pending")
            trap.perform_enqueued_jobs()
        run.invalidate_recordset()
        return run

    # ------------------------------------------------------------------ tests
    def test_clean_dataset_matches_exactly(self):
        first = self.post_move(1000.0)
        second = self.post_move(250.5)
        refund = self.post_move(100.0, move_type="out_refund")
        self.post_move(300.0, move_type="in_invoice", partner=self.vendor)
        self._register_payment(second, amount=50.0)
        self.push(first)
        self.qbo_payment(self.push(second), 50.0)
        self.push(refund)
        self.qbo_bill(300.0)
        # Not synced, so not compared: a skipped invoice and a draft.
        self.post_move(999.0, quickbooks_skip=True)
        self._create_invoice_one_line(price_unit=777.0, tax_ids=self.no_tax)

        with trap_jobs() as trap:
            run = self.reconcile(trigger="manual")
            trap.assert_jobs_count(0)
        self.assertEqual(run.state, "match", run.error_message)
        self.assert_figures(run, (2, 1100.5, 300.0), (2, 1100.5, 300.0))
        self.assertEqual((run.open_count_difference, run.receivable_difference, run.payable_difference), (0, 0, 0))
        self.assertEqual(run.max_drift, 0.0)
        self.assertEqual(run.fx_state, "match", "a manual run checks last month's FX accounts too")
        self.assertEqual(run.alert_state, "none")
        self.assertFalse(run.line_ids)
        self.assertFalse(self.slack.requests)
        self.assertFalse(self.drift_activities())

    def test_foreign_currency_documents_compare_in_the_home_currency(self):
        invoice = self.post_move(200.0, currency_id=self.eur.id)
        self.assertEqual(invoice.amount_residual_signed, 100.0)
        euro_customer = self.qbo(
            "POST", "customer", json={"DisplayName": "Euro Customer", "CurrencyRef": {"value": "EUR"}}
        )["Customer"]
        qbo_invoice = self.qbo(
            "POST",
            "invoice",
            json={
                "CustomerRef": {"value": euro_customer["Id"]},
                "CurrencyRef": {"value": "EUR"},
                "ExchangeRate": 0.5,
                "DocNumber": invoice.name,
                "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 200.0}],
            },
        )["Invoice"]
        self.SyncRecords._binding_for(self.backend, invoice, "Invoice")._mark_done(qbo_invoice)
        run = self.reconcile()
        self.assertEqual(run.state, "match")
        self.assert_figures(run, (1, 100.0, 0.0), (1, 100.0, 0.0))

    def test_invoice_paid_only_in_quickbooks_drifts_and_alerts(self):
        kept = self.post_move(1000.0)
        paid = self.post_move(500.0)

        def scenario():
            self.push(kept)
            self.qbo_payment(self.push(paid), 500.0)

        run = self.drift_with_slack(scenario)
        self.assertEqual(run.state, "drift")
        self.assert_figures(run, (2, 1500.0, 0.0), (1, 1000.0, 0.0))
        self.assertAlmostEqual(run.receivable_drift, 33.33, places=2)
        self.assertEqual(run.open_count_drift, 50.0)

        self.assertEqual(self.slack.texts(), [run.alert_message])
        text = self.slack.texts()[0]
        self.assertIn("Open invoices: Odoo 2 | QuickBooks 1 | difference +1 (50.00 %)", text)
        self.assertIn(
            f"Receivables: Odoo {self.money(1500)} | QuickBooks {self.money(1000)} | "
            f"difference +{self.money(500)} (33.33 %)",
            text,
        )
        self.assertIn(
            f"Payables: Odoo {self.money(0)} | QuickBooks {self.money(0)} | difference {self.money(0)} (0.00 %)", text
        )
        self.assertIn(paid.name, text)
        self.assertEqual(self.slack.requests[0]["path"].rsplit("/", 1)[-1], self.slack.secret)
        self.assertEqual(self.slack.requests[0]["content_type"], "application/json")
        self.assertEqual(run.alert_state, "sent")
        self.assertEqual(run.alert_attempts, 1)
        self.assertTrue(run.alert_sent_at)

        self.assertEqual(run.line_ids.mapped("kind"), ["amount"])
        self.assertEqual(run.line_ids.move_id, paid)
        self.assertEqual(
            (run.line_ids.odoo_amount, run.line_ids.qbo_amount, run.line_ids.difference), (500.0, 0.0, 500.0)
        )
        activity = self.drift_activities()
        self.assertTrue(activity)
        self.assertIn("Receivables", str(activity[0].note))

    def test_invoice_missing_in_quickbooks_drifts(self):
        synced = self.post_move(400.0)
        missing = self.post_move(600.0)
        run = self.drift_with_slack(lambda: self.push(synced))
        self.assertEqual(run.state, "drift")
        self.assert_figures(run, (2, 1000.0, 0.0), (1, 400.0, 0.0))
        self.assertEqual(run.line_ids.mapped("kind"), ["odoo_only"])
        self.assertEqual(run.line_ids.move_id, missing)
        text = self.slack.texts()[0]
        self.assertIn("Open invoices: Odoo 2 | QuickBooks 1 | difference +1", text)
        self.assertIn(
            f"Receivables: Odoo {self.money(1000)} | QuickBooks {self.money(400)} | "
            f"difference +{self.money(600)} (60.00 %)",
            text,
        )
        self.assertIn(f"Only in Odoo: {missing.name}", text)
        self.assertTrue(self.drift_activities())

    def test_hand_edited_amount_in_quickbooks_drifts(self):
        invoice = self.post_move(1000.0)

        def scenario():
            qbo_invoice = self.push(invoice)
            # The bookkeeper changes the amount in QuickBooks.
            self.qbo(
                "POST",
                "invoice",
                json={
                    "Id": qbo_invoice["Id"],
                    "SyncToken": qbo_invoice["SyncToken"],
                    "sparse": True,
                    "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 900.0}],
                },
            )

        run = self.drift_with_slack(scenario)
        self.assertEqual(run.state, "drift")
        self.assert_figures(run, (1, 1000.0, 0.0), (1, 900.0, 0.0))
        self.assertEqual(run.open_count_drift, 0.0)
        text = self.slack.texts()[0]
        self.assertIn("Open invoices: Odoo 1 | QuickBooks 1 | difference 0 (0.00 %)", text)
        self.assertIn(
            f"Receivables: Odoo {self.money(1000)} | QuickBooks {self.money(900)} | "
            f"difference +{self.money(100)} (10.00 %)",
            text,
        )
        self.assertEqual((run.line_ids.kind, run.line_ids.move_id, run.line_ids.difference), ("amount", invoice, 100.0))
        self.assertTrue(self.drift_activities())

    def test_before_any_document_is_sent_the_run_says_so_instead_of_drifting(self):
        # The demo's first night: Odoo's invoices exist, none was sent yet.
        first = self.post_move(250.0)
        second = self.post_move(150.0)
        self.connect_backend()
        cron = self.Run._cron_nightly_reconciliation
        run = cron(now=datetime(2026, 3, 2, 7, 30))
        self.assertEqual((run.trigger, run.state), ("cron", "not_synced"))
        self.assertIn("Send the open documents", run.notes)
        self.assertFalse(run.line_ids, "nothing listed as only in Odoo")
        self.assertEqual(run.alert_state, "none")
        self.assertFalse(self.drift_activities())
        self.assertFalse(cron(now=datetime(2026, 3, 2, 8, 30)), "once a night")
        self.push(first)  # from the first document in QuickBooks on, the books are compared
        run = self.reconcile()
        self.assertEqual(run.state, "drift")
        self.assertEqual(run.line_ids.move_id, second)

    def test_a_connection_without_slack_url_alerts_managers_and_records_no_error(self):
        self.backend.action_clear_slack_webhook()
        synced = self.post_move(400.0)
        self.post_move(600.0)
        self.push(synced)
        with trap_jobs() as trap:
            run = self.reconcile()
            trap.assert_jobs_count(0)
        self.assertEqual(run.state, "drift")
        self.assertEqual(run.alert_state, "not_configured", "a setting, not a failed alert")
        self.assertFalse(run.alert_last_error)
        self.assertTrue(self.drift_activities())

    def test_quickbooks_only_invoice_is_listed(self):
        self.qbo_invoice(70.0)
        run = self.reconcile()
        self.assertEqual(run.state, "drift")
        self.assert_figures(run, (0, 0.0, 0.0), (1, 70.0, 0.0))
        self.assertEqual(
            (run.line_ids.kind, run.line_ids.qbo_amount, run.line_ids.difference), ("qbo_only", 70.0, -70.0)
        )
        self.assertIn("Receivables: Odoo", run.alert_message)

    def test_explanation_is_bounded(self):
        self.started()
        for _index in range(23):
            self.post_move(10.0)
        run = self.reconcile()
        self.assertEqual(run.explanation_count, 23)
        self.assertEqual(len(run.line_ids), 20)
        self.assertIn("... and 18 more in Odoo.", run.alert_message)

    def test_small_drift_under_threshold_matches(self):
        invoices = [self.post_move(1000.0) for _index in range(3)]
        for invoice in invoices[:-1]:
            self.push(invoice)
        last = self.push(invoices[-1])
        self.qbo(
            "POST",
            "invoice",
            json={
                "Id": last["Id"],
                "SyncToken": last["SyncToken"],
                "sparse": True,
                "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 998.0}],
            },
        )
        self.backend.reconciliation_threshold = 0.1
        run = self.reconcile()
        self.assertAlmostEqual(run.receivable_drift, 2 / 3000 * 100, places=4)
        self.assertEqual(run.state, "match")
        self.assertEqual(run.alert_state, "none")
        self.assertEqual((run.line_ids.kind, run.line_ids.difference), ("amount", 2.0), "listed, not alerted")
        self.backend.reconciliation_threshold = 0.05
        run = self.Run._run_for_backend(self.backend)
        self.assertEqual(run.state, "drift")

    def test_slack_down_keeps_the_alert_pending_then_sends_it(self):
        self.started()
        missing = self.post_move(600.0)
        self.slack.reset(status=500)
        with trap_jobs() as trap:
            run = self.reconcile()
            self.assertEqual(run.state, "drift")
            job = trap.enqueued_jobs[0]
            error = self.perform_retried(trap)
        self.assertIn("500", str(error))
        self.assertIsNone(error.seconds, "the back-off comes from the job function's retry pattern")
        self.assertEqual(job.channel, "root.quickbooks")
        self.assertEqual(job._get_retry_seconds(), 30, "first retry after the declared 30 s")
        run.invalidate_recordset()
        self.assertEqual(run.alert_state, "pending")
        self.assertEqual(run.alert_attempts, 1)
        self.assertIn("HTTP 500", run.alert_last_error)
        self.assertNotIn(self.slack.secret, run.alert_last_error)
        self.assertFalse(run.alert_sent_at)
        self.assertEqual(len(self.slack.requests), 1)

        # Slack is back: the retry delivers the same message.
        self.slack.status = 200
        with self.assertLogs("urllib3.connectionpool", "DEBUG") as logs:
            self.assertEqual(job.perform(), "sent")
        self.assertTrue(logs.output)
        self.assertFalse([line for line in logs.output if self.slack.secret in line], "the webhook URL is not logged")
        run.invalidate_recordset()
        self.assertEqual(run.alert_state, "sent")
        self.assertEqual(run.alert_attempts, 2)
        self.assertFalse(run.alert_last_error)
        self.assertTrue(run.alert_sent_at)
        self.assertEqual(len(self.slack.texts()), 2)
        self.assertEqual(self.slack.texts()[0], self.slack.texts()[1])
        self.assertIn(missing.name, self.slack.texts()[1])
        # A job run again (at-least-once delivery) does not post twice.
        self.assertIn("nothing to send", job.perform())
        self.assertEqual(len(self.slack.requests), 2)

    def test_unreachable_slack_is_retried_without_leaking_the_url(self):
        self.started()
        self.post_move(600.0)
        with socket.socket() as sock:  # a port nobody listens on
            sock.bind(("127.0.0.1", 0))
            closed_port = sock.getsockname()[1]
        url = f"http://127.0.0.1:{closed_port}/services/T0DOWN/B0DOWN/{self.slack.secret}down"
        self.env["ir.config_parameter"].sudo().set_param(
            "quickbooks.slack_webhook_url_prefixes", f"http://127.0.0.1:{closed_port}/"
        )
        self.backend.slack_webhook_url = url
        self.assertTrue(self.backend.slack_webhook_set)
        self.assertFalse(self.backend.slack_webhook_url, "the URL is never read back")
        with trap_jobs() as trap:
            run = self.reconcile()
            self.perform_retried(trap)
        run.invalidate_recordset()
        self.assertEqual((run.alert_state, run.alert_attempts), ("pending", 1))
        self.assertIn("could not be reached", run.alert_last_error)
        self.assert_no_plaintext(url, f"{self.slack.secret}down")

    @mute_logger(ALERT_LOGGER)
    def test_slack_refusing_the_webhook_fails_the_alert_and_tells_managers(self):
        self.started()
        self.post_move(600.0)
        self.slack.reset(status=404)
        with trap_jobs() as trap:
            run = self.reconcile()
            trap.perform_enqueued_jobs()  # no retry: a refused webhook does not come back by itself
        run.invalidate_recordset()
        self.assertEqual(run.alert_state, "failed")
        self.assertIn("HTTP 404", run.alert_last_error)
        self.assertTrue(self.drift_activities("QuickBooks reconciliation alert not delivered"))

        self.slack.status = 200
        with trap_jobs() as trap:
            run.action_resend_alert()
            trap.perform_enqueued_jobs()
        run.invalidate_recordset()
        self.assertEqual(run.alert_state, "sent")
        self.assertEqual(len(self.slack.requests), 2)

    @mute_logger(ALERT_LOGGER)
    def test_slack_redirects_are_not_followed_and_replies_are_not_kept(self):
        self.started()
        self.post_move(600.0)
        other = SlackSink()
        self.addCleanup(other.stop)
        self.slack.reset(status=302, location=other.url)
        with trap_jobs() as trap:
            run = self.reconcile()
            trap.perform_enqueued_jobs()
        run.invalidate_recordset()
        self.assertEqual(run.alert_state, "failed")
        self.assertFalse(other.requests, "the redirect was not followed")
        self.slack.reset(status=500, reply=b"internal detail: " + self.slack.secret.encode())
        with trap_jobs() as trap:
            run.action_resend_alert()
            self.perform_retried(trap)
        run.invalidate_recordset()
        self.assertEqual(run.alert_last_error, "Slack answered HTTP 500.", "the reply body is never stored")

    @mute_logger(RUN_LOGGER)
    def test_quickbooks_unreachable_records_an_error(self):
        self.connect_backend()
        self.emulator.fault(kind="non_json", status=404, entity="query")
        with trap_jobs() as trap:
            run = self.Run._run_for_backend(self.backend)
            trap.assert_jobs_count(0)
        self.assertEqual(run.state, "error")
        self.assertIn("404", run.error_message)
        self.assertTrue(self.drift_activities("QuickBooks reconciliation failed"))

    def odoo_fx(self, day, amount):
        """An exchange difference posted in Odoo: a loss (> 0) or a gain (< 0) on the company's FX accounts."""
        company = self.company
        fx_account = (
            company.expense_currency_exchange_account_id if amount > 0 else company.income_currency_exchange_account_id
        )
        other = self.company_data["default_account_assets"]
        loss, gain = max(amount, 0.0), max(-amount, 0.0)
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": day,
                "journal_id": self.company_data["default_journal_misc"].id,
                "line_ids": [
                    Command.create({"account_id": fx_account.id, "debit": loss, "credit": gain, "name": "FX"}),
                    Command.create({"account_id": other.id, "debit": gain, "credit": loss, "name": "FX"}),
                ],
            }
        )
        entry.action_post()
        return entry

    def qbo_fx(self, day, amount, number="7990"):
        """A journal entry in QuickBooks: a loss (> 0, debit) or gain (< 0, credit) on account ``number``
        against Checking."""
        accounts = {account.get("AcctNum"): account["Id"] for account in self.emulator.entities("Account")}

        def line(account_number, posting):
            return {
                "DetailType": "JournalEntryLineDetail",
                "Amount": abs(amount),
                "JournalEntryLineDetail": {"PostingType": posting, "AccountRef": {"value": accounts[account_number]}},
            }

        fx_side, bank_side = ("Debit", "Credit") if amount > 0 else ("Credit", "Debit")
        return self.qbo(
            "POST",
            "journalentry",
            json={
                "TxnDate": day.isoformat(),
                "PrivateNote": "Exchange difference",
                "Line": [line(number, fx_side), line("1000", bank_side)],
            },
        )["JournalEntry"]

    def report_requests(self):
        return [
            entry["query"] for entry in self.emulator.requests_log() if entry["subpath"] == "/reports/ProfitAndLoss"
        ]

    def test_monthly_fx_accounts_are_compared_within_tolerance(self):
        # QuickBooks' own Exchange Gain or Loss account is found by its detail type; the unrealized
        # gain/loss account (another detail type) is added by its number on the connection.
        self.assertFalse(self.backend.fx_gain_account_code or self.backend.fx_loss_account_code)
        self.backend.fx_loss_account_code = "7991"
        # Odoo: a loss of 12.34 in February; March is outside the period checked on March 2nd.
        self.odoo_fx(date(2026, 2, 15), 12.34)
        self.odoo_fx(date(2026, 3, 1), 5.0)
        # QuickBooks: the same February loss (a journal entry debiting "Exchange Gain or Loss", 7990),
        # and entries on both sides of the period that the report must leave out.
        self.qbo_fx(date(2026, 2, 15), 12.34)
        self.qbo_fx(date(2026, 1, 31), 7.0, number="7991")
        self.qbo_fx(date(2026, 3, 1), 5.0)
        now = datetime(2026, 3, 2, 3, 0)
        run = self.reconcile(now=now)
        self.assertEqual((run.fx_date_from, run.fx_date_to), (date(2026, 2, 1), date(2026, 2, 28)))
        self.assertEqual(run.fx_source, "report", run.notes)
        self.assertEqual(
            [
                {key: query[key] for key in ("start_date", "end_date", "accounting_method")}
                for query in self.report_requests()
            ],
            [{"start_date": "2026-02-01", "end_date": "2026-02-28", "accounting_method": "Accrual"}],
        )
        self.assertEqual((run.odoo_fx_balance, run.qbo_fx_balance, run.fx_difference), (12.34, 12.34, 0.0))
        self.assertEqual((run.fx_state, run.state), ("match", "match"), run.notes)

        # An unrealized gain of 0.50 booked only in QuickBooks ("Unrealized Gain or Loss", 7991): the
        # two sides now differ by 0.50, within the 1.00 tolerance.
        self.qbo_fx(date(2026, 2, 28), -0.5, number="7991")
        run = self.Run._run_for_backend(self.backend, now=now)
        self.assertEqual((run.fx_source, run.odoo_fx_balance, run.qbo_fx_balance), ("report", 12.34, 11.84))
        self.assertAlmostEqual(run.fx_difference, 0.5, places=2)
        self.assertEqual((run.fx_state, run.state), ("match", "match"))
        self.assertFalse(run.alert_message)

    def test_monthly_fx_mismatch_beyond_tolerance_is_reported(self):
        self.odoo_fx(date(2026, 2, 15), 12.34)
        self.odoo_fx(date(2026, 2, 20), -2.0)  # a gain, on the income exchange account
        self.qbo_fx(date(2026, 2, 15), 8.0)  # QuickBooks books less of the loss
        now = datetime(2026, 3, 2, 3, 0)
        with trap_jobs() as trap:
            run = self.reconcile(now=now)
            trap.assert_jobs_count(1, only=run._send_slack_alert)
        self.assertEqual(run.fx_source, "report")
        self.assertEqual((run.odoo_fx_balance, run.qbo_fx_balance), (10.34, 8.0))
        self.assertEqual((run.fx_state, run.state), ("drift", "drift"))
        self.assertIn(
            f"FX gain/loss 2026-02: Odoo {self.money(10.34)} | QuickBooks {self.money(8)} | "
            f"difference +{self.money(2.34)}",
            run.alert_message,
        )
        self.assertIn("FX gain/loss", run._drifting_figures())
        self.assertTrue(self.drift_activities())

        self.backend.fx_tolerance = 20.0
        run = self.Run._run_for_backend(self.backend, now=now)
        self.assertEqual((run.fx_source, run.fx_state, run.state), ("report", "match", "match"))

    def test_nightly_cron_runs_once_per_local_night_and_fx_on_the_first_of_the_month(self):
        self.connect_backend()
        self.backend.write({"reconciliation_tz": "America/New_York", "reconciliation_hour": 2})
        cron = self.Run._cron_nightly_reconciliation
        self.assertFalse(cron(now=datetime(2026, 3, 2, 6, 30)), "01:30 in New York: too early")
        first = cron(now=datetime(2026, 3, 2, 7, 30))
        self.assertEqual((first.trigger, first.local_date, first.state), ("cron", date(2026, 3, 2), "match"))
        self.assertEqual(first.fx_date_from, date(2026, 2, 1), "the first run of March checks February")
        self.assertFalse(cron(now=datetime(2026, 3, 2, 15, 0)), "once a night")
        second = cron(now=datetime(2026, 3, 3, 7, 5))
        self.assertEqual(second.local_date, date(2026, 3, 3))
        self.assertEqual(second.fx_state, "none", "February was already checked")

    @mute_logger(RUN_LOGGER)
    def test_failed_nightly_run_is_tried_again_next_hour(self):
        self.connect_backend()
        self.emulator.fault(kind="non_json", status=404, entity="query", times=1)
        cron = self.Run._cron_nightly_reconciliation
        failed = cron(now=datetime(2026, 3, 2, 2, 10))
        self.assertEqual(failed.state, "error")
        again = cron(now=datetime(2026, 3, 2, 3, 10))
        self.assertEqual(again.state, "match")
        self.assertFalse(cron(now=datetime(2026, 3, 2, 4, 10)))

    def test_users_read_runs_managers_run_them(self):
        run = self.reconcile()
        clerk = new_test_user(
            self.env,
            "qbo_recon_clerk",
            groups="account.group_account_invoice",
            company_ids=[Command.set(self.company.ids)],
            company_id=self.company.id,
        )
        self.assertEqual(self.Run.with_user(clerk).search([("id", "=", run.id)]), run)
        with self.assertRaises(AccessError):
            self.backend.with_user(clerk).read(["slack_webhook_url_encrypted"])
        other_company = self.env["res.company"].create({"name": "Reconciliation Company B"})
        other_backend = self.env["quickbooks.backend"].sudo().create({"company_id": other_company.id})
        other_run = self.Run.sudo().create({"backend_id": other_backend.id, "state": "match"})  # as a run records it
        self.assertFalse(self.Run.with_user(clerk).search([("id", "=", other_run.id)]), "companies stay apart")
        with self.assertRaises(UserError):
            self.backend.with_user(clerk).action_reconcile_now()
        action = self.backend.action_reconcile_now()
        self.assertEqual(action["res_model"], "quickbooks.reconciliation")
        self.assertEqual(self.backend.reconciliation_count, 2)


@tagged("post_install", "-at_install")
class TestReportParsing(TransactionCase):
    def test_a_parent_accounts_own_amount_in_a_section_header_is_read(self):
        from ..tools.reconciliation_figures import _report_amounts

        report = {
            "Rows": {
                "Row": [
                    {
                        "type": "Section",
                        "group": "OtherExpenses",
                        "Rows": {
                            "Row": [
                                {
                                    "type": "Section",
                                    "Header": {
                                        "ColData": [{"value": "Exchange Gain or Loss", "id": "13"}, {"value": "3.00"}]
                                    },
                                    "Rows": {
                                        "Row": [
                                            {
                                                "type": "Data",
                                                "ColData": [{"value": "Realised FX", "id": "31"}, {"value": "4.00"}],
                                            }
                                        ]
                                    },
                                    "Summary": {
                                        "ColData": [{"value": "Total Exchange Gain or Loss"}, {"value": "7.00"}]
                                    },
                                }
                            ]
                        },
                    }
                ]
            }
        }
        self.assertEqual(
            sorted((account, str(amount)) for account, amount in _report_amounts(report)),
            [("13", "3.00"), ("31", "4.00")],
        )
