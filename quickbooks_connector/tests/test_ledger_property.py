"""Property: after any month of activity on the whole ledger, every account agrees between Odoo and QuickBooks.

Hypothesis generates a month on three partners who are customers and vendors at once: invoices, bills, credit
notes and refunds; payments of invoices and bills (partial, full, with a write-off); credit notes applied;
invoices written off by a journal entry; credit notes and vendor refunds refunded in cash, by a payment or on the
bank statement; accruals; bank lines
matched with an invoice less a fee, netting an invoice and a bill of one partner, transferring to another bank
journal, or booking bank charges.  After the sync settles, the books comparison of the nightly reconciliation
(QuickBooks' TrialBalance, ProfitAndLoss and aging, account by account) finds every line equal to the cent.

CI runs a fixed, derandomized set; ``QBO_LEDGER_EXAMPLES=50`` runs more by hand (the count is logged at the end).
"""

import logging
import os
from contextlib import closing
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from odoo import fields
from odoo.tests import tagged

from .common import property_settings
from .test_settlements import money
from .test_statement_lines import StatementLineCase

_logger = logging.getLogger(__name__)

EXAMPLES = int(os.environ.get("QBO_LEDGER_EXAMPLES", "6"))

amounts = st.decimals(min_value=Decimal("20"), max_value=Decimal("600"), places=2)
small = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("9"), places=2)
fractions = st.sampled_from((Decimal("0.3"), Decimal("0.5"), Decimal("1")))
partners = st.integers(0, 2)
picks = st.integers(0, 9)
operations = st.one_of(
    st.tuples(st.just("invoice"), partners, amounts),
    st.tuples(st.just("bill"), partners, amounts),
    st.tuples(st.just("credit_note"), partners, amounts),
    st.tuples(st.just("vendor_refund"), partners, amounts),
    st.tuples(st.just("pay"), picks, fractions, st.booleans()),
    st.tuples(st.just("pay_bill"), picks, fractions),
    st.tuples(st.just("apply_credit"), picks),
    st.tuples(st.just("write_off"), picks, fractions),
    st.tuples(st.just("cash_refund"), picks),
    st.tuples(st.just("vendor_cash_refund"), picks),
    st.tuples(st.just("bank_refund"), picks, st.booleans()),
    st.tuples(st.just("accrual"), amounts),
    st.tuples(st.just("fee_line"), picks, small),
    st.tuples(st.just("netting"), picks),
    st.tuples(st.just("transfer"), amounts),
    st.tuples(st.just("bank_charge"), small),
)
months = st.lists(operations, min_size=4, max_size=14)


@tagged("post_install", "-at_install")
class TestLedgerProperty(StatementLineCase):
    def setUp(self):
        super().setUp()
        self.checked = {"scenarios": 0, "operations": 0}
        third = self.env["res.partner"].create({"name": "Both Sides Ltd", "is_company": True})
        self.parties = self.partner_a | self.vendor | third
        self.savings = self.env["account.journal"].create(
            {"name": "Savings", "code": "SAVP", "type": "bank", "company_id": self.company.id}
        )

    def prepare_books(self):
        """A fresh QuickBooks company mapped as a user maps it (each month starts from nothing)."""
        self.emulator.reset()
        self.emulator.call("POST", "rate_limits", {"enabled": False})
        self.prepare_quickbooks()
        self.map_account(self.savings.default_account_id, "Savings")
        self.map_account(self.company.transfer_account_id, "Undeposited Funds")
        self.map_account(self.fees, "Office Expenses")
        (self.bank_journal | self.savings | self.misc).quickbooks_send_entries = True

    # ------------------------------------------------------------------ the month
    def open_moves(self, move_type):
        return self.env["account.move"].search(
            [
                ("move_type", "=", move_type),
                ("state", "=", "posted"),
                ("partner_id", "in", self.parties.ids),
                ("amount_residual", ">", 0),
            ],
            order="id",
        )

    def pick(self, records, index):
        return records[index % len(records)] if records else None

    def party_line(self, move):
        return move.line_ids.filtered(
            lambda line: (
                line.account_id.account_type in ("asset_receivable", "liability_payable") and not line.reconciled
            )
        )[:1]

    def apply(self, operation):
        kind, first, *rest = operation
        if kind in ("invoice", "credit_note"):
            move_type = "out_invoice" if kind == "invoice" else "out_refund"
            self.pushed(float(rest[0]), move_type=move_type, partner=self.parties[first])
        elif kind in ("bill", "vendor_refund"):
            move_type = "in_invoice" if kind == "bill" else "in_refund"
            self.pushed_bill(float(rest[0]), move_type=move_type, partner=self.parties[first])
        elif kind == "pay":
            return self.pay(self.pick(self.open_moves("out_invoice"), first), *rest)
        elif kind == "pay_bill":
            bill = self.pick(self.open_moves("in_invoice"), first)
            if not bill:
                return False
            self.register(bill, float(money(Decimal(str(bill.amount_residual)) * rest[0])))
        elif kind == "apply_credit":
            return self.apply_credit(self.pick(self.open_moves("out_refund"), first))
        elif kind == "write_off":
            return self.write_off(self.pick(self.open_moves("out_invoice"), first), rest[0])
        elif kind in ("cash_refund", "vendor_cash_refund"):
            refund = self.pick(self.open_moves("out_refund" if kind == "cash_refund" else "in_refund"), first)
            if not refund:
                return False
            self.register(refund, refund.amount_residual)
        elif kind == "bank_refund":
            move_type = "out_refund" if rest[0] else "in_refund"
            refund = self.pick(self.open_moves(move_type), first)
            if not refund:
                return False
            amount = refund.amount_residual if move_type == "in_refund" else -refund.amount_residual
            self.match(self.statement_line(amount, refund.partner_id), refund)
        elif kind == "accrual":
            self.post(self.entry([(self.expense, float(first), 0.0), (self.bank, 0.0, float(first))]))
        elif kind == "fee_line":
            return self.fee_line(self.pick(self.open_moves("out_invoice"), first), rest[0])
        elif kind == "netting":
            return self.netting(first)
        elif kind == "transfer":
            company = self.company.partner_id
            transfer = self.company.transfer_account_id
            self.match(
                self.statement_line(-float(first), company), self.env["account.move"], [(transfer, float(first))]
            )
            arrived = self.statement_line(float(first), company, journal=self.savings)
            self.match(arrived, self.env["account.move"], [(transfer, -float(first))])
        elif kind == "bank_charge":
            line = self.statement_line(-float(first), self.company.partner_id)
            self.match(line, self.env["account.move"], [(self.fees, float(first))])
        return True

    def pay(self, invoice, fraction, writeoff):
        if not invoice:
            return False
        amount = money(Decimal(str(invoice.amount_residual)) * fraction)
        values = {}
        if writeoff and fraction == 1 and amount > 5:
            amount -= Decimal("1.50")
            values = {
                "payment_difference_handling": "reconcile",
                "writeoff_account_id": self.fees.id,
                "writeoff_label": "Write-off",
            }
        self.register(invoice, float(amount), payment_date=fields.Date.today(), **values)
        return True

    def apply_credit(self, credit_note):
        invoice = (
            credit_note
            and self.open_moves("out_invoice").filtered(
                lambda m: m.commercial_partner_id == credit_note.commercial_partner_id
            )[:1]
        )
        if not invoice:
            return False
        self.run_jobs(invoice.js_assign_outstanding_line, self.party_line(credit_note).id)
        return True

    def write_off(self, invoice, fraction):
        if not invoice:
            return False
        amount = float(money(Decimal(str(invoice.amount_residual)) * fraction))
        entry = self.entry([(self.expense, amount, 0.0), (self.receivable_account, 0.0, amount, invoice.partner_id)])
        self.post(entry)
        line = entry.line_ids.filtered(lambda item: item.account_id == self.receivable_account)
        self.run_jobs(invoice.js_assign_outstanding_line, line.id)
        return True

    def fee_line(self, invoice, fee):
        if not invoice or invoice.amount_residual <= fee + 1:
            return False
        line = self.statement_line(invoice.amount_residual - float(fee), invoice.partner_id)
        self.match(line, invoice, [(self.fees, float(fee))])
        return True

    def netting(self, index):
        for partner in self.parties[index % 3 :] + self.parties[: index % 3]:
            invoice = self.open_moves("out_invoice").filtered(lambda m, p=partner: m.commercial_partner_id == p)[:1]
            bill = self.open_moves("in_invoice").filtered(
                lambda m, p=partner, i=invoice: (
                    m.commercial_partner_id == p and i and m.amount_residual < i.amount_residual
                )
            )[:1]
            if invoice and bill:
                line = self.statement_line(invoice.amount_residual - bill.amount_residual, partner)
                self.match(line, invoice | bill)
                return True
        return False

    # ------------------------------------------------------------------ the check
    def check(self, month):
        for operation in month:
            if self.apply(operation):
                self.checked["operations"] += 1
        failed = self.env["quickbooks.sync.state"].search(
            [("backend_id", "=", self.backend.id), ("state", "=", "failed")]
        )
        self.assertFalse([(row.display_name, row.last_error) for row in failed], "every sync ended well")
        run = self.compare()
        self.assertEqual(run.books_state, "match", self.describe(run))
        self.checked["scenarios"] += 1

    @property_settings(EXAMPLES)
    @given(month=months)
    def test_any_month_of_activity_leaves_every_account_equal_on_both_sides(self, month):
        # Each month in its own books: Odoo's rolled back, QuickBooks' reset.
        with closing(self.env.cr.savepoint()):
            try:
                self.prepare_books()
                self.check(month)
            finally:
                self.env.invalidate_all()

    def tearDown(self):
        _logger.info(
            "Ledger property: %(scenarios)d months (%(operations)d operations) left every account equal",
            self.checked,
        )
        super().tearDown()
