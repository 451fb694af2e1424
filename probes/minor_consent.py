"""COL-009: personal data of a child under 14 sent with no guardian consent (PIPL 31).

Needs the S10 minor profile: a scenario's ``profile: {id_card: minor}`` seeds the resident ID of a child
under 14 (a real date, a valid checksum; harness.profiles) as the canary ``id_card.minor``, which the
scenario types where the program asks for an ID. FAIL (high) when the program sends that canary (a flow
of its own, not to WeChat; timed at its wx.request call) with no guardian-consent step before it:

- a tap on a control whose text names the guardian and consent (我是孩子的监护人，已阅读并同意…);
- a page snapshot showing a ticked checkbox or switch with such a label;
- a dialog whose text names the guardian and consent, answered with its agree control (a Consent
  citing the dialog, or a tap on one of its agree buttons).

Scope: the canary marks the person as a minor; the probe does not read ages from other IDs (flows hold
masked values only), nor judge whether the person confirming really is the guardian. Not tested when
the minor canary never shows up (no minor profile, or the program never received it).
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.event_views import EVENT_VIEWS, Consent, Event, Flow, PIMatch, Prompt, Step
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.consent_before_collection import SENDING_APIS, send_times, sent_at
from probes.evidence import (
    button_role,
    calls_of,
    canary_carriers,
    element_snapshots,
    endpoint,
    is_before,
    is_platform_host,
    is_tap,
    lexicon_match,
    own_canary_flows,
    prompt_text,
    shorten,
    since_start,
    step_text,
)
from probes.finding import FindingDraft
from probes.registry import probe

MINOR_CANARY = "id_card.minor"
_PI_KINDS = [kind for kind in EVENT_VIEWS if "pi" in kind.__struct_fields__]  # event kinds with PI


def minor_data(event: Event) -> list[PIMatch]:
    """The minor canary's matches in a flow (or storage write / call carrying PI)."""
    if "pi" not in type(event).__struct_fields__:  # asked of every event: a getattr miss raises inside
        return []
    return [m for m in event.pi if m.canary == MINOR_CANARY]  # type: ignore[union-attr]


def guardian_agreement(text: str, config: ProbeConfig) -> bool:
    """Text that names the guardian and consent: 我是孩子的监护人，已阅读并同意《儿童个人信息保护规则》."""
    return lexicon_match(text, config.guardian_words) and lexicon_match(text, config.consent_button_words)


def guardian_consents(timeline: Timeline, config: ProbeConfig) -> list[Event]:
    """Every guardian-consent step of the session, in time order."""
    found: list[Event] = [s for s in timeline.of(Step) if is_tap(s) and guardian_agreement(step_text(s), config)]
    found += [s for s in element_snapshots(timeline) if any(
        e.kind in ("checkbox", "switch") and e.checked and guardian_agreement(e.text, config) for e in s.elements)]
    found += [answer for p in timeline.of(Prompt) if guardian_agreement(prompt_text(p), config)
              for answer in agreed_answers(timeline, p, config)[:1]]
    return sorted(found, key=lambda e: (e.t, e.seq))


def agreed_answers(timeline: Timeline, prompt: Prompt, config: ProbeConfig) -> list[Event]:
    """How a guardian dialog was agreed to: a Consent citing it, or a tap on one of its agree buttons."""
    agree_texts = {b.text for b in prompt.buttons if button_role(b, config) == "agree"}
    answers: list[Event] = [c for c in timeline.of(Consent) if c.prompt_seq == prompt.seq and c.action == "agree"]
    answers += [s for s in timeline.of(Step) if is_tap(s) and s.t >= prompt.t and (s.target or "") in agree_texts]
    return sorted(answers, key=lambda e: (e.t, e.seq))


def minor_flows(timeline: Timeline, config: ProbeConfig) -> list[tuple[Flow, int]]:
    """(flow, when the program sent it) for the program's flows carrying the minor canary."""
    sends = send_times(calls_of(timeline, SENDING_APIS))
    return [(f, sent_at(f, sends, timeline.clock_error_ns)) for f in own_canary_flows(timeline)
            if minor_data(f) and not is_platform_host(f.host, config)]


def has_minor_canary(timeline: Timeline, config: ProbeConfig) -> bool:
    """The session used the minor profile and the program got the child's ID (evidence ``minor_canary``):
    asked of the events of the kinds that carry PI (Flow, StorageWrite) that carry any canary."""
    return any(m.canary == MINOR_CANARY for kind in _PI_KINDS for e in canary_carriers(timeline, kind) for m in e.pi)


@probe(
    id="minor_consent",
    title="A child's personal data sent without guardian consent",
    rules=("COL-009",),
    needs=("minor_canary",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    consents = guardian_consents(timeline, config)
    error = timeline.clock_error_ns
    for flow, sent in minor_flows(timeline, config):
        if any(is_before(c.t, sent, error) for c in consents):
            continue
        yield FindingDraft(
            rule="COL-009",
            status="fail",
            statement=f"the resident ID of a child under 14 ({MINOR_CANARY}) was sent to "
            f"{shorten(endpoint(flow), 60)} at {since_start(timeline, sent)} with no guardian consent "
            f"(监护人 + 同意) before it",
            events=[flow],
            key=("endpoint", endpoint(flow)),
            data=minor_data(flow),
        )
