"""OAuth 2.0 round trip against the emulator, and the client's one-refresh-on-401 rule."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from qbo import (
    AuthenticationError,
    InvalidClientError,
    InvalidGrantError,
    OAuthClient,
    OAuthEndpoints,
    QBOClient,
    new_state,
)

from .conftest import CLIENT_ID, FAST_RETRY, REALM, REDIRECT_URI


def _authorize(oauth: OAuthClient, state: str) -> dict[str, str]:
    """Follow the authorization URL like a browser would, up to the redirect back to us."""
    response = requests.get(oauth.authorization_url(state), allow_redirects=False, timeout=10)
    assert response.status_code in (302, 303), response.text
    location = urlparse(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def test_authorization_url_carries_client_scope_state_and_redirect(oauth):
    query = parse_qs(urlparse(oauth.authorization_url("abc")).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == ["com.intuit.quickbooks.accounting"]
    assert query["response_type"] == ["code"]
    assert query["state"] == ["abc"] and query["redirect_uri"] == [REDIRECT_URI]


def test_full_round_trip_code_exchange_rotation_and_revoke(emulator, control, oauth):
    state = new_state()
    answer = _authorize(oauth, state)
    assert answer["state"] == state and answer["realmId"] == REALM

    tokens = oauth.exchange_code(answer["code"])
    assert tokens.access_token and tokens.refresh_token
    assert (
        3500
        <= (tokens.access_expires_at - tokens.access_expires_at.now(tokens.access_expires_at.tzinfo)).total_seconds()
        <= 3600
    )
    assert tokens.refresh_hard_expires_at is not None  # we ask for the 5-year hard expiry
    with pytest.raises(InvalidGrantError):
        oauth.exchange_code(answer["code"])  # codes are one-use

    client = QBOClient(REALM, tokens.access_token, base_url=emulator.url, retry=FAST_RETRY)
    assert client.company_info()["CompanyName"]

    rotated = oauth.refresh(tokens.refresh_token)
    assert rotated.refresh_token != tokens.refresh_token
    with pytest.raises(InvalidGrantError):
        oauth.refresh(tokens.refresh_token)  # the old refresh token stopped working

    oauth.revoke(rotated.refresh_token)
    with pytest.raises(InvalidGrantError):
        oauth.refresh(rotated.refresh_token)
    with pytest.raises(AuthenticationError):
        QBOClient(REALM, rotated.access_token, base_url=emulator.url, retry=FAST_RETRY).company_info()


def test_wrong_client_secret_is_invalid_client(emulator, control):
    bad = OAuthClient(CLIENT_ID, "not-the-secret", REDIRECT_URI, endpoints=OAuthEndpoints.for_server(emulator.url))
    answer = _authorize(bad, "s")
    with pytest.raises(InvalidClientError):
        bad.exchange_code(answer["code"])


def test_expired_access_token_is_refreshed_once_and_the_call_retried(emulator, control, oauth):
    tokens = oauth.exchange_code(_authorize(oauth, "s1")["code"])
    current = {"access": tokens.access_token, "refresh": tokens.refresh_token}
    refreshes = []

    def refresh() -> str:
        new = oauth.refresh(current["refresh"])
        current.update(access=new.access_token, refresh=new.refresh_token)
        refreshes.append(new)
        return new.access_token

    client = QBOClient(
        REALM, lambda: current["access"], base_url=emulator.url, on_unauthorized=refresh, retry=FAST_RETRY
    )
    control.advance_clock(3601)  # the access token is now an hour old
    assert client.company_info()["CompanyName"]
    assert len(refreshes) == 1


def test_a_second_401_after_refresh_is_not_retried_forever(emulator, control, tokens):
    calls = []

    def useless_refresh() -> str:
        calls.append(1)
        return "still-not-a-valid-token"

    client = QBOClient(
        REALM, "not-a-valid-token", base_url=emulator.url, on_unauthorized=useless_refresh, retry=FAST_RETRY
    )
    with pytest.raises(AuthenticationError) as caught:
        client.company_info()
    assert caught.value.status == 401
    assert len(calls) == 1


def test_no_token_or_secret_reaches_the_logs(emulator, control, oauth, caplog):
    caplog.set_level(logging.DEBUG)
    tokens = oauth.exchange_code(_authorize(oauth, "s2")["code"])
    client = QBOClient(
        REALM,
        tokens.access_token,
        base_url=emulator.url,
        on_unauthorized=lambda: oauth.refresh(tokens.refresh_token).access_token,
        retry=FAST_RETRY,
    )
    control.fault(path="*", method="GET", kind="expire_token", times=1)
    control.fault(path="*", method="GET", kind="status", status=503, times=1)
    client.company_info()
    with pytest.raises(InvalidGrantError):
        oauth.refresh(tokens.refresh_token)  # already rotated by the 401 handler
    text = caplog.text + repr(tokens)
    assert "401" in caplog.text or "refresh" in caplog.text.lower()
    for secret in (tokens.access_token, tokens.refresh_token, "contract-secret-value"):
        assert secret not in text
