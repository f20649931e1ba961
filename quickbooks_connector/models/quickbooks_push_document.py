"""Push account.move → QBO Invoice / CreditMemo (customer side) or Bill / VendorCredit (vendor side); a journal
entry goes on to ``quickbooks_push_journal.py``.

The job makes sure the customer (vendor) exists in QBO first, maps every line (an Item per account
on sales lines, the account itself on expense lines, a tax code per tax or combination of taxes,
Odoo's tax amounts as QBO's tax override), and POSTs with a requestid derived from the move and its
posted version, so a retried or re-run job gets QBO's original answer instead of a second document.
A document that already exists in QBO (an invoice under the same DocNumber; a bill under the
vendor's reference, for the same vendor, made from the same Odoo bill) is bound, not duplicated.
Before anything is sent, the totals the payload will produce are compared with Odoo's; a document
that would disagree is not sent.  After the push, QBO's stored totals must equal Odoo's to the cent.
"""

import time

from odoo import api, fields, models

from .. import const
from ..adapters import MappingProblem, sales_document_data
from ..adapters.entities import JOURNAL_ENTRY, owned, payment_entity_of, qbo_entity
from ..adapters.purchase_document import (
    purchase_document_data,
    vendor_reference,
)
from ..adapters.sides import PAYABLE, side_of_move_type
from ..qbo import DuplicateDocNumberError, NotFoundError
from ..qbo.payloads import InvoiceData
from ..qbo.redact import get_logger
from ..qbo.totals import differences, document_totals, payload_totals
from ..tools.jobs import jobs_under_way, wait_for_jobs
from .quickbooks_pull import is_voided, read_current

_logger = get_logger(__name__)

#: QBO Term ids by (database, realm, name), with their expiry: terms are renamed rarely.
_TERM_CACHE = {}
#: Whether the QuickBooks company refuses a sales document number already used ("Warn if duplicate
#: number is used", Preferences.OtherPrefs WarnDuplicateDocNum), by (database, realm), with its expiry.
_DUPLICATE_WARNING_CACHE = {}


class QuickbooksPush(models.AbstractModel):
    _inherit = "quickbooks.push"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    @api.model
    def _dated_before_history(self, record, row, history_from):
        """``record`` is dated before the history sent to QuickBooks: its effect is in the opening balances
        (a document open that day is there for its open amount); sending it, or a change to it, would book it
        twice."""
        reason = self.env._(
            "Dated before %s, from which Odoo's history is sent to QuickBooks: QuickBooks has it in its opening "
            "balances, and a change to it is not sent. Enter the change in QuickBooks.",
            history_from,
        )
        if row.last_error != reason:
            record._quickbooks_note(reason)
        if row.qbo_id:
            row.sudo().write({"last_error": reason, "last_attempt_at": fields.Datetime.now()})
        else:
            row._mark_skipped(reason)
        return row

    def _push_move(self, backend, move, client=None):
        """Create or update the QBO document of a posted move; returns its sync record."""
        entity = move._quickbooks_entity()
        if move.statement_line_id and not move._quickbooks_is_journal_entry():
            # A bank line's entry matched again with documents (or back on the suspense account): its
            # JournalEntry goes; its payment, if it settles documents now, is the settlement's.
            row = self.env["quickbooks.sync.state"]._binding_for(backend, move, entity, create=False)
            if row and row.qbo_id and row.qbo_state == "active":
                self._delete_entry(row, client or backend._qbo_client())
                move._message_log(body=self.env._("Its QuickBooks journal entry was deleted: it is no longer one."))
            return row
        row = self.env["quickbooks.sync.state"]._binding_for(backend, move, entity)
        if move.quickbooks_skip:
            row._mark_skipped(self.env._("Marked 'Skip QuickBooks'."))
            return row
        if move.state == "cancel" and not row.qbo_id:
            return self._cancelled_before_sent(backend, move, row, client or backend._qbo_client())
        history_from = backend._history_sent_from()
        if history_from and move.date < history_from and move.state == "posted":
            return self._dated_before_history(move, row, history_from)
        if move.state != "posted":
            # Reset to draft since the job was queued: its next posting sends it (a cancellation voids
            # what QuickBooks may hold: the void job looks it up).
            if row.qbo_id:
                row._mark_draft(
                    self.env._(
                        "Reset to draft in Odoo: QuickBooks keeps the version sent last until it is posted again."
                    )
                )
            else:
                row._mark_draft(self.env._("Reset to draft before it was sent: posting it sends it."))
            return row
        client = client or backend._qbo_client()
        if entity == JOURNAL_ENTRY:
            return self._push_journal_entry(backend, move, row, client)
        payable = side_of_move_type(move.move_type) is PAYABLE
        term_id = self._term_id(client, move) if qbo_entity(entity).has_terms else None
        try:
            if payable:
                vendor_row = self._push_vendor(backend, move.commercial_partner_id, move.currency_id, client)
                document = purchase_document_data(
                    move,
                    self._document_mappings(backend, move, client),
                    vendor_row.qbo_id,
                    is_us=backend._is_us_company(),
                    term_qbo_id=term_id,
                )
            else:
                customer_row = self._push_customer(backend, move.commercial_partner_id, move.currency_id, client)
                self._ensure_line_items(backend, move, client)
                document = sales_document_data(
                    move,
                    self._document_mappings(backend, move, client),
                    customer_row.qbo_id,
                    is_us=backend._is_us_company(),
                    automated_sales_tax=backend.qbo_automated_sales_tax,
                    term_qbo_id=term_id,
                )
                if isinstance(document.data, InvoiceData):  # made from estimates: linking them closes them
                    document.data.estimate_ids = move._quickbooks_estimate_ids(backend)
        except MappingProblem as problem:
            message = self.env._("Not sent to QuickBooks, map first:\n%s", "\n".join(problem.problems))
            row._fail_with_note(message, kind="mapping")
            return row
        body = qbo_entity(entity).build(document.data)
        predicted = differences(document.odoo_totals, payload_totals(body), per_rate=document.compare_per_rate)
        if predicted:
            message = self.env._(
                "Not sent to QuickBooks: the document would not agree with Odoo (%(diff)s). Odoo: %(odoo)s.",
                diff="; ".join(predicted),
                odoo=document.odoo_totals.describe(move.currency_id.name),
            )
            row._fail_with_note(message, kind="totals")
            return row
        if row.qbo_id:
            body = self._keep_quickbooks_classes(backend, entity, row, body, client)
            stored = self._update_document(backend, move, row, entity, body, client)
        else:
            stored = self._create_document(backend, move, row, entity, body, client)
            if row.qbo_id:
                self.env["quickbooks.push"]._resume_waiting_settlements(backend, move)
        if stored is not None:
            self._check_totals(move, row, stored, document)
        return row

    def _ensure_line_items(self, backend, move, client):
        """Every invoice line's account needs a QBO Item; income accounts got theirs when mapped,
        others (a deposit on a liability account, cash rounding) get one the first time they are used."""
        accounts = move.invoice_line_ids.filtered(lambda line: line.display_type == "product").account_id
        accounts |= move.line_ids.filtered(
            lambda line: line.display_type == "rounding" and not line.tax_repartition_line_id
        ).account_id
        self._ensure_items(backend, accounts, client)

    def _ensure_items(self, backend, accounts, client):
        """The QBO Items of mapped ``accounts`` that have none yet (sales lines take their account from one)."""
        mappings = (
            self.env["quickbooks.account.mapping"]
            .sudo()
            .search(
                [
                    ("backend_id", "=", backend.id),
                    ("account_id", "in", accounts.ids),
                    ("qbo_item_id", "=", False),
                    ("qbo_account_id", "!=", False),
                ]
            )
        )
        if mappings:
            mappings._ensure_item(client, any_account=True)

    def _term_id(self, client, move):
        """The QBO Term of the same name (read once per process and realm for a while: one query per
        invoice would double a backfill's requests)."""
        term = move.invoice_payment_term_id
        if not term:
            return None
        key = (self.env.cr.dbname, client.realm_id, term.name)
        cached = _TERM_CACHE.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        found = client.find_by("Term", "Name", term.name)
        term_id = found[0]["Id"] if found else None
        _TERM_CACHE[key] = (term_id, time.monotonic() + const.TERM_CACHE_SECONDS)
        return term_id

    def _create_document(self, backend, move, row, entity, body, client):
        request_id = self._request_id(entity, move.id, "create", move.quickbooks_post_version)
        # Look for the same number first (an earlier push whose binding was lost, or typed by the CPA),
        # unless a backfill just looked it up in a batch, or this is the document's first try and the
        # QuickBooks company refuses duplicate numbers itself (a document typed by the CPA is then
        # refused with 6140 and looked up below; a lost answer of this try is replayed by requestid).
        looked_up = row.qbo_absent_at and row.qbo_absent_at >= fields.Datetime.now() - const.LOOKUP_VALIDITY
        first_try = not row.attempts and not row.last_request_id and not row.qbo_id
        if first_try and qbo_entity(entity).numbered and self._refuses_duplicate_numbers(client):
            looked_up = True
        if first_try and entity == JOURNAL_ENTRY:
            looked_up = True  # nobody else writes its memo: only a lost binding (a later try) needs the look-up
        existing = self._find_document(client, entity, move, body) if not looked_up else []
        if not existing:
            try:
                stored = client.create(entity, body, request_id=request_id)
            except DuplicateDocNumberError:
                existing = self._find_document(client, entity, move, body)
                if not existing:
                    raise
        if existing:
            # Already in QBO under this number (an earlier push, or typed by the CPA): bind it, and
            # make it match Odoo with a sparse update (Odoo is master for invoices).
            theirs = existing[0]
            other = self.env["quickbooks.sync.state"]._binding_for_qbo(backend, entity, theirs["Id"])
            if other and other != row:
                row._mark_failed(
                    self.env._(
                        "QuickBooks %(entity)s %(number)s is already bound to %(other)s.",
                        entity=entity,
                        number=move.name,
                        other=other.res_name,
                    ),
                    kind="validation",
                )
                return None
            row._mark_done(theirs, owned(entity, theirs))
            move._message_log(
                body=self.env._(
                    "Linked to the existing QuickBooks %(entity)s #%(number)s.",
                    entity=entity,
                    number=theirs.get("DocNumber") or theirs["Id"],
                )
            )
            return self._update_document(backend, move, row, entity, body, client)
        row._mark_done(stored, owned(entity, body), last_request_id=request_id, attempts=row.attempts + 1)
        move._message_log(body=self.env._("Sent to QuickBooks as #%s.", stored.get("DocNumber") or stored["Id"]))
        return stored

    def _refuses_duplicate_numbers(self, client):
        """Whether QuickBooks refuses an invoice or credit memo number already used (read once per process
        and realm for a while, as terms are)."""
        key = (self.env.cr.dbname, client.realm_id)
        cached = _DUPLICATE_WARNING_CACHE.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        prefs = (client.query("select * from Preferences").get("Preferences") or [{}])[0]
        values = {
            pair.get("Name"): pair.get("Value") for pair in (prefs.get("OtherPrefs") or {}).get("NameValue") or []
        }
        refuses = str(values.get("WarnDuplicateDocNum", "")).lower() == "true"
        _DUPLICATE_WARNING_CACHE[key] = (refuses, time.monotonic() + const.TERM_CACHE_SECONDS)
        return refuses

    def _cancelled_before_sent(self, backend, move, row, client):
        """The move was cancelled before its push ran.  An earlier attempt may still have created it in
        QuickBooks and lost the answer (a worker killed after QuickBooks stored it): look it up under its
        number; void what is found, otherwise record that nothing was sent."""
        entity = move._quickbooks_entity()
        existing = []
        if qbo_entity(entity).numbered or entity == JOURNAL_ENTRY:
            existing = self._find_document(client, entity, move, {})
        elif vendor_reference(move):
            vendor = self.env["quickbooks.sync.state"]._binding_for(
                backend,
                move.commercial_partner_id,
                PAYABLE.party_entity,
                create=False,
                key=self._customer_key(backend, move.currency_id, PAYABLE),
            )
            if vendor.qbo_id:  # the same reference and vendor as purchase_document_data sends
                existing = self._find_document(
                    client, entity, move, {"DocNumber": vendor_reference(move), "VendorRef": {"value": vendor.qbo_id}}
                )
        theirs = existing[0] if existing else None
        if theirs and not self.env["quickbooks.sync.state"]._binding_for_qbo(backend, entity, theirs["Id"]):
            row._mark_done(theirs, row.synced_values)
            return self._void_move(backend, move, client)
        row._mark_skipped(self.env._("Cancelled before it reached QuickBooks: nothing was sent."))
        return row

    def _find_document(self, client, entity, move, body):
        """The QBO document this move already is: an invoice (credit memo) under Odoo's number; a bill
        (vendor credit) under the vendor's reference, for the same vendor, whose memo names the Odoo bill
        (QuickBooks does not keep bill numbers unique)."""
        if qbo_entity(entity).numbered:
            return client.find_by(entity, "DocNumber", move.name) if move.name else []
        if entity == JOURNAL_ENTRY:  # under Odoo's number, with Odoo's number in its memo
            return [
                found
                for found in (client.find_by(entity, "DocNumber", move.name[:21]) if move.name else [])
                if move.name in (found.get("PrivateNote") or "")
            ]
        if not body.get("DocNumber"):
            return []
        vendor = body["VendorRef"]["value"]
        return [
            found
            for found in client.find_by(entity, "DocNumber", body["DocNumber"])
            if (found.get("VendorRef") or {}).get("value") == vendor and move.name in (found.get("PrivateNote") or "")
        ]

    def _update_document(self, backend, move, row, entity, body, client):
        ours = owned(entity, body)
        request_id = self._request_id(entity, move.id, "update", move.quickbooks_post_version, row.sync_token)
        try:
            stored = self._merged_update(client, row, move, entity, ours, qbo_entity(entity).owned_fields, request_id)
        except NotFoundError:
            row._mark_failed(
                self.env._("The QuickBooks %s was deleted; a manager must decide whether to send it again.", entity),
                kind="validation",
            )
            row.sudo().qbo_state = "deleted"
            return None
        move._message_log(body=self.env._("Updated in QuickBooks (#%s).", stored.get("DocNumber") or stored["Id"]))
        return stored

    def _check_totals(self, move, row, stored, document):
        """QBO stores its own totals: they must equal Odoo's to the cent (subtotal, tax per rate, total,
        home-currency total); any difference is marked on the sync record and the invoice."""
        found = differences(document.odoo_totals, document_totals(stored), per_rate=document.compare_per_rate)
        if found:
            message = self.env._(
                "Totals differ between Odoo and QuickBooks (Odoo ≠ QuickBooks): %(diff)s. Odoo: %(odoo)s. "
                "Check the tax mapping.",
                diff="; ".join(found),
                odoo=document.odoo_totals.describe(move.currency_id.name),
            )
            row._mark_failed(message, kind="totals")
            move._message_log(body=message)

    def _release_settlements(self, backend, move, document, client):
        """QuickBooks voids or deletes nothing with payments applied: first bring the payments Odoo made
        (whose applications the cancellation removed in Odoo) in line.  Returns whether any changed."""
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        rows = SyncRecords.browse()
        for linked in document.get("LinkedTxn") or []:
            entity = payment_entity_of(linked.get("TxnType"))
            if entity:
                rows |= SyncRecords._binding_for_qbo(backend, entity, linked.get("TxnId"))
        rows |= SyncRecords.search(
            [
                ("backend_id", "=", backend.id),
                ("res_model", "=", "account.move"),
                ("res_id", "=", move.id),
                ("binding_key", "=", "application"),
            ]
        )
        changed = False
        for row in rows.filtered(lambda r: r.origin == "odoo" and r.qbo_state == "active"):
            record = row._record()
            if record is None:
                self._remove_settlement(backend, row, client)
            else:
                self._push_settlement(backend, record, client)
            changed = True
        return changed

    @api.model
    def _void_move(self, backend, move, client=None):
        """A cancelled Odoo invoice is voided in QBO; credit memos, bills and vendor credits, which the API
        cannot void, are deleted."""
        entity = move._quickbooks_entity()
        row = self.env["quickbooks.sync.state"]._binding_for(backend, move, entity, create=False)
        if row and row.qbo_state != "active" and move.state == "cancel" and row.state == "pending":
            # Voided (deleted) already, and recorded by another run meanwhile, while this one noted a
            # lost answer: what the cancellation asked for is done.
            row._mark_done(self._known_version(row), row.synced_values, qbo_fingerprint=row.qbo_fingerprint)
            return row
        if not row or row.qbo_state != "active" or move.state != "cancel":
            return row  # nothing bound, already voided or deleted, or reposted since (its push handles it)
        if not row.qbo_id:
            # Decided from what is there, not from the row's state: a push of the move still queued or
            # running ends by binding the document (voided when this job runs again) or by finding the
            # move cancelled itself; once none is left, QuickBooks is asked whether it holds the document
            # (an attempt whose answer was lost may have created it).
            pushes = jobs_under_way(move, ["_quickbooks_push_job"])
            if pushes:
                wait_for_jobs(pushes, self.env._("Waiting for the push of %s to end before voiding it.", move.name))
            return self._cancelled_before_sent(backend, move, row, client or backend._qbo_client())
        client = client or backend._qbo_client()
        current = read_current(client, entity, row.qbo_id)
        if current is not None and self._release_settlements(backend, move, current, client):
            current = read_current(client, entity, row.qbo_id)  # its SyncToken moved with its balance
        if current is None or is_voided(current):
            # An earlier try voided (deleted) it and lost QuickBooks' answer: record it, do not ask again.
            if current is None:
                row._mark_done(
                    self._known_version(row),
                    row.synced_values,
                    qbo_state="deleted",
                    qbo_fingerprint=row.qbo_fingerprint,
                )
            else:
                row._mark_done(current, row.synced_values, qbo_state="voided")
            return row
        request_id = self._request_id(entity, move.id, "void", current["SyncToken"])
        if not qbo_entity(entity).voidable:
            client.delete(entity, row.qbo_id, current["SyncToken"], request_id=request_id)
            row._mark_done(current, row.synced_values, qbo_state="deleted", last_request_id=request_id)
            move._message_log(body=self.env._("Deleted in QuickBooks (QuickBooks cannot void a %s).", entity))
        else:
            voided = client.void(entity, row.qbo_id, current["SyncToken"], request_id=request_id)
            row._mark_done(voided, row.synced_values, qbo_state="voided", last_request_id=request_id)
            move._message_log(body=self.env._("Voided in QuickBooks."))
        return row

    @api.model
    def _known_version(self, row):
        """What the sync record knows of its QuickBooks object (for one QuickBooks no longer answers)."""
        return {"Id": row.qbo_id, "SyncToken": row.sync_token, "DocNumber": row.qbo_doc_number}
