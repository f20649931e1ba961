"""Apply changes made in QuickBooks to Odoo (webhook inbox and change-data-capture feed here).

Webhooks are notifications, not data: every change is read back from QBO before anything is done,
so late, duplicated or out-of-order notifications converge on QBO's current state, and applying
the same state twice changes nothing.  That holds for deletions, merges and voids too: a notification
saying "deleted" (or the object merged away) deletes nothing by itself; only QuickBooks answering that
the object is not found (or showing it with the status ``Deleted``) does, and a void is what the
object read shows (no amount left, "Voided" in its memo).

* Payments (bill payments) recorded in QBO become Odoo payments reconciled as QuickBooks applied them (credit
  memos, unapplied amounts, their own exchange rate: ``quickbooks_pull_payment``); updated ones are
  redone, deleted or voided ones undone.  Pulled payments are bound in the sync records (origin
  QuickBooks) and never pushed back; payments Odoo pushed are never pulled back (changes to them
  are drift).
* Customers, vendors, invoices and bills Odoo owns: a change made in QBO (not by our own push) is drift, flagged
  on the sync record and the record; the next push of the record restores Odoo's values.  A void
  or delete in QBO of an Odoo invoice is flagged for a manager and never re-created silently.
"""

from odoo import api, fields, models

from ..adapters.entities import DRIFT_ENTITIES, PARTY, fingerprint, qbo_entity
from ..qbo import NotFoundError
from ..qbo.fingerprint import describe_changes
from ..qbo.redact import get_logger

_logger = get_logger(__name__)


def _note(record, body):
    """Log ``body`` on the chatter of ``record`` (a bank statement line's is its move's)."""
    if hasattr(record, "_quickbooks_note"):
        record._quickbooks_note(body)
    else:
        record._message_log(body=body)


class Echo(str):
    """An outcome saying QuickBooks only reported the connector's own change back (a push's echo)."""


def read_current(client, entity, qbo_id):
    """QuickBooks' current version of an object, or None when QuickBooks says it is gone (not found, or
    shown with the status ``Deleted``)."""
    try:
        qbo_object = client.get(entity, qbo_id)
    except NotFoundError:
        return None
    return None if is_deleted(qbo_object) else qbo_object


def is_deleted(qbo_object):
    return str((qbo_object or {}).get("status") or "").lower() == "deleted"


def is_voided(payment):
    """Whether QuickBooks shows this (bill) payment voided: no amount left, "Voided" in its memo."""
    return (
        payment is not None
        and not float(payment.get("TotalAmt") or 0)
        and "Voided" in (payment.get("PrivateNote") or "")
    )


class QuickbooksPull(models.AbstractModel):
    _name = "quickbooks.pull"
    _description = "Apply QuickBooks changes in Odoo"

    @api.model
    def _process_change(self, backend, entity, qbo_id, operation, client=None, qbo_object=None):
        """Bring Odoo in line with QBO's current state of one object; returns a short outcome.

        ``qbo_object``: the object as QBO answered a moment ago (read with others in one query); else
        it is read now.  ``operation`` (what the notification said) decides nothing: the object read does."""
        client = client or backend._qbo_client()
        if qbo_object is None or is_deleted(qbo_object):
            qbo_object = read_current(client, entity, qbo_id)
        row = qbo_entity(entity)
        if row and row.payable and not backend.sync_bills:
            return self.env._("Vendor bills are not synced.")
        if row and row.pulled == "apply":
            if not backend.sync_payments_from_qbo:
                return self.env._("Pulling payments is switched off.")
            return self._apply_payment(backend, qbo_id, qbo_object, client, entity)
        if entity in DRIFT_ENTITIES:
            return self._check_drift(backend, entity, qbo_id, qbo_object)
        if row and row.pulled == "status" and backend._quickbooks_switched_on(entity):
            return self._apply_status(backend, entity, qbo_id, qbo_object)
        return self.env._("Nothing to do for %s.", entity)

    def _apply_status(self, backend, entity, qbo_id, qbo_object):
        """Bring a status set in QuickBooks (an estimate accepted or rejected there) to its Odoo record: the
        addon that exchanges the entity does (``quickbooks_connector_sale`` for Estimates); returns the
        outcome."""
        return self.env._("Nothing to do for %s.", entity)

    # ------------------------------------------------------------------ drift
    def _check_drift(self, backend, entity, qbo_id, qbo_object):
        SyncRecords = self.env["quickbooks.sync.state"]
        row = SyncRecords._binding_for_qbo(backend, entity, qbo_id)
        if not row:
            return self.env._("Not bound to an Odoo record: left alone.")
        record = row._record()
        voided = qbo_entity(entity).kind != PARTY and is_voided(qbo_object)
        if qbo_object is None or voided:
            state = "deleted" if qbo_object is None else "voided"
            if row.qbo_state == state:
                return self.env._("Already known as %s.", state)
            if record is not None and record._name == "account.move" and record.state == "cancel":
                # Cancelled in Odoo: its void job did this, or will find it done (its answer may have
                # been lost, and the job be waiting to try again).  Not a change made in QuickBooks.
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
                _note(record, note)
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
                _note(record, note)
        return note

    # ------------------------------------------------------------------ payments Odoo owns
    def _check_payment_drift(self, backend, row, payment):
        """A payment Odoo pushed and someone changed in QuickBooks: Odoo is master, it is flagged."""
        if payment is None or is_voided(payment):
            if row.qbo_state != "active":
                return self.env._("Our own removal.")
            state = "voided" if payment is not None else "deleted"
            note = self.env._(
                "%(entity)s %(id)s was %(state)s in QuickBooks; Odoo still has it. A manager must decide (remove "
                "it in Odoo, or retry to record it again).",
                entity=row.qbo_entity,
                id=row.qbo_id,
                state=state,
            )
        else:
            current = fingerprint(row.qbo_entity, payment)
            if current == row.qbo_fingerprint:
                return self.env._("Our own payment: not pulled back.")
            note = self.env._(
                "%(entity)s changed in QuickBooks, not by Odoo (Odoo is master; a retry restores Odoo's "
                "version):\n%(changes)s",
                entity=row.qbo_entity,
                changes="\n".join(describe_changes(row.qbo_fingerprint, current)),
            )
        if row.drift_note != note:
            row.sudo().write({"drift_detected": True, "drift_note": note, "drift_at": fields.Datetime.now()})
            record = row._record()
            if record is not None:
                record._quickbooks_note(note)
            backend._notify_managers(self.env._("Payment changed in QuickBooks"), note)
        return note

    # ------------------------------------------------------------------ payments (see quickbooks_pull_payment)
    def _deposit_journal(self, backend, qbo_account):
        """The Odoo bank/cash journal of the QBO deposit account (or of the bank account or card a bill
        payment was paid from: ``qbo_account``, its Id), via the mapping; else the default bank journal."""
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
