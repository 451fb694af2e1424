"""Run-to-run diff: each finding is new, fixed or persisting, by its fingerprint.

Sessions of two runs are compared when they ran the same app (appid, and source folder for the
sim), scenario and device. A
finding of the baseline counts as fixed only when its session ran again and completed; when the
session is missing or ended in an error, absence proves nothing and the session is listed under
``not_compared`` instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.report.data import RunData, SessionData

DIFF_SCHEMA_VERSION = 1


def _row(cls: str, session: SessionData, finding: dict[str, Any]) -> dict[str, Any]:
    return {"class": cls, "session": session.name, "app": session.appid, "scenario": session.scenario,
            "device": session.device, "rule": finding["rule"], "severity": finding["severity"],
            "status": finding.get("status", "fail"), "statement": finding["statement"],
            "fingerprint": finding["fingerprint"]}


def _by_identity(run: RunData) -> dict[tuple[str, ...], SessionData]:
    return {s.identity: s for s in run.sessions}


def diff_runs(baseline: Path, current: Path) -> dict[str, Any]:
    """The diff document (diff.json): findings classified, counts, sessions that could not be compared."""
    old_run, new_run = RunData.load(baseline), RunData.load(current)
    old, new = _by_identity(old_run), _by_identity(new_run)
    rows: list[dict[str, Any]] = []
    not_compared: list[dict[str, str]] = []
    for identity, session in new.items():
        before = old.get(identity)
        known = {f["fingerprint"] for f in before.findings} if before else set()
        for finding in session.findings:
            rows.append(_row("persisting" if finding["fingerprint"] in known else "new", session, finding))
        if before is None:
            not_compared.append({"session": session.name, "why": "not in the baseline: all its findings are new"})
    for identity, before in old.items():
        after = new.get(identity)
        if after is None or after.outcome == "error":
            why = "did not run in this run" if after is None else f"ended in an error here: {after.reason}"
            not_compared.append({"session": before.name, "why": f"baseline session {why}; its findings are not counted as fixed"})
            continue
        now = {f["fingerprint"] for f in after.findings}
        rows.extend(_row("fixed", before, f) for f in before.findings if f["fingerprint"] not in now)
    counts = {c: sum(1 for r in rows if r["class"] == c) for c in ("new", "fixed", "persisting")}
    return {"schema_version": DIFF_SCHEMA_VERSION, "baseline": str(baseline), "run": str(current),
            "counts": counts, "findings": rows, "not_compared": not_compared}


def gating_findings(diff: dict[str, Any], current: RunData) -> list[dict[str, Any]]:
    """The current run's findings that are new since the baseline (what --fail-on gates on)."""
    new = {(r["session"], r["fingerprint"]) for r in diff["findings"] if r["class"] == "new"}
    return [f for s in current.sessions for f in s.findings if (s.name, f["fingerprint"]) in new]


def diff_text(diff: dict[str, Any]) -> str:
    """The diff for a terminal: one line per new or fixed finding, then the counts."""
    lines = [f"{r['class']:10} {r['rule']:9} {r['severity']:6} {r['session']}: {r['statement']}"
             for r in diff["findings"] if r["class"] != "persisting"]
    lines += [f"not compared: {n['session']}: {n['why']}" for n in diff["not_compared"]]
    c = diff["counts"]
    lines.append(f"{c['new']} new, {c['fixed']} fixed, {c['persisting']} persisting")
    return "\n".join(lines)
