"""Readings of an account deletion in a session (RTS-002, S5): when the user confirmed it, the re-login
after it, and the profile the service held before it. Pure functions of the timeline; no probe here.

A deletion is *confirmed* by a scenario step that pressed a confirming control of a deletion request:
- a tap on a control whose own text names the deletion and confirms it (确认注销, 确定删除账号, 提交注销申请), or
- a tap or a ``dialog: agree`` step that pressed the agree-role button (确认, 确定, 继续 ...) of a dialog whose
  texts name the deletion (注销账号, 删除账号, 销户 ...),
and not followed, within ``follow_up_window_s``, by a screen or dialog that says it failed (注销失败).
The user asking for deletion is the reference point; what the service then does is what RTS-002 judges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from harness.event_views import ApiCall, Flow, PIMatch, Prompt, Step, StorageWrite
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import (
    button_role,
    events_between,
    is_strong,
    latest_dialog_offering,
    lexicon_match,
    own_canary_flows,
    per_config,
    pi_writes,
    prompt_text,
    screen_text,
    snapshots_between,
)

CONFIRM_WORDS = ("确认", "确定", "同意", "继续", "提交", "confirm", "continue", "submit")
STORAGE_REMOVE_APIS = ("removeStorage", "removeStorageSync")
STORAGE_CLEAR_APIS = ("clearStorage", "clearStorageSync")
RESPONSE_PREFIXES = ("response.", "ws.recv")
LOGOUT_WORDS = ("退出", "注销", "切换", "logout", "log out", "sign out")  # 退出登录 is no login


@dataclass(frozen=True)
class Deletion:
    """A confirmed deletion: the step that confirmed it and the dialog it answered, if any."""

    step: Step
    dialog: Prompt | None

    @property
    def t(self) -> int:
        return self.step.t


def names_deletion(text: str, config: ProbeConfig) -> bool:
    return _ignoring_case(config.deletion_wording).search(text) is not None


@lru_cache(maxsize=16)
def _ignoring_case(pattern: str) -> re.Pattern[str]:
    """The configured wording compiled once (it is asked of every step's text)."""
    return re.compile(pattern, re.IGNORECASE)


def pressed_text(step: Step) -> str:
    """The text of the control a step pressed: a tap's target, a dialog step's button ("确认注销 on …")."""
    if step.action == "dialog":
        return (step.detail or "").partition(" on ")[0].strip()
    return (step.target or "").strip()


def answered_dialog(timeline: Timeline, step: Step, pressed: str) -> Prompt | None:
    """The dialog a step answered: the latest dialog seen before it that offers the pressed button."""
    return latest_dialog_offering(timeline, pressed, step.t + timeline.clock_error_ns)


def _confirms(timeline: Timeline, step: Step, config: ProbeConfig) -> Deletion | None:
    if step.result != "ok" or step.action.lower() not in ("tap", "click", "dialog"):
        return None
    pressed = pressed_text(step)
    if not pressed:
        return None
    dialog = answered_dialog(timeline, step, pressed)
    if names_deletion(pressed, config) and lexicon_match(pressed, CONFIRM_WORDS) and "《" not in pressed:
        return Deletion(step, dialog)  # 确认注销; not 我已阅读并同意《注销须知》, a checkbox on the way there
    if dialog is None or not names_deletion(prompt_text(dialog), config):
        return None
    button = next(b for b in dialog.buttons if b.text.strip() == pressed)
    return Deletion(step, dialog) if button_role(button, config) == "agree" else None


def _failed_after(timeline: Timeline, t: int, config: ProbeConfig) -> bool:
    """A screen or dialog within the follow-up window says the deletion failed."""
    hi = t + config.follow_up_window_ns + timeline.clock_error_ns
    shown = [screen_text(s) for s in snapshots_between(timeline, t, hi)]
    shown += [prompt_text(p) for p in events_between(timeline, Prompt, t, hi)]
    return any(re.search(config.deletion_failed_wording, text) for text in shown)


def confirmed_deletion(timeline: Timeline, config: ProbeConfig) -> Deletion | None:
    """The session's first confirmed account deletion (None: no deletion to judge); worked out once per
    timeline and config (the evidence checks and two probes ask)."""
    return per_config(timeline, config, "confirmed deletion", _confirmed_deletion)


def _confirmed_deletion(timeline: Timeline, config: ProbeConfig) -> Deletion | None:
    """Only a step whose pressed text names the deletion, or is a button of a dialog naming it, can confirm
    one (``_confirms``): the other steps are passed over on their pressed text, tested once per text."""
    buttons = {b.text.strip() for p in timeline.of(Prompt) if names_deletion(prompt_text(p), config) for b in p.buttons}
    may_confirm = cache(lambda pressed: pressed in buttons or names_deletion(pressed, config))
    for step in timeline.of(Step):
        if not may_confirm(pressed_text(step)):
            continue
        found = _confirms(timeline, step, config)
        if found is not None and not _failed_after(timeline, found.t, config):
            return found
    return None


def relogin(timeline: Timeline, deletion: Deletion, config: ProbeConfig) -> Step | ApiCall | None:
    """The first login after the deletion: a tap on a login control, or a successful wx.login."""
    for event in timeline.events:
        if event.t <= deletion.t:
            continue
        if isinstance(event, Step) and event.result == "ok" and event.action.lower() in ("tap", "click") \
                and lexicon_match(event.target or "", config.relogin_words) \
                and not lexicon_match(event.target or "", LOGOUT_WORDS):
            return event
        if isinstance(event, ApiCall) and event.api == "login" and event.ok is True:
            return event
    return None


def is_response(match: PIMatch) -> bool:
    return match.location.startswith(RESPONSE_PREFIXES)


def sent_canaries(flow: Flow) -> set[str]:
    """Names of the canaries the app itself sent in a flow (its request side)."""
    return {m.canary for m in flow.pi if m.canary is not None and not is_response(m)}


def old_profile(timeline: Timeline, deletion: Deletion) -> set[str]:
    """Names of the canaries the app sent to its service before the deletion (beyond the clock bound):
    the profile the service held."""
    limit = deletion.t - timeline.clock_error_ns
    return {name for f in own_canary_flows(timeline) if f.t < limit for name in sent_canaries(f)}


def storage_held(timeline: Timeline, deletion: Deletion, until: int) -> dict[str, StorageWrite]:
    """Storage keys that held strong PI at the deletion and were neither rewritten, removed nor cleared
    from then (less the clock bound) up to ``until`` (the re-login: what the user then logs into is new):
    key -> the write that put it there."""
    held: dict[str, StorageWrite] = {}
    since = deletion.t - timeline.clock_error_ns
    for event in timeline.events:
        if event.t >= until:
            break
        if isinstance(event, StorageWrite):
            if event.t >= since or not any(is_strong(m) for m in event.pi):
                held.pop(event.key, None)
            else:
                held[event.key] = event
        elif isinstance(event, ApiCall) and event.ok is not False:
            if event.api in STORAGE_CLEAR_APIS:
                held.clear()
            elif event.api in STORAGE_REMOVE_APIS and isinstance(event.args, dict):
                held.pop(str(event.args.get("key")), None)
    return held


def returned_canaries(
    timeline: Timeline, deletion: Deletion, login_t: int, old: set[str]
) -> list[tuple[Flow, list[PIMatch]]]:
    """(flow, matches) for the responses from the re-login on (less the clock bound) that carry canaries
    of the old profile the app had not sent again since the deletion (a value the user gives again may
    come back: only one the service kept is evidence)."""
    error = timeline.clock_error_ns
    resent: set[str] = set()
    found: list[tuple[Flow, list[PIMatch]]] = []
    for flow in own_canary_flows(timeline):  # (only a canary's matches count here)
        if flow.t <= deletion.t:
            continue
        resent |= sent_canaries(flow)
        if flow.t < login_t - error:
            continue
        returned = [m for m in flow.pi if is_response(m) and m.canary in old and m.canary not in resent]
        if returned:
            found.append((flow, returned))
    return found


# --- evidence checks (probes.evidence EVIDENCE_KINDS): what RTS-002 needs to be tested at all ---------


def has_deletion(timeline: Timeline, config: ProbeConfig) -> bool:
    return confirmed_deletion(timeline, config) is not None


def has_relogin(timeline: Timeline, config: ProbeConfig) -> bool:
    deletion = confirmed_deletion(timeline, config)
    return deletion is not None and relogin(timeline, deletion, config) is not None


def has_old_profile(timeline: Timeline, config: ProbeConfig) -> bool:
    """Something to look for after the deletion: canaries sent to the service or PI stored before it."""
    deletion = confirmed_deletion(timeline, config)
    if deletion is None:
        return False
    limit = deletion.t - timeline.clock_error_ns
    stored = any(w.t < limit and any(is_strong(m) for m in w.pi) for w in pi_writes(timeline))
    return stored or bool(old_profile(timeline, deletion))
