"""The run's summary as a JSON POST: our own format, or WeCom / DingTalk / Slack robot payloads.

Only masked facts go out (counts, rule ids, statements as recorded, which are masked). A webhook
that fails is reported on stderr by the caller and never changes the run's result.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

FORMATS = ("json", "wecom", "dingtalk", "slack")
TIMEOUT_S = 15
MAX_LINES = 20


def summary(run_name: str, report: str, findings: list[dict[str, Any]], errors: int,
            diff: dict[str, Any] | None) -> dict[str, Any]:
    """Our own payload (--webhook-format json)."""
    by_sev = {s: sum(1 for f in findings if f["severity"] == s) for s in ("high", "medium", "low")}
    return {"run": run_name, "report": report, "findings": len(findings), "by_severity": by_sev, "errors": errors,
            "new": diff["counts"]["new"] if diff else None, "fixed": diff["counts"]["fixed"] if diff else None,
            "items": [{"rule": f["rule"], "severity": f["severity"], "session": f.get("session"),
                       "statement": f["statement"]} for f in findings[:MAX_LINES]]}


def _markdown(data: dict[str, Any]) -> tuple[str, str]:
    """(title, markdown body) shared by WeCom and DingTalk."""
    title = f"miniprobe {data['run']}: {data['findings']} finding(s)"
    sev = data["by_severity"]
    lines = [f"### {title}", f"high {sev['high']} · medium {sev['medium']} · low {sev['low']} · errors {data['errors']}"]
    if data["new"] is not None:
        lines.append(f"new {data['new']} · fixed {data['fixed']}")
    lines += [f"- **{i['rule']}** ({i['severity']}) {i['session'] or ''}: {i['statement']}" for i in data["items"]]
    lines.append(f"report: {data['report']}")
    return title, "\n".join(lines)


def payload(fmt: str, data: dict[str, Any]) -> dict[str, Any]:
    if fmt == "json":
        return data
    title, text = _markdown(data)
    if fmt == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": text}}
    if fmt == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    if fmt == "slack":
        plain = text.replace("### ", "*", 1).replace("**", "*")
        return {"text": title, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": plain[:2900]}}]}
    raise ValueError(f"webhook format must be one of {', '.join(FORMATS)} (got {fmt!r})")


def post(url: str, body: dict[str, Any]) -> int:
    """POST the payload as JSON; return the HTTP status (raises on network errors and HTTP >= 400)."""
    request = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                     headers={"Content-Type": "application/json; charset=utf-8"}, method="POST")
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        return int(response.status)
