"""Probes: pure functions from a recorded session (Timeline) to findings.

    findings = probes.analyse(timeline)              # every registered probe, merged and ordered
    statuses = probes.rule_status(timeline, findings) # {"CON-001": "fail", "SEC-001": "not_tested", ...}
    report = probes.rule_report(timeline, findings)   # the same with finding counts, probes and why
    text = probes.findings_to_json(findings)

A probe is one module in this package with one function decorated by ``@probe(...)``
(see probes/registry.py); ``load_probes()`` imports them all.
"""

from probes.analysis import RuleResult, analyse, rule_report, rule_status
from probes.config import ProbeConfig
from probes.finding import (
    Finding,
    FindingDraft,
    RuleStatus,
    findings_from_json,
    findings_schema,
    findings_to_json,
    fingerprint,
)
from probes.registry import REGISTRY, Probe, Registry, load_probes, probe

__all__ = [
    "REGISTRY",
    "Finding",
    "FindingDraft",
    "Probe",
    "ProbeConfig",
    "Registry",
    "RuleResult",
    "RuleStatus",
    "analyse",
    "findings_from_json",
    "findings_schema",
    "findings_to_json",
    "fingerprint",
    "load_probes",
    "probe",
    "probe_versions",
    "rule_report",
    "rule_status",
]


def probe_versions() -> dict[str, str]:
    """Probe id → version, for session_start.probe_versions."""
    return {entry.id: entry.version for entry in load_probes()}
