"""The run-level findings JSON (findings.json in the run folder): every session's findings with its
identity and rule conclusions. Its JSON Schema is schema/run-findings.schema.json; a session's own
findings.json keeps schema/findings.schema.json."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness import __version__
from harness.report.data import RunData
from probes.finding import Finding

RUN_FINDINGS_SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleConclusion(_Model):
    status: Literal["fail", "warn", "pass", "not_tested"]
    findings: int = 0
    why: str | None = None


class SessionFindings(_Model):
    session: str = Field(description="session folder name inside the run folder")
    appid: str
    app: str
    scenario: str
    device: str
    outcome: str = Field(description="ok | failed | error")
    reason: str | None = None
    rules: dict[str, RuleConclusion] = Field(description="every catalogue rule's conclusion in this session")
    findings: list[Finding]


class RunFindings(_Model):
    schema_version: int = RUN_FINDINGS_SCHEMA_VERSION
    run: str = Field(description="run folder name")
    suite: str | None = None
    tool_version: str
    counts: dict[str, int] = Field(description="findings: total; high/medium/low: by severity; sessions; errors")
    sessions: list[SessionFindings]


def run_findings(run: RunData) -> dict[str, Any]:
    """The run's findings document (validated by the model before it is returned)."""
    sessions = [
        SessionFindings(
            session=s.name, appid=s.appid, app=s.app_name, scenario=s.scenario, device=s.device, outcome=s.outcome,
            reason=s.reason,
            rules={k: RuleConclusion(status=v["status"], findings=int(v.get("findings") or 0), why=v.get("why"))
                   for k, v in s.rules.items()},
            findings=[Finding.model_validate(f) for f in s.findings],
        )
        for s in run.sessions
    ]
    all_findings = [f for s in run.sessions for f in s.findings]
    counts = {"findings": len(all_findings), "sessions": len(run.sessions),
              "errors": sum(1 for s in run.sessions if s.outcome == "error")}
    counts.update({sev: sum(1 for f in all_findings if f["severity"] == sev) for sev in ("high", "medium", "low")})
    doc = RunFindings(run=run.dir.name, suite=run.meta.get("suite"), tool_version=__version__, counts=counts,
                      sessions=sessions)
    return doc.model_dump(mode="json")


def run_findings_schema() -> dict[str, Any]:
    schema = RunFindings.model_json_schema()
    schema["$id"] = f"https://miniprobe.dev/schema/run-findings-v{RUN_FINDINGS_SCHEMA_VERSION}.json"
    schema["title"] = "miniprobe findings of one run"
    return schema
