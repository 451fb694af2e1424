"""COL-006: precise coordinates collected for a feature that needs only a city.

WARN when getLocation (not getFuzzyLocation) succeeds and precise coordinates (the recognisers mark
them "(precise)": ``precise_decimals`` or more decimals) are then sent, for a city-level feature: the
tap that triggered the location, or the location popup's purpose, names ``city_level_words``
(城市, 天气, ...).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from operator import attrgetter

from harness.event_views import Event, Flow, PIMatch, Prompt
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import (
    endpoint,
    lexicon_match,
    program_pi_flows,
    prompt_text,
    shorten,
    since_start,
    step_text,
    successful_calls,
    taps_within,
)
from probes.finding import FindingDraft
from probes.registry import probe

PRECISE_READS = ("getLocation",)
_T = attrgetter("t")
_TYPE = attrgetter("type")


def is_precise(match: PIMatch) -> bool:
    return match.type == "location" and "precise" in match.masked.lower()


def city_level_reason(
    timeline: Timeline, t: int, config: ProbeConfig, popups: list[Prompt] | None = None
) -> list[Event]:
    """The tap or location popup before ``t`` that shows the feature needs only a city ([] if none).
    ``popups``: city_level_popups(timeline, config), when the caller asks for many ``t``."""
    reasons: list[Event] = [
        s for s in taps_within(timeline, t, config) if lexicon_match(step_text(s), config.city_level_words)
    ]
    reasons += [p for p in (popups if popups is not None else city_level_popups(timeline, config)) if p.t <= t]
    return reasons


def city_level_popups(timeline: Timeline, config: ProbeConfig) -> list[Prompt]:
    """Location popups whose wording says a city is enough."""
    return [
        p
        for p in timeline.of(Prompt)
        if p.scope == "scope.userLocation" and lexicon_match(prompt_text(p), config.city_level_words)
    ]


@probe(
    id="precise_location",
    title="Precise location where a city suffices",
    rules=("COL-006",),
    needs=("api_call", "flow"),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    # the flows sending precise coordinates, in time order: the cheaper test, made first for each read (and
    # only with a read to test; a flow without a location match, its types looked at in C, has none)
    reads = successful_calls(timeline, PRECISE_READS)
    precise: list[Flow] = [
        f for f, pi in program_pi_flows(timeline, config) if "location" in map(_TYPE, pi) and any(map(is_precise, pi))
    ] if reads else []
    popups = city_level_popups(timeline, config)
    for read in reads if precise else ():
        first = bisect_left(precise, read.t, key=_T)  # the first sent at or after the read
        if first == len(precise):
            continue
        reasons = city_level_reason(timeline, read.t, config, popups)
        if not reasons:
            continue
        sent = precise[first]
        yield FindingDraft(
            rule="COL-006",
            status="warn",
            statement=f"precise coordinates from getLocation at {since_start(timeline, read.t)} sent to "
            f"{shorten(endpoint(sent), 80)} for a city-level feature",
            events=[*reasons, read, sent],
            key=("precise", endpoint(sent)),
            data=[m for m in sent.pi if is_precise(m)],
        )
        return
