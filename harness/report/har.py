"""HAR 1.2 export of a run's recorded flows (one page per session), masked unless --unmask.

Read from each session's flows.mitm with mitmproxy's own reader. Personal data in URLs, headers
and bodies is masked by the same Masker as the HTML report; cookies are left out (they are in the
headers, masked there) because HAR cookies would repeat them unmasked.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from mitmproxy import http

from harness import __version__
from harness.capture.proxy import read_flows
from harness.report.data import RunData, SessionData
from harness.report.masking import Masker, session_canaries

MAX_BODY_CHARS = 64 * 1024


def session_flows(session_dir: Path) -> dict[str, http.HTTPFlow]:
    """flow id -> HTTP flow of a session's flows.mitm (empty when there is none)."""
    path = session_dir / "flows.mitm"
    if not path.is_file():
        return {}
    return {f.id: f for f in read_flows(path) if isinstance(f, http.HTTPFlow)}


def _iso(timestamp: float | None) -> str:
    return datetime.fromtimestamp(timestamp or 0, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _ms(start: float | None, end: float | None) -> float:
    return round(max(0.0, (end - start) * 1000), 3) if start and end else -1


def _headers(message: http.Message, masker: Masker) -> list[dict[str, str]]:
    return [{"name": k, "value": masker.header_value(k, v)[0]} for k, v in message.headers.items(multi=True)]


def _text(message: http.Message, masker: Masker) -> tuple[str, str | None]:
    """(text, encoding) of a body for HAR: masked JSON/text, base64 for binary (never masked: opaque)."""
    body = message.get_content(strict=False) or b""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(body[:MAX_BODY_CHARS]).decode("ascii"), "base64"
    if masker.unmask:
        return text[:MAX_BODY_CHARS], None
    try:
        return json.dumps(masker.masked_value(json.loads(text)), ensure_ascii=False)[:MAX_BODY_CHARS], None
    except ValueError:
        return masker.text(text)[:MAX_BODY_CHARS], None


def entry(flow: http.HTTPFlow, masker: Masker, page: str) -> dict[str, Any]:
    """One HAR entry. A flow without a response (refused, cut) gets status 0, as browsers export it."""
    request = flow.request
    url = masker.url(request.pretty_url)
    query = [{"name": k, "value": v} for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)]
    req_text, _ = _text(request, masker)
    req: dict[str, Any] = {
        "method": request.method, "url": url, "httpVersion": request.http_version,
        "cookies": [], "headers": _headers(request, masker), "queryString": query,
        "headersSize": -1, "bodySize": len(request.raw_content or b""),
    }
    if request.raw_content:
        req["postData"] = {"mimeType": request.headers.get("content-type", ""), "text": req_text}
    response = flow.response
    if response is not None:
        text, encoding = _text(response, masker)
        content: dict[str, Any] = {"size": len(response.get_content(strict=False) or b""),
                                   "mimeType": response.headers.get("content-type", ""), "text": text}
        if encoding:
            content["encoding"] = encoding
        resp: dict[str, Any] = {
            "status": response.status_code, "statusText": response.reason or "", "httpVersion": response.http_version,
            "cookies": [], "headers": _headers(response, masker), "content": content,
            "redirectURL": masker.url(response.headers.get("location", "")), "headersSize": -1,
            "bodySize": len(response.raw_content or b""),
        }
        end = response.timestamp_end
    else:
        resp = {"status": 0, "statusText": "", "httpVersion": request.http_version, "cookies": [], "headers": [],
                "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1, "bodySize": -1,
                "_error": masker.text(flow.error.msg) if flow.error else "no response"}
        end = request.timestamp_end
    total = _ms(request.timestamp_start, end)
    return {
        "pageref": page, "startedDateTime": _iso(request.timestamp_start), "time": max(total, 0),
        "request": req, "response": resp, "cache": {},
        "timings": {"send": 0, "wait": max(total, 0), "receive": 0},
        "_flowId": flow.id,
    }


def session_har_entries(session: SessionData, masker: Masker) -> list[dict[str, Any]]:
    return [entry(f, masker, session.name) for f in session_flows(session.dir).values()]


def run_har(run: RunData, *, unmask: bool = False) -> dict[str, Any]:
    """The HAR log of a run: a page per session, its flows as entries."""
    pages, entries = [], []
    for session in run.sessions:
        masker = Masker(session_canaries(session.dir), unmask=unmask)
        found = session_har_entries(session, masker)
        started = session.meta.get("started") or (found[0]["startedDateTime"] if found else _iso(0))
        pages.append({"startedDateTime": started, "id": session.name,
                      "title": f"{session.app_name} · {session.scenario} · {session.device}", "pageTimings": {}})
        entries.extend(found)
    return {"log": {"version": "1.2", "creator": {"name": "miniprobe", "version": __version__},
                    "pages": pages, "entries": entries,
                    "comment": "personal data unmasked" if unmask else "personal data masked"}}
