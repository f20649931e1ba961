"""Apply changes made in QuickBooks to Odoo (webhook inbox and change-data-capture feed here).

Webhooks are notifications, not data: every change is read back from QBO before anything is done,
so late, duplicated or out-of-order notifications converge on QBO's current state, and applying
the same state twice changes nothing.

* Payments recorded in QBO register and reconcile Odoo payments on the bound invoices; updated
  ones are adjusted, deleted or voided ones cancelled.  Pulled payments are bound in the ledger
  (origin QuickBooks) and never pushed back; payments Odoo pushed are never pulled back.
* Customers and invoices Odoo owns: a change made in QBO (not by our own push) is drift, flagged
  on the ledger row and the record; the next push of the record restores Odoo's values.  A void
  or delete in QBO of an Odoo invoice is flagged for a manager and never re-created silently.
"""

from odoo import _, api, fields, models
from odoo.addons.queue_job.exception import RetryableJobError

from ..adapters.fingerprint import describe_changes, fingerprint
from ..qbo import NotFoundError
from ..qbo.redact import get_logger

_logger = get_logger(__name__)

WAIT_FOR_INVOICE_SECONDS = 300


class QuickbooksPull(models.AbstractModel):
    _name = "quickbooks.pull"
    _description = "Apply QuickBooks changes in Odoo"

    @api.model
    def _process_change(self, backend, entity, qbo_id, operation, client=None):
        """Bring Odoo in line with QBO's current state of one object; returns a short outcome."""
        client = client or backend._qbo_client()
        qbo_object = None
        if operation not in ("delete",):
            try:
                qbo_object = client.get(entity, qbo_id)
            except NotFoundError:
                qbo_object = None  # deleted since the notification: treat it as a delete
        if entity == "Payment":
            if not backend.sync_payments_from_qbo:
                return _("Pulling payments is switched off.")
            return self._apply_payment(backend, qbo_id, qbo_object, client)
        if entity in ("Invoice", "CreditMemo", "Customer"):
            return self._check_drift(backend, entity, qbo_id, qbo_object, operation)
        return _("Nothing to do for %s.", entity)

    # ------------------------------------------------------------------ drift
    def _check_drift(self, backend, entity, qbo_id, qbo_object, operation):
        Ledger = self.env["quickbooks.sync.state"]
        row = Ledger._binding_for_qbo(backend, entity, qbo_id)
        if not row:
            return _("Not bound to an Odoo record: left alone.")
        record = row._record()
        voided = (qbo_object is not None and operation == "void") or (
            qbo_object is not None and entity != "Customer" and "Voided" in (qbo_object.get("PrivateNote") or "")
            and not float(qbo_object.get("TotalAmt") or 0))
        if qbo_object is None or voided:
            state = "deleted" if qbo_object is None else "voided"
            if row.qbo_state == state:
                return _("Already known as %s.", state)
            if row.qbo_state != "active" and record is not None and record._name == "account.move" \
                    and record.state == "cancel":
                return _("Our own cancellation.")
            note = _("%(entity)s %(number)s was %(state)s in QuickBooks. Odoo does not re-create it: a manager "
                     "must decide (cancel it in Odoo, or send it again).", entity=entity,
                     number=row.qbo_doc_number or qbo_id, state=state)
            row.sudo().write({"qbo_state": state, "drift_detected": True, "drift_note": note,
                              "drift_at": fields.Datetime.now()})
            if record is not None:
                record.message_post(body=note)
            backend._notify_managers(_("Invoice %s in QuickBooks", state), note)
            return note
        current = fingerprint(entity, qbo_object)
        if current == row.qbo_fingerprint:
            return _("No change to fields Odoo owns.")
        changes = describe_changes(row.qbo_fingerprint, current)
        note = _("Changed in QuickBooks, not by Odoo (Odoo is master; the next push restores Odoo's values):\n%s",
                 "\n".join(changes))
        if row.drift_note != note:
            row.sudo().write({"drift_detected": True, "drift_note": note, "drift_at": fields.Datetime.now(),
                              "sync_token": str(qbo_object.get("SyncToken", row.sync_token))})
            if record is not None:
                record.message_post(body=note)
        return note

    # ------------------------------------------------------------------ payments
    def _apply_payment(self, backend, qbo_id, payment, client):
        Ledger = self.env["quickbooks.sync.state"].sudo()
        row = Ledger._binding_for_qbo(backend, "Payment", qbo_id)
        if row and row.origin == "odoo":
            return _("Our own payment: not pulled back.")
        voided = payment is not None and not float(payment.get("TotalAmt") or 0) and \
            "Voided" in (payment.get("PrivateNote") or "")
        wanted = {} if payment is None or voided else self._payment_applications(backend, payment, client)
        applied = dict((row.synced_values or {}).get("applied", {})) if row else {}
        if {k: v["amount"] for k, v in applied.items()} == {k: v["amount"] for k, v in wanted.items()}:
            return _("Payment already applied.")
        # Undo what no longer matches, then register what is missing.
        for invoice_id, done in list(applied.items()):
            if wanted.get(invoice_id, {}).get("amount") != done["amount"]:
                self._cancel_odoo_payment(done["payment_id"])
                applied.pop(invoice_id)
        for invoice_id, want in wanted.items():
            if invoice_id in applied:
                continue
            odoo_payment = self._register_payment(backend, payment, want)
            applied[invoice_id] = {"amount": want["amount"], "payment_id": odoo_payment.id}
        payment_ids = [value["payment_id"] for value in applied.values()]
        values = {"synced_values": {"applied": applied}, "origin": "qbo", "state": "done",
                  "qbo_state": "active" if applied else ("voided" if voided else "deleted"),
                  "sync_token": str((payment or {}).get("SyncToken", "")), "last_error": False,
                  "last_success_at": fields.Datetime.now()}
        if row:
            if payment_ids:
                values["res_id"] = payment_ids[0]
            row.write(values)
        elif payment_ids:
            row = Ledger.create({**values, "backend_id": backend.id, "res_model": "account.payment",
                                 "res_id": payment_ids[0], "qbo_entity": "Payment", "qbo_id": str(qbo_id)})
        if not applied:
            return _("QuickBooks payment %s removed: Odoo payments cancelled.", qbo_id)
        return _("QuickBooks payment %(id)s applied to %(count)s invoice(s).", id=qbo_id, count=len(applied))

    def _payment_applications(self, backend, payment, client):
        """{qbo invoice id: {"amount", "move_id"}} for the invoices the payment is applied to.

        An invoice Odoo sent but whose binding is not committed yet makes the job retry later; an
        invoice that never came from Odoo is left to QuickBooks.
        """
        Ledger = self.env["quickbooks.sync.state"].sudo()
        wanted = {}
        for line in payment.get("Line") or []:
            for linked in line.get("LinkedTxn") or []:
                if linked.get("TxnType") != "Invoice":
                    continue
                txn_id = str(linked["TxnId"])
                bound = Ledger._binding_for_qbo(backend, "Invoice", txn_id)
                if not bound:
                    try:
                        number = client.get("Invoice", txn_id).get("DocNumber")
                    except NotFoundError:
                        continue
                    from_odoo = number and self.env["account.move"].sudo().search_count([
                        ("company_id", "=", backend.company_id.id), ("name", "=", number),
                        ("move_type", "=", "out_invoice")])
                    if from_odoo:
                        raise RetryableJobError(
                            _("QuickBooks payment %(payment)s is for invoice %(invoice)s, not synced to Odoo yet: "
                              "will retry.", payment=payment["Id"], invoice=txn_id),
                            seconds=WAIT_FOR_INVOICE_SECONDS)
                    continue
                amount = round(float(line.get("Amount") or 0), 2)
                if amount <= 0:
                    continue
                entry = wanted.setdefault(txn_id, {"amount": 0.0, "move_id": bound.res_id})
                entry["amount"] = round(entry["amount"] + amount, 2)
        return wanted

    def _deposit_journal(self, backend, payment):
        """The Odoo bank/cash journal of the QBO deposit account (via the mapping), else the default."""
        qbo_account = (payment.get("DepositToAccountRef") or {}).get("value")
        Journal = self.env["account.journal"].sudo()
        if qbo_account:
            mapping = self.env["quickbooks.account.mapping"].sudo().search([
                ("backend_id", "=", backend.id), ("qbo_account_id.qbo_id", "=", qbo_account)], limit=1)
            if mapping:
                journal = Journal.search([("company_id", "=", backend.company_id.id),
                                          ("default_account_id", "=", mapping.account_id.id),
                                          ("type", "in", ("bank", "cash"))], limit=1)
                if journal:
                    return journal
        return Journal.search([("company_id", "=", backend.company_id.id), ("type", "=", "bank")], limit=1)

    def _register_payment(self, backend, payment, want):
        move = self.env["account.move"].sudo().browse(want["move_id"]).exists()
        if not move or move.state != "posted":
            raise RetryableJobError(_("The Odoo invoice of QuickBooks payment %s is not posted.", payment["Id"]),
                                    seconds=WAIT_FOR_INVOICE_SECONDS)
        wizard = self.env["account.payment.register"].sudo().with_context(
            active_model="account.move", active_ids=move.ids, quickbooks_pulled=True,
        ).with_company(move.company_id).create({
            "amount": want["amount"],
            "payment_date": payment.get("TxnDate") or fields.Date.context_today(self),
            "journal_id": self._deposit_journal(backend, payment).id,
            "currency_id": move.currency_id.id,
            "communication": _("QuickBooks payment %s", payment.get("PaymentRefNum") or payment["Id"]),
            "payment_difference_handling": "open",
        })
        odoo_payment = wizard._create_payments()
        move.message_post(body=_("Payment of %(amount)s %(currency)s recorded in QuickBooks (payment %(id)s).",
                                 amount=want["amount"], currency=move.currency_id.name, id=payment["Id"]))
        return odoo_payment[:1]

    def _cancel_odoo_payment(self, payment_id):
        odoo_payment = self.env["account.payment"].sudo().browse(payment_id).exists()
        if not odoo_payment or odoo_payment.state == "canceled":
            return
        invoices = odoo_payment.reconciled_invoice_ids
        odoo_payment.with_context(quickbooks_pulled=True).action_draft()
        odoo_payment.with_context(quickbooks_pulled=True).action_cancel()
        for invoice in invoices:
            invoice.message_post(body=_("A payment was removed in QuickBooks: %s cancelled in Odoo.",
                                        odoo_payment.display_name))
