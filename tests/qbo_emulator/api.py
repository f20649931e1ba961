"""The accounting API (``/v3/company/{realmId}/...``): the request pipeline and the endpoints.

Pipeline, in QBO's order: bearer token (401) -> throttling (429) -> injected faults ->
``minorversion`` -> ``requestid`` replay -> the operation.  A write's answer (success or business
fault) is stored under its ``requestid`` (a query-string parameter; a ``Request-Id`` header means
nothing to QBO) and served again, untouched, when the same id comes back for the same endpoint.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from . import faults, query, reports
from .clock import parse_time, qbo_time_ms
from .entities import SPECS, entity_name
from .faults import QBOFault

if TYPE_CHECKING:
    from .realms import Realm
    from .server import Emulator

MINIMUM_MINOR_VERSION = 75
MAX_REQUEST_ID = 50
MAX_BATCH_REQUEST_ID = 36
MAX_BATCH_ITEM_ID = 10
CDC_MAX_DAYS = 30
CDC_MAX_PER_ENTITY = 1000
#: Voided only by a sparse update with ``include=void``: ``operation=void`` is refused (Intuit's
#: BillPayment reference; intuit/QuickBooks-V3-PHP-SDK issue #479, see the README's "Payables").
VOID_BY_INCLUDE_ONLY = ("BillPayment",)


class Dropped(Exception):
    """Close the connection without answering (a response lost on the way back)."""


def json_response(
    emu: Emulator | RealmView, status: int, body: Any, headers: dict[str, str] | None = None, stamp: bool = True
) -> Response:
    if stamp and isinstance(body, dict) and "time" not in body:
        body = {**body, "time": emu.time_text()}
    response = Response(json.dumps(body), status=status, content_type="application/json;charset=UTF-8")
    response.headers["intuit_tid"] = uuid.uuid4().hex
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def fault_response(emu: Emulator | RealmView, fault: QBOFault, headers: dict[str, str] | None = None) -> Response:
    if fault.status in (401, 403) and emu.company.setting("auth_fault_style") == "platform":
        return json_response(
            emu, fault.status, faults.platform_style(fault, int(emu.clock.timestamp() * 1000)), headers
        )
    return json_response(emu, fault.status, {"Fault": fault.fault()}, headers)


class RealmView:
    """What the API handlers see of the emulator: one realm's company, store, faults and rate budget."""

    def __init__(self, emu: Emulator, realm: Realm) -> None:
        self.emulator = emu
        self.realm = realm
        self.company = realm.company
        self.store = realm.store
        self.faults = realm.faults
        self.limiter = realm.limiter
        self.clock = emu.clock
        self.oauth = emu.oauth

    def time_text(self) -> str:
        return qbo_time_ms(self.clock.now(), int(self.company.setting("utc_offset_minutes")))

    def finish(self, entry: dict[str, Any], response: Response, started: float) -> Response:
        return self.emulator.finish(entry, response, started)


def handle(emu: Emulator, request: Request, realm: str, subpath: str) -> Response:
    """Serve one API request (``subpath`` is what follows ``/v3/company/{realm}``)."""
    started = time.monotonic()
    subpath = "/" + subpath.strip("/")
    entry: dict[str, Any] = emu.log_request(request, subpath, realm)
    head = subpath.strip("/").split("/")[0].lower()
    target = emu.realms.get(realm)
    view: Any = RealmView(emu, target) if target is not None else emu
    fired = target.faults.fire(request.method, subpath, head) if target is not None else []
    entry["faults"] = [rule.kind for rule in fired]
    token = request.headers.get("Authorization", "")
    token = token[7:].strip() if token[:7].lower() == "bearer " else ""
    try:
        for rule in fired:
            if rule.kind == "expire_token" and token:
                emu.oauth.expire(token)
        valid, reason, owner = emu.oauth.check(token) if token else (False, "Token missing", None)
        if not valid:
            raise faults.authentication_failed(reason)
        if target is None:  # no such company here (as a sandbox company asked of production servers)
            raise faults.authorization_failed(f"The token does not grant access to company {realm}")
    except QBOFault as fault:
        return emu.finish(entry, fault_response(view, fault), started)
    if owner != realm:  # a token of another company: Intuit answers a 401 in XML (README, "Several companies")
        entry["wrong_realm"] = owner
        body = faults.wrong_realm_xml(view.time_text())
        return emu.finish(entry, Response(body, status=401, content_type="application/xml"), started)
    cost, is_batch = _cost(request, head)
    admitted, retry_after, why = view.limiter.acquire(realm, cost, is_batch)
    if not admitted:
        entry["throttled"] = why
        return emu.finish(entry, fault_response(view, faults.throttled(), {"Retry-After": str(retry_after)}), started)
    try:
        return emu.finish(entry, _admitted(view, request, realm, subpath, head, fired, entry), started)
    finally:
        view.limiter.release(realm)


def _cost(request: Request, head: str) -> tuple[int, bool]:
    """Every batch item is metered like one request."""
    if head != "batch" or request.method != "POST":
        return 1, False
    try:
        items = json.loads(request.get_data() or b"{}").get("BatchItemRequest") or []
        return max(1, len(items)), True
    except (ValueError, AttributeError):
        return 1, True


def _admitted(
    emu: RealmView, request: Request, realm: str, subpath: str, head: str, fired: list[Any], entry: dict[str, Any]
) -> Response:
    for rule in fired:
        if rule.kind == "latency":
            time.sleep(rule.seconds)
    for rule in fired:
        if rule.kind == "status":
            return fault_response(emu, faults.system_fault(rule.status or 503))
        if rule.kind == "throttle":
            emu.limiter.count_injected()
            retry = {"Retry-After": str(max(1, int(rule.seconds or 1)))}
            if rule.xml:
                body = faults.throttle_xml(emu.time_text())
                return Response(body, status=429, content_type="application/xml", headers=retry)
            return fault_response(emu, faults.throttled(), retry)
        if rule.kind == "non_json":
            html = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
            return Response(html, status=rule.status or 502, content_type="text/html")
        if rule.kind == "drop_before_commit":
            raise Dropped()
    try:
        _check_minorversion(emu, request)
        request_id = request.args.get("requestid")
        replay_key = None
        if request_id is not None:
            limit = MAX_BATCH_REQUEST_ID if head == "batch" else MAX_REQUEST_ID
            if len(request_id) > limit:
                raise faults.request_id_too_long(len(request_id), limit, request_id)
            if request.method == "POST" and head != "query":
                replay_key = f"{realm}|{request.method}|/{subpath.strip('/').lower()}|{request_id}"
        # One lock around look-up, write and remembering: two racing retries perform once.
        with emu.store.lock:
            stored = emu.store.recall(replay_key) if replay_key else None
            if stored is not None:
                entry["replayed"] = True
                status, body = stored["status"], stored["body"]
            else:
                try:
                    status, body = perform(emu, request, subpath, head, request_id)
                except QBOFault as fault:
                    status, body = fault.status, {"Fault": fault.fault()}
                except Exception as error:  # a request the emulator cannot handle: answer like QBO's 500
                    fault = faults.system_fault(500)
                    fault.detail = f"System Failure Error: {type(error).__name__}: {error}"
                    status, body = 500, {"Fault": fault.fault()}
                if not (head == "reports" and status == 200):  # a report carries its time in its Header
                    body = {**body, "time": emu.time_text()}
                if replay_key is not None and status < 500:  # an internal failure performed nothing
                    emu.store.remember(replay_key, {"status": status, "body": body})
        _after(fired)
        return json_response(emu, status, body, stamp="Fault" in body or head != "reports")
    except QBOFault as fault:
        return fault_response(emu, fault)


def _after(fired: list[Any]) -> None:
    if any(rule.kind == "drop_after_commit" for rule in fired):
        raise Dropped()


def _check_minorversion(emu: RealmView, request: Request) -> None:
    value = request.args.get("minorversion")
    if value is None or emu.company.setting("minorversion_policy") == "ignore":
        return
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < MINIMUM_MINOR_VERSION:
        raise faults.invalid_property(
            f"minorversion {value} is not supported. Minor versions 1-74 were discontinued on August 1, 2025; "
            f"use minorversion={MINIMUM_MINOR_VERSION} or later.",
            "minorversion",
        )


# ----------------------------------------------------------------------------- endpoints
def _json_body(request: Request) -> Any:
    try:
        return json.loads(request.get_data() or b"null")
    except ValueError:
        raise faults.invalid_property("Could not parse the request body as JSON") from None


def perform(emu: RealmView, request: Request, subpath: str, head: str, request_id: str | None) -> tuple[int, dict]:
    parts = [part for part in subpath.strip("/").split("/") if part]
    method = request.method
    if head == "query":
        text = request.args.get("query") if method == "GET" else request.get_data(as_text=True)
        return 200, {"QueryResponse": query.run(emu.company, text or "")}
    if head == "batch" and method == "POST":
        return 200, batch(emu, _json_body(request), request_id)
    if head == "reports" and method == "GET" and len(parts) == 2:
        return 200, reports.run(emu.company, parts[1], request.args)
    if head == "cdc" and method == "GET":
        return 200, cdc(emu, request.args.get("entities", ""), request.args.get("changedSince", ""))
    entity = entity_name(head)
    if head == "preferences" and method == "GET":
        return 200, {"Preferences": emu.company.get("Preferences", "1")}
    if entity == "CompanyInfo" and method == "GET" and len(parts) == 2:
        return 200, {"CompanyInfo": emu.company.get("CompanyInfo", "1")}
    if entity is None:
        raise faults.unsupported_operation(f"Could not find resource for relative : /{subpath.strip('/')}")
    if method == "GET" and len(parts) == 2:
        return 200, {entity: emu.company.get(entity, parts[1])}
    if method == "POST" and len(parts) == 1:
        body = _json_body(request)
        if isinstance(body, dict) and set(body) == {entity}:
            body = body[entity]  # tolerate a wrapped object
        if not isinstance(body, dict):
            raise faults.invalid_property("The request body must be a JSON object")
        return 200, {
            entity: write(emu, entity, body, request.args.get("operation", ""), request.args.get("include", ""))
        }
    raise faults.unsupported_operation(f"{method} /{subpath.strip('/')}")


def write(emu: RealmView, entity: str, body: dict[str, Any], operation: str, include: str) -> dict[str, Any]:
    """One entity write, as QBO reads ``operation`` and ``include`` from the query string."""
    operation = (operation or "").strip().lower()
    includes = {word.strip().lower() for word in (include or "").split(",") if word.strip()}
    allow_dup = "allowduplicatedocnum" in includes
    company = emu.company
    if operation == "delete":
        return company.delete(entity, body)
    if operation == "void" and entity in VOID_BY_INCLUDE_ONLY:
        raise faults.unsupported_operation(f"void for {entity} (void it with operation=update&include=void)")
    if operation == "void" or (operation == "update" and "void" in includes):
        return company.void(entity, body)
    if operation not in ("", "create", "update"):
        raise faults.unsupported_operation(f"{operation} for {entity}")
    if body.get("Id") not in (None, "") and (operation == "update" or operation == ""):
        sparse = body.get("sparse") in (True, "true", "True")
        return company.update(entity, body, sparse=sparse, allow_duplicate_docnum=allow_dup)
    if operation == "update":
        raise faults.required_missing("Id")
    return company.create(entity, body, allow_duplicate_docnum=allow_dup)


def batch(emu: RealmView, body: Any, request_id: str | None) -> dict[str, Any]:
    items = body.get("BatchItemRequest") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise faults.required_missing("BatchItemRequest")
    limit = emu.limiter.settings.batch_max_items
    if len(items) > limit:
        raise faults.invalid_property(
            f"The batch has {len(items)} items: the maximum is {limit} per batch request", "BatchItemRequest"
        )
    answers = []
    for item in items:
        batch_id = str(item.get("bId", ""))
        answer: dict[str, Any] = {"bId": batch_id}
        try:
            if request_id is not None and len(batch_id) > MAX_BATCH_ITEM_ID:
                raise faults.invalid_property(
                    f"bId {batch_id[:10]}... is longer than {MAX_BATCH_ITEM_ID} characters "
                    "(the limit when a requestid is given)",
                    "bId",
                )
            if "Query" in item:
                answer["QueryResponse"] = query.run(emu.company, str(item["Query"]))
            else:
                key = next((k for k in item if entity_name(k) and SPECS[entity_name(k)].kind != "singleton"), None)
                if key is None or not isinstance(item[key], dict):
                    raise faults.invalid_property("Batch item has no entity object", "BatchItemRequest")
                entity = entity_name(key)
                assert entity is not None
                operation = str(item.get("operation") or "create").lower()
                options = str(item.get("optionsData") or "")
                if operation == "create" and item[key].get("Id"):
                    raise faults.invalid_property("A create operation cannot carry an Id", "Id")
                answer[entity] = write(emu, entity, item[key], "" if operation == "create" else operation, options)
        except QBOFault as fault:
            answer["Fault"] = fault.fault()
        answers.append(answer)
    return {"BatchItemResponse": answers}


def cdc(emu: RealmView, entities: str, changed_since: str) -> dict[str, Any]:
    if not entities:
        raise faults.required_missing("entities")
    if not changed_since:
        raise faults.required_missing("changedSince")
    offset = int(emu.company.setting("utc_offset_minutes"))
    try:
        since = parse_time(changed_since, offset)
    except ValueError:
        raise faults.invalid_property(
            f"changedSince {changed_since!r} is not a valid date-time", "changedSince"
        ) from None
    if since < emu.clock.now() - timedelta(days=CDC_MAX_DAYS):
        raise faults.invalid_property(
            f"changedSince cannot be more than {CDC_MAX_DAYS} days in the past", "changedSince"
        )
    responses = []
    company = emu.company
    with company.store.lock:
        for word in entities.split(","):
            entity = entity_name(word)
            if entity is None:
                raise faults.query_validation(f"Entity {word.strip()} is not supported by change data capture")
            changed = [
                obj
                for obj in company.store.all(entity)
                if parse_time(obj["MetaData"]["LastUpdatedTime"], offset) >= since
            ]
            gone = [
                obj
                for obj in company.store.deleted(entity)
                if parse_time(obj["MetaData"]["LastUpdatedTime"], offset) >= since
            ]
            rows = company.serve(entity, changed) + [dict(obj) for obj in gone]
            rows.sort(key=lambda r: (parse_time(r["MetaData"]["LastUpdatedTime"], offset), int(_id_number(r["Id"]))))
            rows = rows[:CDC_MAX_PER_ENTITY]
            responses.append(
                {entity: rows, "startPosition": 1, "maxResults": len(rows), "totalCount": len(rows)} if rows else {}
            )
    return {"CDCResponse": [{"QueryResponse": responses}]}


def _id_number(object_id: str) -> int:
    return int(object_id) if str(object_id).isdigit() else 0
