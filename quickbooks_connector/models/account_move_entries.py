"""Which entries (moves of type entry) the connector sends as QuickBooks JournalEntry objects, and when a bank
statement line's entry is sent again: matching rewrites its items without posting it."""

from odoo import models

from ..adapters.entities import JOURNAL_ENTRY
from ..adapters.journal_entry import PARTY_ACCOUNT_TYPES
from ..adapters.settlement import statement_line_refund_side
from ..adapters.sides import is_refund_payment, refund_side_of_payment
from ..tools.jobs import enqueue


class AccountMove(models.Model):
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    def _quickbooks_is_journal_entry(self):
        """Whether this is a journal entry the connector sends as a QuickBooks JournalEntry: an entry of a
        journal whose "Send Entries to QuickBooks" is on, and none of those Odoo posts itself for what the
        connector sends another way (see ``adapters/journal_entry.py``); the entry of a cash refund; the entry of
        a bank statement line matched with no customer or vendor item (a fee, interest, a transfer)."""
        self.ensure_one()
        if self._quickbooks_is_cash_refund():
            return True
        if self.statement_line_id:
            return self._quickbooks_is_bank_entry()
        company = self.company_id
        return bool(
            self.move_type == "entry"
            and self.journal_id.quickbooks_send_entries
            and not self.origin_payment_id
            and not self.statement_line_id
            and not self.tax_cash_basis_rec_id
            and not self.tax_cash_basis_origin_move_id
            and self.journal_id not in (company.currency_exchange_journal_id | company.tax_cash_basis_journal_id)
        )

    def _quickbooks_is_cash_refund(self):
        """Whether this is the entry of a refund paid out to a customer (received from a vendor): an Odoo
        payment, or a bank statement line, that settles no invoice (bill), sent as a JournalEntry on the bank's
        QuickBooks account and applied to the credit notes it refunds (see ``adapters/journal_entry.py``)."""
        return self._quickbooks_refund_side() is not None

    def _quickbooks_refund_side(self):
        """The side whose credit this entry refunds in cash (receivable: a customer's), or None."""
        self.ensure_one()
        if self.move_type != "entry":
            return None
        if self.origin_payment_id:
            payment = self.origin_payment_id
            return refund_side_of_payment(payment) if is_refund_payment(payment) else None
        if self.statement_line_id:
            return statement_line_refund_side(self.statement_line_id)
        return None

    def _quickbooks_is_bank_entry(self):
        """Whether this is the entry of a bank statement line, in a journal set to send its entries, matched
        with no customer or vendor item (those are Payments and BillPayments) and not waiting on the suspense
        account: bank fees, interest, a transfer to another bank journal through the transfer account."""
        self.ensure_one()
        suspense = self.journal_id.suspense_account_id
        return bool(
            self.move_type == "entry"
            and self.statement_line_id
            and self.journal_id.quickbooks_send_entries
            and not self.line_ids.filtered(
                lambda line: line.account_id.account_type in PARTY_ACCOUNT_TYPES or line.account_id == suspense
            )
        )

    def write(self, vals):
        result = super().write(vals)
        if "line_ids" in vals:
            self._quickbooks_follow_bank_entries()
        return result

    def _quickbooks_follow_bank_entries(self):
        """A posted statement line's entry whose items changed (matched, or the match undone) is sent again,
        or its JournalEntry removed when it is no longer one (the push job decides)."""
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        for move in self.filtered(lambda m: m.statement_line_id and m.state == "posted"):
            if move._quickbooks_is_candidate():
                move._quickbooks_schedule_sync()
                continue
            for row in SyncRecords.search(
                [
                    ("res_model", "=", "account.move"),
                    ("res_id", "=", move.id),
                    ("binding_key", "=", ""),
                    ("qbo_entity", "=", JOURNAL_ENTRY),
                    ("qbo_state", "=", "active"),
                    ("qbo_id", "!=", False),
                ]
            ):
                enqueue(move, f"QuickBooks: push {move.name}")._quickbooks_push_job(row.backend_id)
