"""COL-007: sensitive personal data without a specific notice and separate consent (PIPL 28–30).

FAIL (high) when a flow carries sensitive PI (harness.capture.recognisers.is_sensitive: ID, passport,
bank card, face, voice, a location track) and the collecting screen — the snapshots of the page shown
before the flow, back to the step that reached it, and the developer dialogs shown on it — lacks
- a specific purpose statement: a text with ``purpose_wording`` (用于/以便/为了 ...) that names the data
  (``sensitive_words`` of its type), or
- a separate affirmative control for that data: a checkbox or switch whose label names it or is a
  consent of its own (同意《就诊人信息授权书》, not the privacy policy's ``policy_link_wording``), or an
  agree-lexicon button on the page or in a dialog that names it (a generic 提交 or the privacy-policy
  checkbox is not separate consent).

Reads page snapshots: a session without them is not tested; a flow with no snapshot before it is not
judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from harness.capture.recognisers import is_sensitive
from harness.event_views import Event, Flow, PIMatch, Prompt, UISnapshot
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import (
    button_role,
    endpoint,
    events_between,
    is_platform_host,
    lexicon_match,
    page_elements,
    program_pi_flows,
    prompt_text,
    shorten,
    since_start,
)
from probes.finding import FindingDraft
from probes.registry import probe
from probes.reward_for_id import requesting_screens


def names_data(text: str, words: Sequence[str]) -> bool:
    return bool(words) and lexicon_match(text, words)


def purpose_statement(screens: Sequence[UISnapshot], dialogs: Sequence[Prompt], words: Sequence[str],
                      config: ProbeConfig) -> str | None:
    """The first text of the screen or its dialogs that states a purpose and names the data."""
    pattern = re.compile(config.purpose_wording)
    candidates = [t for s in screens for t in s.texts] + [prompt_text(p) for p in dialogs]
    return next((t for t in candidates if pattern.search(t) and names_data(t, words)), None)


def dedicated_consent(label: str, config: ProbeConfig) -> bool:
    """A consent checkbox for this collection (同意《就诊人信息授权书》), not the general privacy policy's."""
    return lexicon_match(label, config.consent_label_words) and re.search(config.policy_link_wording, label) is None


def separate_control(screens: Sequence[UISnapshot], dialogs: Sequence[Prompt], words: Sequence[str],
                     config: ProbeConfig) -> str | None:
    """A control that consents to this data alone: a checkbox/switch naming it, an agree button naming
    it, or an agree button of a dialog that names it."""
    for screen in screens:
        for element in page_elements(screen, "checkbox", "switch"):
            if names_data(element.text, words) or dedicated_consent(element.text, config):
                return element.text
        for element in page_elements(screen, "button", "link"):
            if names_data(element.text, words) and lexicon_match(element.text, config.consent_button_words):
                return element.text
    for dialog in dialogs:
        agree = next((b for b in dialog.buttons if button_role(b, config) == "agree"), None)
        if agree is not None and names_data(prompt_text(dialog), words):
            return agree.text
    return None


def sensitive_of(program: Iterable[PIMatch]) -> list[PIMatch]:
    """The sensitive ones among a flow's program PI (probes.evidence.own_flows_pi)."""
    return [m for m in program if is_sensitive(m)]


def missing(flow: Flow, data: list[PIMatch], screens: list[UISnapshot], timeline: Timeline,
            config: ProbeConfig) -> list[str]:
    """What the collecting screen lacks for ``data`` (empty: it has both)."""
    dialogs = [p for p in events_between(timeline, Prompt, screens[0].t, flow.t) if p.prompt_kind == "developer_dialog"]
    words = tuple(w for m in data for w in config.sensitive_words.get(m.type, ()))
    lacks = []
    if purpose_statement(screens, dialogs, words, config) is None:
        lacks.append("a purpose statement naming it")
    if separate_control(screens, dialogs, words, config) is None:
        lacks.append("a separate consent control for it")
    return lacks


@probe(
    id="sensitive_consent",
    title="Sensitive personal data without specific notice and separate consent",
    rules=("COL-007",),
    needs=("page_text", "flow"),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    for flow, program in program_pi_flows(timeline, config):
        data = sensitive_of(program)
        if not data or is_platform_host(flow.host, config):
            continue
        screens = requesting_screens(timeline, flow)
        if not screens:
            continue
        lacks = missing(flow, data, screens, timeline, config)
        if not lacks:
            continue
        types = ", ".join(dict.fromkeys(m.type for m in data))
        page = screens[-1].page or f"the screen at {since_start(timeline, screens[-1].t)}"
        events: list[Event] = [screens[-1], flow]
        yield FindingDraft(
            rule="COL-007",
            status="fail",
            statement=f"{types} sent to {shorten(endpoint(flow), 80)} at {since_start(timeline, flow.t)}; "
            f"{page} lacks {' and '.join(lacks)}",
            events=events,
            key=("sensitive", endpoint(flow), types),
            data=data,
        )
