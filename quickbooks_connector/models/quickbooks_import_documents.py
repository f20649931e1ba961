"""Step 3 of an import from QuickBooks: the documents open at the cutover date.

Each unpaid invoice, credit memo, bill and vendor credit dated up to the cutover becomes an Odoo document of
its open balance, dated and numbered as in QuickBooks (its number in the reference), bound to its QuickBooks
original: a payment made later on either side applies to it, and the connector never sends it (QuickBooks
keeps the original, with its lines).  Its other side waits on the cutover clearing account until the opening
balances empty it.

One job reads the list (QuickBooks' query pages hold 1,000 objects), then jobs of
:data:`const.IMPORT_CHUNK` documents create them, each committing its own: a worker killed in the middle
loses one chunk, which its retry makes again; what is bound is skipped, so a second run creates nothing.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from .. import const
from ..adapters.entities import fingerprint
from ..qbo.redact import get_logger
from ..tools.access import check_manager
from ..tools.dates import parse_qbo_date
from ..tools.jobs import enqueue, job
from ..tools.statistics import refresh_statistics

_logger = get_logger(__name__)

#: QuickBooks entity -> (Odoo move type, the field of its open amount, the party's entity).
OPEN_DOCUMENTS = {
    "Invoice": ("out_invoice", "Balance", "Customer"),
    "CreditMemo": ("out_refund", "RemainingCredit", "Customer"),
    "Bill": ("in_invoice", "Balance", "Vendor"),
    "VendorCredit": ("in_refund", "Balance", "Vendor"),
}


def open_amount(entity, qbo_object):
    field_name = OPEN_DOCUMENTS[entity][1]
    return round(float(qbo_object.get(field_name, qbo_object.get("Balance")) or 0), 2)


class QuickbooksImport(models.Model):
    _inherit = "quickbooks.import"  # pylint: disable=consider-merging-classes-inherited  # a file per step

    documents_total = fields.Integer("Documents to Import", readonly=True)
    documents_done = fields.Integer("Documents Imported", compute="_compute_documents_progress")
    documents_progress = fields.Float("Progress", compute="_compute_documents_progress")
    documents_time_left = fields.Char("Time Left", compute="_compute_documents_progress")
    documents_started_at = fields.Datetime(readonly=True)
    documents_bound_before = fields.Integer(
        readonly=True, help="Open documents an earlier import (or this one, before it was resumed) had bound."
    )
    move_ids = fields.One2many("account.move", "quickbooks_import_id", "Imported Entries", readonly=True)

    @api.depends("documents_total", "move_ids")
    def _compute_documents_progress(self):
        counts = dict(
            self.env["account.move"]
            .sudo()
            ._read_group(
                [("quickbooks_import_id", "in", self.ids), ("move_type", "!=", "entry")],
                ["quickbooks_import_id"],
                ["__count"],
            )
        )
        now = fields.Datetime.now()
        for run in self:
            done = run.documents_bound_before + counts.get(run, 0)
            run.documents_done = done
            run.documents_progress = 100.0 * done / run.documents_total if run.documents_total else 0.0
            left = run.documents_total - done
            if done and left > 0 and run.documents_started_at:
                seconds = (now - run.documents_started_at).total_seconds() / done * left
                run.documents_time_left = self.env._("about %s min", max(1, round(seconds / 60)))
            else:
                run.documents_time_left = False

    def _queue_documents(self):
        enqueue(self, self.env._("QuickBooks import: list the open documents"))._quickbooks_import_list_job()

    def action_import_documents(self):
        """Read the open documents again and import those not imported yet (after a stop, or to resume)."""
        self.ensure_one()
        check_manager(self)
        self._connected_backend()
        self.sudo().documents_started_at = fields.Datetime.now()
        self._queue_documents()
        return True

    @job
    def _quickbooks_import_list_job(self):
        """Job: list QuickBooks' documents open at the cutover date; queue their import by chunks."""
        self.ensure_one()
        backend = self._connected_backend()
        Push = self.env["quickbooks.push"]
        work = []

        def read():
            client = backend._qbo_client()
            for entity in OPEN_DOCUMENTS:
                where = f"TxnDate <= '{self.cutover_date.isoformat()}'"
                for qbo_object in client.query_all(entity, where):
                    if open_amount(entity, qbo_object) > 0:
                        work.append((entity, str(qbo_object["Id"])))

        Push._run(backend, self.env["quickbooks.sync.state"], read)
        bound = self._bound_ids()
        todo = [(entity, qbo_id) for entity, qbo_id in work if qbo_id not in bound.get(entity, set())]
        mine = (
            self.env["account.move"]
            .sudo()
            .search_count([("quickbooks_import_id", "=", self.id), ("move_type", "!=", "entry")])
        )
        self.sudo().write({"documents_total": len(work), "documents_bound_before": len(work) - len(todo) - mine})
        for start in range(0, len(todo), const.IMPORT_CHUNK):
            chunk = todo[start : start + const.IMPORT_CHUNK]
            by_entity = {}
            for entity, qbo_id in chunk:
                by_entity.setdefault(entity, []).append(qbo_id)
            enqueue(
                self,
                self.env._(
                    "QuickBooks import: documents %(from)s-%(to)s", **{"from": start + 1, "to": start + len(chunk)}
                ),
            )._quickbooks_import_documents_job(by_entity)
        return self.env._("%(total)s open documents, %(todo)s to import", total=len(work), todo=len(todo))

    def _bound_ids(self, qbo_ids=None):
        """{entity: {QuickBooks Id}} of the documents bound already (among ``qbo_ids`` when given: a chunk reads
        its own, not every binding the import made so far)."""
        domain = [
            ("backend_id", "=", self.backend_id.id),
            ("res_model", "=", "account.move"),
            ("qbo_entity", "in", list(OPEN_DOCUMENTS)),
            ("qbo_id", "!=", False),
        ]
        if qbo_ids is not None:
            domain.append(("qbo_id", "in", list(qbo_ids)))
        rows = self.env["quickbooks.sync.state"].sudo().search_read(domain, ["qbo_entity", "qbo_id"])
        out = {}
        for row in rows:
            out.setdefault(row["qbo_entity"], set()).add(row["qbo_id"])
        return out

    @job
    def _quickbooks_import_documents_job(self, by_entity):
        """Job: import these QuickBooks documents ({entity: [Id]}), skipping those bound already."""
        self.ensure_one()
        backend = self._connected_backend()
        Push = self.env["quickbooks.push"]
        created = self.env["account.move"]

        def work():
            nonlocal created
            client = backend._qbo_client()
            bound = self._bound_ids({str(qbo_id) for ids in by_entity.values() for qbo_id in ids})
            found = []
            for entity, ids in by_entity.items():
                wanted = [qbo_id for qbo_id in ids if qbo_id not in bound.get(entity, set())]
                for objects in client.find_in(entity, "Id", wanted).values():
                    found += [(entity, qbo_object) for qbo_object in objects]
            created = self._import_documents(backend, client, found)

        Push._run(backend, self.env["quickbooks.sync.state"], work)
        refresh_statistics(self.env, ("account_move", "account_move_line", "quickbooks_sync_state"))
        return self.env._("%s document(s) imported", len(created))

    def _import_documents(self, backend, client, found):
        """Create, post and bind the Odoo documents of ``found`` ([(entity, QuickBooks object)]), together:
        Odoo creates and posts a batch of moves much faster than the same moves one by one."""
        if not found:
            return self.env["account.move"]
        # As Odoo's own imports do: no chatter message, follower or tracking per document (the import is the
        # record of where they come from), which is most of what creating a document costs.
        Moves = (
            self.env["account.move"]
            .sudo()
            .with_company(self.company_id)
            .with_context(tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True)
        )
        moves = Moves.create([self._document_values(backend, client, entity, obj) for entity, obj in found])
        # Their receivable (payable) is the account QuickBooks' A/R (A/P) was mapped to, whatever the partner's.
        for party_type in ("asset_receivable", "liability_payable"):
            account = self._party_account(party_type)
            lines = moves.line_ids.filtered(
                lambda line, t=party_type, a=account: (
                    line.display_type == "payment_term" and line.account_id.account_type == t and line.account_id != a
                )
            )
            if account and lines:
                lines.write({"account_id": account.id})
        moves.action_post()
        now = fields.Datetime.now()
        self.env["quickbooks.sync.state"].sudo().create(
            [
                {
                    "backend_id": backend.id,
                    "res_model": "account.move",
                    "res_id": move.id,
                    "qbo_entity": entity,
                    "binding_key": "",
                    "origin": "qbo",
                    "state": "done",
                    "qbo_id": str(qbo_object["Id"]),
                    "sync_token": str(qbo_object.get("SyncToken", "")),
                    "qbo_doc_number": qbo_object.get("DocNumber") or False,
                    "qbo_fingerprint": fingerprint(entity, qbo_object),
                    "synced_values": {},
                    "last_success_at": now,
                    "last_attempt_at": now,
                }
                for move, (entity, qbo_object) in zip(moves, found, strict=True)
            ]
        )
        return moves

    def _document_values(self, backend, client, entity, qbo_object):
        move_type, _field, party_entity = OPEN_DOCUMENTS[entity]
        partner = self._partner_of(
            backend, client, party_entity, (qbo_object.get(f"{party_entity}Ref") or {}).get("value")
        )
        amount = open_amount(entity, qbo_object)
        number = qbo_object.get("DocNumber") or qbo_object["Id"]
        day = parse_qbo_date(qbo_object.get("TxnDate")) or self.cutover_date
        label = self.env._(
            "Open balance of QuickBooks %(entity)s %(number)s (total %(total)s)",
            entity=entity,
            number=number,
            total=qbo_object.get("TotalAmt"),
        )
        return {
            "move_type": move_type,
            "partner_id": partner.id,
            "invoice_date": day,
            "date": day,
            "invoice_date_due": parse_qbo_date(qbo_object.get("DueDate")) or day,
            "ref": number,
            "payment_reference": number if move_type == "out_invoice" else False,
            **self._currency_values(backend, qbo_object),
            "quickbooks_import_id": self.id,
            "invoice_line_ids": [
                (
                    0,
                    0,
                    {
                        "name": label,
                        "quantity": 1,
                        "price_unit": amount,
                        "account_id": self.clearing_account_id.id,
                        "tax_ids": [(6, 0, [])],
                    },
                )
            ],
        }

    @api.model
    def _currency_values(self, backend, qbo_object):
        """The currency of a QuickBooks document, and for a foreign one QuickBooks' own rate: its
        ``ExchangeRate`` (home currency per unit of the document's), which Odoo keeps the other way round.

        :raise UserError: when Odoo has no currency of that code
        """
        home = backend.company_id.currency_id
        code = (qbo_object.get("CurrencyRef") or {}).get("value") or home.name
        if code == home.name:
            return {"currency_id": home.id}
        currency = self.env["res.currency"].sudo().with_context(active_test=False).search([("name", "=", code)])
        if not currency:
            raise UserError(self.env._("Odoo has no currency %s: add it, then try again.", code))
        if not currency.active:
            currency.active = True  # the company's books hold it in QuickBooks
        rate = float(qbo_object.get("ExchangeRate") or 0)
        return {"currency_id": currency.id, **({"invoice_currency_rate": 1 / rate} if rate > 0 else {})}

    def _partner_of(self, backend, client, party_entity, qbo_id):
        """The Odoo partner bound to this QuickBooks customer (vendor); one not imported in step 2 (made
        inactive in QuickBooks since) is imported now."""
        row = self.env["quickbooks.sync.state"].sudo()._binding_for_qbo(backend, party_entity, qbo_id)
        if row and row.res_model == "res.partner":
            return self.env["res.partner"].browse(row.res_id)
        qbo_object = client.get(party_entity, qbo_id)
        return self._bind_party(backend, party_entity, qbo_object)
