"""Running the registered probes over one timeline: findings, merged and ordered, and rule statuses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, compress, repeat
from operator import attrgetter, is_

from harness.event_views import Event, Flow
from harness.timeline import Timeline, gc_paused
from probes.config import ProbeConfig
from probes.evidence import EVIDENCE_MISSING, TIMELINE_ORDER, event_pi, is_strong
from probes.finding import (
    SEVERITY_RANK,
    STATUS_RANK,
    Finding,
    FindingDraft,
    RuleStatus,
    fingerprint,
)
from probes.registry import Probe, Registry, load_probes
from probes.rules import NOT_COVERED, RULES, Severity, rule

_SEQ = attrgetter("seq")
_T = attrgetter("t")
_FLOW_ID = attrgetter("flow_id")
_MASKED = attrgetter("masked")


def analyse(
    timeline: Timeline, config: ProbeConfig | None = None, *, registry: Registry | None = None
) -> list[Finding]:
    """Run every registered probe; merge findings with one fingerprint; order them by severity, rule,
    first evidence time. Pure: the same timeline and config give byte-identical findings JSON."""
    with gc_paused():
        return _analyse(timeline, config or ProbeConfig(), registry if registry is not None else load_probes())


def _analyse(timeline: Timeline, config: ProbeConfig, registry: Registry) -> list[Finding]:
    findings: list[Finding] = []
    evidence: list[Sequence[Event]] = []  # the drafts' events (their lists: the dict below waits for the probes' end)
    for entry in registry:
        if entry.missing_evidence(timeline, config):  # without its evidence a probe has not tested
            continue
        for draft in entry.check(timeline, config):
            findings.append(materialise(entry, draft, timeline))
            evidence.append(draft.events)
    seqs, times = map(_SEQ, chain.from_iterable(evidence)), map(_T, chain.from_iterable(evidence))
    position = in_timeline_order(dict(zip(seqs, times)))  # (each cited event's seq and time read in C)
    del evidence
    merged = merge(findings, position)
    return sorted(
        merged,
        key=lambda f: (
            SEVERITY_RANK[f.severity],
            f.rule,
            position[f.evidence[0]],
            STATUS_RANK[f.status],
            f.fingerprint,
        ),
    )


@dataclass(frozen=True)
class RuleResult:
    """One catalogue rule in one session (rules.json): its status, how many findings, which probes
    decide it, and why it has that status."""

    status: RuleStatus
    findings: int
    probes: tuple[str, ...]
    why: str

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "findings": self.findings,
            "probes": list(self.probes),
            "why": self.why,
        }


def rule_report(
    timeline: Timeline,
    findings: Sequence[Finding] | None = None,
    config: ProbeConfig | None = None,
    *,
    registry: Registry | None = None,
) -> dict[str, RuleResult]:
    """Every catalogue rule, in catalogue order: "fail" or "warn" (the worst finding), "pass" when a
    probe of the rule had its evidence and found nothing, "not_tested" when none had its evidence or no
    probe covers the rule (the why says which evidence is missing, or why no probe can decide it)."""
    config = config or ProbeConfig()
    registry = registry if registry is not None else load_probes()
    if findings is None:
        findings = analyse(timeline, config, registry=registry)
    covering: dict[str, list[Probe]] = {}
    for entry in registry:
        for rule_id in entry.rules:
            covering.setdefault(rule_id, []).append(entry)
    report: dict[str, RuleResult] = {}
    for rule_id in RULES:
        entries = covering.get(rule_id, [])
        ids = tuple(e.id for e in entries)
        own = [f for f in findings if f.rule == rule_id]
        missing = {e.id: e.missing_evidence(timeline, config) for e in entries}
        testers = [e.id for e in entries if not missing[e.id]]
        status: RuleStatus
        if any(f.status == "fail" for f in own):
            status, why = "fail", f"{len(own)} finding(s) by {', '.join(dict.fromkeys(f.probe for f in own))}"
        elif own:
            status, why = "warn", f"{len(own)} concern(s) by {', '.join(dict.fromkeys(f.probe for f in own))}"
        elif not entries:
            status, why = "not_tested", f"not covered: {NOT_COVERED.get(rule_id, 'no probe yet')}"
        elif testers:
            status = "pass"
            why = f"checked by {', '.join(testers)}: nothing found"
            if timeline.partial:
                why += " (the session did not end cleanly: absence proves less)"
        else:
            status = "not_tested"
            why = "; ".join(
                f"{probe_id}: {', '.join(EVIDENCE_MISSING[kind] for kind in kinds)}"
                for probe_id, kinds in missing.items()
            )
        report[rule_id] = RuleResult(status, len(own), ids, why)
    return report


def rule_status(
    timeline: Timeline,
    findings: Sequence[Finding] | None = None,
    config: ProbeConfig | None = None,
    *,
    registry: Registry | None = None,
) -> dict[str, RuleStatus]:
    """The status of every catalogue rule (see ``rule_report``)."""
    report = rule_report(timeline, findings, config, registry=registry)
    return {rule_id: result.status for rule_id, result in report.items()}


def _screenshot(event: Event) -> str | None:
    """The event's screenshot, for the kinds that have one (``getattr`` with a default on the others
    raises and catches an AttributeError inside, per cited event)."""
    return event.screenshot if "screenshot" in type(event).__struct_fields__ else None  # type: ignore[union-attr]


def _screenshots(events: Sequence[Event]) -> list[str]:
    """The events' screenshots, each once: none without an event of a kind that has one (most findings
    cite flows and calls only: the kinds are told in C, not a test per cited event)."""
    if not any("screenshot" in kind.__struct_fields__ for kind in set(map(type, events))):
        return []
    return _unique(s for e in events if (s := _screenshot(e)))


def _check_cited(entry: Probe, cited: Sequence[Event], timeline: Timeline) -> None:
    """Every cited event is the timeline's event of its seq (the same object, or an equal one): looked up
    in C (a by_seq call per event, no loop in Python); a seq it does not know or another event is told
    per event, with the probe and the seq."""
    by_seq = timeline.by_seq
    try:
        if all(map(is_, map(by_seq.__getitem__, map(_SEQ, cited)), cited)):
            return
    except KeyError:
        pass
    for event in cited:
        try:
            found = by_seq[event.seq]
        except KeyError:
            found = None
        if found is not event and found != event:  # (the same object is the common case: no field compare)
            raise ValueError(
                f"probe {entry.id!r} cited seq {event.seq}, which is not an event of this timeline"
            )


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def materialise(entry: Probe, draft: FindingDraft, timeline: Timeline) -> Finding:
    """Turn a probe's draft into a Finding; evidence must be events of this timeline."""
    if draft.rule not in entry.rules:
        raise ValueError(
            f"probe {entry.id!r} reported {draft.rule}, which is not among its rules {entry.rules}"
        )
    if not draft.events:
        raise ValueError(f"probe {entry.id!r} reported {draft.rule} without evidence")
    _check_cited(entry, draft.events, timeline)
    events: list[Event] = sorted(_first_of_each_seq(draft.events), key=TIMELINE_ORDER)
    catalogue = rule(draft.rule)
    return Finding(
        rule=draft.rule,
        severity=draft.severity or default_severity(entry, draft),
        status=draft.status,
        title=catalogue.title,
        statement=draft.statement,
        evidence=list(map(_SEQ, events)),
        screenshots=_screenshots(events),
        flows=_unique(map(_FLOW_ID, compress(events, map(isinstance, events, repeat(Flow))))),
        data=_unique(map(_MASKED, draft.data))
        if draft.data is not None
        else _unique(m.masked for e in events for m in event_pi(e) if is_strong(m)),
        remedy=catalogue.remedy,
        probe=entry.id,
        partial=timeline.partial,
        fingerprint=fingerprint(draft.rule, draft.key),
    )


_ONE_STEP_LOWER: dict[Severity, Severity] = {"high": "medium", "medium": "low", "low": "low"}


def default_severity(entry: Probe, draft: FindingDraft) -> Severity:
    """A fail has the probe's severity; a warn (a concern, not a violation) one step lower."""
    if draft.status == "fail":
        return entry.severity
    return _ONE_STEP_LOWER[entry.severity]


def _first_of_each_seq(events: Sequence[Event]) -> Iterable[Event]:
    """The first event cited of each seq, in no particular order (they are sorted next): a dict built in C
    from the events reversed, where a later (there: earlier) value of a seq replaces the one before."""
    backwards = list(reversed(events))
    return dict(zip(map(_SEQ, backwards), backwards)).values()


def in_timeline_order(cited: Mapping[int, int]) -> dict[int, int]:
    """The rank of each cited event (seq -> t) in the timeline's (t, seq) order: the order of their
    positions in ``timeline.events``, worked out from their times (a position looked up per event is a
    bisection of the whole timeline with a key call per step: ~0.15 s of 100k events' analysis)."""
    ordered = sorted(sorted(cited), key=cited.__getitem__)  # by seq, then (stable) by t
    return {seq: rank for rank, seq in enumerate(ordered)}


def merge(findings: Sequence[Finding], order: Mapping[int, int]) -> list[Finding]:
    """One finding per fingerprint: the union of evidence, the worst status and severity; the
    statement of the finding whose evidence starts first. ``order``: each cited seq's rank in the
    timeline's order."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.fingerprint, []).append(finding)
    merged: list[Finding] = []
    for group in groups.values():
        if len(group) == 1:
            merged.append(group[0])
            continue
        group = sorted(group, key=lambda f: (order[f.evidence[0]], STATUS_RANK[f.status]))
        first = group[0]
        merged.append(
            first.model_copy(
                update={
                    "status": min((f.status for f in group), key=STATUS_RANK.__getitem__),
                    "severity": min((f.severity for f in group), key=SEVERITY_RANK.__getitem__),
                    "evidence": sorted({s for f in group for s in f.evidence}, key=order.__getitem__),
                    "screenshots": _unique(s for f in group for s in f.screenshots),
                    "flows": _unique(s for f in group for s in f.flows),
                    "data": _unique(s for f in group for s in f.data),
                }
            )
        )
    return merged
