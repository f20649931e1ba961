"""What a QuickBooks company's Preferences say it tracks (classes, locations)."""

from __future__ import annotations

from typing import Any


def tracking_values(prefs: dict[str, Any] | None) -> dict[str, Any]:
    """The connection's fields of what the company tracks, from QuickBooks' Preferences (``AccountingInfoPrefs``):
    classes per line (``ClassTrackingPerTxnLine``), per transaction (``ClassTrackingPerTxn``) or none; locations
    (``TrackDepartments``) and what the company calls them (``DepartmentTerminology``)."""
    accounting = (prefs or {}).get("AccountingInfoPrefs") or {}
    if accounting.get("ClassTrackingPerTxnLine"):
        classes = "line"
    elif accounting.get("ClassTrackingPerTxn"):
        classes = "txn"
    else:
        classes = "none"
    return {
        "qbo_class_tracking": classes,
        "qbo_track_locations": bool(accounting.get("TrackDepartments")),
        "qbo_location_terminology": accounting.get("DepartmentTerminology") or False,
    }
