"""OAuth 2.0 for QuickBooks Online: authorization URL, code exchange, refresh, revoke.

Intuit rotates refresh tokens: every refresh may return a new one and the old one then stops
working.  :meth:`OAuthClient.refresh` therefore returns a complete :class:`TokenSet` that the
caller must persist at once, before anything else can fail.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import requests

from .errors import InvalidClientError, InvalidGrantError, OAuthError, TransportError
from .redact import get_logger, redact

_logger = get_logger(__name__)

SCOPE_ACCOUNTING = "com.intuit.quickbooks.accounting"
HARD_EXPIRY_HEADER = "x-include-refresh-token-hard-expires-in"


@dataclass(frozen=True)
class OAuthEndpoints:
    """Where to authorize, get tokens and revoke them."""

    authorize_url: str
    token_url: str
    revoke_url: str

    @classmethod
    def intuit(cls) -> OAuthEndpoints:
        """Intuit's endpoints (the same for sandbox and production companies)."""
        return cls(
            authorize_url="https://appcenter.intuit.com/connect/oauth2",
            token_url="https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",  # noqa: S106 - a URL
            revoke_url="https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
        )

    @classmethod
    def for_server(cls, base_url: str) -> OAuthEndpoints:
        """Endpoints of a server that mounts Intuit's paths under one base URL (the emulator)."""
        base = base_url.rstrip("/")
        return cls(
            authorize_url=f"{base}/connect/oauth2",
            token_url=f"{base}/oauth2/v1/tokens/bearer",
            revoke_url=f"{base}/v2/oauth2/tokens/revoke",
        )


@dataclass(frozen=True)
class TokenSet:
    """Tokens from one grant or refresh, with absolute (UTC) expiry times."""

    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_expires_at: datetime | None
    refresh_hard_expires_at: datetime | None = None
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret

    def __repr__(self) -> str:  # tokens must never end up in a log through repr()
        return (
            f"TokenSet(access_expires_at={self.access_expires_at.isoformat()}, "
            f"refresh_expires_at={self.refresh_expires_at and self.refresh_expires_at.isoformat()})"
        )

    def access_expires_within(self, seconds: float, now: datetime | None = None) -> bool:
        now = now or datetime.now(timezone.utc)
        return self.access_expires_at - now <= timedelta(seconds=seconds)

    @classmethod
    def from_response(cls, data: dict[str, Any], now: datetime) -> TokenSet:
        """Build from the token endpoint's JSON, turning ``*_expires_in`` seconds into times."""

        def after(key: str) -> datetime | None:
            value = data.get(key)
            return now + timedelta(seconds=int(value)) if value not in (None, "") else None

        access_expires = after("expires_in") or now + timedelta(hours=1)
        return cls(
            access_token=data["access_token"],
            refresh_token=data["refresh_token"],
            access_expires_at=access_expires,
            refresh_expires_at=after("x_refresh_token_expires_in"),
            refresh_hard_expires_at=after("x_refresh_token_hard_expires_in"),
            token_type=data.get("token_type", "bearer"),
        )


def new_state() -> str:
    """An unguessable ``state`` value for one authorization round trip."""
    return secrets.token_urlsafe(32)


class OAuthClient:
    """Talks to the OAuth endpoints for one Intuit app (client id/secret, redirect URI)."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        *,
        endpoints: OAuthEndpoints | None = None,
        session: requests.Session | None = None,
        timeout: float = 30.0,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.endpoints = endpoints or OAuthEndpoints.intuit()
        self.session = session or requests.Session()
        self.timeout = timeout
        self.clock = clock

    def __repr__(self) -> str:
        return f"OAuthClient(client_id={self.client_id!r}, token_url={self.endpoints.token_url!r})"

    def authorization_url(self, state: str, scopes: Iterable[str] = (SCOPE_ACCOUNTING,)) -> str:
        """The URL to send the user's browser to; Intuit comes back with code, state and realmId."""
        query = urlencode(
            {
                "client_id": self.client_id,
                "response_type": "code",
                "scope": " ".join(scopes),
                "redirect_uri": self.redirect_uri,
                "state": state,
            }
        )
        return f"{self.endpoints.authorize_url}?{query}"

    def exchange_code(self, code: str) -> TokenSet:
        """Trade the one-use authorization code for the first token pair.

        :raise OAuthError: if Intuit refuses the code (``invalid_grant``: used, expired or not ours)
        :raise TransportError: if Intuit's token endpoint cannot be reached
        """
        return self._token_request(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri}
        )

    def refresh(self, refresh_token: str) -> TokenSet:
        """Get a new access token; the returned refresh token replaces the old one at once.

        :raise OAuthError: if Intuit refuses the refresh token (``invalid_grant``: a reconnect is needed)
        :raise TransportError: if Intuit's token endpoint cannot be reached
        """
        return self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def revoke(self, token: str) -> None:
        """Revoke a refresh (or access) token: the whole grant stops working.

        :raise OAuthError: if Intuit refuses the revocation
        :raise TransportError: if Intuit's revocation endpoint cannot be reached
        """
        try:
            response = self.session.post(
                self.endpoints.revoke_url,
                json={"token": token},
                auth=(self.client_id, self._client_secret),
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise TransportError(f"Could not reach Intuit to revoke the token ({type(error).__name__})") from None
        if response.status_code >= 400:
            raise self._error(response)

    def _token_request(self, form: dict[str, str]) -> TokenSet:
        now = self.clock()
        try:
            response = self.session.post(
                self.endpoints.token_url,
                data=form,
                auth=(self.client_id, self._client_secret),
                headers={"Accept": "application/json", HARD_EXPIRY_HEADER: "true"},
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise TransportError(f"Could not reach Intuit's token endpoint ({type(error).__name__})") from None
        if response.status_code >= 400:
            raise self._error(response)
        try:
            return TokenSet.from_response(response.json(), now)
        except (ValueError, KeyError) as error:
            raise OAuthError("Intuit's token endpoint answered without tokens", status=response.status_code) from error

    @staticmethod
    def _error(response: requests.Response) -> OAuthError:
        try:
            data = response.json()
        except ValueError:
            data = {}
        error = data.get("error") if isinstance(data, dict) else None
        description = data.get("error_description") if isinstance(data, dict) else None
        message = redact(description or error or f"HTTP {response.status_code}")
        cls: type[OAuthError] = OAuthError
        if error == "invalid_grant":
            cls = InvalidGrantError
        elif error == "invalid_client" or response.status_code == 401:
            cls = InvalidClientError
        _logger.warning("Intuit OAuth call refused: %s (HTTP %s)", message, response.status_code)
        return cls(f"Intuit refused the request: {message}", error=error, status=response.status_code)
