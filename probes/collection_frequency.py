"""COL-003: a one-shot personal-data read repeated without user actions.

For each API of ``one_shot_apis`` (getLocation, getClipboardData, getSystemInfo*, ...), successful
calls with no tap in the previous ``user_initiated_window_s`` count. FAIL when ``per_minute_limit`` of
them fall within one minute, or when at least ``periodic_min_calls`` come at regular intervals
(coefficient of variation below ``periodic_max_cv``): a timer, not a user.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterator

from harness.event_views import ApiCall
from harness.timeline import Timeline
from probes.config import NS_PER_S, ProbeConfig
from probes.evidence import since_start, successful_calls, untapped
from probes.finding import FindingDraft
from probes.registry import probe

MINUTE_NS = 60 * NS_PER_S


def busiest_minute(calls: list[ApiCall]) -> list[ApiCall]:
    """The most calls that fit within one minute."""
    best = (0, 0)  # [start, stop) of the largest window; calls are in time order: two pointers, O(n)
    stop = 0
    for start, first in enumerate(calls):
        stop = max(stop, start)
        while stop < len(calls) and calls[stop].t - first.t < MINUTE_NS:
            stop += 1
        if stop - start > best[1] - best[0]:
            best = (start, stop)
    return calls[best[0] : best[1]]


def is_periodic(calls: list[ApiCall], config: ProbeConfig) -> bool:
    if len(calls) < config.periodic_min_calls:
        return False
    gaps = [b.t - a.t for a, b in itertools.pairwise(calls)]
    mean = statistics.fmean(gaps)
    return mean > 0 and statistics.pstdev(gaps) / mean < config.periodic_max_cv


@probe(
    id="collection_frequency",
    title="Personal data read repeatedly without user actions",
    rules=("COL-003",),
    needs=("api_call",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    for api in config.one_shot_apis:
        alone = untapped(timeline, successful_calls(timeline, [api]), config)
        minute = busiest_minute(alone)
        periodic = is_periodic(alone, config)
        if len(minute) < config.per_minute_limit and not periodic:
            continue
        pattern = "at regular intervals" if periodic else "within one minute"
        cited = alone if periodic else minute
        yield FindingDraft(
            rule="COL-003",
            status="fail",
            statement=f"{api} called {len(cited)} times {pattern} from {since_start(timeline, cited[0].t)} "
            "with no tap before any of them",
            events=cited,
            key=("api", api),
        )
