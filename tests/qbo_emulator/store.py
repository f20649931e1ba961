"""The emulated company's state, in memory, optionally written through to SQLite (``--data FILE``).

One re-entrant lock guards everything: QBO's behaviour we emulate (SyncToken checks, balances,
requestid replays) needs whole operations to be atomic, and the emulator's load is small.
Objects are kept as the JSON QBO returns; keys starting with ``_`` are internal and never served.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
from collections import OrderedDict
from typing import Any

#: Stored request ids (for replay) kept per company; the oldest are forgotten past this.
MAX_REQUEST_IDS = 20000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (entity TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,
                                    PRIMARY KEY (entity, id));
CREATE TABLE IF NOT EXISTS tombstones (entity TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,
                                       PRIMARY KEY (entity, id));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS request_ids (key TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL);
"""


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """A deep copy without the internal ``_`` keys: what the API serves."""
    return {key: copy.deepcopy(value) for key, value in obj.items() if not key.startswith("_")}


class Store:
    """Objects by entity and Id, tombstones of deleted ones, counters, settings and replays."""

    def __init__(self, data_file: str | None = None) -> None:
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, dict[str, Any]]] = {}
        self.tombstones: dict[str, dict[str, dict[str, Any]]] = {}
        self.meta: dict[str, Any] = {}
        self.request_ids: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._seq = 0
        self._db: sqlite3.Connection | None = None
        if data_file:
            self._db = sqlite3.connect(data_file, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    # ------------------------------------------------------------------ persistence
    @property
    def persistent(self) -> bool:
        return self._db is not None

    def load(self) -> bool:
        """Read a data file written earlier; False when there is none (or nothing in it)."""
        if self._db is None:
            return False
        with self.lock:
            rows = self._db.execute("SELECT entity, id, data FROM objects").fetchall()
            if not rows:
                return False
            for entity, object_id, data in rows:
                self.objects.setdefault(entity, {})[object_id] = json.loads(data)
            for entity, object_id, data in self._db.execute("SELECT entity, id, data FROM tombstones"):
                self.tombstones.setdefault(entity, {})[object_id] = json.loads(data)
            for key, value in self._db.execute("SELECT key, value FROM meta"):
                self.meta[key] = json.loads(value)
            for key, seq, data in self._db.execute("SELECT key, seq, data FROM request_ids ORDER BY seq"):
                self.request_ids[key] = json.loads(data)
                self._seq = max(self._seq, seq)
            return True

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        if self._db is not None:
            self._db.execute(sql, params)

    def close(self) -> None:
        with self.lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def wipe(self, keep_meta: tuple[str, ...] = ()) -> None:
        """Forget everything except the named ``meta`` keys (used by reset)."""
        with self.lock:
            kept = {key: self.meta[key] for key in keep_meta if key in self.meta}
            self.objects.clear()
            self.tombstones.clear()
            self.meta = dict(kept)
            self.request_ids.clear()
            if self._db is not None:
                self._db.execute("BEGIN")
                for table in ("objects", "tombstones", "meta", "request_ids"):
                    self._db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
                for key, value in kept.items():
                    self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))
                self._db.execute("COMMIT")

    # ------------------------------------------------------------------ objects
    def get(self, entity: str, object_id: str) -> dict[str, Any] | None:
        """The stored object itself (callers mutate it only through :meth:`put`)."""
        return self.objects.get(entity, {}).get(str(object_id))

    def all(self, entity: str) -> list[dict[str, Any]]:
        return list(self.objects.get(entity, {}).values())

    def put(self, entity: str, obj: dict[str, Any]) -> None:
        with self.lock:
            self.objects.setdefault(entity, {})[str(obj["Id"])] = obj
            self._write("INSERT OR REPLACE INTO objects (entity, id, data) VALUES (?, ?, ?)",
                        (entity, str(obj["Id"]), json.dumps(obj)))

    def remove(self, entity: str, object_id: str, tombstone: dict[str, Any]) -> None:
        with self.lock:
            self.objects.get(entity, {}).pop(str(object_id), None)
            self.tombstones.setdefault(entity, {})[str(object_id)] = tombstone
            self._write("DELETE FROM objects WHERE entity = ? AND id = ?", (entity, str(object_id)))
            self._write("INSERT OR REPLACE INTO tombstones (entity, id, data) VALUES (?, ?, ?)",
                        (entity, str(object_id), json.dumps(tombstone)))

    def deleted(self, entity: str) -> list[dict[str, Any]]:
        return list(self.tombstones.get(entity, {}).values())

    def is_deleted(self, entity: str, object_id: str) -> bool:
        return str(object_id) in self.tombstones.get(entity, {})

    def next_id(self, entity: str, start: int = 1) -> str:
        """Per-entity Ids, as QBO numbers each list separately."""
        with self.lock:
            counters = dict(self.meta.get("counters", {}))
            value = max(int(counters.get(entity, start - 1)) + 1, start)
            while str(value) in self.objects.get(entity, {}) or str(value) in self.tombstones.get(entity, {}):
                value += 1
            counters[entity] = value
            self.set_meta("counters", counters)
            return str(value)

    # ------------------------------------------------------------------ meta
    def set_meta(self, key: str, value: Any) -> None:
        with self.lock:
            self.meta[key] = value
            self._write("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    # ------------------------------------------------------------------ requestid replay
    def recall(self, key: str) -> dict[str, Any] | None:
        with self.lock:
            return copy.deepcopy(self.request_ids.get(key))

    def remember(self, key: str, response: dict[str, Any]) -> None:
        with self.lock:
            self._seq += 1
            self.request_ids[key] = response
            self._write("INSERT OR REPLACE INTO request_ids (key, seq, data) VALUES (?, ?, ?)",
                        (key, self._seq, json.dumps(response)))
            while len(self.request_ids) > MAX_REQUEST_IDS:
                old_key, _ = self.request_ids.popitem(last=False)
                self._write("DELETE FROM request_ids WHERE key = ?", (old_key,))
