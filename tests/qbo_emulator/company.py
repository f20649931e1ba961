"""The emulated QBO company: settings and the write operations (create, update, delete, void, merge).

Every operation runs under the store's lock, so a write, the balances it changes and the
webhook event it produces are one atomic step.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from typing import Any

from . import balances, estimates, faults, journal, payables, payments, seed, tax, tracking
from .clock import Clock, company_date, qbo_time
from .entities import COMPUTED_FIELDS, SERVER_FIELDS, SPECS, EntitySpec, clean_input, name_key, prepare_name
from .store import Store
from .transactions import SALES, doc_number_key, prepare_transaction

DEFAULT_SETTINGS: dict[str, Any] = {
    "company_name": "Emulated Company Inc.",
    "country": "US",
    "home_currency": "USD",
    "warn_duplicate_docnum": True,
    "oauth_deny": False,
    "minorversion_policy": "reject",  # or "ignore" (what QBO has done since August 2025)
    "auth_fault_style": "standard",  # or "platform" (lower-case envelope of Intuit's gateway)
    "utc_offset_minutes": -420,
    "automated_sales_tax": False,  # US only: tax code from the ship-to address (see tax.py)
    "account_numbers": True,  # seeded accounts carry AcctNum (QBO's own default is off: see README)
    "warn_duplicate_bill_number": False,  # QBO's "Warn if duplicate bill number is used" (off by default)
    "class_tracking": "off",  # "txn" (one class to the entire transaction) or "line" (one to each row)
    "track_departments": False,  # QBO's "Track locations"
    "department_terminology": "Location",  # what QBO's screens call a Department
}

#: Settings that shape the seeded chart of accounts: changing one re-seeds the company.
RESEED_SETTINGS = ("home_currency", "account_numbers")

#: Voidable in QBO's UI but not through the API (Intuit's CreditMemo and Bill references have no void).
UI_ONLY_VOID = ("CreditMemo", "Bill")

#: Entities whose voids send a "Void" webhook event (Intuit's developer blog, 2017-05-11); a voided bill
#: is an "Update".
VOID_EVENTS = ("BillPayment", "CreditMemo", "Invoice", "Payment", "SalesReceipt")

#: (entity, operation, object id, extra) -> None; the webhook dispatcher listens here.
EventSink = Callable[[str, str, str, dict[str, Any]], None]


class Company:
    """One QBO company (realm) and the business rules of its writes."""

    def __init__(self, store: Store, clock: Clock, realm_id: str, settings: dict[str, Any] | None = None) -> None:
        self.store = store
        self.clock = clock
        self.realm_id = realm_id
        self.initial_settings = {**DEFAULT_SETTINGS, **(settings or {})}
        self.events: EventSink = lambda entity, operation, object_id, extra: None
        for payer in payments.TARGETS:
            store.index_links(payer, payments.link_keys)
        for entity in (*SALES, "Bill"):
            store.index_links(entity, doc_number_key)
        store.index_links(estimates.INVOICE, estimates.link_keys)
        for entity, spec in SPECS.items():
            if spec.name_scope:
                store.index_links(entity, name_key(spec))

    # ------------------------------------------------------------------ settings and lookups
    @property
    def settings(self) -> dict[str, Any]:
        return self.store.meta.get("settings") or self.initial_settings

    def setting(self, key: str) -> Any:
        return self.settings.get(key, DEFAULT_SETTINGS.get(key))

    @property
    def home_currency(self) -> str:
        return str(self.setting("home_currency")).upper()

    @property
    def currencies(self) -> list[str]:
        """Multicurrency is on, with the home currency and three others."""
        home = self.home_currency
        return [home, *[code for code in ("USD", "EUR", "GBP", "CAD") if code != home][:3]]

    @property
    def country(self) -> str:
        return str(self.setting("country")).upper()

    @property
    def is_us(self) -> bool:
        return self.country == "US"

    @property
    def automated_sales_tax(self) -> bool:
        """QBO's automated sales tax (AST) exists for US companies only."""
        return self.is_us and bool(self.setting("automated_sales_tax"))

    def now_text(self) -> str:
        return qbo_time(self.clock.now(), int(self.setting("utc_offset_minutes")))

    def today(self) -> date:
        return company_date(self.clock.now(), int(self.setting("utc_offset_minutes")))

    def _find(self, entity: str, **match: Any) -> dict[str, Any] | None:
        for obj in self.store.all(entity):
            if all(obj.get(key) == value for key, value in match.items()):
                return obj
        return None

    @property
    def undeposited_funds_id(self) -> str:
        found = self._find("Account", AccountSubType="UndepositedFunds")
        return found["Id"] if found else self.account_id_by_type("Bank")

    @property
    def exchange_account_id(self) -> str | None:
        """QBO's system "Exchange Gain or Loss" account: the (top-level) ExchangeGainOrLoss one."""
        for obj in self.store.all("Account"):
            if obj.get("AccountSubType") == "ExchangeGainOrLoss" and not obj.get("SubAccount"):
                return str(obj["Id"])
        return None

    def account_id_by_type(self, account_type: str) -> str:
        found = self._find("Account", AccountType=account_type, Active=True)
        if found is None:
            raise faults.business(f"The company has no active {account_type} account.")
        return found["Id"]

    @property
    def default_item_id(self) -> str:
        found = self._find("Item", Name="Services")
        return found["Id"] if found else "1"

    @property
    def default_sales_tax_code_id(self) -> str:
        found = self._find("TaxCode", Name=seed.DEFAULT_SALES_TAX_CODE)
        return found["Id"] if found else "TAX"

    def next_doc_number(self, entity: str) -> str:
        counters = dict(self.store.meta.get("doc_numbers", {}))
        value = int(counters.get(entity, 1000)) + 1
        while self.store.linked_to(entity, doc_number_key({"DocNumber": str(value)})[0]):
            value += 1
        counters[entity] = value
        self.store.set_meta("doc_numbers", counters)
        return str(value)

    # ------------------------------------------------------------------ lifecycle
    def open(self) -> None:
        """Load the data file if it has a company, else seed a fresh one."""
        with self.store.lock:
            if not self.store.load():
                self.reset()

    def reset(self, keep_meta: tuple[str, ...] = (), settings: dict[str, Any] | None = None) -> None:
        """Wipe and seed again, with the start-up settings unless others are given."""
        with self.store.lock:
            self.store.wipe(keep_meta=keep_meta)
            self.store.set_meta("settings", dict(settings or self.initial_settings))
            seed.seed_company(self)

    def update_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Change company settings; a new home currency or account numbering re-seeds the company."""
        with self.store.lock:
            unknown = set(changes) - set(DEFAULT_SETTINGS)
            if unknown:
                raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
            new = {**self.settings, **changes}
            rebuild = _chart_shape(new) != _chart_shape(self.settings)
            self.store.set_meta("settings", new)
            if rebuild:
                self.reset(keep_meta=("grants",), settings=new)
                return self.settings
            for entity, build in (("CompanyInfo", seed.company_info), ("Preferences", seed.preferences)):
                current = self.store.get(entity, "1")
                if current is not None:
                    self._save(entity, {**current, **build(self)}, current)
            return self.settings

    # ------------------------------------------------------------------ reading
    def get(self, entity: str, object_id: str) -> dict[str, Any]:
        with self.store.lock:
            obj = self.store.get(entity, str(object_id))
            if obj is None:
                raise faults.not_found(entity, str(object_id))
            return self.serve(entity, [obj])[0]

    def serve(self, entity: str, objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Public copies with the derived figures QBO shows (customer/vendor/A-R/A-P balances)."""
        return balances.serve(self, entity, objs)

    # ------------------------------------------------------------------ writes
    def _emit(self, entity: str, operation: str, object_id: str, extra: dict[str, Any]) -> None:
        if SPECS[entity].webhook:
            self.events(entity, operation, object_id, extra)

    def _spec(self, entity: str, operation: str) -> EntitySpec:
        spec = SPECS[entity]
        if spec.kind in ("readonly", "singleton"):
            raise faults.unsupported_operation(f"{operation} for {entity}")
        return spec

    def _prepare(self, entity: str, data: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
        spec = SPECS[entity]
        if spec.kind == "name":
            prepared = prepare_name(self, spec, data, existing)
            if entity in tracking.LISTS:
                tracking.prepare_list(self, entity, prepared, existing)
            return prepared
        if entity in payments.TARGETS:
            return payments.prepare_payment(self, entity, data, existing)
        tracking.apply(self, entity, data)
        if entity == "JournalEntry":
            prepared = journal.prepare_journal_entry(self, data, existing)
            if existing is not None:
                payments.check_journal_applications(self, {**prepared, "Id": existing["Id"]})
            return prepared
        if entity in payables.PURCHASES:
            return payables.prepare_purchase(self, entity, data, existing)
        return prepare_transaction(self, entity, data, existing)

    def _save(self, entity: str, data: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
        """Stamp Id/SyncToken/MetaData, settle balances, store, and re-settle what a payment touched."""
        stamp = self.now_text()
        if existing is None:
            data["Id"] = self.store.next_id(entity)
            data["SyncToken"] = "0"
            data["MetaData"] = {"CreateTime": stamp, "LastUpdatedTime": stamp}
        else:
            data["Id"] = existing["Id"]
            data["SyncToken"] = str(int(existing.get("SyncToken") or 0) + 1)
            data["MetaData"] = {**existing.get("MetaData", {}), "LastUpdatedTime": stamp}
        data["domain"] = "QBO"
        data["sparse"] = False
        payments.settle(self, entity, data)
        if entity == estimates.ESTIMATE:
            estimates.settle(self, data)
        self.store.put(entity, data)
        if entity in payments.TARGETS:
            self._resettle(payments.targets_of(existing, data))
        if entity == estimates.INVOICE:
            self._close_estimates(estimates.estimates_of(existing, data))
        return data

    def _close_estimates(self, estimate_ids: set[str]) -> None:
        """The estimates an invoice names (named before) are closed (reopened): each change is an Update."""
        for estimate_id in estimates.resettle(self, estimate_ids):
            self._emit(estimates.ESTIMATE, "Update", estimate_id, {})

    def _resettle(self, targets: set[tuple[str, str]]) -> None:
        for entity, object_id in sorted(targets):
            current = self.store.get(entity, object_id)
            if current is None:
                continue
            updated = copy.deepcopy(current)
            payments.settle(self, entity, updated)
            if (updated.get("Balance"), updated.get("LinkedTxn")) != (current.get("Balance"), current.get("LinkedTxn")):
                # QBO bumps the invoice's SyncToken when a payment changes its balance.
                updated["SyncToken"] = str(int(current["SyncToken"]) + 1)
                updated["MetaData"] = {**current["MetaData"], "LastUpdatedTime": self.now_text()}
                self.store.put(entity, updated)

    def create(self, entity: str, body: dict[str, Any], *, allow_duplicate_docnum: bool = False) -> dict[str, Any]:
        self._spec(entity, "create")
        with self.store.lock:
            data = clean_input(entity, body)
            data["_allow_duplicate_docnum"] = allow_duplicate_docnum
            data = self._prepare(entity, data, None)
            data.pop("_allow_duplicate_docnum", None)
            saved = self._save(entity, data, None)
            self._emit(entity, "Create", saved["Id"], {})
            return self.serve(entity, [saved])[0]

    def _existing(self, entity: str, body: dict[str, Any], check_token: bool) -> dict[str, Any]:
        object_id = str(body.get("Id") or "")
        if not object_id:
            raise faults.required_missing("Id")
        existing = self.store.get(entity, object_id)
        if existing is None:
            raise faults.not_found(entity, object_id)
        if check_token:
            token = body.get("SyncToken")
            if token is None or str(token) == "":
                raise faults.required_missing("SyncToken")
            if str(token) != str(existing.get("SyncToken")):
                raise faults.stale_object(entity)
        return existing

    def update(
        self,
        entity: str,
        body: dict[str, Any],
        *,
        sparse: bool,
        check_token: bool = True,
        allow_duplicate_docnum: bool = False,
    ) -> dict[str, Any]:
        """Sparse: only the fields sent change.  Full: writable fields not sent are cleared.

        A sparse update of a sales document that does not send ``TxnTaxDetail`` keeps a supplied tax
        override and recomputes a computed one (``tax.carried_detail``).
        """
        self._spec(entity, "update")
        with self.store.lock:
            existing = self._existing(entity, body, check_token)
            if existing.get("_voided"):
                raise faults.business("This transaction has been voided and can't be changed.")
            incoming = clean_input(entity, body)
            if sparse:
                keep = SERVER_FIELDS | COMPUTED_FIELDS.get(entity, set())
                data = {k: copy.deepcopy(v) for k, v in existing.items() if k not in keep and not k.startswith("_")}
                if entity in SALES and "TxnTaxDetail" not in incoming:
                    data["TxnTaxDetail"] = tax.carried_detail(existing)
                elif entity in payables.PURCHASES:
                    carried = payables.sparse_start(entity, existing, incoming, api=check_token)
                    if "TxnTaxDetail" not in incoming:
                        data["TxnTaxDetail"] = carried
                data.update(incoming)
            else:
                data = incoming
            data["_allow_duplicate_docnum"] = allow_duplicate_docnum
            data = self._prepare(entity, data, existing)
            data.pop("_allow_duplicate_docnum", None)
            saved = self._save(entity, data, existing)
            self._emit(entity, "Update", saved["Id"], {})
            return self.serve(entity, [saved])[0]

    def delete(self, entity: str, body: dict[str, Any], *, check_token: bool = True) -> dict[str, Any]:
        spec = self._spec(entity, "delete")
        if not spec.deletable:
            raise faults.unsupported_operation(f"delete for {entity} (make it inactive: Active=false)")
        with self.store.lock:
            existing = self._existing(entity, body, check_token)
            self._refuse_if_paid(entity, existing, "delete")
            stamp = self.now_text()
            tombstone = {
                "Id": existing["Id"],
                "status": "Deleted",
                "domain": "QBO",
                "MetaData": {"CreateTime": existing["MetaData"]["CreateTime"], "LastUpdatedTime": stamp},
            }
            self.store.remove(entity, existing["Id"], tombstone)
            if entity in payments.TARGETS:
                self._resettle(payments.targets_of(existing))
            if entity == estimates.INVOICE:
                self._close_estimates(estimates.estimates_of(existing))
            self._emit(entity, "Delete", existing["Id"], {})
            return {"status": "Deleted", "domain": "QBO", "Id": existing["Id"]}

    def _refuse_if_paid(self, entity: str, existing: dict[str, Any], verb: str) -> None:
        if entity == payments.JOURNAL:
            payers = [
                f"{payer} {payment_id}"
                for payer in payments.PARTY_OF
                for payment_id in self.store.linked_to(payer, (entity, str(existing["Id"])))
            ]
            if payers:
                raise faults.business(
                    f"You can't {verb} this {entity}: {', '.join(payers)} applied to it. Remove them first."
                )
        if entity in payments.PAYER_OF:
            applied, payers = payments.applied_to(self, entity, existing["Id"])
            if applied:
                raise faults.business(
                    f"You can't {verb} this {entity}: {payments.PAYER_OF[entity]} "
                    f"{', '.join(payers)} applied to it. Remove them first."
                )

    def void(self, entity: str, body: dict[str, Any], *, check_token: bool = True, ui: bool = False) -> dict[str, Any]:
        """Void through the API, or (``ui``) as a bookkeeper does in QBO's screens."""
        spec = self._spec(entity, "void")
        if not spec.voidable or (entity in UI_ONLY_VOID and not ui):
            raise faults.unsupported_operation(f"void for {entity}")
        with self.store.lock:
            existing = self._existing(entity, body, check_token)
            data = copy.deepcopy(existing)
            if entity in payments.TARGETS:
                payments.void_payment(data)
            else:
                self._refuse_if_paid(entity, existing, "void")
                for line in data.get("Line") or []:
                    line["Amount"] = 0
                data["TxnTaxDetail"] = {"TotalTax": 0}
                data["TotalAmt"] = 0
                for key in ("HomeTotalAmt", "RemainingCredit"):
                    if key in data:
                        data[key] = 0
                data["PrivateNote"] = payments.voided_note(existing.get("PrivateNote"))
                data["_voided"] = True
            saved = self._save(entity, data, existing)
            self._emit(entity, "Void" if entity in VOID_EVENTS else "Update", saved["Id"], {})
            return self.serve(entity, [saved])[0]

    def merge(self, entity: str, from_id: str, into_id: str) -> dict[str, Any]:
        """Merge two names as a bookkeeper does in QBO's UI: references move, the source disappears."""
        if entity not in ("Customer", "Vendor", "Item", "Account"):
            raise faults.unsupported_operation(f"merge for {entity}")
        with self.store.lock:
            source = self.store.get(entity, from_id)
            target = self.store.get(entity, into_id)
            if source is None or target is None or from_id == into_id:
                raise faults.not_found(entity, from_id if source is None else into_id)
            for other_entity, objects in list(self.store.objects.items()):
                for obj in list(objects.values()):
                    if _repoint(obj, entity, from_id, into_id):
                        self.store.put(other_entity, obj)
            stamp = self.now_text()
            self.store.remove(
                entity,
                from_id,
                {
                    "Id": from_id,
                    "status": "Deleted",
                    "domain": "QBO",
                    "MetaData": {"CreateTime": source["MetaData"]["CreateTime"], "LastUpdatedTime": stamp},
                },
            )
            saved = self._save(entity, copy.deepcopy(target), target)
            self._emit(entity, "Merge", into_id, {"deletedId": from_id})
            return self.serve(entity, [saved])[0]


def _chart_shape(settings: dict[str, Any]) -> tuple[Any, ...]:
    """The settings the seeded chart of accounts depends on, normalised."""
    values = {**DEFAULT_SETTINGS, **settings}
    return tuple(str(values[key]).upper() if key == "home_currency" else bool(values[key]) for key in RESEED_SETTINGS)


def _repoint(node: Any, entity: str, from_id: str, into_id: str) -> bool:
    """Point every ``<Entity>Ref`` (and ``...AccountRef`` for accounts) at the merged-into object."""
    changed = False
    if isinstance(node, dict):
        for key, value in node.items():
            is_ref = key == f"{entity}Ref" or (entity == "Account" and key.endswith("AccountRef"))
            if is_ref and isinstance(value, dict) and str(value.get("value")) == from_id:
                value["value"] = into_id
                value.pop("name", None)
                changed = True
            elif isinstance(value, (dict, list)):
                changed = _repoint(value, entity, from_id, into_id) or changed
    elif isinstance(node, list):
        for item in node:
            changed = _repoint(item, entity, from_id, into_id) or changed
    return changed
