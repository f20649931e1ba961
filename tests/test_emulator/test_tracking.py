"""Classes and locations: the Class and Department lists, the preferences that turn them on, and the
``ClassRef`` / ``DepartmentRef`` transactions carry (see the README's "Classes and locations")."""

from __future__ import annotations

from typing import Any

from .conftest import error_of, line
from .purchases import expense, purchase


def _prefs(api) -> dict[str, Any]:
    return api.get("/preferences").json()["Preferences"]["AccountingInfoPrefs"]


def _vendor(api) -> dict[str, Any]:
    return api.find("Vendor", "Office Supplies Co.", field="DisplayName")


def test_preferences_say_what_the_company_tracks(api, ctl):
    prefs = _prefs(api)
    assert (prefs["ClassTrackingPerTxn"], prefs["ClassTrackingPerTxnLine"], prefs["TrackDepartments"]) == (
        False,
        False,
        False,
    )
    assert prefs["DepartmentTerminology"] == "Location"
    ctl.settings(class_tracking="line", track_departments=True, department_terminology="Store")
    prefs = _prefs(api)
    assert (prefs["ClassTrackingPerTxn"], prefs["ClassTrackingPerTxnLine"], prefs["TrackDepartments"]) == (
        False,
        True,
        True,
    )
    assert prefs["DepartmentTerminology"] == "Store"
    ctl.settings(class_tracking="txn")
    assert (_prefs(api)["ClassTrackingPerTxn"], _prefs(api)["ClassTrackingPerTxnLine"]) == (True, False)


def test_classes_and_departments_are_name_lists_with_sub_entries(api):
    east = api.create("Class", {"Name": "East"})
    assert (east["SubClass"], east["FullyQualifiedName"], east["Active"]) == (False, "East", True)
    retail = api.create("Class", {"Name": "Retail", "ParentRef": {"value": east["Id"]}})
    assert retail["SubClass"] is True
    assert retail["FullyQualifiedName"] == "East:Retail"
    assert retail["ParentRef"] == {"value": east["Id"], "name": "East"}
    assert api.read("Class", retail["Id"]) == retail
    assert [c["Name"] for c in api.query("select * from Class where Name = 'Retail'")["Class"]] == ["Retail"]
    duplicate = api.post("/class", {"Name": " east "})
    assert error_of(duplicate)["code"] == "6240"
    inactive = api.update("Class", {"Id": east["Id"], "SyncToken": east["SyncToken"], "sparse": True, "Active": False})
    assert inactive["Active"] is False
    assert error_of(api.post("/class", {"Name": "EAST"}))["code"] == "6240"  # inactive names stay taken
    loop = api.post("/class", {"Id": east["Id"], "SyncToken": inactive["SyncToken"], "sparse": True,
                               "ParentRef": {"value": retail["Id"]}}, operation="update")  # fmt: skip
    assert error_of(loop)["code"] == "2010"
    store = api.create("Department", {"Name": "Downtown"})
    assert (store["SubDepartment"], store["FullyQualifiedName"]) == (False, "Downtown")
    assert api.create("Class", {"Name": "Downtown"})["Name"] == "Downtown"  # each list has its own names


def test_line_classes_and_the_location_are_kept_when_tracked(api, ctl, customer, hours):
    ctl.settings(class_tracking="line", track_departments=True)
    east = api.create("Class", {"Name": "East"})
    west = api.create("Class", {"Name": "West"})
    store = api.create("Department", {"Name": "Downtown"})
    classed = {**line(hours["Id"], 1, 100)["SalesItemLineDetail"], "ClassRef": {"value": east["Id"]}}
    invoice = api.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "DepartmentRef": {"value": store["Id"]},
            "ClassRef": {"value": west["Id"]},  # per line: a header class is ignored without error
            "Line": [
                {"DetailType": "SalesItemLineDetail", "Amount": 100, "SalesItemLineDetail": classed},
                line(hours["Id"], 2, 50, Amount=100),
            ],
        },
    )
    assert invoice["DepartmentRef"] == {"value": store["Id"], "name": "Downtown"}
    assert "ClassRef" not in invoice
    details = [row["SalesItemLineDetail"] for row in invoice["Line"] if row["DetailType"] == "SalesItemLineDetail"]
    assert details[0]["ClassRef"] == {"value": east["Id"], "name": "East"}
    assert "ClassRef" not in details[1]
    assert invoice["TotalAmt"] == 200

    # A sparse update keeps the header's location; the lines it sends replace the lines, classes included.
    lines = [row for row in invoice["Line"] if row["DetailType"] == "SalesItemLineDetail"]
    sparse = api.update(
        "Invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"], "sparse": True, "Line": [lines[1]]}
    )
    assert sparse["DepartmentRef"]["value"] == store["Id"]
    assert [row["SalesItemLineDetail"].get("ClassRef") for row in sparse["Line"] if "SalesItemLineDetail" in row] == [
        None
    ]
    invoice = api.update(
        "Invoice", {"Id": invoice["Id"], "SyncToken": sparse["SyncToken"], "sparse": True, "Line": lines}
    )

    # A full update that omits them wipes them (what a full update does to every field it omits).
    lines = [row for row in invoice["Line"] if row["DetailType"] == "SalesItemLineDetail"]
    for row in lines:
        row["SalesItemLineDetail"].pop("ClassRef", None)
    full = api.update(
        "Invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"], "CustomerRef": invoice["CustomerRef"],
                    "Line": lines}
    )  # fmt: skip
    assert "DepartmentRef" not in full
    assert all("ClassRef" not in row.get("SalesItemLineDetail", {}) for row in full["Line"])


def test_transaction_level_classes_keep_the_header_class_only(api, ctl, customer, hours):
    ctl.settings(class_tracking="txn")
    east = api.create("Class", {"Name": "East"})
    detail = {**line(hours["Id"], 1, 100)["SalesItemLineDetail"], "ClassRef": {"value": east["Id"]}}
    invoice = api.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "ClassRef": {"value": east["Id"]},
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 100, "SalesItemLineDetail": detail}],
        },
    )
    assert invoice["ClassRef"] == {"value": east["Id"], "name": "East"}
    assert "ClassRef" not in invoice["Line"][0]["SalesItemLineDetail"]
    # A bill's lines keep their class at either level.
    office = api.find("Account", "Office Expenses")
    bill = purchase(api, "Bill", _vendor(api), expense(office["Id"], 40, ClassRef={"value": east["Id"]}))
    assert bill["Line"][0]["AccountBasedExpenseLineDetail"]["ClassRef"]["value"] == east["Id"]
    assert bill["TotalAmt"] == 40


def test_classes_and_locations_are_refused_when_not_tracked_or_unknown(api, ctl, customer, hours):
    east = api.create("Class", {"Name": "East"})
    store = api.create("Department", {"Name": "Downtown"})
    office = api.find("Account", "Office Expenses")
    vendor = _vendor(api)
    untracked_class = api.post(
        "/bill",
        {"VendorRef": {"value": vendor["Id"]}, "Line": [expense(office["Id"], 10, ClassRef={"value": east["Id"]})]},
    )
    assert error_of(untracked_class)["code"] == "6000"
    untracked_location = api.post(
        "/invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "DepartmentRef": {"value": store["Id"]},
            "Line": [line(hours["Id"], 1, 10)],
        },
    )
    assert error_of(untracked_location)["code"] == "6000"
    ctl.settings(class_tracking="line", track_departments=True)
    unknown = api.post(
        "/bill",
        {"VendorRef": {"value": vendor["Id"]}, "Line": [expense(office["Id"], 10, ClassRef={"value": "999"})]},
    )
    assert error_of(unknown)["code"] == "2500"
    assert error_of(unknown)["element"] == "Line.AccountBasedExpenseLineDetail.ClassRef"
    api.update("Department", {"Id": store["Id"], "SyncToken": store["SyncToken"], "sparse": True, "Active": False})
    inactive = api.post(
        "/invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "DepartmentRef": {"value": store["Id"]},
            "Line": [line(hours["Id"], 1, 10)],
        },
    )
    assert error_of(inactive)["element"] == "DepartmentRef"


def test_journal_entry_lines_carry_class_and_location(api, ctl):
    ctl.settings(class_tracking="txn", track_departments=True)
    east = api.create("Class", {"Name": "East"})
    store = api.create("Department", {"Name": "Downtown"})
    office = api.find("Account", "Office Expenses")
    bank = api.query("select * from Account where AccountType = 'Bank'")["Account"][0]

    def je_line(account, posting, **extra):
        detail = {"PostingType": posting, "AccountRef": {"value": account["Id"]}, **extra}
        return {"DetailType": "JournalEntryLineDetail", "Amount": 25, "JournalEntryLineDetail": detail}

    entry = api.create(
        "JournalEntry",
        {
            "Line": [
                je_line(office, "Debit", ClassRef={"value": east["Id"]}, DepartmentRef={"value": store["Id"]}),
                je_line(bank, "Credit"),
            ]
        },
    )
    detail = entry["Line"][0]["JournalEntryLineDetail"]
    assert (detail["ClassRef"]["value"], detail["DepartmentRef"]["value"]) == (east["Id"], store["Id"])
