"""Review, before the first push, which QuickBooks Item each Odoo product becomes.

With *Products as Items* on, a product's first document makes its Item, or adopts the QuickBooks Item that has
its SKU (else its name).  A company that already sells in QuickBooks has Items of its own: this screen lists
every product sold or bought that has no Item yet, with the Item it would adopt and why, so that the manager
sees the matches before any document is sent and says no where the match is wrong.  Saving binds the accepted
matches and records the refused ones, whose first document then makes a new Item (the name of the refused one
is taken, so the new Item gets the product's reference after it).  Products not reviewed are matched by the
same rule when their first document is sent.
"""

from odoo import api, fields, models

from ..models.quickbooks_push_product import ADOPTABLE_TYPES, posting_accounts
from ..tools.access import check_backends, check_manager, check_values


def _item_matches(products, items, bound_item_ids):
    """{product id: (Item, reason, note)} by the push's own rule: the active adoptable Item with the product's
    SKU, else with its name.  An Item is proposed once (to the first product that matches it) and never when
    another product has it already; a name taken by an Item that cannot be adopted is said in the note."""
    adoptable = [
        item
        for item in items
        if item.get("Active", True) and item.get("Type") in ADOPTABLE_TYPES and str(item["Id"]) not in bound_item_ids
    ]
    by_sku, by_name, names = {}, {}, {}
    for item in adoptable:
        if item.get("Sku"):
            by_sku.setdefault(item["Sku"], item)
        by_name.setdefault(item.get("Name"), item)
    for item in items:
        names.setdefault(item.get("Name"), item)
    taken, found = set(), {}
    for product in products:
        name = (product.name or "")[:100]
        candidates = [
            (by_sku.get((product.default_code or "")[:100]) if product.default_code else None, "sku"),
            (by_name.get(name), "name"),
        ]
        item, reason = next(((item, why) for item, why in candidates if item and item["Id"] not in taken), (None, None))
        if item is not None:
            taken.add(item["Id"])
            found[product.id] = (item, reason, "")
            continue
        other = names.get(name)
        note = ""
        if other is not None:
            kind = other.get("Type") if other.get("Active", True) else f"{other.get('Type')}, inactive"
            note = f"An Item named so exists ({kind}): the new Item gets the product's reference after its name."
        found[product.id] = (None, "new", note)
    return found


class QuickbooksItemMatchWizard(models.TransientModel):
    _name = "quickbooks.item.match.wizard"
    _description = "Review which QuickBooks Item each product becomes"

    backend_id = fields.Many2one("quickbooks.backend", required=True, readonly=True)
    line_ids = fields.One2many("quickbooks.item.match.wizard.line", "wizard_id")
    adopt_count = fields.Integer(compute="_compute_counts", help="Products that will use an existing Item.")
    new_count = fields.Integer(compute="_compute_counts", help="Products that will get a new Item.")

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, frozenset({"line_ids"}), frozenset({"backend_id"}), create=True)
        default = self.env.context.get("default_backend_id")
        check_backends(self.env, [vals.get("backend_id", default) for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, [vals], frozenset({"line_ids"}))
        return super().write(vals)

    @api.depends("line_ids.adopt", "line_ids.qbo_item_id")
    def _compute_counts(self):
        for wizard in self:
            adopted = wizard.line_ids.filtered(lambda line: line.adopt and line.qbo_item_id)
            wizard.adopt_count = len(adopted)
            wizard.new_count = len(wizard.line_ids) - len(adopted)

    @api.model
    def _products_to_review(self, backend):
        """Active products sold or bought in the connection's company that have no Item yet."""
        company = backend.company_id
        products = (
            self.env["product.product"]
            .sudo()
            .with_company(company)
            .search(
                [
                    ("company_id", "in", (False, company.id)),
                    "|",
                    ("sale_ok", "=", True),
                    ("purchase_ok", "=", True),
                ],
                order="default_code, name, id",
            )
        )
        bound = set(
            self.env["quickbooks.sync.state"]
            .sudo()
            .search(
                [
                    ("backend_id", "=", backend.id),
                    ("res_model", "=", "product.product"),
                    ("qbo_entity", "=", "Item"),
                    ("state", "=", "done"),
                ]
            )
            .mapped("res_id")
        )
        return products.filtered(lambda product: product.id not in bound)

    @api.model
    def _prepare_for_backend(self, backend):
        """Read QuickBooks' Items (inactive ones too: their names are taken) and list each product to review."""
        backend.ensure_one()
        items = list(backend._qbo_client().query_all("Item", "Active in (true, false)"))
        bound_item_ids = set(
            self.env["quickbooks.sync.state"]
            .sudo()
            .search([("backend_id", "=", backend.id), ("qbo_entity", "=", "Item"), ("qbo_id", "!=", False)])
            .mapped("qbo_id")
        )
        products = self._products_to_review(backend)
        matches = _item_matches(products, items, bound_item_ids)
        lines = []
        for product in products:
            item, reason, note = matches[product.id]
            accounts = posting_accounts(item or {})
            lines.append(
                {
                    "product_id": product.id,
                    "qbo_item_id": str(item["Id"]) if item else False,
                    "qbo_item_name": item.get("FullyQualifiedName") or item.get("Name") if item else False,
                    "qbo_item_sku": item.get("Sku") if item else False,
                    "qbo_item_type": item.get("Type") if item else False,
                    "qbo_sync_token": str(item.get("SyncToken", "")) if item else False,
                    "qbo_income_account": accounts["income_account_id"],
                    "qbo_expense_account": accounts["expense_account_id"],
                    "match_reason": reason,
                    "adopt": bool(item),
                    "note": note,
                }
            )
        return self.create({"backend_id": backend.id, "line_ids": [fields.Command.create(v) for v in lines]})

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Products and QuickBooks Items"),
        }

    def action_apply(self):
        """Bind the accepted matches; record the refused ones so that their first document makes a new Item.

        :raise AccessError: if the user is not a QuickBooks manager of the connection
        """
        self.ensure_one()
        check_manager(self.backend_id)
        SyncRecords = self.env["quickbooks.sync.state"].sudo()
        adopted = refused = 0
        company = self.backend_id.company_id
        for line in self.line_ids.filtered(lambda line: line.product_id.company_id in (company, company.browse())):
            row = SyncRecords._binding_for(self.backend_id, line.product_id, "Item")
            if row.state == "done" and row.qbo_id:
                continue  # bound meanwhile (a document was sent since the list was read)
            if line.adopt and line.qbo_item_id:
                item = {"Id": line.qbo_item_id, "SyncToken": line.qbo_sync_token or "0", "Name": line.qbo_item_name}
                known = {
                    "income_account_id": line.qbo_income_account or "",
                    "expense_account_id": line.qbo_expense_account or "",
                }
                row._mark_done(item, known, origin="odoo", qbo_absent_at=False)
                adopted += 1
            else:
                # "Not in QuickBooks": the push makes a new Item without looking for one to adopt.
                row.write({"qbo_absent_at": fields.Datetime.now()})
                refused += 1
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("QuickBooks"),
                "message": self.env._(
                    "%(adopted)s product(s) use an existing QuickBooks Item; %(new)s get a new Item with their first "
                    "document.",
                    adopted=adopted,
                    new=refused,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
