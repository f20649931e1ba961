"""The mappings one push needs, read once into the snapshot the adapters are given (``adapters/mappings.py``).

The adapters turn Odoo records into QuickBooks data; which QuickBooks account, Item or tax code an Odoo
account or tax stands for is the connection's business, read here and passed down.
"""

import dataclasses

from odoo import api, models

from ..adapters.mappings import AccountMapping, Mappings, QboAccount, TaxCode
from ..qbo.payloads import Ref


def _qbo_account(record):
    """A quickbooks.qbo.account as the adapters see it (None for an empty one)."""
    if not record:
        return None
    return QboAccount(qbo_id=record.qbo_id, name=record.name, account_type=record.account_type or None)


class QuickbooksPush(models.AbstractModel):
    _inherit = "quickbooks.push"  # pylint: disable=consider-merging-classes-inherited  # one model, a file per concern

    @api.model
    def _quickbooks_mappings(self, backend, accounts, *, taxes=False, bank=False):
        """The snapshot of ``backend``'s mappings of ``accounts`` (every one of them, mapped or not);
        ``taxes``: also the tax mappings, the code of untaxed lines and the active tax codes; ``bank``: also a
        mapped QuickBooks bank account (a bill payment that moves no money still names one)."""
        Mapping = self.env["quickbooks.account.mapping"].sudo()
        found = {
            mapping.account_id: mapping
            for mapping in Mapping.search([("backend_id", "=", backend.id), ("account_id", "in", accounts.ids)])
        }
        account_mappings = {}
        for account in accounts:
            mapping = found.get(account, Mapping.browse())
            account_mappings[account] = AccountMapping(
                qbo_account=_qbo_account(mapping.qbo_account_id),
                mapped=mapping.state == "mapped",
                item=Ref(mapping.qbo_item_id, mapping.qbo_item_name) if mapping.qbo_item_id else None,
                problem=mapping._account_problem(account),
                item_problem=mapping._item_problem(account),
            )
        values = {"accounts": account_mappings}
        if taxes:
            values.update(self._quickbooks_tax_mappings(backend))
        if bank:
            first_bank = Mapping.search(
                [
                    ("backend_id", "=", backend.id),
                    ("qbo_account_id.account_type", "=", "Bank"),
                    ("state", "=", "mapped"),
                ],
                limit=1,
            )
            values["first_bank"] = _qbo_account(first_bank.qbo_account_id)
        return Mappings(**values)

    @api.model
    def _document_mappings(self, backend, move, client=None):
        """What the document of ``move`` needs: the mappings of its journal items' accounts, and the taxes'
        (read after the Items its sales lines need were made), its classes and location
        (``quickbooks_push_tracking.py``); with ``client``, also its products' Items (made
        or adopted in QuickBooks first when needed)."""
        mappings = self._quickbooks_mappings(backend, move.line_ids.account_id, taxes=True)
        mappings = dataclasses.replace(mappings, **self._document_tracking(backend, move))
        if client is None:
            return mappings
        return dataclasses.replace(mappings, product_items=self._product_items(backend, move, client))

    @api.model
    def _quickbooks_tax_mappings(self, backend):
        """The tax part of the snapshot: each mapped tax's code, the code of untaxed lines, the active codes."""
        codes = {}

        def code_of(record):
            if not record:
                return None
            if record.id not in codes:
                codes[record.id] = TaxCode(
                    qbo_id=record.qbo_id,
                    name=record.name,
                    rate_details=tuple(dict(rate) for rate in record.rate_details or ()),
                    purchase_rate_details=tuple(dict(rate) for rate in record.purchase_rate_details or ()),
                )
            return codes[record.id]

        tax_mappings = self.env["quickbooks.tax.mapping"].sudo().search([("backend_id", "=", backend.id)])
        active = (
            self.env["quickbooks.qbo.tax.code"]
            .sudo()
            .search([("backend_id", "=", backend.id), ("qbo_active", "=", True)])
        )
        return {
            "taxes": {mapping.tax_id: code_of(mapping.qbo_tax_code_id) for mapping in tax_mappings},
            "exempt_code": code_of(backend.qbo_exempt_tax_code_id),
            "active_codes": tuple(code_of(code) for code in active),
        }
