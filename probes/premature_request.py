"""PERM-001: an authorization requested at launch or without a tap on the feature that needs it.

For each scope S: the scope popup for S, an authorize({scope: S}) call, and a call of an S-API made
while S was not yet granted (the call that asks) count when they come before any tap of the session
(onLaunch / first onShow) or with no tap in the previous ``user_initiated_window_s`` whose target maps
to S (定位/附近/导航 → location, 拍照/扫码 → camera, ...; harness.catalogue.SCOPE_HINTS). Calls after
S was granted ask for nothing and are left to COL-003. The privacy popup itself is not a permission.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.catalogue import PRIVACY_INTERFACES, scope_of
from harness.event_views import ApiCall, Event, Prompt
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import (
    TIMELINE_ORDER,
    before_first_tap,
    calls_of,
    first_agreement_t,
    is_listener_delivery,
    is_user_initiated_chain,
    since_start,
)
from probes.finding import FindingDraft
from probes.registry import probe
from probes.repeated_prompts import subject_name


def requested_scope(event: Event) -> str | None:
    """The scope a prompt or call asks for (None: it asks for none)."""
    if isinstance(event, Prompt):
        return event.scope if event.prompt_kind == "scope" and event.scope else None
    if isinstance(event, ApiCall):
        if is_listener_delivery(event):
            return None  # a reading delivered to a listener asks for nothing
        if event.api == "authorize":
            scope = event.args.get("scope") if isinstance(event.args, dict) else None
            return scope if isinstance(scope, str) else None
        return scope_of(event.api)
    return None


# Taps name "location" (定位, 附近, ...), not which of the location scopes the program then asks for.
TAP_SCOPE = {
    "scope.userFuzzyLocation": "scope.userLocation",
    "scope.userLocationBackground": "scope.userLocation",
}


def asks(timeline: Timeline, event: Event, scope: str) -> bool:
    """A prompt always asks; a call asks only while the scope is not granted yet."""
    if isinstance(event, Prompt):
        return True
    granted = first_agreement_t(timeline, scope)
    return granted is None or granted >= event.t


@probe(
    id="premature_request",
    title="Authorization requested at launch or unrelated to the tap",
    rules=("PERM-001",),
    needs=("request",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    found: dict[tuple[str, str], list[Event]] = {}
    # only prompts and calls of privacy interfaces or wx.authorize can ask (from the index by API)
    asking = timeline.of(Prompt) + calls_of(timeline, [*PRIVACY_INTERFACES, "authorize"])
    for event in sorted(asking, key=TIMELINE_ORDER):
        scope = requested_scope(event)
        if scope is None or not asks(timeline, event, scope):
            continue
        if before_first_tap(timeline, event.t):
            found.setdefault((scope, "launch"), []).append(event)
        elif not is_user_initiated_chain(timeline, event.t, TAP_SCOPE.get(scope, scope), config):
            found.setdefault((scope, "unrelated"), []).append(event)
    for (scope, why), events in found.items():
        first = events[0]
        events = [*events, *found.get((scope, "unrelated"), [])] if why == "launch" else events
        if why == "unrelated" and (scope, "launch") in found:
            continue  # cited by the launch finding of the same scope
        what = first.api if isinstance(first, ApiCall) else "the scope popup"
        cause = "before any tap (at launch)" if why == "launch" else "with no tap on a feature that needs it"
        yield FindingDraft(
            rule="PERM-001",
            status="fail",
            statement=f"{subject_name(scope)} requested by {what} at {since_start(timeline, first.t)} {cause}",
            events=events,
            key=("scope", scope),
        )
