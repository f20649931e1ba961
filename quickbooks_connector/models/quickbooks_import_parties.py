"""Step 2 of an import from QuickBooks: customers, vendors and products.

QuickBooks' active customers, vendors and items are matched to Odoo's partners (e-mail, tax number, name) and
products (SKU, name) in a list the manager reviews; confirmed, jobs of :data:`const.IMPORT_PARTY_CHUNK` create
the missing ones and bind each to its QuickBooks original, so nothing is sent twice later.  The last job lists
the open documents (step 3).
"""

from odoo import api, fields, models

from .. import const
from ..adapters.entities import owned
from ..adapters.sides import PAYABLE, RECEIVABLE
from ..tools import cutover_matching as matching
from ..tools.access import check_manager
from ..tools.jobs import enqueue, job
from ..tools.statistics import refresh_statistics
from .quickbooks_import import PRODUCT_TYPE_OF


class QuickbooksImport(models.Model):
    _inherit = "quickbooks.import"

    def _read_parties(self, backend):
        client = backend._qbo_client()
        Partners = self.env["res.partner"].sudo().with_context(active_test=False)
        partners = Partners.search([("company_id", "in", (False, self.company_id.id)), ("is_company", "=", True)])
        partners |= Partners.search([("company_id", "in", (False, self.company_id.id)), ("parent_id", "=", False)])
        odoo_parties = [
            matching.Party(partner.id, partner.name or "", partner.email or "", partner.vat or "")
            for partner in partners
        ]
        self.line_ids.filtered(lambda line: line.kind != "account").sudo().unlink()
        values = []
        for kind, entity, tax_field in (
            ("customer", "Customer", "PrimaryTaxIdentifier"),
            ("vendor", "Vendor", "TaxIdentifier"),
        ):
            found = list(client.query_all(entity, "Active = true"))
            parties = [
                matching.Party(
                    str(obj["Id"]),
                    obj.get("DisplayName") or "",
                    (obj.get("PrimaryEmailAddr") or {}).get("Address") or "",
                    obj.get(tax_field) or "",
                )
                for obj in found
            ]
            matches = matching.match_parties(parties, odoo_parties, bound=self._bound(backend, entity, "res.partner"))
            values += [
                {
                    "import_id": self.id,
                    "kind": kind,
                    "qbo_id": str(obj["Id"]),
                    "qbo_name": obj.get("DisplayName") or "",
                    "qbo_email": (obj.get("PrimaryEmailAddr") or {}).get("Address") or "",
                    "partner_id": matches[str(obj["Id"])].odoo_id,
                    "reason": matches[str(obj["Id"])].reason,
                }
                for obj in found
            ]
        Products = self.env["product.product"].sudo().with_context(active_test=False)
        products = Products.search([("company_id", "in", (False, self.company_id.id))])
        items = [item for item in client.query_all("Item", "Active = true") if item.get("Type") in PRODUCT_TYPE_OF]
        matches = matching.match_parties(
            [matching.Party(str(item["Id"]), item.get("Name") or "", sku=item.get("Sku") or "") for item in items],
            [matching.Party(product.id, product.name or "", sku=product.default_code or "") for product in products],
            keys=("sku", "name"),
            bound=self._bound(backend, "Item", "product.product"),
        )
        values += [
            {
                "import_id": self.id,
                "kind": "product",
                "qbo_id": str(item["Id"]),
                "qbo_name": item.get("Name") or "",
                "qbo_type": item.get("Type"),
                "qbo_sku": item.get("Sku") or "",
                "product_id": matches[str(item["Id"])].odoo_id,
                "reason": matches[str(item["Id"])].reason,
            }
            for item in items
        ]
        self.env["quickbooks.import.line"].sudo().create(values)

    def action_confirm_parties(self):
        """Queue the creation of the new customers, vendors and products (each bound to its QuickBooks
        original), then the import of the open documents."""
        self.ensure_one()
        check_manager(self)
        self._connected_backend()
        self.sudo().state = "documents"
        self.sudo().documents_started_at = fields.Datetime.now()
        enqueue(self, self.env._("QuickBooks import: customers, vendors and products"))._quickbooks_import_parties_job()
        return True

    @job
    def _quickbooks_import_parties_job(self, after=0):
        """Job: create and bind the next customers, vendors and products the review kept (``IMPORT_PARTY_CHUNK``
        at a time, in the order of their lines after line ``after``, then the next job), then list the open
        documents.  What is bound already (an earlier try) is skipped; one QuickBooks deleted since is left."""
        self.ensure_one()
        backend = self._connected_backend()
        entities = {"customer": "Customer", "vendor": "Vendor", "product": "Item"}
        # The next lines by id, read by the database: a chunk costs the same at the first line and the
        # 20,000th (filtering every line of the import in Python made each chunk longer than the one before).
        Lines = self.env["quickbooks.import.line"].sudo()
        domain = [("import_id", "=", self.id), ("kind", "in", list(entities))]
        lines = Lines.search([*domain, ("id", ">", after)], order="id", limit=const.IMPORT_PARTY_CHUNK)
        bound = self._bound_party_ids(list(entities.values()), lines.mapped("qbo_id"))
        chunk = lines.filtered(lambda line: (entities[line.kind], line.qbo_id) not in bound)
        more = bool(lines) and bool(Lines.search_count([*domain, ("id", ">", lines[-1].id)], limit=1))

        def work():
            client = backend._qbo_client()
            for kind, entity in entities.items():
                of_kind = chunk.filtered(lambda line, k=kind: line.kind == k)
                if not of_kind:
                    continue
                found = client.find_in(entity, "Id", of_kind.mapped("qbo_id"))
                present = [(line, found[line.qbo_id][0]) for line in of_kind if found.get(line.qbo_id)]
                if entity == "Item":
                    for line, item in present:
                        self._bind_product(backend, line, item)
                    continue
                partners = self._bind_parties(
                    backend, entity, [(qbo_object, line.partner_id) for line, qbo_object in present]
                )
                for (line, _qbo_object), partner in zip(present, partners, strict=True):
                    if line.partner_id != partner:
                        line.sudo().write({"partner_id": partner.id, "reason": line.reason})

        self.env["quickbooks.push"]._run(backend, self.env["quickbooks.sync.state"], work)
        refresh_statistics(self.env, ("res_partner", "product_template", "product_product", "quickbooks_sync_state"))
        if more:
            enqueue(
                self, self.env._("QuickBooks import: customers, vendors and products (continued)")
            )._quickbooks_import_parties_job(after=lines[-1].id)
        else:
            self._queue_documents()
        return self.env._("%s customer(s), vendor(s) and product(s) bound", len(chunk))

    def _bound_party_ids(self, entities, qbo_ids):
        """{(QuickBooks entity, Id)} of the customers, vendors and items among ``qbo_ids`` bound to Odoo
        records."""
        rows = (
            self.env["quickbooks.sync.state"]
            .sudo()
            .search_read(
                [
                    ("backend_id", "=", self.backend_id.id),
                    ("qbo_entity", "in", entities),
                    ("qbo_id", "in", qbo_ids),
                    ("res_model", "in", ("res.partner", "product.product")),
                ],
                ["qbo_entity", "qbo_id"],
            )
        )
        return {(row["qbo_entity"], row["qbo_id"]) for row in rows}

    @api.model
    def _bind_party(self, backend, entity, qbo_object, partner=None):
        """The Odoo partner of this QuickBooks customer (vendor), bound to it: the one bound already (a second
        run, or one Odoo sent), else ``partner``, else a new one made of QuickBooks' values."""
        return self._bind_parties(backend, entity, [(qbo_object, partner)])[0]

    @api.model
    def _bind_parties(self, backend, entity, wanted):
        """The Odoo partners of these QuickBooks customers (vendors), in the order of ``wanted`` (pairs of a
        QuickBooks object and the partner the review matched it to, or none), each bound to its object: the
        one bound already, else the matched one, else a new one made of QuickBooks' values.

        Many at once: the new partners are created in one batch and their bindings in another, which is what
        makes a company of tens of thousands of customers quick to bring in (one partner and one binding at a
        time cost a dozen statements each)."""
        side = RECEIVABLE if entity == "Customer" else PAYABLE
        rank = "customer_rank" if side is RECEIVABLE else "supplier_rank"
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        Partners = (
            self.env["res.partner"]
            .sudo()
            .with_context(tracking_disable=True, mail_create_nolog=True, **{const.IMPORT_CONTEXT: True})
        )
        qbo_ids = [str(qbo_object["Id"]) for qbo_object, _partner in wanted]
        bound_rows = SyncRecords.search(
            [
                ("backend_id", "=", backend.id),
                ("qbo_entity", "=", entity),
                ("qbo_id", "in", qbo_ids),
                ("res_model", "=", "res.partner"),
            ]
        )
        bound = {row.qbo_id: row.res_id for row in bound_rows}
        new_values = {}
        for qbo_object, partner in wanted:
            qbo_id = str(qbo_object["Id"])
            if qbo_id not in bound and not partner and qbo_id not in new_values:
                new_values[qbo_id] = self._partner_values(qbo_object, side)
        created = dict(zip(new_values, Partners.create(list(new_values.values())).ids, strict=True))
        partner_ids = [
            bound.get(qbo_id) or (partner.id if partner else created[qbo_id])
            for qbo_id, (_qbo_object, partner) in zip(qbo_ids, wanted, strict=True)
        ]
        Partners.browse(partner_ids).filtered(lambda partner: not partner[rank]).write({rank: 1})
        to_bind = {}  # (partner id, binding key) -> QuickBooks object
        keys = {}  # currency code -> binding key
        home = backend.company_id.currency_id.name
        for qbo_id, partner_id, (qbo_object, _partner) in zip(qbo_ids, partner_ids, wanted, strict=True):
            if qbo_id not in bound:
                code = (qbo_object.get("CurrencyRef") or {}).get("value") or home
                if code not in keys:
                    keys[code] = self._party_binding_key(backend, code, side)
                to_bind.setdefault((partner_id, keys[code]), qbo_object)
        self._bind_new_rows(backend, "res.partner", entity, to_bind, lambda qbo_object: owned(entity, qbo_object))
        return Partners.browse(partner_ids)

    @api.model
    def _party_binding_key(self, backend, code, side):
        """The binding key of a QuickBooks customer (vendor) in currency ``code``: its side, and its currency
        unless the home one."""
        home = backend.company_id.currency_id
        currency = self.env["res.currency"].with_context(active_test=False).search([("name", "=", code)], limit=1)
        return self.env["quickbooks.push"]._customer_key(backend, currency or home, side)

    @api.model
    def _bind_new_rows(self, backend, res_model, entity, to_bind, synced_values):
        """Bind each Odoo record of ``to_bind`` ({(record id, binding key): QuickBooks object}) to its object,
        done: a pending row that exists already is marked done, one bound to an object is left as it is, the
        others are created in one batch."""
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        if not to_bind:
            return SyncRecords
        existing = SyncRecords.search_read(
            [
                ("backend_id", "=", backend.id),
                ("res_model", "=", res_model),
                ("res_id", "in", [res_id for res_id, _key in to_bind]),
            ],
            ["res_id", "binding_key", "qbo_id"],
        )
        rows = {(row["res_id"], row["binding_key"] or ""): row for row in existing}
        pending = SyncRecords.browse(row["id"] for slot, row in rows.items() if slot in to_bind and not row["qbo_id"])
        for row in pending:
            qbo_object = to_bind[(row.res_id, row.binding_key or "")]
            row._mark_done(qbo_object, synced_values(qbo_object), origin="qbo")
        return SyncRecords.create(
            [
                {
                    "backend_id": backend.id,
                    "res_model": res_model,
                    "res_id": res_id,
                    "binding_key": key,
                    "qbo_entity": entity,
                    **SyncRecords._done_values(entity, qbo_object, synced_values(qbo_object), origin="qbo"),
                }
                for (res_id, key), qbo_object in to_bind.items()
                if (res_id, key) not in rows
            ]
        )

    @api.model
    def _partner_values(self, qbo_object, side):
        address = qbo_object.get("BillAddr") or {}
        country = self.env["res.country"].search(
            [("code", "in", ("US",) if address.get("Country") in ("USA", "US") else (address.get("Country") or "",))],
            limit=1,
        )
        state = (
            self.env["res.country.state"].search(
                [("country_id", "=", country.id), ("code", "=", address.get("CountrySubDivisionCode"))], limit=1
            )
            if country
            else self.env["res.country.state"]
        )
        return {
            "name": qbo_object.get("DisplayName") or qbo_object.get("CompanyName") or qbo_object["Id"],
            "is_company": True,
            "email": (qbo_object.get("PrimaryEmailAddr") or {}).get("Address") or False,
            "phone": (qbo_object.get("PrimaryPhone") or {}).get("FreeFormNumber") or False,
            "street": address.get("Line1") or False,
            "city": address.get("City") or False,
            "zip": address.get("PostalCode") or False,
            "country_id": country.id or False,
            "state_id": state.id or False,
            "customer_rank": 1 if side is RECEIVABLE else 0,
            "supplier_rank": 1 if side is PAYABLE else 0,
        }

    def _bind_product(self, backend, line, item):
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        bound = SyncRecords._binding_for_qbo(backend, "Item", item["Id"])
        if bound:
            if bound.res_model == "product.product":
                line.sudo().write({"product_id": bound.res_id, "reason": line.reason})
            return
        product = line.product_id or self.env["product.product"].sudo().create(self._product_values(item))
        line.sudo().write({"product_id": product.id, "reason": line.reason})
        SyncRecords._binding_for(backend, product, "Item")._mark_done(item, {}, origin="qbo")

    def _product_values(self, item):
        accounts = {line.qbo_id: line.account_id for line in self.account_line_ids}
        values = {
            "name": item.get("Name"),
            "default_code": item.get("Sku") or False,
            "type": PRODUCT_TYPE_OF.get(item.get("Type"), "service"),
            "list_price": float(item.get("UnitPrice") or 0),
            "standard_price": float(item.get("PurchaseCost") or 0),
            "sale_ok": bool(item.get("IncomeAccountRef")),
            "purchase_ok": bool(item.get("ExpenseAccountRef")),
        }
        income = accounts.get((item.get("IncomeAccountRef") or {}).get("value"))
        expense = accounts.get((item.get("ExpenseAccountRef") or {}).get("value"))
        if income:
            values["property_account_income_id"] = income.id
        if expense:
            values["property_account_expense_id"] = expense.id
        return values
