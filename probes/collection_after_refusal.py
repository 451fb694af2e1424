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
from collections.abc import Iterator

from harness.catalogue import PRIVACY_INTERFACES, WATCHED_APIS, scope_of
from harness.timeline import ApiCall, Event, Flow, PIMatch, StorageWrite, Timeline
from probes.config import ProbeConfig
from probes.evidence import (
    PRIVACY,
    done_at,
    endpoint,
    is_before,
    is_client_set,
    is_platform_host,
    own_flows,
    program_pi,
    refusal_windows,
    shorten,
    since_start,
    strong_pi,
    types_of,
    when,
)
from probes.finding import FindingDraft
from probes.registry import probe
from probes.repeated_prompts import subject_name

DEVICE_INFO = "设备信息"
# The personal-data types a scope's flows carry.
SCOPE_PI_TYPES: dict[str, tuple[str, ...]] = {
    "scope.userLocation": ("location",),
    "scope.userFuzzyLocation": ("location",),
    "scope.userLocationBackground": ("location",),
}


def _device_info_sent(flow: Flow, reads: list[int], config: ProbeConfig) -> list[PIMatch]:
    """Device information leaving the device (as CON-001 counts it): the flow carries device-info PI
    the program put there, after the program read the device's information (getSystemInfo*, ...)."""
    if not any(t <= flow.t for t in reads):
        return []
    return [m for m in flow.pi
            if m.type in config.device_info_pi_types and m.confidence != "low" and not is_client_set(m, config)]


def _collects(event: Event, subject: str, config: ProbeConfig, reads: list[int]) -> list[PIMatch] | None:
    """The matches ``event`` collects for ``subject`` ([] for an API call), or None when it collects none.
    ``reads``: when the program read device information (a flow of it afterwards is collection)."""
    if isinstance(event, ApiCall):
        if event.ok is not True:
            return None
        if subject == PRIVACY:
            return [] if event.api in PRIVACY_INTERFACES else None
        scope = event.args.get("scope") if event.api == "authorize" and isinstance(event.args, dict) else None
        return [] if subject in (scope_of(event.api), scope) and event.api != "authorize" else None
    if isinstance(event, Flow):
        if is_platform_host(event.host, config):
            return None
        matches = program_pi(event.pi, config)
        if subject != PRIVACY:
            matches = [m for m in matches if m.type in SCOPE_PI_TYPES.get(subject, ())]
        else:
            matches += [m for m in _device_info_sent(event, reads, config) if m not in matches]
        return matches or None
    if isinstance(event, StorageWrite) and subject == PRIVACY:
        return strong_pi(event.pi) or None
    return None


def _at(event: Event) -> int:
    return done_at(event) if isinstance(event, ApiCall) else event.t


def _what(event: Event) -> tuple[str, str]:
    """(fingerprint key, statement text) of a collecting event."""
    if isinstance(event, ApiCall):
        return f"api:{event.api}", f"{event.api} succeeded"
    if isinstance(event, Flow):
        return f"flow:{endpoint(event)}", f"{types_of(event.pi)} sent to {shorten(endpoint(event), 80)}"
    assert isinstance(event, StorageWrite)
    return f"storage:{event.key}", f'{types_of(event.pi)} written to storage key "{shorten(event.key)}"'


@probe(
    id="collection_after_refusal",
    title="Personal data collected after a refusal",
    rules=("CON-002",),
    needs=("refusal", "collection"),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    error = timeline.clock_error_ns
    own = {f.seq for f in own_flows(timeline)}
    reads = [done_at(c) for c in timeline.of(ApiCall) if c.ok and WATCHED_APIS.get(c.api) == DEVICE_INFO]
    # the events that can collect, by the time that counts (a call's result): each window bisects
    candidates = sorted((e for e in timeline.events if isinstance(e, (ApiCall, Flow, StorageWrite))), key=_at)
    times = [_at(e) for e in candidates]
    for subject, first, end in refusal_windows(timeline):
        found: dict[str, tuple[str, list[Event], list[PIMatch]]] = {}
        lo = bisect_right(times, first.t + error)
        hi = len(times) if end is None else bisect_left(times, end - error)
        for event in sorted(candidates[lo:hi], key=lambda e: (e.t, e.seq)):  # timeline order
            if isinstance(event, Flow) and event.seq not in own:
                continue
            t = done_at(event) if isinstance(event, ApiCall) else event.t
            if not is_before(first.t, t, error) or (end is not None and not is_before(t, end, error)):
                continue
            matches = _collects(event, subject, config, reads)
            if matches is None:
                continue
            key, text = _what(event)
            entry = found.setdefault(key, (text, [], []))
            entry[1].append(event)
            entry[2].extend(matches)
        for key, (text, events, matches) in found.items():
            moments = [done_at(e) if isinstance(e, ApiCall) else e.t for e in events]
            yield FindingDraft(
                rule="CON-002",
                status="fail",
                statement=f"{text} {when(timeline, moments)}, after {subject_name(subject)} was refused at "
                f"{since_start(timeline, first.t)}",
                events=[first.event, *events],
                key=("subject", subject, key),
                data=matches,
            )
