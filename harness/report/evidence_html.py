"""The evidence of one finding as HTML: screenshots with the dialog's controls boxed, the timeline
around it, the flows with their personal data highlighted, the call stacks.

Every string here comes from a recorded session (UI text, traffic, mini program code) and is
attacker-controlled: it is escaped with ``e`` (quotes too) and personal data goes through the Masker.
"""

from __future__ import annotations

import base64
import json
import struct
from html import escape
from pathlib import Path
from typing import Any

from mitmproxy import http

from harness.event_views import (
    ApiCall,
    Consent,
    Event,
    Flow,
    Lifecycle,
    NativeCall,
    Prompt,
    SessionEnd,
    SessionStart,
    Step,
    StorageWrite,
    UISnapshot,
)
from harness.report.masking import Masker
from harness.timeline import Timeline

TIMELINE_CONTEXT = 4  # events shown before the first and after the last evidence event
MAX_TIMELINE_ROWS = 40
MAX_IMAGE_BYTES = 8 * 1024 * 1024


def e(value: Any) -> str:
    """HTML-escape anything, quotes included (safe in text and in quoted attributes)."""
    return escape("" if value is None else str(value), quote=True)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG (from its IHDR), None for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return (width, height) if width and height else None
    return None


def data_uri(session_dir: Path, relative: str) -> tuple[str, tuple[int, int] | None] | None:
    """A screenshot of the session as a data: URI (PNG or JPEG only, inside the session folder)."""
    root = session_dir.resolve()
    path = (session_dir / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file() or path.stat().st_size > MAX_IMAGE_BYTES:
        return None
    data = path.read_bytes()
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        mime = "image/png"
    elif data[:3] == b"\xff\xd8\xff":
        mime = "image/jpeg"
    else:
        return None
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}", image_size(data)


def screenshot_html(session_dir: Path, event: Event, masker: Masker, caption: str) -> str:
    """A screenshot with a box over each button of the dialog (from the Prompt's recorded bounds)."""
    shot = getattr(event, "screenshot", None)
    found = data_uri(session_dir, shot) if shot else None
    if found is None:
        return f"<p class='missing'>screenshot {e(shot)} is missing</p>" if shot else ""
    uri, size = found
    boxes = []
    if isinstance(event, Prompt) and size:
        width, height = size
        for button in event.buttons:
            if not button.bounds:
                continue
            x, y, w, h = button.bounds
            style = (f"left:{100 * x / width:.2f}%;top:{100 * y / height:.2f}%;"
                     f"width:{100 * w / width:.2f}%;height:{100 * h / height:.2f}%")
            boxes.append(f"<div class='box {e(button.role)}' style='{style}'>"
                         f"<span>{e(masker.text(button.text))} · {e(button.role)}</span></div>")
    return (f"<figure><div class='shot'><img src='{uri}' alt='{e(shot)}'>{''.join(boxes)}</div>"
            f"<figcaption>{e(caption)} · <code>{e(shot)}</code></figcaption></figure>")


def relative_s(event: Event, timeline: Timeline) -> str:
    start = timeline.events[0].t if timeline.events else event.t
    return f"{(event.t - start) / 1e9:.2f} s"


def summary(event: Event, masker: Masker) -> str:
    """One line about an event, masked, as plain text (the caller escapes it)."""
    match event:
        case Step():
            target = f" {masker.text(event.target)}" if event.target else ""
            detail = f" ({masker.text(event.detail)})" if event.detail else ""
            return f"step {event.index + 1}: {event.action}{target} → {event.result}{detail}"
        case Prompt():
            buttons = ", ".join(masker.text(b.text) for b in event.buttons) or "none"
            words = masker.text(" ".join(event.texts))[:160]
            return f"{event.prompt_kind} “{masker.text(event.title or '')}” {words} [buttons: {buttons}]"
        case Consent():
            return f"consent {event.action} {event.subject} ({masker.text(event.how)})"
        case ApiCall():
            state = "no result" if event.ok is None else ("ok" if event.ok else f"fail {masker.text(event.err_msg)}")
            args = json.dumps(masker.masked_value(event.args), ensure_ascii=False)[:160] if event.args else ""
            category = f" [{event.category}]" if event.category else ""
            return f"wx.{event.api}({args}) → {state}{category}"
        case NativeCall():
            return f"{event.api}{' [' + event.category + ']' if event.category else ''}"
        case Flow():
            pi = ", ".join(sorted({m.type for m in event.pi}))
            return (f"{event.method} {masker.url(event.url)} → {event.status if event.status is not None else '-'}"
                    + (f" [PI: {pi}]" if pi else "") + (f" ({masker.text(event.error)})" if event.error else ""))
        case StorageWrite():
            return f"setStorage {masker.text(event.key)} ({event.value_class})"
        case Lifecycle():
            return f"{event.event} {masker.text(event.page or '')} {masker.text(event.detail or '')}".strip()
        case UISnapshot():
            return f"screenshot {event.screenshot or ''}"
        case SessionStart():
            return f"session start: {event.appid} on {event.device}, scenario {event.scenario}"
        case SessionEnd():
            return f"session end: {event.outcome} {masker.text(event.reason or '')}".strip()
    return event.kind


def timeline_html(timeline: Timeline, evidence: list[int], masker: Masker) -> str:
    """The events around the evidence, evidence rows highlighted, times relative to session start."""
    positions = sorted(timeline.position(s) for s in evidence if s in timeline.by_seq)
    if not positions:
        return ""
    first = max(0, positions[0] - TIMELINE_CONTEXT)
    last = min(len(timeline.events), positions[-1] + TIMELINE_CONTEXT + 1)
    rows = []
    cited = set(evidence)
    window = timeline.events[first:last]
    if len(window) > MAX_TIMELINE_ROWS:  # keep the evidence rows and their neighbours
        keep = {p + d for p in positions for d in (-1, 0, 1)}
        window = [ev for i, ev in enumerate(timeline.events[first:last], start=first) if i in keep]
    for ev in window:
        cls = " class='cited'" if ev.seq in cited else ""
        rows.append(f"<tr{cls}><td>{e(relative_s(ev, timeline))}</td><td>#{ev.seq}</td><td>{e(ev.source)}</td>"
                    f"<td>{e(ev.kind)}</td><td>{e(summary(ev, masker))}</td></tr>")
    return ("<table class='timeline'><tr><th>time</th><th>seq</th><th>source</th><th>kind</th><th>what</th></tr>"
            + "".join(rows) + "</table>")


def _headers_html(message: http.Message, masker: Masker) -> str:
    lines = []
    for name, value in message.headers.items(multi=True):
        shown, pi = masker.header_value(name, value)
        value_html = f"<mark>{e(shown)}</mark>" if pi else e(shown)
        lines.append(f"{e(name)}: {value_html}")
    return "\n".join(lines)


def flow_html(event: Flow, recorded: http.HTTPFlow | None, masker: Masker) -> str:
    """A flow: request line, personal-data matches, headers and bodies with the data marked."""
    matches = "".join(f"<tr><td>{e(m.type)}</td><td><code>{e(m.location)}</code></td><td><mark>{e(m.masked)}</mark></td>"
                      f"<td>{e(m.confidence)}</td></tr>" for m in event.pi)
    parts = [
        f"<div class='flow'><div class='reqline'>{e(event.method)} <code>{e(masker.url(event.url))}</code> → "
        f"{e(event.status if event.status is not None else 'no response')} · {e(event.scheme)}"
        + (f" · {e(event.tls_version)}" if event.tls_version else " · no TLS") + f" · flow <code>{e(event.flow_id)}</code></div>"
    ]
    if matches:
        parts.append("<table><tr><th>personal data</th><th>where</th><th>value (masked)</th><th>confidence</th></tr>"
                     f"{matches}</table>")
    if recorded is None:
        parts.append("<p class='missing'>not found in flows.mitm</p>")
    else:
        request = recorded.request
        parts.append(f"<details open><summary>request</summary><pre>{_headers_html(request, masker)}\n\n"
                     f"{masker.body_html(request.get_content(strict=False) or b'', request.headers.get('content-type'))}</pre></details>")
        if recorded.response is not None:
            response = recorded.response
            parts.append(f"<details><summary>response {e(response.status_code)}</summary><pre>{_headers_html(response, masker)}"
                         f"\n\n{masker.body_html(response.get_content(strict=False) or b'', response.headers.get('content-type'))}"
                         "</pre></details>")
    parts.append("</div>")
    return "".join(parts)


def stack_html(event: ApiCall | NativeCall, masker: Masker) -> str:
    if not event.stack:
        return ""
    lines = "\n".join(masker.text(line) for line in event.stack[:80])
    return f"<details><summary>call stack of {e(event.api)} (#{event.seq})</summary><pre>{e(lines)}</pre></details>"


def nearest_screen(timeline: Timeline, evidence: list[int]) -> Event | None:
    """The first screenshot taken at or after the first evidence event: what the screen showed then."""
    cited = [timeline.by_seq[s] for s in evidence if s in timeline.by_seq]
    if not cited:
        return None
    first_t = min(ev.t for ev in cited)
    return next((ev for ev in timeline.events if ev.t >= first_t and getattr(ev, "screenshot", None)), None)
