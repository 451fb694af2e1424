"""Findings from a recorded session folder: the one code path shared by live runs and replay."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import probes
from harness.timeline import Timeline


def findings_of(session_dir: Path) -> str:
    """The findings.json text of a session: every registered probe over events.jsonl, nothing else read."""
    timeline = Timeline.load(session_dir)
    return probes.findings_to_json(probes.analyse(timeline))


def analyse_session(session_dir: Path) -> list[dict[str, Any]]:
    """Compute the findings, write findings.json (owner-only) into the session folder, return them."""
    text = findings_of(session_dir)
    path = session_dir / "findings.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return [f.model_dump(mode="json") for f in probes.findings_from_json(text)]
