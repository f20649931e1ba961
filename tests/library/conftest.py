"""Fixtures for the library's contract tests: one emulator per session, reset before each test."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from qbo import OAuthClient, OAuthEndpoints, QBOClient, RetryPolicy

REALM = "9130354000000001"
CLIENT_ID = "contract-client"
CLIENT_SECRET = "contract-secret-value"
REDIRECT_URI = "http://127.0.0.1:8069/quickbooks/oauth/callback"

#: Short back-off so retried calls do not slow the suite down; the retry logic is the same.
FAST_RETRY = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05)


class EmulatorControl:
    """The emulator's test-control API (``/_emulator/...``) over HTTP."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method: str, path: str, payload: Any = None) -> Any:
        if payload is None and method == "POST":
            payload = {}  # a POST is JSON, even an empty one
        response = self.http.request(method, f"{self.url}/_emulator/{path}", json=payload, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def reset(self, **options: Any) -> None:
        self._call("POST", "reset", options)

    def fault(self, **spec: Any) -> Any:
        return self._call("POST", "faults", spec)

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def advance_clock(self, seconds: float) -> None:
        self._call("POST", "clock", {"advance": seconds})

    def rate_limits(self, **settings: Any) -> Any:
        return self._call("POST", "rate_limits", settings) if settings else self._call("GET", "rate_limits")

    def tokens(self) -> dict[str, Any]:
        return self._call("POST", "tokens", {})

    def requests_log(self) -> list[dict[str, Any]]:
        return self._call("GET", "requests")

    def clear_requests(self) -> None:
        self._call("DELETE", "requests")

    def entities(self, entity: str) -> list[dict[str, Any]]:
        return self._call("GET", f"entities/{entity}")

    def settings(self, **settings: Any) -> Any:
        return self._call("POST", "settings", settings)

    def webhooks(self, method: str = "GET", path: str = "", payload: Any = None) -> Any:
        return self._call(method, "webhooks" + (f"/{path}" if path else ""), payload)


@pytest.fixture(scope="session")
def emulator():
    from tests.qbo_emulator import EmulatorServer

    server = EmulatorServer(
        host="127.0.0.1", port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, realm_id=REALM
    ).start()
    yield server
    server.stop()


@pytest.fixture
def control(emulator) -> EmulatorControl:
    ctl = EmulatorControl(emulator.url, emulator.control_token)
    ctl.reset()
    return ctl


@pytest.fixture
def tokens(control) -> dict[str, Any]:
    return control.tokens()


@pytest.fixture
def client(emulator, tokens) -> QBOClient:
    return QBOClient(REALM, tokens["access_token"], base_url=emulator.url, retry=FAST_RETRY)


@pytest.fixture
def oauth(emulator) -> OAuthClient:
    return OAuthClient(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, endpoints=OAuthEndpoints.for_server(emulator.url))


def seeded(client: QBOClient, entity: str, name: str, field: str = "Name") -> dict[str, Any]:
    """A seeded object of the emulator's company, found by name (no hard-coded ids)."""
    rows = client.find_by(entity, field, name)
    assert rows, f"the emulator's company has no {entity} named {name!r}"
    return rows[0]
