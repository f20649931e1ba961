"""Fixtures for the emulator's own tests: one server per test module, reset before every test.

Everything goes over real HTTP with plain ``requests``, as a connector would talk to QBO.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from tests.qbo_emulator import EmulatorServer

REALM = "9130354000000001"
CLIENT_ID = "emulator-test-client"
CLIENT_SECRET = "emulator-test-secret"
REDIRECT_URI = "http://127.0.0.1:8069/quickbooks/oauth/callback"
MINOR = "75"
TIMEOUT = 15


def session() -> requests.Session:
    http = requests.Session()
    http.trust_env = False  # loopback only: never through a proxy from the environment
    return http


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


class Control:
    """The emulator's ``/_emulator/`` API, with its token."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.http = session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, payload: Any = None, expect: int = 200) -> Any:
        if payload is None and method == "POST":
            payload = {}  # a POST is JSON, even an empty one
        response = self.http.request(method, f"{self.url}/_emulator/{path}", json=payload, timeout=TIMEOUT)
        assert response.status_code == expect, response.text
        return response.json()

    def reset(self, **options: Any) -> None:
        self.call("POST", "reset", options)

    def fault(self, **spec: Any) -> dict[str, Any]:
        return self.call("POST", "faults", spec)

    def tokens(self) -> dict[str, Any]:
        return self.call("POST", "tokens", {})

    def settings(self, **changes: Any) -> dict[str, Any]:
        return self.call("POST", "settings", changes)

    def rate_limits(self, **changes: Any) -> dict[str, Any]:
        return self.call("POST", "rate_limits", changes) if changes else self.call("GET", "rate_limits")

    def advance(self, seconds: float) -> None:
        self.call("POST", "clock", {"advance": seconds})

    def entities(self, entity: str) -> list[dict[str, Any]]:
        return self.call("GET", f"entities/{entity}")

    def requests_log(self) -> list[dict[str, Any]]:
        return self.call("GET", "requests")

    def webhooks(self, **changes: Any) -> dict[str, Any]:
        return self.call("POST", "webhooks", changes) if changes else self.call("GET", "webhooks")

    def flush(self, reverse: bool = False) -> list[dict[str, Any]]:
        return self.call("POST", "webhooks/flush", {"reverse": reverse})


class Api:
    """A minimal QBO client: base URL, bearer token, ``minorversion`` on every call."""

    def __init__(self, url: str, token: str, realm: str = REALM) -> None:
        self.base = f"{url.rstrip('/')}/v3/company/{realm}"
        self.token = token
        self.http = session()

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        query = {"minorversion": MINOR, **(params or {})}
        return self.http.request(method, self.base + path, params=query, headers=headers, timeout=TIMEOUT, **kwargs)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any, **params: Any) -> requests.Response:
        return self.request("POST", path, params=params, json=body)

    def create(self, entity: str, body: dict[str, Any], **params: Any) -> dict[str, Any]:
        response = self.post(f"/{entity.lower()}", body, **params)
        assert response.status_code == 200, response.text
        return response.json()[entity]

    def read(self, entity: str, object_id: str) -> dict[str, Any]:
        response = self.get(f"/{entity.lower()}/{object_id}")
        assert response.status_code == 200, response.text
        return response.json()[entity]

    def update(self, entity: str, body: dict[str, Any], **params: Any) -> dict[str, Any]:
        return self.create(entity, body, **params)

    def query(self, statement: str) -> dict[str, Any]:
        response = self.request("POST", "/query", data=statement.encode(), headers={"Content-Type": "application/text"})
        assert response.status_code == 200, response.text
        return response.json()["QueryResponse"]

    def find(self, entity: str, name: str, field: str = "Name") -> dict[str, Any]:
        rows = self.query(f"select * from {entity} where {field} = '{name}'").get(entity, [])  # noqa: S608 - QBO query
        assert rows, f"no {entity} named {name}"
        return rows[0]


def error_of(response: requests.Response) -> dict[str, Any]:
    """The first error of a QBO fault answer (and check the envelope on the way)."""
    body = response.json()
    assert "time" in body
    return body["Fault"]["Error"][0] | {"type": body["Fault"]["type"]}


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll until ``predicate()`` is truthy (bounded); returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(interval)


def line(item_id: str, qty: float, price: float, tax: str | None = "NON", **extra: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {"ItemRef": {"value": item_id}, "Qty": qty, "UnitPrice": price}
    if tax:
        detail["TaxCodeRef"] = {"value": tax}
    return {"DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail, **extra}


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    server = EmulatorServer(
        host="127.0.0.1", port=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, realm_id=REALM
    ).start()
    yield server
    server.stop()


@pytest.fixture
def ctl(emulator: EmulatorServer) -> Control:
    control = Control(emulator.url, emulator.control_token)
    control.reset()
    return control


@pytest.fixture
def api(emulator: EmulatorServer, ctl: Control) -> Api:
    return Api(emulator.url, ctl.tokens()["access_token"])


@pytest.fixture
def customer(api: Api) -> dict[str, Any]:
    return api.create("Customer", {"DisplayName": "Acme Ltd", "PrimaryEmailAddr": {"Address": "ap@acme.test"}})


@pytest.fixture
def hours(api: Api) -> dict[str, Any]:
    """The seeded service item priced by the hour."""
    return api.find("Item", "Hours")
