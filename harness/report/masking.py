"""Personal data in reports: masked by default, shown raw (still highlighted) only with --unmask.

Everything shown from a session passes through a ``Masker``: UI texts, step targets, wx API
arguments and results, flow URLs, headers and bodies. The recognisers decide what is personal data;
the session's device profile (``sim-profile.json``) adds its values as canaries. Raw values are
read from the recorded artifacts at report time and never written back into findings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from harness.capture.recognisers import find_pi_in_value, mask, redact_text, redact_url

MAX_SHOWN_CHARS = 4096  # of one body or value shown in a report


def session_canaries(session_dir: Path) -> dict[str, str]:
    """The device profile's personal data (phone number, clipboard, model, device ids) as canaries."""
    path = session_dir / "sim-profile.json"
    try:
        profile = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(profile, dict):
        return {}
    canaries: dict[str, str] = {}
    for name in ("phoneNumber", "clipboard"):
        if isinstance(profile.get(name), str) and profile[name]:
            canaries[name] = profile[name]
    model = (profile.get("system") or {}).get("model") if isinstance(profile.get("system"), dict) else None
    if model:
        canaries["device.model"] = str(model)
    ids = profile.get("deviceIds")
    if isinstance(ids, dict):
        canaries.update({f"deviceIds.{k}": str(v) for k, v in ids.items() if v})
    return canaries


class Masker:
    """Turns recorded values into display text, masking personal data unless ``unmask``.

    Values that hold personal data are wrapped in ``<mark>`` in the HTML forms, masked or raw.
    """

    def __init__(self, canaries: Mapping[str, str] | None = None, *, unmask: bool = False) -> None:
        self.canaries = dict(canaries or {})
        self.unmask = unmask

    # ------------------------------------------------------------------ plain text

    def text(self, value: object) -> str:
        """Free text (UI text, a step target, an error): phone numbers and canaries masked."""
        text = "" if value is None else str(value)
        return text if self.unmask else redact_text(text, self.canaries)

    def url(self, url: str) -> str:
        return url if self.unmask else redact_url(url, self.canaries)

    # ------------------------------------------------------------------ structured values

    def leaf(self, key: str | None, value: object) -> tuple[object, bool]:
        """(what to show, holds personal data) for one scalar of a recorded value."""
        if value is None or isinstance(value, bool):
            return value, False
        matches = find_pi_in_value({key: value} if key else value, "v", self.canaries)
        if not matches:
            return value, False
        if self.unmask:
            return value, True
        if isinstance(value, str):
            redacted = redact_text(value, self.canaries)
            if redacted != value and not find_pi_in_value({key: redacted} if key else redacted, "v", self.canaries):
                return redacted, True
        return mask(matches[0].type, str(value)), True

    def masked_value(self, value: Any) -> Any:
        """A copy of a JSON-like value with each personal-data scalar masked (or kept, with --unmask)."""
        return self._walk(value, None, lambda shown, _pi: shown)

    def value_html(self, value: Any) -> str:
        """Indented JSON of a value, escaped, with personal-data scalars in <mark> (masked by default)."""
        marks: list[str] = []

        def placeholder(shown: object, pi: bool) -> object:
            if not pi:
                return shown
            marks.append(json.dumps(shown, ensure_ascii=False))
            return f"\x00{len(marks) - 1}\x00"

        text = json.dumps(self._walk(value, None, placeholder), ensure_ascii=False, indent=1)
        html = escape(_clip(text), quote=True)
        for index, shown in enumerate(marks):  # json.dumps escapes NUL, so only placeholders hold one
            html = html.replace(f'"\x00{index}\x00"', f"<mark>{escape(shown, quote=True)}</mark>")
        return html.replace("\x00", "")

    def _walk(self, value: Any, key: str | None, emit: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): self._walk(v, str(k), emit) for k, v in list(value.items())[:500]}
        if isinstance(value, list):
            return [self._walk(v, key, emit) for v in value[:500]]
        shown, pi = self.leaf(key, value)
        return emit(shown, pi)

    def body_html(self, body: bytes, content_type: str | None) -> str:
        """An HTTP body for display: JSON or a form as marked values, other text masked, binary as its size."""
        text = body[:MAX_SHOWN_CHARS * 4].decode("utf-8", "replace")
        if not body:
            return ""
        if "\ufffd" in text[:200] and not text.strip().startswith(("{", "[")):
            return escape(f"[{len(body)} bytes, {content_type or 'binary'}]")
        try:
            return self.value_html(json.loads(text))
        except ValueError:
            pass
        if content_type and "x-www-form-urlencoded" in content_type:
            from urllib.parse import parse_qsl

            return self.value_html(dict(parse_qsl(text, keep_blank_values=True)))
        return escape(_clip(self.text(text)), quote=True)

    def header_value(self, name: str, value: str) -> tuple[str, bool]:
        shown, pi = self.leaf(name, value)
        return str(shown), pi


def _clip(text: str) -> str:
    return text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS] + f"… [{len(text)} chars]"
