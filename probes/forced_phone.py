"""COL-002: the phone number forced before content — browse-only pages gated behind it.

A screen *asks for the phone number* when it shows a button whose open-type requests it
(``phone_open_types``: getPhoneNumber ...), an input whose placeholder names it (``phone_words``), or
WeChat's phone popup. Then

- FAIL (high) when such a screen also says the content is only shown once the number is given
  (``phone_gate_wording``: 授权手机号后即可查看 ...);
- FAIL when the first screen of the session (before any tap succeeded) asks for the number, a scenario
  tap on browse content (a target without ``login_words``) found nothing to tap there, and that target
  showed up only after the number was given; WARN when it never showed up (the scenario's target may
  simply not exist — the gate is likely but not proven).

Reads page snapshots: a session without them is not tested.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from harness.event_views import Prompt, Step, UISnapshot
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import (
    is_tap,
    lexicon_match,
    page_elements,
    screen_before,
    screen_text,
    shorten,
    since_start,
    snapshots,
    successful_calls,
)
from probes.finding import FindingDraft
from probes.registry import probe

PHONE_POPUP_SCOPE = "phoneNumber"
PHONE_APIS = ("getPhoneNumber", "getRealtimePhoneNumber")


def asks_for_phone(snapshot: UISnapshot, config: ProbeConfig) -> bool:
    for e in page_elements(snapshot, "button", "input"):
        if e.kind == "button" and e.open_type in config.phone_open_types:
            return True
        if e.kind == "input" and lexicon_match(e.text, config.phone_words):
            return True
    return False


def phone_given_at(timeline: Timeline) -> int | None:
    """When the number was handed over: a successful phone API call (or its open-type result)."""
    calls = successful_calls(timeline, PHONE_APIS)
    return calls[0].t if calls else None


def gate_wording(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    pattern = re.compile(config.phone_gate_wording)
    for snapshot in snapshots(timeline):
        if not asks_for_phone(snapshot, config):
            continue
        sentence = next((t for t in snapshot.texts if pattern.search(t)), None)
        if sentence is None:
            continue
        yield FindingDraft(
            rule="COL-002",
            status="fail",
            statement=f"the screen at {since_start(timeline, snapshot.t)} asks for the phone number and says "
            f"“{shorten(sentence)}”: content is gated behind it",
            events=[snapshot],
            key=("gate", shorten(sentence)),
        )
        return  # one gate is the finding; the same page on later steps adds nothing


def first_screen_taps(timeline: Timeline) -> list[tuple[Step, UISnapshot]]:
    """Scenario taps that found nothing to tap while the first screen (before any successful tap) was
    shown, with that screen."""
    first_ok = next((s.t for s in timeline.of(Step) if is_tap(s)), None)
    missed: list[tuple[Step, UISnapshot]] = []
    for step in timeline.of(Step):
        if step.action != "tap" or step.result not in ("skipped", "failed"):
            continue
        if first_ok is not None and step.t > first_ok:
            break
        shown = screen_before(timeline, step.t)
        if shown is not None:
            missed.append((step, shown))
    return missed


def gated_targets(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    given = phone_given_at(timeline)
    for step, shown in first_screen_taps(timeline):
        target = step.target or ""
        if not target or lexicon_match(target, config.login_words) or not asks_for_phone(shown, config):
            continue
        later = [
            s for s in snapshots(timeline) if given is not None and s.t > given and target in screen_text(s)
        ]
        phone_popups = [p for p in timeline.of(Prompt) if p.scope == PHONE_POPUP_SCOPE]
        evidence = [shown, step, *later[:1]]
        if later:
            statement = (
                f"the first screen asks for the phone number; “{shorten(target)}” could not be reached at "
                f"{since_start(timeline, step.t)} and showed up only after the number was given "
                f"at {since_start(timeline, given or 0)}"
            )
        else:
            statement = (
                f"the first screen asks for the phone number and “{shorten(target)}” could not be reached "
                f"at {since_start(timeline, step.t)}"
            )
        yield FindingDraft(
            rule="COL-002",
            status="fail" if later else "warn",
            statement=statement,
            events=evidence + phone_popups[:1],
            key=("gated", target),
        )


@probe(
    id="forced_phone",
    title="Phone number forced before content",
    rules=("COL-002",),
    needs=("page_elements",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    yield from gate_wording(timeline, config)
    yield from gated_targets(timeline, config)
