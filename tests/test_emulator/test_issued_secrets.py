"""``--issued-secrets-file``: every code and token issued (and the app's secrets) appended to a file."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.qbo_emulator import EmulatorServer

from .conftest import CLIENT_ID, CLIENT_SECRET, REALM, REDIRECT_URI, Control
from .test_oauth import authorize, code_from, refresh, token_call
from .test_persistence_cli import _start_cli

VERIFIER = "issued-secrets-verifier-token"


def recorded(path: Path) -> list[tuple[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(kind, value) for kind, _, value in (line.partition("\t") for line in lines)]


def test_cli_records_the_code_every_token_and_the_app_secrets(tmp_path):
    path = tmp_path / "secrets.txt"
    process, printed = _start_cli(
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        CLIENT_SECRET,
        "--realm-id",
        REALM,
        "--verifier-token",
        VERIFIER,
        env={"QBO_EMULATOR_ISSUED_SECRETS_FILE": str(path)},
    )
    try:
        url = printed["base url"]
        assert printed["issued secrets file"] == str(path)
        code = code_from(authorize(url))["code"][0]
        first = token_call(url, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI})
        assert first.status_code == 200, first.text
        second = refresh(url, first.json()["refresh_token"])
        assert second.status_code == 200, second.text
    finally:
        process.terminate()
        process.wait(timeout=10)
    first, second = first.json(), second.json()
    assert first["refresh_token"] != second["refresh_token"]  # rotated: both must be on file
    lines = recorded(path)
    assert ("client_secret", CLIENT_SECRET) in lines
    assert ("verifier_token", VERIFIER) in lines
    assert ("control_token", printed["control token"]) in lines  # generated at start
    assert ("authorization_code", code) in lines
    for kind in ("access_token", "refresh_token"):
        assert (kind, first[kind]) in lines
        assert (kind, second[kind]) in lines
    assert len(lines) == len(set(lines)) == 8  # nothing else, nothing twice


def test_emulators_sharing_a_file_append_whole_lines(tmp_path):
    path = tmp_path / "secrets.txt"
    path.write_text("earlier\tkept-from-an-earlier-writer\n", encoding="utf-8")
    servers = [
        EmulatorServer(
            port=0,
            client_id=CLIENT_ID,
            client_secret=f"{CLIENT_SECRET}-{n}",
            realm_id=REALM,
            issued_secrets_file=str(path),
        ).start()
        for n in range(2)
    ]
    minted: list[dict[str, str]] = []
    lock = threading.Lock()

    def mint(url: str, token: str) -> None:
        control = Control(url, token)
        for _ in range(20):
            tokens = control.tokens()
            with lock:
                minted.append(tokens)

    try:
        threads = [
            threading.Thread(target=mint, args=(server.url, server.control_token))
            for server in servers
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for server in servers:
            server.stop()
    lines = recorded(path)
    assert lines[0] == ("earlier", "kept-from-an-earlier-writer")  # appended, never truncated
    assert {("client_secret", f"{CLIENT_SECRET}-{n}") for n in range(2)} <= set(lines)
    assert len(minted) == 80
    expected = {(kind, tokens[kind]) for tokens in minted for kind in ("access_token", "refresh_token")}
    assert expected <= set(lines)
    assert {("control_token", server.control_token) for server in servers} <= set(lines)
    assert len(lines) == 1 + 2 + 2 + 160  # every line whole: no torn or merged line
    assert not [value for kind, value in lines if kind == "verifier_token"]  # none configured
