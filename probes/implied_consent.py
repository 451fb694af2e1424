"""CON-005: default or implied consent — a pre-ticked consent checkbox, or "登录即同意" wording.

FAIL (medium) when
- a consent checkbox (its label holds ``consent_label_words``: 同意, 协议, 隐私 ...) is already ticked the
  first time a snapshot shows it: nobody could have ticked it yet;
- a screen shows ``implied_consent_wording`` (RULES.md: ``(登录|注册|继续|使用|进入).{0,6}即(视为|表示|代表)?
  .{0,3}同意``) with no separate agree control on it (a consent checkbox, or an agree-lexicon button
  that is not the very action the wording is about) and personal data is then collected (a PI flow,
  a PI storage write or a successful privacy-API call) without any privacy agreement between the
  wording and the collection.

Reads page snapshots (UISnapshot texts and elements): a session without them is not tested.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from harness.catalogue import PRIVACY_INTERFACES
from harness.event_views import Event, PIMatch, UIElement, UISnapshot
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import (
    element_snapshots,
    is_before,
    is_platform_host,
    lexicon_match,
    own_flows,
    page_elements,
    pi_kind,
    pi_writes,
    privacy_agreements,
    program_pi,
    screen_text,
    shorten,
    since_start,
    snapshots,
    successful_calls,
)
from probes.finding import FindingDraft
from probes.registry import probe


def consent_checkboxes(snapshot: UISnapshot, config: ProbeConfig) -> list[UIElement]:
    return [
        e for e in page_elements(snapshot, "checkbox", "switch") if lexicon_match(e.text, config.consent_label_words)
    ]


def has_agree_control(snapshot: UISnapshot, wording: str, config: ProbeConfig) -> bool:
    """A separate agree control on the screen: a consent checkbox, or an agree-lexicon button whose text
    is not inside the implied-consent sentence itself (登录 in 登录即同意 is the action, not an agreement)."""
    if consent_checkboxes(snapshot, config):
        return True
    for button in page_elements(snapshot, "button"):
        text = button.text.strip()
        if text and text not in wording and lexicon_match(text, config.consent_button_words):
            return True
    return False


def personal(matches: Iterable[PIMatch], config: ProbeConfig) -> list[PIMatch]:
    """The program's strong matches that are about the person (secrets such as an AppSecret are not)."""
    return [m for m in program_pi(matches, config) if not pi_kind(m.type).secret]


def collections(timeline: Timeline, config: ProbeConfig) -> list[Event]:
    """Personal data collected: flows with personal data (to WeChat's own hosts only when the program
    itself sent them, e.g. a client-side jscode2session answering with the openid), PI storage writes,
    successful privacy-interface calls (wx.login and device-info reads are not collection by themselves)."""
    start = timeline.start
    appid = start.appid if start is not None else None
    found: list[Event] = [
        f
        for f in own_flows(timeline)
        if personal(f.pi, config) and (not is_platform_host(f.host, config) or (appid and f.appid == appid))
    ]
    found += [w for w in pi_writes(timeline) if personal(w.pi, config)]
    found += successful_calls(timeline, PRIVACY_INTERFACES)
    return sorted(found, key=lambda e: (e.t, e.seq))


def prechecked(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    seen: set[str] = set()
    for snapshot in element_snapshots(timeline):  # (checkboxes are elements)
        for box in consent_checkboxes(snapshot, config):
            label = " ".join(box.text.split())
            if label in seen:
                continue
            seen.add(label)
            if box.checked:
                yield FindingDraft(
                    rule="CON-005",
                    status="fail",
                    statement=f"the consent checkbox “{shorten(label)}” was already ticked when first shown "
                    f"at {since_start(timeline, snapshot.t)}",
                    events=[snapshot],
                    key=("prechecked", label),
                )


def implied(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    pattern = re.compile(config.implied_consent_wording)
    collected: list[Event] | None = None  # worked out at the first screen with such wording (most have none)
    agreed = [c.t for c in privacy_agreements(timeline)]
    error = timeline.clock_error_ns
    reported: set[str] = set()
    for snapshot in snapshots(timeline):
        text = screen_text(snapshot)
        match = pattern.search(text)
        if match is None:
            continue
        sentence = next((t for t in snapshot.texts if pattern.search(t)), match.group(0))
        if sentence in reported or has_agree_control(snapshot, sentence, config):
            continue
        if collected is None:
            collected = collections(timeline, config)
        after = [e for e in collected if not is_before(e.t, snapshot.t, error)]
        first = next((e for e in after if not any(snapshot.t <= a <= e.t for a in agreed)), None)
        if first is None:
            continue
        reported.add(sentence)
        yield FindingDraft(
            rule="CON-005",
            status="fail",
            statement=f"the screen at {since_start(timeline, snapshot.t)} says “{shorten(sentence)}” with no "
            f"separate agree control, and personal data was collected at {since_start(timeline, first.t)} "
            "without an agreement",
            events=[snapshot, first],
            key=("implied", match.group(0)),
        )


@probe(
    id="implied_consent",
    title="Pre-ticked consent or 使用即同意 wording",
    rules=("CON-005",),
    needs=("page_text",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    yield from prechecked(timeline, config)
    yield from implied(timeline, config)
