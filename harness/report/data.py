"""What the reports read from a run folder: its sessions, their findings and per-rule conclusions.

A session folder is read as recorded (session.json, events.jsonl, findings.json and, when the
probes wrote it, rules.json). Without rules.json the rule conclusions are recomputed from the
timeline and the findings; rules no probe covers are "not tested".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from harness.event_views import SessionStart
from harness.timeline import Timeline

RULE_STATUSES = ("fail", "warn", "pass", "not_tested")
ATTEMPT_RE = re.compile(r"-attempt\d+$")


def read_json(path: Path, default: Any) -> Any:
    """A JSON file, or ``default`` when it is missing; a corrupt file raises naming it."""
    if not path.is_file():
        return default
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{path}: not valid JSON: {exc}") from None


@dataclass
class SessionData:
    """One recorded session as the reports see it."""

    dir: Path
    meta: dict[str, Any]
    findings: list[dict[str, Any]]
    rules_file: dict[str, Any] | None = field(default=None)

    @classmethod
    def load(cls, session_dir: Path) -> SessionData:
        rules = read_json(session_dir / "rules.json", None)
        return cls(session_dir, read_json(session_dir / "session.json", {}),
                   read_json(session_dir / "findings.json", []), rules if isinstance(rules, dict) else None)

    @property
    def name(self) -> str:
        return self.dir.name

    @cached_property
    def timeline(self) -> Timeline:
        return Timeline.load(self.dir) if (self.dir / "events.jsonl").is_file() else Timeline([])

    @property
    def start(self) -> SessionStart | None:
        return self.timeline.start

    @property
    def outcome(self) -> str:
        end = self.timeline.end
        return str(self.meta.get("outcome") or (end.outcome if end else "error"))

    @property
    def reason(self) -> str | None:
        end = self.timeline.end
        return self.meta.get("reason") or (end.reason if end else "no session_end recorded")

    @property
    def app_name(self) -> str:
        app = self.meta.get("app") or {}
        return str(app.get("name") or app.get("appid") or (self.start.appid if self.start else "?"))

    @property
    def appid(self) -> str:
        app = self.meta.get("app") or {}
        return str(app.get("appid") or (self.start.appid if self.start else "") or app.get("name") or "")

    @property
    def scenario(self) -> str:
        return str((self.meta.get("scenario") or {}).get("name") or (self.start.scenario if self.start else "?"))

    @property
    def device(self) -> str:
        return str((self.meta.get("device") or {}).get("name") or (self.start.device if self.start else "?"))

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """What makes two sessions of different runs comparable: app (appid and, for sim apps, the
        source folder: twin fixtures share an appid), scenario, device."""
        source = (self.meta.get("app") or {}).get("path") or (self.start.app_path if self.start else None)
        return (self.appid, Path(source).name if source else "", self.scenario, self.device)

    @cached_property
    def rules(self) -> dict[str, dict[str, Any]]:
        """Every catalogue rule: {"status", "findings", "why"}; rules.json when the probes wrote one."""
        from probes.rules import RULES

        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f["rule"]] = counts.get(f["rule"], 0) + 1
        if self.rules_file is not None:
            found = {k: dict(v) for k, v in self.rules_file.items() if isinstance(v, dict)}
        else:
            found = {rule_id: {"status": status, "findings": counts.get(rule_id, 0)}
                     for rule_id, status in self._statuses().items()}
        for rule_id in RULES:
            found.setdefault(rule_id, {"status": "not_tested", "findings": 0, "why": "no probe covers this rule yet"})
        for rule_id, entry in found.items():
            if entry.get("status") not in RULE_STATUSES:
                entry["status"] = "not_tested"
            entry.setdefault("findings", counts.get(rule_id, 0))
        return dict(sorted(found.items()))

    def _statuses(self) -> dict[str, str]:
        """Rule statuses from the timeline and the recorded findings (the probes' own rule_status)."""
        import probes

        if self.outcome == "error" and not self.timeline.start:
            return {}
        try:
            recorded = probes.findings_from_json(json.dumps(self.findings))
            return dict(probes.rule_status(self.timeline, recorded))
        except ValueError:
            return {f["rule"]: f.get("status", "fail") for f in self.findings}


@dataclass
class RunData:
    dir: Path
    meta: dict[str, Any]
    sessions: list[SessionData]

    @classmethod
    def load(cls, run_dir: Path) -> RunData:
        meta = read_json(run_dir / "run.json", {})
        return cls(run_dir, meta, [SessionData.load(d) for d in session_dirs(run_dir, meta)])

    @property
    def findings(self) -> list[tuple[SessionData, dict[str, Any]]]:
        return [(s, f) for s in self.sessions for f in s.findings]


def session_dirs(run_dir: Path, meta: dict[str, Any] | None = None) -> list[Path]:
    """The final sessions of a run, in run order: run.json's list, else every session folder that is
    not a kept failed attempt (NN-...-attemptK)."""
    listed = [run_dir / s["dir"] for s in (meta or {}).get("sessions", []) if isinstance(s, dict) and s.get("dir")]
    if listed:
        return [d for d in listed if d.is_dir()]
    return sorted(d for d in run_dir.iterdir()
                  if d.is_dir() and not d.is_symlink() and is_session_dir(d) and not ATTEMPT_RE.search(d.name))


def is_session_dir(path: Path) -> bool:
    return (path / "events.jsonl").is_file() or (path / "session.json").is_file()


def is_run_dir(path: Path) -> bool:
    return path.is_dir() and (path / "run.json").is_file()
