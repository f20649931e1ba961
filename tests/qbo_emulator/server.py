"""The emulator's HTTP server: routing, the shared state, and the in-process ``EmulatorServer`` API.

Only stable werkzeug APIs are used (``serving.make_server``, ``Request``/``Response``,
``routing.Map``/``Rule``), so the server runs on werkzeug 2.2 to 3.1.
"""

from __future__ import annotations

import contextlib
import html
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from . import api, app_pages, control
from .clock import Clock, qbo_time_ms
from .company import DEFAULT_SETTINGS, Company
from .faults import FaultInjector
from .oauth import ChooseCompany, OAuthError, OAuthServer, record_secrets
from .ratelimit import RateLimiter
from .realms import Realm, settings_of, table_prefix
from .store import Store
from .webhooks import WebhookDispatcher

MAX_LOG = 10000
_HIDDEN_HEADERS = {"authorization", "cookie"}


@dataclass
class EmulatorConfig:
    """Everything the emulator is started with (the CLI's options)."""

    host: str = "127.0.0.1"
    port: int = 8765
    client_id: str = "emulator-client-id"
    client_secret: str = "emulator-client-secret"
    realm_id: str = "9130354000000001"
    webhook_url: str | None = None
    verifier_token: str | None = None
    webhook_format: str = "cloudevents"
    rate_limit: bool = True
    data_file: str | None = None
    company_name: str = "Emulated Company Inc."
    country: str = "US"
    home_currency: str = "USD"
    automated_sales_tax: bool = False
    redirect_uri_allow: str = "ANY"
    webhook_batch_window: float = 0.2
    webhook_retry_schedule: tuple[float, ...] = (1.0, 5.0, 30.0)
    quiet: bool = True
    settings: dict[str, Any] = field(default_factory=dict)
    #: Test facility: append every secret issued (and the app's own) to this file, one per line.
    issued_secrets_file: str | None = None
    #: More companies served from the start, besides ``realm_id``: ``{"realmId", "preset", settings...}``
    #: each (see ``realms.py``; the CLI's ``--add-realm``).
    realms: list[dict[str, Any]] = field(default_factory=list)
    #: The control API's token (``control.py``): this one, else the one in ``control_token_file``, else a
    #: new one (written to that file when there is one).
    control_token: str | None = None
    control_token_file: str | None = None


class Emulator:
    """The shared state of one running emulator and its WSGI entry point.

    It serves one or more realms (``self.realms``, the start-up realm first).  ``company``, ``store``,
    ``faults`` and ``limiter`` are the start-up (default) realm's, as when the emulator had one.
    """

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.clock = Clock()
        self.realms: dict[str, Realm] = {}
        self.default_realm_id = config.realm_id
        default_settings = {
            "company_name": config.company_name,
            "country": config.country.upper(),
            "home_currency": config.home_currency.upper(),
            "automated_sales_tax": config.automated_sales_tax,
            **config.settings,
        }
        self._add(Realm(config.realm_id, self.clock, config.data_file, default_settings, config.rate_limit))
        # The realms added through the control API are remembered in the data file (registry tables).
        self.registry = Store(config.data_file, prefix="emulator_")
        self.registry.load_meta()
        for spec in config.realms:
            self._add(self._realm_from(spec, startup=True))
        for realm_id, spec in dict(self.registry.meta.get("realms", {})).items():
            if realm_id not in self.realms:
                self._add(self._realm_from({**spec, "realmId": realm_id}, startup=False))
        self.clock.set_offset(float(self.store.meta.get("clock_offset", 0.0)))
        self.oauth = OAuthServer(
            self.clock,
            self.companies,
            config.client_id,
            config.client_secret,
            config.redirect_uri_allow,
            secrets_file=config.issued_secrets_file,
        )
        record_secrets(config.issued_secrets_file, "client_secret", [config.client_secret])
        record_secrets(config.issued_secrets_file, "verifier_token", [config.verifier_token])
        self.control_token = control.resolve_token(config.control_token, config.control_token_file)
        record_secrets(config.issued_secrets_file, "control_token", [self.control_token])
        self.webhooks = self._new_webhooks()
        self.requests: deque[dict[str, Any]] = deque(maxlen=MAX_LOG)
        self._log_lock = threading.Lock()
        self._realms_lock = threading.RLock()
        self._log_ids = 0
        self.base_url = ""
        self.url_map = Map(
            [
                Rule("/v3/company/<realm>/<path:subpath>", endpoint="api", methods=["GET", "POST"]),
                Rule("/connect/oauth2", endpoint="authorize", methods=["GET"]),
                Rule("/connect/oauth2/choose", endpoint="choose", methods=["GET", "POST"]),
                Rule("/oauth2/v1/tokens/bearer", endpoint="token", methods=["POST"]),
                Rule("/v2/oauth2/tokens/revoke", endpoint="revoke", methods=["POST"]),
                Rule("/.well-known/openid_configuration", endpoint="discovery", methods=["GET"], strict_slashes=False),
                Rule(
                    "/.well-known/openid_sandbox_configuration",
                    endpoint="discovery",
                    methods=["GET"],
                    strict_slashes=False,
                ),
                Rule("/v1/openid_connect/userinfo", endpoint="userinfo", methods=["GET"]),
                Rule("/op/v1/jwks", endpoint="jwks", methods=["GET"]),
                Rule("/_emulator/<path:subpath>", endpoint="control", methods=["GET", "POST", "DELETE"]),
                Rule("/app/<page>", endpoint="app", methods=["GET"]),
                Rule("/", endpoint="index", methods=["GET"]),
            ]
        )

    # ------------------------------------------------------------------ realms
    @property
    def default_realm(self) -> Realm:
        return self.realms[self.default_realm_id]

    @property
    def company(self) -> Company:
        return self.default_realm.company

    @property
    def store(self) -> Store:
        return self.default_realm.store

    @property
    def faults(self) -> FaultInjector:
        return self.default_realm.faults

    @property
    def limiter(self) -> RateLimiter:
        return self.default_realm.limiter

    def companies(self) -> dict[str, Company]:
        return {realm_id: realm.company for realm_id, realm in list(self.realms.items())}

    def _add(self, realm: Realm) -> Realm:
        realm.open()
        self.realms[realm.realm_id] = realm
        if getattr(self, "webhooks", None) is not None:
            realm.connect_events(self.webhooks.emit)
        return realm

    def _realm_from(self, spec: dict[str, Any], startup: bool) -> Realm:
        realm_id = str(spec.get("realmId") or "")
        if realm_id in self.realms:
            raise ValueError(f"realm {realm_id} exists already")
        settings = {
            **DEFAULT_SETTINGS,
            "account_numbers": self.config.settings.get("account_numbers", True),
            **settings_of(spec),
        }
        return Realm(
            realm_id,
            self.clock,
            self.config.data_file,
            settings,
            self.config.rate_limit,
            prefix=table_prefix(realm_id),
            startup=startup,
            spec=spec,
        )

    def new_realm_id(self) -> str:
        """The next free Id after the start-up realm's (QBO's realm Ids are numbers)."""
        base = int(self.default_realm_id) if self.default_realm_id.isdigit() else 9130354000000001
        candidate = base + 1
        while str(candidate) in self.realms:
            candidate += 1
        return str(candidate)

    def add_realm(self, spec: dict[str, Any]) -> Realm:
        """A new company, seeded (control API): remembered in the data file until a full reset."""
        with self._realms_lock:
            spec = {**spec, "realmId": str(spec.get("realmId") or self.new_realm_id())}
            realm = self._realm_from(spec, startup=False)
            realm.reset(keep_tokens=False)  # a fresh company even if the data file had tables of that Id
            self._add(realm)
            known = dict(self.registry.meta.get("realms", {}))
            known[realm.realm_id] = {key: value for key, value in spec.items() if key != "realmId"}
            self.registry.set_meta("realms", known)
            return realm

    def remove_realm(self, realm_id: str) -> None:
        with self._realms_lock:
            if realm_id == self.default_realm_id:
                raise ValueError("the start-up realm cannot be removed")
            realm = self.realms.pop(realm_id)
            self.webhooks.forget_realm(realm_id)
            self.oauth.clear(keep_grants=True, realm_id=realm_id)
            realm.store.drop()
            known = dict(self.registry.meta.get("realms", {}))
            known.pop(realm_id, None)
            self.registry.set_meta("realms", known)

    def reset_realm(self, realm_id: str, keep_tokens: bool = False) -> None:
        """One company back to its seeded state; the others, the clock and webhooks config stay."""
        realm = self.realms[realm_id]
        realm.reset(keep_tokens=keep_tokens)
        self.oauth.clear(keep_grants=keep_tokens, realm_id=realm_id)
        self.webhooks.forget_realm(realm_id)
        if realm_id == self.default_realm_id:
            self.store.set_meta("clock_offset", self.clock.offset)
        with self._log_lock:
            kept = [entry for entry in self.requests if entry.get("realmId") != realm_id]
            self.requests.clear()
            self.requests.extend(kept)

    def _new_webhooks(self) -> WebhookDispatcher:
        dispatcher = WebhookDispatcher(
            self.clock,
            self.config.realm_id,
            self.config.webhook_url,
            self.config.verifier_token,
            self.config.webhook_format,
            self.config.webhook_batch_window,
            self.config.webhook_retry_schedule,
        )
        for realm in self.realms.values():
            realm.connect_events(dispatcher.emit)
        return dispatcher

    # ------------------------------------------------------------------ helpers for the handlers
    def time_text(self) -> str:
        return qbo_time_ms(self.clock.now(), int(self.company.setting("utc_offset_minutes")))

    def log_request(self, request: Request, subpath: str, realm_id: str | None = None) -> dict[str, Any]:
        with self._log_lock:
            self._log_ids += 1
            entry = {
                "id": self._log_ids,
                "time": self.time_text(),
                "realmId": realm_id,
                "method": request.method,
                "path": request.path,
                "subpath": "/" + subpath.strip("/"),
                "query": {key: values[0] if len(values) == 1 else values for key, values in request.args.lists()},
                "requestid": request.args.get("requestid"),
                "minorversion": request.args.get("minorversion"),
                "headers": {k: v for k, v in request.headers.items() if k.lower() not in _HIDDEN_HEADERS},
                "status": None,
                "replayed": False,
                "dropped": False,
            }
            if request.method == "POST" and entry["subpath"].rstrip("/").endswith("/query"):
                entry["statement"] = request.get_data(as_text=True)[:1000]  # a query's text is its body
            self.requests.append(entry)
            return entry

    def request_log(self, realm_id: str | None = None) -> list[dict[str, Any]]:
        with self._log_lock:
            return [dict(entry) for entry in self.requests if realm_id is None or entry.get("realmId") == realm_id]

    def clear_requests(self, realm_id: str | None = None) -> None:
        with self._log_lock:
            kept = [entry for entry in self.requests if realm_id is not None and entry.get("realmId") != realm_id]
            self.requests.clear()
            self.requests.extend(kept)

    def finish(self, entry: dict[str, Any], response: Response, started: float) -> Response:
        entry["status"] = response.status_code
        entry["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
        if response.status_code == 200 and response.mimetype == "application/json":
            with contextlib.suppress(ValueError):
                body = json.loads(response.get_data())
                objects = [v for k, v in body.items() if isinstance(v, dict) and "Id" in v and k != "Fault"]
                if objects:
                    entry["entity"] = next(k for k, v in body.items() if v is objects[0])
                    entry["entity_id"] = objects[0]["Id"]
        return response

    def set_clock_offset(self, offset: float) -> None:
        self.clock.set_offset(offset)
        self.store.set_meta("clock_offset", offset)

    def reset(self, keep_tokens: bool = False) -> None:
        """Back to the start-up realms, freshly seeded; the app's credentials stay.

        Realms added through the control API are removed.
        """
        self.webhooks.stop()
        self.clock.set_offset(0.0)
        with self._realms_lock:
            for realm_id in [rid for rid, realm in self.realms.items() if not realm.startup]:
                self.realms.pop(realm_id).store.drop()
            self.registry.set_meta("realms", {})
            for realm in self.realms.values():
                realm.reset(keep_tokens=keep_tokens)
        self.oauth.clear(keep_grants=keep_tokens)
        with self._log_lock:
            self.requests.clear()
        self.webhooks = self._new_webhooks()

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except api.Dropped:
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            for entry in reversed(self.requests):
                if entry["path"] == request.path:
                    entry["dropped"] = True
                    break
            response = Response(b"", status=500)  # never reaches the client: the socket is shut
        except HTTPException as error:
            response = error.get_response(environ)  # type: ignore[assignment]
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        endpoint, values = adapter.match()
        if endpoint == "api":
            return api.handle(self, request, values["realm"], values["subpath"])
        if endpoint == "control":
            return control.handle(self, request, values["subpath"])
        if endpoint == "app":
            return app_pages.handle(self, request, values["page"])
        if endpoint == "index":
            base = request.host_url.rstrip("/")
            return _json(
                {
                    "name": "QuickBooks Online emulator",
                    "realmId": self.company.realm_id,
                    "api": f"{base}/v3/company/{self.company.realm_id}",
                    "control": f"{base}/_emulator/",
                    "realms": list(self.realms),
                }
            )
        return self._oauth(endpoint, request)

    def _oauth(self, endpoint: str, request: Request) -> Response:
        try:
            if endpoint in ("authorize", "choose"):
                params = {**request.args.to_dict(), **request.form.to_dict()}
                chosen = params.pop("company", None) if endpoint == "choose" else None
                if endpoint == "choose" and not chosen:
                    raise OAuthError(400, "invalid_request", "pick a company")
                try:
                    location = self.oauth.authorize(params, chosen)
                except ChooseCompany as choice:
                    return Response(_company_selector(choice), status=200, content_type="text/html; charset=utf-8")
                return Response("", status=302, headers={"Location": location})
            if endpoint == "token":
                body = self.oauth.token(
                    request.headers.get("Authorization"),
                    request.form.to_dict(),
                    {k.lower(): v for k, v in request.headers.items()},
                )
                return _json(body, headers={"Cache-Control": "no-store"})
            if endpoint == "revoke":
                token = request.form.get("token")
                if token is None and request.get_data():
                    with contextlib.suppress(ValueError, AttributeError):
                        token = json.loads(request.get_data()).get("token")
                self.oauth.revoke(request.headers.get("Authorization"), token or "")
                return Response("", status=200)
            if endpoint == "discovery":
                # The host the caller used (in docker that is the service name, not 127.0.0.1).
                return _json(self.oauth.discovery(request.host_url.rstrip("/")))
            if endpoint == "jwks":
                return _json({"keys": []})
            if endpoint == "userinfo":
                token = request.headers.get("Authorization", "")[7:]
                valid, _reason, owner = self.oauth.check(token)
                if not valid:
                    return _json({"error": "invalid_token"}, status=401)
                return _json(
                    {
                        "sub": f"user-{owner}",
                        "email": "owner@example.com",
                        "emailVerified": True,
                        "givenName": "Emulator",
                        "familyName": "Owner",
                    }
                )
        except OAuthError as error:
            if endpoint in ("authorize", "choose"):
                page = (
                    f"<html><body><h1>Authorization error</h1><p>{error.error}: {error.description}</p></body></html>"
                )
                return Response(page, status=400, content_type="text/html")
            return _json(error.body(), status=error.status)
        raise NotFound()


def _company_selector(choice: ChooseCompany) -> str:
    """Intuit's company selector: the user has several companies and picks the one to connect."""
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(key)}" value="{html.escape(value)}">'
        for key, value in choice.params.items()
    )
    options = "".join(
        f'<li><button type="submit" name="company" value="{html.escape(realm["realmId"])}" '
        f'data-realm-id="{html.escape(realm["realmId"])}">{html.escape(str(realm["company_name"]))} '
        f'({html.escape(realm["country"])}, {html.escape(realm["home_currency"])})</button></li>'
        for realm in choice.realms
    )
    return (
        "<!doctype html><html><head><title>Select a company</title></head><body>"
        "<h1>Select a company</h1><p>Which QuickBooks company do you want to connect?</p>"
        f'<form method="post" action="/connect/oauth2/choose">{hidden}<ul>{options}</ul></form>'
        "</body></html>"
    )


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json", headers=headers)


class _QuietHandler(WSGIRequestHandler):
    """Request handler that does not log every request (tests start many servers)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class EmulatorServer:
    """Run the emulator in a background thread: ``EmulatorServer(port=0).start()``; ``.url``; ``.stop()``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        self.config = EmulatorConfig(host=host, port=port, **options)
        self.emulator = Emulator(self.config)
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_port) if self._server else int(self.config.port)

    @property
    def url(self) -> str:
        host = self.config.host
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # a URL to reach a wildcard bind
        return f"http://{shown}:{self.port}"

    @property
    def control_token(self) -> str:
        """The token of the control API (``/_emulator/``)."""
        return self.emulator.control_token

    def control_headers(self) -> dict[str, str]:
        """The headers of a control call (with a JSON body, the HTTP client adds the content type)."""
        return control.headers(self.control_token)

    def realms(self) -> list[dict[str, Any]]:
        """Every realm served, the start-up one first."""
        emu = self.emulator
        return [realm.describe(realm_id == emu.default_realm_id) for realm_id, realm in emu.realms.items()]

    def start(self) -> EmulatorServer:
        handler = _QuietHandler if self.config.quiet else WSGIRequestHandler
        self._server = make_server(
            self.config.host, self.config.port, self.emulator, threaded=True, request_handler=handler
        )
        self._server.daemon_threads = True
        self.emulator.base_url = self.url
        self._thread = threading.Thread(target=self._server.serve_forever, name="qbo-emulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Run in the calling thread (the CLI)."""
        handler = _QuietHandler if self.config.quiet else WSGIRequestHandler
        self._server = make_server(
            self.config.host, self.config.port, self.emulator, threaded=True, request_handler=handler
        )
        self._server.daemon_threads = True
        self.emulator.base_url = self.url
        try:
            self._server.serve_forever()
        finally:
            self._close()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            if self._thread is not None:
                self._thread.join(timeout=5)
        self._close()

    def _close(self) -> None:
        if self._server is not None:
            self._server.server_close()
            self._server = None
        self.emulator.webhooks.stop()
        for realm in list(self.emulator.realms.values()):
            realm.store.close()
        self.emulator.registry.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
