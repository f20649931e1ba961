"""Property: after any sequence of bill payments made on either side, both books' payables agree.

Hypothesis generates vendor bills and refunds for two vendors (one in the home currency, one in
EUR), then a sequence of settlements: in Odoo partial, full and over-payments, write-offs, refunds
applied by hand, unreconciliation, payments reset to draft; in QuickBooks bill payments recorded by
the CPA (paying bills and applying vendor credits, at their own exchange rate), edited or deleted.
After the sync settles, every bill's and refund's open amount, every vendor's balance and the A/P
total are equal on both sides to the cent, and the nightly reconciliation finds no drift.

CI runs a fixed, derandomized set; ``QBO_PAYABLES_EXAMPLES=100`` runs more by hand (the count is
logged at the end).
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
from .test_payables import PayablesCase
from .test_settlements import money

_logger = logging.getLogger(__name__)

EXAMPLES = int(os.environ.get("QBO_PAYABLES_EXAMPLES", "10"))

amounts = st.decimals(min_value=Decimal("10"), max_value=Decimal("900"), places=2)
fractions = st.sampled_from((Decimal("0.25"), Decimal("0.5"), Decimal("1"), Decimal("1.2")))
operations = st.one_of(
    st.tuples(st.just("odoo_pay"), st.integers(0, 7), fractions, st.booleans()),
    st.tuples(st.just("odoo_refund"), st.integers(0, 7), st.integers(0, 7)),
    st.tuples(st.just("odoo_unreconcile"), st.integers(0, 7)),
    st.tuples(st.just("odoo_reset"), st.integers(0, 7), st.booleans()),
    st.tuples(
        st.just("qbo_pay"),
        st.integers(0, 7),
        st.sampled_from((Decimal("0.5"), Decimal("1"))),
        st.booleans(),
        st.sampled_from((Decimal("1.9"), Decimal("2"), Decimal("2.35"))),
    ),
    st.tuples(st.just("qbo_edit"), st.integers(0, 7), st.sampled_from((Decimal("0.5"), Decimal("0.8")))),
    st.tuples(st.just("qbo_delete"), st.integers(0, 7)),
)
scenarios = st.fixed_dictionaries(
    {
        "documents": st.lists(
            st.tuples(st.sampled_from(("home", "eur")), st.sampled_from(("bill", "bill", "refund")), amounts),
            min_size=2,
            max_size=5,
        ),
        "operations": st.lists(operations, min_size=2, max_size=10),
    }
)


@tagged("post_install", "-at_install")
class TestPayablesProperty(PayablesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR", rates=[("2016-01-01", 0.5)])

    def setUp(self):
        super().setUp()
        self.checked = {"scenarios": 0, "operations": 0}

    def prepare_books(self):
        """A fresh QuickBooks company and Odoo's mapping of it (each scenario starts from nothing)."""
        self.emulator.reset()
        self.emulator.call("POST", "rate_limits", {"enabled": False})
        self.prepare_quickbooks()
        self.foreign_vendor = self.env["res.partner"].create({"name": "Euro Parts GmbH", "is_company": True})
        self.writeoff_account = self.company_data["default_account_revenue"]

    # ------------------------------------------------------------------ the scenario
    def documents(self, spec):
        moves = self.env["account.move"]
        for currency, kind, amount in spec:
            partner, values = (
                (self.vendor, {})
                if currency == "home"
                else (self.foreign_vendor, {"currency_id": self.eur.id, "invoice_date": "2016-06-01"})
            )
            move = self.bill(
                float(amount), move_type="in_invoice" if kind == "bill" else "in_refund", partner=partner, **values
            )
            self.assertEqual(self.post_and_push(move).state, "done")
            moves |= move
        return moves

    def pick(self, records, index):
        return records[index % len(records)] if records else None

    def open_bills(self, moves):
        return moves.filtered(lambda m: m.move_type == "in_invoice" and m.amount_residual > 0)

    def vendors(self):
        return self.vendor | self.foreign_vendor

    def apply(self, operation, moves):
        kind, index, *rest = operation
        bills = self.open_bills(moves)
        if kind == "odoo_pay" and bills:
            bill = self.pick(bills, index)
            fraction, writeoff = rest
            amount = money(Decimal(str(bill.amount_residual)) * fraction)
            values = {}
            if writeoff and fraction == 1 and amount > 5:
                amount -= Decimal("1.50")
                values = {
                    "payment_difference_handling": "reconcile",
                    "writeoff_account_id": self.writeoff_account.id,
                    "writeoff_label": "Agreed discount",
                }
            self.register(bill, float(amount), payment_date=fields.Date.today(), **values)
        elif kind == "odoo_refund":
            refunds = moves.filtered(lambda m: m.move_type == "in_refund" and m.amount_residual > 0)
            refund = self.pick(refunds, index)
            candidates = bills.filtered(
                lambda m: refund and m.partner_id == refund.partner_id and m.currency_id == refund.currency_id
            )
            bill = self.pick(candidates, rest[0])
            if refund and bill:
                line = self.payable(refund).filtered(lambda line: not line.reconciled)[:1]
                self.run_jobs(bill.js_assign_outstanding_line, line.id)
        elif kind == "odoo_unreconcile":
            partials = self.payable(moves).matched_debit_ids.filtered(lambda p: not p.quickbooks_pulled)
            partial = self.pick(partials, index)
            if partial:
                move = partial.credit_move_id.move_id
                self.run_jobs(move.js_remove_outstanding_partial, partial.id)
        elif kind == "odoo_reset":
            payments = self.env["account.payment"].search(
                [("partner_id", "in", self.vendors().ids), ("state", "in", ("in_process", "paid"))]
            )
            payment = self.pick(payments.filtered(lambda p: not self.is_pulled(p)), index)
            if payment:
                self.run_jobs(payment.action_draft)
                if rest[0]:
                    self.run_jobs(payment.action_post)
        elif kind == "qbo_pay" and bills:
            self.pay_in_qbo(self.pick(bills, index), moves, *rest)
        elif kind in ("qbo_edit", "qbo_delete"):
            pulled = self.env["quickbooks.sync.state"].search(
                [
                    ("backend_id", "=", self.backend.id),
                    ("qbo_entity", "=", "BillPayment"),
                    ("origin", "=", "qbo"),
                    ("qbo_state", "=", "active"),
                ],
                order="id",
            )
            row = self.pick(pulled, index)
            if row:
                self.change_in_qbo(row, kind, *rest)
        else:
            return False
        return True

    def is_pulled(self, payment):
        return bool(
            self.env["quickbooks.sync.state"].search_count(
                [("res_model", "=", "account.payment"), ("res_id", "=", payment.id), ("origin", "=", "qbo")]
            )
        )

    def pay_in_qbo(self, bill, moves, fraction, with_credit, rate):
        document = self.qbo_doc(bill)
        open_amount = money(document["Balance"])
        if not open_amount:
            return
        applied = money(open_amount * fraction)
        lines = [{"Amount": float(applied), "LinkedTxn": [{"TxnId": document["Id"], "TxnType": "Bill"}]}]
        credit_used = Decimal(0)
        if with_credit:
            same_vendor = moves.filtered(
                lambda m: m.partner_id == bill.partner_id and m.currency_id == bill.currency_id
            )
            for refund in same_vendor.filtered(lambda m: m.move_type == "in_refund"):
                remaining = money(self.qbo_doc(refund)["Balance"])
                if remaining:
                    credit_used = min(remaining, applied)
                    lines.append(
                        {
                            "Amount": float(credit_used),
                            "LinkedTxn": [{"TxnId": self.sync_record(refund).qbo_id, "TxnType": "VendorCredit"}],
                        }
                    )
                    break
        checking = self.env["quickbooks.qbo.account"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", "Checking")]
        )
        body = {
            "VendorRef": document["VendorRef"],
            "TotalAmt": float(applied - credit_used),
            "Line": lines,
            "PayType": "Check",
            "CheckPayment": {"BankAccountRef": {"value": checking.qbo_id}},
            "TxnDate": fields.Date.today().isoformat(),
        }
        if bill.currency_id != self.company.currency_id:
            body.update({"CurrencyRef": {"value": bill.currency_id.name}, "ExchangeRate": float(rate)})
        payment = self.emulator.api(self.token, "POST", "billpayment", json=body)["BillPayment"]
        self.pull_payment(payment["Id"], "create")

    def change_in_qbo(self, row, kind, *rest):
        current = self.qbo("BillPayment", row.qbo_id)
        if kind == "qbo_delete":
            self.emulator.api(
                self.token,
                "POST",
                "billpayment",
                params={"operation": "delete"},
                json={"Id": row.qbo_id, "SyncToken": current["SyncToken"]},
            )
            self.pull_payment(row.qbo_id, "delete")
            return
        lines = [{**line, "Amount": float(money(Decimal(str(line["Amount"])) * rest[0]))} for line in current["Line"]]
        total = sum(
            (
                Decimal(str(line["Amount"])) * (-1 if line["LinkedTxn"][0]["TxnType"] == "VendorCredit" else 1)
                for line in lines
            ),
            Decimal(0),
        )
        self.emulator.api(
            self.token,
            "POST",
            "billpayment",
            json={
                "Id": row.qbo_id,
                "SyncToken": current["SyncToken"],
                "sparse": True,
                "Line": lines,
                "TotalAmt": float(money(total)),
            },
        )
        self.pull_payment(row.qbo_id, "update")

    def pull_payment(self, qbo_id, operation):
        self.run_jobs(self.Pull._process_change, self.backend, "BillPayment", qbo_id, operation)

    # ------------------------------------------------------------------ the checks
    def assert_books_agree(self, moves):
        self.assert_same_payables(moves)
        run = self.env["quickbooks.reconciliation"]._run_for_backend(self.backend, with_fx=False, with_books=True)
        self.assert_no_unexplained_difference(run)
        gaps = [(line.kind, line._label(), line.difference) for line in run.line_ids]
        self.assertEqual(
            (run.vendor_mismatch_count, money(run.odoo_payable), run.odoo_open_bill_count),
            (0, money(run.qbo_payable), run.qbo_open_bill_count),
            f"{run.notes or ''} {gaps}",
        )

    def check(self, scenario):
        moves = self.documents(scenario["documents"])
        for operation in scenario["operations"]:
            if self.apply(operation, moves):
                self.checked["operations"] += 1
        self.assert_books_agree(moves)
        self.checked["scenarios"] += 1

    @property_settings(EXAMPLES)
    @given(scenario=scenarios)
    def test_any_sequence_of_bill_payments_leaves_both_books_equal(self, scenario):
        # Each scenario in its own books: Odoo's rolled back, QuickBooks' reset.
        with closing(self.env.cr.savepoint()):
            try:
                self.prepare_books()
                self.check(scenario)
            finally:
                self.env.invalidate_all()

    def tearDown(self):
        _logger.info(
            "Payables property: %(scenarios)d scenarios (%(operations)d settlements) left both books equal",
            self.checked,
        )
        super().tearDown()
