"""The one HTTP client for the QuickBooks Online accounting API (v3).

Every call sends ``minorversion`` and ``Accept: application/json`` and has a timeout.  Every write
carries a ``requestid`` query parameter (QBO's idempotency key; a header does nothing) and is
retried only with that same id, so a retried write whose first response was lost makes QBO
answer with the original object instead of creating a second one.
"""

from __future__ import annotations

import json
import random
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import requests

from .errors import (
    AuthenticationError,
    FaultDetail,
    QBOError,
    StaleObjectError,
    ThrottledError,
    TransportError,
    error_class_for,
)
from .merge import Conflict, three_way_merge
from .ratelimit import InMemoryRateLimiter, RateLimiter
from .redact import get_logger, redact

_logger = get_logger(__name__)

PRODUCTION_URL = "https://quickbooks.api.intuit.com"
SANDBOX_URL = "https://sandbox-quickbooks.api.intuit.com"
ENVIRONMENT_URLS = {"production": PRODUCTION_URL, "sandbox": SANDBOX_URL}

#: Minor versions below 75 are retired by Intuit; 75 is the current baseline.
MINIMUM_MINOR_VERSION = 75
DEFAULT_MINOR_VERSION = 75

MAX_REQUEST_ID_LENGTH = 50
MAX_BATCH_REQUEST_ID_LENGTH = 36
MAX_BATCH_ITEMS = 30
MAX_QUERY_RESULTS = 1000

USER_AGENT = "quickbooks-connector-odoo/19.0"

#: Entities whose void is ``?operation=void``; payments and bill payments are voided by a sparse update
#: with ``include=void`` instead (a BillPayment answers "Unknow Operation" to ``operation=void``:
#: intuit/QuickBooks-V3-PHP-SDK issue #479).
_VOID_BY_OPERATION = {"Invoice", "SalesReceipt"}
#: Entities whose lines QBO does not change in a sparse update: a full update carries them
#: (intuit/quickbooks-online-mcp-server pull request #101, on vendor credits).
_LINES_NEED_FULL_UPDATE = {"VendorCredit"}


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry calls that may succeed later (network, 429, 5xx).

    Back-off is exponential with full jitter, capped; a ``Retry-After`` from QBO wins when longer.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt number ``attempt + 1`` (``attempt`` starts at 1)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        wait = random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not cryptography
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_delay))
        return wait


@dataclass
class BatchOperation:
    """One item of a ``/batch`` call: an entity write (create/update/delete) or a query."""

    entity: str | None = None
    operation: str | None = None  # "create" | "update" | "delete"
    body: dict[str, Any] | None = None
    query: str | None = None
    batch_id: str = ""

    def to_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {"bId": self.batch_id}
        if self.query is not None:
            item["Query"] = self.query
        else:
            item["operation"] = self.operation
            item[self.entity] = self.body
        return item


@dataclass
class BatchResult:
    """One answer of a ``/batch`` call: the object (or query response) or the error, never both."""

    batch_id: str
    entity: str | None = None
    object: dict[str, Any] | None = None
    query_response: dict[str, Any] | None = None
    error: QBOError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class _Response:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def new_request_id() -> str:
    """A random request id for one-off writes (callers with a natural key should derive one)."""
    return uuid.uuid4().hex


def _utc_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat()


def quote_literal(value: str) -> str:
    """Quote a literal for the QBO query language (single quotes, backslash-escaped)."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


class QBOClient:
    """Client for one QBO company (realm).

    :param realm_id: the company id Intuit sends as ``realmId`` after authorization.
    :param access_token: the bearer token, or a callable returning the current one (so a token
        refreshed elsewhere is picked up without rebuilding the client).
    :param environment: ``production`` or ``sandbox``; ignored when ``base_url`` is given.
    :param base_url: any other server speaking QBO's API, such as the project's emulator.
    :param on_unauthorized: called once when QBO answers 401; returns a fresh access token
        (typically after an OAuth refresh).  Without it a 401 raises :class:`AuthenticationError`.
    :param limiter: per-realm rate governor; an in-process one by default.
    """

    def __init__(
        self,
        realm_id: str,
        access_token: str | Callable[[], str],
        *,
        environment: str = "production",
        base_url: str | None = None,
        minorversion: int = DEFAULT_MINOR_VERSION,
        timeout: float = 60.0,
        session: requests.Session | None = None,
        limiter: RateLimiter | None = None,
        on_unauthorized: Callable[[], str] | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not realm_id:
            raise ValueError("realm_id is required")
        if int(minorversion) < MINIMUM_MINOR_VERSION:
            raise ValueError(f"minorversion {minorversion} is retired by Intuit; use {MINIMUM_MINOR_VERSION} or later")
        if base_url is None:
            if environment not in ENVIRONMENT_URLS:
                raise ValueError(f"unknown environment {environment!r}; give base_url for a custom server")
            base_url = ENVIRONMENT_URLS[environment]
        self.realm_id = str(realm_id)
        self.base_url = base_url.rstrip("/")
        self.minorversion = int(minorversion)
        self.timeout = timeout
        self.session = session or requests.Session()
        self.limiter = limiter if limiter is not None else InMemoryRateLimiter()
        self.on_unauthorized = on_unauthorized
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._token_source = access_token if callable(access_token) else (lambda: access_token)

    # ----------------------------------------------------------------- entity operations
    # pylint: disable-next=method-required-super  # not an Odoo model's create: this client has no parent
    def create(
        self, entity: str, body: dict[str, Any], *, request_id: str | None = None, include: str | None = None
    ) -> dict[str, Any]:
        """Create an object; returns it as QBO stored it (with ``Id`` and ``SyncToken``).

        :raise QBOError: its typed subclass (qbo/errors.py) when QuickBooks refuses the call, or cannot
            be reached once the retries are spent
        """
        params = {"include": include} if include else None
        response = self._write(f"/{entity.lower()}", body, request_id=request_id, params=params)
        return self._unwrap(response, entity)

    def get(self, entity: str, object_id: str) -> dict[str, Any]:
        """Read one object by Id; :class:`NotFoundError` when it does not exist.

        :raise QBOError: its typed subclass (qbo/errors.py) when QuickBooks refuses the call, or cannot
            be reached once the retries are spent
        """
        response = self._call("GET", f"/{entity.lower()}/{object_id}")
        return self._unwrap(response, entity)

    def update(
        self, entity: str, body: dict[str, Any], *, request_id: str | None = None, sparse: bool = True
    ) -> dict[str, Any]:
        """Update an object; ``body`` must carry ``Id`` and the current ``SyncToken``.

        Sparse by default: a full update nulls every writable field it does not send.

        :raise ValueError: if ``body`` lacks ``Id`` or ``SyncToken``
        :raise QBOError: its typed subclass (qbo/errors.py) when QuickBooks refuses the call, or cannot
            be reached once the retries are spent
        """
        if not body.get("Id") or body.get("SyncToken") in (None, ""):
            raise ValueError("an update needs the object's Id and SyncToken")
        payload = dict(body)
        if sparse:
            payload["sparse"] = True
        else:
            payload.pop("sparse", None)
        response = self._write(f"/{entity.lower()}", payload, request_id=request_id, params={"operation": "update"})
        return self._unwrap(response, entity)

    def update_merging(
        self,
        entity: str,
        object_id: str,
        sync_token: str,
        ours: dict[str, Any],
        base: dict[str, Any] | None,
        *,
        prefer: str = "ours",
        fields: set[str] | None = None,
        request_id: str | None = None,
        max_tries: int = 3,
    ) -> tuple[dict[str, Any], list[Conflict]]:
        """Sparse-update ``ours`` onto the object; on a stale SyncToken re-fetch, merge, try again.

        ``base`` is what was last synced, so a field QBO changed that we did not touch is kept,
        and a field both sides changed goes to ``prefer`` (the master system).  Each try has its own
        requestid (the content differs), derived from ``request_id`` when given.  Returns the stored
        object and the conflicts that were resolved.  Lines of entities that QBO only changes in a
        full update are sent that way: QBO's current object with ours laid over it.

        :raise StaleObjectError: if the SyncToken is still stale after ``max_tries``
        :raise QBOError: its typed subclass (qbo/errors.py) when QuickBooks refuses the call, or cannot
            be reached once the retries are spent
        """
        conflicts: list[Conflict] = []
        body = {**ours, "Id": str(object_id), "SyncToken": str(sync_token)}
        root = (request_id or new_request_id())[: MAX_REQUEST_ID_LENGTH - 3]
        full = entity in _LINES_NEED_FULL_UPDATE and "Line" in ours
        current = self.get(entity, object_id) if full else None
        for attempt in range(1, max_tries + 1):
            payload = {**current, **body} if full else body
            try:
                stored = self.update(
                    entity, payload, request_id=f"{root}-{attempt}" if attempt > 1 else root, sparse=not full
                )
                return stored, conflicts
            except StaleObjectError:
                if attempt == max_tries:
                    raise
                theirs = self.get(entity, object_id)
                result = three_way_merge(base, ours, theirs, prefer=prefer, fields=fields or set(ours))
                conflicts = result.conflicts
                patch = result.patch_for(theirs)
                _logger.info(
                    "Stale %s %s: merged with QuickBooks' version %s (%d conflict(s))",
                    entity,
                    object_id,
                    theirs.get("SyncToken"),
                    len(conflicts),
                )
                if not patch:
                    return theirs, conflicts
                current = theirs if full else None
                body = {**patch, "Id": str(object_id), "SyncToken": str(theirs["SyncToken"])}
        raise AssertionError("unreachable")  # pragma: no cover

    def delete(self, entity: str, object_id: str, sync_token: str, *, request_id: str | None = None) -> dict[str, Any]:
        """Delete a transaction (names and accounts cannot be deleted: make them inactive).

        :raise QBOError: its typed subclass (qbo/errors.py) when QuickBooks refuses the call, or cannot
            be reached once the retries are spent
        """
        response = self._write(
            f"/{entity.lower()}",
            {"Id": str(object_id), "SyncToken": str(sync_token)},
            request_id=request_id,
            params={"operation": "delete"},
        )
        return self._unwrap(response, entity)

    def void(self, entity: str, object_id: str, sync_token: str, *, request_id: str | None = None) -> dict[str, Any]:
        """Void a transaction: invoices by ``operation=void``, payments by a sparse voiding update.

        :raise QBOError: its typed subclass (qbo/errors.py) when QuickBooks refuses the call, or cannot
            be reached once the retries are spent
        """
        body = {"Id": str(object_id), "SyncToken": str(sync_token)}
        if entity in _VOID_BY_OPERATION:
            params = {"operation": "void"}
        else:
            body["sparse"] = True
            params = {"operation": "update", "include": "void"}
        response = self._write(f"/{entity.lower()}", body, request_id=request_id, params=params)
        return self._unwrap(response, entity)

    def report(self, name: str, **params: str) -> dict[str, Any]:
        """A QBO report (``/reports/<name>``, e.g. ProfitAndLoss with start_date/end_date); the raw JSON."""
        return self._call("GET", f"/reports/{name}", params={k: str(v) for k, v in params.items()}).body

    def company_info(self) -> dict[str, Any]:
        """The connected company (name, country, ...), shown in Odoo's settings."""
        return self.get("CompanyInfo", self.realm_id)

    # ----------------------------------------------------------------- queries
    def query(self, statement: str) -> dict[str, Any]:
        """Run one query statement; returns the raw ``QueryResponse`` (one page).

        :raise QBOError: its typed subclass (qbo/errors.py) when QuickBooks refuses the call, or cannot
            be reached once the retries are spent
        """
        response = self._call("POST", "/query", data=statement.encode(), headers={"Content-Type": "application/text"})
        return response.body.get("QueryResponse", {})

    def count(self, entity: str, where: str | None = None) -> int:
        """``select count(*) from <entity> [where ...]``."""
        statement = f"select count(*) from {entity}" + (f" where {where}" if where else "")
        return int(self.query(statement).get("totalCount", 0))

    def query_all(
        self, entity: str, where: str | None = None, *, order_by: str | None = None, page_size: int = MAX_QUERY_RESULTS
    ) -> Iterator[dict[str, Any]]:
        """Yield every object matching ``where``, reading as many pages as there are.

        :raise QBOError: its typed subclass (qbo/errors.py) when QuickBooks refuses the call, or cannot
            be reached once the retries are spent
        """
        page_size = min(max(page_size, 1), MAX_QUERY_RESULTS)
        start = 1
        while True:
            statement = f"select * from {entity}"
            if where:
                statement += f" where {where}"
            if order_by:
                statement += f" orderby {order_by}"
            statement += f" startposition {start} maxresults {page_size}"
            rows = self.query(statement).get(entity, [])
            yield from rows
            if len(rows) < page_size:
                return
            start += len(rows)

    def find_by(self, entity: str, field_name: str, value: str) -> list[dict[str, Any]]:
        """All objects whose ``field_name`` equals ``value`` (quoted safely)."""
        return list(self.query_all(entity, f"{field_name} = {quote_literal(value)}"))

    def find_in(
        self, entity: str, field_name: str, values: Iterable[str], *, where: str | None = None, chunk: int = 200
    ) -> dict[str, list[dict[str, Any]]]:
        """Objects whose ``field_name`` is one of ``values``, by value: one query per ``chunk`` values
        (QBO has no ``OR`` but has ``IN``), so looking up a backlog costs a few requests, not one each."""
        wanted = list(dict.fromkeys(str(value) for value in values if value))
        found: dict[str, list[dict[str, Any]]] = {value: [] for value in wanted}
        for start in range(0, len(wanted), chunk):
            listed = ", ".join(quote_literal(value) for value in wanted[start : start + chunk])
            condition = f"{field_name} IN ({listed})" + (f" and {where}" if where else "")
            for obj in self.query_all(entity, condition):
                key = str(obj.get(field_name))
                if key in found:
                    found[key].append(obj)
        return found

    # ----------------------------------------------------------------- batch and CDC
    def batch(self, operations: Iterable[BatchOperation], *, request_id: str | None = None) -> list[BatchResult]:
        """Run operations through ``/batch``, at most 30 a call, answers in the order given.

        Every batch item is metered like a single call, so batch saves round trips, not quota.
        ``request_id`` (<= 36 characters) makes each chunk idempotent (suffixed per chunk).

        :raise ValueError: if a batch item id is longer than 10 characters
        :raise QBOError: its typed subclass (qbo/errors.py) when QuickBooks refuses the call, or cannot
            be reached once the retries are spent
        """
        ops = list(operations)
        for index, op in enumerate(ops):
            op.batch_id = op.batch_id or str(index + 1)
            if len(op.batch_id) > 10:
                raise ValueError("batch item ids are limited to 10 characters")
        results: list[BatchResult] = []
        for chunk_no, first in enumerate(range(0, len(ops), MAX_BATCH_ITEMS)):
            chunk = ops[first : first + MAX_BATCH_ITEMS]
            chunk_request_id = None
            if request_id is not None or any(op.query is None for op in chunk):
                base = request_id or new_request_id()[:32]
                chunk_request_id = f"{base[:32]}-{chunk_no}"[:MAX_BATCH_REQUEST_ID_LENGTH]
            response = self._call(
                "POST",
                "/batch",
                json_body={"BatchItemRequest": [op.to_json() for op in chunk]},
                request_id=chunk_request_id,
                cost=len(chunk),
                batch=True,
                max_request_id=MAX_BATCH_REQUEST_ID_LENGTH,
            )
            by_id = {item.get("bId"): item for item in response.body.get("BatchItemResponse", [])}
            for op in chunk:
                results.append(self._batch_result(op, by_id.get(op.batch_id)))
        return results

    def _batch_result(self, op: BatchOperation, item: dict[str, Any] | None) -> BatchResult:
        if item is None:
            return BatchResult(
                op.batch_id, op.entity, error=QBOError("QuickBooks returned no answer for this batch item")
            )
        if "Fault" in item:
            return BatchResult(op.batch_id, op.entity, error=_fault_to_error(200, item, {}))
        if "QueryResponse" in item:
            return BatchResult(op.batch_id, None, query_response=item["QueryResponse"])
        entity = op.entity or next((k for k in item if k != "bId"), None)
        return BatchResult(op.batch_id, entity, object=item.get(entity))

    def cdc(self, entities: Iterable[str], changed_since: datetime) -> dict[str, list[dict[str, Any]]]:
        """Change Data Capture: every object of ``entities`` changed since ``changed_since``.

        Deleted objects come back as ``{"Id": ..., "status": "Deleted"}``.  QBO returns at most
        1,000 objects per entity and looks back at most 30 days: the caller keeps a watermark and
        splits the window when an entity comes back with 1,000 rows.

        :raise QBOError: its typed subclass (qbo/errors.py) when QuickBooks refuses the call, or cannot
            be reached once the retries are spent
        """
        names = list(entities)
        response = self._call(
            "GET", "/cdc", params={"entities": ",".join(names), "changedSince": _utc_iso(changed_since)}
        )
        changes: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for cdc in response.body.get("CDCResponse", []):
            for query_response in cdc.get("QueryResponse", []):
                for key, value in query_response.items():
                    if isinstance(value, list):
                        changes.setdefault(key, []).extend(value)
        return changes

    # ----------------------------------------------------------------- transport
    def _write(
        self, path: str, body: dict[str, Any], *, request_id: str | None, params: dict[str, str] | None = None
    ) -> _Response:
        return self._call("POST", path, json_body=body, params=params, request_id=request_id or new_request_id())

    @staticmethod
    def _unwrap(response: _Response, entity: str) -> dict[str, Any]:
        for key, value in response.body.items():
            if key.lower() == entity.lower() and isinstance(value, dict):
                return value
        raise QBOError(f"QuickBooks answered without a {entity} object", status=response.status)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        request_id: str | None = None,
        cost: int = 1,
        batch: bool = False,
        max_request_id: int = MAX_REQUEST_ID_LENGTH,
    ) -> _Response:
        if request_id is not None and len(request_id) > max_request_id:
            raise ValueError(f"requestid is limited to {max_request_id} characters")
        url = f"{self.base_url}/v3/company/{self.realm_id}{path}"
        query = {"minorversion": str(self.minorversion), **(params or {})}
        if request_id is not None:
            query["requestid"] = request_id
        send_headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})}
        if json_body is not None:
            send_headers["Content-Type"] = "application/json"
            data = json.dumps(json_body).encode()
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            send_headers["Authorization"] = f"Bearer {self._token_source()}"
            try:
                with self.limiter.acquire(self.realm_id, cost, batch=batch):
                    response = self._send(method, url, query, data, send_headers)
            except QBOError as error:
                if isinstance(error, AuthenticationError) and self.on_unauthorized and not refreshed:
                    # One refresh, then the same call again (same requestid for writes).
                    refreshed = True
                    _logger.info("QBO answered 401 for realm %s; refreshing the access token", self.realm_id)
                    fresh_token = self.on_unauthorized()
                    if fresh_token:
                        self._token_source = lambda token=fresh_token: token
                    attempt -= 1
                    continue
                if error.retryable and attempt < self.retry.max_attempts:
                    wait = self.retry.delay(attempt, getattr(error, "retry_after", None))
                    _logger.warning(
                        "QBO %s %s failed (%s); retry %d/%d in %.1fs%s",
                        method,
                        path,
                        error,
                        attempt,
                        self.retry.max_attempts - 1,
                        wait,
                        f" with the same requestid {request_id}" if request_id else "",
                    )
                    self._sleep(wait)
                    continue
                raise
            return response

    def _send(
        self, method: str, url: str, params: dict[str, str], data: bytes | None, headers: dict[str, str]
    ) -> _Response:
        try:
            raw = self.session.request(method, url, params=params, data=data, headers=headers, timeout=self.timeout)
        except requests.Timeout as error:
            raise TransportError(f"QuickBooks did not answer in time ({type(error).__name__})") from None
        except requests.RequestException as error:
            raise TransportError(f"Could not reach QuickBooks: {redact(type(error).__name__)}") from None
        body = _parse_body(raw)
        tid = raw.headers.get("intuit_tid")
        if raw.status_code >= 400 or "Fault" in body or "fault" in body:
            raise _fault_to_error(raw.status_code, body, raw.headers, tid)
        _logger.debug("QBO %s %s -> %s (tid %s)", method, redact(raw.url), raw.status_code, tid)
        return _Response(raw.status_code, body, dict(raw.headers))


# --------------------------------------------------------------------- fault parsing
_XML_CODE = re.compile(r"""<Error[^>]*\bcode=["']([^"']+)["']""", re.IGNORECASE)
_XML_TAG = re.compile(r"<(Message|Detail)>(.*?)</\1>", re.IGNORECASE | re.DOTALL)
_XML_FAULT_TYPE = re.compile(r"""<Fault[^>]*\btype=["']([^"']+)["']""", re.IGNORECASE)
_EMBEDDED_CODE = re.compile(r"errorCode=(\d+)")


def _parse_body(raw: requests.Response) -> dict[str, Any]:
    """JSON when it is JSON; anything else (QBO sends XML 429s) becomes ``{"_text": ...}``."""
    if not raw.content:
        return {}
    try:
        parsed = raw.json()
    except ValueError:
        return {"_text": raw.text}
    return parsed if isinstance(parsed, dict) else {"_list": parsed}


def _parse_retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers else None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _fault_to_error(status: int, body: dict[str, Any], headers: Any, intuit_tid: str | None = None) -> QBOError:
    """Turn any QBO error answer (JSON Fault, lower-case fault, XML, plain text) into a typed error."""
    fault = body.get("Fault") or body.get("fault")
    details: list[FaultDetail] = []
    fault_type = None
    if isinstance(fault, dict):
        fault_type = fault.get("type")
        for error in fault.get("Error") or fault.get("error") or []:
            details.append(
                FaultDetail(
                    code=str(error.get("code")) if error.get("code") is not None else None,
                    message=error.get("Message") or error.get("message") or "",
                    detail=error.get("Detail") or error.get("detail"),
                    element=error.get("element"),
                )
            )
    elif "_text" in body:
        source = body["_text"]
        code = _XML_CODE.search(source)
        tags = dict((name.lower(), value.strip()) for name, value in _XML_TAG.findall(source))
        kind = _XML_FAULT_TYPE.search(source)
        fault_type = kind.group(1) if kind else None
        details.append(
            FaultDetail(
                code=code.group(1) if code else None,
                message=tags.get("message") or f"HTTP {status}",
                detail=tags.get("detail"),
            )
        )
    if not details:
        details.append(FaultDetail(code=None, message=f"QuickBooks answered HTTP {status}"))
    first = details[0]
    code = first.code
    if code is None or not code.strip("0").isdigit():
        embedded = _EMBEDDED_CODE.search(first.message or "")
        if embedded:
            code = embedded.group(1)
    cls = error_class_for(status, code, fault_type)
    kwargs: dict[str, Any] = dict(
        code=code,
        detail=redact(first.detail) if first.detail else None,
        status=status,
        fault_type=fault_type,
        element=first.element,
        intuit_tid=intuit_tid,
        errors=tuple(details),
    )
    message = redact(first.message) or f"HTTP {status}"
    if issubclass(cls, ThrottledError):
        return cls(message, retry_after=_parse_retry_after(headers), **kwargs)
    return cls(message, **kwargs)
