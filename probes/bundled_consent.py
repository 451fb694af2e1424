"""CON-006: several authorizations asked for at once.

FAIL when a scope popup for a second, different scope follows one within ``follow_up_window_s`` and no
tap in the previous ``user_initiated_window_s`` names the second scope: one tap, several scopes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from harness.event_views import Prompt
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import is_user_initiated, since_start
from probes.finding import FindingDraft
from probes.registry import probe


@probe(
    id="bundled_consent",
    title="Several scopes requested together",
    rules=("CON-006",),
    needs=("prompt",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    popups = [p for p in timeline.of(Prompt) if p.prompt_kind == "scope" and p.scope]
    bundled: list[Prompt] = []
    for first, second in itertools.pairwise(popups):
        if (
            second.scope != first.scope
            and second.t - first.t <= config.follow_up_window_ns + timeline.clock_error_ns
            and not is_user_initiated(timeline, second.t, second.scope or "", config)
        ):
            bundled += [p for p in (first, second) if p not in bundled]
    if not bundled:
        return
    scopes = list(dict.fromkeys(p.scope or "" for p in bundled))
    yield FindingDraft(
        rule="CON-006",
        status="fail",
        statement=f"{len(scopes)} scopes requested together from {since_start(timeline, bundled[0].t)}: "
        f"{', '.join(scopes)}",
        events=bundled,
        key=("scopes", *sorted(scopes)),
    )
