"""Member accounts for fixture back ends that must remember a user: log in, save a profile, delete it.

An app opts in with an ``accounts`` entry in its sim.json (RTS-002's fixtures need a back end with memory;
every other app keeps the stateless canned answers):

    "accounts": {"login": "/api/member/login", "profile": "/api/member/profile",
                 "delete": "/api/member/delete", "on_delete": "erase"}

Requests are JSON bodies naming the account by ``phone``. ``login`` answers {"ok", "member"}: the stored
profile, or a new empty one; ``profile`` merges the body's fields into the account; ``delete`` either
erases the account (``erase``: what a real deletion does) or only marks it deleted and keeps the
profile (``flag``: the violation RTS-002 catches, the next login gets the old profile back).
Accounts live as long as the back end (one run) and are kept per app.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

ENDPOINTS = ("login", "profile", "delete")
MAX_FIELD_CHARS = 200


@dataclass(frozen=True)
class AccountSpec:
    """One app's account endpoints (paths) and what its deletion does."""

    login: str
    profile: str
    delete: str
    on_delete: Literal["erase", "flag"]


def account_spec(app_dir: Path) -> AccountSpec | None:
    """The app's ``accounts`` entry of sim.json (None without one); a malformed one raises naming the
    file and the field."""
    path = app_dir / "sim.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8")).get("accounts")
    except (OSError, ValueError, AttributeError):
        return None
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise TypeError(f"{path}: accounts: expected a mapping of login/profile/delete paths and on_delete")
    for name in ENDPOINTS:
        if not isinstance(raw.get(name), str) or not raw[name].startswith("/"):
            raise ValueError(f"{path}: accounts.{name}: expected a path starting with /, not {raw.get(name)!r}")
    if raw.get("on_delete") not in ("erase", "flag"):
        raise ValueError(f"{path}: accounts.on_delete: expected erase or flag, not {raw.get('on_delete')!r}")
    return AccountSpec(raw["login"], raw["profile"], raw["delete"], raw["on_delete"])


def _fields(body: bytes) -> dict[str, str]:
    """The request's JSON object as short strings (anything else: no fields)."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k)[:50]: str(v)[:MAX_FIELD_CHARS] for k, v in data.items() if isinstance(v, (str, int, float))}


class AccountStore:
    """The accounts of the apps that declare them, keyed by (app, phone); thread-safe."""

    def __init__(self, specs: dict[Path, AccountSpec]) -> None:
        self.specs = specs
        self._accounts: dict[tuple[Path, str], dict[str, Any]] = {}
        self._lock = threading.Lock()

    def answer(self, app: Path, path: str, body: bytes) -> bytes | None:
        """The response to an account endpoint of ``app`` (None: not one, the caller answers)."""
        spec = self.specs.get(app)
        if spec is None or path not in (spec.login, spec.profile, spec.delete):
            return None
        fields = _fields(body)
        phone = fields.get("phone", "")
        if not phone:
            return _json({"ok": False, "error": "phone required"})
        key = (app, phone)
        with self._lock:
            if path == spec.login:
                account = self._accounts.setdefault(key, {"phone": phone})
                return _json({"ok": True, "member": account})
            if path == spec.profile:
                self._accounts.setdefault(key, {"phone": phone}).update(fields)
                return _json({"ok": True})
            if spec.on_delete == "erase":
                self._accounts.pop(key, None)
            elif key in self._accounts:
                self._accounts[key]["deleted"] = True  # flagged, profile kept: the violation
            return _json({"ok": True})


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()
