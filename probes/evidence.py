"""Shared readings of a timeline: consent and refusal times, PI flows, dialogs, user-initiated taps.

Every probe that asks "when did the user consent?" or "was this prompt caused by a tap?" asks here,
so that all probes answer the same way. All functions are pure.

Clock skew: events come from several sources (driver, Frida, proxy) whose clocks are mapped onto the
host clock within ``timeline.clock_error_ns``. Comparisons across sources therefore only call an
event "before" a reference time when it is before it by more than that bound (``is_before``).
"""

from __future__ import annotations

import importlib
import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, compress, repeat
from operator import attrgetter, itemgetter, not_
from types import ModuleType
from typing import Literal, TypeVar
from urllib.parse import urlsplit

from harness.catalogue import scope_in_text, scope_of
from harness.event_views import (
    ApiCall,
    Consent,
    Event,
    Flow,
    Lifecycle,
    NativeCall,
    PIMatch,
    Prompt,
    SessionStart,
    Step,
    StorageWrite,
    UIButton,
    UIElement,
    UISnapshot,
    to_view,
)
from harness.timeline import EventT, Timeline
from harness.timeline import PIMatch as PIMatchModel
from probes.config import NS_PER_S, ProbeConfig

T = TypeVar("T")

_T = attrgetter("t")
_SECOND = itemgetter(1)
# The timeline's order of events, (t, seq), as a sort key read in C (no Python call per event sorted).
TIMELINE_ORDER = attrgetter("t", "seq")


def _time_index(timeline: Timeline, name: str, select: Callable[[Timeline], list]) -> tuple[list, list[int]]:
    """``select(timeline)`` (time-ordered events) and their times, computed once per timeline: probes ask
    "which taps/steps/prompts around t" once per call or flow, and a scan each time is O(n^2)."""
    def index(tl: Timeline) -> tuple[list, list[int]]:
        events = select(tl)
        return events, list(map(_T, events))

    return per_timeline(timeline, name, index)


def per_timeline(timeline: Timeline, key: object, compute: Callable[[Timeline], T]) -> T:
    """``compute(timeline)``, worked out once per timeline and dropped with it: for the few readings
    several probes (or the evidence checks and a probe) make of the whole session, such as its policy
    screens. Only for small results: the cache lives as long as the timeline."""
    cache = timeline.memo
    if key not in cache:
        cache[key] = compute(timeline)  # type: ignore[assignment]
    return cache[key]  # type: ignore[return-value]


def per_config(timeline: Timeline, config: ProbeConfig, key: object,
               compute: Callable[[Timeline, ProbeConfig], T]) -> T:
    """``compute(timeline, config)`` once per timeline while the same config object is asked (a probe and
    the evidence checks of its kind ask with the one config of an analysis); another config recomputes."""
    cache = timeline.memo
    held = cache.get(key)
    if held is None or held[0] is not config:
        held = cache[key] = (config, compute(timeline, config))  # type: ignore[assignment]
    return held[1]  # type: ignore[return-value]


def events_between(timeline: Timeline, kind: type[EventT], lo: int, hi: int) -> list[EventT]:
    """The events of ``kind`` with ``lo <= t <= hi`` in time order, by bisection of a per-timeline index."""
    return _between(timeline, kind.__name__, lambda tl: tl.of(kind), lo, hi)


def _between(timeline: Timeline, name: str, select: Callable[[Timeline], list], lo: int, hi: int) -> list:
    """The selected events with ``lo <= t <= hi``, in time order."""
    events, times = _time_index(timeline, name, select)
    return events[bisect_left(times, lo) : bisect_right(times, hi)]

PRIVACY = "privacy"  # the subject of the privacy agreement (Consent.subject, refusals)
CONSENT_DIALOG_KINDS = ("privacy_popup", "scope", "developer_dialog")
PRIVACY_REFUSAL_ERRNOS = (103, 104)


# --- time ---------------------------------------------------------------------------------------


def session_t0(timeline: Timeline) -> int:
    """The session's time origin: session_start, else the first event."""
    start = timeline.start
    if start is not None:
        return start.t
    return timeline.events[0].t if timeline.events else 0


def since_start(timeline: Timeline, t: int) -> str:
    """``t`` as seconds since session start, for statements: "7.9 s"."""
    tenths = (t - session_t0(timeline) + NS_PER_S // 20) // (NS_PER_S // 10)  # half-up, in integers
    sign = "-" if tenths < 0 else ""
    return f"{sign}{abs(tenths) // 10}.{abs(tenths) % 10} s"


def is_before(t: int, reference: int, error_ns: int) -> bool:
    """True when ``t`` is before ``reference`` beyond the clock error bound (a tie is not "before")."""
    return t < reference - error_ns


def done_at(call: ApiCall) -> int:
    """When a call's effect happened: its result time if seen, else its call time."""
    return call.t_result if call.t_result is not None else call.t


# --- consent and refusal ------------------------------------------------------------------------


def privacy_agreements(timeline: Timeline) -> list[Consent]:
    """Every privacy agreement (popup agree, or agree on a developer's consent dialog), in time order."""
    return [c for c in timeline.of(Consent) if c.action == "agree" and c.subject == PRIVACY]


def consent(timeline: Timeline) -> Consent | None:
    """The first privacy agreement of the session; scope grants are not privacy consent."""
    agreements = privacy_agreements(timeline)
    return agreements[0] if agreements else None


def t_consent(timeline: Timeline) -> int | None:
    first = consent(timeline)
    return first.t if first is not None else None


@dataclass(frozen=True)
class Refusal:
    subject: str  # "privacy" or a scope
    t: int
    event: Event  # the Consent or the failed ApiCall that shows it


def _refused_subject(call: ApiCall) -> str | None:
    if call.ok is not False:
        return None
    message = (call.err_msg or "").lower()
    if "auth deny" in message:
        if call.api == "authorize" and isinstance(call.args, dict):
            scope = call.args.get("scope")
            return scope if isinstance(scope, str) else None
        return scope_of(call.api)
    if call.errno in PRIVACY_REFUSAL_ERRNOS or "privacy permission is not authorized" in message:
        return PRIVACY
    return None


def refusals(timeline: Timeline, subject: str | None = None) -> list[Refusal]:
    """Refusals in time order: a Consent refuse, an "auth deny" failure of a scope's API, or a privacy
    refusal (errno 103/104, "privacy permission is not authorized"). ``subject`` filters."""
    found = _time_index(timeline, "refusals", _all_refusals)[0]
    return [r for r in found if subject is None or r.subject == subject]


def _all_refusals(timeline: Timeline) -> list[Refusal]:
    found = [Refusal(c.subject, c.t, c) for c in timeline.of(Consent) if c.action == "refuse"]
    for call in calls_with_errors(timeline):
        if call.ok is False:  # (what _refused_subject asks first, inline)
            refused = _refused_subject(call)
            if refused is not None:
                found.append(Refusal(refused, done_at(call), call))
    found.sort(key=lambda r: (r.t, r.event.seq))
    return found


def agreements(timeline: Timeline, subject: str) -> list[Consent]:
    return [c for c in timeline.of(Consent) if c.action == "agree" and c.subject == subject]


def first_agreement_t(timeline: Timeline, subject: str) -> int | None:
    """When ``subject`` was first agreed to (None: never), computed once per timeline and subject."""
    found = _time_index(timeline, f"agreements:{subject}", lambda tl: agreements(tl, subject))[1]
    return found[0] if found else None  # in time order


def refusal_windows(timeline: Timeline) -> list[tuple[str, Refusal, int | None]]:
    """(subject, opening refusal, closing agreement time or None) for every span in which a subject
    stood refused: from a refusal to the next agreement for the same subject."""
    windows: list[tuple[str, Refusal, int | None]] = []
    for subject in dict.fromkeys(r.subject for r in refusals(timeline)):
        agreed_at = [c.t for c in agreements(timeline, subject)]
        closed_at: int | None = -1
        for refusal in refusals(timeline, subject):
            if closed_at is None or refusal.t <= closed_at:
                continue  # still inside the open window
            later = bisect_right(agreed_at, refusal.t)  # agreements are in time order
            closed_at = agreed_at[later] if later < len(agreed_at) else None
            windows.append((subject, refusal, closed_at))
    return windows


# --- personal data and flows --------------------------------------------------------------------


def is_strong(match: PIMatch) -> bool:
    """A match a FAIL may rest on: high confidence, or a seeded canary."""
    return match.confidence == "high" or match.canary is not None


def strong_pi(matches: Iterable[PIMatch]) -> list[PIMatch]:
    return [m for m in matches if is_strong(m)]


def api_call_pi(call: ApiCall) -> list[PIMatch]:
    """PI matches attached to a call's arguments (``args["pi"]``, as the recorder scans socket sends).

    The timeline has no ``ApiCall.pi`` field yet; until it has, matches are read from ``args`` when a
    recogniser put them there, and calls with plain arguments carry none.
    """
    if not isinstance(call.args, dict):
        return []
    raw = call.args.get("pi")
    if not isinstance(raw, list):
        return []
    matches: list[PIMatch] = []
    for item in raw:
        try:
            matches.append(to_view(PIMatchModel.model_validate(item)))
        except ValueError:
            continue  # attacker-controlled args: a malformed entry is not a match
    return matches


def event_pi(event: Event) -> list[PIMatch]:
    if isinstance(event, (Flow, StorageWrite)):
        return list(event.pi)
    if isinstance(event, ApiCall):
        return api_call_pi(event)
    return []


def is_platform_host(host: str, config: ProbeConfig) -> bool:
    """WeChat's own endpoints (login, avatars, page frames): PI sent there is not the program's."""
    return _is_platform_host(host, config.platform_host_suffixes)


@lru_cache(maxsize=4096)
def _is_platform_host(host: str, suffixes: tuple[str, ...]) -> bool:
    """Asked for every flow, of a few distinct hosts: answered once each."""
    host = host.lower().rstrip(".")
    return any(host == s or host.endswith("." + s) for s in suffixes)


def pi_writes(timeline: Timeline) -> list[StorageWrite]:
    """The storage writes carrying any PI match, in time order: most carry none, and the probes of stored
    personal data look only at these (picked once per timeline, a new list each time)."""
    return list(per_timeline(timeline, "pi writes", lambda tl: [w for w in tl.of(StorageWrite) if w.pi]))


def own_flows(timeline: Timeline) -> list[Flow]:
    """Flows of the mini program under test (flows attributed to another appid are left out); selected
    once per timeline (a dozen probes ask), a new list each time."""
    return list(per_timeline(timeline, "own flows", _own_flows))


def _own_flows(timeline: Timeline) -> list[Flow]:
    appid = _appid(timeline)
    return [f for f in timeline.of(Flow) if f.appid is None or appid is None or f.appid == appid]


def _appid(timeline: Timeline) -> str | None:
    start = timeline.start
    return start.appid if isinstance(start, SessionStart) else None


def canary_carriers(timeline: Timeline, kind: type[EventT]) -> list[EventT]:
    """The events of ``kind`` (Flow, StorageWrite) carrying a match of a seeded canary, in time order: the
    probes of seeded values (a minor's ID, the clipboard's content, the profile before a deletion) look at
    these few, not at every match of every flow (picked once per timeline and kind)."""
    return per_timeline(timeline, ("canary carriers", kind), lambda tl: [
        e for e in tl.of(kind) if e.pi and any(m.canary is not None for m in e.pi)])  # type: ignore[attr-defined]


def own_canary_flows(timeline: Timeline) -> list[Flow]:
    """``own_flows`` that carry a seeded canary's match (``canary_carriers``), in time order."""
    appid = _appid(timeline)
    return [f for f in canary_carriers(timeline, Flow) if f.appid is None or appid is None or f.appid == appid]


def pi_flows(timeline: Timeline, config: ProbeConfig, *, include_platform: bool = False) -> list[Flow]:
    """The program's flows carrying strong PI it put there, by default without those to WeChat platform
    hosts."""
    return [
        f
        for f, pi in program_pi_flows(timeline, config)
        if include_platform or not is_platform_host(f.host, config)
    ]


def own_flows_pi(timeline: Timeline, config: ProbeConfig) -> list[Sequence[PIMatch]]:
    """``program_pi(flow.pi, config)`` of each of ``own_flows(timeline)``, in the same order (zip them):
    a dozen probes ask it of every flow, so it is worked out once per timeline and config. Read-only: a
    flow whose matches are all the program's shares its own ``pi`` list (no copy per flow of a long
    session), one without any gets ``()``."""
    return _own_flows_readings(timeline, config)[0]


def own_flows_device_pi(timeline: Timeline, config: ProbeConfig) -> list[Sequence[PIMatch]]:
    """The device information each of ``own_flows(timeline)`` carries that the program put there (types
    ``device_info_pi_types``, not of low confidence, not client-set), in the same order; read-only, as
    ``own_flows_pi``. Device information leaving the device counts once the program read it (CON-001,
    CON-002)."""
    return _own_flows_readings(timeline, config)[1]


def _own_flows_readings(timeline: Timeline, config: ProbeConfig) -> tuple[list[Sequence[PIMatch]], list[Sequence[PIMatch]]]:
    return per_config(timeline, config, "own flows' program pi", _read_own_flows)


def _read_own_flows(timeline: Timeline, config: ProbeConfig) -> tuple[list[Sequence[PIMatch]], list[Sequence[PIMatch]]]:
    """Both readings of each flow's matches in one pass (reading a flow's matches costs more than the tests)."""
    prefixes = config.client_set_pi_locations
    device_types = config.device_info_pi_types
    program: list[Sequence[PIMatch]] = []
    device: list[Sequence[PIMatch]] = []
    for flow in per_timeline(timeline, "own flows", _own_flows):
        pi = flow.pi
        if not pi:
            program.append(())
            device.append(())
            continue
        kept = program_pi(pi, config)
        program.append(pi if len(kept) == len(pi) else tuple(kept))  # (a tuple: the smallest copy)
        sent = [m for m in pi
                if m.type in device_types and m.confidence != "low" and not _starts_with_any(m.location, prefixes)]
        device.append(sent or ())
    return program, device


def program_pi_flows(timeline: Timeline, config: ProbeConfig) -> Iterator[tuple[Flow, Sequence[PIMatch]]]:
    """(flow, its program PI) for the program's own flows that carry any (``own_flows_pi``), in time
    order: what the probes of personal data sent look at, without a test per flow each. An iterator (no
    list of pairs of a long session at once)."""
    own = per_timeline(timeline, "own flows", _own_flows)
    return filter(_SECOND, zip(own, own_flows_pi(timeline, config), strict=True))


_ID = r"(?:\d+|[0-9a-fA-F]{16,}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
# An id filling a whole path segment (between slashes or the path's ends), replaced in one pass over the path
# (a path holds no newline: url_path's URLs have none, urlsplit removes them).
_ID_SEGMENTS = re.compile(rf"(?<![^/]){_ID}(?![^/])")


# A plain http(s) URL whole, its netloc and path (as urlsplit finds them: the netloc up to a path, query or
# fragment, the path up to a query or fragment) the groups: taken only for ASCII URLs without what urlsplit
# removes or checks (tabs, newlines, brackets of IPv6 hosts) anywhere, which one full match tells (not a
# search for them, then a match).
_PLAIN_URL = re.compile(r"https?://([^/?#\t\r\n\[\]]*)([^?#\t\r\n\[\]]*)(?:[?#][^\t\r\n\[\]]*)?")


def url_path(url: str) -> str:
    """``urlsplit(url).path``, without urlsplit for the plain http(s) URLs flows carry (asked per flow by
    several probes; urlsplit's own cache does not help with a session's mostly distinct URLs)."""
    plain = _PLAIN_URL.fullmatch(url) if url.isascii() else None
    return plain.group(2) if plain is not None else urlsplit(url).path


def url_netloc_path(url: str) -> tuple[str, str]:
    """``(urlsplit(url).netloc, urlsplit(url).path)``, without urlsplit for plain http(s) URLs (as
    ``url_path``: asked of every wx.request call to find each flow's)."""
    plain = _PLAIN_URL.fullmatch(url) if url.isascii() else None
    if plain is not None:
        return plain.group(1, 2)  # type: ignore[return-value]
    parts = urlsplit(url)
    return parts.netloc, parts.path


def stable_path(url: str) -> str:
    """The URL path without query, ids replaced by ``{id}``, so that the same endpoint matches across runs."""
    return _ID_SEGMENTS.sub("{id}", url_path(url) or "/")


def endpoint(flow: Flow) -> str:
    """``host/path`` of a flow, stable across runs."""
    return f"{flow.host.lower()}{stable_path(flow.url)}"


# --- dialogs ------------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    return " ".join(text.casefold().split())


normalise = _normalise  # what lexicon_matcher's matchers expect of a text


def lexicon_match(text: str, words: Iterable[str]) -> bool:
    """True when ``text`` contains one of ``words`` (whole words for Latin words, substrings for CJK).
    Asked for most texts of a session, often with the probe config's tuples: written out inline."""
    latin, cjk = _lexicon(words if type(words) is tuple else tuple(words))
    norm = " ".join(text.casefold().split())
    for word in cjk:
        if word in norm:
            return True
    return latin is not None and latin.search(norm) is not None


def lexicon_matcher(words: Iterable[str]) -> Callable[[str], bool]:
    """``lexicon_match(·, words)`` for texts already normalised (``normalise``): for a probe that tries
    several word lists on the same texts, which it normalises once. A normalised text holds no newline, so
    texts joined by newlines match when one of them does (no word runs across the join)."""
    latin, cjk = _lexicon(tuple(words))

    def matches(norm: str) -> bool:
        return any(word in norm for word in cjk) or (latin is not None and latin.search(norm) is not None)

    return matches


@lru_cache(maxsize=256)
def _lexicon(words: tuple[str, ...]) -> tuple[re.Pattern[str] | None, tuple[str, ...]]:
    """A word list prepared once: one pattern for the Latin words (a word must start at a word
    boundary), the CJK words as substrings; probes match the same lists against every event."""
    normalised = [w for w in (_normalise(word) for word in words) if w]
    latin = [rf"(?<![a-z0-9]){re.escape(w)}" for w in normalised if w.isascii()]
    return (re.compile("|".join(latin)) if latin else None), tuple(w for w in normalised if not w.isascii())


ButtonRole = Literal["agree", "reject", "other"]


def button_role(button: UIButton, config: ProbeConfig) -> ButtonRole:
    """A button's role from its text (reject words first: 不同意 is a reject) or the driver's label."""
    if button.role == "reject" or lexicon_match(button.text, config.reject_words):
        return "reject"
    if button.role == "agree" or lexicon_match(button.text, config.agree_words):
        return "agree"
    return "other"


def latest_dialog_offering(timeline: Timeline, button: str, t: int) -> Prompt | None:
    """The latest dialog seen at or before ``t`` with a button reading ``button`` (stripped): from a
    per-timeline index by button text, as it is asked for every tap."""
    dialogs, times = per_timeline(timeline, "dialogs by button", _dialogs_by_button).get(button, ([], []))
    latest = bisect_right(times, t) - 1
    return dialogs[latest] if latest >= 0 else None


def _dialogs_by_button(timeline: Timeline) -> dict[str, tuple[list[Prompt], list[int]]]:
    by_button: dict[str, tuple[list[Prompt], list[int]]] = {}
    for prompt in timeline.of(Prompt):
        for text in dict.fromkeys(b.text.strip() for b in prompt.buttons):
            dialogs, times = by_button.setdefault(text, ([], []))
            dialogs.append(prompt)
            times.append(prompt.t)
    return by_button


def prompt_text(prompt: Prompt) -> str:
    """Title and texts of a dialog as one line (buttons excluded)."""
    return " ".join(t.strip() for t in [prompt.title or "", *prompt.texts] if t.strip())


def is_consent_dialog(prompt: Prompt, config: ProbeConfig) -> bool:
    """A privacy or authorization dialog: the official popups, or a developer dialog with privacy
    wording, a scope, or a consent button (同意/允许/授权; a lone 确定 does not make one)."""
    if prompt.prompt_kind not in CONSENT_DIALOG_KINDS:
        return False
    if prompt.prompt_kind in ("privacy_popup", "scope") or prompt.mentions_privacy or prompt.scope:
        return True
    text = prompt_text(prompt)
    if lexicon_match(text, config.privacy_words) or scope_in_text(text) is not None:
        return True
    return any(
        button_role(b, config) != "reject" and lexicon_match(b.text, config.consent_button_words)
        for b in prompt.buttons
    )


def prompt_subjects(prompt: Prompt, config: ProbeConfig) -> tuple[str, ...]:
    """What a prompt asks for: scopes and/or "privacy"."""
    subjects: list[str] = []
    if prompt.scope and prompt.scope.startswith("scope."):
        subjects.append(prompt.scope)
    if prompt.prompt_kind == "privacy_popup":
        subjects.append(PRIVACY)
    elif prompt.prompt_kind == "developer_dialog":
        text = prompt_text(prompt)
        named = scope_in_text(text)
        if named is not None:
            subjects.append(named)
        if prompt.mentions_privacy or lexicon_match(text, config.privacy_agreement_words):
            subjects.append(PRIVACY)
    return tuple(dict.fromkeys(subjects))


def shorten(text: str, limit: int = 40) -> str:
    """Untrusted UI text cut to a statement-sized quote (reports escape it)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- user-initiated -----------------------------------------------------------------------------


def step_text(step: Step) -> str:
    return " ".join(t for t in (step.target or "", step.detail or "") if t)


def tap_subjects(step: Step, config: ProbeConfig) -> tuple[str, ...]:
    """What a tap asks for, by the tapped element's text: a scope, and "privacy" for any PI feature."""
    return _text_subjects(step_text(step), tuple(config.privacy_trigger_words))


@lru_cache(maxsize=4096)
def _text_subjects(text: str, privacy_trigger_words: tuple[str, ...]) -> tuple[str, ...]:
    """Asked for every tap near a prompt or refusal by several probes, of the few texts a scenario taps:
    answered once each."""
    scope = scope_in_text(text)
    subjects = [scope] if scope else []
    if scope or lexicon_match(text, privacy_trigger_words):
        subjects.append(PRIVACY)
    return tuple(subjects)


def is_tap(step: Step) -> bool:
    return step.action.lower() in ("tap", "click") and step.result == "ok"


def user_triggers(timeline: Timeline, t: int, subject: str, config: ProbeConfig) -> list[Step]:
    """Taps that can make something at ``t`` user-initiated for ``subject``, newest first: taps on an
    element whose text maps to the subject, at most ``user_initiated_window_s`` before ``t``
    (± the clock error)."""
    error = timeline.clock_error_ns
    earliest = t - config.user_initiated_window_ns - error
    return [
        step
        for step in reversed(_between(timeline, "taps", _taps, earliest, t + error))
        if subject in tap_subjects(step, config)
    ]


def user_trigger(timeline: Timeline, t: int, subject: str, config: ProbeConfig) -> Step | None:
    """The latest tap that makes something at ``t`` user-initiated for ``subject``, if any."""
    taps = user_triggers(timeline, t, subject, config)
    return taps[0] if taps else None


def is_user_initiated(timeline: Timeline, t: int, subject: str, config: ProbeConfig) -> bool:
    return user_trigger(timeline, t, subject, config) is not None


DIALOG_ACTIONS = ("privacy_popup", "scope_popup", "dialog")


def is_user_initiated_chain(timeline: Timeline, t: int, subject: str, config: ProbeConfig) -> bool:
    """User-initiated, or the end of a dialog chain a tap started: the latest tap on the subject came
    before ``t`` with only dialog answers in between, and the chain's first dialog followed the tap
    within ``user_initiated_window_s`` (a privacy popup answered first delays the scope popup)."""
    if is_user_initiated(timeline, t, subject, config):
        return True
    error = timeline.clock_error_ns
    tapped, tap_times = _time_index(timeline, "taps", _taps)
    last = bisect_right(tap_times, t + error) - 1
    last_tap = tapped[last] if last >= 0 else None
    if last_tap is None or subject not in tap_subjects(last_tap, config):
        return False
    between = _between(timeline, "steps", lambda tl: tl.of(Step), last_tap.t + 1, t + error)
    if any(s.action not in DIALOG_ACTIONS for s in between):
        return False
    prompts, times = _time_index(timeline, "prompts", lambda tl: tl.of(Prompt))
    after = bisect_left(times, last_tap.t - error)
    first_dialog = prompts[after] if after < len(prompts) else None
    return first_dialog is not None and first_dialog.t - last_tap.t <= config.user_initiated_window_ns + error


# --- which evidence a session holds (a probe that lacks its evidence reports "not_tested") --------

EvidenceCheck = Callable[[Timeline, ProbeConfig], bool]


def _pages() -> ModuleType:
    """probes.pages (readings of the recorded screens), imported when first asked: it builds on this module."""
    from probes import pages

    return pages


def _account_deletion() -> ModuleType:
    """probes.account_deletion, imported when first asked: it reads the timeline with this module's helpers."""
    from probes import account_deletion

    return account_deletion


def _policy_readability() -> ModuleType:
    """probes.policy_readability, imported when first asked (it reads with this module's helpers)."""
    from probes import policy_readability

    return policy_readability


def _crawl_verdict(module: str) -> EvidenceCheck:
    """A settings-crawl probe (probes.<module>) has its evidence when its verdict is decided, pass or fail:
    whether a crawl covered enough is the same question as the verdict (probes/crawled.py)."""
    def decided(timeline: Timeline, config: ProbeConfig) -> bool:
        verdict = importlib.import_module(f"probes.{module}").verdict(timeline, config)
        return bool(verdict.status != "undecided")

    return decided


def _minor_consent() -> ModuleType:
    """probes.minor_consent, imported when first asked (it reads with this module's helpers)."""
    from probes import minor_consent

    return minor_consent


def _has(*kinds: type) -> EvidenceCheck:
    """Events of one of ``kinds`` were recorded (from the timeline's index by kind, not a scan of every event;
    answered once per timeline and kind: ``of`` copies the kind's list, and every probe asks)."""
    return lambda timeline, config: any(
        per_timeline(timeline, ("has", kind), lambda tl, kind=kind: bool(tl.of(kind))) for kind in kinds)


EVIDENCE_KINDS: dict[str, EvidenceCheck] = {
    "api_call": _has(ApiCall),
    "native_call": _has(NativeCall),
    "flow": _has(Flow),
    "storage_write": _has(StorageWrite),
    "prompt": _has(Prompt),
    "consent": _has(Consent),
    "step": _has(Step),
    "lifecycle": _has(Lifecycle),
    "tap": lambda tl, cfg: any(is_tap(s) for s in tl.of(Step)),
    "request": _has(ApiCall, Prompt),
    "collection": _has(ApiCall, Flow, StorageWrite),
    "consent_dialog": lambda tl, cfg: any(is_consent_dialog(p, cfg) for p in tl.of(Prompt)),
    "refusal": lambda tl, cfg: bool(refusals(tl)),
    "hide": lambda tl, cfg: any(e.event == "hide" for e in tl.of(Lifecycle)),
    "declared_categories": lambda tl, cfg: cfg.declared_categories is not None,
    "minor_canary": lambda tl, cfg: _minor_consent().has_minor_canary(tl, cfg),
    "previous_categories": lambda tl, cfg: cfg.previous_categories is not None,
    "service_type": lambda tl, cfg: cfg.service_type is not None and cfg.service_type in cfg.necessary_categories,
    "page_text": lambda tl, cfg: any(s.texts or s.elements for s in tl.of(UISnapshot)),
    "page_elements": lambda tl, cfg: any(s.elements for s in tl.of(UISnapshot)),
    "policy_text": lambda tl, cfg: bool(_pages().policy_screens(tl, _pages().POLICY_NAMES)),
    "rights_screens": lambda tl, cfg: bool(_pages().complete_crawls(tl) or _pages().profile_screens(tl)),
    "more_info": lambda tl, cfg: _pages().more_info_shown(tl),
    "account_deletion": lambda tl, cfg: _account_deletion().has_deletion(tl, cfg),
    "relogin_after_deletion": lambda tl, cfg: _account_deletion().has_relogin(tl, cfg),
    "old_profile": lambda tl, cfg: _account_deletion().has_old_profile(tl, cfg),
    "policy_path": _crawl_verdict("policy_reach"),
    "deletion_path": _crawl_verdict("deletion_entry"),
    "withdrawal_means": _crawl_verdict("consent_withdrawal"),
    "personalisation_switch": _crawl_verdict("personalisation_optout"),
    "policy_screen": lambda tl, cfg: _policy_readability().has_policy_screen(tl, cfg),
    "policy_text_measured": lambda tl, cfg: _policy_readability().has_measured_policy(tl, cfg),
}

# What a session lacks when an evidence kind is missing (rules.json "why" for "not_tested").
EVIDENCE_MISSING: dict[str, str] = {
    "api_call": "no wx.* API call was recorded",
    "native_call": "no Android framework call was recorded",
    "flow": "no network flow was recorded",
    "storage_write": "no storage write was recorded",
    "prompt": "no dialog was seen",
    "consent": "no consent or refusal was recorded",
    "step": "no scenario step was recorded",
    "lifecycle": "no lifecycle event (launch/show/hide) was recorded",
    "tap": "the scenario made no tap",
    "request": "no API call or dialog was recorded",
    "collection": "no API call, flow or storage write was recorded",
    "consent_dialog": "no consent or authorization dialog was seen",
    "refusal": "nothing was refused",
    "hide": "the mini program never went to the background (S6)",
    "declared_categories": "no `declared_categories` (the privacy guide's categories) in the probe configuration",
    "previous_categories": "no `previous_categories` (what the previous version collected) in the probe "
    "configuration (S8)",
    "service_type": "no `service_type` in the probe configuration, or one whose 39类 necessary set is not in "
    "probes/necessary_sets.py",
    "minor_canary": "no minor's resident-id canary (id_card.minor) reached the program: the scenario needs "
    "`profile: {id_card: minor}` and an input of {canary: id_card.minor} (S10)",
    "page_text": "no page texts were recorded (sessions before page-state capture record screenshots only)",
    "page_elements": "no page controls (checkbox states, inputs, buttons) were recorded",
    "policy_text": "no privacy policy, guide or user agreement screen was recorded (an S7 crawl or a tap to it)",
    "rights_screens": "no complete settings crawl (S7) and no 个人信息/个人资料 page was recorded",
    "more_info": "WeChat's 更多资料 page (capsule ··· → 更多资料) was not recorded (S7: `tap: ···`)",
    "account_deletion": "no confirmed account deletion (注销/删除账号 and its confirmation) in the session (S5)",
    "relogin_after_deletion": "no login after the account deletion",
    "old_profile": "no canary sent to the service and no personal data stored before the deletion",
    "policy_path": "no complete crawl from the home screen (scenario step `crawl`, S7) covered 4 taps, and no "
    "crawl reached a privacy policy screen within them",
    "deletion_path": "no complete crawl (S7) reached every screen within 4 taps of 我的/设置",
    "withdrawal_means": "neither a complete crawl (S7) nor a privacy policy screen was recorded",
    "personalisation_switch": "no complete crawl from the home screen (S7/S9) covered 4 taps",
    "policy_screen": "no privacy-policy screen (titled 隐私政策/隐私保护指引, with its body text) was shown",
    "policy_text_measured": "the policy screen's glyph sizes and contrast were not measured (the DOM page state "
    "measures them; an Android accessibility hierarchy has neither)",
}

# --- personal-data types (harness.capture.recognisers.PI_TYPES, with the contract's names as fallback) --

# The contract's types (cross-helper contracts, "PI types"): category, sensitive (PIPL 28), secret.
_CONTRACT_PI_TYPES: dict[str, tuple[str, bool, bool]] = {
    "phone": ("手机号", False, False),
    "id_card": ("身份证号", True, False),
    "bank_card": ("银行卡号", True, False),
    "location": ("位置信息", False, False),
    "wifi": ("Wi-Fi 信息", False, False),
    "device_id": ("设备标识", False, False),
    "device_info": ("设备信息", False, False),
    "openid": ("用户标识", False, False),
    "unionid": ("用户标识", False, False),
    "session_key": ("登录凭证", False, True),
    "app_secret": ("AppSecret", False, True),
    "access_token": ("access_token", False, True),
    "cloud_key": ("云服务密钥", False, True),
    "email": ("邮箱", False, False),
    "name": ("姓名", False, False),
    "address": ("地址", False, False),
    "face": ("人脸", True, False),
    "voice": ("声纹", True, False),
    "licence_plate": ("车牌号", False, False),
    "passport": ("护照号", True, False),
    "password": ("密码", False, True),
}


@dataclass(frozen=True)
class PIKind:
    category: str
    sensitive: bool
    secret: bool


@lru_cache(maxsize=1024)
def pi_kind(pi_type: str) -> PIKind:
    """Category (privacy-guide wording), sensitivity and secrecy of a PIMatch.type, from the recognisers'
    PI_TYPES when they publish it, else from the contract's table; an unknown type is its own category.
    Asked for every match of every flow, of a few distinct types: answered once each."""
    try:
        from harness.capture.recognisers import PI_TYPES  # type: ignore[attr-defined]
    except ImportError:
        PI_TYPES = {}
    published = PI_TYPES.get(pi_type)
    if published is not None:
        return PIKind(published.category, published.sensitive, published.secret)
    category, sensitive, secret = _CONTRACT_PI_TYPES.get(pi_type, (pi_type, False, False))
    return PIKind(category, sensitive, secret)


def is_track(match: PIMatch) -> bool:
    """A location track (the recognisers report it as type location with "track" in the location)."""
    return match.type == "location" and "track" in (match.location + " " + match.masked).lower()


def is_sensitive(match: PIMatch) -> bool:
    """PIPL 28 sensitive data: by type, and a location track (a single position is not)."""
    return pi_kind(match.type).sensitive or is_track(match)


@lru_cache(maxsize=4096)
def _starts_with_any(location: str, prefixes: tuple[str, ...]) -> bool:
    """With ``config.client_set_pi_locations``: the match was set by the client on every request (the
    WebView's User-Agent), not collected by the mini program. Asked for every PI match of every flow, of a
    few distinct locations: answered once each."""
    where = location.lower()
    return any(where.startswith(prefix.lower()) for prefix in prefixes)


def program_pi(matches: Iterable[PIMatch], config: ProbeConfig) -> list[PIMatch]:
    """The strong matches the mini program itself put there (client-set headers left out). Asked for every
    flow by a dozen probes: is_strong and the client-set test inline."""
    prefixes = config.client_set_pi_locations
    return [m for m in matches
            if (m.confidence == "high" or m.canary is not None) and not _starts_with_any(m.location, prefixes)]


def types_of(matches: Iterable[PIMatch]) -> str:
    """``phone, location`` for statements (``personal data`` when empty)."""
    return ", ".join(dict.fromkeys(m.type for m in matches)) or "personal data"


def host_in(host: str, suffixes: Iterable[str]) -> bool:
    """``host`` is one of ``suffixes`` or a subdomain of one (case and a trailing dot ignored)."""
    return _host_in(host, suffixes if type(suffixes) is tuple else tuple(suffixes))


@lru_cache(maxsize=4096)
def _host_in(host: str, suffixes: tuple[str, ...]) -> bool:
    """Asked per flow, of a few distinct hosts: answered once each."""
    host = host.lower().rstrip(".")
    return any(host == s.lower() or host.endswith("." + s.lower()) for s in suffixes if s)


# --- taps, screens and sessions -------------------------------------------------------------------


def taps(timeline: Timeline) -> list[Step]:
    """The scenario's taps that happened, in time order."""
    return list(_time_index(timeline, "taps", _taps)[0])


def _taps(timeline: Timeline) -> list[Step]:
    return [s for s in timeline.of(Step) if is_tap(s)]


def taps_within(timeline: Timeline, t: int, config: ProbeConfig) -> list[Step]:
    """Taps at most ``user_initiated_window_s`` before ``t`` (± the clock error), newest first."""
    error = timeline.clock_error_ns
    earliest = t - config.user_initiated_window_ns - error
    return _between(timeline, "taps", _taps, earliest, t + error)[::-1]


def taps_between(timeline: Timeline, lo: int, hi: int) -> list[Step]:
    """The taps with ``lo <= t <= hi``, in time order, by bisection of the taps' index."""
    return _between(timeline, "taps", _taps, lo, hi)


def tapped_within(timeline: Timeline, t: int, config: ProbeConfig) -> bool:
    """``bool(taps_within(timeline, t, config))`` without the list."""
    return _tap_test(timeline, config)(t)


def untapped(timeline: Timeline, events: Iterable[EventT], config: ProbeConfig) -> list[EventT]:
    """The events with no tap within ``user_initiated_window_s`` before them (± the clock error), in their
    order: ``tapped_within`` of each, the taps' times looked up once (asked for every call of a kind)."""
    events = events if isinstance(events, Sequence) else list(events)
    spans_before = map(bisect_right, repeat(_tap_reach_of(timeline, config)), map(_T, events))
    return list(compress(events, map(not_, map((1).__and__, spans_before))))  # (even: no tap; all in C)


def _tap_test(timeline: Timeline, config: ProbeConfig) -> Callable[[int], bool]:
    """Whether a tap lies within ``user_initiated_window_s`` before a time (± the clock error): one
    bisection of the times taps explain (``_tap_reach``) per time asked."""
    reach = _tap_reach_of(timeline, config)
    return lambda t: bisect_right(reach, t) & 1 == 1


def _tap_reach_of(timeline: Timeline, config: ProbeConfig) -> list[int]:
    before, after = config.user_initiated_window_ns + timeline.clock_error_ns, timeline.clock_error_ns
    return per_timeline(timeline, ("tap reach", before, after), lambda tl: _tap_reach(tl, before, after))


def _tap_reach(timeline: Timeline, before: int, after: int) -> list[int]:
    """The times the taps explain, as the sorted bounds [start, stop, start, stop ...] of half-open spans: a
    tap at τ explains τ - after <= t <= τ + before, overlapping spans merged. ``t`` lies in a span when
    an odd number of bounds are at or before it: one bisection per time (every call of a kind is asked),
    not two and a comparison."""
    bounds: list[int] = []
    for tapped in _time_index(timeline, "taps", _taps)[1]:  # in time order: spans start in order
        start, stop = tapped - after, tapped + before + 1
        if bounds and start <= bounds[-1]:
            bounds[-1] = max(bounds[-1], stop)  # (the same width each: stop only grows, kept general)
        else:
            bounds += (start, stop)
    return bounds


def before_first_tap(timeline: Timeline, t: int) -> bool:
    """Nothing the user did can explain ``t``: it is before the first tap beyond the clock error."""
    tapped = _time_index(timeline, "taps", _taps)[0]
    first = tapped[0] if tapped else None
    return first is None or is_before(t, first.t, timeline.clock_error_ns)


def is_listener_delivery(call: ApiCall) -> bool:
    """A native event delivered to the page's wx.onX listeners (onLocationChange ...), recorded as an
    ApiCall named after the event (harness.instrument.frida.listener_delivery): data reaching the
    program, not a request it made."""
    return call.callback_id is None and call.api[:2] == "on" and call.api[2:3].isupper()


def successful_calls(timeline: Timeline, apis: Iterable[str]) -> list[ApiCall]:
    """``calls_of`` that succeeded (``ok`` True), picked by the index's success flags without touching the
    calls that did not."""
    calls, by_api, _, succeeded = _calls_index(timeline)
    positions = _positions_of(by_api, apis)
    return list(map(calls.__getitem__, compress(positions, map(succeeded.__getitem__, positions))))


def calls_of(timeline: Timeline, apis: Iterable[str]) -> list[ApiCall]:
    """Calls of ``apis`` whatever their result (an attempt is evidence of intent), in time order: from a
    per-timeline index by API (probes ask for a few APIs among hundreds of thousands of calls)."""
    calls, by_api = _calls_by_api(timeline)
    return list(map(calls.__getitem__, _positions_of(by_api, apis)))


def _positions_of(by_api: dict[str, array[int]], apis: Iterable[str]) -> Sequence[int]:
    """The positions of the calls of ``apis`` in the calls' list, ascending (time order)."""
    found = [positions for api in set(apis) if (positions := by_api.get(api))]
    if len(found) == 1:  # (one API's positions are in time order already: no list of ints to sort)
        return found[0]
    return sorted(chain.from_iterable(found))


def _calls_by_api(timeline: Timeline) -> tuple[list[ApiCall], dict[str, array[int]]]:
    return _calls_index(timeline)[:2]  # type: ignore[return-value]


def calls_with_errors(timeline: Timeline) -> list[ApiCall]:
    """The calls that failed or carry an error (``ok`` False, an errno or an errMsg), in time order: what
    the probes of refusals and rejected calls look at, a few among hundreds of thousands of calls."""
    return list(_calls_index(timeline)[2])


def _calls_index(timeline: Timeline) -> tuple[list[ApiCall], dict[str, array[int]], list[ApiCall], bytearray]:
    return per_timeline(timeline, "calls by api", _index_calls)


def _index_calls(timeline: Timeline) -> tuple[list[ApiCall], dict[str, array[int]], list[ApiCall], bytearray]:
    """The calls by API, the calls with errors and each call's success (1: ``ok`` True), in one pass over
    the calls (each call touched once: reading an event's fields costs more than the test on them, the
    events being far apart in memory)."""
    calls = timeline.of(ApiCall)
    by_api: dict[str, array[int]] = {}
    errors: list[ApiCall] = []
    succeeded = bytearray(len(calls))  # (a byte a call)
    for index, call in enumerate(calls):
        positions = by_api.get(call.api)
        if positions is None:
            positions = by_api[call.api] = array("q")  # 8 bytes a call, not an int object each
        positions.append(index)
        ok = call.ok
        if ok is True:
            succeeded[index] = 1
        if ok is False or call.errno is not None or call.err_msg is not None:
            errors.append(call)
    return calls, by_api, errors, succeeded


def regex_search(pattern: str, text: str) -> re.Match[str] | None:
    return re.search(pattern, text, flags=re.IGNORECASE)


def when(timeline: Timeline, moments: Sequence[int]) -> str:
    """``at 1.0 s`` or ``3 times from 1.0 s``."""
    if len(moments) == 1:
        return f"at {since_start(timeline, moments[0])}"
    return f"{len(moments)} times from {since_start(timeline, moments[0])}"


# --- page snapshots (UISnapshot: the visible texts and controls after every step and at every dialog) --


def snapshots(timeline: Timeline) -> list[UISnapshot]:
    """The snapshots that hold page state, in time order (screenshot-only snapshots left out)."""
    return list(_time_index(timeline, "snapshots", _page_snapshots)[0])


def _page_snapshots(timeline: Timeline) -> list[UISnapshot]:
    return [s for s in timeline.of(UISnapshot) if s.texts or s.elements]


def element_snapshots(timeline: Timeline) -> list[UISnapshot]:
    """The snapshots that recorded page controls (``elements``), in time order: what the probes of forms,
    checkboxes and buttons look at (a snapshot of texts alone has none to find); picked once per timeline,
    a new list each time."""
    return list(per_timeline(timeline, "element snapshots", lambda tl: [s for s in snapshots(tl) if s.elements]))


def snapshots_between(timeline: Timeline, lo: int, hi: int) -> list[UISnapshot]:
    """The snapshots holding page state with ``lo <= t <= hi``, in time order, by bisection."""
    return _between(timeline, "snapshots", _page_snapshots, lo, hi)


def snapshots_before(timeline: Timeline, t: int) -> list[UISnapshot]:
    """The snapshots holding page state taken before ``t``, in time order, by bisection."""
    shown, times = _time_index(timeline, "snapshots", _page_snapshots)
    return shown[: bisect_left(times, t)]


def screen_text(snapshot: UISnapshot) -> str:
    """A snapshot's visible texts as one line (the page's own and the platform's)."""
    return " ".join([t for t in map(str.strip, snapshot.texts) if t])


def screen_before(timeline: Timeline, t: int) -> UISnapshot | None:
    """The screen shown just before ``t``: the latest snapshot taken before it."""
    shown, times = _time_index(timeline, "snapshots", _page_snapshots)
    before = bisect_left(times, t)  # the snapshots taken before t are shown[:before]
    return shown[before - 1] if before else None


def page_elements(snapshot: UISnapshot, *kinds: str) -> list[UIElement]:
    """A snapshot's elements of ``kinds`` (all when none given)."""
    return [e for e in snapshot.elements if not kinds or e.kind in kinds]
