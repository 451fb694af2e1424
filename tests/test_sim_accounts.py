"""Fixture back ends with member accounts (sim/accounts.py): RTS-002's erase vs flag deletion."""

from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest

from sim.accounts import account_spec
from sim.backend import DEFAULT_BODY, FixtureBackend

ENDPOINTS = {"login": "/api/member/login", "profile": "/api/member/profile", "delete": "/api/member/delete"}
PROFILE = {"phone": "13800138000", "name": "林小夏", "address": "南京东路 300 号"}


def make_app(root: Path, name: str, on_delete: str | None) -> Path:
    app = root / name
    app.mkdir()
    spec: dict[str, object] = {"hosts": [f"api.{name}.example"]}
    if on_delete:
        spec["accounts"] = {**ENDPOINTS, "on_delete": on_delete}
    (app / "sim.json").write_text(json.dumps(spec))
    return app


def call(backend: FixtureBackend, app: str, endpoint: str, body: dict[str, str]) -> dict:  # type: ignore[type-arg]
    answer = backend.answer(f"api.{app}.example", ENDPOINTS[endpoint], "", json.dumps(body).encode())
    return json.loads(answer)


def test_erase_forgets_the_profile_and_flag_returns_it(tmp_path: Path) -> None:
    backend = FixtureBackend([make_app(tmp_path, "erasing", "erase"), make_app(tmp_path, "flagging", "flag")])
    for app in ("erasing", "flagging"):
        assert call(backend, app, "login", {"phone": PROFILE["phone"]})["member"] == {"phone": PROFILE["phone"]}
        assert call(backend, app, "profile", PROFILE) == {"ok": True}  # saving never echoes the profile
        assert call(backend, app, "login", {"phone": PROFILE["phone"]})["member"] == PROFILE
        assert call(backend, app, "delete", {"phone": PROFILE["phone"]}) == {"ok": True}
    assert call(backend, "erasing", "login", {"phone": PROFILE["phone"]})["member"] == {"phone": PROFILE["phone"]}
    assert call(backend, "flagging", "login", {"phone": PROFILE["phone"]})["member"] == {**PROFILE, "deleted": True}


def test_accounts_are_per_app_and_need_a_phone(tmp_path: Path) -> None:
    backend = FixtureBackend([make_app(tmp_path, "one", "flag"), make_app(tmp_path, "two", "flag"),
                              make_app(tmp_path, "plain", None)])
    call(backend, "one", "profile", PROFILE)
    assert call(backend, "two", "login", {"phone": PROFILE["phone"]})["member"] == {"phone": PROFILE["phone"]}
    assert call(backend, "one", "login", {}) == {"ok": False, "error": "phone required"}
    assert backend.answer("api.one.example", ENDPOINTS["login"], "", b"not json") != DEFAULT_BODY
    assert backend.answer("api.plain.example", ENDPOINTS["login"], "", b"{}") == DEFAULT_BODY  # stateless app


@pytest.mark.parametrize(
    ("accounts", "message"),
    [
        ({**ENDPOINTS, "on_delete": "archive"}, "accounts.on_delete: expected erase or flag"),
        ({"login": "api/login", "profile": "/p", "delete": "/d", "on_delete": "erase"}, "accounts.login: expected a path"),
        (["/login"], "accounts: expected a mapping"),
    ],
)
def test_a_bad_accounts_entry_names_the_file_and_field(tmp_path: Path, accounts: object, message: str) -> None:
    (tmp_path / "sim.json").write_text(json.dumps({"hosts": ["api.x.example"], "accounts": accounts}))
    with pytest.raises((ValueError, TypeError), match=rf"sim.json: {message}"):
        account_spec(tmp_path)


def test_the_running_back_end_reads_the_request_body(tmp_path: Path) -> None:
    """Through the real HTTP server: the body reaches the account store (it used to be dropped)."""
    with FixtureBackend([make_app(tmp_path, "live", "flag")], cert_cache=tmp_path / "certs") as backend:
        assert backend.ports is not None
        for endpoint, body in (("profile", PROFILE), ("delete", {"phone": PROFILE["phone"]}),
                               ("login", {"phone": PROFILE["phone"]})):
            connection = http.client.HTTPConnection("127.0.0.1", backend.ports[0], timeout=10)
            connection.request("POST", ENDPOINTS[endpoint], json.dumps(body, ensure_ascii=False).encode(),
                               {"Host": "api.live.example", "Content-Type": "application/json"})
            answer = json.loads(connection.getresponse().read())
            connection.close()
        assert answer["member"]["name"] == "林小夏" and answer["member"]["deleted"] is True
