"""Every way an invoice gets settled, on either side, leaves both books with the same balances."""

from datetime import timedelta
from decimal import Decimal
from unittest.mock import patch

from odoo import Command, fields
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged

from ..tools import reconciliation_figures as figures
from .test_push import PushCase


def money(value):
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


class SettlementCase(PushCase):
    """Helpers: pushed documents, settlements made in Odoo with their jobs run, both sides' figures."""

    def setUp(self):
        super().setUp()
        self.fast_client_retries()
        self.Pull = self.env["quickbooks.pull"]

    def pushed(self, price=100.0, move_type="out_invoice", **kwargs):
        move = self.invoice(
            price=price, move_type=move_type, taxes=kwargs.pop("taxes", self.env["account.tax"]), **kwargs
        )
        row = self.post_and_push(move)
        self.assertEqual(row.state, "done", row.last_error)
        return move

    def run_jobs(self, action, *args, **kwargs):
        """Do ``action`` as a user would and run the QuickBooks jobs it queued."""
        with trap_jobs() as trap:
            result = action(*args, **kwargs)
            self.drain(trap)
        return result

    def register(self, moves, amount=None, **values):
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create({**({"amount": amount} if amount is not None else {}), **values})
        )
        return self.run_jobs(wizard._create_payments)

    def receivable(self, record):
        move = record.move_id if record._name != "account.move" else record
        return move.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")

    def qbo_doc(self, move):
        return self.qbo(self.sync_record(move).qbo_entity, self.sync_record(move).qbo_id)

    def qbo_payment_of(self, source, key=""):
        row = self.sync_record(source, key=key)
        self.assertEqual((row.state, row.qbo_state), ("done", "active"), row.last_error)
        return self.qbo("Payment", row.qbo_id)

    def assert_same_balances(self, *moves):
        """Each document's open amount, and its customer's balance, are equal on both sides."""
        moves = self.env["account.move"].union(*moves)
        for move in moves:
            document = self.qbo_doc(move)
            qbo_open = document["Balance"] if "Balance" in document else document.get("RemainingCredit", 0)
            self.assertEqual(money(move.amount_residual), money(qbo_open), move.name)
        for partner in moves.commercial_partner_id:
            for currency in moves.filtered(lambda m, p=partner: m.commercial_partner_id == p).currency_id:
                key = "" if currency == self.company.currency_id else currency.name
                lines = self.env["account.move.line"].search(
                    [
                        ("partner_id", "=", partner.id),
                        ("account_id.account_type", "=", "asset_receivable"),
                        ("parent_state", "=", "posted"),
                        ("currency_id", "=", currency.id),
                    ]
                )
                odoo_balance = money(sum(lines.mapped("amount_residual_currency")))
                customer = self.qbo("Customer", self.sync_record(partner, key=key).qbo_id)
                self.assertEqual(odoo_balance, money(customer["Balance"]), f"{partner.name} {currency.name}")

    def assert_no_unexplained_difference(self, run):
        """The books comparison of ``run``: every account, customer, vendor and month agrees, or the connector
        says why it does not."""
        unexplained = run.books_line_ids.filtered(lambda line: line.state == "unexplained")
        self.assertFalse(
            [
                (line.section, line.name, line.period, line.odoo_amount, line.qbo_amount, line.explanation_summary)
                for line in unexplained
            ],
            "unexplained differences in the books",
        )
        self.assertIn(run.books_state, ("match", "explained"), run.books_error)

    def lines_of(self, payment):
        return sorted(
            (linked["TxnType"], money(line["Amount"])) for line in payment["Line"] for linked in line["LinkedTxn"]
        )


@tagged("post_install", "-at_install")
class TestSettlementsFromOdoo(SettlementCase):
    def test_a_reversed_invoice_is_settled_by_its_credit_memo_with_no_cash(self):
        invoice = self.pushed(100.0)
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id})
        )
        credit_note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        row = self.post_and_push(credit_note)  # posting reconciles it with the invoice
        self.assertEqual(row.state, "done", row.last_error)
        self.run_jobs(lambda: credit_note._quickbooks_settle_job(self.backend))
        payment = self.qbo_payment_of(credit_note, key="application")
        self.assertEqual(payment["TotalAmt"], 0)
        self.assertEqual(self.lines_of(payment), [("CreditMemo", money(100)), ("Invoice", money(100))])
        self.assertEqual(invoice.payment_state, "reversed")
        self.assert_same_balances(invoice, credit_note)

    def test_a_credit_note_applied_in_part_leaves_the_rest_open_on_both_sides(self):
        invoice = self.pushed(100.0)
        credit_note = self.pushed(30.0, move_type="out_refund")
        self.run_jobs(invoice.js_assign_outstanding_line, self.receivable(credit_note).id)
        self.assertEqual(money(invoice.amount_residual), money(70))
        self.assert_same_balances(invoice, credit_note)
        # Unreconciled from the invoice's payment widget: QuickBooks' application goes too.
        partial = self.receivable(invoice).matched_credit_ids
        self.run_jobs(invoice.js_remove_outstanding_partial, partial.id)
        self.assertEqual(self.sync_record(credit_note, key="application").qbo_state, "deleted")
        self.assert_same_balances(invoice, credit_note)

    def test_a_write_off_becomes_a_credit_memo_on_the_write_off_account_applied_with_the_cash(self):
        expense = self.company_data["default_account_expense"]
        self.map_account(expense, "Office Expenses")
        invoice = self.pushed(100.0)
        payment = self.register(
            invoice,
            95.0,
            payment_difference_handling="reconcile",
            writeoff_account_id=expense.id,
            writeoff_label="Bank fee",
        )
        self.assertEqual(invoice.payment_state, "paid")
        qbo_payment = self.qbo_payment_of(payment)
        self.assertEqual(qbo_payment["TotalAmt"], 95)
        self.assertEqual(self.lines_of(qbo_payment), [("CreditMemo", money(5)), ("Invoice", money(100))])
        memo = self.qbo("CreditMemo", self.sync_record(payment, key="writeoff").qbo_id)
        item = self.qbo("Item", memo["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"])
        office = self.env["quickbooks.qbo.account"].search([("name", "=", "Office Expenses")])
        self.assertEqual((memo["TotalAmt"], item["IncomeAccountRef"]["value"]), (5, office.qbo_id))
        self.assert_same_balances(invoice)

    def test_a_write_off_unreconciled_stays_an_open_credit_with_the_cash(self):
        # Unreconciled, the payment's 100.00 of credit is open in Odoo: in QuickBooks the 95.00 of cash and
        # the 5.00 credit memo stay open, applied to nothing (QuickBooks refuses a credit applied alone).
        expense = self.company_data["default_account_expense"]
        self.map_account(expense, "Office Expenses")
        invoice = self.pushed(100.0)
        payment = self.register(
            invoice,
            95.0,
            payment_difference_handling="reconcile",
            writeoff_account_id=expense.id,
            writeoff_label="Bank fee",
        )
        self.run_jobs(invoice.js_remove_outstanding_partial, self.receivable(invoice).matched_credit_ids.id)
        self.assertEqual(invoice.payment_state, "not_paid")
        qbo_payment = self.qbo_payment_of(payment)
        self.assertEqual((qbo_payment["TotalAmt"], qbo_payment["UnappliedAmt"], qbo_payment["Line"]), (95, 95, []))
        memo = self.qbo("CreditMemo", self.sync_record(payment, key="writeoff").qbo_id)
        self.assertEqual((memo["TotalAmt"], memo["RemainingCredit"]), (5, 5))
        self.assert_same_balances(invoice)
        # Reconciled again, both are applied again.
        self.run_jobs(invoice.js_assign_outstanding_line, self.receivable(payment).id)
        self.assertEqual(
            self.lines_of(self.qbo_payment_of(payment)), [("CreditMemo", money(5)), ("Invoice", money(100))]
        )
        self.assert_same_balances(invoice)

    def test_an_early_payment_discount_takes_its_tax_along(self):
        self.emulator.call("POST", "settings", {"country": "GB"})
        self.backend._refresh_company_facts()
        self.backend.qbo_exempt_tax_code_id = self.env["quickbooks.qbo.tax.code"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", "Exempt")]
        )
        self.map_account(self.company.account_journal_early_pay_discount_loss_account_id, "Discounts given")
        term = self.env["account.payment.term"].create(
            {
                "name": "2/10 net 30",
                "early_discount": True,
                "discount_percentage": 2,
                "discount_days": 10,
                "early_pay_discount_computation": "included",
                "line_ids": [Command.create({"value": "percent", "value_amount": 100, "nb_days": 30})],
            }
        )
        invoice = self.pushed(
            1000.0, taxes=self.tax_sale_a, invoice_payment_term_id=term.id, invoice_date=fields.Date.today()
        )
        payment = self.register(invoice, payment_date=fields.Date.today())
        self.assertEqual((money(payment.amount), invoice.payment_state), (money(1127), "paid"))
        memo = self.qbo("CreditMemo", self.sync_record(payment, key="writeoff").qbo_id)
        self.assertEqual((money(memo["TotalAmt"]), money(memo["TxnTaxDetail"]["TotalTax"])), (money(23), money(3)))
        self.assert_same_balances(invoice)

    def test_an_overpayment_stays_as_credit_and_its_later_use_is_pushed(self):
        first, second = self.pushed(100.0), self.pushed(50.0)
        payment = self.register(first, 120.0)
        qbo_payment = self.qbo_payment_of(payment)
        self.assertEqual((qbo_payment["TotalAmt"], qbo_payment["UnappliedAmt"]), (120, 20))
        self.assert_same_balances(first, second)
        self.run_jobs(second.js_assign_outstanding_line, self.receivable(payment).id)
        qbo_payment = self.qbo_payment_of(payment)
        self.assertEqual(self.lines_of(qbo_payment), [("Invoice", money(20)), ("Invoice", money(100))])
        self.assertEqual(qbo_payment["UnappliedAmt"], 0)
        self.assert_same_balances(first, second)

    def test_unreconcile_reset_cancel_and_repost_are_followed(self):
        invoice = self.pushed(100.0)
        payment = self.register(invoice, 100.0)
        first_id = self.qbo_payment_of(payment)["Id"]
        self.run_jobs(invoice.js_remove_outstanding_partial, self.receivable(invoice).matched_credit_ids.id)
        self.assertEqual(self.qbo_payment_of(payment)["UnappliedAmt"], 100)
        self.assert_same_balances(invoice)
        self.run_jobs(payment.action_draft)
        self.assertEqual(self.sync_record(payment).qbo_state, "deleted")
        self.assertFalse([p for p in self.qbo_all("Payment") if p["Id"] == first_id])
        self.run_jobs(payment.action_post)
        self.assertNotEqual(self.qbo_payment_of(payment)["Id"], first_id)
        self.run_jobs(payment.action_draft)
        self.run_jobs(payment.action_cancel)
        self.assertEqual(self.sync_record(payment).qbo_state, "deleted")
        self.assertEqual(self.qbo_doc(invoice)["Balance"], 100)

    def test_a_foreign_currency_payment_carries_odoo_rate(self):
        eur = self.setup_other_currency("EUR", rates=[("2016-01-01", 0.5), (fields.Date.today(), 0.4)])
        invoice = self.pushed(100.0, currency_id=eur.id, invoice_date="2016-06-01")
        payment = self.register(invoice, 100.0, payment_date=fields.Date.today())
        qbo_payment = self.qbo_payment_of(payment)
        self.assertEqual((qbo_payment["CurrencyRef"]["value"], qbo_payment["ExchangeRate"]), ("EUR", 2.5))
        self.assertEqual(
            money(qbo_payment["TotalAmt"] * qbo_payment["ExchangeRate"]), money(payment.amount_company_currency_signed)
        )
        self.assert_same_balances(invoice)

    def test_a_bank_statement_line_matched_with_an_invoice_is_a_payment(self):
        invoice = self.pushed(100.0)
        line = self.run_jobs(
            self.env["account.bank.statement.line"].create,
            {
                "journal_id": self.company_data["default_journal_bank"].id,
                "partner_id": self.partner_a.id,
                "amount": 100.0,
                "date": fields.Date.today(),
                "payment_ref": invoice.name,
            },
        )
        _liquidity, suspense, _other = line._seek_for_lines()
        suspense.account_id = self.receivable(invoice).account_id
        self.run_jobs((suspense + self.receivable(invoice)).reconcile)
        self.assertEqual(invoice.payment_state, "paid")
        qbo_payment = self.qbo_payment_of(line)
        self.assertEqual((qbo_payment["TotalAmt"], self.lines_of(qbo_payment)), (100, [("Invoice", money(100))]))
        self.assert_same_balances(invoice)
        self.run_jobs(line.action_undo_reconciliation)
        self.assertEqual(self.sync_record(line).qbo_state, "deleted")
        self.assert_same_balances(invoice)

    def test_a_payment_without_journal_entry_is_pushed_when_registered(self):
        # Journals without an outstanding account (the Accounting app): the payment has no entry until
        # the bank statement is matched.  Simulated as Odoo's own tests do.
        invoice = self.pushed(100.0)
        journal = self.company_data["default_journal_bank"].copy({"name": "Bank without outstanding account"})
        journal.inbound_payment_method_line_ids.payment_account_id = False
        self.map_account(journal.default_account_id, "Checking")
        with patch.object(type(self.env["account.move"]), "_get_invoice_in_payment_state", lambda self: "in_payment"):
            payment = self.register(invoice, 100.0, journal_id=journal.id)
            self.assertFalse(payment.move_id)
            qbo_payment = self.qbo_payment_of(payment)
            self.assertEqual(self.lines_of(qbo_payment), [("Invoice", money(100))])
            self.assertEqual(self.qbo_doc(invoice)["Balance"], 0)

    def test_a_payment_from_a_journal_not_mapped_to_a_bank_account_is_refused_with_the_reason(self):
        invoice = self.pushed(100.0)
        journal = self.env["account.journal"].create(
            {"name": "Petty cash", "code": "PTY", "type": "bank", "company_id": self.company.id}
        )
        payment = self.register(invoice, 100.0, journal_id=journal.id)
        row = self.sync_record(payment)
        self.assertEqual((row.state, row.failure_kind), ("failed", "mapping"))
        self.assertIn("Petty cash", row.last_error)
        self.assertIn("Undeposited Funds", row.last_error)
        self.assertEqual(self.qbo_all("Payment"), [])
        # Mapped, Retry sends it.
        self.map_account(journal.default_account_id, "Checking")
        self.run_jobs(row.action_retry)
        self.assertEqual(self.lines_of(self.qbo_payment_of(payment)), [("Invoice", money(100))])

    def test_cancelling_an_invoice_removes_its_payment_in_quickbooks_first(self):
        invoice = self.pushed(100.0)
        payment = self.register(invoice, 100.0)
        self.run_jobs(invoice.button_draft)
        self.run_jobs(invoice.button_cancel)
        self.assertEqual(self.sync_record(invoice).qbo_state, "voided")
        self.assertEqual(self.qbo_payment_of(payment)["UnappliedAmt"], 100)


@tagged("post_install", "-at_install")
class TestSettlementsFromQuickBooks(SettlementCase):
    def record_in_qbo(self, lines, total, customer=None, **extra):
        """The CPA receives a payment in QuickBooks."""
        first = lines[0][0]
        customer = customer or self.qbo_doc(first)["CustomerRef"]
        return self.emulator.api(
            self.token,
            "POST",
            "payment",
            json={
                "CustomerRef": customer,
                "TotalAmt": total,
                **extra,
                "Line": [
                    {
                        "Amount": amount,
                        "LinkedTxn": [
                            {"TxnId": self.sync_record(move).qbo_id, "TxnType": self.sync_record(move).qbo_entity}
                        ],
                    }
                    for move, amount in lines
                ],
            },
        )["Payment"]

    def pull(self, qbo_id, operation="create"):
        with trap_jobs() as trap:
            result = self.Pull._process_change(self.backend, "Payment", qbo_id, operation)
            trap.assert_jobs_count(0)  # nothing pulled is pushed back
        return result

    def test_a_credit_memo_applied_in_quickbooks_reconciles_the_credit_note_with_no_bank_movement(self):
        invoice, credit_note = self.pushed(100.0), self.pushed(40.0, move_type="out_refund")
        payment = self.record_in_qbo([(invoice, 40.0), (credit_note, 40.0)], 0)
        self.pull(payment["Id"])
        self.assertEqual(money(invoice.amount_residual), money(60))
        self.assertEqual(credit_note.payment_state, "paid")
        self.assertFalse(invoice._get_reconciled_payments(), "no cash was received")
        self.assert_same_balances(invoice, credit_note)

    def test_an_unapplied_amount_becomes_the_customer_outstanding_credit(self):
        invoice = self.pushed(100.0)
        payment = self.record_in_qbo([(invoice, 100.0)], 130.0)
        self.pull(payment["Id"])
        self.assertEqual(invoice.payment_state, "paid")
        odoo_payment = invoice._get_reconciled_payments()
        self.assertEqual(money(self.receivable(odoo_payment).amount_residual), money(-30))
        self.assert_same_balances(invoice)

    def test_a_foreign_currency_payment_uses_its_own_exchange_rate(self):
        eur = self.setup_other_currency("EUR", rates=[("2016-01-01", 0.5)])
        invoice = self.pushed(100.0, currency_id=eur.id, invoice_date="2016-06-01")
        payment = self.record_in_qbo([(invoice, 100.0)], 100.0, CurrencyRef={"value": "EUR"}, ExchangeRate=2.2)
        self.pull(payment["Id"])
        odoo_payment = invoice._get_reconciled_payments()
        self.assertEqual(money(odoo_payment.amount_company_currency_signed), money(220))
        self.assertEqual(invoice.payment_state, "paid")
        exchange = self.receivable(invoice).matched_credit_ids.exchange_move_id
        gain_account = self.company.income_currency_exchange_account_id
        gain = -sum(exchange.line_ids.filtered(lambda line: line.account_id == gain_account).mapped("balance"))
        self.assertEqual(money(gain), money(20), "a 20 gain: 100 EUR booked at 2.0, received at 2.2")
        self.assert_same_balances(invoice)
        # The month's FX comparison finds the same realized gain on both sides.
        today = fields.Date.today()
        start = today.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        odoo_fx = figures.odoo_fx_balance(self.env, self.company, self.backend._fx_accounts(), start, end)
        qbo_fx, source, notes = figures.qbo_fx_balance(self.backend._qbo_client(), (), start, end)
        self.assertEqual((money(odoo_fx), money(qbo_fx), source), (money(-20), money(-20), "report"), notes)

    def test_an_edited_then_deleted_payment_is_redone_then_undone(self):
        invoice, other = self.pushed(100.0), self.pushed(80.0)
        payment = self.record_in_qbo([(invoice, 100.0)], 100.0)
        self.pull(payment["Id"])
        self.emulator.api(
            self.token,
            "POST",
            "payment",
            json={
                "Id": payment["Id"],
                "SyncToken": self.qbo("Payment", payment["Id"])["SyncToken"],
                "sparse": True,
                "TotalAmt": 110,
                "Line": [
                    {"Amount": 60, "LinkedTxn": [{"TxnId": self.sync_record(invoice).qbo_id, "TxnType": "Invoice"}]},
                    {"Amount": 50, "LinkedTxn": [{"TxnId": self.sync_record(other).qbo_id, "TxnType": "Invoice"}]},
                ],
            },
        )
        self.pull(payment["Id"], "update")
        self.assertEqual((money(invoice.amount_residual), money(other.amount_residual)), (money(40), money(30)))
        self.assertEqual(
            len(
                self.env["account.payment"].search(
                    [("state", "!=", "canceled"), ("partner_id", "=", self.partner_a.id)]
                )
            ),
            1,
        )
        self.assert_same_balances(invoice, other)
        current = self.qbo("Payment", payment["Id"])
        self.emulator.api(
            self.token,
            "POST",
            "payment",
            params={"operation": "delete"},
            json={"Id": payment["Id"], "SyncToken": current["SyncToken"]},
        )
        self.pull(payment["Id"], "delete")
        self.assertEqual((invoice.payment_state, other.payment_state), ("not_paid", "not_paid"))

    def test_a_quickbooks_application_undone_in_odoo_is_flagged_and_a_retry_applies_it_again(self):
        invoice = self.pushed(100.0)
        payment = self.record_in_qbo([(invoice, 100.0)], 100.0)
        self.pull(payment["Id"])
        partial = self.receivable(invoice).matched_credit_ids
        self.run_jobs(invoice.js_remove_outstanding_partial, partial.id)
        row = self.env["quickbooks.sync.state"]._binding_for_qbo(self.backend, "Payment", payment["Id"])
        self.assertTrue(row.drift_detected)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.run_jobs(row.action_retry)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertFalse(row.drift_detected)
        self.assert_same_balances(invoice)

    def test_an_odoo_payment_edited_in_quickbooks_is_flagged_as_drift(self):
        invoice = self.pushed(100.0)
        payment = self.register(invoice, 100.0)
        qbo_payment = self.qbo_payment_of(payment)
        self.emulator.api(
            self.token,
            "POST",
            "payment",
            json={"Id": qbo_payment["Id"], "SyncToken": qbo_payment["SyncToken"], "sparse": True, "TotalAmt": 150},
        )
        note = self.Pull._process_change(self.backend, "Payment", qbo_payment["Id"], "update")
        self.assertIn("TotalAmt", note)
        self.assertTrue(self.sync_record(payment).drift_detected)


@tagged("post_install", "-at_install")
class TestSettlementReconciliation(SettlementCase):
    """The nightly comparison sees unapplied payments and every customer's balance."""

    def reconcile(self):
        return self.env["quickbooks.reconciliation"]._run_for_backend(self.backend, with_fx=False)

    def test_unapplied_payments_and_customer_balances_agree_after_settlements(self):
        first, second = self.pushed(100.0), self.pushed(50.0)
        self.register(first, 120.0)  # 20 left as the customer's credit
        run = self.reconcile()
        self.assertEqual((run.odoo_unapplied, run.qbo_unapplied), (20.0, 20.0), run.notes)
        self.assertEqual((run.customer_mismatch_count, run.state), (0, "match"), run.notes)
        # A payment the CPA records in QuickBooks without applying it, not (yet) in Odoo: the customer's
        # balance and the unapplied total drift, and the run names the customer.
        customer = self.qbo_doc(second)["CustomerRef"]
        self.emulator.api(self.token, "POST", "payment", json={"CustomerRef": customer, "TotalAmt": 30})
        run = self.reconcile()
        self.assertEqual((run.qbo_unapplied, run.state), (50.0, "drift"))
        self.assertEqual(run.customer_mismatch_count, 1)
        line = run.line_ids.filtered(lambda line: line.kind == "customer")
        self.assertEqual((line.partner_id, line.odoo_amount, line.qbo_amount), (self.partner_a, 30.0, 0.0))

    def test_exchange_gain_or_loss_is_found_without_account_numbers(self):
        self.emulator.call("POST", "settings", {"account_numbers": False})
        self.backend._refresh_company_facts()
        accounts, notes = figures.qbo_fx_accounts(self.backend._qbo_client(), ())
        self.assertEqual([account["Name"] for account in accounts], ["Exchange Gain or Loss"], notes)
        self.assertFalse(any(account.get("AcctNum") for account in accounts))
