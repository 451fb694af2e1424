"""A first HTML report of a run: sessions, findings, their evidence screenshots and remedies.

Every string from a session (UI text, traffic, mini program code) is escaped.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from harness.timeline import Prompt, Step, Timeline

_CSS = """
body{font-family:system-ui,"WenQuanYi Micro Hei",sans-serif;margin:2em;color:#222;max-width:1100px}
h1{font-size:1.5em} h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%} td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
.high{color:#b00020;font-weight:bold}.medium{color:#b36b00;font-weight:bold}.low{color:#555}
.ok{color:#0a7d32}.error,.failed{color:#b00020}.finding{border:1px solid #eee;border-radius:6px;padding:.6em 1em;margin:.8em 0}
.finding img{max-width:240px;border:1px solid #ccc;margin:.3em .3em 0 0}.remedy{background:#f3f8f3;padding:.4em .6em}
code{background:#f5f5f5;padding:0 .2em}
"""


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _session_section(session_dir: Path) -> str:
    meta = json.loads((session_dir / "session.json").read_text()) if (session_dir / "session.json").exists() else {}
    findings = json.loads((session_dir / "findings.json").read_text()) if (session_dir / "findings.json").exists() else []
    timeline = Timeline.load(session_dir)
    shots = {e.seq: e.screenshot for e in timeline.events if isinstance(e, (Prompt, Step)) and e.screenshot}
    outcome = meta.get("outcome", "unknown")
    parts = [
        f"<h2>{_e(session_dir.name)}</h2>",
        f"<p>App <code>{_e(meta.get('app', {}).get('name', ''))}</code> ({_e(meta.get('app', {}).get('appid', ''))}),"
        f" scenario <code>{_e(meta.get('scenario', {}).get('name', ''))}</code>,"
        f" outcome <span class='{_e(outcome)}'>{_e(outcome)}</span>"
        + (f": {_e(meta['reason'])}" if meta.get("reason") else "") + "</p>",
    ]
    if not findings:
        parts.append("<p class='ok'>No findings.</p>")
    for f in findings:
        images = "".join(
            f"<a href='{_e(session_dir.name + '/' + shots[s])}'><img src='{_e(session_dir.name + '/' + shots[s])}' alt='evidence'></a>"
            for s in f.get("evidence", []) if s in shots
        )
        parts.append(
            "<div class='finding'>"
            f"<div><span class='{_e(f['severity'])}'>{_e(f['rule'])} · {_e(f['severity'])}</span> {_e(f['title'])}</div>"
            f"<p>{_e(f['statement'])}</p>"
            + (f"<p>Personal data (masked): {_e(', '.join(f.get('data', [])))}</p>" if f.get("data") else "")
            + f"<p>Evidence events: {_e(', '.join(str(s) for s in f.get('evidence', [])))}</p>{images}"
            f"<p class='remedy'>Remedy: {_e(f.get('remedy', ''))}</p></div>"
        )
    return "\n".join(parts)


def write_run_report(run_dir: Path) -> Path:
    sessions = sorted(p for p in run_dir.iterdir() if (p / "events.jsonl").exists())
    rows = []
    for s in sessions:
        meta = json.loads((s / "session.json").read_text()) if (s / "session.json").exists() else {}
        rows.append(
            f"<tr><td>{_e(s.name)}</td><td class='{_e(meta.get('outcome', ''))}'>{_e(meta.get('outcome', '?'))}</td>"
            f"<td>{_e(meta.get('findings', '?'))}</td><td>{_e(' '.join(meta.get('rules', [])))}</td></tr>"
        )
    html = (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'\">"
        f"<title>miniprobe report {_e(run_dir.name)}</title><style>{_CSS}</style></head><body>"
        f"<h1>miniprobe report · {_e(run_dir.name)}</h1>"
        "<table><tr><th>Session</th><th>Outcome</th><th>Findings</th><th>Rules</th></tr>" + "".join(rows) + "</table>"
        + "".join(_session_section(s) for s in sessions)
        + "</body></html>"
    )
    path = run_dir / "report.html"
    path.write_text(html, encoding="utf-8")
    return path
