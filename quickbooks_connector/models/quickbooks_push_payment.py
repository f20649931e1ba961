"""Push account.payment (customer receipts registered in Odoo) → QBO Payment linked to the invoices."""

from decimal import Decimal

from odoo import _, api, models
from odoo.addons.queue_job.exception import RetryableJobError

from ..qbo.payloads import PaymentApplication, PaymentData, Ref, build_payment
from ..qbo.redact import get_logger

_logger = get_logger(__name__)


class QuickbooksPush(models.AbstractModel):
    _inherit = "quickbooks.push"

    def _payment_applications(self, backend, payment):
        """(QBO invoice id, amount in the invoice currency) for each synced invoice the payment settles."""
        Ledger = self.env["quickbooks.sync.state"].sudo()
        amounts = {}
        waiting = []
        for line in payment.move_id.line_ids.filtered(lambda aml: aml.account_id.account_type == "asset_receivable"):
            for partial in line.matched_debit_ids:
                invoice = partial.debit_move_id.move_id
                if invoice.move_type != "out_invoice":
                    continue
                row = Ledger.search([("backend_id", "=", backend.id), ("res_model", "=", "account.move"),
                                     ("res_id", "=", invoice.id)], limit=1)
                if not row.qbo_id:
                    waiting.append(invoice.name)
                    continue
                amounts[row.qbo_id] = amounts.get(row.qbo_id, Decimal(0)) + Decimal(str(partial.debit_amount_currency))
        return amounts, waiting

    @api.model
    def _push_payment(self, backend, payment, client=None):
        Ledger = self.env["quickbooks.sync.state"]
        row = Ledger._binding_for(backend, payment, "Payment")
        if row.origin == "qbo":
            return row  # it came from QuickBooks: never pushed back
        if row.qbo_id and row.qbo_state == "active":
            return row
        if payment.state not in ("in_process", "paid"):
            return row
        amounts, waiting = self._payment_applications(backend, payment)
        if waiting:
            raise RetryableJobError(_("Waiting for invoice(s) %s to reach QuickBooks first.", ", ".join(waiting)),
                                    seconds=120)
        if not amounts:
            row._mark_skipped(_("Not reconciled with an invoice synced to QuickBooks."))
            return row
        client = client or backend._qbo_client()
        customer = self._push_customer(backend, payment.partner_id, payment.currency_id, client)
        deposit = self.env["quickbooks.account.mapping"].sudo().search([
            ("backend_id", "=", backend.id), ("account_id", "=", payment.journal_id.default_account_id.id),
            ("qbo_account_id", "!=", False)], limit=1)
        rate = None
        if payment.currency_id != payment.company_id.currency_id and payment.amount:
            rate = (Decimal(str(abs(payment.amount_company_currency_signed))) / Decimal(str(payment.amount))
                    ).quantize(Decimal("0.000001"))
        body = build_payment(PaymentData(
            customer=Ref(customer.qbo_id), total_amount=Decimal(str(payment.amount)),
            applications=[PaymentApplication(qbo_id, amount) for qbo_id, amount in amounts.items()],
            txn_date=payment.date, currency_code=payment.currency_id.name, exchange_rate=rate,
            deposit_account=Ref(deposit.qbo_account_id.qbo_id) if deposit else None,
            reference=payment.name, private_note=_("From Odoo: %s", payment.name),
        ))
        request_id = self._request_id("Payment", payment.id, "create", payment.quickbooks_post_version)
        created = client.create("Payment", body, request_id=request_id)
        row._mark_done(created, body, last_request_id=request_id, qbo_state="active", origin="odoo",
                       attempts=row.attempts + 1)
        for invoice in payment.reconciled_invoice_ids:
            invoice.message_post(body=_("Payment %(payment)s sent to QuickBooks (payment %(id)s).",
                                        payment=payment.name, id=created["Id"]))
        return row

    @api.model
    def _void_payment(self, backend, payment, client=None):
        row = self.env["quickbooks.sync.state"]._binding_for(backend, payment, "Payment", create=False)
        if not row or not row.qbo_id or row.origin != "odoo" or row.qbo_state != "active":
            return row
        client = client or backend._qbo_client()
        current = client.get("Payment", row.qbo_id)
        request_id = self._request_id("Payment", payment.id, "void", current["SyncToken"])
        voided = client.void("Payment", row.qbo_id, current["SyncToken"], request_id=request_id)
        row._mark_done(voided, row.synced_values, qbo_state="voided", last_request_id=request_id)
        payment.message_post(body=_("Voided in QuickBooks."))
        return row
