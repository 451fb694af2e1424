"""POL-004: personal data observed that the privacy guide does not declare.

Needs ``declared_categories`` (the guide's categories, privacy-guide wording). Observed categories: a
successful privacy-interface call's category (harness.catalogue), and the category of program PI in
flows (probes.evidence.pi_kind). FAIL per undeclared category.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.catalogue import PRIVACY_INTERFACES
from harness.event_views import Event
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import is_platform_host, pi_kind, program_pi_flows, successful_calls, when
from probes.finding import FindingDraft
from probes.registry import probe


def observed(timeline: Timeline, config: ProbeConfig) -> dict[str, list[Event]]:
    """Category -> the events that show it collected."""
    seen: dict[str, list[Event]] = {}
    for call in successful_calls(timeline, PRIVACY_INTERFACES):  # (from the index by API, in time order)
        seen.setdefault(PRIVACY_INTERFACES[call.api].category, []).append(call)
    for flow, program in program_pi_flows(timeline, config):
        if is_platform_host(flow.host, config):
            continue
        for match in program:
            events = seen.setdefault(pi_kind(match.type).category, [])
            if flow not in events:
                events.append(flow)
    return seen


@probe(
    id="undeclared_collection",
    title="Collection not declared in the privacy guide",
    rules=("POL-004",),
    needs=("collection", "declared_categories"),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    declared = set(config.declared_categories or ())
    for category, events in observed(timeline, config).items():
        if category in declared:
            continue
        yield FindingDraft(
            rule="POL-004",
            status="fail",
            statement=f"{category} collected {when(timeline, [e.t for e in events])} but not declared in the "
            "privacy guide",
            events=events,
            key=("category", category),
        )
