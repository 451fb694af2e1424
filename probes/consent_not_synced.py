"""PLAT-002: the user agreed in the developer's own dialog, but WeChat was not told.

After an agreement recorded on a developer dialog (a privacy Consent whose prompt is a
developer_dialog), WeChat's official privacy popup or an errno 104 failure later in the same session
shows the agreement never reached the platform (no open-type="agreePrivacyAuthorization" / resolve()).
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.event_views import Consent, Event, Prompt
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import calls_with_errors, is_before, privacy_agreements, since_start, when
from probes.finding import FindingDraft
from probes.registry import probe

NOT_AGREED_ERRNO = 104


def developer_agreement(timeline: Timeline) -> Consent | None:
    for agreement in privacy_agreements(timeline):
        prompt = timeline.by_seq.get(agreement.prompt_seq) if agreement.prompt_seq is not None else None
        if isinstance(prompt, Prompt) and prompt.prompt_kind == "developer_dialog":
            return agreement
    return None


@probe(
    id="consent_not_synced",
    title="Custom consent dialog not synced with WeChat",
    rules=("PLAT-002",),
    needs=("consent",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    agreed = developer_agreement(timeline)
    if agreed is None:
        return
    error = timeline.clock_error_ns
    after: list[Event] = [
        p for p in timeline.of(Prompt) if p.prompt_kind == "privacy_popup" and is_before(agreed.t, p.t, error)
    ]
    after += [
        c for c in calls_with_errors(timeline) if c.errno == NOT_AGREED_ERRNO and is_before(agreed.t, c.t, error)
    ]
    if not after:
        return
    after.sort(key=lambda e: (e.t, e.seq))
    yield FindingDraft(
        rule="PLAT-002",
        status="fail",
        statement=f"agreed in the developer's dialog at {since_start(timeline, agreed.t)}, then WeChat still "
        f"asked or refused for want of consent {when(timeline, [e.t for e in after])}",
        events=[agreed, *after],
        key=("not_synced",),
    )
