"""Fuzzing the webhook across two connected companies, and what processing does to their books.

Two Odoo companies, each connected to its own QuickBooks company (realm) of one emulator, one Intuit
app (one verifier token).  In each realm: a customer and two invoices bound to Odoo, a payment of the
first invoice already applied in Odoo, and a payment of the second one recorded in QuickBooks that Odoo
has not heard of yet.  Each realm numbers its objects from 1, so the same id names different objects in
the two realms.  Hypothesis posts signed deliveries (both formats) of random events: either realm or an
unknown one, random entities and operations (deletions, merges and voids included), the ids of those
objects or random ones.  Every stored event is then processed by the inbox job against the emulator.

Nothing changes in QuickBooks meanwhile, so after processing each company's books must be what its own
realm says: the first payment still applied (whatever the notifications claimed), the second one
applied exactly when an event of that company's realm named it, no record of the other company touched,
no change flagged.  CI runs a fixed, derandomized set; ``QBO_WEBHOOK_FUZZ_REALM_EXAMPLES`` runs more.
"""

import json
import os
from contextlib import closing
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import HttpCase, tagged

from ..adapters.entities import fingerprint
from .common import REALM_ID, QuickbooksTestMixin, property_settings
from .test_webhook_fuzz import OPERATION_WORDS, classic_entity, cloudevent, quiet
from .test_webhook_inbox import InboxMixin

EXAMPLES = int(os.environ.get("QBO_WEBHOOK_FUZZ_REALM_EXAMPLES", "30"))
SECOND_REALM = "9130354000000043"
UNKNOWN_REALM = "4620816365000000001"
#: Stand-ins for the ids of each realm's objects (replaced by the ids in the realm the event names, or in
#: the other one: the same id means another object there).
OBJECTS = ("@customer", "@invoice", "@paid_payment", "@new_payment")

events = st.fixed_dictionaries(
    {
        "realm": st.sampled_from(["first", "first", "second", "second", "unknown"]),
        "ids_of": st.sampled_from(["own", "own", "own", "other"]),
        "entity": st.sampled_from(["Payment", "Payment", "Invoice", "Customer", "BillPayment", "Item"]),
        "qbo_id": st.one_of(st.sampled_from(OBJECTS), st.from_regex(r"[1-9][0-9]{0,2}", fullmatch=True)),
        "operation": st.sampled_from(sorted(OPERATION_WORDS)),
        "word": st.integers(0, 1),
        "deleted_id": st.one_of(st.none(), st.sampled_from(OBJECTS)),
        "time": st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)).map(
            lambda moment: moment.replace(microsecond=0)
        ),
    }
)
deliveries = st.fixed_dictionaries(
    {"format": st.sampled_from(["classic", "cloudevents"]), "events": st.lists(events, min_size=1, max_size=6)}
)


@tagged("post_install", "-at_install")
class TestWebhookFuzzTwoRealms(InboxMixin, QuickbooksTestMixin, AccountTestInvoicingCommon, HttpCase):
    emulator_realms = (f"{SECOND_REALM}:us",)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_quickbooks()
        second = cls.setup_other_company(name="Fuzz Second Company")["company"]
        cls.sides = {
            "first": {"company": cls.company, "backend": cls.backend, "realm": REALM_ID},
            "second": {"company": second, "backend": cls.new_backend(second), "realm": SECOND_REALM},
        }

    def setUp(self):
        super().setUp()
        for side in self.sides.values():
            self.connect_backend(side["backend"], realm=side["realm"])
            self.prepare(side)
        self.env.flush_all()

    # ------------------------------------------------------------------ each company's books
    def prepare(self, side):
        """Bind a customer and two invoices, apply the first invoice's payment: as pushes and a pull left them."""
        realm, backend, company = side["realm"], side["backend"], side["company"]
        SyncRecords = self.env["quickbooks.sync.state"].sudo()

        def qbo(entity, values):
            return self.emulator.call("POST", f"entities/{entity}", values, realm=realm)

        customer = qbo("Customer", {"DisplayName": f"Fuzz customer of {realm}"})
        partner = self.env["res.partner"].create({"name": customer["DisplayName"], "company_id": company.id})
        self.bind(SyncRecords, backend, partner, "Customer", customer)
        side["moves"], side["ids"] = [], {"@customer": customer["Id"]}
        for key, amount in (("@invoice", 100.0), ("@second_invoice", 60.0)):
            with trap_jobs():  # their pushes do not run: the binding stands for them
                move = self.init_invoice(
                    "out_invoice", partner=partner, amounts=[amount], taxes=[], company=company, post=True
                )
            invoice = qbo(
                "Invoice",
                {
                    "DocNumber": move.name,
                    "CustomerRef": {"value": customer["Id"]},
                    "Line": [{"Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {}}],
                },
            )
            self.bind(SyncRecords, backend, move, "Invoice", invoice)
            side["moves"].append(move)
            side["ids"][key] = invoice["Id"]
        for key, invoice_key, amount in (("@paid_payment", "@invoice", 100), ("@new_payment", "@second_invoice", 60)):
            payment = qbo(
                "Payment",
                {
                    "CustomerRef": {"value": customer["Id"]},
                    "TotalAmt": amount,
                    "Line": [
                        {"Amount": amount, "LinkedTxn": [{"TxnId": side["ids"][invoice_key], "TxnType": "Invoice"}]}
                    ],
                },
            )
            side["ids"][key] = payment["Id"]
        self.env["quickbooks.pull"]._process_change(backend, "Payment", side["ids"]["@paid_payment"], "create")
        self.assertEqual([move.payment_state for move in side["moves"]], ["paid", "not_paid"])

    @staticmethod
    def bind(SyncRecords, backend, record, entity, qbo_object):
        SyncRecords._binding_for(backend, record, entity).write(
            {
                "qbo_id": qbo_object["Id"],
                "sync_token": qbo_object.get("SyncToken"),
                "qbo_fingerprint": fingerprint(entity, qbo_object),
                "state": "done",
            }
        )

    def books(self, side):
        """What a user would look at: the invoices' payment state, the company's payments, flagged changes."""
        company = side["company"]
        moves = side["moves"]
        for move in moves:
            move.invalidate_recordset()
        payments = self.env["account.payment"].sudo().search([("company_id", "=", company.id)])
        rows = self.env["quickbooks.sync.state"].sudo().search([("backend_id", "=", side["backend"].id)])
        elsewhere = []
        for row in rows:
            owner = getattr(row._record(), "company_id", company)
            if owner and owner != company:
                elsewhere.append(row.res_name)
        return {
            "invoices": [move.payment_state for move in moves],
            "payments": len(payments.filtered(lambda p: p.state != "canceled")),
            "cancelled": len(payments.filtered(lambda p: p.state == "canceled")),
            "flagged": sorted(row.res_name for row in rows if row.drift_detected or row.qbo_state != "active"),
            "records of another company": sorted(elsewhere),
        }

    # ------------------------------------------------------------------ a delivery
    def body(self, delivery):
        items, notifications = [], {}
        for index, spec in enumerate(delivery["events"]):
            if spec["realm"] == "unknown":
                realm, ids = UNKNOWN_REALM, self.sides["first"]["ids"]
            else:
                realm = self.sides[spec["realm"]]["realm"]
                other = "second" if spec["realm"] == "first" else "first"
                ids = self.sides[spec["realm"] if spec["ids_of"] == "own" else other]["ids"]
            event = {
                **spec,
                "realm": realm,
                "qbo_id": ids.get(spec["qbo_id"], spec["qbo_id"]),
                "deleted_id": ids.get(spec["deleted_id"], spec["deleted_id"]) if spec["deleted_id"] else None,
                "time": spec["time"].replace(second=index),
            }
            if delivery["format"] == "classic":
                notifications.setdefault(realm, []).append(classic_entity(event))
            else:
                items.append(cloudevent(event))
        if delivery["format"] == "classic":
            payload = {
                "eventNotifications": [
                    {"realmId": realm, "dataChangeEvent": {"entities": entities}}
                    for realm, entities in notifications.items()
                ]
            }
        else:
            payload = items
        return json.dumps(payload).encode()

    @property_settings(EXAMPLES)
    @given(delivery=deliveries)
    def test_processing_any_delivery_leaves_each_company_as_its_realm_says(self, delivery):
        before = {name: self.books(side) for name, side in self.sides.items()}
        with closing(self.env.cr.savepoint()), quiet():
            with trap_jobs():
                response = self.post(self.body(delivery))
            self.assertEqual(response.status_code, 200, response.text)
            self.env.invalidate_all()
            stored = self.Inbox.sudo().search([])
            for row in stored:
                side = next(side for side in self.sides.values() if side["backend"] == row.backend_id)
                self.assertEqual(row.realm_id, side["realm"], "an event reached the company of its realm only")
            for backend, entity, qbo_id in sorted(
                {(row.backend_id, row.entity, row.qbo_id) for row in stored if row.state == "queued"},
                key=lambda key: (key[0].id, key[1], key[2]),
            ):
                self.Inbox._quickbooks_process_object(backend, entity, qbo_id)
            self.env.invalidate_all()
            for name, side in self.sides.items():
                heard = bool(
                    stored.filtered(
                        lambda row, side=side: (
                            row.backend_id == side["backend"]
                            and row.entity == "Payment"
                            and row.qbo_id == side["ids"]["@new_payment"]
                            and row.operation != "emailed"
                        )
                    )
                )
                expected = {
                    **before[name],
                    "invoices": ["paid", "paid" if heard else "not_paid"],
                    "payments": before[name]["payments"] + heard,
                }
                self.assertEqual(self.books(side), expected, f"{name} company after {delivery}")
        self.env.invalidate_all()
        self.assertEqual({name: self.books(side) for name, side in self.sides.items()}, before, "rolled back")

    def test_the_two_companies_start_apart(self):
        """Sanity of the fixture: the same ids in both realms, different objects."""
        first, second = (side["ids"] for side in self.sides.values())
        self.assertEqual(first["@customer"], second["@customer"])
        self.assertNotEqual(
            self.emulator.entities("Customer", realm=SECOND_REALM)[0]["DisplayName"],
            self.emulator.entities("Customer")[0]["DisplayName"],
        )
