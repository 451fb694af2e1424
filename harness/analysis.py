"""Findings from a recorded session folder: the one code path shared by live runs and replay."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from harness.timeline import Timeline


def findings_of(session_dir: Path) -> list[dict[str, Any]]:
    """Run every registered probe over the session's events.jsonl; nothing else is read."""
    import probes

    timeline = Timeline.load(session_dir)
    return [f.model_dump(mode="json") for f in probes.analyse(timeline)]


def findings_json(findings: list[dict[str, Any]]) -> str:
    return json.dumps(findings, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def analyse_session(session_dir: Path) -> list[dict[str, Any]]:
    """Compute the findings and write findings.json (owner-only) into the session folder."""
    findings = findings_of(session_dir)
    path = session_dir / "findings.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(findings_json(findings))
    return findings
