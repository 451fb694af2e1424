"""COL-005: location collected while the mini program is in the background (scope.userLocationBackground).

Background intervals run from a Lifecycle ``hide`` to the next ``show`` (or ``launch``/``exit``, or the
session end). Inside one, counts
- a flow carrying the program's location data (not to WeChat platform hosts) that the program sent
  in the background (timed at its wx.request call when recorded: a request made just before the hide
  may reach the proxy just after it): coordinates sent;
- a location call or callback (getLocation, startLocationUpdate*, and each onLocationChange delivery:
  the recorder reports listener deliveries as ApiCalls named after the event, probes.evidence
  .is_listener_delivery);
and, for the whole interval, a successful startLocationUpdateBackground not stopped (stopLocationUpdate)
before the hide: its callbacks keep firing in the background.

FAIL (high) for a service type (``service_type``) not in ``navigation_service_types``; WARN when the
service type is not configured (navigation may be the basic function); nothing for navigation services.
Needs a hide (an S6 background scenario): a session that never went to the background is not tested.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.event_views import ApiCall, Event, Lifecycle
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.consent_before_collection import SENDING_APIS, send_times, sent_at
from probes.evidence import (
    calls_of,
    endpoint,
    is_before,
    is_listener_delivery,
    is_platform_host,
    own_flows,
    program_pi,
    shorten,
    since_start,
    when,
)
from probes.finding import FindingDraft
from probes.registry import probe

LOCATION_APIS = ("getLocation", "startLocationUpdate", "startLocationUpdateBackground", "onLocationChange")
BACKGROUND_START = "startLocationUpdateBackground"
STOP = "stopLocationUpdate"
LOCATION_TYPES = ("location",)
NEVER = 2**63  # the end of a background interval the session never came back from


def hidden_intervals(timeline: Timeline) -> list[tuple[Lifecycle, int]]:
    """(hide event, end time) for each time the app went to the background; ``NEVER`` when it did not
    come back (the session's end is no return to the foreground)."""
    intervals: list[tuple[Lifecycle, int]] = []
    hidden: Lifecycle | None = None
    for event in timeline.of(Lifecycle):
        if event.event == "hide" and hidden is None:
            hidden = event
        elif event.event in ("show", "launch", "exit") and hidden is not None:
            intervals.append((hidden, event.t))
            hidden = None
    if hidden is not None:
        intervals.append((hidden, NEVER))  # still in the background when the recording stopped
    return intervals


def inside(t: int, hide: Lifecycle, end: int, error: int) -> bool:
    """After the hide and before the return beyond the clock error bound (a tie is not background)."""
    return is_before(hide.t, t, error) and is_before(t, end, error)


def background_events(timeline: Timeline, hide: Lifecycle, end: int, config: ProbeConfig) -> list[Event]:
    error = timeline.clock_error_ns
    found: list[Event] = [
        c for c in calls_of(timeline, LOCATION_APIS) if c.ok is not False and inside(c.t, hide, end, error)
    ]
    sends = send_times(calls_of(timeline, SENDING_APIS))
    found += [
        f
        for f in own_flows(timeline)
        if inside(sent_at(f, sends, error), hide, end, error)
        and not is_platform_host(f.host, config)
        and any(m.type in LOCATION_TYPES for m in program_pi(f.pi, config))
    ]
    return sorted(found, key=lambda e: (e.t, e.seq))


def running_background_update(timeline: Timeline, hide: Lifecycle) -> ApiCall | None:
    """A successful startLocationUpdateBackground before the hide that no stopLocationUpdate ended."""
    started: ApiCall | None = None
    for call in timeline.of(ApiCall):
        if call.t >= hide.t:
            break
        if call.api == BACKGROUND_START and call.ok is True:
            started = call
        elif call.api == STOP and call.ok is not False:
            started = None
    return started


def describe(event: Event) -> str:
    if isinstance(event, ApiCall):
        return f"{event.api} callback" if is_listener_delivery(event) else event.api
    return f"location sent to {shorten(endpoint(event), 60)}"  # type: ignore[arg-type]


@probe(
    id="background_location",
    title="Location collected in the background",
    rules=("COL-005",),
    needs=("hide",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    if config.service_type in config.navigation_service_types:
        return
    status = "warn" if config.service_type is None else "fail"
    service = f"service type {config.service_type}" if config.service_type else "no service type configured"
    for hide, end in hidden_intervals(timeline):
        found = background_events(timeline, hide, end, config)
        running = running_background_update(timeline, hide)
        if not found and running is None:
            continue
        seen = "; ".join(f"{what} {when(timeline, [e.t for e in found if describe(e) == what])}"
                         for what in dict.fromkeys(describe(e) for e in found))
        left = f"{BACKGROUND_START} left running" if running is not None else ""
        events: list[Event] = [*([running] if running else []), hide, *found]
        yield FindingDraft(
            rule="COL-005",
            status=status,
            statement=f"after the mini program went to the background at {since_start(timeline, hide.t)}: "
            f"{'; '.join(x for x in (seen, left) if x)} ({service}, not navigation)",
            events=events,
            key=("background",),
            data=[m for e in found for m in getattr(e, "pi", []) if m.type in LOCATION_TYPES],
        )
        return
