"""Three-way merge: one-sided changes are kept, real conflicts follow the master rule."""

from qbo import three_way_merge


def test_one_sided_changes_are_combined():
    base = {"DisplayName": "A", "Phone": "1", "Email": "a@x"}
    ours = {"DisplayName": "A", "Phone": "1", "Email": "b@x"}
    theirs = {"DisplayName": "A", "Phone": "2", "Email": "a@x", "Notes": "cpa"}
    result = three_way_merge(base, ours, theirs)
    assert result.merged == {"DisplayName": "A", "Phone": "2", "Email": "b@x", "Notes": "cpa"}
    assert result.conflicts == []
    assert result.patch_for(theirs) == {"Email": "b@x"}


def test_nested_objects_merge_field_by_field():
    base = {"BillAddr": {"Line1": "1 Main", "City": "Paris"}}
    ours = {"BillAddr": {"Line1": "2 Main", "City": "Paris"}}
    theirs = {"BillAddr": {"Line1": "1 Main", "City": "Lyon"}}
    assert three_way_merge(base, ours, theirs).merged == {"BillAddr": {"Line1": "2 Main", "City": "Lyon"}}


def test_conflict_goes_to_the_master_and_is_reported():
    base, ours, theirs = {"Email": "a"}, {"Email": "odoo"}, {"Email": "qbo"}
    assert three_way_merge(base, ours, theirs, prefer="ours").merged == {"Email": "odoo"}
    result = three_way_merge(base, ours, theirs, prefer="theirs")
    assert result.merged == {"Email": "qbo"}
    assert [(c.path, c.base, c.ours, c.theirs) for c in result.conflicts] == [("Email", "a", "odoo", "qbo")]


def test_lists_are_atomic_and_deletions_are_changes():
    base = {"Line": [1, 2], "Memo": "x"}
    ours = {"Line": [1, 2, 3]}
    theirs = {"Line": [1, 2], "Memo": "x"}
    merged = three_way_merge(base, ours, theirs).merged
    assert merged == {"Line": [1, 2, 3]}  # we removed Memo, they did not touch it


def test_fields_limits_the_merge_to_what_we_own():
    base = {"Email": "a", "Balance": 10}
    ours = {"Email": "b", "Balance": 0}
    theirs = {"Email": "a", "Balance": 7, "SyncToken": "3"}
    merged = three_way_merge(base, ours, theirs, fields={"Email"}).merged
    assert merged == {"Email": "b", "Balance": 7, "SyncToken": "3"}
