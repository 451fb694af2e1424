"""POL-001: no prominent privacy notice before the first collection (认定方法 一.2, WX-PA).

A notice is a dialog or a page showing privacy wording (``privacy_words``), a policy link
(``policy_link_wording``: 《…隐私…》) and both an agree control (an agree-lexicon button, or a consent
checkbox) and a reject control. WeChat's official privacy popup is a notice too, but only for the
privacy-interface categories it guards (harness.catalogue.PRIVACY_INTERFACES): it appears while such a
call is pending and says nothing about data the program sends or stores by itself.

PI events, in time order:
- a privacy-interface call attempt (whatever its result), covered by any notice up to its result (or
  while it is still pending);
- a flow carrying the program's personal data (not to WeChat platform hosts), a storage write holding
  personal data: covered by a developer notice shown before it, or by WeChat's popup when all the data
  is of privacy-interface categories (location, phone number ...: the popup announced them);
- a form input asking for personal data (an idcard input, or a placeholder naming phone/ID/bank card):
  covered only by a developer notice.

FAIL (high) when the earliest PI event not covered comes before (beyond the clock error bound) any
covering notice. Reads page snapshots: a session without them is not tested.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter

from harness.catalogue import PRIVACY_INTERFACES
from harness.event_views import ApiCall, Event, Flow, PIMatch, Prompt, StorageWrite, UISnapshot
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import (
    button_role,
    calls_of,
    done_at,
    element_snapshots,
    is_platform_host,
    lexicon_match,
    page_elements,
    pi_kind,
    pi_writes,
    program_pi,
    program_pi_flows,
    prompt_text,
    shorten,
    since_start,
)
from probes.finding import FindingDraft
from probes.registry import probe

NEVER = 2**63
_TYPE = attrgetter("type")
INTERFACE_CATEGORIES = frozenset(i.category for i in PRIVACY_INTERFACES.values())
ID_FIELD_WORDS = ("身份证", "证件号", "银行卡", "卡号", "真实姓名")


@dataclass(frozen=True)
class PIEvent:
    """Something that collects personal data: the event, when it counts, its personal data (a flow's, a
    write's) or the form field asking for it, and what it is, for statements (worded only when asked:
    one statement is made of the thousands of PI events of a long session)."""

    event: Event
    t: int
    interface: bool  # a privacy-interface call or its categories of data, which WeChat's own popup covers
    data: tuple[PIMatch, ...] = ()
    field: str = ""

    @property
    def what(self) -> str:
        event = self.event
        types = ", ".join(dict.fromkeys(m.type for m in self.data))
        if isinstance(event, ApiCall):
            return f"{event.api} called"
        if isinstance(event, Flow):
            return f"{types} sent to {event.host}"
        if isinstance(event, StorageWrite):
            return f"{types} written to storage key “{shorten(event.key)}”"
        return f"a form asked for “{shorten(self.field)}”"


def _words_and_link(text: str, config: ProbeConfig) -> bool:
    """(The link first: one search of the text as it is, where the words need it normalised.)"""
    return re.search(config.policy_link_wording, text) is not None and lexicon_match(text, config.privacy_words)


def is_notice_dialog(prompt: Prompt, config: ProbeConfig) -> bool:
    """A developer dialog with privacy wording, a policy link, an agree and a reject button."""
    if prompt.prompt_kind != "developer_dialog" or not _words_and_link(prompt_text(prompt), config):
        return False
    roles = {button_role(b, config) for b in prompt.buttons}
    return {"agree", "reject"} <= roles


def is_notice_page(snapshot: UISnapshot, config: ProbeConfig) -> bool:
    """A screen of the program's own with privacy wording, a policy link, and agree and reject buttons or
    an unticked consent checkbox."""
    own = [e for e in snapshot.elements if not e.native]  # WeChat's popup drawn over the page is not the page's
    controls = [e for e in own if e.kind in ("button", "link", "checkbox")]
    if not controls:  # no agree, reject or consent control (a screen without elements has none): no text to read
        return False
    text = " ".join(e.text for e in own if e.kind == "text")
    if not _words_and_link(text, config):
        return False
    roles = {button_role_of(e.text, config) for e in controls if e.kind in ("button", "link")}
    # An unticked consent checkbox is an agree and a reject control at once: leaving it unticked refuses
    # (a ticked one is CON-005's business, not a notice).
    boxes = [e for e in controls if e.kind == "checkbox" and not e.checked
             and lexicon_match(e.text, config.consent_label_words)]
    return bool(boxes) or {"agree", "reject"} <= roles


def button_role_of(text: str, config: ProbeConfig) -> str:
    if lexicon_match(text, config.reject_words):
        return "reject"
    if lexicon_match(text, config.agree_words):
        return "agree"
    return "other"


def developer_notice(timeline: Timeline, config: ProbeConfig) -> Event | None:
    """The first developer notice: a notice dialog or a notice page, whichever was seen first."""
    found: list[Event] = [p for p in timeline.of(Prompt) if is_notice_dialog(p, config)]
    # (in time order: the first; a snapshot without controls is never a notice page)
    page = next((s for s in element_snapshots(timeline) if is_notice_page(s, config)), None)
    found += [page] if page is not None else []
    return min(found, key=lambda e: (e.t, e.seq), default=None)


def official_popup(timeline: Timeline) -> Prompt | None:
    return next((p for p in timeline.of(Prompt) if p.prompt_kind == "privacy_popup"), None)


def personal(event_pi: list[PIMatch], config: ProbeConfig) -> list[PIMatch]:
    return [m for m in program_pi(event_pi, config) if not pi_kind(m.type).secret]


def pi_field(snapshot: UISnapshot, config: ProbeConfig) -> str | None:
    """The first input on the screen asking for personal data (its placeholder, or its input type)."""
    for field in page_elements(snapshot, "input", "textarea"):
        if field.input_type == "idcard" or lexicon_match(field.text, (*config.phone_words, *ID_FIELD_WORDS)):
            return field.text or field.input_type
    return None


def interface_data(data: list[PIMatch]) -> bool:
    """All of ``data`` is of categories WeChat's privacy interfaces hand out (location, phone number ...),
    which its own popup announces; an email, an ID or device data is not."""
    return all(pi_kind(m.type).category in INTERFACE_CATEGORIES for m in data)


@lru_cache(maxsize=1024)
def _kinds_of(types: frozenset[str]) -> tuple[bool, bool]:
    """(any of ``types`` is personal data rather than a secret, all of those are ``interface_data``): asked
    for every flow carrying PI, of a few distinct sets of types, answered once each."""
    personal_types = [t for t in types if not pi_kind(t).secret]
    return bool(personal_types), all(pi_kind(t).category in INTERFACE_CATEGORIES for t in personal_types)


def first_uncovered(timeline: Timeline, config: ProbeConfig, dev: Event | None, official: Prompt | None) -> PIEvent | None:
    """The earliest PI event no notice covers: each kind of PI event is read in time order up to its first
    uncovered one, and the earliest of those is the session's (nothing is made of the covered ones, and
    data seen after the developer's notice is covered whatever it is)."""
    error = timeline.clock_error_ns
    # from when data is covered, by `interface`: what comes earlier is uncovered
    covered_from = (_covered_from((dev,), error), _covered_from((dev, official), error))
    data_until = dev.t - error if dev is not None else NEVER  # at or after it, the notice covers any data
    found = [
        next((PIEvent(c, c.t, True) for c in calls_of(timeline, PRIVACY_INTERFACES) if _until(c) < covered_from[True]),
             None),
        _first_flow(timeline, config, covered_from, data_until),
        _first_write(timeline, config, covered_from, data_until),
        _first_form(timeline, config, covered_from),
    ]
    return min((e for e in found if e is not None), key=_in_time_order, default=None)


def _in_time_order(item: PIEvent) -> tuple[int, int]:
    return item.t, item.event.seq


def _until(call: ApiCall) -> int:
    """Up to when a notice covers a call: a popup shown while it was pending (no result yet) covers it."""
    return NEVER if call.t_result is None else done_at(call)


def _first_flow(timeline: Timeline, config: ProbeConfig, covered_from: tuple[float, float],
                data_until: int) -> PIEvent | None:
    for flow, program in program_pi_flows(timeline, config):
        t = flow.t
        if t >= data_until:
            return None
        personal_data, interface = _kinds_of(frozenset(map(_TYPE, program)))
        if personal_data and t < covered_from[interface] and not is_platform_host(flow.host, config):
            return PIEvent(flow, flow.t, interface, tuple(m for m in program if not pi_kind(m.type).secret))
    return None


def _first_write(timeline: Timeline, config: ProbeConfig, covered_from: tuple[float, float],
                 data_until: int) -> PIEvent | None:
    for write in pi_writes(timeline):
        if write.t >= data_until:
            return None
        data = personal(write.pi, config)
        if data and write.t < covered_from[interface := interface_data(data)]:
            return PIEvent(write, write.t, interface, tuple(data))
    return None


def _first_form(timeline: Timeline, config: ProbeConfig, covered_from: tuple[float, float]) -> PIEvent | None:
    """The first form asking for personal data, when no notice covers it."""
    for snapshot in element_snapshots(timeline):  # (a snapshot without controls has no input)
        field = pi_field(snapshot, config)
        if field is not None:
            return PIEvent(snapshot, snapshot.t, False, field=field) if snapshot.t < covered_from[False] else None
    return None


def _covered_from(notices: tuple[Event | None, ...], error: int) -> float:
    """From when one of ``notices`` covers what comes (ties within the clock error count as before; never:
    infinity): the developer's notice covers anything, WeChat's popup privacy-interface data too. A bound
    worked out once, not a test of each notice for each of the session's PI events."""
    return min((n.t - error for n in notices if n is not None), default=math.inf)


@probe(
    id="privacy_notice",
    title="No privacy notice before the first collection",
    rules=("POL-001",),
    needs=("page_text",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    dev = developer_notice(timeline, config)
    official = official_popup(timeline)
    first = first_uncovered(timeline, config, dev, official)
    if first is None:
        return
    if dev is None:
        shown = "no privacy notice with a policy link and agree/reject controls was shown"
    else:
        shown = f"the privacy notice came only at {since_start(timeline, dev.t)}"
    if not first.interface and official is not None:
        shown += f" (WeChat's popup at {since_start(timeline, official.t)} covers privacy-interface calls only)"
    events: list[Event] = [first.event] + ([dev] if dev is not None else [])
    yield FindingDraft(
        rule="POL-001",
        status="fail",
        statement=f"{first.what} at {since_start(timeline, first.t)}; {shown}",
        events=events,
        key=("first_pi",),
        data=personal(getattr(first.event, "pi", []), config),
    )
