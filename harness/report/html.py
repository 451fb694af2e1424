"""The HTML evidence report of a run and of each session, laid out like a bought compliance report:
basic information, overall conclusion, per-rule conclusions, finding details with their evidence,
remedies, and the integrity of the evidence.

One self-contained file: CSS inline, screenshots as data: URIs, no script, a CSP that forbids any
fetch. Every string from a session is escaped; personal data is masked unless ``unmask``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import __version__
from harness.event_views import ApiCall, Flow, NativeCall, Prompt, Step
from harness.report.data import RunData, SessionData
from harness.report.evidence_html import (
    e,
    flow_html,
    nearest_screen,
    screenshot_html,
    stack_html,
    timeline_html,
)
from harness.report.har import session_flows
from harness.report.masking import Masker, session_canaries

STATUS_LABEL = {"fail": "fail / 不符合", "warn": "warn / 存在风险", "pass": "pass / 符合", "not_tested": "not tested / 未检测"}

_CSS = """
body{font-family:system-ui,"WenQuanYi Micro Hei",sans-serif;margin:2em auto;color:#222;max-width:1100px;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.1em} h2{font-size:1.25em;border-bottom:2px solid #345;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.1em;margin-top:1.5em} table{border-collapse:collapse;width:100%;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top;font-size:.92em}
th{background:#f0f3f6} code,pre{font-family:ui-monospace,monospace;font-size:.88em}
pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap;word-break:break-all;max-height:30em;overflow:auto}
.high,.fail,.error{color:#b00020;font-weight:bold}.medium,.warn{color:#a35a00;font-weight:bold}.low{color:#555}
.pass,.ok{color:#0a7d32;font-weight:bold}.not_tested,.failed{color:#666}
.verdict{font-size:1.2em;padding:.8em 1em;border-radius:6px;margin:1em 0;border:2px solid}
.verdict.fail{background:#fdecee;border-color:#b00020}.verdict.warn{background:#fff4e0;border-color:#a35a00}
.verdict.pass{background:#eaf7ee;border-color:#0a7d32}.verdict.error{background:#f3f3f3;border-color:#666}
.finding{border:1px solid #ccc;border-left:6px solid #b00020;border-radius:4px;padding:.6em 1em;margin:1em 0;
 page-break-inside:avoid}.finding.concern{border-left-color:#a35a00}.timeline td:first-child{white-space:nowrap}
.finding h4{margin:.2em 0 .5em}.remedy{background:#eef6ee;padding:.4em .6em;border-radius:4px}
figure{display:inline-block;margin:.4em 1em .4em 0;vertical-align:top}figcaption{font-size:.8em;color:#555}
.shot{position:relative;display:inline-block;max-width:300px}.shot img{width:100%;display:block;border:1px solid #999}
.box{position:absolute;border:3px solid #e0004d;box-sizing:border-box}.box.reject{border-color:#0a7d32}
.box span{position:absolute;top:-1.5em;left:0;background:#e0004d;color:#fff;font-size:.7em;padding:0 .3em;white-space:nowrap}
.box.reject span{background:#0a7d32} tr.cited td{background:#fff3b0} mark{background:#ffd54f}
.unmasked{background:#b00020;color:#fff;padding:.5em 1em;font-weight:bold}.missing{color:#b00020}
.flow{border:1px dashed #999;padding:.4em .6em;margin:.5em 0}.reqline{font-weight:bold;word-break:break-all}
.small{font-size:.85em;color:#555} @media print{h2{page-break-before:auto}.finding,figure{page-break-inside:avoid}
pre{max-height:none}}
"""
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


@dataclass
class Integrity:
    """What the report says about the evidence's integrity: manifest hashes and the signing key."""

    manifests: dict[str, str] = field(default_factory=dict)  # session name -> SHA-256 of manifest.json
    key_fingerprint: str | None = None  # SHA-256 of the ed25519 public key (raw bytes)


def _page(title: str, body: str, *, unmask: bool) -> str:
    banner = ("<p class='unmasked'>UNMASKED: this report shows personal data in clear (--unmask). "
              "Handle it as personal data. / 本报告包含未脱敏个人信息</p>" if unmask else "")
    return ("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"{_CSP}\">"
            "<meta name='referrer' content='no-referrer'>"
            f"<title>{e(title)}</title><style>{_CSS}</style></head><body>{banner}{body}"
            f"<p class='small'>miniprobe {e(__version__)} · generated {e(_now())}</p></body></html>")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _table(rows: list[tuple[str, str]]) -> str:
    """A two-column key/value table; values are HTML already escaped by the caller."""
    return "<table>" + "".join(f"<tr><th>{e(k)}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"


def _status(status: str) -> str:
    return f"<span class='{e(status)}'>{e(STATUS_LABEL.get(status, status))}</span>"


# ---------------------------------------------------------------------------------------------- facts


def _session_facts(s: SessionData) -> list[tuple[str, str]]:
    start = s.start
    app = s.meta.get("app") or {}
    probes = ", ".join(f"{k} {v}" for k, v in sorted((start.probe_versions if start else {}).items()))
    return [
        ("Mini program / 小程序", f"{e(s.app_name)} (<code>{e(s.appid)}</code>)"),
        ("Version / 版本", e(f"{start.env_version if start else '?'}" + (f", {app['version']}" if app.get("version") else ""))),
        ("Device / 设备", e(f"{s.device} ({start.device_kind if start else '?'})")),
        ("WeChat / 微信版本", e(start.wechat_version if start else "?")),
        ("Base library / 基础库", e((start.base_library if start else None) or app.get("lib_version") or "?")),
        ("Scenario / 场景", e(s.scenario)),
        ("Tested / 检测时间", e(f"{s.meta.get('started') or '?'} – {s.meta.get('ended') or '?'}")),
        ("Outcome / 结果", f"<span class='{e(s.outcome)}'>{e(s.outcome)}</span>" + (f": {e(s.reason)}" if s.reason else "")),
        ("Tool / 工具", e(f"miniprobe {s.meta.get('tool_version') or (start.tool_version if start else '?')}")),
        ("Probes / 检测项版本", e(probes or "?")),
    ]


def _run_facts(run: RunData) -> list[tuple[str, str]]:
    apps = sorted({f"{s.app_name} ({s.appid})" for s in run.sessions})
    starts = [s.start for s in run.sessions if s.start]
    wechat = sorted({str(x.wechat_version) for x in starts if x.wechat_version})
    libs = sorted({str(x.base_library) for x in starts if x.base_library})
    envs = sorted({x.env_version for x in starts})
    probes = sorted({f"{k} {v}" for x in starts for k, v in x.probe_versions.items()})
    return [
        ("Suite / 测试套件", e(run.meta.get("suite") or run.dir.name)),
        ("Mini programs / 小程序", e("; ".join(apps) or "?")),
        ("Version / 版本", e(", ".join(envs) or "?")),
        ("Devices / 设备", e(", ".join(sorted({s.device for s in run.sessions})) or "?")),
        ("WeChat / 微信版本", e(", ".join(wechat) or "?")),
        ("Base library / 基础库", e(", ".join(libs) or "?")),
        ("Scenarios / 场景", e(", ".join(dict.fromkeys(s.scenario for s in run.sessions)) or "?")),
        ("Tested / 检测时间", e(f"{run.meta.get('started', '?')} – {run.meta.get('ended', '?')}")),
        ("Tool / 工具", e(f"miniprobe {__version__}")),
        ("Probes / 检测项版本", e(", ".join(probes) or "?")),
    ]


# ---------------------------------------------------------------------------------------------- conclusions


def verdict(sessions: list[SessionData]) -> tuple[str, str]:
    """(css class, sentence) of the overall conclusion over the sessions."""
    findings = [f for s in sessions for f in s.findings]
    errors = [s for s in sessions if s.outcome == "error"]
    fails = sorted({f["rule"] for f in findings if f.get("status", "fail") == "fail"})
    warns = sorted({f["rule"] for f in findings if f.get("status") == "warn"})
    incomplete = f" {len(errors)} of {len(sessions)} session(s) did not complete: the result is incomplete." if errors else ""
    if fails:
        return "fail", (f"Non-compliant / 不合规: {len(findings)} finding(s); rules violated: {', '.join(fails)}"
                        + (f"; concerns: {', '.join(warns)}" if warns else "") + "." + incomplete)
    if warns:
        return "warn", f"Concerns / 存在风险: {len(findings)} finding(s) under {', '.join(warns)}." + incomplete
    if errors:
        return "error", "Incomplete / 检测未完成: no finding, but" + incomplete
    return "pass", ("No violation found in the tested scenarios / 在所测场景中未发现违规. "
                    "Rules marked not tested were not covered by these scenarios.")


def combined_rules(sessions: list[SessionData]) -> dict[str, dict[str, Any]]:
    """Per rule over the sessions: the worst status, how many sessions had each status, findings."""
    order = ("fail", "warn", "pass", "not_tested")
    out: dict[str, dict[str, Any]] = {}
    for s in sessions:
        for rule_id, entry in s.rules.items():
            row = out.setdefault(rule_id, {"status": "not_tested", "findings": 0, **{k: 0 for k in order}})
            status = entry.get("status", "not_tested")
            row[status] += 1
            row["findings"] += int(entry.get("findings") or 0)
            if order.index(status) < order.index(row["status"]):
                row["status"] = status
    return dict(sorted(out.items()))


def _rules_table(rules: dict[str, dict[str, Any]], *, per_session: bool) -> str:
    from probes.rules import RULES

    head = ("<tr><th>Rule</th><th>Title</th><th>Severity</th><th>Conclusion</th><th>Findings</th>"
            + ("<th>Why</th>" if per_session else "<th>fail</th><th>warn</th><th>pass</th><th>not tested</th>") + "</tr>")
    rows = []
    for rule_id, row in rules.items():
        rule = RULES.get(rule_id)
        cells = (f"<td>{e(row.get('why', ''))}</td>" if per_session
                 else "".join(f"<td>{e(row[k])}</td>" for k in ("fail", "warn", "pass", "not_tested")))
        rows.append(f"<tr><td><code>{e(rule_id)}</code></td><td>{e(rule.title if rule else '')}</td>"
                    f"<td class='{e(rule.severity if rule else '')}'>{e(rule.severity if rule else '')}</td>"
                    f"<td>{_status(row.get('status', 'not_tested'))}</td><td>{e(row.get('findings', 0))}</td>{cells}</tr>")
    counts = {k: sum(1 for r in rules.values() if r.get("status") == k) for k in STATUS_LABEL}
    tally = " · ".join(f"{_status(k)}: {v}" for k, v in counts.items())
    return f"<p>{tally}</p><table>{head}{''.join(rows)}</table>"


# ---------------------------------------------------------------------------------------------- findings


def finding_html(s: SessionData, finding: dict[str, Any], masker: Masker, flows: dict[str, Any]) -> str:
    timeline = s.timeline
    evidence = [int(x) for x in finding.get("evidence", []) if isinstance(x, int)]
    events = [timeline.by_seq[x] for x in evidence if x in timeline.by_seq]
    shots = [screenshot_html(s.dir, ev, masker, f"#{ev.seq} {ev.kind}") for ev in events
             if isinstance(ev, (Prompt, Step)) and ev.screenshot]
    if not shots:
        nearest = nearest_screen(timeline, evidence)
        if nearest is not None:
            shots.append(screenshot_html(s.dir, nearest, masker, f"screen at the time (#{nearest.seq}, first screenshot after the evidence)"))
    flow_parts = [flow_html(ev, flows.get(ev.flow_id), masker) for ev in events if isinstance(ev, Flow)]
    stacks = [stack_html(ev, masker) for ev in events if isinstance(ev, (ApiCall, NativeCall))]
    status = finding.get("status", "fail")
    data = ", ".join(finding.get("data", []))
    return (
        f"<div class='finding{' concern' if status == 'warn' else ''}' id='{e(s.name)}-{e(finding.get('fingerprint'))}'>"
        f"<h4><code>{e(finding['rule'])}</code> · <span class='{e(finding['severity'])}'>{e(finding['severity'])}</span>"
        f" · {_status(status)} — {e(finding['title'])}</h4>"
        f"<p>{e(masker.text(finding['statement']))}</p>"
        + (f"<p>Personal data (masked) / 涉及个人信息: {e(data)}</p>" if data else "")
        + ("<p class='warn'>The session did not end cleanly: absence of evidence proves less.</p>" if finding.get("partial") else "")
        + (f"<h5>Screenshots / 截图</h5>{''.join(shots)}" if shots else "")
        + f"<h5>Timeline / 时间线</h5>{timeline_html(timeline, evidence, masker)}"
        + (f"<h5>Flows / 网络请求</h5>{''.join(flow_parts)}" if flow_parts else "")
        + (f"<h5>Call stacks / 调用栈</h5>{''.join(x for x in stacks if x)}" if any(stacks) else "")
        + f"<p class='remedy'><b>Remedy / 整改建议:</b> {e(finding.get('remedy', ''))}</p>"
        f"<p class='small'>probe {e(finding.get('probe'))} · fingerprint <code>{e(finding.get('fingerprint'))}</code>"
        f" · evidence events {e(', '.join('#' + str(x) for x in evidence))}</p></div>"
    )


def session_section(s: SessionData, *, unmask: bool, level: str = "h2") -> str:
    masker = Masker(session_canaries(s.dir), unmask=unmask)
    flows = session_flows(s.dir) if any(f.get("flows") for f in s.findings) else {}
    body = "".join(finding_html(s, f, masker, flows) for f in s.findings) or "<p class='ok'>No findings / 未发现问题.</p>"
    return (f"<section id='{e(s.name)}'><{level}>Session {e(s.name)}</{level}>{_table(_session_facts(s))}"
            f"<h3>Rule conclusions / 分项结论</h3>{_rules_table(s.rules, per_session=True)}"
            f"<h3>Findings / 问题详情 ({len(s.findings)})</h3>{body}</section>")


def _remedies(sessions: list[SessionData]) -> str:
    from probes.rules import RULES

    failing = sorted({f["rule"] for s in sessions for f in s.findings})
    if not failing:
        return "<p>Nothing to remedy in the tested scenarios.</p>"
    rows = "".join(f"<tr><td><code>{e(r)}</code></td><td>{e(RULES[r].title if r in RULES else '')}</td>"
                   f"<td>{e(RULES[r].remedy if r in RULES else '')}</td></tr>" for r in failing)
    return ("<table><tr><th>Rule</th><th>Title</th><th>Remedy / 整改建议</th></tr>" + rows + "</table>"
            "<p class='small'>From the rule catalogue (RULES.md).</p>")


def _integrity_html(integrity: Integrity | None) -> str:
    if integrity is None or not integrity.manifests:
        return "<p>No integrity manifest was recorded.</p>"
    key = (f"<p>Manifests signed with ed25519 key <code>SHA256:{e(integrity.key_fingerprint)}</code> "
           "(check with <code>miniprobe verify --pubkey KEY.pub</code>).</p>" if integrity.key_fingerprint
           else "<p>Manifests are not signed.</p>")
    rows = "".join(f"<tr><td>{e(n)}</td><td><code>{e(h)}</code></td></tr>" for n, h in integrity.manifests.items())
    return (key + "<table><tr><th>Session</th><th>SHA-256 of manifest.json</th></tr>" + rows + "</table>"
            "<p class='small'><code>miniprobe verify FOLDER</code> recomputes every file's SHA-256 against its manifest.</p>")


def _diff_html(diff: dict[str, Any] | None) -> str:
    if not diff:
        return ""
    counts = diff.get("counts", {})
    rows = "".join(f"<tr><td>{e(f['class'])}</td><td>{e(f['session'])}</td><td><code>{e(f['rule'])}</code></td>"
                   f"<td>{e(f.get('statement', ''))}</td></tr>"
                   for f in diff.get("findings", []) if f["class"] != "persisting")
    return (f"<h2>Since baseline / 与基线对比</h2><p>Baseline <code>{e(diff.get('baseline'))}</code>: "
            f"{e(counts.get('new', 0))} new, {e(counts.get('fixed', 0))} fixed, {e(counts.get('persisting', 0))} persisting.</p>"
            + (f"<table><tr><th>class</th><th>session</th><th>rule</th><th>statement</th></tr>{rows}</table>" if rows else ""))


# ---------------------------------------------------------------------------------------------- pages


def render_session(s: SessionData, *, unmask: bool = False, integrity: Integrity | None = None) -> str:
    css, sentence = verdict([s])
    body = (f"<h1>Privacy compliance test report / 隐私合规检测报告</h1><p>Session <code>{e(s.name)}</code></p>"
            f"<h2>Overall conclusion / 总体结论</h2><div class='verdict {css}'>{e(sentence)}</div>"
            f"{session_section(s, unmask=unmask)}<h2>Remedies / 整改建议</h2>{_remedies([s])}"
            f"<h2>Evidence integrity / 证据完整性</h2>{_integrity_html(integrity)}")
    return _page(f"miniprobe report {s.name}", body, unmask=unmask)


def render_run(run: RunData, *, unmask: bool = False, integrity: Integrity | None = None,
               diff: dict[str, Any] | None = None) -> str:
    css, sentence = verdict(run.sessions)
    rows = "".join(
        f"<tr><td><a href='#{e(s.name)}'>{e(s.name)}</a></td><td>{e(s.app_name)}</td><td>{e(s.scenario)}</td>"
        f"<td>{e(s.device)}</td><td class='{e(s.outcome)}'>{e(s.outcome)}</td><td>{len(s.findings)}</td>"
        f"<td>{e(' '.join(sorted({f['rule'] for f in s.findings})))}</td></tr>" for s in run.sessions)
    not_run = "".join(f"<li>{e(n.get('session'))}: {e(n.get('why'))}</li>" for n in run.meta.get("not_run", []))
    body = (
        f"<h1>Privacy compliance test report / 隐私合规检测报告</h1><p>Run <code>{e(run.dir.name)}</code></p>"
        f"<h2>1. Basic information / 基本信息</h2>{_table(_run_facts(run))}"
        f"<h2>2. Overall conclusion / 总体结论</h2><div class='verdict {css}'>{e(sentence)}</div>"
        + (f"<p class='error'>Not run:</p><ul>{not_run}</ul>" if not_run else "")
        + _diff_html(diff)
        + f"<h2>3. Rule conclusions / 分项结论</h2>{_rules_table(combined_rules(run.sessions), per_session=False)}"
        "<h3>Sessions / 测试会话</h3><table><tr><th>Session</th><th>Mini program</th><th>Scenario</th><th>Device</th>"
        f"<th>Outcome</th><th>Findings</th><th>Rules</th></tr>{rows}</table>"
        "<h2>4. Findings and evidence / 问题详情与证据</h2>"
        + "".join(session_section(s, unmask=unmask, level="h3") for s in run.sessions)
        + f"<h2>5. Remedies / 整改建议</h2>{_remedies(run.sessions)}"
        f"<h2>6. Evidence integrity / 证据完整性</h2>{_integrity_html(integrity)}"
    )
    return _page(f"miniprobe report {run.dir.name}", body, unmask=unmask)


def write_run_report(run_dir: Path, *, unmask: bool = False) -> Path:
    """report.html of a run (without integrity facts); finish_run writes the full set."""
    from harness.report.files import write_private

    return write_private(run_dir / "report.html", render_run(RunData.load(run_dir), unmask=unmask))
