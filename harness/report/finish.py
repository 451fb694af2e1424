"""finish_run: everything a run leaves behind once its sessions are done.

In order: sign the session manifests (--sign-key), diff against the baseline, write the reports
(report.html per run and per session, findings.json, junit.xml, flows.har, report.pdf), then the
run's own manifest as the last file (signed too), then the webhook, which writes nothing.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.evidence.manifest import is_session_folder, manifest_digest, write_manifest
from harness.report import webhook as hooks
from harness.report.data import RunData
from harness.report.diff import diff_runs, gating_findings
from harness.report.files import write_json, write_private
from harness.report.findings_json import run_findings
from harness.report.har import run_har
from harness.report.html import Integrity, render_run, render_session
from harness.report.junit import junit_xml


@dataclass
class RunOutputs:
    report: Path
    gating: list[dict[str, Any]]  # the findings --fail-on counts: all, or the new ones with a baseline
    findings: Path
    junit: Path
    har: Path
    manifest: Path
    diff: Path | None = None
    pdf: Path | None = None
    session_reports: list[Path] = field(default_factory=list)
    webhook_status: int | None = None


def finish_run(run_dir: Path, *, baseline: Path | None = None, pdf: bool = False, unmask: bool = False,
               webhook: str | None = None, webhook_format: str = "json", sign_key: Path | None = None) -> RunOutputs:
    """Write the run's reports and integrity records; return where they are and what gates the exit code."""
    from harness.evidence import signing

    if webhook_format not in hooks.FORMATS:
        raise ValueError(f"webhook format must be one of {', '.join(hooks.FORMATS)} (got {webhook_format!r})")
    key = signing.load_private(sign_key) if sign_key else None
    if baseline is not None and not (baseline / "run.json").is_file():
        raise ValueError(f"{baseline}: not a run folder (no run.json) to use as the baseline")
    run_dir = Path(run_dir)
    if key is not None:
        for folder in sorted(p for p in run_dir.iterdir() if is_session_folder(p) and (p / "manifest.json").is_file()):
            signing.sign_folder(folder, key)
    run = RunData.load(run_dir)
    diff = diff_runs(baseline, run_dir) if baseline is not None else None
    integrity = Integrity({s.name: d for s in run.sessions if (d := manifest_digest(s.dir))},
                          signing.fingerprint(key.public_key()) if key else None)
    outputs = RunOutputs(
        report=write_private(run_dir / "report.html", render_run(run, unmask=unmask, integrity=integrity, diff=diff)),
        gating=_gating(run, diff),
        findings=write_json(run_dir / "findings.json", run_findings(run)),
        junit=write_private(run_dir / "junit.xml", junit_xml(run)),
        har=write_json(run_dir / "flows.har", run_har(run, unmask=unmask)),
        manifest=run_dir / "manifest.json",
        diff=write_json(run_dir / "diff.json", diff) if diff is not None else None,
        session_reports=[write_private(s.dir / "report.html", render_session(s, unmask=unmask, integrity=integrity))
                         for s in run.sessions],
    )
    if pdf:
        from harness.report.pdf import print_pdf

        outputs.pdf = print_pdf(outputs.report, run_dir / "report.pdf")
    _drop_stale_signature(run_dir, key is not None)
    write_manifest(run_dir)  # the run's last file
    if key is not None:
        signing.sign_folder(run_dir, key)
    if webhook:
        outputs.webhook_status = _notify(webhook, webhook_format, run, outputs, diff)
    return outputs


def _drop_stale_signature(run_dir: Path, resigning: bool) -> None:
    """A run manifest rewritten without the key is no longer the signed one: its old signature goes
    (the sessions' own signatures stay valid: their manifests are never rewritten)."""
    stale = run_dir / "manifest.sig"
    if stale.is_file() and not resigning:
        stale.unlink()
        print(f"{run_dir}: the run's manifest was rewritten; its signature was removed (pass --sign-key to sign it "
              "again; the sessions stay signed)", file=sys.stderr)


def _gating(run: RunData, diff: dict[str, Any] | None) -> list[dict[str, Any]]:
    if diff is not None:
        return gating_findings(diff, run)
    return [{**f, "session": s.name} for s, f in run.findings]


def _notify(url: str, fmt: str, run: RunData, outputs: RunOutputs, diff: dict[str, Any] | None) -> int | None:
    """POST the summary; a failure is reported and never fails the run."""
    findings = [{**f, "session": s.name} for s, f in run.findings]
    data = hooks.summary(run.dir.name, str(outputs.report), findings,
                         sum(1 for s in run.sessions if s.outcome == "error"), diff)
    try:
        return hooks.post(url, hooks.payload(fmt, data))
    except Exception as exc:  # noqa: BLE001 - a notification must not change the run's result
        print(f"webhook: POST to {url} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None


def load_diff(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))
