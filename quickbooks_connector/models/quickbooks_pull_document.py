"""During a parallel run from QuickBooks to Odoo, the documents people still enter in QuickBooks reach Odoo.

An invoice, credit memo, bill or vendor credit created in QuickBooks on or after the run's start becomes the
same Odoo document (its lines on the products bound to its items and the accounts mapped to its accounts,
its taxes through the tax mapping), a journal entry the same Odoo entry (in the company's miscellaneous
journal, its A/R and A/P lines with their customer or vendor), posted, bound to its original with QuickBooks
as its origin: the connector never sends it back.  Changed in QuickBooks, it is redone in Odoo (reset to
draft, its lines replaced, posted again); voided or deleted there, it is cancelled in Odoo.  A document
Odoo cannot make to the cent (a line on an unmapped account, a tax not mapped, totals that differ) stays in
draft with the reason on its sync record: that night's books comparison shows it, and the day is not clean.
"""

from decimal import ROUND_HALF_UP, Decimal

from odoo import api, fields, models

from ..adapters.entities import JOURNAL_ENTRY, owned
from ..adapters.incoming_payment import sent_by_odoo
from ..qbo.redact import get_logger
from ..tools.dates import parse_qbo_date
from .quickbooks_pull import is_voided

_logger = get_logger(__name__)

#: QuickBooks entity -> (Odoo move type, party entity).  A journal entry's lines name their own.
MIRRORED = {
    JOURNAL_ENTRY: ("entry", None),
    "Invoice": ("out_invoice", "Customer"),
    "CreditMemo": ("out_refund", "Customer"),
    "Bill": ("in_invoice", "Vendor"),
    "VendorCredit": ("in_refund", "Vendor"),
}


PARTY_TYPES = ("asset_receivable", "liability_payable")
CENT = Decimal("0.01")


class MirrorProblem(Exception):
    """What keeps a QuickBooks document from being made in Odoo to the cent."""


class AccountMove(models.Model):
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    quickbooks_entered_in_qbo = fields.Boolean(
        "Entered in QuickBooks",
        copy=False,
        readonly=True,
        help="Made from a document entered in QuickBooks during a parallel run: QuickBooks keeps the original, "
        "the connector never sends it.",
    )

    def _quickbooks_is_candidate(self):
        return not self.quickbooks_entered_in_qbo and super()._quickbooks_is_candidate()


class QuickbooksPull(models.AbstractModel):
    _inherit = "quickbooks.pull"  # pylint: disable=consider-merging-classes-inherited  # a file per concern

    def _check_drift(self, backend, entity, qbo_id, qbo_object):
        run = backend._parallel_run_from_qbo() if entity in MIRRORED else None
        if run:
            row = self.env["quickbooks.sync.state"]._binding_for_qbo(backend, entity, qbo_id)
            if not row and qbo_object is not None and not sent_by_odoo(qbo_object):
                # Odoo's own document, whose push has not bound it yet (its answer was lost): the push's
                # retry binds it by its requestid; making it again here would book it twice.
                day = parse_qbo_date(qbo_object.get("TxnDate"))
                if day and day >= run.start_date:
                    return self._mirror_document(backend, entity, qbo_object)
            elif row and row.origin == "qbo" and row.res_model == "account.move":
                move = self.env["account.move"].browse(row.res_id)
                if move.quickbooks_entered_in_qbo:
                    return self._mirror_document(backend, entity, qbo_object, row=row, move=move, qbo_id=qbo_id)
        return super()._check_drift(backend, entity, qbo_id, qbo_object)

    @api.model
    def _mirror_document(self, backend, entity, qbo_object, row=None, move=None, qbo_id=None):
        """Make (or redo) the Odoo document of this QuickBooks one; returns a short outcome."""
        Moves = self.env["account.move"].sudo().with_company(backend.company_id)
        if qbo_object is None or is_voided(qbo_object):
            if move and move.state != "cancel":
                row.sudo().write({"qbo_state": "deleted" if qbo_object is None else "voided"})
                move.button_draft()
                move.button_cancel()
            return self.env._("%(entity)s %(id)s cancelled in Odoo, as in QuickBooks.", entity=entity, id=qbo_id)
        if row and row.sync_token == str(qbo_object.get("SyncToken")):
            return self.env._("Odoo has this version already.")
        client = backend._qbo_client()
        problems = []
        day = parse_qbo_date(qbo_object.get("TxnDate")) or fields.Date.context_today(self)
        try:
            if entity == JOURNAL_ENTRY:
                values = self._mirror_entry_values(backend, client, qbo_object, day)
            else:
                values = self._mirror_document_values(backend, client, entity, qbo_object, day)
        except MirrorProblem as problem:
            problems.append(str(problem))
            values = {"date": day, "ref": qbo_object.get("DocNumber") or False}
        settled = self.env["account.move.line"]
        if move:
            if move.state == "posted":
                # Resetting to draft takes its payments off; they are put back once it is posted again.
                party_lines = move.line_ids.filtered(lambda line: line.account_id.account_type in PARTY_TYPES)
                settled = party_lines.matched_debit_ids.debit_move_id | party_lines.matched_credit_ids.credit_move_id
                move.button_draft()
            move.write(values)
        else:
            values = {**values, "move_type": MIRRORED[entity][0], "quickbooks_entered_in_qbo": True}
            if entity == JOURNAL_ENTRY:
                values["journal_id"] = self._entries_journal(backend).id
            move = Moves.create(values)
        total = round(float(qbo_object.get("TotalAmt") or 0), 2)
        if not problems and entity != JOURNAL_ENTRY and move.currency_id.compare_amounts(move.amount_total, total):
            problems.append(
                self.env._("Odoo's total %(odoo)s is not QuickBooks' %(qbo)s.", odoo=move.amount_total, qbo=total)
            )
        row = row or self.env["quickbooks.sync.state"].sudo()._binding_for(backend, move, entity)
        if problems:
            message = self.env._("Left in draft: %s", " ".join(problems))
            row.sudo().write(
                {
                    "qbo_id": str(qbo_object["Id"]),
                    "origin": "qbo",
                    "state": "failed",
                    "failure_kind": "mapping",
                    "last_error": message,
                }
            )
            move._message_log(body=message)
            return message
        move.action_post()
        if settled:
            party_lines = move.line_ids.filtered(lambda line: line.account_id.account_type in PARTY_TYPES)
            (party_lines | settled).filtered(lambda line: not line.reconciled).reconcile()
        row._mark_done(qbo_object, owned(entity, qbo_object), origin="qbo")
        return self.env._(
            "%(entity)s %(number)s made in Odoo as %(name)s.",
            entity=entity,
            number=qbo_object.get("DocNumber") or qbo_object["Id"],
            name=move.name,
        )

    def _mirror_document_values(self, backend, client, entity, qbo_object, day):
        party_entity = MIRRORED[entity][1]
        partner = self.env["quickbooks.import"]._bind_party(
            backend, party_entity, client.get(party_entity, (qbo_object.get(f"{party_entity}Ref") or {}).get("value"))
        )
        lines = self._mirror_lines(backend, client, entity, qbo_object)
        return {
            "partner_id": partner.id,
            "invoice_date": day,
            "date": day,
            "invoice_date_due": parse_qbo_date(qbo_object.get("DueDate")) or day,
            "ref": qbo_object.get("DocNumber") or False,
            **self.env["quickbooks.import"]._currency_values(backend, qbo_object),
            "invoice_line_ids": [(5, 0, 0)] + [(0, 0, line) for line in lines],
        }

    def _mirror_entry_values(self, backend, client, qbo_object, day):
        """A journal entry: each line on the Odoo account mapped to its QuickBooks account, with its customer
        or vendor (QuickBooks names one on every A/R and A/P line).

        One in a foreign currency keeps its amounts in that currency, and each side is converted at its
        ``ExchangeRate`` with cumulative rounding (each line is the change it makes to the rounded running
        total of its side): both sides then come to the cent to QuickBooks' home total, cents(total x rate),
        and the entry balances in both currencies.  QuickBooks does not publish how it rounds each line, so
        a line's home amount may differ from QuickBooks' by a cent between two accounts of one side."""
        accounts = self._mapped_accounts(backend)
        currency = self.env["res.currency"].browse(
            self.env["quickbooks.import"]._currency_values(backend, qbo_object)["currency_id"]
        )
        foreign = currency != backend.company_id.currency_id
        rate = Decimal(str(qbo_object.get("ExchangeRate") or 1))
        running = {True: [Decimal(0), Decimal(0)], False: [Decimal(0), Decimal(0)]}  # debit? -> [total, home]
        lines = []
        for line in qbo_object.get("Line") or []:
            detail = line.get("JournalEntryLineDetail")
            if line.get("DetailType") != "JournalEntryLineDetail" or not detail:
                continue
            account = accounts.get((detail.get("AccountRef") or {}).get("value"))
            if not account:
                raise MirrorProblem(self.env._("a line's QuickBooks account is not mapped to an Odoo account."))
            amount = round(float(line.get("Amount") or 0), 2)
            debit = detail.get("PostingType") == "Debit"
            party = detail.get("Entity") or {}
            partner = self.env["res.partner"]
            if party.get("Type") in ("Customer", "Vendor"):
                party_id = (party.get("EntityRef") or {}).get("value")
                partner = self.env["quickbooks.import"]._bind_party(
                    backend, party["Type"], client.get(party["Type"], party_id)
                )
            values = {
                "account_id": account.id,
                "partner_id": partner.id or False,
                "name": line.get("Description") or qbo_object.get("PrivateNote") or "/",
            }
            home = amount
            if foreign:
                side = running[debit]
                side[0] += Decimal(str(amount))
                rounded = (side[0] * rate).quantize(CENT, rounding=ROUND_HALF_UP)
                home, side[1] = float(rounded - side[1]), rounded
                values.update(currency_id=currency.id, amount_currency=amount if debit else -amount)
            lines.append({**values, "debit": home if debit else 0.0, "credit": 0.0 if debit else home})
        return {
            "date": day,
            "ref": qbo_object.get("DocNumber") or False,
            "currency_id": currency.id,
            "line_ids": [(5, 0, 0)] + [(0, 0, line) for line in lines],
        }

    def _entries_journal(self, backend):
        return (
            self.env["account.journal"]
            .sudo()
            .search([("company_id", "=", backend.company_id.id), ("type", "=", "general")], limit=1)
        )

    def _mapped_accounts(self, backend):
        """{QuickBooks account Id: the Odoo account mapped to it}."""
        return {
            mapping.qbo_account_id.qbo_id: mapping.account_id
            for mapping in self.env["quickbooks.account.mapping"]
            .sudo()
            .search([("backend_id", "=", backend.id), ("qbo_account_id", "!=", False)], order="id desc")
        }

    def _mirror_lines(self, backend, client, entity, qbo_object):
        accounts = self._mapped_accounts(backend)
        taxes = {
            mapping.qbo_tax_code_id.qbo_id: mapping.tax_id
            for mapping in self.env["quickbooks.tax.mapping"].sudo().search([("backend_id", "=", backend.id)])
        }
        items = {}
        lines = []
        for line in qbo_object.get("Line") or []:
            kind = line.get("DetailType")
            detail = line.get(kind) or {}
            amount = float(line.get("Amount") or 0)
            if kind in ("SalesItemLineDetail", "ItemBasedExpenseLineDetail"):
                item_id = (detail.get("ItemRef") or {}).get("value")
                if item_id not in items:
                    items[item_id] = client.get("Item", item_id)
                item = items[item_id]
                ref = item.get("IncomeAccountRef") if kind == "SalesItemLineDetail" else item.get("ExpenseAccountRef")
                account = accounts.get((ref or {}).get("value"))
                product = self._bound_product(backend, item_id)
                quantity = float(detail.get("Qty") or 1)
                price = float(detail.get("UnitPrice") or 0)
                if round(quantity * price, 2) != round(amount, 2):
                    quantity, price = 1.0, amount
                values = {"product_id": product.id or False, "quantity": quantity, "price_unit": price}
            elif kind == "AccountBasedExpenseLineDetail":
                account = accounts.get((detail.get("AccountRef") or {}).get("value"))
                values = {"quantity": 1.0, "price_unit": amount}
            elif kind == "DiscountLineDetail":
                account = accounts.get((detail.get("DiscountAccountRef") or {}).get("value"))
                values = {"quantity": 1.0, "price_unit": -amount}
            else:
                continue  # subtotals, descriptions: nothing booked
            if not account:
                raise MirrorProblem(self.env._("a line's QuickBooks account is not mapped to an Odoo account."))
            code = (detail.get("TaxCodeRef") or {}).get("value")
            tax = taxes.get(code) if code not in (None, "NON") else None
            if code not in (None, "NON") and tax is None:
                raise MirrorProblem(self.env._("QuickBooks tax code %s is not mapped to an Odoo tax.", code))
            values.update(
                {
                    "name": line.get("Description") or item_name(items, detail) or "/",
                    "account_id": account.id,
                    "tax_ids": [(6, 0, tax.ids if tax else [])],
                }
            )
            lines.append(values)
        return lines

    def _bound_product(self, backend, item_id):
        row = self.env["quickbooks.sync.state"].sudo()._binding_for_qbo(backend, "Item", item_id)
        if row and row.res_model == "product.product":
            return self.env["product.product"].browse(row.res_id)
        return self.env["product.product"]


def item_name(items, detail):
    item = items.get((detail.get("ItemRef") or {}).get("value")) or {}
    return item.get("Name")


class QuickbooksBackend(models.Model):
    _inherit = "quickbooks.backend"  # pylint: disable=consider-merging-classes-inherited  # a file per concern

    def _parallel_run_from_qbo(self):
        """The running parallel run in which QuickBooks is the working side, if any."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        return (
            self.env["quickbooks.parallel.run"]
            .sudo()
            .search(
                [
                    ("backend_id", "=", self.id),
                    ("state", "=", "running"),
                    ("direction", "=", "qbo_to_odoo"),
                    ("end_date", ">=", today),
                ],
                limit=1,
            )
        )
