"""USE-004: another mini program or app opened without a tap.

FAIL for each ``launch_apis`` call (navigateToMiniProgram, openEmbeddedMiniProgram, launchApp, ...)
with no tap in the previous ``user_initiated_window_s`` (± the clock error), whatever its result:
the attempt is the behaviour the rule forbids.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.event_views import ApiCall
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import calls_of, shorten, tapped_within, when
from probes.finding import FindingDraft
from probes.registry import probe


def target_of(args: object) -> str:
    if isinstance(args, dict):
        for key in ("appId", "appid", "appParameter", "url"):
            value = args.get(key)
            if isinstance(value, str) and value:
                return value
    return "?"


@probe(
    id="auto_launch",
    title="Other programs opened without a tap",
    rules=("USE-004",),
    needs=("api_call",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    found: dict[tuple[str, str], list[ApiCall]] = {}
    for call in calls_of(timeline, config.launch_apis):
        if not tapped_within(timeline, call.t, config):
            found.setdefault((call.api, target_of(call.args)), []).append(call)
    for (api, target), calls in found.items():
        yield FindingDraft(
            rule="USE-004",
            status="fail",
            statement=f"{api} to {shorten(target)} {when(timeline, [c.t for c in calls])} with no tap before it",
            events=calls,
            key=("launch", api, target),
        )
