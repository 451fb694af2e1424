"""JUnit XML of a run: a testsuite per session, a testcase per catalogue rule.

How CI tools show it (GitLab, Jenkins, GitHub test reporters all read these elements):
- rule failed: ``<failure>`` (message: the first finding's statement; text: every finding);
- rule warned: a passing testcase with ``<system-out>`` holding the concern and a ``status`` property;
- rule not tested: ``<skipped>`` with why (shown as skipped, never as passed);
- rule passed: an empty testcase;
- a session that could not run has one more testcase, ``session``, with ``<error>`` (a scenario
  step that failed gives ``<failure>`` there).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from harness.report.data import RunData, SessionData


def _clean(text: object) -> str:
    """XML 1.0 cannot carry most control characters: recorded text may hold them."""
    return "".join(ch for ch in str(text) if ch in "\t\n\r" or ord(ch) >= 0x20)


def _case(suite: ET.Element, session: SessionData, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=f"miniprobe.{_clean(session.name)}", name=_clean(name), time="0")


def _rule_case(suite: ET.Element, session: SessionData, rule_id: str, entry: dict[str, Any]) -> str:
    from probes.rules import RULES

    title = RULES[rule_id].title if rule_id in RULES else ""
    case = _case(suite, session, f"{rule_id} {title}".strip())
    status = entry.get("status", "not_tested")
    findings = [f for f in session.findings if f["rule"] == rule_id]
    ET.SubElement(ET.SubElement(case, "properties"), "property", name="status", value=status)
    text = "\n\n".join(f"[{f['severity']}] {f['statement']}\nremedy: {f.get('remedy', '')}\nfingerprint: "
                       f"{f.get('fingerprint', '')}" for f in findings)
    if status == "fail":
        worst = findings[0] if findings else {"statement": "rule failed", "severity": "high"}
        failure = ET.SubElement(case, "failure", message=_clean(worst["statement"]), type=_clean(worst["severity"]))
        failure.text = _clean(text)
    elif status == "not_tested":
        ET.SubElement(case, "skipped", message=_clean(f"not tested: {entry.get('why') or 'no evidence for it in this session'}"))
    elif status == "warn":
        ET.SubElement(case, "system-out").text = _clean("concern (warn):\n" + text)
    return status


def junit_xml(run: RunData) -> bytes:
    root = ET.Element("testsuites", name=_clean(f"miniprobe {run.dir.name}"))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for session in run.sessions:
        suite = ET.SubElement(root, "testsuite", name=_clean(session.name),
                              timestamp=_clean(session.meta.get("started") or ""))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if session.outcome in ("error", "failed"):
            case = _case(suite, session, "session")
            tag, key = ("error", "errors") if session.outcome == "error" else ("failure", "failures")
            ET.SubElement(case, tag, message=_clean(session.reason or session.outcome))
            counts["tests"] += 1
            counts[key] += 1
        for rule_id, entry in session.rules.items():
            status = _rule_case(suite, session, rule_id, entry)
            counts["tests"] += 1
            counts["failures"] += status == "fail"
            counts["skipped"] += status == "not_tested"
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
