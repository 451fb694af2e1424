"""CON-002: personal data collected after the user refused it.

A refusal of S (probes.evidence.refusals: a reject tap, resolve({event:'disagree'}), errno 103/104,
"auth deny") opens a window that a later agreement for S closes (a re-consent; the scenario's agree
taps are user-initiated by construction). Inside the window, beyond the clock error bound, count:
- S = a scope: a successful call of an API of that scope; a flow carrying the scope's personal data
  (location for the location scopes);
- S = privacy: a successful privacy-interface call; a flow carrying program PI to a non-platform host;
  a storage write holding strong PI.
Relaunches do not close a window: a refusal holds across the session.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from operator import attrgetter, itemgetter

from harness.catalogue import PRIVACY_INTERFACES, WATCHED_APIS, scope_of
from harness.event_views import ApiCall, Event, Flow, PIMatch, StorageWrite
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import (
    PRIVACY,
    TIMELINE_ORDER,
    calls_of,
    done_at,
    endpoint,
    is_platform_host,
    own_flows,
    own_flows_device_pi,
    own_flows_pi,
    pi_writes,
    refusal_windows,
    shorten,
    since_start,
    strong_pi,
    successful_calls,
    types_of,
    when,
)
from probes.finding import FindingDraft
from probes.registry import probe
from probes.repeated_prompts import subject_name

DEVICE_INFO = "设备信息"
_T = attrgetter("t")
_FIRST = itemgetter(0)
# The personal-data types a scope's flows carry.
SCOPE_PI_TYPES: dict[str, tuple[str, ...]] = {
    "scope.userLocation": ("location",),
    "scope.userFuzzyLocation": ("location",),
    "scope.userLocationBackground": ("location",),
}


def _first_device_read(timeline: Timeline) -> int | None:
    """When the program first read the device's information (getSystemInfo*, ...): device information a
    flow carries leaves the device from then on (as CON-001 counts it)."""
    reads = calls_of(timeline, [api for api, category in WATCHED_APIS.items() if category == DEVICE_INFO])
    return min((done_at(c) for c in reads if c.ok), default=None)


def _collected(timeline: Timeline, subject: str, config: ProbeConfig,
               spans: Sequence[tuple[int, int | None]]) -> list[tuple[Event, Sequence[PIMatch]]]:
    """The events that collect for ``subject``, with what each collects ([] for an API call), in timeline
    order: the calls whenever they return, and the flows and storage writes with ``lo < t < hi`` in one of
    the subject's ``spans`` (``hi`` None: to the end), picked by bisection (a scope stays refused a few
    seconds of a long session: its windows' flows, not every flow, are looked at). Calls are read from the
    index by API (the few APIs of the subject, not every call)."""
    if subject == PRIVACY:
        apis = list(PRIVACY_INTERFACES)
    else:
        apis = [api for api in PRIVACY_INTERFACES if scope_of(api) == subject and api != "authorize"]
    found: list[tuple[Event, Sequence[PIMatch]]] = [(c, []) for c in successful_calls(timeline, apis)]
    own, program_pi, device_pi = own_flows(timeline), own_flows_pi(timeline, config), own_flows_device_pi(timeline, config)
    in_spans = _in_spans(own, spans)
    if subject == PRIVACY:  # the program's PI, and device information after the program read it
        first_read: list[int | None] = []  # looked up at the first flow carrying device information (most carry none)
        for index in in_spans:
            flow, program, device = own[index], program_pi[index], device_pi[index]
            if device and not first_read:
                first_read.append(_first_device_read(timeline))
            if device and (read := first_read[0]) is not None and read <= flow.t:
                program = [*program, *(m for m in device if m not in program)]
            if program and not is_platform_host(flow.host, config):
                found.append((flow, program))
    elif scope_types := SCOPE_PI_TYPES.get(subject, ()):  # (a scope without PI types collects by its calls alone)
        for index in in_spans:
            flow, program = own[index], program_pi[index]
            matches = [m for m in program if m.type in scope_types] if program else program
            if matches and not is_platform_host(flow.host, config):
                found.append((flow, matches))
    if subject == PRIVACY:
        writes = pi_writes(timeline)
        found += [(w, pi) for w in map(writes.__getitem__, _in_spans(writes, spans)) if (pi := strong_pi(w.pi))]
    return _in_timeline_order(found)


def _in_spans(events: Sequence[Event], spans: Sequence[tuple[int, int | None]]) -> Iterator[int]:
    """The positions of ``events`` (in time order) with ``lo < t < hi`` in one of ``spans`` (disjoint, in
    order), by bisection with the times read in C (no list of a long session's times kept)."""
    for lo, hi in spans:
        yield from range(bisect_right(events, lo, key=_T), len(events) if hi is None else bisect_left(events, hi, key=_T))


def _in_timeline_order(pairs: list[tuple[Event, Sequence[PIMatch]]]) -> list[tuple[Event, Sequence[PIMatch]]]:
    """``pairs`` sorted by their events' (t, seq), the keys read in C (thousands of pairs, a key call each)."""
    keys = list(map(TIMELINE_ORDER, map(_FIRST, pairs)))
    return list(map(pairs.__getitem__, sorted(range(len(pairs)), key=keys.__getitem__)))


def _what(event: Event) -> str:
    """The fingerprint key of a collecting event."""
    if isinstance(event, ApiCall):
        return f"api:{event.api}"
    if isinstance(event, Flow):
        return f"flow:{endpoint(event)}"
    assert isinstance(event, StorageWrite)
    return f"storage:{event.key}"


def _text(event: Event) -> str:
    """The statement's words for a collecting event (worded once per key, not per event)."""
    if isinstance(event, ApiCall):
        return f"{event.api} succeeded"
    if isinstance(event, Flow):
        return f"{types_of(event.pi)} sent to {shorten(endpoint(event), 80)}"
    assert isinstance(event, StorageWrite)
    return f'{types_of(event.pi)} written to storage key "{shorten(event.key)}"'


@probe(
    id="collection_after_refusal",
    title="Personal data collected after a refusal",
    rules=("CON-002",),
    needs=("refusal", "collection"),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    error = timeline.clock_error_ns
    # per subject: what collects, in timeline order, and its indexes by the time that counts (a call's
    # result): a window bisects those times and sorts the indexes of its slice back into timeline order
    collected: dict[str, tuple[list[tuple[Event, Sequence[PIMatch]]], list[int], list[int], list[int]]] = {}
    windows = refusal_windows(timeline)
    for subject, first, end in windows:
        if subject not in collected:
            spans = [(r.t + error, None if e is None else e - error) for s, r, e in windows if s == subject]
            pairs = _collected(timeline, subject, config, spans)
            at = [done_at(e) if isinstance(e, ApiCall) else e.t for e, _ in pairs]
            by_time = sorted(range(len(pairs)), key=at.__getitem__)
            collected[subject] = (pairs, at, by_time, [at[i] for i in by_time])
        pairs, at, by_time, times = collected[subject]
        lo = bisect_right(times, first.t + error)  # after the refusal beyond the clock error bound
        hi = len(times) if end is None else bisect_left(times, end - error)  # before the agreement, likewise
        # per key: its statement's words, the events, what they collect and when (the time that counts)
        found: dict[str, tuple[str, list[Event], list[PIMatch], list[int]]] = {}
        for index in sorted(by_time[lo:hi]):  # timeline order
            event, matches = pairs[index]
            key = _what(event)
            entry = found.get(key)
            if entry is None:
                entry = found[key] = (_text(event), [], [], [])
            entry[1].append(event)
            entry[2].extend(matches)
            entry[3].append(at[index])
        for key, (text, events, matches, moments) in found.items():
            yield FindingDraft(
                rule="CON-002",
                status="fail",
                statement=f"{text} {when(timeline, moments)}, after {subject_name(subject)} was refused at "
                f"{since_start(timeline, first.t)}",
                events=[first.event, *events],
                key=("subject", subject, key),
                data=matches,
            )
