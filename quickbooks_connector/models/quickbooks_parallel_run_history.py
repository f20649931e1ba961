"""Moving to QuickBooks (a parallel run from Odoo to QuickBooks): the history sent, and the opening balances.

A company whose books are in Odoo starts its QuickBooks company on a date (the run's *history from*):

* what Odoo booked from that date on is sent as it always is: documents and journal entries by the backfill
  (``quickbooks_backend_backfill``), then the payments, credit note applications and statement lines that
  settle them;
* what was booked before is summed up in QuickBooks as an accountant enters opening balances by hand (Intuit's
  community article "How to enter a beginning balance for an existing account": a journal entry against
  Opening Balance Equity, naming the customer or vendor on receivable and payable lines; and, as accountants
  moving a company to QuickBooks Online do, each invoice and bill still open re-entered for its open balance,
  the other side on Opening Balance Equity, so that later payments apply to it):

  - each invoice, credit note, bill and refund open the day before, as a QuickBooks document of its open
    amount that day (same number, date, due date and currency, at Odoo's rate), on one "Opening Balance" line
    (an Item whose income account is Opening Balance Equity; on bills, that account), bound to the Odoo
    document: its later payments, sent by the connector, apply to it;
  - for each of the months the books comparison covers before that date, an entry dated the month's last day
    that gives each income and expense account Odoo's figure of the month;
  - one entry the day before the history that gives every balance sheet account Odoo's balance (Retained
    Earnings included: the result of earlier years), receivable and payable items not on a document (money
    received on account, entries) on lines naming their customer or vendor, balanced on Opening Balance Equity,
    which ends at zero.

The figures are the books comparison's own, read at that date from both books (``tools/books_sections.py``), so
that what the nightly comparison checks afterwards is what the opening made equal; a second run finds nothing
left to send.  Nothing dated before the history is sent afterwards: its effect is in the opening balances.
"""

from datetime import timedelta

from odoo import fields, models
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.exceptions import UserError

from ..qbo import QBOError, reports
from ..tools import books_sections
from ..tools.access import check_manager
from ..tools.failures import sort_failure
from ..tools.jobs import enqueue, job
from .quickbooks_parallel_run_opening import OpeningProblem


class QuickbooksParallelRun(models.Model):
    _inherit = "quickbooks.parallel.run"  # pylint: disable=consider-merging-classes-inherited  # a file per concern

    history_from = fields.Date(
        "Send History From",
        help="Moving to QuickBooks: what Odoo booked from this date on is sent to QuickBooks as it is; what was "
        "booked before is sent as opening balances the day before. Empty: the run's start date.",
    )
    opening_state = fields.Selection(
        [("not_sent", "Not sent"), ("sending", "Sending"), ("sent", "Sent"), ("failed", "Failed")],
        string="History and Opening Balances",
        default="not_sent",
        required=True,
        readonly=True,
    )
    opening_summary = fields.Text("Opening Balances Summary", readonly=True)

    def write(self, vals):
        if "history_from" in vals and self.filtered(lambda run: run.opening_state in ("sending", "sent")):
            raise UserError(
                self.env._(
                    "The history is sent to QuickBooks from %s already: its opening balances are there.",
                    self.filtered("history_from")[:1].history_from,
                )
            )
        return super().write(vals)

    def _history_start(self):
        self.ensure_one()
        return self.history_from or self.start_date

    # ------------------------------------------------------------------ the user's button
    def action_send_history(self):
        """Send the history from the chosen date and queue the opening balances of the day before."""
        self.ensure_one()
        check_manager(self)
        if self.direction != "odoo_to_qbo" or self.state != "running":
            raise UserError(self.env._("Only a running parallel run from Odoo to QuickBooks sends Odoo's history."))
        backend = self.backend_id
        backend._ensure_connected()
        start = self._history_start()
        today = fields.Date.context_today(self)
        wizard = self.env["quickbooks.bulk.push.wizard"].create(
            {"backend_id": backend.id, "date_from": start, "date_to": max(today, start)}
        )
        moves = wizard._moves()
        self.sudo().write({"opening_state": "sending", "opening_summary": False, "history_from": start})
        enqueue(
            self, self.env._("QuickBooks: opening balances at %s", start - timedelta(days=1))
        )._quickbooks_send_opening_job()
        backend._quickbooks_schedule_backfill(moves)
        for records in self._history_settlements(start):
            records._quickbooks_schedule_settlement(backend)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("QuickBooks"),
                "message": self.env._(
                    "%(count)s document(s) and entries from %(date)s queued for QuickBooks, their settlements "
                    "after them, and the opening balances of the day before.",
                    count=len(moves),
                    date=start,
                ),
            },
        }

    def _history_settlements(self, start):
        """The records settling documents from ``start`` on (payments, credit notes and refunds, statement
        lines): each sent as a QuickBooks payment once what it settles is there."""
        company = self.company_id
        payments = self.env["account.payment"].search(
            [("company_id", "=", company.id), ("state", "in", ("in_process", "paid")), ("date", ">=", start)]
        )
        credits = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "posted"),
                ("move_type", "in", ("out_refund", "in_refund")),
                ("date", ">=", start),
            ]
        )
        lines = self.env["account.bank.statement.line"].search(
            [("company_id", "=", company.id), ("state", "=", "posted"), ("date", ">=", start)]
        )
        return payments, credits, lines

    # ------------------------------------------------------------------ the job
    @job
    def _quickbooks_send_opening_job(self):
        """Job: send the opening balances of the day before the history (what is already in QuickBooks is not
        sent again)."""
        self.ensure_one()
        backend = self.backend_id
        self.env["quickbooks.push"]._check_backend_active(backend)
        try:
            summary = self._send_opening(backend, backend._qbo_client())
        except (OpeningProblem, QBOError) as error:
            failure = sort_failure(self.env, error) if isinstance(error, QBOError) else None
            if failure and failure.retried:
                raise RetryableJobError(failure.message, seconds=failure.retry_after) from error
            message = failure.message if failure else str(error)
            self.sudo().write({"opening_state": "failed", "opening_summary": message})
            return message
        self.sudo().write({"opening_state": "sent", "opening_summary": summary})
        return summary

    def _send_opening(self, backend, client):
        start = self._history_start()
        day = start - timedelta(days=1)
        equity = self._opening_equity(backend, client)
        documents = self._send_open_documents(backend, client, start, equity)
        documents += self._send_open_payments(backend, client, start)
        fiscal_start = reports.read_fiscal_year_start(client, day)
        by_month, routes = books_sections.monthly_differences(self.env, backend, client, day)
        entries = 0
        for month_end, differences in by_month.items():
            label = self.env._("Odoo profit and loss of %s", month_end.strftime("%Y-%m"))
            entries += self._send_opening_entry(backend, client, routes, month_end, label, differences, equity, {})
        trial = reports.read_trial_balance(client, fiscal_start, day)
        balance_lines, routes = books_sections.balance_differences(self.env, backend, trial, day, fiscal_start)
        items = self._open_items_off_documents(backend, start)
        entries += self._send_opening_entry(
            backend,
            client,
            routes,
            day,
            self.env._("Odoo opening balances"),
            balance_lines,
            equity,
            items,
            final=True,
        )
        return self.env._(
            "Opening balances at %(day)s sent: %(documents)s open document(s) for their open amount, %(entries)s "
            "journal entry(ies). History from %(start)s is sent as it is.",
            day=day,
            documents=documents,
            entries=entries,
            start=start,
        )

    # ------------------------------------------------------------------ QuickBooks' accounts and Item


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"  # pylint: disable=consider-merging-classes-inherited  # the history's dates

    def _history_sent_from(self):
        """The date from which Odoo's history is sent to QuickBooks, once a run moving to QuickBooks sent (or is
        sending) its opening balances: what is dated before is in them, and is never sent again (None: none)."""
        self.ensure_one()
        run = (
            self.env["quickbooks.parallel.run"]
            .sudo()
            .search(
                [("backend_id", "=", self.id), ("direction", "=", "odoo_to_qbo"), ("opening_state", "!=", "not_sent")],
                order="history_from desc",
                limit=1,
            )
        )
        return run.history_from or None
