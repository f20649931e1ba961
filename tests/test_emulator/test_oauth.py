"""OAuth 2.0 as Intuit runs it: authorize redirect, code exchange, rotation, expiry, revoke, 401s."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from .conftest import CLIENT_ID, REALM, REDIRECT_URI, Api, basic, error_of, session

TOKEN_PATH = "/oauth2/v1/tokens/bearer"
HARD = {"x-include-refresh-token-hard-expires-in": "true"}
DAY = 86400


def authorize(url: str, **overrides: str):
    params = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "scope": "com.intuit.quickbooks.accounting",
        "redirect_uri": REDIRECT_URI,
        "state": "st-123",
        **overrides,
    }
    return session().get(f"{url}/connect/oauth2", params=params, allow_redirects=False, timeout=10)


def token_call(url: str, form: dict[str, str], auth: str | None = None, headers: dict[str, str] | None = None):
    send = {"Authorization": auth or basic(), "Accept": "application/json", **(headers or {})}
    return session().post(url + TOKEN_PATH, data=form, headers=send, timeout=10)


def code_from(response) -> dict[str, list[str]]:
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    return parse_qs(location.query)


def grant(url: str) -> dict:
    code = code_from(authorize(url))["code"][0]
    response = token_call(url, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI})
    assert response.status_code == 200, response.text
    return response.json()


def refresh(url: str, refresh_token: str, hard: bool = False):
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return token_call(url, form, headers=HARD if hard else None)


def test_api_refuses_missing_and_unknown_tokens(emulator, ctl):
    for token in ("", "not-a-token"):
        response = Api(emulator.url, token).get(f"/companyinfo/{REALM}")
        assert response.status_code == 401
        error = error_of(response)
        assert error["type"] == "AuthenticationFault"
        assert error["code"] == "3200"
        assert error["Message"] == "message=AuthenticationFailed; errorCode=003200; statusCode=401"


def test_platform_style_auth_fault_is_available(emulator, ctl):
    ctl.settings(auth_fault_style="platform")
    body = Api(emulator.url, "nope").get(f"/companyinfo/{REALM}").json()
    assert body["fault"]["type"] == "AUTHENTICATION"
    assert body["fault"]["error"][0]["code"] == "3200"


def test_authorize_code_exchange_and_api_access(emulator, ctl):
    params = code_from(authorize(emulator.url))
    assert params["state"] == ["st-123"]
    assert params["realmId"] == [REALM]
    form = {"grant_type": "authorization_code", "code": params["code"][0], "redirect_uri": REDIRECT_URI}
    tokens = token_call(emulator.url, form).json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["x_refresh_token_expires_in"] == 8726400
    assert "x_refresh_token_hard_expires_in" not in tokens  # only when the header asks for it
    assert Api(emulator.url, tokens["access_token"]).get(f"/companyinfo/{REALM}").status_code == 200
    again = token_call(emulator.url, form)  # codes are single-use
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_code_needs_same_redirect_uri_and_expires(emulator, ctl):
    code = code_from(authorize(emulator.url))["code"][0]
    wrong = token_call(
        emulator.url, {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1:9/other"}
    )
    assert wrong.json() == {"error": "invalid_grant", "error_description": wrong.json()["error_description"]}
    code = code_from(authorize(emulator.url))["code"][0]
    ctl.advance(601)
    late = token_call(emulator.url, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI})
    assert late.status_code == 400
    assert late.json()["error"] == "invalid_grant"


def test_authorize_rejects_bad_requests(emulator, ctl):
    assert authorize(emulator.url, client_id="someone-else").status_code == 400
    assert authorize(emulator.url, state="").status_code == 400
    assert authorize(emulator.url, scope="openid").status_code == 400
    assert authorize(emulator.url, response_type="token").status_code == 400


def test_authorize_can_be_denied(emulator, ctl):
    ctl.settings(oauth_deny=True)
    params = code_from(authorize(emulator.url, state="xyz"))
    assert params == {"error": ["access_denied"], "state": ["xyz"]}


def test_token_endpoint_checks_client_credentials(emulator, ctl):
    form = {"grant_type": "refresh_token", "refresh_token": "x"}
    for auth in (basic(secret="wrong"), basic(client_id="other"), "Bearer abc"):
        response = token_call(emulator.url, form, auth=auth)
        assert response.status_code == 401
        assert response.json() == {"error": "invalid_client"}
    assert token_call(emulator.url, {"grant_type": "password"}).json()["error"] == "unsupported_grant_type"


def test_refresh_rotates_and_old_refresh_token_dies(emulator, ctl):
    first = grant(emulator.url)
    second = refresh(emulator.url, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    stale = refresh(emulator.url, first["refresh_token"])
    assert stale.status_code == 400
    assert stale.json()["error"] == "invalid_grant"
    third = refresh(emulator.url, second["refresh_token"])
    assert third.status_code == 200
    # Access tokens issued earlier keep working until their own hour is over.
    assert Api(emulator.url, first["access_token"]).get(f"/companyinfo/{REALM}").status_code == 200


def test_access_token_expires_after_an_hour(emulator, ctl):
    tokens = grant(emulator.url)
    api = Api(emulator.url, tokens["access_token"])
    ctl.advance(3599)
    assert api.get(f"/companyinfo/{REALM}").status_code == 200
    ctl.advance(2)
    response = api.get(f"/companyinfo/{REALM}")
    assert response.status_code == 401
    assert "expired" in error_of(response)["Detail"].lower()
    fresh = refresh(emulator.url, tokens["refresh_token"]).json()
    assert Api(emulator.url, fresh["access_token"]).get(f"/companyinfo/{REALM}").status_code == 200


def test_refresh_token_lifetime_and_hard_expiry(emulator, ctl):
    tokens = grant(emulator.url)
    first = refresh(emulator.url, tokens["refresh_token"], hard=True).json()
    assert 5 * 365 * DAY - 10 <= first["x_refresh_token_hard_expires_in"] <= 5 * 365 * DAY
    current = first["refresh_token"]
    for _ in range(18):  # keep the grant alive for 1800 days by refreshing every 100 days
        ctl.advance(100 * DAY)
        answer = refresh(emulator.url, current, hard=True).json()
        current = answer["refresh_token"]
    remaining = answer["x_refresh_token_hard_expires_in"]
    assert 24 * DAY <= remaining <= 25 * DAY  # counted from the first authorization, not the last refresh
    assert answer["x_refresh_token_expires_in"] == remaining  # capped by the hard expiry
    ctl.advance(26 * DAY)
    assert refresh(emulator.url, current).json()["error"] == "invalid_grant"


def test_unused_refresh_token_expires(emulator, ctl):
    tokens = grant(emulator.url)
    ctl.advance(8726401)
    assert refresh(emulator.url, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_revoke_kills_the_whole_grant(emulator, ctl):
    tokens = grant(emulator.url)
    url = f"{emulator.url}/v2/oauth2/tokens/revoke"
    assert session().post(url, json={"token": tokens["refresh_token"]}, timeout=10).status_code == 401  # Basic auth
    response = session().post(
        url, json={"token": tokens["refresh_token"]}, headers={"Authorization": basic()}, timeout=10
    )
    assert response.status_code == 200
    assert Api(emulator.url, tokens["access_token"]).get(f"/companyinfo/{REALM}").status_code == 401
    assert refresh(emulator.url, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    other = grant(emulator.url)  # form body, revoking through the access token
    session().post(url, data={"token": other["access_token"]}, headers={"Authorization": basic()}, timeout=10)
    assert refresh(emulator.url, other["refresh_token"]).status_code == 400


def test_discovery_document_points_at_the_emulator(emulator, ctl):
    doc = session().get(f"{emulator.url}/.well-known/openid_configuration", timeout=10).json()
    assert doc["token_endpoint"] == f"{emulator.url}/oauth2/v1/tokens/bearer"
    assert doc["authorization_endpoint"] == f"{emulator.url}/connect/oauth2"
    assert doc["revocation_endpoint"] == f"{emulator.url}/v2/oauth2/tokens/revoke"


def test_control_tokens_shortcut(emulator, ctl):
    tokens = ctl.tokens()
    assert tokens["expires_in"] == 3600 and tokens["x_refresh_token_hard_expires_in"] > 0
    assert Api(emulator.url, tokens["access_token"]).get("/preferences").json()["Preferences"]["CurrencyPrefs"] == {
        "HomeCurrency": {"value": "USD"},
        "MultiCurrencyEnabled": True,
    }
