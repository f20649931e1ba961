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
from collections.abc import Callable, Iterable
from typing import Any

#: Stored request ids (for replay) kept per company; the oldest are forgotten past this.
MAX_REQUEST_IDS = 20000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS {p}objects (entity TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,
                                    PRIMARY KEY (entity, id));
CREATE TABLE IF NOT EXISTS {p}tombstones (entity TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,
                                       PRIMARY KEY (entity, id));
CREATE TABLE IF NOT EXISTS {p}meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {p}request_ids (key TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL);
"""
_TABLES = ("objects", "tombstones", "meta", "request_ids")


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """A deep copy without the internal ``_`` keys: what the API serves."""
    return {key: copy.deepcopy(value) for key, value in obj.items() if not key.startswith("_")}


class Store:
    """Objects by entity and Id, tombstones of deleted ones, counters, settings and replays.

    Each realm has its own store; in a data file, a realm other than the start-up one keeps its
    tables under a ``prefix`` (the start-up realm's tables have none, as files written before
    several realms existed).
    """

    def __init__(self, data_file: str | None = None, prefix: str = "") -> None:
        if prefix and not prefix.replace("_", "").isalnum():
            raise ValueError(f"bad table prefix {prefix!r}")
        self.prefix = prefix
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, dict[str, Any]]] = {}
        self.tombstones: dict[str, dict[str, dict[str, Any]]] = {}
        self.meta: dict[str, Any] = {}
        self.request_ids: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._seq = 0
        #: What is computed from the objects (query results), forgotten at every write.
        self.derived: dict[Any, Any] = {}
        #: Reverse links kept as objects are written (:meth:`index_links`): which payments link a document,
        #: without reading every payment (filling a large company would grow with the square of its size).
        self._keys_of: dict[str, list[Callable[[dict[str, Any]], Iterable[Any]]]] = {}
        self._linked: dict[str, dict[Any, set[str]]] = {}
        self._own_keys: dict[str, dict[str, tuple[Any, ...]]] = {}
        self._db: sqlite3.Connection | None = None
        if data_file:
            self._db = sqlite3.connect(data_file, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=10000")  # several realms write to one file
            self._db.executescript(_SCHEMA.format(p=prefix))

    # ------------------------------------------------------------------ persistence
    @property
    def persistent(self) -> bool:
        return self._db is not None

    def load(self) -> bool:
        """Read a data file written earlier; False when there is none (or nothing in it)."""
        if self._db is None:
            return False
        with self.lock:
            rows = self._sql("SELECT entity, id, data FROM {p}objects").fetchall()
            if not rows:
                return False
            self.derived.clear()
            for entity, object_id, data in rows:
                self.objects.setdefault(entity, {})[object_id] = json.loads(data)
            for entity in self._keys_of:
                self._reindex(entity)
            for entity, object_id, data in self._sql("SELECT entity, id, data FROM {p}tombstones"):
                self.tombstones.setdefault(entity, {})[object_id] = json.loads(data)
            for key, value in self._sql("SELECT key, value FROM {p}meta"):
                self.meta[key] = json.loads(value)
            for key, seq, data in self._sql("SELECT key, seq, data FROM {p}request_ids ORDER BY seq"):
                self.request_ids[key] = json.loads(data)
                self._seq = max(self._seq, seq)
            return True

    def load_meta(self) -> None:
        """Read only the ``meta`` of a data file (the emulator's own registry has no objects)."""
        if self._db is None:
            return
        with self.lock:
            for key, value in self._sql("SELECT key, value FROM {p}meta"):
                self.meta[key] = json.loads(value)

    def _sql(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        assert self._db is not None
        return self._db.execute(sql.replace("{p}", self.prefix), params)

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        if self._db is not None:
            self._sql(sql, params)

    def drop(self) -> None:
        """Forget everything and remove this store's tables from the data file (a deleted realm)."""
        with self.lock:
            self.derived.clear()
            self.objects.clear()
            self._linked.clear()
            self._own_keys.clear()
            self.tombstones.clear()
            self.meta = {}
            self.request_ids.clear()
            if self._db is not None:
                for table in _TABLES:
                    self._db.execute(f"DROP TABLE IF EXISTS {self.prefix}{table}")
            self.close()

    def close(self) -> None:
        with self.lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def wipe(self, keep_meta: tuple[str, ...] = ()) -> None:
        """Forget everything except the named ``meta`` keys (used by reset)."""
        with self.lock:
            kept = {key: self.meta[key] for key in keep_meta if key in self.meta}
            self.derived.clear()
            self.objects.clear()
            self._linked.clear()
            self._own_keys.clear()
            self.tombstones.clear()
            self.meta = dict(kept)
            self.request_ids.clear()
            if self._db is not None:
                self._db.execute("BEGIN")
                for table in _TABLES:
                    self._db.execute(f"DELETE FROM {self.prefix}{table}")  # noqa: S608 - fixed table names
                for key, value in kept.items():
                    self._sql("INSERT INTO {p}meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))
                self._db.execute("COMMIT")

    # ------------------------------------------------------------------ objects
    def get(self, entity: str, object_id: str) -> dict[str, Any] | None:
        """The stored object itself (callers mutate it only through :meth:`put`)."""
        return self.objects.get(entity, {}).get(str(object_id))

    def all(self, entity: str) -> list[dict[str, Any]]:
        return list(self.objects.get(entity, {}).values())

    # ------------------------------------------------------------------ reverse links
    def index_links(self, entity: str, keys_of: Callable[[dict[str, Any]], Iterable[Any]]) -> None:
        """Keep, for every object of ``entity``, the keys ``keys_of(object)`` names (a payment: the documents
        it applies to; a document: its number), so that :meth:`linked_to` answers without reading every
        object.  Several ``keys_of`` of one entity add up: their keys must not collide."""
        with self.lock:
            self._keys_of.setdefault(entity, []).append(keys_of)
            self._reindex(entity)

    def linked_to(self, entity: str, key: Any) -> list[str]:
        """Ids of the objects of ``entity`` whose keys include ``key``, oldest first (Ids are sequential)."""
        return sorted(self._linked.get(entity, {}).get(key, ()), key=lambda object_id: (len(object_id), object_id))

    def _reindex(self, entity: str) -> None:
        self._linked[entity] = {}
        self._own_keys[entity] = {}
        for object_id, obj in self.objects.get(entity, {}).items():
            self._index(entity, object_id, obj)

    def _index(self, entity: str, object_id: str, obj: dict[str, Any] | None) -> None:
        extractors = self._keys_of.get(entity)
        if not extractors:
            return
        # The keys the object had when last written (it may have been changed in place since).
        linked = self._linked.setdefault(entity, {})
        for key in self._own_keys.setdefault(entity, {}).pop(object_id, ()):
            ids = linked.get(key)
            if ids is not None:
                ids.discard(object_id)
                if not ids:
                    del linked[key]
        if obj is None:
            return
        keys = tuple(dict.fromkeys(key for keys_of in extractors for key in keys_of(obj)))
        self._own_keys[entity][object_id] = keys
        for key in keys:
            linked.setdefault(key, set()).add(object_id)

    def put(self, entity: str, obj: dict[str, Any]) -> None:
        with self.lock:
            self.derived.clear()
            self.objects.setdefault(entity, {})[str(obj["Id"])] = obj
            self._index(entity, str(obj["Id"]), obj)
            self._write(
                "INSERT OR REPLACE INTO {p}objects (entity, id, data) VALUES (?, ?, ?)",
                (entity, str(obj["Id"]), json.dumps(obj)),
            )

    def remove(self, entity: str, object_id: str, tombstone: dict[str, Any]) -> None:
        with self.lock:
            self.derived.clear()
            self.objects.get(entity, {}).pop(str(object_id), None)
            self._index(entity, str(object_id), None)
            self.tombstones.setdefault(entity, {})[str(object_id)] = tombstone
            self._write("DELETE FROM {p}objects WHERE entity = ? AND id = ?", (entity, str(object_id)))
            self._write(
                "INSERT OR REPLACE INTO {p}tombstones (entity, id, data) VALUES (?, ?, ?)",
                (entity, str(object_id), json.dumps(tombstone)),
            )

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
            self.derived.clear()  # settings live here too (home currency, time zone...)
            self.meta[key] = value
            self._write("INSERT OR REPLACE INTO {p}meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    # ------------------------------------------------------------------ requestid replay
    def recall(self, key: str) -> dict[str, Any] | None:
        with self.lock:
            return copy.deepcopy(self.request_ids.get(key))

    def remember(self, key: str, response: dict[str, Any]) -> None:
        with self.lock:
            self._seq += 1
            self.request_ids[key] = response
            self._write(
                "INSERT OR REPLACE INTO {p}request_ids (key, seq, data) VALUES (?, ?, ?)",
                (key, self._seq, json.dumps(response)),
            )
            while len(self.request_ids) > MAX_REQUEST_IDS:
                old_key, _ = self.request_ids.popitem(last=False)
                self._write("DELETE FROM {p}request_ids WHERE key = ?", (old_key,))
