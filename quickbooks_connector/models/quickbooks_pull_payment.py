"""Payments (and bill payments) recorded in QuickBooks → Odoo, as QuickBooks records them.

A QBO Payment is cash received (``TotalAmt``, in the customer's currency at the payment's own
``ExchangeRate``) and applications: amounts to invoices and credit memos (what it means in Odoo terms:
``adapters/incoming_payment.py``; the bindings, the waits and the Odoo work are here).  In Odoo it becomes one
customer payment of that cash (its company-currency amount forced to QuickBooks' rate, so the
bank, the exchange difference and the FX comparison agree), reconciled with each invoice for the
amount QuickBooks applied, the credit notes QuickBooks applied being reconciled with the invoices
first (no bank movement); what is not applied stays on the payment as the customer's outstanding
credit.  Every change of the QBO payment (edited, deleted, voided) is applied by undoing what the
previous version did in Odoo and doing the new one, so the result only depends on QuickBooks'
current state.  Reconciliations made here are marked "From QuickBooks" and never pushed back.

A BillPayment is the mirror image: cash paid (from the bank account of ``CheckPayment`` or the card
of ``CreditCardPayment``) and applications to bills and vendor credits, pulled as a vendor payment.
"""

from odoo import api, fields, models
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.exceptions import UserError

from ..adapters.incoming_payment import Binding, bindings_needed, odoo_name_in_memo, parse_payment, party_ref
from ..adapters.sides import PAYABLE, RECEIVABLE, side_of_entity
from ..qbo import NotFoundError
from ..qbo.money import cents
from ..tools.jobs import enqueue, job, jobs_under_way, wait_for_jobs
from ..tools.switches import PULLED, RECONCILE_CAPS, switched_on
from .quickbooks_pull import is_voided

#: The job methods that send an Odoo payment to QuickBooks (the last two: jobs queued by older versions).
PAYMENT_JOB_METHODS = ("_quickbooks_settle_job", "_quickbooks_push_job", "_quickbooks_void_job")

#: The Odoo models whose records are sent as a QuickBooks payment, naming themselves in its memo, and
#: the jobs that send it (a credit note's own push sends its CreditMemo, not the payment applying it).
SETTLEMENT_SOURCE_JOBS = {
    "account.payment": PAYMENT_JOB_METHODS,
    "account.move": ("_quickbooks_settle_job",),
    "account.bank.statement.line": ("_quickbooks_settle_job",),
}


class QuickbooksPull(models.AbstractModel):
    _inherit = "quickbooks.pull"

    def _apply_payment(self, backend, qbo_id, payment, client, entity=RECEIVABLE.payment_entity):
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        side = side_of_entity(entity)
        row = SyncRecords._binding_for_qbo(backend, entity, qbo_id)
        if row and row.origin == "odoo":
            return self._check_payment_drift(backend, row, payment)
        if not row and payment is not None:
            self._wait_if_pushed_from_odoo(backend, payment, entity)
        voided = is_voided(payment)
        wanted = None if payment is None or voided else self._wanted_payment(backend, payment, client, side)
        done = self._done_by_pull(row)
        if wanted and done.get("key") == wanted.key:
            return self.env._("Payment already applied.")
        if not wanted and not done:
            return self.env._("Nothing in Odoo to apply it to.")
        self._undo_pulled_payment(backend, done)
        applied = self._apply_wanted_payment(backend, payment, wanted, side) if wanted else {}
        anchor = applied.get("anchor")
        values = {
            "synced_values": {"pulled": applied} if applied else {},
            "origin": "qbo",
            "state": "done",
            "qbo_state": "active" if applied else ("voided" if voided else "deleted"),
            "sync_token": str((payment or {}).get("SyncToken", "")),
            "last_error": False,
            "last_success_at": fields.Datetime.now(),
        }
        if anchor:
            values.update(
                {
                    "res_model": anchor[0],
                    "res_id": anchor[1],
                    "binding_key": "" if anchor[0] == "account.payment" else f"qbo:{qbo_id}",
                }
            )
        if row:
            row.write(values)
        elif anchor:
            SyncRecords.create({**values, "backend_id": backend.id, "qbo_entity": entity, "qbo_id": str(qbo_id)})
        if not applied:
            return self.env._("QuickBooks payment %s removed: what it did in Odoo is undone.", qbo_id)
        return self.env._(
            "QuickBooks payment %(id)s applied: %(cash)s received, %(count)s document(s).",
            id=qbo_id,
            cash=wanted.cash,
            count=len(wanted.invoices),
        )

    # ------------------------------------------------------------------ reading QuickBooks
    def _wanted_payment(self, backend, payment, client, side):
        """What the QBO payment means in Odoo terms (None when nothing of it concerns Odoo): an
        :class:`~..adapters.incoming_payment.IncomingPayment`, once the documents it applies to that Odoo
        may still send are there.

        :raise RetryableJobError: while such a document's push is queued or running
        :raise UserError: when it carries an Odoo document's number but no push of it is left
        """
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        party = party_ref(payment, side)
        if (
            party
            and not is_voided(payment)
            and not SyncRecords._binding_for_qbo(backend, side.party_entity, party)
            and backend._parallel_run_from_qbo()
        ):
            # Moving to Odoo: a customer (vendor) first met on a payment (money received on account) is made in
            # Odoo as one first met on a document is, so that the money reaches Odoo too.
            self.env["quickbooks.import"]._bind_party(backend, side.party_entity, client.get(side.party_entity, party))
        bindings = {}
        for entity, qbo_id in bindings_needed(payment, side):
            row = SyncRecords._binding_for_qbo(backend, entity, qbo_id)
            if row:
                bindings[(entity, qbo_id)] = Binding(row.res_model, row.res_id, row.binding_key or "")
        wanted = parse_payment(payment, side, bindings, backend.company_id.currency_id.name)
        for entity, txn_id in wanted.unbound:
            self._wait_if_from_odoo(backend, entity, txn_id, payment, client)
        return wanted if wanted.concerns_odoo else None

    def _wait_if_pushed_from_odoo(self, backend, payment, entity):
        """A payment Odoo itself sent, whose binding is not committed yet (its push is still running, or
        was killed after QuickBooks stored it and will be replayed by its requestid): applying it would
        pay the invoice twice in Odoo, and bind the QuickBooks payment that the push binds next.  Wait
        for the push to bind it.

        :raise RetryableJobError: while the push of the Odoo record named in the memo (a payment, a credit
            note applied to invoices, a statement line), not bound yet, is queued or running
        :raise UserError: when that push ended without binding it (the notification fails, with why)
        """
        name = odoo_name_in_memo(payment)
        if not name:
            return
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        for source in self._settlement_sources_named(backend, name):
            bound = SyncRecords._binding_for(backend, source, create=False, key=source._quickbooks_settlement_key)
            if bound.qbo_id:
                continue
            pushes = jobs_under_way(source, SETTLEMENT_SOURCE_JOBS[source._name])
            if pushes:
                wait_for_jobs(
                    pushes,
                    self.env._(
                        "QuickBooks %(entity)s %(id)s was sent by Odoo for %(payment)s, whose push has not recorded "
                        "it yet: will look again.",
                        entity=entity,
                        id=payment["Id"],
                        payment=name,
                    ),
                )
            # Its push ended without recording it (gave up after QuickBooks stored it): applying it would
            # pay the invoice twice in Odoo.  A retry of that record's sync record binds it by its
            # requestid; then this notification can be retried.
            raise UserError(
                self.env._(
                    "QuickBooks %(entity)s %(id)s was sent by Odoo for %(payment)s, whose sync ended without "
                    "recording it: retry %(payment)s's sync record, then this notification.",
                    entity=entity,
                    id=payment["Id"],
                    payment=name,
                )
            )

    def _settlement_sources_named(self, backend, name):
        """The records of ``backend``'s company whose QuickBooks payment memo names ``name``: the memo
        carries the display name (a payment's or statement line's name; a credit note's name followed by
        its reference in brackets)."""
        number = name.split(" (", 1)[0]
        sources = []
        for model in SETTLEMENT_SOURCE_JOBS:
            records = (
                self.env[model]
                .sudo()
                .search([("company_id", "=", backend.company_id.id), ("name", "in", list({name, number}))])
            )
            sources += [record for record in records if record.display_name == name]
        return sources

    def _wait_if_from_odoo(self, backend, entity, txn_id, payment, client):
        """A payment of a QuickBooks document that carries the number of an Odoo document not bound to it.

        :raise RetryableJobError: while that Odoo document's push is queued or running (it binds it)
        :raise UserError: when no push of it is left (the notification fails, with why: nothing is lost)
        """
        try:
            document = client.get(entity, txn_id)
        except NotFoundError:
            return
        side = side_of_entity(entity)
        move_type = side.refund_type if entity == side.refund_entity else side.invoice_type
        number = document.get("DocNumber")
        if side is PAYABLE:
            # A bill's number is the vendor's reference; Odoo's own name is in its memo.
            number = odoo_name_in_memo(document)
        moves = (
            self.env["account.move"]
            .sudo()
            .search([("company_id", "=", backend.company_id.id), ("name", "=", number), ("move_type", "=", move_type)])
            if number
            else self.env["account.move"]
        )
        if not moves:
            return
        pushes = jobs_under_way(moves, ["_quickbooks_push_job"])
        if pushes:
            wait_for_jobs(
                pushes,
                self.env._(
                    "QuickBooks payment %(payment)s is for %(entity)s %(number)s, not synced to Odoo yet: will retry.",
                    payment=payment["Id"],
                    entity=entity,
                    number=number,
                ),
            )
        # No push of it is left to bind them: the CPA typed a document under an Odoo number, or its push
        # ended without sending it.  A manager decides; nothing is applied to the wrong document.
        raise UserError(
            self.env._(
                "QuickBooks payment %(payment)s is for %(entity)s %(number)s, which has the number of an Odoo "
                "document that is not bound to it (its sync: %(state)s). Send that document (its sync record's "
                "Retry binds the QuickBooks one under the same number), then retry this notification.",
                payment=payment["Id"],
                entity=entity,
                number=number,
                state=", ".join(
                    self.env["quickbooks.sync.state"].sudo()._binding_for(backend, move, create=False).state
                    or self.env._("never sent")
                    for move in moves
                ),
            )
        )

    # ------------------------------------------------------------------ doing it in Odoo
    def _apply_wanted_payment(self, backend, payment, wanted, side):
        Move = self.env["account.move"].sudo()
        moves = Move.browse([*wanted.invoices, *wanted.credits]).exists()
        if moves.filtered(lambda m: m.state != "posted"):
            raise RetryableJobError(
                self.env._("A document of QuickBooks payment %s is not posted in Odoo.", payment["Id"])
            )
        pulled = switched_on(self, PULLED)
        odoo_payment = pulled._register_cash(backend, payment, wanted, side) if wanted.cash else None
        credits = [
            [self._open_receivables(Move.browse(move_id), side), amount]
            for move_id, amount in wanted.credits.items()
            if Move.browse(move_id).exists()
        ]
        cash = [self._open_receivables(odoo_payment.move_id, side) if odoo_payment else None, wanted.cash]
        partials = self.env["account.partial.reconcile"]
        for move_id, amount in sorted(wanted.invoices.items()):
            invoice = Move.browse(move_id).exists()
            if not invoice:
                continue
            left = amount
            for source in [*credits, cash]:  # credits first, then cash, as QuickBooks' screen applies them
                take = min(left, source[1])
                if take > 0 and source[0]:
                    found, done = pulled._reconcile_amount(source[0], self._open_receivables(invoice, side), take)
                    partials |= found
                    source[1] -= done
                    left -= done
            invoice._message_log(
                body=self.env._(
                    "%(amount)s %(currency)s applied by QuickBooks payment %(id)s.",
                    amount=amount,
                    currency=invoice.currency_id.name,
                    id=payment["Id"],
                )
            )
        if odoo_payment:
            anchor = ("account.payment", odoo_payment.id)
        else:
            first = Move.browse(sorted(wanted.credits) or sorted(wanted.invoices))[:1]
            anchor = ("account.move", first.id)
        return {
            "key": wanted.key,
            "payment_id": odoo_payment.id if odoo_payment else False,
            "partials": partials.ids,
            "anchor": list(anchor),
        }

    @api.model
    def _open_receivables(self, move, side):
        """A move's open receivable (payable) lines, earliest due first (payment terms may make several)."""
        return move.line_ids.filtered(
            lambda line: line.account_id.account_type == side.account_type and not line.reconciled
        ).sorted(lambda line: (line.date_maturity or line.date, line.id))

    def _reconcile_amount(self, lines, invoice_lines, amount):
        """Reconcile ``amount`` (document currency) of ``lines`` with ``invoice_lines``, line by line.

        Returns the settlement partials made (exchange-difference partials are the engine's own) and
        the amount reconciled.
        """
        partials = self.env["account.partial.reconcile"]
        left = amount
        for line in lines:
            for invoice_line in invoice_lines:
                line.invalidate_recordset(["amount_residual_currency"])
                invoice_line.invalidate_recordset(["amount_residual_currency"])
                take = min(
                    left, cents(abs(line.amount_residual_currency)), cents(abs(invoice_line.amount_residual_currency))
                )
                if take <= 0:
                    continue
                before = line.matched_debit_ids | line.matched_credit_ids
                caps = {line.id: float(take), invoice_line.id: float(take)}
                switched_on(line | invoice_line, PULLED, **{RECONCILE_CAPS: caps}).reconcile()
                line.invalidate_recordset(["matched_debit_ids", "matched_credit_ids"])
                created = (line.matched_debit_ids | line.matched_credit_ids) - before
                partials |= created.filtered(lambda p, inv=invoice_line: inv in (p.debit_move_id | p.credit_move_id))
                left -= take
        return partials, amount - left

    def _register_cash(self, backend, payment, wanted, side):
        """The Odoo customer (vendor) payment of the cash QuickBooks received (paid), at QuickBooks' rate."""
        company = backend.company_id
        currency = (
            self.env["res.currency"].sudo().search([("name", "=", wanted.currency_code)], limit=1)
            or company.currency_id
        )
        partner = self._payment_partner(backend, payment, wanted, side)
        reference = wanted.reference
        values = {
            "payment_type": side.payment_type,
            "partner_type": side.partner_type,
            "partner_id": partner.id,
            "amount": float(wanted.cash),
            "currency_id": currency.id,
            "company_id": company.id,
            "date": wanted.date or fields.Date.context_today(self),
            "journal_id": self._deposit_journal(backend, wanted.paid_from).id,
            "memo": self.env._("QuickBooks bill payment %s", reference)
            if side is PAYABLE
            else self.env._("QuickBooks payment %s", reference),
        }
        if currency != company.currency_id:
            values["force_balance"] = float(cents(wanted.cash * wanted.rate))
        odoo_payment = self.env["account.payment"].sudo().with_company(company).create(values)
        odoo_payment.action_post()
        return odoo_payment

    def _payment_partner(self, backend, payment, wanted, side):
        Move = self.env["account.move"].sudo()
        documents = Move.browse([*wanted.invoices, *wanted.credits]).exists()
        if documents:
            return documents[:1].commercial_partner_id
        row = self.env["quickbooks.sync.state"].sudo()._binding_for_qbo(backend, side.party_entity, wanted.party_ref)
        partner = row._record() if row else None
        if partner is None:
            raise RetryableJobError(
                self.env._(
                    "QuickBooks payment %(id)s is for a %(party)s not bound to Odoo.",
                    id=payment["Id"],
                    party=side.party_entity.lower(),
                )
            )
        return partner

    @api.model
    def _done_by_pull(self, row):
        """What an earlier version of the QBO payment did in Odoo, from the sync record."""
        values = (row.synced_values or {}) if row else {}
        if values.get("pulled"):
            return dict(values["pulled"])
        if values.get("applied"):  # rows written before credit notes and unapplied amounts were pulled
            return {"key": None, "payment_ids": [v["payment_id"] for v in values["applied"].values()]}
        return {}

    def _undo_pulled_payment(self, backend, done):
        """Undo what an earlier version of a QBO payment did in Odoo (its reconciliations, its payment).

        ``done`` names records by id (a sync record's ``synced_values``): only reconciliations made by a pull
        and payments of ``backend``'s company are touched, whatever it names."""
        if not done:
            return
        company = backend.company_id
        pulled = switched_on(self, PULLED)
        pulled.env["account.partial.reconcile"].sudo().browse(done.get("partials") or []).exists().filtered(
            lambda partial: partial.quickbooks_pulled and partial.company_id == company
        ).unlink()
        payment_ids = done.get("payment_ids") or [done.get("payment_id")]
        payments = self.env["account.payment"].sudo().browse([i for i in payment_ids if i]).exists()
        for odoo_payment in payments.filtered(lambda payment: payment.company_id == company):
            if odoo_payment.state == "canceled":
                continue
            invoices = odoo_payment.reconciled_invoice_ids
            switched_on(odoo_payment, PULLED).action_draft()
            switched_on(odoo_payment, PULLED).action_cancel()
            for invoice in invoices:
                invoice._message_log(
                    body=self.env._(
                        "A payment was changed or removed in QuickBooks: %s cancelled in Odoo.",
                        odoo_payment.display_name,
                    )
                )

    # ------------------------------------------------------------------ retry
    @api.model
    def _schedule_repull(self, row):
        """Retry of a pulled payment: forget what was applied, so the job applies QuickBooks' version again."""
        values = dict(row.synced_values or {})
        if values.get("pulled"):
            values["pulled"] = {**values["pulled"], "key": None}
            row.sudo().synced_values = values
        enqueue(
            self,
            self.env._("QuickBooks: apply payment %s again", row.qbo_id),
        )._quickbooks_repull_job(row.backend_id, row.qbo_entity, row.qbo_id)

    @job
    @api.model
    def _quickbooks_repull_job(self, backend, entity, qbo_id):
        """Job: apply QuickBooks' current version of one object again (a manager's Retry)."""
        result = self.env["quickbooks.push"]._run(
            backend,
            self.env["quickbooks.sync.state"]._binding_for_qbo(backend, entity, qbo_id),
            lambda: self._process_change(backend, entity, qbo_id, "update"),
        )
        row = self.env["quickbooks.sync.state"]._binding_for_qbo(backend, entity, qbo_id)
        if row:
            row.sudo().write({"drift_detected": False, "drift_note": False})
        return result
