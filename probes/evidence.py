"""Shared readings of a timeline: consent and refusal times, PI flows, dialogs, user-initiated taps.

Every probe that asks "when did the user consent?" or "was this prompt caused by a tap?" asks here,
so that all probes answer the same way. All functions are pure.

Clock skew: events come from several sources (driver, Frida, proxy) whose clocks are mapped onto the
host clock within ``timeline.clock_error_ns``. Comparisons across sources therefore only call an
event "before" a reference time when it is before it by more than that bound (``is_before``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel

from harness.catalogue import scope_in_text, scope_of
from harness.timeline import (
    ApiCall,
    Consent,
    Event,
    Flow,
    NativeCall,
    PIMatch,
    Prompt,
    SessionStart,
    Step,
    StorageWrite,
    Timeline,
    UIButton,
)
from probes.config import NS_PER_S, ProbeConfig

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
    found: list[Refusal] = []
    for event in timeline.events:
        if isinstance(event, Consent) and event.action == "refuse":
            found.append(Refusal(event.subject, event.t, event))
        elif isinstance(event, ApiCall):
            refused = _refused_subject(event)
            if refused is not None:
                found.append(Refusal(refused, done_at(event), event))
    found.sort(key=lambda r: (r.t, r.event.seq))
    return [r for r in found if subject is None or r.subject == subject]


def agreements(timeline: Timeline, subject: str) -> list[Consent]:
    return [c for c in timeline.of(Consent) if c.action == "agree" and c.subject == subject]


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
            matches.append(PIMatch.model_validate(item))
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
    host = host.lower().rstrip(".")
    return any(host == s or host.endswith("." + s) for s in config.platform_host_suffixes)


def own_flows(timeline: Timeline) -> list[Flow]:
    """Flows of the mini program under test (flows attributed to another appid are left out)."""
    start = timeline.start
    appid = start.appid if isinstance(start, SessionStart) else None
    return [f for f in timeline.of(Flow) if f.appid is None or appid is None or f.appid == appid]


def pi_flows(timeline: Timeline, config: ProbeConfig, *, include_platform: bool = False) -> list[Flow]:
    """The program's flows carrying strong PI, by default without those to WeChat platform hosts."""
    return [
        f
        for f in own_flows(timeline)
        if strong_pi(f.pi) and (include_platform or not is_platform_host(f.host, config))
    ]


_ID_SEGMENT = re.compile(
    r"^(?:\d+|[0-9a-fA-F]{16,}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)


def stable_path(url: str) -> str:
    """The URL path without query, ids replaced by ``{id}``, so that the same endpoint matches across runs."""
    path = urlsplit(url).path or "/"
    return "/".join("{id}" if _ID_SEGMENT.match(s) else s for s in path.split("/"))


def endpoint(flow: Flow) -> str:
    """``host/path`` of a flow, stable across runs."""
    return f"{flow.host.lower()}{stable_path(flow.url)}"


# --- dialogs ------------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def lexicon_match(text: str, words: Iterable[str]) -> bool:
    """True when ``text`` contains one of ``words`` (whole words for Latin words, substrings for CJK)."""
    norm = _normalise(text)
    for word in words:
        w = _normalise(word)
        if not w:
            continue
        if w.isascii():
            if re.search(rf"(?<![a-z0-9]){re.escape(w)}", norm):
                return True
        elif w in norm:
            return True
    return False


ButtonRole = Literal["agree", "reject", "other"]


def button_role(button: UIButton, config: ProbeConfig) -> ButtonRole:
    """A button's role from its text (reject words first: 不同意 is a reject) or the driver's label."""
    if button.role == "reject" or lexicon_match(button.text, config.reject_words):
        return "reject"
    if button.role == "agree" or lexicon_match(button.text, config.agree_words):
        return "agree"
    return "other"


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
    text = step_text(step)
    scope = scope_in_text(text)
    subjects = [scope] if scope else []
    if scope or lexicon_match(text, config.privacy_trigger_words):
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
        for step in reversed(timeline.of(Step))
        if earliest <= step.t <= t + error and is_tap(step) and subject in tap_subjects(step, config)
    ]


def user_trigger(timeline: Timeline, t: int, subject: str, config: ProbeConfig) -> Step | None:
    """The latest tap that makes something at ``t`` user-initiated for ``subject``, if any."""
    taps = user_triggers(timeline, t, subject, config)
    return taps[0] if taps else None


def is_user_initiated(timeline: Timeline, t: int, subject: str, config: ProbeConfig) -> bool:
    return user_trigger(timeline, t, subject, config) is not None


# --- which evidence a session holds (a probe that lacks its evidence reports "not_tested") --------

EvidenceCheck = Callable[[Timeline, ProbeConfig], bool]


def _has(kind: type[BaseModel]) -> EvidenceCheck:
    return lambda timeline, config: any(isinstance(e, kind) for e in timeline.events)


EVIDENCE_KINDS: dict[str, EvidenceCheck] = {
    "api_call": _has(ApiCall),
    "native_call": _has(NativeCall),
    "flow": _has(Flow),
    "storage_write": _has(StorageWrite),
    "prompt": _has(Prompt),
    "consent": _has(Consent),
    "step": _has(Step),
    "collection": lambda tl, cfg: any(isinstance(e, (ApiCall, Flow, StorageWrite)) for e in tl.events),
    "consent_dialog": lambda tl, cfg: any(is_consent_dialog(p, cfg) for p in tl.of(Prompt)),
    "refusal": lambda tl, cfg: bool(refusals(tl)),
}
