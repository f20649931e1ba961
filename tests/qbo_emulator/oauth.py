"""Intuit's OAuth 2.0 server, as far as a QBO connector sees it.

* Authorization codes: one use, 10 minutes, bound to the redirect URI.
* Access tokens: 3600 s of emulator time.
* Refresh tokens: rotate on every refresh (the previous one stops working at once), live
  8,726,400 s (~101 days) but never past the grant's hard expiry, 5 years after the first
  authorization (returned only to callers sending ``x-include-refresh-token-hard-expires-in: true``).
* Revoking any token of a grant revokes the whole grant.
* Each grant belongs to the company (realm) the user picked; with several companies the authorize
  page is Intuit's company selector (or the control API picks one for tests).

Grants are kept in the store (so ``--data`` keeps a connection across restarts); codes are not.

A test facility, not Intuit's: with ``--issued-secrets-file`` every code and token issued is appended
to that file (``record_secrets``), so a test run can check that none of them leaked anywhere.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from .clock import Clock
    from .company import Company

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


class ChooseCompany(Exception):
    """The user has several companies and none was chosen yet: show Intuit's company selector."""

    def __init__(self, params: dict[str, str], realms: list[dict[str, Any]]) -> None:
        super().__init__("choose a company")
        self.params = params
        self.realms = realms


class OAuthServer:
    """Codes, grants and tokens of the one app (client id/secret) the emulator knows.

    Each grant belongs to one realm (the company chosen when it was authorized) and is kept in that
    realm's store; its tokens open that realm's API only.
    """

    def __init__(
        self,
        clock: Clock,
        companies: Callable[[], dict[str, Company]],
        client_id: str,
        client_secret: str,
        redirect_uri_allow: str = "ANY",
        secrets_file: str | None = None,
    ) -> None:
        self.clock = clock
        self.companies = companies
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_allow = [uri.strip() for uri in redirect_uri_allow.split(",") if uri.strip()] or ["ANY"]
        self.secrets_file = secrets_file
        self._codes: dict[str, dict[str, Any]] = {}
        self._lock = threading.RLock()
        #: The company the next authorization picks (control API), and whether it stays picked.
        self.preselected: dict[str, Any] | None = None

    # ------------------------------------------------------------------ grants
    @staticmethod
    def _grants(company: Company) -> dict[str, dict[str, Any]]:
        return company.store.meta.setdefault("grants", {})

    def _save(self, company: Company) -> None:
        company.store.set_meta("grants", self._grants(company))

    def _all_grants(self) -> list[tuple[Company, str, dict[str, Any]]]:
        return [
            (company, grant_id, grant)
            for company in self.companies().values()
            for grant_id, grant in list(self._grants(company).items())
        ]

    def clear(self, keep_grants: bool, realm_id: str | None = None) -> None:
        """Forget codes (and grants unless kept) of one realm, or of all with the preselection."""
        with self._lock:
            if realm_id is None:
                self._codes.clear()
                self.preselected = None
            else:
                self._codes = {code: data for code, data in self._codes.items() if data["realm"] != realm_id}
            if not keep_grants:
                for company in self.companies().values():
                    if realm_id is None or company.realm_id == realm_id:
                        company.store.set_meta("grants", {})

    def _issue(self, company: Company, grant_id: str, include_hard: bool, rotate: bool = True) -> dict[str, Any]:
        now = self.clock.timestamp()
        grant = self._grants(company)[grant_id]
        access = secrets.token_urlsafe(48)
        tokens = dict(grant.get("access", {}))
        tokens[access] = now + ACCESS_TTL
        grant["access"] = dict(sorted(tokens.items(), key=lambda kv: kv[1])[-MAX_ACCESS_TOKENS_PER_GRANT:])
        if rotate:
            grant["refresh_token"] = secrets.token_urlsafe(48)
            grant["refresh_expires"] = min(now + REFRESH_TTL, grant["hard_expires"])
        self._save(company)
        record_secrets(self.secrets_file, "access_token", [access])
        if rotate:
            record_secrets(self.secrets_file, "refresh_token", [grant["refresh_token"]])
        body: dict[str, Any] = {
            "token_type": "bearer",
            "access_token": access,
            "refresh_token": grant["refresh_token"],
            "expires_in": ACCESS_TTL,
            "x_refresh_token_expires_in": max(0, int(grant["refresh_expires"] - now)),
        }
        if include_hard:
            body["x_refresh_token_hard_expires_in"] = max(0, int(grant["hard_expires"] - now))
        return body

    def _new_grant(self, company: Company, include_hard: bool) -> dict[str, Any]:
        grant_id = secrets.token_hex(8)
        now = self.clock.timestamp()
        self._grants(company)[grant_id] = {"realm": company.realm_id, "created": now, "hard_expires": now + HARD_TTL}
        return self._issue(company, grant_id, include_hard)

    def mint(self, company: Company, include_hard: bool = True) -> dict[str, Any]:
        """A new grant for the realm without the browser round trip (the tests' shortcut)."""
        with self._lock:
            return self._new_grant(company, include_hard)

    # ------------------------------------------------------------------ endpoints
    def preselect(self, realm_id: str | None, sticky: bool = False) -> dict[str, Any]:
        with self._lock:
            if realm_id is None:
                self.preselected = None
            else:
                if realm_id not in self.companies():
                    raise KeyError(realm_id)
                self.preselected = {"realmId": realm_id, "sticky": bool(sticky)}
            return self.preselection()

    def preselection(self) -> dict[str, Any]:
        return dict(self.preselected or {"realmId": None, "sticky": False})

    def _choice(self, params: dict[str, str], chosen: str | None) -> Company:
        """The company this authorization is for: the user's pick, the preselected one or the only one."""
        companies = self.companies()
        if chosen is not None:
            if chosen not in companies:
                raise OAuthError(400, "invalid_request", f"no company {chosen} to connect")
            return companies[chosen]
        with self._lock:
            picked = self.preselected
            if picked is not None and picked["realmId"] in companies:
                if not picked["sticky"]:
                    self.preselected = None
                return companies[picked["realmId"]]
        if len(companies) == 1:
            return next(iter(companies.values()))
        raise ChooseCompany(
            params,
            [
                {
                    "realmId": realm_id,
                    "company_name": company.setting("company_name"),
                    "country": company.country,
                    "home_currency": company.home_currency,
                }
                for realm_id, company in companies.items()
            ],
        )

    def authorize(self, params: dict[str, str], chosen: str | None = None) -> str:
        """The redirect URL with ``code``, ``state`` and ``realmId`` (or the error).

        With one company it approves at once; with several, the user picks one on the company
        selector (``ChooseCompany``), unless the control API picked it beforehand.
        """
        missing = [
            name for name in ("client_id", "response_type", "scope", "redirect_uri", "state") if not params.get(name)
        ]
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
        company = self._choice(params, chosen)
        if company.setting("oauth_deny"):
            return _with_query(redirect_uri, {"error": "access_denied", "state": params["state"]})
        with self._lock:
            code = secrets.token_urlsafe(32)
            self._codes[code] = {
                "redirect_uri": redirect_uri,
                "expires": self.clock.timestamp() + CODE_TTL,
                "realm": company.realm_id,
            }
            record_secrets(self.secrets_file, "authorization_code", [code])
        return _with_query(redirect_uri, {"code": code, "state": params["state"], "realmId": company.realm_id})

    def _client(self, authorization: str | None) -> None:
        scheme, _, encoded = (authorization or "").partition(" ")
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            client_id, secret = "", ""
        if (
            scheme.lower() != "basic"
            or not hmac.compare_digest(client_id, self.client_id)
            or not hmac.compare_digest(secret, self.client_secret)
        ):
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
                company = self.companies().get(code["realm"])
                if company is None:  # the realm was removed through the control API meanwhile
                    raise OAuthError(400, "invalid_grant", "the company of this code no longer exists")
                return self._new_grant(company, include_hard)
            if grant_type == "refresh_token":
                presented = form.get("refresh_token") or ""
                for company, grant_id, grant in self._all_grants():
                    if grant.get("refresh_token") and hmac.compare_digest(grant["refresh_token"], presented):
                        if grant.get("revoked") or grant["refresh_expires"] < now:
                            break
                        return self._issue(company, grant_id, include_hard)
                raise OAuthError(400, "invalid_grant", "the refresh token is invalid, rotated, revoked or expired")
            raise OAuthError(400, "unsupported_grant_type")

    def revoke(self, authorization: str | None, token: str) -> None:
        self._client(authorization)
        if not token:
            raise OAuthError(400, "invalid_request", "token is required")
        with self._lock:
            for company, _grant_id, grant in self._all_grants():
                if grant.get("refresh_token") == token or token in grant.get("access", {}):
                    grant["revoked"] = True
                    self._save(company)

    # ------------------------------------------------------------------ API access
    def check(self, token: str) -> tuple[bool, str, str | None]:
        """(valid, reason, realm the token belongs to) for a bearer access token."""
        now = self.clock.timestamp()
        with self._lock:
            for company, _grant_id, grant in self._all_grants():
                expires = grant.get("access", {}).get(token)
                if expires is None:
                    continue
                if grant.get("revoked"):
                    return False, "Token revoked", company.realm_id
                if expires < now:
                    return False, f"Token expired: {int(now - expires)} seconds ago", company.realm_id
                return True, "", company.realm_id
        return False, "Token invalid", None

    def expire(self, token: str) -> None:
        with self._lock:
            for company, _grant_id, grant in self._all_grants():
                if token in grant.get("access", {}):
                    grant["access"][token] = self.clock.timestamp() - 1
                    self._save(company)

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
