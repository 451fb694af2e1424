"""RTS-002: the account deletion did not take effect (认定方法 六; CVERC).

After a confirmed account deletion in the session (probes/account_deletion.py says what confirms one):
- FAIL when a response from the re-login on carries canaries of the old profile: seeded canaries the
  app sent to its service before the deletion and did not send again since (the service kept them);
- FAIL when local storage still holds personal data written before the deletion: a key with strong PI
  that was not rewritten, removed (wx.removeStorage*) or cleared (wx.clearStorage*) between the
  deletion and the re-login;
- WARN when a screen or dialog states a processing time above ``deletion_max_working_days`` working
  days (calendar days and months are converted at 5 working days a week).
Not tested without a confirmed deletion, a login after it, or an old profile to look for (canaries sent
or PI stored before the deletion). Non-canary PI in responses is not compared: only a seeded value is
known to be the deleted user's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from harness.event_views import ApiCall, Prompt, Step, UISnapshot
from harness.timeline import Timeline
from probes.account_deletion import (
    Deletion,
    confirmed_deletion,
    names_deletion,
    old_profile,
    relogin,
    returned_canaries,
    storage_held,
)
from probes.config import ProbeConfig
from probes.evidence import (
    endpoint,
    prompt_text,
    screen_text,
    shorten,
    since_start,
    snapshots,
    strong_pi,
    types_of,
)
from probes.finding import FindingDraft
from probes.registry import probe

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = r"\d{1,4}|[零一二两三四五六七八九十百]{1,5}"
_UNIT = r"个?\s*(?P<unit>工作日|自然日|天|日|个?月|周|星期)"
_PROCESS = r"(处理|完成|审核|生效|删除|办理|注销)"
# "30个工作日内完成处理" or "处理时间为 30 个工作日" (the duration tied to processing, not "近30天内有交易")
_DURATION_THEN_PROCESS = re.compile(rf"(?P<n>{_NUMBER})\s*{_UNIT}\s*(内|以内|之内)?\s*[^，。,.；;]{{0,6}}?{_PROCESS}")
_PROCESS_THEN_DURATION = re.compile(
    rf"{_PROCESS}\s*(时间|周期|时限|期限)?\s*(为|需|需要|约|大约|预计)?\s*(?P<n>{_NUMBER})\s*{_UNIT}"
)
CALENDAR_DAYS = {"工作日": None, "自然日": 1, "天": 1, "日": 1, "周": 7, "星期": 7, "月": 30, "个月": 30}


def chinese_number(text: str) -> int | None:
    """Arabic or Chinese numerals up to the hundreds (三十, 十五, 一百二十) as an int; None otherwise."""
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for char in text:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char in "十百":
            total += (1 if digit is None else digit) * (10 if char == "十" else 100)
            digit = None
        else:
            return None
    return total + (digit or 0)


def working_days(number: int, unit: str) -> int:
    """A stated duration in working days (5 of every 7 calendar days, rounded up)."""
    per_day = CALENDAR_DAYS[unit.replace(" ", "")]
    return number if per_day is None else math.ceil(number * per_day * 5 / 7)


def stated_processing_days(text: str) -> tuple[int, str] | None:
    """The longest processing time a deletion text states, in working days, with the words stating it."""
    longest: tuple[int, str] | None = None
    for pattern in (_DURATION_THEN_PROCESS, _PROCESS_THEN_DURATION):
        for found in pattern.finditer(text):
            number = chinese_number(found["n"])
            if number is None:
                continue
            days = working_days(number, found["unit"])
            if longest is None or days > longest[0]:
                longest = (days, found.group(0))
    return longest


def profile_returned(timeline: Timeline, deletion: Deletion, login: Step | ApiCall) -> Iterator[FindingDraft]:
    old = old_profile(timeline, deletion)
    for flow, matches in returned_canaries(timeline, deletion, login.t, old):
        names = ", ".join(sorted({m.canary for m in matches if m.canary}))
        yield FindingDraft(
            rule="RTS-002",
            status="fail",
            statement=f"after the account deletion confirmed at {since_start(timeline, deletion.t)}, "
            f"{shorten(endpoint(flow), 60)} returned the old profile ({names}) at {since_start(timeline, flow.t)}",
            events=[deletion.step, login, flow],
            key=("profile_returned", endpoint(flow)),
            data=matches,
        )


def storage_kept(timeline: Timeline, deletion: Deletion, login: Step | ApiCall) -> Iterator[FindingDraft]:
    held = storage_held(timeline, deletion, login.t)
    if not held:
        return
    writes = sorted(held.values(), key=lambda w: (w.t, w.seq))
    matches = strong_pi(m for w in writes for m in w.pi)
    keys = ", ".join(shorten(w.key, 20) for w in writes)
    yield FindingDraft(
        rule="RTS-002",
        status="fail",
        statement=f"after the account deletion confirmed at {since_start(timeline, deletion.t)}, local storage "
        f"still holds {types_of(matches)} (keys {keys}) at the re-login {since_start(timeline, login.t)}",
        events=[*writes, deletion.step],
        key=("storage_kept", *sorted(held)),
        data=matches,
    )


def slow_processing(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    """WARN once, on the longest stated processing time of a screen or dialog about the deletion."""
    worst: tuple[int, str, UISnapshot | Prompt] | None = None
    shown: list[tuple[str, UISnapshot | Prompt]] = [(screen_text(s), s) for s in snapshots(timeline)]
    shown += [(prompt_text(p), p) for p in timeline.of(Prompt)]
    for text, event in shown:
        if not names_deletion(text, config):
            continue
        stated = stated_processing_days(text)
        if stated is not None and stated[0] > config.deletion_max_working_days and (worst is None or stated[0] > worst[0]):
            worst = (stated[0], stated[1], event)
    if worst is not None:
        days, words, event = worst
        yield FindingDraft(
            rule="RTS-002",
            status="warn",
            statement=f"the deletion is stated to take about {days} working days (“{shorten(words)}”, "
            f"at {since_start(timeline, event.t)}), more than {config.deletion_max_working_days}",
            events=[event],
            key=("processing_time", str(days)),
        )


@probe(
    id="deletion_effect",
    title="Account deletion without effect: old profile returned, storage kept, slow processing",
    rules=("RTS-002",),
    needs=("account_deletion", "relogin_after_deletion", "old_profile"),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    deletion = confirmed_deletion(timeline, config)
    login = relogin(timeline, deletion, config) if deletion is not None else None
    if deletion is None or login is None:
        return
    yield from profile_returned(timeline, deletion, login)
    yield from storage_kept(timeline, deletion, login)
    yield from slow_processing(timeline, config)
