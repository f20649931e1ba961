"""Property: after any sequence of settlements made on either side, both books agree.

Hypothesis generates invoices and credit notes for two customers (one in the home currency, one in
EUR), then a sequence of settlements: in Odoo partial, full and over-payments, write-offs, credit
notes applied by hand, outstanding credit used on another invoice, unreconciliation, payments
reset to draft; in QuickBooks payments recorded by the CPA (applying invoices and credit memos,
with unapplied amounts, at their own exchange rate), edited or deleted.  After the sync settles,
every document's open amount, every customer's balance, the unapplied payments and the cash
received are equal on both sides to the cent, and the nightly reconciliation finds no drift.

CI runs a fixed, derandomized set; ``QBO_SETTLEMENT_EXAMPLES=100`` runs more by hand (the count is
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
from .test_settlements import SettlementCase, money

_logger = logging.getLogger(__name__)

EXAMPLES = int(os.environ.get("QBO_SETTLEMENT_EXAMPLES", "12"))

amounts = st.decimals(min_value=Decimal("10"), max_value=Decimal("900"), places=2)
fractions = st.sampled_from((Decimal("0.25"), Decimal("0.5"), Decimal("1"), Decimal("1.2")))
operations = st.one_of(
    st.tuples(st.just("odoo_pay"), st.integers(0, 7), fractions, st.booleans()),
    st.tuples(st.just("odoo_credit"), st.integers(0, 7), st.integers(0, 7)),
    st.tuples(st.just("odoo_use_credit"), st.integers(0, 7)),
    st.tuples(st.just("odoo_unreconcile"), st.integers(0, 7)),
    st.tuples(st.just("odoo_reset"), st.integers(0, 7), st.booleans()),
    st.tuples(
        st.just("qbo_pay"),
        st.integers(0, 7),
        fractions,
        st.booleans(),
        st.sampled_from((Decimal("1.9"), Decimal("2"), Decimal("2.35"))),
    ),
    st.tuples(st.just("qbo_edit"), st.integers(0, 7), fractions),
    st.tuples(st.just("qbo_delete"), st.integers(0, 7)),
)
scenarios = st.fixed_dictionaries(
    {
        "documents": st.lists(
            st.tuples(st.sampled_from(("home", "eur")), st.sampled_from(("invoice", "credit")), amounts),
            min_size=2,
            max_size=5,
        ),
        "operations": st.lists(operations, min_size=2, max_size=10),
    }
)


@tagged("post_install", "-at_install")
class TestSettlementsProperty(SettlementCase):
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
        self.writeoff_account = self.company_data["default_account_expense"]
        office = self.env["quickbooks.qbo.account"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", "Office Expenses")]
        )
        Mapping = self.env["quickbooks.account.mapping"]
        if not Mapping.search([("backend_id", "=", self.backend.id), ("account_id", "=", self.writeoff_account.id)]):
            Mapping.create(
                {"backend_id": self.backend.id, "account_id": self.writeoff_account.id, "qbo_account_id": office.id}
            )

    # ------------------------------------------------------------------ the scenario
    def documents(self, spec):
        moves = self.env["account.move"]
        for currency, kind, amount in spec:
            partner, values = (
                (self.partner_a, {})
                if currency == "home"
                else (self.partner_b, {"currency_id": self.eur.id, "invoice_date": "2016-06-01"})
            )
            move = self.invoice(
                price=float(amount),
                move_type="out_invoice" if kind == "invoice" else "out_refund",
                taxes=self.env["account.tax"],
                partner=partner,
                **values,
            )
            row = self.post_and_push(move)
            self.assertEqual(row.state, "done", row.last_error)
            moves |= move
        return moves

    def pick(self, records, index):
        return records[index % len(records)] if records else None

    def open_invoices(self, moves):
        return moves.filtered(lambda m: m.move_type == "out_invoice" and m.amount_residual > 0)

    def apply(self, operation, moves):
        kind, index, *rest = operation
        invoices = self.open_invoices(moves)
        if kind == "odoo_pay" and invoices:
            invoice = self.pick(invoices, index)
            fraction, writeoff = rest
            amount = money(Decimal(str(invoice.amount_residual)) * fraction)
            values = {}
            if writeoff and fraction == 1 and amount > 5:
                amount -= Decimal("1.50")
                values = {
                    "payment_difference_handling": "reconcile",
                    "writeoff_account_id": self.writeoff_account.id,
                    "writeoff_label": "Write-off",
                }
            self.register(invoice, float(amount), payment_date=fields.Date.today(), **values)
        elif kind == "odoo_credit":
            credit_notes = moves.filtered(lambda m: m.move_type == "out_refund" and m.amount_residual > 0)
            credit_note = self.pick(credit_notes, index)
            candidates = invoices.filtered(
                lambda m: (
                    credit_note and m.partner_id == credit_note.partner_id and m.currency_id == credit_note.currency_id
                )
            )
            invoice = self.pick(candidates, rest[0])
            if credit_note and invoice:
                line = self.receivable(credit_note).filtered(lambda line: not line.reconciled)[:1]
                self.run_jobs(invoice.js_assign_outstanding_line, line.id)
        elif kind == "odoo_use_credit" and invoices:
            invoice = self.pick(invoices, index)
            credit = self.env["account.move.line"].search(
                [
                    ("partner_id", "=", invoice.commercial_partner_id.id),
                    ("currency_id", "=", invoice.currency_id.id),
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("reconciled", "=", False),
                    ("parent_state", "=", "posted"),
                    ("move_id.move_type", "=", "entry"),
                    ("balance", "<", 0),
                ],
                limit=1,
            )
            if credit and not self.is_pulled(credit):
                self.run_jobs(invoice.js_assign_outstanding_line, credit.id)
        elif kind == "odoo_unreconcile":
            partials = self.receivable(moves).matched_credit_ids.filtered(lambda p: not p.quickbooks_pulled)
            partial = self.pick(partials, index)
            if partial:
                move = partial.debit_move_id.move_id
                self.run_jobs(move.js_remove_outstanding_partial, partial.id)
        elif kind == "odoo_reset":
            payments = self.env["account.payment"].search(
                [("partner_id", "in", (self.partner_a | self.partner_b).ids), ("state", "in", ("in_process", "paid"))]
            )
            payment = self.pick(payments.filtered(lambda p: not self.is_pulled(self.receivable(p))), index)
            if payment:
                self.run_jobs(payment.action_draft)
                if rest[0]:
                    self.run_jobs(payment.action_post)
        elif kind == "qbo_pay" and invoices:
            self.pay_in_qbo(self.pick(invoices, index), moves, *rest)
        elif kind in ("qbo_edit", "qbo_delete"):
            pulled = self.env["quickbooks.sync.state"].search(
                [
                    ("backend_id", "=", self.backend.id),
                    ("qbo_entity", "=", "Payment"),
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

    def is_pulled(self, lines):
        partials = lines.matched_debit_ids | lines.matched_credit_ids
        return bool(partials.filtered("quickbooks_pulled")) or bool(
            lines.move_id.origin_payment_id
            and self.env["quickbooks.sync.state"].search_count(
                [
                    ("res_model", "=", "account.payment"),
                    ("res_id", "in", lines.move_id.origin_payment_id.ids),
                    ("origin", "=", "qbo"),
                ]
            )
        )

    def pay_in_qbo(self, invoice, moves, fraction, with_credit, rate):
        document = self.qbo_doc(invoice)
        open_amount = money(document["Balance"])
        if not open_amount:
            return
        applied = min(money(open_amount * fraction), open_amount)
        lines = [{"Amount": float(applied), "LinkedTxn": [{"TxnId": document["Id"], "TxnType": "Invoice"}]}]
        credit_used = Decimal(0)
        if with_credit:
            same_customer = moves.filtered(
                lambda m: m.partner_id == invoice.partner_id and m.currency_id == invoice.currency_id
            )
            for credit_note in same_customer.filtered(lambda m: m.move_type == "out_refund"):
                memo = self.qbo_doc(credit_note)
                remaining = money(memo.get("RemainingCredit", memo.get("Balance")))
                if remaining:
                    credit_used = min(remaining, applied)
                    lines.append(
                        {"Amount": float(credit_used), "LinkedTxn": [{"TxnId": memo["Id"], "TxnType": "CreditMemo"}]}
                    )
                    break
        total = applied - credit_used + (money(applied * Decimal("0.1")) if fraction > 1 else 0)
        body = {
            "CustomerRef": document["CustomerRef"],
            "TotalAmt": float(total),
            "Line": lines,
            "TxnDate": fields.Date.today().isoformat(),
        }
        if invoice.currency_id != self.company.currency_id:
            body.update({"CurrencyRef": {"value": invoice.currency_id.name}, "ExchangeRate": float(rate)})
        payment = self.emulator.api(self.token, "POST", "payment", json=body)["Payment"]
        self.pull_payment(payment["Id"], "create")

    def change_in_qbo(self, row, kind, *rest):
        current = self.qbo("Payment", row.qbo_id)
        if kind == "qbo_delete":
            self.emulator.api(
                self.token,
                "POST",
                "payment",
                params={"operation": "delete"},
                json={"Id": row.qbo_id, "SyncToken": current["SyncToken"]},
            )
            self.pull_payment(row.qbo_id, "delete")
            return
        fraction = min(rest[0], Decimal(1))  # smaller applications only: they always fit
        lines = [{**line, "Amount": float(money(Decimal(str(line["Amount"])) * fraction))} for line in current["Line"]]
        applied = sum(
            (
                Decimal(str(line["Amount"])) * (-1 if line["LinkedTxn"][0]["TxnType"] == "CreditMemo" else 1)
                for line in lines
            ),
            Decimal(0),
        )
        total = max(money(applied), money(Decimal(str(current["TotalAmt"])) * fraction))
        self.emulator.api(
            self.token,
            "POST",
            "payment",
            json={
                "Id": row.qbo_id,
                "SyncToken": current["SyncToken"],
                "sparse": True,
                "Line": lines,
                "TotalAmt": float(total),
            },
        )
        self.pull_payment(row.qbo_id, "update")

    def pull_payment(self, qbo_id, operation):
        self.run_jobs(self.Pull._process_change, self.backend, "Payment", qbo_id, operation)

    # ------------------------------------------------------------------ the checks
    def cash(self):
        """Cash received per currency: Odoo's customer payments, QuickBooks' payments.

        A payment reset to draft whose reconciliation Odoo 19 kept counts for what it still applies.
        """
        odoo = {}
        for payment in self.env["account.payment"].search(
            [
                ("partner_id", "in", (self.partner_a | self.partner_b).ids),
                ("state", "in", ("in_process", "paid", "draft")),
            ]
        ):
            amount = money(payment.amount)
            if payment.state == "draft":
                partials = self.receivable(payment).matched_debit_ids
                amount = money(sum(partials.mapped("credit_amount_currency")))
                amount -= money(sum(payment._seek_for_lines()[2].mapped("amount_currency")))
            odoo[payment.currency_id.name] = odoo.get(payment.currency_id.name, Decimal(0)) + amount
        qbo = {}
        for payment in self.qbo_all("Payment"):
            if not payment.get("TotalAmt"):
                continue
            code = (payment.get("CurrencyRef") or {}).get("value") or self.company.currency_id.name
            qbo[code] = qbo.get(code, Decimal(0)) + money(payment["TotalAmt"])
        return odoo, qbo

    def assert_books_agree(self, moves):
        self.assert_same_balances(moves)
        odoo_cash, qbo_cash = self.cash()
        self.assertEqual({k: v for k, v in odoo_cash.items() if v}, {k: v for k, v in qbo_cash.items() if v})
        run = self.env["quickbooks.reconciliation"]._run_for_backend(self.backend, with_fx=False, with_books=True)
        self.assert_no_unexplained_difference(run)
        gaps = [(line.kind, line._label(), line.difference) for line in run.line_ids]
        self.assertEqual((run.state, run.customer_mismatch_count), ("match", 0), f"{run.notes or ''} {gaps}")
        # In the company currency an open foreign-currency credit may differ by a cent: after an
        # unreconciliation Odoo keeps the rounding of the exchange difference it had booked, QuickBooks
        # values the credit at the payment's rate (both agree in the payment's currency, checked above).
        foreign = self.env["account.payment"].search_count(
            [("partner_id", "=", self.partner_b.id), ("state", "!=", "canceled")]
        )
        self.assertLessEqual(abs(money(run.odoo_unapplied) - money(run.qbo_unapplied)), Decimal("0.01") * foreign)

    def check(self, scenario):
        moves = self.documents(scenario["documents"])
        for operation in scenario["operations"]:
            if self.apply(operation, moves):
                self.checked["operations"] += 1
        self.assert_books_agree(moves)
        self.checked["scenarios"] += 1

    @property_settings(EXAMPLES)
    @given(scenario=scenarios)
    def test_any_sequence_of_settlements_leaves_both_books_equal(self, scenario):
        # Each scenario in its own books: Odoo's rolled back, QuickBooks' reset.
        with closing(self.env.cr.savepoint()):
            try:
                self.prepare_books()
                self.check(scenario)
            finally:
                self.env.invalidate_all()

    def tearDown(self):
        _logger.info(
            "Settlements property: %(scenarios)d scenarios (%(operations)d settlements) left both books equal",
            self.checked,
        )
        super().tearDown()
