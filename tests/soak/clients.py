"""The soak's HTTP clients: Odoo's external API (JSON-RPC), a browser-like Odoo session, the emulator's
control API, and the CPA's own QuickBooks client (tokens minted by the emulator, as another QBO app).

None of them ever prints or logs a token, a secret or a password.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import requests

#: Odoo errors that mean "try again": the transaction lost a race, nothing was done.
CONCURRENCY_MARKERS = (
    "could not serialize access",
    "concurrent update",
    "deadlock detected",
    "ConcurrencyError",
    "SerializationFailure",
    "lock timeout",
    "LockNotAvailable",
    "could not obtain lock",
)


class Unavailable(Exception):
    """Odoo did not answer (worker killed, server restarting): the call may or may not have been done."""


class Transient(Exception):
    """Odoo answered that the transaction lost a race: nothing was done, try again."""


class RPCError(Exception):
    """Odoo refused the call (a business error, access error, bad arguments)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


class OdooRPC:
    """``/jsonrpc`` ``execute_kw`` as one user; one HTTP session per thread."""

    def __init__(self, url: str, database: str, login: str, password: str, stats: Counter) -> None:
        self.url = url.rstrip("/")
        self.database = database
        self.login_name = login
        self.password = password
        self.stats = stats
        self.uid: int | None = None
        self._local = threading.local()
        self._ids = 0
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def call(self, service: str, method: str, *args: Any, timeout: float = 300) -> Any:
        with self._lock:
            self._ids += 1
            request_id = self._ids
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": request_id,
            "params": {"service": service, "method": method, "args": list(args)},
        }
        try:
            response = self._session().post(f"{self.url}/jsonrpc", json=body, timeout=timeout)
        except requests.RequestException as error:
            self._local.session = None  # a connection cut by a killed worker is not reused
            raise Unavailable(type(error).__name__) from None
        if response.status_code != 200:
            raise Unavailable(f"HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise Unavailable("not a JSON answer") from None
        error = data.get("error")
        if error:
            details = error.get("data") or {}
            name = details.get("name") or error.get("message") or "error"
            message = details.get("message") or error.get("message") or ""
            text = f"{name} {message} {details.get('debug', '')[-2000:]}"
            if any(marker in text for marker in CONCURRENCY_MARKERS):
                raise Transient(name)
            raise RPCError(name, message)
        return data.get("result")

    def login(self) -> int:
        self.uid = self.call("common", "login", self.database, self.login_name, self.password)
        if not self.uid:
            raise RuntimeError("Odoo refused the soak's login")
        return self.uid

    def execute(self, model: str, method: str, *args: Any, timeout: float = 300, **kwargs: Any) -> Any:
        """One ``execute_kw`` call, not retried (the caller knows whether it may be repeated)."""
        return self.call(
            "object",
            "execute_kw",
            self.database,
            self.uid,
            self.password,
            model,
            method,
            list(args),
            kwargs,
            timeout=timeout,
        )

    def retrying(
        self, model: str, method: str, *args: Any, deadline: float = 900, timeout: float = 300, **kwargs: Any
    ) -> Any:
        """``execute`` for calls that may safely run twice (reads, idempotent writes): retried while Odoo
        is unavailable or loses a race, for up to ``deadline`` seconds."""
        return self.retry(lambda: self.execute(model, method, *args, timeout=timeout, **kwargs), deadline=deadline)

    def retry(self, function: Callable[[], Any], deadline: float = 600) -> Any:
        stop = time.monotonic() + deadline
        wait = 0.5
        while True:
            try:
                return function()
            except (Unavailable, Transient) as error:
                self.stats["rpc_retries"] += 1
                self.stats[f"rpc_retries_{type(error).__name__.lower()}"] += 1
                if time.monotonic() > stop:
                    raise
                time.sleep(wait)
                wait = min(wait * 2, 5.0)

    def search_read_all(
        self, model: str, domain: list, fields: list[str], page: int = 2000, context: dict | None = None
    ) -> list[dict]:
        """Every matching record, read page by page (by id)."""
        rows: list[dict] = []
        last = 0
        while True:
            chunk = self.retrying(
                model,
                "search_read",
                [*domain, ["id", ">", last]],
                fields,
                limit=page,
                order="id",
                context=context or {"active_test": False},
            )
            rows.extend(chunk)
            if len(chunk) < page:
                return rows
            last = chunk[-1]["id"]

    def browser(self) -> requests.Session:
        """An Odoo web session of the same user (cookie), as a browser has after logging in."""
        session = requests.Session()
        response = session.post(
            f"{self.url}/web/session/authenticate",
            timeout=120,
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"db": self.database, "login": self.login_name, "password": self.password},
            },
        )
        response.raise_for_status()
        if response.json().get("error") or not session.cookies.get("session_id"):
            raise RuntimeError("Odoo refused the web login of the soak's user")
        return session


class EmulatorControl:
    """The emulator's ``/_emulator/`` API (no faults), with its token."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers["Authorization"] = f"Bearer {self._token}"
        return session

    def call(self, method: str, path: str, payload: Any = None, timeout: float = 300) -> Any:
        if payload is None and method == "POST":
            payload = {}  # a POST is JSON, even an empty one
        for attempt in range(5):
            try:
                response = self._session().request(
                    method, f"{self.url}/_emulator/{path}", json=payload, timeout=timeout
                )
            except requests.RequestException:
                self._local.session = None
                if attempt == 4:
                    raise
                time.sleep(1)
                continue
            response.raise_for_status()
            return response.json() if response.content else None
        return None

    def entities(self, entity: str) -> list[dict]:
        return self.call("GET", f"entities/{entity}")


class CPAError(Exception):
    """QuickBooks refused a write of the CPA (a business fault, not a transient one)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {str(body)[:500]}")
        self.status = status
        self.body = body


class CPAClient:
    """The CPA, working in QuickBooks through the API with tokens of their own (``POST /_emulator/tokens``).

    Faults the emulator injects reach the CPA too: a lost answer or a 5xx is retried with the same
    ``requestid`` (QBO answers a repeated requestid with the first answer), a 429 waits (``Retry-After``
    or a second), an expired token gets a new one.
    """

    def __init__(self, control: EmulatorControl, realm_id: str, stats: Counter, minorversion: int = 75) -> None:
        self.control = control
        self.realm_id = realm_id
        self.stats = stats
        self.minorversion = minorversion
        self._token: str | None = None
        self._lock = threading.Lock()
        self._session = requests.Session()

    def _access_token(self, renew: bool = False) -> str:
        with self._lock:
            if renew or self._token is None:
                self._token = self.control.call("POST", "tokens", {})["access_token"]
                self.stats["cpa_tokens_minted"] += 1
            return self._token

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict | None = None,
        request_id: str | None = None,
        deadline: float = 300,
    ) -> dict:
        stop = time.monotonic() + deadline
        renew = False
        query = {"minorversion": str(self.minorversion), **(params or {})}
        if request_id:
            query["requestid"] = request_id
        url = f"{self.control.url}/v3/company/{self.realm_id}/{path.lstrip('/')}"
        while True:
            token = self._access_token(renew)
            renew = False
            try:
                response = self._session.request(
                    method,
                    url,
                    json=body,
                    params=query,
                    timeout=60,
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                )
            except requests.RequestException:
                self._session = requests.Session()
                self.stats["cpa_lost_answers"] += 1
                status = None
            else:
                status = response.status_code
            if status == 200:
                return response.json()
            if time.monotonic() > stop:
                raise CPAError(status or 0, "QuickBooks did not accept the CPA's request in time")
            if status == 401:
                self.stats["cpa_expired_tokens"] += 1
                renew = True
                continue
            if status == 429:
                self.stats["cpa_throttled"] += 1
                time.sleep(min(float(response.headers.get("Retry-After") or 1), 10))
                continue
            if status is None or status >= 500:
                self.stats["cpa_server_errors" if status else "cpa_retries_after_lost_answer"] += 1
                time.sleep(0.5)
                continue
            try:
                payload = response.json()
            except ValueError:
                payload = response.text
            raise CPAError(status, payload)

    def get(self, entity: str, object_id: str) -> dict:
        return self.request("GET", f"{entity.lower()}/{object_id}")[entity]

    def create(self, entity: str, body: dict, request_id: str) -> dict:
        return self.request("POST", entity.lower(), body, request_id=request_id)[entity]

    def update(self, entity: str, body: dict, request_id: str) -> dict:
        return self.request(
            "POST", entity.lower(), {**body, "sparse": True}, params={"operation": "update"}, request_id=request_id
        )[entity]

    def delete(self, entity: str, object_id: str, sync_token: str, request_id: str) -> dict:
        return self.request(
            "POST",
            entity.lower(),
            {"Id": object_id, "SyncToken": sync_token},
            params={"operation": "delete"},
            request_id=request_id,
        )
