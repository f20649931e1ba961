"""The books comparison on a connection: its tolerance, the last run's verdict, and where to see it."""

from odoo import fields, models

from .. import const
from ..tools.access import check_user
from .quickbooks_backend_write import QuickbooksBackend as WriteRules
from .quickbooks_reconciliation_books import BOOKS_STATES


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    #: A manager sets the books tolerance too (see ``quickbooks_backend_write.py``).
    _quickbooks_writable = WriteRules._quickbooks_writable | {"books_tolerance"}

    books_tolerance = fields.Monetary(
        default=0.05,
        currency_field="reconciliation_currency_id",
        groups=const.GROUP_MANAGER,
        help="A difference on an account, customer or vendor that no cause explains, up to this amount, is "
        "explained by the tolerance (rounding of exchange differences) and does not alert.",
    )
    books_last_state = fields.Selection(BOOKS_STATES, "Books", compute="_compute_books_last")
    books_last_summary = fields.Char("Books Verdict", compute="_compute_books_last")
    books_last_date = fields.Date("Books Compared At", compute="_compute_books_last")

    def _compute_books_last(self):
        Run = self.env["quickbooks.reconciliation"]
        for backend in self:
            run = Run.search(
                [("backend_id", "=", backend.id), ("books_state", "!=", False)], order="run_at desc, id desc", limit=1
            )
            backend.books_last_state = run.books_state
            backend.books_last_summary = run.books_summary or run.books_error
            backend.books_last_date = run.books_date

    def action_reconcile_now(self):
        """Reconcile now, books comparison included.

        :raise AccessError: if the user is not a QuickBooks manager
        """
        return super(QuickbooksBackend, self.with_context(quickbooks_books=True)).action_reconcile_now()

    def action_open_books_comparison(self):
        """The lines of the connection's latest books comparison.

        :raise AccessError: if the user is not a QuickBooks user allowed to read the connection
        """
        self.ensure_one()
        check_user(self)
        action = self.env["ir.actions.act_window"]._for_xml_id("quickbooks_connector.action_quickbooks_books_line")
        action["domain"] = [("backend_id", "=", self.id)]
        return action
