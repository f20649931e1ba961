"""Payables: vendors, vendor bills, refunds and bill payments agree in Odoo and QuickBooks, both ways."""

from odoo import fields
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import HttpCase, tagged

from .test_settlements import SettlementCase, money
from .test_webhook_inbox import InboxMixin


class PayablesCase(SettlementCase):
    """A connection to a UK QuickBooks company (input tax on bills) that syncs bills, its purchase tax
    mapped, and helpers for both sides' payables."""

    #: QuickBooks' country: outside the US bills carry purchase tax.
    country = "GB"

    def prepare_quickbooks(self):  # pylint: disable=missing-return  # a set-up step: returns nothing
        super().prepare_quickbooks()
        self.assertTrue(self.backend.sync_bills, "new connections sync bills")
        self.emulator.call("POST", "settings", {"country": self.country})
        self.backend._refresh_company_facts()
        if self.country != "US":
            self.backend.qbo_exempt_tax_code_id = self.env["quickbooks.qbo.tax.code"].search(
                [("backend_id", "=", self.backend.id), ("name", "=", "Exempt")]
            )
        self.map_tax(self.tax_purchase_a, "Standard 15%")
        self.expense = self.company_data["default_account_expense"]
        self.vendor = self.env["res.partner"].create({"name": "Acme Supplies", "is_company": True})

    def bill(self, price=100.0, move_type="in_invoice", taxes=None, partner=None, **kwargs):
        return self.invoice(
            price=price,
            move_type=move_type,
            taxes=self.env["account.tax"] if taxes is None else taxes,
            partner=partner or self.vendor,
            **kwargs,
        )

    def pushed_bill(self, price=100.0, **kwargs):
        move = self.bill(price, **kwargs)
        row = self.post_and_push(move)
        self.assertEqual(row.state, "done", row.last_error)
        return move

    def payable(self, record):
        move = record.move_id if record._name != "account.move" else record
        return move.line_ids.filtered(lambda line: line.account_id.account_type == "liability_payable")

    def qbo_bill_payment_of(self, source, key=""):
        row = self.sync_record(source, key=key)
        self.assertEqual((row.qbo_entity, row.state, row.qbo_state), ("BillPayment", "done", "active"), row.last_error)
        return self.qbo("BillPayment", row.qbo_id)

    def vendor_row(self, partner, key="vendor"):
        return self.sync_record(partner, key=key)

    def assert_same_payables(self, *moves):
        """Each bill's (refund's) open amount, and its vendor's balance, are equal on both sides."""
        moves = self.env["account.move"].union(*moves)
        for move in moves:
            document = self.qbo_doc(move)
            self.assertEqual(money(move.amount_residual), money(document["Balance"]), move.name)
        for partner in moves.commercial_partner_id:
            for currency in moves.filtered(lambda m, p=partner: m.commercial_partner_id == p).currency_id:
                key = "vendor" if currency == self.company.currency_id else f"vendor:{currency.name}"
                lines = self.env["account.move.line"].search(
                    [
                        ("partner_id", "=", partner.id),
                        ("account_id.account_type", "=", "liability_payable"),
                        ("parent_state", "=", "posted"),
                        ("currency_id", "=", currency.id),
                    ]
                )
                odoo_owed = -money(sum(lines.mapped("amount_residual_currency")))
                vendor = self.qbo("Vendor", self.vendor_row(partner, key).qbo_id)
                self.assertEqual(odoo_owed, money(vendor["Balance"]), f"{partner.name} {currency.name}")


@tagged("post_install", "-at_install")
class TestBillPush(PayablesCase):
    def test_a_posted_bill_reaches_quickbooks_with_its_lines_taxes_and_total(self):
        bill = self.bill(200.0, taxes=self.tax_purchase_a, ref="INV-7781")
        row = self.post_and_push(bill)
        self.assertEqual((row.qbo_entity, row.state), ("Bill", "done"), row.last_error)
        qbo_bill = self.qbo("Bill", row.qbo_id)
        office = self.env["quickbooks.qbo.account"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", "Office Expenses")]
        )
        [line] = qbo_bill["Line"]
        # The product's Item (products as Items), which QuickBooks books on its expense account: the one the
        # line's account is mapped to.
        self.assertEqual(line["DetailType"], "ItemBasedExpenseLineDetail")
        item = self.qbo("Item", line["ItemBasedExpenseLineDetail"]["ItemRef"]["value"])
        self.assertEqual(item["ExpenseAccountRef"]["value"], office.qbo_id)
        self.assertEqual((qbo_bill["DocNumber"], money(line["Amount"])), ("INV-7781", money(200)))
        self.assertEqual(
            (money(qbo_bill["TxnTaxDetail"]["TotalTax"]), money(qbo_bill["TotalAmt"])),
            (money(bill.amount_tax), money(bill.amount_total)),
        )
        # Input tax on the code's purchase rate, not its sales rate.
        code = self.env["quickbooks.qbo.tax.code"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", "Standard 15%")]
        )
        [tax_line] = qbo_bill["TxnTaxDetail"]["TaxLine"]
        self.assertEqual(tax_line["TaxLineDetail"]["TaxRateRef"]["value"], code.purchase_rate_details[0]["id"])
        self.assertNotEqual(code.purchase_rate_details[0]["id"], code.rate_details[0]["id"])
        ap = self.env["quickbooks.qbo.account"].search(
            [("backend_id", "=", self.backend.id), ("account_type", "=", "Accounts Payable")]
        )
        self.assertEqual(qbo_bill["APAccountRef"]["value"], ap.qbo_id)
        self.assertEqual(qbo_bill["DueDate"], str(bill.invoice_date_due))
        vendor = self.qbo("Vendor", qbo_bill["VendorRef"]["value"])
        self.assertEqual(vendor["DisplayName"], "Acme Supplies")
        self.assertEqual(money(vendor["Balance"]), money(bill.amount_total))
        self.assertIn("Sent to QuickBooks", self.chatter(bill))

    def test_a_tax_included_bill_agrees_to_the_cent(self):
        included = self.env["account.tax"].create(
            {
                "name": "15% incl. (purchases)",
                "amount": 15,
                "type_tax_use": "purchase",
                "price_include_override": "tax_included",
                "company_id": self.company.id,
            }
        )
        self.map_tax(included, "Standard 15%")
        bill = self.bill(100.0, taxes=included)
        row = self.post_and_push(bill)
        self.assertEqual(row.state, "done", row.last_error)
        qbo_bill = self.qbo("Bill", row.qbo_id)
        self.assertEqual(qbo_bill["GlobalTaxCalculation"], "TaxInclusive")
        self.assertEqual(
            (money(qbo_bill["TotalAmt"]), money(qbo_bill["TxnTaxDetail"]["TotalTax"])),
            (money(100), money(bill.amount_tax)),
        )
        self.assertEqual(money(qbo_bill["Line"][0]["Amount"]), money(bill.amount_untaxed))

    def test_a_foreign_currency_bill_carries_the_rate_of_its_home_total(self):
        eur = self.setup_other_currency("EUR", rates=[("2016-01-01", 0.5)])
        bill = self.bill(100.0, currency_id=eur.id, invoice_date="2016-06-01")
        row = self.post_and_push(bill)
        self.assertEqual(row.state, "done", row.last_error)
        qbo_bill = self.qbo("Bill", row.qbo_id)
        self.assertEqual((qbo_bill["CurrencyRef"]["value"], money(qbo_bill["ExchangeRate"])), ("EUR", money(2)))
        self.assertEqual(money(qbo_bill["HomeTotalAmt"]), money(-bill.amount_total_signed))
        self.assertEqual(self.vendor_row(self.vendor, "vendor:EUR").qbo_entity, "Vendor")

    def test_reset_to_draft_and_reposted_updates_the_same_bill(self):
        bill = self.pushed_bill(100.0)
        qbo_id = self.sync_record(bill).qbo_id
        bill.button_draft()
        bill.invoice_line_ids.price_unit = 150.0
        self.post_and_push(bill)
        self.assertEqual(self.sync_record(bill).qbo_id, qbo_id)
        self.assertEqual(money(self.qbo("Bill", qbo_id)["TotalAmt"]), money(150))
        self.assertEqual(len(self.qbo_all("Bill")), 1)

    def test_a_refund_reset_and_reposted_updates_its_vendor_credit(self):
        refund = self.pushed_bill(40.0, move_type="in_refund")
        row = self.sync_record(refund)
        refund.button_draft()
        refund.invoice_line_ids.price_unit = 55.0
        self.post_and_push(refund)
        row.invalidate_recordset()
        self.assertEqual(
            (row.state, money(self.qbo("VendorCredit", row.qbo_id)["TotalAmt"])), ("done", money(55)), row.last_error
        )
        self.assertEqual(len(self.qbo_all("VendorCredit")), 1)

    def test_a_cancelled_bill_is_deleted_in_quickbooks(self):
        bill = self.pushed_bill(100.0)
        row = self.sync_record(bill)
        bill.button_draft()
        self.run_jobs(bill.button_cancel)
        row.invalidate_recordset()
        self.assertEqual(row.qbo_state, "deleted")
        self.assertFalse(self.qbo_all("Bill"))
        self.assertIn("Deleted in QuickBooks", self.chatter(bill))

    def test_a_partner_both_customer_and_vendor_gets_two_quickbooks_names(self):
        invoice = self.pushed(100.0, partner=self.vendor)
        bill = self.pushed_bill(60.0)
        customer = self.qbo("Customer", self.sync_record(self.vendor).qbo_id)
        vendor = self.qbo("Vendor", self.vendor_row(self.vendor).qbo_id)
        self.assertEqual(customer["DisplayName"], "Acme Supplies")
        self.assertEqual(vendor["DisplayName"], "Acme Supplies [Vendor]")
        self.assertEqual(self.qbo_doc(bill)["VendorRef"]["value"], vendor["Id"])
        self.assertEqual(self.qbo_doc(invoice)["CustomerRef"]["value"], customer["Id"])
        # A rename reaches both, each keeping its own form of the name.
        self.run_jobs(self.vendor.write, {"name": "Acme Trading"})
        self.assertEqual(self.qbo("Vendor", vendor["Id"])["DisplayName"], "Acme Trading [Vendor]")
        self.assertEqual(self.qbo("Customer", customer["Id"])["DisplayName"], "Acme Trading")

    def test_an_existing_vendor_of_the_same_name_is_adopted(self):
        existing = self.emulator.call("POST", "entities/Vendor", {"DisplayName": "Acme Supplies"})
        bill = self.pushed_bill(100.0)
        self.assertEqual(self.qbo_doc(bill)["VendorRef"]["value"], existing["Id"])
        self.assertEqual(
            [v["Id"] for v in self.qbo_all("Vendor") if v["DisplayName"] == "Acme Supplies"], [existing["Id"]]
        )

    def test_an_unmapped_expense_account_waits_for_its_mapping(self):
        other = self.expense.copy({"code": "619900", "name": "Subscriptions"})
        bill = self.bill(100.0, account_id=other.id)
        row = self.post_and_push(bill)
        self.assertEqual((row.state, row.failure_kind), ("failed", "mapping"))
        self.assertIn("Subscriptions", row.last_error)
        with trap_jobs() as trap:
            self.map_account(other, "Office Expenses")
            self.backend._retry_mapping_failures()  # what saving the mapping wizard does
            self.drain(trap)
        row.invalidate_recordset()
        self.assertEqual(row.state, "done", row.last_error)

    def test_the_switch_keeps_bills_out_of_quickbooks(self):
        self.backend.sync_bills = False
        bill = self.bill(100.0)
        with trap_jobs() as trap:
            bill.action_post()
            trap.assert_jobs_count(0)
        self.assertFalse(self.sync_record(bill))
        self.assertFalse(self.qbo_all("Bill"))

    def test_a_bill_edited_in_quickbooks_is_flagged_as_drift(self):
        bill = self.pushed_bill(100.0)
        current = self.qbo_doc(bill)
        self.emulator.api(
            self.token,
            "POST",
            "bill",
            json={"Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True, "DocNumber": "CHANGED"},
        )
        note = self.Pull._process_change(self.backend, "Bill", current["Id"], "update")
        self.assertIn("DocNumber", note)
        self.assertTrue(self.sync_record(bill).drift_detected)

    def test_bulk_push_sends_bills_too(self):
        bills = self.bill(10.0) | self.bill(20.0)
        with trap_jobs():
            bills.action_post()  # their jobs never ran (a worker was down, say)
        wizard = self.env["quickbooks.bulk.push.wizard"].create({"backend_id": self.backend.id})
        self.assertEqual(wizard.move_count, 2)
        self.run_jobs(wizard.action_push)
        self.assertEqual(sorted(money(b["TotalAmt"]) for b in self.qbo_all("Bill")), [money(10), money(20)])


@tagged("post_install", "-at_install")
class TestBillPushUS(PayablesCase):
    """QuickBooks' US editions keep no tax on purchases."""

    country = "US"

    def test_a_us_bill_carries_its_tax_as_an_expense_line_on_the_tax_account(self):
        bill = self.bill(200.0, taxes=self.tax_purchase_a)
        tax_account = bill.line_ids.filtered(lambda line: line.display_type == "tax").account_id
        # The mapping wizard lists the account of US purchase taxes and leaves it to the user, who maps it
        # to the expense account that carries the tax (a US QuickBooks company keeps no purchase tax).
        wizard = self.env["quickbooks.account.mapping.wizard"]._prepare_for_backend(self.backend)
        line = wizard.line_ids.filtered(lambda line: line.account_id == tax_account)
        self.assertEqual(
            (line.proposed_qbo_account_id, line.proposal_certain), (self.env["quickbooks.qbo.account"], False)
        )
        self.assertIn("expense", line.proposal_note)
        self.map_account(tax_account, "Office Expenses")
        mapping = self.env["quickbooks.account.mapping"].search(
            [("backend_id", "=", self.backend.id), ("account_id", "=", tax_account.id)]
        )
        self.assertEqual(mapping.state, "mapped")
        row = self.post_and_push(bill)
        self.assertEqual(row.state, "done", row.last_error)
        qbo_bill = self.qbo("Bill", row.qbo_id)
        self.assertFalse(qbo_bill.get("TxnTaxDetail", {}).get("TaxLine"))
        by_account = {  # the tax's line (the product's is on its Item)
            line["AccountBasedExpenseLineDetail"]["AccountRef"]["value"]: money(line["Amount"])
            for line in qbo_bill["Line"]
            if line["DetailType"] == "AccountBasedExpenseLineDetail"
        }
        self.assertEqual(by_account.get(mapping.qbo_account_id.qbo_id), money(bill.amount_tax))
        self.assertEqual(money(qbo_bill["TotalAmt"]), money(bill.amount_total))
        # Unmapped, the bill waits for its mapping and says which account it needs.
        mapping.unlink()
        bill_two = self.bill(50.0, taxes=self.tax_purchase_a)
        row = self.post_and_push(bill_two)
        self.assertEqual((row.state, row.failure_kind), ("failed", "mapping"))
        self.assertIn(tax_account.name, row.last_error)


@tagged("post_install", "-at_install")
class TestBillPaymentsFromOdoo(PayablesCase):
    def pay(self, bills, amount=None, journal=None, **values):
        if journal:
            values["journal_id"] = journal.id
        return self.register(bills, amount, **values)

    def test_a_vendor_payment_becomes_a_check_bill_payment_from_the_mapped_bank(self):
        bill = self.pushed_bill(100.0)
        payment = self.pay(bill)
        self.assertEqual(bill.payment_state, "paid")
        qbo_payment = self.qbo_bill_payment_of(payment)
        self.assertEqual((qbo_payment["PayType"], money(qbo_payment["TotalAmt"])), ("Check", money(100)))
        bank = self.env["quickbooks.account.mapping"].search(
            [("backend_id", "=", self.backend.id), ("account_id", "=", payment.journal_id.default_account_id.id)]
        )
        self.assertEqual(qbo_payment["CheckPayment"]["BankAccountRef"]["value"], bank.qbo_account_id.qbo_id)
        self.assertEqual(self.lines_of(qbo_payment), [("Bill", money(100))])
        self.assert_same_payables(bill)

    def test_partial_payments_and_several_bills_in_one_payment(self):
        first, second = self.pushed_bill(100.0), self.pushed_bill(50.0)
        self.pay(first, 40.0)
        self.assert_same_payables(first)
        payment = self.pay(first | second, group_payment=True)
        self.assertEqual((first.payment_state, second.payment_state), ("paid", "paid"))
        self.assertEqual(self.lines_of(self.qbo_bill_payment_of(payment)), [("Bill", money(50)), ("Bill", money(60))])
        self.assert_same_payables(first, second)

    def test_a_vendor_refund_becomes_a_vendor_credit_and_its_application_a_zero_bill_payment(self):
        bill = self.pushed_bill(100.0)
        refund = self.pushed_bill(30.0, move_type="in_refund")
        self.assertEqual(self.sync_record(refund).qbo_entity, "VendorCredit")
        self.assertEqual(money(self.qbo_doc(refund)["TotalAmt"]), money(30))
        self.run_jobs(bill.js_assign_outstanding_line, self.payable(refund).id)
        application = self.qbo_bill_payment_of(refund, key="application")
        self.assertEqual(money(application["TotalAmt"]), money(0))
        self.assertEqual(self.lines_of(application), [("Bill", money(30)), ("VendorCredit", money(30))])
        self.assert_same_payables(bill, refund)
        # Unreconciled in Odoo: the application goes in QuickBooks too.
        partial = self.payable(bill).matched_debit_ids
        self.run_jobs(bill.js_remove_outstanding_partial, partial.id)
        self.assertEqual(self.sync_record(refund, key="application").qbo_state, "deleted")
        self.assert_same_payables(bill, refund)

    def test_a_cancelled_payment_is_removed_and_the_bill_open_again(self):
        bill = self.pushed_bill(100.0)
        payment = self.pay(bill)
        self.run_jobs(payment.action_draft)
        self.run_jobs(payment.action_cancel)
        self.assertEqual(self.sync_record(payment).qbo_state, "deleted")
        self.assertEqual(bill.payment_state, "not_paid")
        self.assert_same_payables(bill)

    def test_a_payment_by_credit_card_is_a_credit_card_bill_payment(self):
        card_account = self.env["account.account"].create(
            {"code": "205000", "name": "Company Mastercard", "account_type": "liability_credit_card"}
        )
        self.map_account(card_account, "Mastercard")
        card = self.env["account.journal"].create(
            {"name": "Mastercard", "code": "MC", "type": "credit", "default_account_id": card_account.id}
        )
        outstanding = self.company_data["default_journal_bank"].outbound_payment_method_line_ids[:1].payment_account_id
        card.outbound_payment_method_line_ids.payment_account_id = outstanding
        bill = self.pushed_bill(100.0)
        payment = self.pay(bill, journal=card)
        qbo_payment = self.qbo_bill_payment_of(payment)
        mastercard = self.env["quickbooks.qbo.account"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", "Mastercard")]
        )
        self.assertEqual(
            (qbo_payment["PayType"], qbo_payment["CreditCardPayment"]["CCAccountRef"]["value"]),
            ("CreditCard", mastercard.qbo_id),
        )
        self.assert_same_payables(bill)

    def test_a_write_off_becomes_a_vendor_credit_applied_with_the_cash(self):
        income = self.company_data["default_account_revenue"]
        bill = self.pushed_bill(100.0)
        payment = self.pay(
            bill,
            97.0,
            payment_difference_handling="reconcile",
            writeoff_account_id=income.id,
            writeoff_label="Rounding with the vendor",
        )
        self.assertEqual(bill.payment_state, "paid")
        qbo_payment = self.qbo_bill_payment_of(payment)
        self.assertEqual(money(qbo_payment["TotalAmt"]), money(97))
        self.assertEqual(self.lines_of(qbo_payment), [("Bill", money(100)), ("VendorCredit", money(3))])
        credit = self.qbo("VendorCredit", self.sync_record(payment, key="writeoff").qbo_id)
        sales = self.env["quickbooks.account.mapping"].search(
            [("backend_id", "=", self.backend.id), ("account_id", "=", income.id)]
        )
        self.assertEqual(
            credit["Line"][0]["AccountBasedExpenseLineDetail"]["AccountRef"]["value"], sales.qbo_account_id.qbo_id
        )
        self.assert_same_payables(bill)

    def test_a_bank_statement_line_paying_a_bill(self):
        bill = self.pushed_bill(80.0)
        line = self.run_jobs(
            self.env["account.bank.statement.line"].create,
            {
                "journal_id": self.company_data["default_journal_bank"].id,
                "partner_id": self.vendor.id,
                "amount": -80.0,
                "date": fields.Date.today(),
                "payment_ref": "Vendor transfer",
            },
        )
        _liquidity, suspense, _other = line._seek_for_lines()
        suspense.account_id = self.payable(bill).account_id
        self.run_jobs((suspense + self.payable(bill)).reconcile)
        self.assertEqual(bill.payment_state, "paid")
        qbo_payment = self.qbo_bill_payment_of(line)
        self.assertEqual(self.lines_of(qbo_payment), [("Bill", money(80))])
        self.assert_same_payables(bill)


@tagged("post_install", "-at_install")
class TestBillPaymentsFromQuickBooks(PayablesCase):
    def record_in_qbo(self, lines, total, **extra):
        """The CPA pays bills in QuickBooks ("Pay bills", by check from Checking)."""
        checking = self.env["quickbooks.qbo.account"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", "Checking")]
        )
        first = lines[0][0]
        body = {
            "VendorRef": self.qbo_doc(first)["VendorRef"],
            "TotalAmt": total,
            "PayType": "Check",
            "CheckPayment": {"BankAccountRef": {"value": checking.qbo_id}},
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
        }
        return self.emulator.api(self.token, "POST", "billpayment", json=body)["BillPayment"]

    def pull(self, qbo_id, operation="create"):
        with trap_jobs() as trap:
            result = self.Pull._process_change(self.backend, "BillPayment", qbo_id, operation)
            trap.assert_jobs_count(0)  # nothing pulled is pushed back
        return result

    def test_a_bill_payment_recorded_in_quickbooks_pays_the_bill_in_odoo(self):
        bill = self.pushed_bill(100.0)
        qbo_payment = self.record_in_qbo([(bill, 100.0)], 100.0)
        self.pull(qbo_payment["Id"])
        self.assertEqual(bill.payment_state, "paid")
        odoo_payment = bill._get_reconciled_payments()
        self.assertEqual((odoo_payment.payment_type, odoo_payment.partner_type), ("outbound", "supplier"))
        row = self.env["quickbooks.sync.state"]._binding_for_qbo(self.backend, "BillPayment", qbo_payment["Id"])
        self.assertEqual((row.origin, row.res_model), ("qbo", "account.payment"))
        self.assert_same_payables(bill)

    def test_a_vendor_credit_applied_in_quickbooks_reconciles_the_refund(self):
        bill = self.pushed_bill(100.0)
        refund = self.pushed_bill(40.0, move_type="in_refund")
        qbo_payment = self.record_in_qbo([(bill, 100.0), (refund, 40.0)], 60.0)
        self.pull(qbo_payment["Id"])
        self.assertEqual((bill.payment_state, refund.payment_state), ("paid", "paid"))
        self.assertEqual(money(bill._get_reconciled_payments().amount), money(60))
        self.assert_same_payables(bill, refund)

    def test_an_edited_then_deleted_bill_payment_is_redone_then_undone(self):
        bill, other = self.pushed_bill(100.0), self.pushed_bill(80.0)
        qbo_payment = self.record_in_qbo([(bill, 100.0)], 100.0)
        self.pull(qbo_payment["Id"])
        current = self.qbo("BillPayment", qbo_payment["Id"])
        self.emulator.api(
            self.token,
            "POST",
            "billpayment",
            json={
                "Id": current["Id"],
                "SyncToken": current["SyncToken"],
                "sparse": True,
                "TotalAmt": 110,
                "Line": [
                    {"Amount": 60, "LinkedTxn": [{"TxnId": self.sync_record(bill).qbo_id, "TxnType": "Bill"}]},
                    {"Amount": 50, "LinkedTxn": [{"TxnId": self.sync_record(other).qbo_id, "TxnType": "Bill"}]},
                ],
            },
        )
        self.pull(qbo_payment["Id"], "update")
        self.assertEqual((money(bill.amount_residual), money(other.amount_residual)), (money(40), money(30)))
        self.assert_same_payables(bill, other)
        current = self.qbo("BillPayment", qbo_payment["Id"])
        self.emulator.api(
            self.token,
            "POST",
            "billpayment",
            params={"operation": "delete"},
            json={"Id": current["Id"], "SyncToken": current["SyncToken"]},
        )
        self.pull(qbo_payment["Id"], "delete")
        self.assertEqual((bill.payment_state, other.payment_state), ("not_paid", "not_paid"))
        self.assert_same_payables(bill, other)

    def test_an_odoo_bill_payment_edited_in_quickbooks_is_flagged_as_drift(self):
        bill = self.pushed_bill(100.0)
        payment = self.register(bill, 100.0)
        qbo_payment = self.qbo_bill_payment_of(payment)
        self.emulator.api(
            self.token,
            "POST",
            "billpayment",
            json={
                "Id": qbo_payment["Id"],
                "SyncToken": qbo_payment["SyncToken"],
                "sparse": True,
                "TxnDate": "2020-01-01",
            },
        )
        note = self.Pull._process_change(self.backend, "BillPayment", qbo_payment["Id"], "update")
        self.assertIn("TxnDate", note)
        self.assertTrue(self.sync_record(payment).drift_detected)

    def test_the_reconciliation_compares_open_bills_and_every_vendor_balance(self):
        bill = self.pushed_bill(100.0)
        self.pushed_bill(70.0, partner=self.partner_a)
        run = self.env["quickbooks.reconciliation"]._run_for_backend(self.backend, with_fx=False)
        self.assertEqual((run.state, run.odoo_open_bill_count, run.qbo_open_bill_count), ("match", 2, 2))
        self.assertEqual((money(run.odoo_payable), money(run.qbo_payable)), (money(170), money(170)))
        # Paid in QuickBooks only (the webhook and the poll both lost): the bill and its vendor differ.
        self.record_in_qbo([(bill, 100.0)], 100.0)
        run = self.env["quickbooks.reconciliation"]._run_for_backend(self.backend, with_fx=False)
        self.assertEqual((run.state, run.vendor_mismatch_count, run.qbo_open_bill_count), ("drift", 1, 1))
        kinds = {(line.kind, line.move_id or line.partner_id) for line in run.line_ids}
        self.assertIn(("vendor", self.vendor), kinds)
        self.assertIn(("amount", bill), kinds)


@tagged("post_install", "-at_install")
class TestBillPaymentWebhook(InboxMixin, PayablesCase, HttpCase):
    """A bill payment recorded in QuickBooks reaches Odoo through a real signed webhook delivery."""

    def test_a_signed_delivery_pays_the_odoo_bill(self):
        bill = self.pushed_bill(100.0)
        self.configure_webhooks()
        checking = self.env["quickbooks.qbo.account"].search(
            [("backend_id", "=", self.backend.id), ("name", "=", "Checking")]
        )
        qbo_payment = self.emulator.api(
            self.token,
            "POST",
            "billpayment",
            json={
                "VendorRef": self.qbo_doc(bill)["VendorRef"],
                "TotalAmt": 100,
                "PayType": "Check",
                "CheckPayment": {"BankAccountRef": {"value": checking.qbo_id}},
                "Line": [{"Amount": 100, "LinkedTxn": [{"TxnId": self.sync_record(bill).qbo_id, "TxnType": "Bill"}]}],
            },
        )["BillPayment"]
        deliveries = self.flush_webhooks()
        self.assertEqual({d["attempts"][-1]["status"] for d in deliveries}, {200}, deliveries)
        [job] = self.jobs("BillPayment", qbo_payment["Id"])
        Job.load(self.env, job.uuid).perform()
        bill.invalidate_recordset()
        self.assertEqual(bill.payment_state, "paid")
        self.assert_same_payables(bill)
