"""COL-004: the clipboard read without the user asking for a paste.

FAIL (medium) for a getClipboardData call before any tap (onLaunch/onShow) or with no tap on a
paste-like target (``paste_words``: 粘贴, 口令, ...) in the previous ``user_initiated_window_s``;
FAIL (high) when the clipboard canary (a PIMatch canary named "clipboard") leaves in any flow after
such a read.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.event_views import ApiCall, Flow
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import (
    before_first_tap,
    calls_of,
    endpoint,
    lexicon_match,
    own_canary_flows,
    since_start,
    step_text,
    taps_within,
    when,
)
from probes.finding import FindingDraft
from probes.registry import probe

CLIPBOARD_READS = ("getClipboardData",)
CLIPBOARD_CANARY = "clipboard"


def asked_to_paste(timeline: Timeline, call: ApiCall, config: ProbeConfig) -> bool:
    return any(lexicon_match(step_text(s), config.paste_words) for s in taps_within(timeline, call.t, config))


@probe(
    id="clipboard_read",
    title="Clipboard read without a paste tap",
    rules=("COL-004",),
    needs=("api_call",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    unsolicited = [
        c
        for c in calls_of(timeline, CLIPBOARD_READS)
        if before_first_tap(timeline, c.t) or not asked_to_paste(timeline, c, config)
    ]
    if not unsolicited:
        return
    at_launch = [c for c in unsolicited if before_first_tap(timeline, c.t)]
    how = "before any tap" if len(at_launch) == len(unsolicited) else "without a paste tap"
    yield FindingDraft(
        rule="COL-004",
        status="fail",
        statement=f"getClipboardData called {when(timeline, [c.t for c in unsolicited])} {how}",
        events=unsolicited,
        key=("read",),
    )
    leaks: list[Flow] = [
        f
        for f in own_canary_flows(timeline)
        if f.t > unsolicited[0].t and any(m.canary == CLIPBOARD_CANARY for m in f.pi)
    ]
    if leaks:
        yield FindingDraft(
            rule="COL-004",
            status="fail",
            severity="high",
            statement=f"the clipboard's content sent to {endpoint(leaks[0])} {when(timeline, [e.t for e in leaks])} "
            f"after an unsolicited read at {since_start(timeline, unsolicited[0].t)}",
            events=[unsolicited[0], *leaks],
            key=("sent",),
            data=[m for f in leaks for m in f.pi if m.canary == CLIPBOARD_CANARY],
        )
