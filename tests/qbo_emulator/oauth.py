"""Intuit's OAuth 2.0 server, as far as a QBO connector sees it.

* Authorization codes: one use, 10 minutes, bound to the redirect URI.
* Access tokens: 3600 s of emulator time.
* Refresh tokens: rotate on every refresh (the previous one stops working at once), live
  8,726,400 s (~101 days) but never past the grant's hard expiry, 5 years after the first
  authorization (returned only to callers sending ``x-include-refresh-token-hard-expires-in: true``).
* Revoking any token of a grant revokes the whole grant.

Grants are kept in the store (so ``--data`` keeps a connection across restarts); codes are not.

A test facility, not Intuit's: with ``--issued-secrets-file`` every code and token issued is appended
to that file (``record_secrets``), so a test run can check that none of them leaked anywhere.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from .clock import Clock
    from .company import Company
    from .store import Store

ACCESS_TTL = 3600
REFRESH_TTL = 8_726_400
HARD_TTL = 5 * 365 * 86400
CODE_TTL = 600
SCOPE_ACCOUNTING = "com.intuit.quickbooks.accounting"
HARD_EXPIRY_HEADER = "x-include-refresh-token-hard-expires-in"
#: Old access tokens of a grant kept valid (until they expire) after refreshes.
MAX_ACCESS_TOKENS_PER_GRANT = 20


def record_secrets(path: str | None, kind: str, values: Iterable[str | None]) -> None:
    """Append ``kind<TAB>value`` lines to ``path`` (nothing when ``path`` is unset).

    Several emulator processes may share the file: it is opened in append mode and each line is
    written and flushed on its own, so lines of different writers never interleave.
    """
    if not path:
        return
    lines = [f"{kind}\t{part}\n" for value in values if value for part in str(value).splitlines() if part]
    if not lines:
        return
    with open(path, "a", encoding="utf-8") as file:
        for text in lines:
            file.write(text)
            file.flush()


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str = "") -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        body = {"error": self.error}
        if self.description:
            body["error_description"] = self.description
        return body


class OAuthServer:
    """Codes, grants and tokens of the one app (client id/secret) the emulator knows."""

    def __init__(self, store: Store, clock: Clock, company: Company, client_id: str, client_secret: str,
                 redirect_uri_allow: str = "ANY", secrets_file: str | None = None) -> None:
        self.store = store
        self.clock = clock
        self.company = company
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_allow = [uri.strip() for uri in redirect_uri_allow.split(",") if uri.strip()] or ["ANY"]
        self.secrets_file = secrets_file
        self._codes: dict[str, dict[str, Any]] = {}
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ grants
    @property
    def _grants(self) -> dict[str, dict[str, Any]]:
        return self.store.meta.setdefault("grants", {})

    def _save(self) -> None:
        self.store.set_meta("grants", self._grants)

    def clear(self, keep_grants: bool) -> None:
        with self._lock:
            self._codes.clear()
            if not keep_grants:
                self.store.set_meta("grants", {})

    def _issue(self, grant_id: str, include_hard: bool, rotate: bool = True) -> dict[str, Any]:
        now = self.clock.timestamp()
        grant = self._grants[grant_id]
        access = secrets.token_urlsafe(48)
        tokens = dict(grant.get("access", {}))
        tokens[access] = now + ACCESS_TTL
        grant["access"] = dict(sorted(tokens.items(), key=lambda kv: kv[1])[-MAX_ACCESS_TOKENS_PER_GRANT:])
        if rotate:
            grant["refresh_token"] = secrets.token_urlsafe(48)
            grant["refresh_expires"] = min(now + REFRESH_TTL, grant["hard_expires"])
        self._save()
        record_secrets(self.secrets_file, "access_token", [access])
        if rotate:
            record_secrets(self.secrets_file, "refresh_token", [grant["refresh_token"]])
        body: dict[str, Any] = {
            "token_type": "bearer", "access_token": access, "refresh_token": grant["refresh_token"],
            "expires_in": ACCESS_TTL,
            "x_refresh_token_expires_in": max(0, int(grant["refresh_expires"] - now)),
        }
        if include_hard:
            body["x_refresh_token_hard_expires_in"] = max(0, int(grant["hard_expires"] - now))
        return body

    def mint(self, include_hard: bool = True) -> dict[str, Any]:
        """A new grant for the realm without the browser round trip (the tests' shortcut)."""
        with self._lock:
            grant_id = secrets.token_hex(8)
            now = self.clock.timestamp()
            self._grants[grant_id] = {"realm": self.company.realm_id, "created": now, "hard_expires": now + HARD_TTL}
            return self._issue(grant_id, include_hard)

    # ------------------------------------------------------------------ endpoints
    def authorize(self, params: dict[str, str]) -> str:
        """Auto-approve: the redirect URL with ``code``, ``state`` and ``realmId`` (or the error)."""
        missing = [name for name in ("client_id", "response_type", "scope", "redirect_uri", "state")
                   if not params.get(name)]
        if missing:
            raise OAuthError(400, "invalid_request", f"missing parameter(s): {', '.join(missing)}")
        if params["client_id"] != self.client_id:
            raise OAuthError(400, "invalid_client", "unknown client_id")
        if params["response_type"] != "code":
            raise OAuthError(400, "unsupported_response_type", "response_type must be code")
        if SCOPE_ACCOUNTING not in params["scope"].split():
            raise OAuthError(400, "invalid_scope", f"scope must include {SCOPE_ACCOUNTING}")
        redirect_uri = params["redirect_uri"]
        if "ANY" not in self.redirect_allow and redirect_uri not in self.redirect_allow:
            raise OAuthError(400, "invalid_request", "redirect_uri is not registered for this app")
        if self.company.setting("oauth_deny"):
            return _with_query(redirect_uri, {"error": "access_denied", "state": params["state"]})
        with self._lock:
            code = secrets.token_urlsafe(32)
            self._codes[code] = {"redirect_uri": redirect_uri, "expires": self.clock.timestamp() + CODE_TTL}
            record_secrets(self.secrets_file, "authorization_code", [code])
        return _with_query(redirect_uri, {"code": code, "state": params["state"], "realmId": self.company.realm_id})

    def _client(self, authorization: str | None) -> None:
        scheme, _, encoded = (authorization or "").partition(" ")
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            client_id, secret = "", ""
        if (scheme.lower() != "basic" or not hmac.compare_digest(client_id, self.client_id)
                or not hmac.compare_digest(secret, self.client_secret)):
            raise OAuthError(401, "invalid_client")

    def token(self, authorization: str | None, form: dict[str, str], headers: dict[str, str]) -> dict[str, Any]:
        self._client(authorization)
        include_hard = headers.get(HARD_EXPIRY_HEADER, "").strip().lower() == "true"
        grant_type = form.get("grant_type")
        now = self.clock.timestamp()
        with self._lock:
            if grant_type == "authorization_code":
                code = self._codes.pop(form.get("code") or "", None)  # one use, even when refused below
                if code is None or code["expires"] < now:
                    raise OAuthError(400, "invalid_grant", "the authorization code is invalid, used or expired")
                if form.get("redirect_uri") != code["redirect_uri"]:
                    raise OAuthError(400, "invalid_grant", "redirect_uri does not match the authorization request")
                grant_id = secrets.token_hex(8)
                self._grants[grant_id] = {"realm": self.company.realm_id, "created": now,
                                          "hard_expires": now + HARD_TTL}
                return self._issue(grant_id, include_hard)
            if grant_type == "refresh_token":
                presented = form.get("refresh_token") or ""
                for grant_id, grant in self._grants.items():
                    if grant.get("refresh_token") and hmac.compare_digest(grant["refresh_token"], presented):
                        if grant.get("revoked") or grant["refresh_expires"] < now:
                            break
                        return self._issue(grant_id, include_hard)
                raise OAuthError(400, "invalid_grant", "the refresh token is invalid, rotated, revoked or expired")
            raise OAuthError(400, "unsupported_grant_type")

    def revoke(self, authorization: str | None, token: str) -> None:
        self._client(authorization)
        if not token:
            raise OAuthError(400, "invalid_request", "token is required")
        with self._lock:
            for grant in self._grants.values():
                if grant.get("refresh_token") == token or token in grant.get("access", {}):
                    grant["revoked"] = True
                    self._save()

    # ------------------------------------------------------------------ API access
    def check(self, token: str) -> tuple[bool, str]:
        """(valid, reason) for a bearer access token of this realm."""
        now = self.clock.timestamp()
        with self._lock:
            for grant in self._grants.values():
                expires = grant.get("access", {}).get(token)
                if expires is None:
                    continue
                if grant.get("revoked"):
                    return False, "Token revoked"
                if expires < now:
                    return False, f"Token expired: {int(now - expires)} seconds ago"
                return True, ""
        return False, "Token invalid"

    def expire(self, token: str) -> None:
        with self._lock:
            for grant in self._grants.values():
                if token in grant.get("access", {}):
                    grant["access"][token] = self.clock.timestamp() - 1
                    self._save()

    def discovery(self, base_url: str) -> dict[str, Any]:
        """What ``intuitlib`` reads from Intuit's OpenID discovery document."""
        return {
            "issuer": f"{base_url}/op/v1",
            "authorization_endpoint": f"{base_url}/connect/oauth2",
            "token_endpoint": f"{base_url}/oauth2/v1/tokens/bearer",
            "revocation_endpoint": f"{base_url}/v2/oauth2/tokens/revoke",
            "userinfo_endpoint": f"{base_url}/v1/openid_connect/userinfo",
            "jwks_uri": f"{base_url}/op/v1/jwks",
            "response_types_supported": ["code"],
            "scopes_supported": ["openid", "email", "profile", "address", "phone", SCOPE_ACCOUNTING],
        }


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
