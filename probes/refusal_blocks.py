"""CON-003: refusing consent ends the mini program or blocks its basic functions.

Within ``follow_up_window_s`` after a refusal of the privacy agreement or of a scope whose category is
not necessary for the configured service type (any scope when no service type is configured):
- the mini program exits: wx.exitMiniProgram (or another ``exit_apis`` call) or a lifecycle "exit";
- a refusal wall: a dialog saying the service cannot be used without agreeing (``blocked_wording``)
  that offers no reject control;
- the refused subject is asked for again after each of two consecutive taps on other features (the
  dialog reappears on every basic-function tap; a tap on the refused feature itself may re-ask).
Not decidable from one session: "works in S3 but not in S2" (it compares two sessions).
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.catalogue import PRIVACY_INTERFACES
from harness.event_views import Event, Lifecycle, Prompt
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import (
    PRIVACY,
    Refusal,
    button_role,
    calls_of,
    events_between,
    per_timeline,
    prompt_subjects,
    prompt_text,
    refusal_windows,
    regex_search,
    shorten,
    since_start,
    tap_subjects,
    taps_between,
)
from probes.finding import FindingDraft
from probes.registry import probe
from probes.repeated_prompts import subject_name

_FOREVER = 1 << 62  # no agreement closed the refusal: its window runs to the end of the session

SCOPE_CATEGORY = {iface.scope: iface.category for iface in PRIVACY_INTERFACES.values() if iface.scope}


def necessary_scope(subject: str, config: ProbeConfig) -> bool:
    """The scope's category is necessary for the configured service type (39类)."""
    necessary = config.necessary_categories.get(config.service_type or "", ())
    return SCOPE_CATEGORY.get(subject) in necessary


def _in_window(timeline: Timeline, refusal: Refusal, t: int, config: ProbeConfig) -> bool:
    error = timeline.clock_error_ns
    return refusal.t - error <= t <= refusal.t + config.follow_up_window_ns + error


def exits_after(timeline: Timeline, refusal: Refusal, config: ProbeConfig) -> list[Event]:
    """Exit calls and exit lifecycle events within the follow-up window of the refusal."""
    error = timeline.clock_error_ns
    lo, hi = refusal.t - error, refusal.t + config.follow_up_window_ns + error  # the window, as _in_window
    found: list[Event] = [c for c in calls_of(timeline, config.exit_apis) if lo <= c.t <= hi]
    found += [e for e in exits(timeline) if lo <= e.t <= hi]
    return found


def exits(timeline: Timeline) -> list[Lifecycle]:
    """The "exit" lifecycle events, in time order (picked once per timeline: asked per refusal)."""
    return per_timeline(timeline, "exits", lambda tl: [e for e in tl.of(Lifecycle) if e.event == "exit"])


def walls_after(timeline: Timeline, refusal: Refusal, config: ProbeConfig) -> list[Prompt]:
    """Dialogs after the refusal that say nothing works without agreeing and cannot be declined."""
    error = timeline.clock_error_ns
    return [
        p
        for p in events_between(timeline, Prompt, refusal.t + 1, refusal.t + config.follow_up_window_ns + error)
        if p.t > refusal.t
        and _in_window(timeline, refusal, p.t, config)
        and regex_search(config.blocked_wording, prompt_text(p))
        and not any(button_role(b, config) == "reject" for b in p.buttons)
    ]


def reprompted_taps(
    timeline: Timeline, subject: str, refusal: Refusal, end: int | None, config: ProbeConfig
) -> list[Event]:
    """Two consecutive taps after the refusal, each followed by a prompt for the subject before the next
    tap (and within the follow-up window): the taps and the prompts, or [] when no such pair exists."""
    # (times are integers: after the refusal and before the agreement is refusal.t + 1 ..= end - 1, a slice)
    tapped = taps_between(timeline, refusal.t + 1, end - 1 if end is not None else refusal.t + _FOREVER)
    # no prompt for the subject up to the last tap's window: no tap was asked again (the taps' subjects,
    # which cost most, are not worked out; the taps kept below are among these, the prompts too)
    bound = tapped[-1].t + config.follow_up_window_ns if tapped else refusal.t
    if not any(subject in prompt_subjects(p, config) for p in events_between(timeline, Prompt, refusal.t, bound)):
        return []
    # a tap on the refused feature itself may be asked again (PERM-002 judges that)
    later = [s for s in tapped if subject not in tap_subjects(s, config)]
    last = later[-1].t + config.follow_up_window_ns if later else refusal.t
    prompts = [p for p in events_between(timeline, Prompt, refusal.t, last) if subject in prompt_subjects(p, config)]
    run: list[Event] = []
    for index, tap in enumerate(later):
        limit = later[index + 1].t if index + 1 < len(later) else tap.t + config.follow_up_window_ns
        limit = min(limit, tap.t + config.follow_up_window_ns)
        asked = [p for p in prompts if tap.t <= p.t <= limit]
        if not asked:
            run = []
            continue
        run += [tap, asked[0]]
        if len(run) >= 4:
            return run
    return []


@probe(
    id="refusal_blocks",
    title="Refusal ends the mini program or blocks basic functions",
    rules=("CON-003",),
    needs=("refusal",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    for subject, refusal, end in refusal_windows(timeline):
        if subject != PRIVACY and necessary_scope(subject, config):
            continue
        refused = f"{subject_name(subject)} refused at {since_start(timeline, refusal.t)}"
        exits = exits_after(timeline, refusal, config)
        if exits:
            yield FindingDraft(
                rule="CON-003",
                status="fail",
                statement=f"{refused}; the mini program exited at {since_start(timeline, exits[0].t)}",
                events=[refusal.event, *exits],
                key=("exit", subject),
            )
        walls = walls_after(timeline, refusal, config)
        if walls:
            yield FindingDraft(
                rule="CON-003",
                status="fail",
                statement=f'{refused}; then "{shorten(prompt_text(walls[0]), 50)}" with no way to decline '
                f"at {since_start(timeline, walls[0].t)}",
                events=[refusal.event, *walls],
                key=("wall", subject),
            )
        repeated = reprompted_taps(timeline, subject, refusal, end, config)
        if repeated:
            yield FindingDraft(
                rule="CON-003",
                status="fail",
                statement=f"{refused}; asked again after each of two consecutive taps from "
                f"{since_start(timeline, repeated[0].t)}",
                events=[refusal.event, *repeated],
                key=("every_tap", subject),
            )
