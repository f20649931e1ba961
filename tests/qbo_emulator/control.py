"""The test-control API under ``/_emulator/`` (JSON in and out, behind a token).

Calls address the start-up realm, or another one under ``/_emulator/realms/{realmId}/...``.
It exists for tests and demos only: it resets the company, injects faults, moves the clock,
tunes throttling, mints tokens, shows the request log and every stored object, changes company
settings, drives webhooks, and makes changes "as a bookkeeper in QBO's UI" (which produce
webhook events like API writes, but need no token and no SyncToken).

Not QuickBooks behaviour, a guard of the demo: every call carries the control token
(``Authorization: Bearer <token>``; given with ``--control-token``, else read from
``--control-token-file``, else generated at the first start, written to that file and printed in the
start-up log), and every POST says ``Content-Type: application/json``.  A web page the user visits
can therefore neither read nor drive the API: a browser sends neither header across sites without
asking first (CORS), and the emulator never answers that question.  Only ``GET /_emulator/health``
answers without the token, with ``{"ok": true}`` and nothing else (a liveness probe).
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from . import seed
from .clock import parse_time, qbo_time_ms
from .entities import SPECS, entity_name
from .faults import QBOFault
from .sample_company import SampleSize, fill_company
from .store import public

if TYPE_CHECKING:
    from .company import Company
    from .realms import Realm
    from .server import Emulator


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _reply(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


#: How a caller presents the control token.
TOKEN_SCHEME = "Bearer"


def headers(token: str) -> dict[str, str]:
    """The header a control call carries (the JSON content type is the HTTP client's, with its body)."""
    return {"Authorization": f"{TOKEN_SCHEME} {token}"}


def resolve_token(token: str | None, token_file: str | None) -> str:
    """The control token: the one given, else the one in ``token_file``, else a new one (written there).

    An existing file is never rewritten, so the token survives restarts.  A new file is readable by
    everyone who can enter its directory (the demo's Odoo container, another user, reads it from a
    volume they share): keep it in a private directory, as the demo's volume is."""
    if token:
        return token.strip()
    path = Path(token_file) if token_file else None
    if path is not None and path.is_file():
        stored = path.read_text(encoding="utf-8").strip()
        if stored:
            return stored
    fresh = secrets.token_urlsafe(32)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(fresh + "\n")
    return fresh


def _refusal(emu: Emulator, request: Request, subpath: str) -> Response | None:
    """401 without the control token, 415 for a POST (or a DELETE with a body) that is not JSON."""
    given = request.headers.get("Authorization", "")
    scheme, _, value = given.partition(" ")
    authorized = scheme.lower() == TOKEN_SCHEME.lower() and hmac.compare_digest(
        value.strip().encode(), emu.control_token.encode()
    )
    if not authorized:
        if subpath.strip("/") == "health" and request.method == "GET":
            return _reply({"ok": True})
        response = _reply(
            {"error": "the control API needs the token printed at start-up: Authorization: Bearer <token>"}, 401
        )
        response.headers["WWW-Authenticate"] = f'{TOKEN_SCHEME} realm="qbo-emulator-control"'
        return response
    if (request.method == "POST" or request.get_data()) and request.mimetype != "application/json":
        return _reply({"error": "the control API takes application/json"}, 415)
    return None


def _payload(request: Request) -> dict[str, Any]:
    raw = request.get_data()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise ControlError("the body must be JSON") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ControlError("the body must be a JSON object")
    return data


def handle(emu: Emulator, request: Request, subpath: str) -> Response:
    refusal = _refusal(emu, request, subpath)
    if refusal is not None:
        return refusal
    parts = [part for part in subpath.strip("/").split("/") if part]
    try:
        if parts and parts[0] == "realms":
            return _realms(emu, request, parts[1:], request.method)
        return _route(emu, emu.default_realm, request, parts, request.method, addressed=False)
    except ControlError as error:
        return _reply({"error": str(error)}, error.status)
    except (ValueError, TypeError, KeyError) as error:
        return _reply({"error": f"{type(error).__name__}: {error}"}, 400)
    except QBOFault as fault:
        return _reply({"Fault": fault.fault()}, fault.status)


def _realms(emu: Emulator, request: Request, parts: list[str], method: str) -> Response:
    """``/_emulator/realms[/{realmId}[/<any control call>]]``: list, add, remove and address companies."""
    if not parts:
        if method == "GET":
            return _reply([realm.describe(realm_id == emu.default_realm_id) for realm_id, realm in emu.realms.items()])
        if method == "POST":
            realm = emu.add_realm(_payload(request))
            return _reply({**realm.describe(False), "settings": realm.company.settings})
        raise ControlError(f"no control endpoint {method} /_emulator/realms", 404)
    realm = emu.realms.get(parts[0])
    if realm is None:
        raise ControlError(f"no realm {parts[0]}", 404)
    if len(parts) == 1:
        if method == "GET":
            return _reply(
                {**realm.describe(realm.realm_id == emu.default_realm_id), "settings": realm.company.settings}
            )
        if method == "DELETE":
            emu.remove_realm(realm.realm_id)
            return _reply({"ok": True})
        raise ControlError(f"no control endpoint {method} /_emulator/realms/{parts[0]}", 404)
    return _route(emu, realm, request, parts[1:], method, addressed=True)


def _route(emu: Emulator, realm: Realm, request: Request, parts: list[str], method: str, addressed: bool) -> Response:
    """One control call, for ``realm`` (the start-up realm unless the path named another)."""
    head = parts[0] if parts else ""
    data = _payload(request) if method == "POST" else {}
    scope = realm.realm_id if addressed else None
    if head == "health" and method == "GET":
        if addressed:
            return _reply({"ok": True, **realm.describe(realm.realm_id == emu.default_realm_id)})
        return _reply(
            {
                "ok": True,
                "realmId": emu.company.realm_id,
                "client_id": emu.config.client_id,
                "base_url": emu.base_url,
                "persistent": emu.store.persistent,
                "realms": list(emu.realms),
            }
        )
    if head == "reset" and method == "POST":
        if addressed:
            emu.reset_realm(realm.realm_id, keep_tokens=bool(data.get("keep_tokens")))
        else:
            emu.reset(keep_tokens=bool(data.get("keep_tokens")))
        return _reply({"ok": True})
    if head == "faults":
        return _faults(realm, parts, method, data)
    if head == "clock":
        if method == "POST":
            if addressed:
                raise ControlError("the clock is one for every company: POST /_emulator/clock")
            if "advance" in data:
                emu.set_clock_offset(emu.clock.offset + float(data["advance"]))
            elif "now" in data:
                target = parse_time(str(data["now"]))
                emu.set_clock_offset(emu.clock.offset + (target - emu.clock.now()).total_seconds())
            elif "offset" in data:
                emu.set_clock_offset(float(data["offset"]))
        answer = {"now": qbo_time_ms(emu.clock.now(), 0), "offset_seconds": emu.clock.offset}
        if addressed:
            answer["company_time"] = qbo_time_ms(emu.clock.now(), int(realm.company.setting("utc_offset_minutes")))
        return _reply(answer)
    if head == "rate_limits":
        if method == "POST":
            realm.limiter.update(data)
        return _reply(_rate_snapshot(emu, realm))
    if head == "tokens" and method == "POST":
        return _reply(emu.oauth.mint(realm.company, include_hard=data.get("hard_expiry", True) is not False))
    if head == "requests":
        if method == "DELETE":
            emu.clear_requests(scope)
            return _reply({"ok": True})
        return _reply(emu.request_log(scope))
    if head == "settings":
        if method == "POST":
            realm.company.update_settings(data)
        return _reply(realm.company.settings)
    if head == "sample_company" and method == "POST":
        # A realistic company to import (the realm is reset first: the same seed gives the same company).
        size = SampleSize(**{key: int(value) for key, value in data.items() if key not in ("seed", "notify")})
        if addressed:
            emu.reset_realm(realm.realm_id, keep_tokens=True)
        else:
            emu.reset(keep_tokens=True)
        company = emu.realms[realm.realm_id].company  # the realm as it is after the reset
        notify = data.get("notify", True) is not False
        enabled = emu.webhooks.config["enabled"]
        if not notify:  # a history made before the app subscribed notifies no one
            emu.webhooks.configure({"enabled": False})
        try:
            created = fill_company(company, int(data.get("seed") or 0), size)
        finally:
            emu.webhooks.configure({"enabled": enabled})
        return _reply({"ok": True, "created": created})
    if head == "entities" and len(parts) >= 2:
        return _entities(realm.company, parts, method, data)
    if head == "webhooks":
        if addressed and not (len(parts) == 2 and parts[1] == "events" and method == "GET"):
            raise ControlError(
                "webhooks are the app's, one endpoint for every company: use /_emulator/webhooks "
                "(GET /_emulator/realms/{realmId}/webhooks/events lists one realm's events)"
            )
        return _webhooks(emu, parts, method, data, scope)
    if head == "oauth" and len(parts) == 2 and parts[1] == "company":
        return _preselect(emu, realm, method, data, addressed)
    raise ControlError(f"no control endpoint {method} /_emulator/{'/'.join(parts)}", 404)


def _preselect(emu: Emulator, realm: Realm, method: str, data: dict[str, Any], addressed: bool) -> Response:
    """The company the next authorization picks, as the user would on Intuit's company selector."""
    if method == "GET":
        return _reply(emu.oauth.preselection())
    if method == "DELETE":
        return _reply(emu.oauth.preselect(None))
    if method == "POST":
        realm_id = realm.realm_id if addressed else str(data.get("realmId") or "")
        if not realm_id:
            raise ControlError("realmId is required")
        try:
            return _reply(emu.oauth.preselect(realm_id, sticky=bool(data.get("sticky"))))
        except KeyError:
            raise ControlError(f"no realm {realm_id}", 404) from None
    raise ControlError(f"no control endpoint {method} /_emulator/oauth/company", 404)


def _rate_snapshot(emu: Emulator, realm: Realm) -> dict[str, Any]:
    """The realm's settings and counters; ``realms`` shows every realm's window and counters."""
    answer = realm.limiter.snapshot()
    every: dict[str, Any] = {}
    for realm_id, other in list(emu.realms.items()):
        snap = other.limiter.snapshot()
        window = snap["realms"].get(realm_id, {"in_flight": 0, "requests_in_window": 0, "batches_in_window": 0})
        every[realm_id] = {
            **window,
            "enabled": snap["enabled"],
            "per_minute": snap["per_minute"],
            "throttled": snap["throttled"],
            "served": snap["served"],
        }
    answer["realms"] = every
    return answer


def _faults(realm: Realm, parts: list[str], method: str, data: dict[str, Any]) -> Response:
    if method == "POST":
        rule = realm.faults.add(data)
        return _reply({"id": rule.id, **rule.to_json()})
    if method == "DELETE":
        realm.faults.clear()
        return _reply({"ok": True})
    return _reply(realm.faults.list())


def _entities(company: Company, parts: list[str], method: str, data: dict[str, Any]) -> Response:
    entity = entity_name(parts[1])
    if entity is None:
        raise ControlError(f"unknown entity {parts[1]!r}", 404)
    if method == "GET" and len(parts) == 2:
        with company.store.lock:
            live = company.serve(entity, company.store.all(entity))
            gone = [public(obj) for obj in company.store.deleted(entity)]
        return _reply(live + gone)
    if method == "GET" and len(parts) == 3:
        return _reply(company.get(entity, parts[2]))
    if entity == "TaxCode" and method == "POST" and len(parts) == 2:
        return _reply(_create_tax_code(company, data))
    if SPECS[entity].kind in ("readonly", "singleton"):
        raise ControlError(f"{entity} cannot be changed here")
    if method == "POST" and len(parts) == 2:
        return _reply(company.create(entity, data, allow_duplicate_docnum=True))
    if method == "POST" and len(parts) == 3 and parts[2] == "merge":
        return _reply(company.merge(entity, str(data["from"]), str(data["into"])))
    if method == "POST" and len(parts) == 3:
        return _reply(
            company.update(
                entity, {**data, "Id": parts[2]}, sparse=True, check_token=False, allow_duplicate_docnum=True
            )
        )
    if method == "POST" and len(parts) == 4 and parts[3] == "void":
        return _reply(company.void(entity, {"Id": parts[2]}, check_token=False, ui=True))
    if method == "DELETE" and len(parts) == 3:
        return _reply(company.delete(entity, {"Id": parts[2]}, check_token=False))
    raise ControlError(f"no control endpoint {method} /_emulator/{'/'.join(parts)}", 404)


def _create_tax_code(company: Any, data: dict[str, Any]) -> dict[str, Any]:
    """A tax code made of existing tax rates, as a bookkeeper combines rates in QBO's tax settings.

    ``SalesTaxRateList`` and/or ``PurchaseTaxRateList`` name the rates charged on sales and reclaimed on
    purchases.  The API has no TaxCode create (TaxService creates codes with new rates); this stands
    for the UI.
    """
    name = str(data.get("Name") or "").strip()
    lists = {
        field: [
            str((detail.get("TaxRateRef") or {}).get("value") or "")
            for detail in (data.get(field) or {}).get("TaxRateDetail") or []
        ]
        for field in ("SalesTaxRateList", "PurchaseTaxRateList")
    }
    with company.store.lock:
        if not name or any(code.get("Name") == name for code in company.store.all("TaxCode")):
            raise ControlError(f"a tax code needs a new, unique Name (got {name!r})")
        found: dict[str, list[dict[str, Any]]] = {}
        for field, rate_ids in lists.items():
            found[field] = [company.store.get("TaxRate", rate_id) for rate_id in rate_ids]
            if None in found[field]:
                raise ControlError(f"{field}.TaxRateDetail must name existing TaxRate ids")
        if not any(found.values()):
            raise ControlError("SalesTaxRateList.TaxRateDetail (or PurchaseTaxRateList) must name existing TaxRate ids")
        stamp = company.now_text()
        code = {
            "Id": company.store.next_id("TaxCode"),
            "Name": name,
            "Description": name,
            "Active": True,
            "Taxable": True,
            "TaxGroup": max(len(rates) for rates in found.values()) > 1,
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
        }
        for field, rates in found.items():
            code[field] = seed.rate_list({rate["Name"]: rate["Id"] for rate in rates}, [rate["Name"] for rate in rates])
        company.store.put("TaxCode", code)
        return public(code)


def _webhooks(
    emu: Emulator, parts: list[str], method: str, data: dict[str, Any], realm_id: str | None = None
) -> Response:
    action = parts[1] if len(parts) > 1 else ""
    hooks = emu.webhooks
    if action in ("", "config") and method == "GET":
        return _reply(hooks.state())
    if action in ("", "config") and method == "POST":
        return _reply(hooks.configure(data))
    if action == "" and method == "DELETE":
        hooks.clear()
        return _reply({"ok": True})
    if action == "events" and method == "GET":
        return _reply([event for event in list(hooks.events) if realm_id is None or event["realmId"] == realm_id])
    if action == "flush" and method == "POST":
        return _reply(hooks.flush(reverse=bool(data.get("reverse"))))
    if action == "drop" and method == "POST":
        return _reply(hooks.configure({"drop_next": int(data.get("count", 1))}))
    if action == "replay" and method == "POST":
        try:
            return _reply(hooks.replay(int(data["delivery_id"]), int(data.get("times", 1))))
        except KeyError:
            raise ControlError(f"no delivery {data.get('delivery_id')}", 404) from None
    raise ControlError(f"no control endpoint {method} /_emulator/{'/'.join(parts)}", 404)
