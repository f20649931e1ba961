"""The QuickBooks entities the connector exchanges, and everything that differs between them: one row each.

Adding a document to the connector is one row here, one adapter (its payload builder and the fields Odoo
owns on it) and one test; the push, the pull, the inbox, the sync records and the links into QuickBooks'
web app read this table instead of naming entities themselves.

``pulled`` says what a change QuickBooks notifies means: ``"apply"`` (QuickBooks is master: a payment
recorded there is applied in Odoo), ``"drift"`` (Odoo is master: a change made in QuickBooks is flagged,
and the next push restores Odoo's values), ``"status"`` (Odoo is master of the content, but a status set
in QuickBooks, an estimate accepted or rejected there, is brought to Odoo), or ``None`` (not followed).

``switch`` names the connection's field that turns an entity on, for entities an optional bridge addon
exchanges (sales orders as Estimates: ``quickbooks_connector_sale``): without that addon the field does not
exist and the entity is neither sent nor followed.
"""

from dataclasses import dataclass, field

from ..qbo.fingerprint import (
    customer_fingerprint,
    journal_entry_fingerprint,
    payment_fingerprint,
    purchase_document_fingerprint,
    sales_document_fingerprint,
)
from ..qbo.journal import JOURNAL_ENTRY_OWNED_FIELDS, build_journal_entry
from ..qbo.payables import build_bill, build_vendor_credit
from ..qbo.payloads import build_credit_memo, build_estimate, build_invoice
from .customer import CUSTOMER_OWNED_FIELDS, VENDOR_OWNED_FIELDS
from .payment import BILL_PAYMENT_OWNED_FIELDS, PAYMENT_OWNED_FIELDS
from .purchase_document import PURCHASE_DOCUMENT_OWNED_FIELDS
from .sales_document import ESTIMATE_OWNED_FIELDS, SALES_DOCUMENT_OWNED_FIELDS
from .sides import PAYABLE, RECEIVABLE, Side

PARTY, DOCUMENT, PAYMENT, REFERENCE = "party", "document", "payment", "reference"
JOURNAL_ENTRY = "JournalEntry"
ESTIMATE = "Estimate"


@dataclass(frozen=True)
class Entity:
    name: str
    kind: str  # party, document, payment, or reference (read, never synchronised)
    side: Side | None = None
    odoo_model: str | None = None
    build: object = None  # payload builder of a document: data -> QBO JSON
    owned_fields: frozenset = field(default_factory=frozenset)  # what Odoo owns (sparse updates, merge)
    fingerprint: object = None  # QBO object -> comparable summary of what Odoo owns (drift)
    pulled: str | None = None  # "apply", "drift", "status" or None
    switch: str | None = None  # the connection's field that turns it on (an entity of a bridge addon)
    voidable: bool = False  # cancelled in Odoo: voided in QuickBooks (else deleted)
    numbered: bool = False  # looked up by its DocNumber before a create (QBO keeps it unique)
    has_terms: bool = False  # carries payment terms (SalesTermRef)
    app_path: str | None = None  # QuickBooks' web-app link ("{id}": the object's Id)
    # where QuickBooks keeps what is still open on a document, and its sign in receivables or payables
    open_field: str | None = None
    open_sign: int = 1

    @property
    def payable(self):
        return self.side is PAYABLE


ENTITIES = {
    entity.name: entity
    for entity in (
        Entity(
            "Customer",
            PARTY,
            RECEIVABLE,
            "res.partner",
            owned_fields=CUSTOMER_OWNED_FIELDS,
            fingerprint=customer_fingerprint,
            pulled="drift",
            app_path="/app/customerdetail?nameId={id}",
        ),
        Entity(
            "Vendor",
            PARTY,
            PAYABLE,
            "res.partner",
            owned_fields=VENDOR_OWNED_FIELDS,
            fingerprint=customer_fingerprint,
            pulled="drift",
            app_path="/app/vendordetail?nameId={id}",
        ),
        Entity(
            "Invoice",
            DOCUMENT,
            RECEIVABLE,
            "account.move",
            build_invoice,
            SALES_DOCUMENT_OWNED_FIELDS,
            sales_document_fingerprint,
            pulled="drift",
            voidable=True,
            numbered=True,
            has_terms=True,
            app_path="/app/invoice?txnId={id}",
            open_field="Balance",
        ),
        Entity(
            "CreditMemo",
            DOCUMENT,
            RECEIVABLE,
            "account.move",
            build_credit_memo,
            SALES_DOCUMENT_OWNED_FIELDS,
            sales_document_fingerprint,
            pulled="drift",
            numbered=True,
            app_path="/app/creditmemo?txnId={id}",
            open_field="RemainingCredit",
            open_sign=-1,
        ),
        Entity(
            "Bill",
            DOCUMENT,
            PAYABLE,
            "account.move",
            build_bill,
            PURCHASE_DOCUMENT_OWNED_FIELDS,
            purchase_document_fingerprint,
            pulled="drift",
            has_terms=True,
            app_path="/app/bill?txnId={id}",
            open_field="Balance",
        ),
        Entity(
            "VendorCredit",
            DOCUMENT,
            PAYABLE,
            "account.move",
            build_vendor_credit,
            PURCHASE_DOCUMENT_OWNED_FIELDS,
            purchase_document_fingerprint,
            pulled="drift",
            open_field="Balance",
            open_sign=-1,
        ),
        Entity(
            JOURNAL_ENTRY,
            DOCUMENT,
            None,  # of neither side: its receivable and payable lines name their customer or vendor
            "account.move",
            build_journal_entry,
            JOURNAL_ENTRY_OWNED_FIELDS,
            journal_entry_fingerprint,
            pulled="drift",
            app_path="/app/journal?txnId={id}",  # deleted when cancelled: QuickBooks cannot void one
        ),
        Entity(
            ESTIMATE,
            DOCUMENT,  # one that posts nothing: a quotation
            RECEIVABLE,
            "sale.order",
            build_estimate,
            ESTIMATE_OWNED_FIELDS,
            pulled="status",
            switch="sync_sale_estimates",
            app_path="/app/estimate?txnId={id}",
        ),
        Entity(
            "Payment",
            PAYMENT,
            RECEIVABLE,
            "account.payment",
            owned_fields=PAYMENT_OWNED_FIELDS,
            fingerprint=payment_fingerprint,
            pulled="apply",
            app_path="/app/recvpayment?txnId={id}",
        ),
        Entity(
            "BillPayment",
            PAYMENT,
            PAYABLE,
            "account.payment",
            owned_fields=BILL_PAYMENT_OWNED_FIELDS,
            fingerprint=payment_fingerprint,
            pulled="apply",
        ),
        Entity("Item", REFERENCE, app_path="/app/items"),
        Entity("Account", REFERENCE, app_path="/app/chartofaccounts"),
        Entity("Class", REFERENCE),
        Entity("Department", REFERENCE),  # QuickBooks' screens call it a location
    )
}


#: What an unknown entity has: nothing (no link, no fingerprint).
EMPTY_ROW = Entity("", REFERENCE)


def qbo_entity(name):
    """The row of QuickBooks entity ``name`` (None for an entity the connector does not know)."""
    return ENTITIES.get(name)


def entities(**conditions):
    """The names of the entities whose attributes equal ``conditions`` (``kind="document"``, ...)."""
    return tuple(
        name for name, row in ENTITIES.items() if all(getattr(row, key) == value for key, value in conditions.items())
    )


def owned(name, body):
    """The part of ``body`` (a payload or a QBO object) that Odoo owns on entity ``name``."""
    fields_owned = ENTITIES[name].owned_fields
    return {key: value for key, value in body.items() if key in fields_owned}


def payment_entity_of(txn_type):
    """The payment entity a ``LinkedTxn``'s ``TxnType`` names (a bill lists its payments as
    ``BillPaymentCheck`` / ``BillPaymentCreditCard``), or None for a transaction of another kind."""
    txn_type = txn_type or ""
    return next((name for name in PAYMENT_ENTITIES if txn_type == name or txn_type.startswith(name + "C")), None)


def fingerprint(name, qbo_object):
    """The summary of what Odoo owns in ``qbo_object`` (None for entities without one, or no object)."""
    row = ENTITIES.get(name)
    return row.fingerprint(qbo_object) if row and row.fingerprint and qbo_object else None


#: What QuickBooks notifies and the connector always follows (applies or flags).
PULLED_ENTITIES = tuple(name for name, row in ENTITIES.items() if row.pulled and not row.switch)
#: What it follows when the connection's switch of the entity is on (see ``switch``).
SWITCHED_ENTITIES = tuple(name for name, row in ENTITIES.items() if row.pulled and row.switch)
#: Of those, the objects Odoo owns: a change is drift, read with the others waiting, in one query.
DRIFT_ENTITIES = tuple(name for name, row in ENTITIES.items() if row.pulled == "drift")
#: Payments, both sides.
PAYMENT_ENTITIES = entities(kind=PAYMENT)
