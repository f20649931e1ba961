"""The query language subset: paging, count, where (=, <, >, in, like), orderby, no OR, active filter."""

from __future__ import annotations

import pytest

from .conftest import error_of, line


@pytest.fixture
def customers(api):
    batch = {
        "BatchItemRequest": [
            {
                "bId": str(n),
                "operation": "create",
                "Customer": {"DisplayName": f"Customer {n:02d}", "Notes": "even" if n % 2 else "odd"},
            }
            for n in range(1, 26)
        ]
    }
    response = api.post("/batch", batch).json()
    return [item["Customer"] for item in response["BatchItemResponse"]]


def test_paging_and_count(api, customers):
    first = api.query("select * from Customer startposition 1 maxresults 10")
    assert (first["startPosition"], first["maxResults"], len(first["Customer"])) == (1, 10, 10)
    last = api.query("select * from Customer startposition 21 maxresults 10")
    assert (last["startPosition"], last["maxResults"]) == (21, 5)
    assert api.query("select * from Customer startposition 26 maxresults 10") == {}
    assert len(api.query("select * from Customer")["Customer"]) == 25  # the default page is 100
    assert api.query("select count(*) from Customer") == {"totalCount": 25}
    assert api.query("SELECT COUNT(*) FROM Customer WHERE Notes = 'odd'") == {"totalCount": 12}


def test_maxresults_is_capped_at_1000(api):
    response = api.request(
        "POST", "/query", data=b"select * from Customer maxresults 1001", headers={"Content-Type": "application/text"}
    )
    error = error_of(response)
    assert error["code"] == "4001" and "1000" in error["Detail"]


def test_get_form_and_keywords_in_any_case(api, customers):
    response = api.get("/query", query="SeLeCt * FrOm customer WHERE DisplayName = 'customer 07'")
    assert response.status_code == 200
    assert [row["DisplayName"] for row in response.json()["QueryResponse"]["Customer"]] == ["Customer 07"]


def test_like_in_and_comparisons(api, customers):
    rows = api.query("select * from Customer where DisplayName like '%er 1%'")["Customer"]
    assert sorted(row["DisplayName"] for row in rows) == [f"Customer {n}" for n in range(10, 20)]
    ids = [customers[0]["Id"], customers[4]["Id"]]
    rows = api.query(f"select * from Customer where Id in ('{ids[0]}', '{ids[1]}')")["Customer"]  # noqa: S608
    assert sorted(row["Id"] for row in rows) == sorted(ids)
    rows = api.query(f"select * from Customer where Id > '{customers[22]['Id']}'")["Customer"]  # noqa: S608
    assert len(rows) == 2
    rows = api.query("select * from Customer where Notes = 'odd' and DisplayName like 'Customer 0%'")["Customer"]
    assert len(rows) == 4


def test_orderby(api, customers):
    rows = api.query("select * from Customer orderby DisplayName desc maxresults 3")["Customer"]
    assert [row["DisplayName"] for row in rows] == ["Customer 25", "Customer 24", "Customer 23"]
    rows = api.query("select * from Customer ORDER BY DisplayName ASC STARTPOSITION 2 MAXRESULTS 2")["Customer"]
    assert [row["DisplayName"] for row in rows] == ["Customer 02", "Customer 03"]


def test_or_is_a_parser_error(api, customers):
    response = api.request(
        "POST",
        "/query",
        headers={"Content-Type": "application/text"},
        data=b"select * from Customer where DisplayName = 'a' or DisplayName = 'b'",
    )
    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], error["Message"]) == ("4000", "Error parsing query")
    assert error["Detail"].startswith("QueryParserError")


def test_active_filter_is_implicit(api, customers):
    target = customers[0]
    api.update("Customer", {"Id": target["Id"], "SyncToken": "0", "sparse": True, "Active": False})
    assert api.query("select count(*) from Customer")["totalCount"] == 24
    assert api.query("select count(*) from Customer where Active in (true, false)")["totalCount"] == 25
    assert api.query("select * from Customer where Active = false")["Customer"][0]["Id"] == target["Id"]
    assert api.query("select count(*) from Account where Active = false")["totalCount"] == 1  # Old Sales


def test_references_amounts_and_metadata(api, ctl, customer, hours):
    other = api.create("Customer", {"DisplayName": "Other"})
    for owner, price in ((customer, 10), (customer, 0.5), (other, 99)):
        api.create(
            "Invoice",
            {"CustomerRef": {"value": owner["Id"]}, "Line": [line(hours["Id"], 1, price)], "DocNumber": f"Q-{price}"},
        )
    rows = api.query(f"select * from Invoice where CustomerRef = '{customer['Id']}'")["Invoice"]  # noqa: S608
    assert len(rows) == 2
    assert len(api.query("select * from Invoice where Balance > '5'")["Invoice"]) == 2
    assert api.query("select * from Invoice where DocNumber = 'Q-99'")["Invoice"][0]["TotalAmt"] == 99
    before = api.query("select * from Invoice orderby MetaData.LastUpdatedTime desc")["Invoice"][0]
    ctl.advance(120)
    api.create("Invoice", {"CustomerRef": {"value": other["Id"]}, "Line": [line(hours["Id"], 1, 1)]})
    stamp = before["MetaData"]["LastUpdatedTime"]
    newer = api.query(f"select * from Invoice where MetaData.LastUpdatedTime > '{stamp}'")["Invoice"]  # noqa: S608
    assert len(newer) == 1 and newer[0]["TotalAmt"] == 1


def test_projection_and_singletons(api, customers):
    rows = api.query("select Id, DisplayName from Customer maxresults 1")["Customer"]
    assert set(rows[0]) <= {"Id", "DisplayName", "SyncToken", "domain", "sparse"}
    assert rows[0]["sparse"] is True
    assert api.query("select *, Sku from Item where Name = 'Hours'")["Item"][0]["Name"] == "Hours"
    info = api.query("select * from CompanyInfo")["CompanyInfo"][0]
    assert info["CompanyName"]


def test_bad_queries(api):
    for text in (
        "",
        "select * from Nothing",
        "select * from Customer where",
        "delete from Customer",
        "select * from Customer maxresults ten",
    ):
        response = api.request("POST", "/query", data=text.encode(), headers={"Content-Type": "application/text"})
        assert response.status_code == 400, text
        assert error_of(response)["code"] in ("4000", "4001"), text


def test_a_result_read_page_by_page_follows_every_write(api, customers):
    """Pages of one query are filtered once until the next write: a write between two pages shows."""
    first = api.query("select * from Customer where Notes = 'odd' startposition 1 maxresults 5")["Customer"]
    moved = first[0]
    api.post("/customer", {"Id": moved["Id"], "SyncToken": moved["SyncToken"], "sparse": True, "Notes": "even"})
    again = api.query("select * from Customer where Notes = 'odd' startposition 1 maxresults 5")["Customer"]
    assert moved["Id"] not in [row["Id"] for row in again]
    assert api.query("select count(*) from Customer where Notes = 'odd'") == {"totalCount": 11}
    api.post("/customer", {"DisplayName": "Customer 99", "Notes": "odd"})
    assert api.query("select count(*) from Customer where Notes = 'odd'") == {"totalCount": 12}


def test_ids_named_are_read_with_every_other_condition_applied(api, customers):
    third, fifth, ninth = customers[2], customers[4], customers[8]
    api.update("Customer", {"Id": fifth["Id"], "SyncToken": fifth["SyncToken"], "Active": False, "sparse": True})

    def ids(statement):
        return [c["Id"] for c in api.query(f"select * from Customer where {statement}").get("Customer", [])]  # noqa: S608 - QBO query

    named = f"Id in ('{ninth['Id']}', '{third['Id']}', '{fifth['Id']}', '9999')"
    assert ids(named) == [third["Id"], ninth["Id"]], "in Id order; the inactive one left out"
    assert ids(f"Id in ('{third['Id']}', '{fifth['Id']}') and Active = false") == [fifth["Id"]]
    assert ids(f"Id = '{ninth['Id']}' and Notes = 'odd'") == []
    assert ids(f"Id = '{ninth['Id']}' and Notes = 'even'") == [ninth["Id"]]
    assert ids("Id = '9999'") == []
    counted = api.query(f"select count(*) from Customer where Id in ('{third['Id']}', '{ninth['Id']}')")  # noqa: S608
    assert counted == {"totalCount": 2}
