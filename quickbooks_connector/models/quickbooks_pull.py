"""Apply changes made in QuickBooks to Odoo (webhook inbox and change-data-capture feed here).

Webhooks are notifications, not data: every change is read back from QBO before anything is done,
so late, duplicated or out-of-order notifications converge on QBO's current state, and applying
the same state twice changes nothing.

* Payments (bill payments) recorded in QBO become Odoo payments reconciled as QuickBooks applied them (credit
  memos, unapplied amounts, their own exchange rate: ``quickbooks_pull_payment``); updated ones are
  redone, deleted or voided ones undone.  Pulled payments are bound in the ledger (origin
  QuickBooks) and never pushed back; payments Odoo pushed are never pulled back (changes to them
  are drift).
* Customers, vendors, invoices and bills Odoo owns: a change made in QBO (not by our own push) is drift, flagged
  on the ledger row and the record; the next push of the record restores Odoo's values.  A void
  or delete in QBO of an Odoo invoice is flagged for a manager and never re-created silently.
"""

from odoo import api, fields, models

from ..qbo import NotFoundError
from ..qbo.fingerprint import describe_changes, fingerprint
from ..qbo.redact import get_logger

_logger = get_logger(__name__)


class Echo(str):
    """An outcome saying QuickBooks only reported the connector's own change back (a push's echo)."""


class QuickbooksPull(models.AbstractModel):
    _name = "quickbooks.pull"
    _description = "Apply QuickBooks changes in Odoo"

    @api.model
    def _process_change(self, backend, entity, qbo_id, operation, client=None, qbo_object=None):
        """Bring Odoo in line with QBO's current state of one object; returns a short outcome.

        ``qbo_object``: the object as QBO answered a moment ago (read with others in one query); else
        it is read now."""
        client = client or backend._qbo_client()
        if qbo_object is None and operation not in ("delete",):
            try:
                qbo_object = client.get(entity, qbo_id)
            except NotFoundError:
                qbo_object = None  # deleted since the notification: treat it as a delete
        if entity in ("Bill", "VendorCredit", "Vendor", "BillPayment") and not backend.sync_bills:
            return self.env._("Vendor bills are not synced.")
        if entity in ("Payment", "BillPayment"):
            if not backend.sync_payments_from_qbo:
                return self.env._("Pulling payments is switched off.")
            return self._apply_payment(backend, qbo_id, qbo_object, client, entity)
        if entity in ("Invoice", "CreditMemo", "Customer", "Bill", "VendorCredit", "Vendor"):
            return self._check_drift(backend, entity, qbo_id, qbo_object, operation)
        return self.env._("Nothing to do for %s.", entity)

    # ------------------------------------------------------------------ drift
    def _check_drift(self, backend, entity, qbo_id, qbo_object, operation):
        Ledger = self.env["quickbooks.sync.state"]
        row = Ledger._binding_for_qbo(backend, entity, qbo_id)
        if not row:
            return self.env._("Not bound to an Odoo record: left alone.")
        record = row._record()
        voided = (qbo_object is not None and operation == "void") or (
            qbo_object is not None
            and entity not in ("Customer", "Vendor")
            and "Voided" in (qbo_object.get("PrivateNote") or "")
            and not float(qbo_object.get("TotalAmt") or 0)
        )
        if qbo_object is None or voided:
            state = "deleted" if qbo_object is None else "voided"
            if row.qbo_state == state:
                return self.env._("Already known as %s.", state)
            if (
                row.qbo_state != "active"
                and record is not None
                and record._name == "account.move"
                and record.state == "cancel"
            ):
                return self.env._("Our own cancellation.")
            note = self.env._(
                "%(entity)s %(number)s was %(state)s in QuickBooks. Odoo does not re-create it: a manager "
                "must decide (cancel it in Odoo, or send it again).",
                entity=entity,
                number=row.qbo_doc_number or qbo_id,
                state=state,
            )
            row.sudo().write(
                {"qbo_state": state, "drift_detected": True, "drift_note": note, "drift_at": fields.Datetime.now()}
            )
            if record is not None:
                record.message_post(body=note)
            backend._notify_managers(self.env._("%(entity)s %(state)s in QuickBooks", entity=entity, state=state), note)
            return note
        current = fingerprint(entity, qbo_object)
        if current == row.qbo_fingerprint:
            return Echo(self.env._("No change to fields Odoo owns."))
        changes = describe_changes(row.qbo_fingerprint, current)
        note = self.env._(
            "Changed in QuickBooks, not by Odoo (Odoo is master; the next push restores Odoo's values):\n%s",
            "\n".join(changes),
        )
        if row.drift_note != note:
            row.sudo().write(
                {
                    "drift_detected": True,
                    "drift_note": note,
                    "drift_at": fields.Datetime.now(),
                    "sync_token": str(qbo_object.get("SyncToken", row.sync_token)),
                }
            )
            if record is not None:
                record.message_post(body=note)
        return note

    # ------------------------------------------------------------------ payments (see quickbooks_pull_payment)
    def _deposit_journal(self, backend, payment):
        """The Odoo bank/cash journal of the QBO deposit account (or of the bank account or card a bill
        payment was paid from), via the mapping; else the default bank journal."""
        qbo_account = self._paid_from_account(payment)
        Journal = self.env["account.journal"].sudo()
        if qbo_account:
            mapping = (
                self.env["quickbooks.account.mapping"]
                .sudo()
                .search([("backend_id", "=", backend.id), ("qbo_account_id.qbo_id", "=", qbo_account)], limit=1)
            )
            if mapping:
                journal = Journal.search(
                    [
                        ("company_id", "=", backend.company_id.id),
                        ("default_account_id", "=", mapping.account_id.id),
                        ("type", "in", ("bank", "cash", "credit")),
                    ],
                    limit=1,
                )
                if journal:
                    return journal
        return Journal.search([("company_id", "=", backend.company_id.id), ("type", "=", "bank")], limit=1)
