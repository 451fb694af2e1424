"""COL-008: rewards offered for ID or biometric data (认定方法 三.7).

FAIL (high) when a flow carries ID or face data (``REWARDED_TYPES``: id_card, passport, face) and the
screen that requested it — the page shown just before the flow, with the other snapshots of the same
page since it was reached — shows rewards wording (``reward_wording``: 积分|奖励|红包|优惠券|抽奖|领取|返现).

Reads page snapshots: a session without them is not tested.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import compress, repeat
from operator import attrgetter, not_

from harness.event_views import Flow, UISnapshot
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import endpoint, program_pi, shorten, since_start, snapshots_before
from probes.finding import FindingDraft
from probes.registry import probe

REWARDED_TYPES = ("id_card", "passport", "face")
_TYPE = attrgetter("type")
_PI = attrgetter("pi")


def _carrying(flows: list[Flow], types: Iterable[str]) -> Iterator[Flow]:
    """The flows with a match of one of ``types``, in their order: each flow's types tested in C (a list
    per flow of a long session, most carrying none of them, is not made)."""
    wanted = frozenset(types)
    return compress(flows, map(not_, map(wanted.isdisjoint, map(map, repeat(_TYPE), map(_PI, flows)))))


def requesting_screens(timeline: Timeline, flow: Flow) -> list[UISnapshot]:
    """The snapshots of the page shown when ``flow`` left: the latest one before it and the earlier ones of
    the same page back to the step that reached it (all of them when the driver did not name the page)."""
    before = snapshots_before(timeline, flow.t)
    if not before:
        return []
    page = before[-1].page
    screens: list[UISnapshot] = []
    for snapshot in reversed(before):
        if snapshot.page != page:
            break
        screens.append(snapshot)
    return screens[::-1]


@probe(
    id="reward_for_id",
    title="Rewards offered for ID or face data",
    rules=("COL-008",),
    needs=("page_text", "flow"),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    pattern = re.compile(config.reward_wording)
    for flow in _carrying(timeline.of(Flow), REWARDED_TYPES):  # the type first: most flows carry none
        data = [m for m in flow.pi if m.type in REWARDED_TYPES]
        data = program_pi(data, config) if data else data
        if not data:
            continue
        for screen in requesting_screens(timeline, flow):
            sentence = next((t for t in screen.texts if pattern.search(t)), None)
            if sentence is None:
                continue
            types = ", ".join(dict.fromkeys(m.type for m in data))
            yield FindingDraft(
                rule="COL-008",
                status="fail",
                statement=f"the screen at {since_start(timeline, screen.t)} offers “{shorten(sentence)}” and "
                f"{types} was sent to {endpoint(flow)} at {since_start(timeline, flow.t)}",
                events=[screen, flow],
                key=("reward", endpoint(flow), types),
                data=data,
            )
            break
