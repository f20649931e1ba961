"""Classes and locations: what QuickBooks tracks is read and shown, analytic accounts are mapped to its classes
and locations, and invoices and bills carry them (and keep them through updates) without changing a figure."""

from odoo import Command, fields
from odoo.tests import tagged

from ..models.quickbooks_push_tracking import CLASSED_DETAILS
from .test_journal_entries import JournalEntryCase


class TrackingCase(JournalEntryCase):
    """A UK QuickBooks company tracking one class per line and locations; an analytic plan of classes (East,
    West) and one of locations (Downtown), mapped to QuickBooks' lists of the same names."""

    def setUp(self):
        super().setUp()
        self.track(class_tracking="line", track_departments=True, department_terminology="Store")
        Plan = self.env["account.analytic.plan"]
        Account = self.env["account.analytic.account"]
        self.class_plan = Plan.create({"name": "Divisions"})
        self.location_plan = Plan.create({"name": "Shops"})
        self.east, self.west = (
            Account.create({"name": name, "plan_id": self.class_plan.id, "company_id": self.company.id})
            for name in ("East", "West")
        )
        self.downtown = Account.create(
            {"name": "Downtown", "plan_id": self.location_plan.id, "company_id": self.company.id}
        )
        self.qbo_east = self.qbo_create("Class", "East")
        self.qbo_west = self.qbo_create("Class", "west")  # names match as QuickBooks compares them
        self.qbo_downtown = self.qbo_create("Department", "Downtown")
        self.backend.write({"class_plan_id": self.class_plan.id, "location_plan_id": self.location_plan.id})
        self.backend.action_refresh_tracking()

    def track(self, **settings):
        self.emulator.call("POST", "settings", settings)
        self.backend._refresh_company_facts()

    def qbo_create(self, entity, name):
        return self.emulator.api(self.token, "POST", entity.lower(), json={"Name": name})[entity]

    def mapping(self, account):
        return self.backend.tracking_mapping_ids.filtered(lambda row: row.analytic_account_id == account)

    def document(self, move_type, lines, partner=None):
        """An invoice (bill) of ``lines``: ``(price, analytic distribution)`` each, untaxed."""
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": (partner or (self.vendor if move_type.startswith("in_") else self.partner_a)).id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_a.id,
                            "price_unit": price,
                            "tax_ids": [Command.clear()],
                            "analytic_distribution": {
                                ",".join(str(account.id) for account in accounts): share
                                for accounts, share in distribution
                            },
                        }
                    )
                    for price, distribution in lines
                ],
            }
        )
        if move_type.startswith("in_"):
            move.invoice_line_ids.account_id = self.expense
        return move

    def classes_of(self, document):
        return [
            (line[line["DetailType"]].get("ClassRef") or {}).get("value")
            for line in document["Line"]
            if line["DetailType"] in CLASSED_DETAILS
        ]

    def location_of(self, document):
        return (document.get("DepartmentRef") or {}).get("value")


@tagged("post_install", "-at_install")
class TestClassesAndLocations(TrackingCase):
    def test_what_quickbooks_tracks_is_read_and_shown(self):
        self.assertEqual(
            (
                self.backend.qbo_class_tracking,
                self.backend.qbo_track_locations,
                self.backend.qbo_location_terminology,
            ),
            ("line", True, "Store"),
        )
        self.track(class_tracking="txn", track_departments=False)
        self.assertEqual((self.backend.qbo_class_tracking, self.backend.qbo_track_locations), ("txn", False))
        self.track(class_tracking="off")
        self.assertEqual(self.backend.qbo_class_tracking, "none")

    def test_analytic_accounts_are_mapped_by_name_and_the_missing_ones_created(self):
        self.assertEqual(self.mapping(self.east).qbo_tracking_id.qbo_id, self.qbo_east["Id"])
        self.assertEqual(self.mapping(self.west).qbo_tracking_id.qbo_id, self.qbo_west["Id"])
        self.assertEqual(self.mapping(self.downtown).qbo_tracking_id.qbo_id, self.qbo_downtown["Id"])
        self.assertEqual(self.mapping(self.downtown).kind, "location")
        north = self.env["account.analytic.account"].create(
            {"name": "North", "plan_id": self.class_plan.id, "company_id": self.company.id}
        )
        self.backend.action_refresh_tracking()
        self.assertEqual(self.mapping(north).state, "unmapped")
        self.backend.action_create_missing_tracking()
        created = [row for row in self.qbo_all("Class") if row["Name"] == "North"]
        self.assertEqual(len(created), 1, "created once in QuickBooks")
        self.assertEqual(self.mapping(north).qbo_tracking_id.qbo_id, created[0]["Id"])
        self.assertEqual(self.mapping(north).state, "mapped")

    def test_an_invoice_carries_its_lines_classes_and_its_location_through_updates(self):
        move = self.document(
            "out_invoice",
            [
                (600.0, [((self.east, self.downtown), 60.0), ((self.west,), 40.0)]),  # mostly East
                (400.0, [((self.west, self.downtown), 100.0)]),
            ],
        )
        row = self.post_and_push(move)
        self.assertEqual(row.state, "done", row.last_error)
        document = self.qbo_doc(move)
        self.assertEqual(self.classes_of(document), [self.qbo_east["Id"], self.qbo_west["Id"]])
        self.assertEqual(self.location_of(document), self.qbo_downtown["Id"])
        self.assertEqual(document["TotalAmt"], 1000)

        # Updated in Odoo: the classes and the location go again.
        move.button_draft()
        move.invoice_line_ids[1].price_unit = 500.0
        self.assertEqual(self.post_and_push(move).state, "done")
        document = self.qbo_doc(move)
        self.assertEqual(document["TotalAmt"], 1100)
        self.assertEqual(self.classes_of(document), [self.qbo_east["Id"], self.qbo_west["Id"]])
        self.assertEqual(self.location_of(document), self.qbo_downtown["Id"])

        # Odoo no longer maps West or Downtown: QuickBooks keeps the class and the location it has.
        self.mapping(self.west).qbo_tracking_id = False
        self.mapping(self.downtown).qbo_tracking_id = False
        move.button_draft()
        move.invoice_line_ids[0].price_unit = 700.0
        self.assertEqual(self.post_and_push(move).state, "done")
        document = self.qbo_doc(move)
        self.assertEqual(document["TotalAmt"], 1200)
        self.assertEqual(self.classes_of(document), [self.qbo_east["Id"], self.qbo_west["Id"]])
        self.assertEqual(self.location_of(document), self.qbo_downtown["Id"])

    def test_a_bill_carries_classes_on_its_lines_and_the_books_still_match(self):
        self.track(class_tracking="txn")  # a bill keeps its classes on its lines either way
        bill = self.document(
            "in_invoice",
            [(300.0, [((self.west, self.downtown), 100.0)]), (200.0, [((self.east,), 50.0), ((self.west,), 50.0)])],
        )
        row = self.post_and_push(bill)
        self.assertEqual(row.state, "done", row.last_error)
        document = self.qbo_doc(bill)
        # An even split goes to the class first in name order (East).
        self.assertEqual(self.classes_of(document), [self.qbo_west["Id"], self.qbo_east["Id"]])
        self.assertEqual(self.location_of(document), self.qbo_downtown["Id"])
        self.assertEqual(document["TotalAmt"], 500)
        invoice = self.document("out_invoice", [(250.0, [((self.east, self.downtown), 100.0)])])
        self.assertEqual(self.post_and_push(invoice).state, "done")
        document = self.qbo_doc(invoice)
        self.assertEqual(document["ClassRef"]["value"], self.qbo_east["Id"], "one class for the transaction")
        self.assertEqual(self.classes_of(document), [None])
        run = self.compare()
        self.assertEqual((run.books_state, run.state, run.books_unexplained_count), ("match", "match", 0))
        self.assertEqual(self.describe(run), [])

    def test_nothing_is_sent_when_quickbooks_tracks_nothing(self):
        self.track(class_tracking="off", track_departments=False)
        move = self.document("out_invoice", [(100.0, [((self.east, self.downtown), 100.0)])])
        row = self.post_and_push(move)
        # The emulator refuses a class or a location the company does not track: done means none was sent.
        self.assertEqual(row.state, "done", row.last_error)
        document = self.qbo_doc(move)
        self.assertEqual(self.classes_of(document), [None])
        self.assertIsNone(self.location_of(document))
        self.assertNotIn("ClassRef", document)

    def test_a_journal_entry_carries_class_and_location_on_its_lines(self):
        self.track(class_tracking="txn")  # a journal entry's lines carry their own either way
        move = self.entry([(self.expense, 80.0, 0.0), (self.bank, 0.0, 80.0)])
        move.line_ids.filtered("debit").analytic_distribution = {f"{self.east.id},{self.downtown.id}": 100.0}
        row = self.post(move)
        self.assertEqual(row.state, "done", row.last_error)

        def tracked(entry):
            return sorted(
                (
                    line["Amount"],
                    (line["JournalEntryLineDetail"].get("ClassRef") or {}).get("value", ""),
                    (line["JournalEntryLineDetail"].get("DepartmentRef") or {}).get("value", ""),
                )
                for line in entry["Line"]
            )

        expected = [(80, "", ""), (80, self.qbo_east["Id"], self.qbo_downtown["Id"])]
        self.assertEqual(tracked(self.qbo("JournalEntry", row.qbo_id)), expected)
        # Re-posted after Odoo stopped mapping them: QuickBooks keeps the line's class and location.
        self.mapping(self.east).qbo_tracking_id = False
        self.mapping(self.downtown).qbo_tracking_id = False
        move.button_draft()
        move.line_ids.filtered("debit").name = "Accrual, corrected"
        self.assertEqual(self.post(move).state, "done")
        self.assertEqual(tracked(self.qbo("JournalEntry", row.qbo_id)), expected)
        run = self.compare()
        self.assertEqual((run.books_state, run.state, run.books_unexplained_count), ("match", "match", 0))
