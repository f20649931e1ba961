"""The emulator's HTTP server: routing, the shared state, and the in-process ``EmulatorServer`` API.

Only stable werkzeug APIs are used (``serving.make_server``, ``Request``/``Response``,
``routing.Map``/``Rule``), so the server runs on werkzeug 2.2 to 3.1.
"""

from __future__ import annotations

import contextlib
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

from . import api, control
from .clock import Clock, qbo_time_ms
from .company import Company
from .faults import FaultInjector
from .oauth import OAuthError, OAuthServer, record_secrets
from .ratelimit import RateLimiter, RateSettings
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


class Emulator:
    """The shared state of one running emulator and its WSGI entry point."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.clock = Clock()
        self.store = Store(config.data_file)
        self.company = Company(self.store, self.clock, config.realm_id, {
            "company_name": config.company_name, "country": config.country.upper(),
            "home_currency": config.home_currency.upper(), "automated_sales_tax": config.automated_sales_tax,
            **config.settings})
        self.company.open()
        self.clock.set_offset(float(self.store.meta.get("clock_offset", 0.0)))
        self.oauth = OAuthServer(self.store, self.clock, self.company, config.client_id, config.client_secret,
                                 config.redirect_uri_allow, secrets_file=config.issued_secrets_file)
        record_secrets(config.issued_secrets_file, "client_secret", [config.client_secret])
        record_secrets(config.issued_secrets_file, "verifier_token", [config.verifier_token])
        self.limiter = RateLimiter(self.clock, enabled=config.rate_limit)
        self.faults = FaultInjector()
        self.webhooks = self._new_webhooks()
        self.requests: deque[dict[str, Any]] = deque(maxlen=MAX_LOG)
        self._log_lock = threading.Lock()
        self._log_ids = 0
        self.base_url = ""
        self.url_map = Map([
            Rule("/v3/company/<realm>/<path:subpath>", endpoint="api", methods=["GET", "POST"]),
            Rule("/connect/oauth2", endpoint="authorize", methods=["GET"]),
            Rule("/oauth2/v1/tokens/bearer", endpoint="token", methods=["POST"]),
            Rule("/v2/oauth2/tokens/revoke", endpoint="revoke", methods=["POST"]),
            Rule("/.well-known/openid_configuration", endpoint="discovery", methods=["GET"], strict_slashes=False),
            Rule("/.well-known/openid_sandbox_configuration", endpoint="discovery", methods=["GET"],
                 strict_slashes=False),
            Rule("/v1/openid_connect/userinfo", endpoint="userinfo", methods=["GET"]),
            Rule("/op/v1/jwks", endpoint="jwks", methods=["GET"]),
            Rule("/_emulator/<path:subpath>", endpoint="control", methods=["GET", "POST", "DELETE"]),
            Rule("/", endpoint="index", methods=["GET"]),
        ])

    def _new_webhooks(self) -> WebhookDispatcher:
        dispatcher = WebhookDispatcher(self.clock, self.config.realm_id, self.config.webhook_url,
                                       self.config.verifier_token, self.config.webhook_format,
                                       self.config.webhook_batch_window, self.config.webhook_retry_schedule)
        self.company.events = dispatcher.emit
        return dispatcher

    # ------------------------------------------------------------------ helpers for the handlers
    def time_text(self) -> str:
        return qbo_time_ms(self.clock.now(), int(self.company.setting("utc_offset_minutes")))

    def log_request(self, request: Request, subpath: str) -> dict[str, Any]:
        with self._log_lock:
            self._log_ids += 1
            entry = {
                "id": self._log_ids, "time": self.time_text(), "method": request.method,
                "path": request.path, "subpath": "/" + subpath.strip("/"),
                "query": {key: values[0] if len(values) == 1 else values
                          for key, values in request.args.lists()},
                "requestid": request.args.get("requestid"), "minorversion": request.args.get("minorversion"),
                "headers": {k: v for k, v in request.headers.items() if k.lower() not in _HIDDEN_HEADERS},
                "status": None, "replayed": False, "dropped": False,
            }
            self.requests.append(entry)
            return entry

    def request_log(self) -> list[dict[str, Any]]:
        with self._log_lock:
            return [dict(entry) for entry in self.requests]

    def clear_requests(self) -> None:
        with self._log_lock:
            self.requests.clear()

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
        """Back to the freshly seeded company; the app's credentials and realm stay."""
        self.webhooks.stop()
        self.clock.set_offset(0.0)
        self.company.reset(keep_meta=("grants",) if keep_tokens else ())
        self.oauth.clear(keep_grants=keep_tokens)
        self.faults.clear()
        self.limiter.settings = RateSettings(enabled=self.config.rate_limit)
        self.limiter.reset()
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
        if endpoint == "index":
            base = request.host_url.rstrip("/")
            return _json({"name": "QuickBooks Online emulator", "realmId": self.company.realm_id,
                          "api": f"{base}/v3/company/{self.company.realm_id}", "control": f"{base}/_emulator/"})
        return self._oauth(endpoint, request)

    def _oauth(self, endpoint: str, request: Request) -> Response:
        try:
            if endpoint == "authorize":
                location = self.oauth.authorize(request.args.to_dict())
                return Response("", status=302, headers={"Location": location})
            if endpoint == "token":
                body = self.oauth.token(request.headers.get("Authorization"), request.form.to_dict(),
                                        {k.lower(): v for k, v in request.headers.items()})
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
                if not self.oauth.check(token)[0]:
                    return _json({"error": "invalid_token"}, status=401)
                return _json({"sub": f"user-{self.company.realm_id}", "email": "owner@example.com",
                              "emailVerified": True, "givenName": "Emulator", "familyName": "Owner"})
        except OAuthError as error:
            if endpoint == "authorize":
                page = (f"<html><body><h1>Authorization error</h1><p>{error.error}: {error.description}</p>"
                        "</body></html>")
                return Response(page, status=400, content_type="text/html")
            return _json(error.body(), status=error.status)
        raise NotFound()


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

    def start(self) -> EmulatorServer:
        handler = _QuietHandler if self.config.quiet else WSGIRequestHandler
        self._server = make_server(self.config.host, self.config.port, self.emulator, threaded=True,
                                   request_handler=handler)
        self._server.daemon_threads = True
        self.emulator.base_url = self.url
        self._thread = threading.Thread(target=self._server.serve_forever, name="qbo-emulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Run in the calling thread (the CLI)."""
        handler = _QuietHandler if self.config.quiet else WSGIRequestHandler
        self._server = make_server(self.config.host, self.config.port, self.emulator, threaded=True,
                                   request_handler=handler)
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
        self.emulator.store.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
