"""Three-way merge used after a stale SyncToken.

``base`` is what we last synced (the sync record's snapshot), ``ours`` what the source system wants
now, ``theirs`` the object QBO holds now.  A field changed on one side only takes that side's
value; a field changed on both sides to different values is a conflict, resolved by the master
rule (``prefer``) and reported.  Nested objects (addresses) merge field by field; lists (invoice
lines) are atomic, because a line list is only meaningful as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "<missing>"})()


@dataclass(frozen=True)
class Conflict:
    """A field both sides changed differently; ``resolved`` is the value kept."""

    path: str
    base: Any
    ours: Any
    theirs: Any
    resolved: Any


@dataclass
class MergeResult:
    merged: dict[str, Any]
    conflicts: list[Conflict] = field(default_factory=list)

    def patch_for(self, theirs: dict[str, Any]) -> dict[str, Any]:
        """The top-level fields to send in a sparse update to turn ``theirs`` into ``merged``."""
        return {key: value for key, value in self.merged.items() if theirs.get(key, MISSING) != value}


def three_way_merge(
    base: dict[str, Any] | None,
    ours: dict[str, Any],
    theirs: dict[str, Any],
    *,
    prefer: str = "ours",
    fields: set[str] | None = None,
) -> MergeResult:
    """Merge ``ours`` and ``theirs`` against ``base``.

    :param prefer: ``ours`` or ``theirs``: who wins a real conflict (the master system).
    :param fields: when given, only these top-level fields are merged (the fields we own);
        everything else in the result is taken from ``theirs`` unchanged.
    """
    if prefer not in ("ours", "theirs"):
        raise ValueError("prefer must be 'ours' or 'theirs'")
    conflicts: list[Conflict] = []
    base = base or {}
    if fields is None:
        merged = _merge_dict(base, ours, theirs, prefer, "", conflicts)
    else:
        merged = dict(theirs)
        scoped = _merge_dict(
            {k: v for k, v in base.items() if k in fields},
            {k: v for k, v in ours.items() if k in fields},
            {k: v for k, v in theirs.items() if k in fields},
            prefer,
            "",
            conflicts,
        )
        for key in fields:
            if key in scoped:
                merged[key] = scoped[key]
            else:
                merged.pop(key, None)
    return MergeResult(merged, conflicts)


def _merge_value(base: Any, ours: Any, theirs: Any, prefer: str, path: str, conflicts: list[Conflict]) -> Any:
    if ours == theirs:
        return ours
    if ours == base:
        return theirs
    if theirs == base:
        return ours
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return _merge_dict(base if isinstance(base, dict) else {}, ours, theirs, prefer, path, conflicts)
    resolved = ours if prefer == "ours" else theirs
    conflicts.append(Conflict(path, base, ours, theirs, resolved))
    return resolved


def _merge_dict(
    base: dict[str, Any],
    ours: dict[str, Any],
    theirs: dict[str, Any],
    prefer: str,
    prefix: str,
    conflicts: list[Conflict],
) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key in [*ours, *(k for k in theirs if k not in ours), *(k for k in base if k not in ours and k not in theirs)]:
        path = f"{prefix}.{key}" if prefix else key
        value = _merge_value(
            base.get(key, MISSING), ours.get(key, MISSING), theirs.get(key, MISSING), prefer, path, conflicts
        )
        if value is not MISSING:
            merged[key] = value
    return merged
