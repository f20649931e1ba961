"""Entity writes as QBO does them: Id/SyncToken, stale objects, sparse vs full updates, validation faults."""

from __future__ import annotations

from datetime import datetime

from .conftest import REALM, error_of, line


def test_create_assigns_id_synctoken_and_metadata(api, ctl):
    response = api.post("/customer", {"DisplayName": "Acme Ltd"})
    assert response.status_code == 200
    body = response.json()
    created = body["Customer"]
    assert datetime.fromisoformat(body["time"])
    assert created["Id"] and isinstance(created["Id"], str)
    assert created["SyncToken"] == "0"
    assert created["domain"] == "QBO" and created["sparse"] is False
    assert created["MetaData"]["CreateTime"] == created["MetaData"]["LastUpdatedTime"]
    assert datetime.fromisoformat(created["MetaData"]["CreateTime"]).utcoffset() is not None
    assert created["Active"] is True
    assert api.read("Customer", created["Id"]) == created


def test_read_missing_object_is_610(api):
    response = api.get("/invoice/424242")
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["Message"], error["type"]) == ("610", "Object Not Found", "ValidationFault")


def test_sparse_update_keeps_other_fields_and_bumps_synctoken(api, customer):
    updated = api.update(
        "Customer", {"Id": customer["Id"], "SyncToken": customer["SyncToken"], "sparse": True, "Notes": "VIP"}
    )
    assert updated["SyncToken"] == "1"
    assert updated["Notes"] == "VIP"
    assert updated["PrimaryEmailAddr"] == {"Address": "ap@acme.test"}
    assert updated["MetaData"]["CreateTime"] == customer["MetaData"]["CreateTime"]
    again = api.update(
        "Customer", {"Id": customer["Id"], "SyncToken": "1", "sparse": True, "Notes": "VIP 2"}, operation="update"
    )
    assert again["SyncToken"] == "2"


def test_full_update_erases_fields_it_omits(api, customer):
    updated = api.update(
        "Customer", {"Id": customer["Id"], "SyncToken": "0", "DisplayName": "Acme Ltd", "Notes": "only this"}
    )
    assert updated["Notes"] == "only this"
    assert "PrimaryEmailAddr" not in updated  # that is how QBO erases data on a full update
    assert updated["CurrencyRef"]["value"] == "USD"  # the currency is fixed at creation, even so


def test_stale_synctoken_is_5010(api, customer):
    api.update("Customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "first"})
    response = api.post("/customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "second"})
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["Message"], error["type"]) == ("5010", "Stale Object Error", "ValidationFault")
    assert error["Detail"].startswith("Stale Object Error : You and")
    assert api.read("Customer", customer["Id"])["Notes"] == "first"


def test_update_without_synctoken_is_2020(api, customer):
    response = api.post("/customer", {"Id": customer["Id"], "sparse": True, "Notes": "x"})
    assert error_of(response)["code"] == "2020"


def test_names_cannot_be_deleted_only_deactivated(api, customer):
    response = api.post("/customer", {"Id": customer["Id"], "SyncToken": "0"}, operation="delete")
    assert response.status_code == 400
    assert error_of(response)["code"] == "500"
    inactive = api.update("Customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Active": False})
    assert inactive["Active"] is False
    assert api.query("select * from Customer") == {}
    assert api.query("select * from Customer where Active = false")["Customer"][0]["Id"] == customer["Id"]


def test_display_names_are_unique_across_customers_vendors_employees(api, customer):
    for entity in ("Customer", "Vendor", "Employee"):
        response = api.post(f"/{entity.lower()}", {"DisplayName": "acme LTD "})
        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == "6240"
        assert error["Message"] == "Duplicate Name Exists Error"
        assert error["Detail"] == f"The name supplied already exists. : Id={customer['Id']}"


def test_item_and_account_names_are_unique(api):
    services = api.find("Account", "Services")
    response = api.post("/item", {"Name": "Hours", "Type": "Service", "IncomeAccountRef": {"value": services["Id"]}})
    assert error_of(response)["code"] == "6240"
    response = api.post("/account", {"Name": "Checking", "AccountType": "Bank"})
    assert error_of(response)["code"] == "6240"
    created = api.create("Account", {"Name": "Consulting Income", "AccountType": "Income"})
    assert created["Classification"] == "Revenue"


def test_required_parameters_are_2020(api, customer, hours):
    cases = [
        ("/invoice", {"Line": [line(hours["Id"], 1, 10)]}, "CustomerRef"),
        ("/invoice", {"CustomerRef": {"value": customer["Id"]}}, "Line"),
        ("/customer", {"Notes": "no name"}, "DisplayName"),
        ("/account", {"Name": "No type"}, "AccountType"),
        ("/item", {"Name": "No income account", "Type": "Service"}, "IncomeAccountRef"),
        ("/payment", {"CustomerRef": {"value": customer["Id"]}}, "TotalAmt"),
    ]
    for path, body, element in cases:
        error = error_of(api.post(path, body))
        assert error["code"] == "2020", (path, error)
        assert error["Message"] == "Required param missing, need to supply the required value for the API"
        assert element in error["Detail"]


def test_unknown_references_are_2500(api, customer, hours):
    error = error_of(api.post("/invoice", {"CustomerRef": {"value": "9999"}, "Line": [line(hours["Id"], 1, 5)]}))
    assert (error["code"], error["Message"]) == ("2500", "Invalid Reference Id")
    error = error_of(api.post("/invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line("9999", 1, 5)]}))
    assert error["code"] == "2500"
    assert error["Detail"] == "Invalid Reference Id : Line.SalesItemLineDetail.ItemRef"
    error = error_of(
        api.post(
            "/invoice",
            {
                "CustomerRef": {"value": customer["Id"]},
                "Line": [line(hours["Id"], 1, 5)],
                "CurrencyRef": {"value": "JPY"},
            },
        )
    )
    assert error["code"] == "2500"


def test_inactive_account_and_item_references_are_refused(api, customer):
    old_sales = api.query("select * from Account where Name = 'Old Sales' and Active = false")["Account"][0]
    error = error_of(
        api.post("/item", {"Name": "Legacy", "Type": "Service", "IncomeAccountRef": {"value": old_sales["Id"]}})
    )
    assert error["code"] == "2500"
    assert "has been made inactive" in error["Detail"]
    discontinued = api.query("select * from Item where Active = false")["Item"][0]
    error = error_of(
        api.post("/invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(discontinued["Id"], 1, 10)]})
    )
    assert error["code"] == "2500" and "inactive" in error["Detail"]


def test_duplicate_doc_number_is_6140_unless_allowed(api, ctl, customer, hours):
    body = {"CustomerRef": {"value": customer["Id"]}, "DocNumber": "INV-7", "Line": [line(hours["Id"], 1, 10)]}
    first = api.create("Invoice", body)
    response = api.post("/invoice", body)
    error = error_of(response)
    assert (error["code"], error["Message"]) == ("6140", "Duplicate Document Number Error")
    assert f"TxnId={first['Id']}" in error["Detail"]
    second = api.create("Invoice", body, include="allowduplicatedocnum")
    assert second["DocNumber"] == "INV-7" and second["Id"] != first["Id"]
    ctl.settings(warn_duplicate_docnum=False)
    assert api.post("/invoice", body).status_code == 200
    credit = {**body, "DocNumber": "CM-1"}
    api.create("CreditMemo", credit)
    ctl.settings(warn_duplicate_docnum=True)
    assert error_of(api.post("/creditmemo", credit))["code"] == "6140"


def test_doc_number_is_numbered_and_limited_to_21_characters(api, customer, hours):
    numbered = api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 1, 10)]})
    assert numbered["DocNumber"] == "1001"
    error = error_of(
        api.post(
            "/invoice",
            {"CustomerRef": {"value": customer["Id"]}, "DocNumber": "X" * 22, "Line": [line(hours["Id"], 1, 10)]},
        )
    )
    assert error["code"] == "2050" and "Max:21" in error["Detail"]


def test_delete_invoice(api, customer, hours):
    invoice = api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 2, 10)]})
    response = api.post("/invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}, operation="delete")
    assert response.status_code == 200
    assert response.json()["Invoice"] == {"status": "Deleted", "domain": "QBO", "Id": invoice["Id"]}
    assert error_of(api.get(f"/invoice/{invoice['Id']}"))["code"] == "610"
    again = api.post("/invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}, operation="delete")
    assert error_of(again)["code"] == "610"


def test_void_invoice_zeroes_it(api, customer, hours):
    invoice = api.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line(hours["Id"], 2, 10)]})
    voided = api.update("Invoice", {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"]}, operation="void")
    assert voided["SyncToken"] == "1"
    assert (voided["TotalAmt"], voided["Balance"], voided["PrivateNote"]) == (0, 0, "Voided")
    assert all(item["Amount"] == 0 for item in voided["Line"])
    response = api.post("/invoice", {"Id": invoice["Id"], "SyncToken": "1", "sparse": True, "PrivateNote": "x"})
    assert error_of(response)["code"] == "6000"


def test_customer_currency_is_fixed(api):
    euro = api.create("Customer", {"DisplayName": "Euro GmbH", "CurrencyRef": {"value": "EUR"}})
    assert euro["CurrencyRef"] == {"value": "EUR", "name": "Euro"}
    response = api.post(
        "/customer", {"Id": euro["Id"], "SyncToken": "0", "sparse": True, "CurrencyRef": {"value": "USD"}}
    )
    assert error_of(response)["code"] == "6000"


def test_minorversion_is_recorded_and_old_ones_refused(api, ctl):
    assert api.get(f"/companyinfo/{REALM}", minorversion="75").status_code == 200
    response = api.get(f"/companyinfo/{REALM}", minorversion="70")
    assert response.status_code == 400
    error = error_of(response)
    assert error["type"] == "ValidationFault" and "minorversion" in error["Detail"]
    assert [entry["minorversion"] for entry in ctl.requests_log()] == ["75", "70"]
    ctl.settings(minorversion_policy="ignore")  # what QBO does since August 2025: answers as 75
    assert api.get(f"/companyinfo/{REALM}", minorversion="70").status_code == 200


def test_company_info_and_unknown_resources(api, ctl):
    info = api.read("CompanyInfo", REALM)
    assert (info["Id"], info["Country"], info["CompanyName"]) == ("1", "US", "Emulated Company Inc.")
    ctl.settings(company_name="Renamed Co", country="GB")
    assert api.read("CompanyInfo", REALM)["CompanyName"] == "Renamed Co"
    assert api.query("select * from CompanyInfo")["CompanyInfo"][0]["Country"] == "GB"
    assert error_of(api.get("/nonsense/1"))["code"] == "500"
    assert error_of(api.post("/taxcode", {"Name": "New"}))["code"] == "500"


def test_request_log_hides_authorization(api, ctl, customer):
    entry = ctl.requests_log()[-1]
    assert entry["method"] == "POST" and entry["status"] == 200
    assert entry["entity"] == "Customer" and entry["entity_id"] == customer["Id"]
    assert "Authorization" not in entry["headers"] and "authorization" not in entry["headers"]


def test_an_item_under_a_category_is_a_sub_item_named_after_it(api):
    income = api.query("select * from Account where AccountType = 'Income'")["Account"][0]
    shelf = api.post("/item", {"Name": "Garden", "Type": "Category"}).json()["Item"]
    tools = api.post("/item", {"Name": "Tools", "Type": "Category", "ParentRef": {"value": shelf["Id"]}}).json()["Item"]
    assert (tools["SubItem"], tools["Level"], tools["FullyQualifiedName"]) == (True, 1, "Garden:Tools")
    rake = api.post(
        "/item",
        {
            "Name": "Rake",
            "Type": "NonInventory",
            "IncomeAccountRef": {"value": income["Id"]},
            "ParentRef": {"value": tools["Id"]},
        },
    ).json()["Item"]
    assert (rake["SubItem"], rake["Level"], rake["FullyQualifiedName"]) == (True, 2, "Garden:Tools:Rake")
    assert rake["ParentRef"]["value"] == tools["Id"]
    top = api.post("/item", {"Name": "Hoe", "IncomeAccountRef": {"value": income["Id"]}}).json()["Item"]
    assert (top["SubItem"], top["Level"], top["FullyQualifiedName"]) == (False, 0, "Hoe")
    # Only a Category holds Items.
    response = api.post(
        "/item", {"Name": "Spade", "IncomeAccountRef": {"value": income["Id"]}, "ParentRef": {"value": top["Id"]}}
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "2500"
