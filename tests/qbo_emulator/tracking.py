"""Classes and locations (``Class`` and ``Department``): the lists, and the references transactions carry.

What the company tracks is in its Preferences (``AccountingInfoPrefs``), set by the ``class_tracking``
("off", "txn" or "line") and ``track_departments`` settings:

* ``ClassTrackingPerTxnLine`` (one class to each row): a sales line's ``ClassRef`` is kept, a header
  ``ClassRef`` is ignored without error; ``ClassTrackingPerTxn`` (one class to the entire transaction): the
  header's is kept, the lines' are ignored.  A purchase line (bill, vendor credit) keeps its ``ClassRef`` in
  either mode (Rutter's help centre, see the README's "Classes and locations").  A journal entry line keeps
  its ``ClassRef`` in either mode (no source: the emulator's choice).
* ``TrackDepartments``: the document's ``DepartmentRef`` (and a journal entry line's) is kept.
* A ``ClassRef`` or ``DepartmentRef`` sent while the company does not track it is refused (no source says
  what QBO does then: the stricter choice, so a client that sends one unasked is noticed).

A reference must name an existing, active Class (Department): 2500 otherwise, as for every reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import faults
from .entities import check_ref

if TYPE_CHECKING:
    from .company import Company

LISTS = ("Class", "Department")
CLASS_MODES = ("off", "txn", "line")
SALES_DETAIL = "SalesItemLineDetail"
PURCHASE_DETAILS = ("AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail")
JOURNAL_DETAIL = "JournalEntryLineDetail"
#: The flag of a sub-list entry, per list (Intuit's Class and Department references).
SUB_FLAG = {"Class": "SubClass", "Department": "SubDepartment"}


def preferences(company: Company) -> dict[str, Any]:
    """The tracking part of ``AccountingInfoPrefs``."""
    mode = class_mode(company)
    return {
        "ClassTrackingPerTxn": mode == "txn",
        "ClassTrackingPerTxnLine": mode == "line",
        "TrackDepartments": bool(company.setting("track_departments")),
        "DepartmentTerminology": str(company.setting("department_terminology") or "Location"),
    }


def class_mode(company: Company) -> str:
    mode = str(company.setting("class_tracking") or "off").lower()
    if mode not in CLASS_MODES:
        raise ValueError(f"class_tracking must be one of {', '.join(CLASS_MODES)}")
    return mode


# ----------------------------------------------------------------------------- the lists
def prepare_list(company: Company, entity: str, data: dict[str, Any], existing: dict[str, Any] | None) -> None:
    """A Class (Department) under a parent of its list (``ParentRef``): its sub-list flag true and its
    ``FullyQualifiedName`` the parent's, a colon, its own name; never its own ancestor."""
    flag = SUB_FLAG[entity]
    parent = check_ref(company, entity, data.get("ParentRef"), "ParentRef")
    if parent is None:
        data[flag] = False
        data.pop("ParentRef", None)
        return
    own_id = existing["Id"] if existing else None
    ancestor: dict[str, Any] | None = parent
    while ancestor is not None:
        if ancestor["Id"] == own_id:
            raise faults.invalid_property(f"A {entity} cannot be its own parent", "ParentRef")
        parent_id = (ancestor.get("ParentRef") or {}).get("value")
        ancestor = company.store.get(entity, str(parent_id)) if parent_id else None
    data[flag] = True
    parent_name = parent.get("FullyQualifiedName") or parent["Name"]
    data["ParentRef"] = {"value": str(parent["Id"]), "name": parent_name}
    data["FullyQualifiedName"] = f"{parent_name}:{data['Name']}"


# ----------------------------------------------------------------------------- references on transactions
def apply(company: Company, entity: str, data: dict[str, Any]) -> None:
    """Check, keep or drop the ``ClassRef`` / ``DepartmentRef`` of a transaction about to be stored."""
    mode = class_mode(company)
    departments = bool(company.setting("track_departments"))
    _department(company, data, departments, "DepartmentRef")
    if "ClassRef" in data:
        _class(company, data, "ClassRef", mode, keep=mode == "txn")
    for line in data.get("Line") or []:
        if not isinstance(line, dict):
            continue
        kind = line.get("DetailType")
        detail = line.get(kind) if isinstance(kind, str) else None
        if not isinstance(detail, dict) or ("ClassRef" not in detail and "DepartmentRef" not in detail):
            continue
        element = f"Line.{kind}.ClassRef"
        if kind == SALES_DETAIL:
            _class(company, detail, element, mode, keep=mode == "line")
        elif kind in PURCHASE_DETAILS or kind == JOURNAL_DETAIL:
            _class(company, detail, element, mode, keep=mode != "off")
        if kind == JOURNAL_DETAIL:
            _department(company, detail, departments, f"Line.{kind}.DepartmentRef")


def _class(company: Company, holder: dict[str, Any], element: str, mode: str, *, keep: bool) -> None:
    if holder.get("ClassRef") in (None, "", {}):
        holder.pop("ClassRef", None)
        return
    if mode == "off":
        raise faults.business(
            "Class tracking is turned off for this company: a transaction can't have a class.", element
        )
    if not keep:  # the other level of class tracking: ignored without error
        holder.pop("ClassRef")
        return
    target = check_ref(company, "Class", holder["ClassRef"], element)
    assert target is not None
    holder["ClassRef"] = {"value": str(target["Id"]), "name": target.get("FullyQualifiedName") or target["Name"]}


def _department(company: Company, holder: dict[str, Any], tracked: bool, element: str) -> None:
    if holder.get("DepartmentRef") in (None, "", {}):
        holder.pop("DepartmentRef", None)
        return
    if not tracked:
        raise faults.business(
            "Location tracking is turned off for this company: a transaction can't have a location.", element
        )
    target = check_ref(company, "Department", holder["DepartmentRef"], element)
    assert target is not None
    holder["DepartmentRef"] = {"value": str(target["Id"]), "name": target.get("FullyQualifiedName") or target["Name"]}
