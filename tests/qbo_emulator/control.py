"""The test-control API under ``/_emulator/`` (JSON in and out, no authentication).

It exists for tests and demos only: it resets the company, injects faults, moves the clock,
tunes throttling, mints tokens, shows the request log and every stored object, changes company
settings, drives webhooks, and makes changes "as a bookkeeper in QBO's UI" (which produce
webhook events like API writes, but need no token and no SyncToken).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from . import seed
from .clock import parse_time, qbo_time_ms
from .entities import SPECS, entity_name
from .faults import QBOFault
from .store import public

if TYPE_CHECKING:
    from .server import Emulator


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _reply(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


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
    parts = [part for part in subpath.strip("/").split("/") if part]
    try:
        return _route(emu, request, parts, request.method)
    except ControlError as error:
        return _reply({"error": str(error)}, error.status)
    except (ValueError, TypeError, KeyError) as error:
        return _reply({"error": f"{type(error).__name__}: {error}"}, 400)
    except QBOFault as fault:
        return _reply({"Fault": fault.fault()}, fault.status)


def _route(emu: Emulator, request: Request, parts: list[str], method: str) -> Response:
    head = parts[0] if parts else ""
    data = _payload(request) if method == "POST" else {}
    if head == "health" and method == "GET":
        return _reply({"ok": True, "realmId": emu.company.realm_id, "client_id": emu.config.client_id,
                       "base_url": emu.base_url, "persistent": emu.store.persistent})
    if head == "reset" and method == "POST":
        emu.reset(keep_tokens=bool(data.get("keep_tokens")))
        return _reply({"ok": True})
    if head == "faults":
        return _faults(emu, parts, method, data)
    if head == "clock":
        if method == "POST":
            if "advance" in data:
                emu.set_clock_offset(emu.clock.offset + float(data["advance"]))
            elif "now" in data:
                target = parse_time(str(data["now"]))
                emu.set_clock_offset(emu.clock.offset + (target - emu.clock.now()).total_seconds())
            elif "offset" in data:
                emu.set_clock_offset(float(data["offset"]))
        return _reply({"now": qbo_time_ms(emu.clock.now(), 0), "offset_seconds": emu.clock.offset})
    if head == "rate_limits":
        if method == "POST":
            emu.limiter.update(data)
        return _reply(emu.limiter.snapshot())
    if head == "tokens" and method == "POST":
        return _reply(emu.oauth.mint(include_hard=data.get("hard_expiry", True) is not False))
    if head == "requests":
        if method == "DELETE":
            emu.clear_requests()
            return _reply({"ok": True})
        return _reply(emu.request_log())
    if head == "settings":
        if method == "POST":
            emu.company.update_settings(data)
        return _reply(emu.company.settings)
    if head == "entities" and len(parts) >= 2:
        return _entities(emu, parts, method, data)
    if head == "webhooks":
        return _webhooks(emu, parts, method, data)
    raise ControlError(f"no control endpoint {method} /_emulator/{'/'.join(parts)}", 404)


def _faults(emu: Emulator, parts: list[str], method: str, data: dict[str, Any]) -> Response:
    if method == "POST":
        rule = emu.faults.add(data)
        return _reply({"id": rule.id, **rule.to_json()})
    if method == "DELETE":
        emu.faults.clear()
        return _reply({"ok": True})
    return _reply(emu.faults.list())


def _entities(emu: Emulator, parts: list[str], method: str, data: dict[str, Any]) -> Response:
    entity = entity_name(parts[1])
    if entity is None:
        raise ControlError(f"unknown entity {parts[1]!r}", 404)
    company = emu.company
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
        return _reply(company.update(entity, {**data, "Id": parts[2]}, sparse=True, check_token=False,
                                     allow_duplicate_docnum=True))
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
    lists = {field: [str((detail.get("TaxRateRef") or {}).get("value") or "")
                     for detail in (data.get(field) or {}).get("TaxRateDetail") or []]
             for field in ("SalesTaxRateList", "PurchaseTaxRateList")}
    with company.store.lock:
        if not name or any(code.get("Name") == name for code in company.store.all("TaxCode")):
            raise ControlError(f"a tax code needs a new, unique Name (got {name!r})")
        found: dict[str, list[dict[str, Any]]] = {}
        for field, rate_ids in lists.items():
            found[field] = [company.store.get("TaxRate", rate_id) for rate_id in rate_ids]
            if None in found[field]:
                raise ControlError(f"{field}.TaxRateDetail must name existing TaxRate ids")
        if not any(found.values()):
            raise ControlError("SalesTaxRateList.TaxRateDetail (or PurchaseTaxRateList) must name existing "
                               "TaxRate ids")
        stamp = company.now_text()
        code = {"Id": company.store.next_id("TaxCode"), "Name": name, "Description": name, "Active": True,
                "Taxable": True, "TaxGroup": max(len(rates) for rates in found.values()) > 1, "SyncToken": "0",
                "domain": "QBO", "sparse": False, "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp}}
        for field, rates in found.items():
            code[field] = seed.rate_list({rate["Name"]: rate["Id"] for rate in rates},
                                         [rate["Name"] for rate in rates])
        company.store.put("TaxCode", code)
        return public(code)


def _webhooks(emu: Emulator, parts: list[str], method: str, data: dict[str, Any]) -> Response:
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
        return _reply(list(hooks.events))
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
