"""Push product.product → QBO Item (Odoo is master), so that QuickBooks' sales by product show what was sold.

A product sold or bought (invoice, credit note, bill, refund) becomes a QuickBooks Item the first time a
document needs it:
a Service Item for a service, a NonInventory Item for goods (Odoo does not send quantities, so never an
Inventory Item), with its internal reference as SKU, its name, sales description, sales price, cost, and its
income and expense accounts through the account mapping.  An Item that exists already is adopted instead:
the one with the product's SKU, else the one of its name (an import from QuickBooks binds its products to
their Items the same way).  A name taken by an Item that cannot be adopted (inactive, or of another type)
gets the product's reference or id after it.

A document line references the product's Item only when that Item posts to the QuickBooks account the line's
own account is mapped to; otherwise (a fiscal position's account, an account changed by hand) it keeps the
account's Item, so the amounts land on the same accounts either way (``adapters.mappings.Mappings.sales_item``).
Its category becomes a QuickBooks Category the Item is filed under (the category's parents too; a product
without category is at the top level).  A change to the product (name, reference,
prices, description, category, archived) is sent as a sparse update of the Item, and an account change never
rewrites QuickBooks' past transactions (the update changes the Item only).
"""

from odoo import api, models

from ..adapters.mappings import ProductItem
from ..qbo import NotFoundError, quote_literal
from ..qbo.money import to_decimal
from ..qbo.payloads import ItemData, Ref, build_category, build_item
from ..qbo.redact import get_logger

_logger = get_logger(__name__)

#: QuickBooks Item types a product can be adopted as (an Inventory Item tracks quantities Odoo does not send).
ADOPTABLE_TYPES = ("Service", "NonInventory")


def posting_accounts(item):
    """The QuickBooks accounts an Item posts sales and purchases to (ids; empty when it has none)."""
    return {
        "income_account_id": str((item.get("IncomeAccountRef") or {}).get("value") or ""),
        "expense_account_id": str((item.get("ExpenseAccountRef") or {}).get("value") or ""),
    }


class QuickbooksPush(models.AbstractModel):
    _inherit = "quickbooks.push"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    @api.model
    def _product_items(self, backend, move, client):
        """{product.product: ProductItem} of the products of ``move``'s lines (empty when the connection keeps
        one Item per account; none for a product whose income account is not mapped)."""
        products = move.invoice_line_ids.filtered(lambda line: line.display_type == "product").product_id
        return self._items_of_products(backend, products, client)

    @api.model
    def _items_of_products(self, backend, products, client):
        """{product.product: ProductItem} of ``products`` (made or adopted first when needed; empty when the
        connection keeps one Item per account; none for a product whose income account is not mapped)."""
        if not backend.qbo_products_as_items:
            return {}
        found = {}
        for product in products:
            item = self._push_product_item(backend, product, client)
            if item:
                found[product] = item
        return found

    @api.model
    def _product_accounts(self, backend, product):
        """(income, expense) QuickBooks accounts the product's own Odoo accounts are mapped to (None: not mapped)."""
        accounts = product.product_tmpl_id.with_company(backend.company_id)._get_product_accounts()
        odoo_accounts = (accounts.get("income"), accounts.get("expense"))
        mappings = self._quickbooks_mappings(
            backend, self.env["account.account"].union(*[account for account in odoo_accounts if account])
        )
        return tuple(
            mappings.account(account).qbo_account if account and mappings.account(account).mapped else None
            for account in odoo_accounts
        )

    @api.model
    def _push_product_item(self, backend, product, client):
        """The ProductItem of ``product`` (made or adopted the first time), or None when its income account is not
        mapped to a QuickBooks account."""
        SyncRecords = self.env["quickbooks.sync.state"]
        row = SyncRecords._binding_for(backend, product, "Item", create=False)
        if row.qbo_id and row.state == "done":
            known = row.synced_values or {}
            if "income_account_id" not in known:  # bound by an import: read once which accounts it posts to
                try:
                    item = client.get("Item", row.qbo_id)
                except NotFoundError:
                    item = {}
                known = {**known, **posting_accounts(item)}
                row.sudo().synced_values = known
            if not known.get("income_account_id"):
                return None
            return ProductItem(Ref(row.qbo_id), known["income_account_id"], known.get("expense_account_id", ""))
        income, expense = self._product_accounts(backend, product)
        if income is None:
            return None
        row = row or SyncRecords._binding_for(backend, product, "Item")
        if row.qbo_absent_at:  # the Items review refused the match: a new Item, under a name no Item has
            item, name = self._named_item(product, (product.name or "")[:100], client, own_id="")
        else:
            item, name = self._adoptable_item(product, client)
        if item is None:
            parent = self._category_ref(backend, product.categ_id, client)
            body = build_item(self._item_data(product, income, expense, name, parent=parent))
            item = client.create(
                "Item", body, request_id=self._request_id("Item", product._name, product.id, backend.id)
            )
        known = posting_accounts(item)
        row._mark_done(item, known, origin="odoo")
        return ProductItem(
            Ref(str(item["Id"]), item.get("Name")), known["income_account_id"], known["expense_account_id"]
        )

    @api.model
    def _item_data(self, product, income, expense, name, parent=None):
        return ItemData(
            parent=parent,
            name=name,
            item_type="Service" if product.type == "service" else "NonInventory",
            income_account=income.ref,
            expense_account=expense.ref if expense else None,
            sku=product.default_code or None,
            description=product.description_sale or None,
            unit_price=to_decimal(product.lst_price),
            purchase_cost=to_decimal(product.standard_price),
        )

    @api.model
    def _adoptable_item(self, product, client):
        """(Item, None) of an active Service or NonInventory Item with the product's SKU, else with its name;
        (None, the name a new Item gets) when there is none: the product's name, or with its reference (its id)
        after it when an Item that cannot be adopted has that name (QuickBooks' Item names are unique, inactive
        Items included)."""
        if product.default_code:
            for item in client.query_all("Item", f"Sku = {quote_literal(product.default_code[:100])}"):
                if item.get("Active", True) and item.get("Type") in ADOPTABLE_TYPES:
                    return item, None
        name = (product.name or "")[:100]
        return self._named_item(product, name, client)

    @api.model
    def _named_item(self, product, name, client, own_id=None):
        """(Item, None) of the active adoptable Item named ``name``, or (None, a name no other Item has); with
        ``own_id`` (the Item being renamed, or "" for a new Item that must not adopt) never an Item."""
        taken = [item for item in self._items_named(name, client) if str(item["Id"]) != str(own_id)]
        for item in taken:
            if own_id is None and item.get("Active", True) and item.get("Type") in ADOPTABLE_TYPES:
                return item, None
        return None, self._suffixed(product, name) if taken else name

    @api.model
    def _items_named(self, name, client):
        """The Items of that name, inactive ones included (QuickBooks' Item names are unique among both)."""
        return list(client.query_all("Item", f"Name = {quote_literal(name)} and Active in (true, false)"))

    @api.model
    def _category_ref(self, backend, category, client):
        """The QuickBooks Category of a product category (its parents' first), made or adopted the first time;
        None for none (a product without category is filed at the top level)."""
        if not category:
            return None
        SyncRecords = self.env["quickbooks.sync.state"]
        row = SyncRecords._binding_for(backend, category, "Item", create=False)
        if row.qbo_id and row.state == "done":
            return Ref(row.qbo_id)
        parent = self._category_ref(backend, category.parent_id, client)
        # The binding first: a job making the same Category meanwhile waits on it, then retries and finds it.
        row = row or SyncRecords._binding_for(backend, category, "Item")
        name = (category.name or "")[:100]
        taken = self._items_named(name, client)
        found = next((item for item in taken if item.get("Type") == "Category" and item.get("Active", True)), None)
        if found is None:
            if taken:  # an Item of another kind has the name: the category's gets its id after it
                name = f"{name[:80]} (Odoo category {category.id})"
            found = client.create(
                "Item",
                build_category(name, parent),
                request_id=self._request_id("Category", category.id, backend.id),
            )
        row._mark_done(found, {}, origin="odoo")
        return Ref(str(found["Id"]))

    @api.model
    def _update_product_item(self, backend, product, client=None):
        """Send the product's name, reference, prices, description and whether it is archived to its Item (a
        sparse update: nothing else of the Item changes, its account included)."""
        row = self.env["quickbooks.sync.state"]._binding_for(backend, product, "Item", create=False)
        if not row.qbo_id or row.origin == "qbo":
            return row
        client = client or backend._qbo_client()
        current = client.get("Item", row.qbo_id)
        body = {
            "Id": row.qbo_id,
            "SyncToken": current["SyncToken"],
            "Name": self._renamed(product, current, client),
            "Sku": (product.default_code or "")[:100],
            "Description": (product.description_sale or "")[:4000],
            "UnitPrice": float(product.lst_price),
            "PurchaseCost": float(product.standard_price),
            "Active": bool(product.active),
        }
        parent = self._category_ref(backend, product.categ_id, client)
        if parent is not None:
            body.update(SubItem=True, ParentRef=parent.to_json())
        stored = client.update(
            "Item", body, request_id=self._request_id("Item update", product.id, current["SyncToken"])
        )
        row._mark_done(stored, {**(row.synced_values or {})}, origin="odoo")
        return row

    @api.model
    def _renamed(self, product, current, client):
        """The Item's name after the product's: unchanged while the product's name is, else the new name (with
        the product's reference after it when another Item has that name)."""
        name = (product.name or "")[:100]
        if current.get("Name") in (name, self._suffixed(product, name)):
            return current["Name"]
        return self._named_item(product, name, client, own_id=current["Id"])[1]

    @api.model
    def _suffixed(self, product, name):
        suffix = f" ({product.default_code or f'Odoo {product.id}'})"
        return name[: 100 - len(suffix)] + suffix
