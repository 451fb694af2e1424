"""Findings and rule statuses of a recorded session folder: the one code path of live runs and replay.

The probe configuration a session ran with is saved beside its events (probe-config.json) and read
back here, so a replay months later computes exactly what the live run did.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

import probes
from harness.timeline import Timeline

PROBE_CONFIG_FILE = "probe-config.json"


@dataclass(frozen=True)
class Analysis:
    """What write_analysis wrote: the findings (as in findings.json) and the per-rule report (rules.json)."""

    findings: list[dict[str, Any]]
    rules: dict[str, dict[str, Any]]


def probe_config_of(session_dir: Path) -> probes.ProbeConfig:
    """The session's probe configuration (probe-config.json); the defaults when the session has none."""
    path = session_dir / PROBE_CONFIG_FILE
    if not path.is_file():
        return probes.ProbeConfig()
    try:
        return probes.ProbeConfig.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise ValueError(f"{path}: {field}: {err['msg']}") from None


def _analyse(session_dir: Path) -> tuple[Timeline, probes.ProbeConfig, list[probes.Finding]]:
    timeline = Timeline.load(session_dir)
    config = probe_config_of(session_dir)
    return timeline, config, probes.analyse(timeline, config)


def findings_of(session_dir: Path) -> str:
    """The findings.json text of a session from events.jsonl and probe-config.json alone (no writes)."""
    _, _, findings = _analyse(session_dir)
    return probes.findings_to_json(findings)


def rules_of(session_dir: Path) -> str:
    """The rules.json text of a session: every catalogue rule's status, finding count, probes and why."""
    timeline, config, findings = _analyse(session_dir)
    return _rules_json(probes.rule_report(timeline, findings, config))


def _rules_json(report: Mapping[str, probes.RuleResult]) -> str:
    return json.dumps({r: result.to_json() for r, result in report.items()}, ensure_ascii=False, indent=2)


def _write_private(path: Path, text: str) -> None:
    """Owner-only: findings quote masked personal data, the config names the service under test."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def save_probe_config(session_dir: Path, settings: Mapping[str, Any] | probes.ProbeConfig | None) -> Path:
    """Write the effective probe configuration (every field, defaults included) as probe-config.json."""
    if isinstance(settings, probes.ProbeConfig):
        config = settings
    else:
        config = probes.ProbeConfig.model_validate(dict(settings or {}))
    path = session_dir / PROBE_CONFIG_FILE
    _write_private(path, config.model_dump_json(indent=2))
    return path


def write_analysis(
    session_dir: Path, probe_config: Mapping[str, Any] | probes.ProbeConfig | None = None
) -> Analysis:
    """Compute findings.json and rules.json of a session folder and write them (owner-only).

    With ``probe_config`` (the suite/scenario `probes:` settings) the effective configuration is saved
    first as probe-config.json; without it an existing probe-config.json is used, else the defaults.
    """
    if probe_config is not None:
        save_probe_config(session_dir, probe_config)
    timeline, config, findings = _analyse(session_dir)
    report = probes.rule_report(timeline, findings, config)
    text = probes.findings_to_json(findings)
    _write_private(session_dir / "findings.json", text)
    _write_private(session_dir / "rules.json", _rules_json(report))
    return Analysis(
        findings=[f.model_dump(mode="json") for f in findings],
        rules={r: result.to_json() for r, result in report.items()},
    )
