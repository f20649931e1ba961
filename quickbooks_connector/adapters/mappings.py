"""What the adapters know of a connection's mappings: a snapshot the push reads for them.

Adapters never look the mapping models up themselves: the push reads, once per document (settlement,
write-off), the mappings it may need into a :class:`Mappings` (``quickbooks.push._quickbooks_mappings``)
and passes it in.  Odoo accounts and taxes are the keys; what QuickBooks holds for them are plain values.
A part the push did not read is None, so an adapter that needs it fails loudly instead of seeing
"not mapped".
"""

from dataclasses import dataclass, field

from ..qbo.payloads import Ref


@dataclass(frozen=True)
class TaxCode:
    """A QuickBooks tax code and its rates (``{'id', 'name', 'rate'}``): charged on sales, reclaimed on purchases."""

    qbo_id: str
    name: str
    rate_details: tuple = field(default=(), compare=False)
    purchase_rate_details: tuple = field(default=(), compare=False)

    @property
    def ref(self):
        return Ref(self.qbo_id, self.name)


@dataclass(frozen=True)
class QboAccount:
    """A QuickBooks account an Odoo account is mapped to."""

    qbo_id: str
    name: str
    account_type: str | None = None

    @property
    def ref(self):
        return Ref(self.qbo_id, self.name)


@dataclass(frozen=True)
class AccountMapping:
    """How one Odoo account reaches QuickBooks, and in plain words why it cannot when it cannot."""

    qbo_account: QboAccount | None = None  # also when it is inactive in QuickBooks
    mapped: bool = False  # mapped to an account active in QuickBooks
    item: Ref | None = None  # the Item its sales lines use
    problem: str | None = None  # why no document can use it (not mapped, inactive in QuickBooks)
    item_problem: str | None = None  # why no sales line can use it (no Item)

    @property
    def sales_problem(self):
        """Why a sales line (which takes its account from an Item) cannot use it."""
        return self.problem or self.item_problem


@dataclass(frozen=True)
class ProductItem:
    """The QuickBooks Item of an Odoo product, and the QuickBooks income account it posts sales to."""

    ref: Ref
    income_account_id: str
    expense_account_id: str = ""


@dataclass(frozen=True)
class Mappings:
    """The mappings of one connection that one push needs."""

    #: account.account -> AccountMapping, for every account the push asked for (mapped or not).
    accounts: dict = field(default_factory=dict)
    #: account.tax -> TaxCode of the mapped taxes (None: not read).
    taxes: dict | None = None
    #: The code of untaxed lines outside the US (None when the connection has none).
    exempt_code: TaxCode | None = None
    #: The tax codes active in QuickBooks, for lines with several taxes (None: not read).
    active_codes: tuple | None = None
    #: A mapped QuickBooks bank account, for a bill payment that moves no money (None: none, or not read).
    first_bank: QboAccount | None = None
    #: product.product -> ProductItem of the products the document's lines sell (empty: none, or not read).
    product_items: dict = field(default_factory=dict)
    #: account.move.line -> Ref of its QuickBooks class (only when the company tracks classes on lines).
    line_classes: dict = field(default_factory=dict)
    #: The document's class when the company tracks one per transaction, and its location (None: none).
    document_class: Ref | None = None
    location: Ref | None = None
    #: account.move.line -> Ref of its QuickBooks location (a journal entry's lines carry their own).
    line_locations: dict = field(default_factory=dict)

    def sales_item(self, product, account):
        """The Item a sales line of ``product`` on ``account`` references: the product's own when it posts to
        the QuickBooks account ``account`` is mapped to (a line on another account, a fiscal position's or one
        changed by hand, would move its amount to another account), else the account's (None: neither)."""
        mapping = self.account(account)
        own = self.product_items.get(product) if product else None
        if own and mapping.qbo_account and own.income_account_id == mapping.qbo_account.qbo_id:
            return own.ref
        return mapping.item

    def purchase_item(self, product, account):
        """The Item a bill line of ``product`` on ``account`` references: the product's own when its expense
        account is the QuickBooks account ``account`` is mapped to (QuickBooks posts an item line there), else
        None (the line names its account)."""
        mapping = self.account(account)
        own = self.product_items.get(product) if product else None
        if own and mapping.mapped and own.expense_account_id == mapping.qbo_account.qbo_id:
            return own.ref
        return None

    def account(self, account):
        """The mapping of ``account``; a KeyError for an account the push did not ask for."""
        return self.accounts[account]

    def journal_account(self, journal):
        """The QuickBooks account a journal's account is mapped to (None without journal or mapping)."""
        if not journal or not journal.default_account_id:
            return None
        return self.account(journal.default_account_id).qbo_account
