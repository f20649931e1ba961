"""A product's QuickBooks Item follows the product: a change to what the Item shows (name, internal reference,
prices, sales description, archived) is sent to it (``quickbooks_push_product.py``)."""

from odoo import models

from .. import const
from ..tools.jobs import enqueue, job

#: Product fields the Item shows: editing one of them sends the Item again.
ITEM_SOURCE_FIELDS = frozenset(
    {"name", "default_code", "list_price", "lst_price", "standard_price", "description_sale", "active", "categ_id"}
)


class ProductProduct(models.Model):
    _inherit = "product.product"

    def write(self, vals):
        result = super().write(vals)
        if ITEM_SOURCE_FIELDS & set(vals):
            self._quickbooks_schedule_item_update()
        return result

    def _quickbooks_schedule_item_update(self):
        """One job per product and connection whose Item Odoo made or adopted (an import's Items are
        QuickBooks' own: Odoo does not write them)."""
        if self.env.su and self.env.context.get(const.IMPORT_CONTEXT):
            return
        rows = (
            self.env["quickbooks.sync.state"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "product.product"),
                    ("res_id", "in", self.ids),
                    ("qbo_entity", "=", "Item"),
                    ("qbo_id", "!=", False),
                    ("origin", "=", "odoo"),
                ]
            )
        )
        for row in rows:
            backend = row.backend_id
            if backend.state != "connected" or not backend.qbo_products_as_items:
                continue
            product = self.browse(row.res_id)
            enqueue(product, f"QuickBooks: update item {product.display_name}")._quickbooks_item_job(backend)

    @job
    def _quickbooks_item_job(self, backend):
        """Job: send this product's name, reference, prices, description and active flag to its Item."""
        self.ensure_one()
        Push = self.env["quickbooks.push"]
        row = self.env["quickbooks.sync.state"]._binding_for(backend, self, "Item", create=False)
        return Push._run(backend, row, lambda: Push._update_product_item(backend, self)).state


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def write(self, vals):
        result = super().write(vals)
        if ITEM_SOURCE_FIELDS & set(vals):
            self.with_context(active_test=False).product_variant_ids._quickbooks_schedule_item_update()
        return result
