"""DIS-002: basic content gated by following an official account or installing an app (26号通知).

After a basic-function tap (a scenario tap, or the launch, whose target is not itself a follow/download
control), the screen it leads to and the dialogs it opens are read for the gate lexicon (关注公众号,
下载App, 打开App ...):

- FAIL (medium) when a dialog or screen *withholds* the content behind it — its text says so (关注公众号后即可
  查看, 下载App解锁全文 ...) or it is a dialog offering nothing but the follow/download action — and offers
  no way past (no 跳过/关闭/取消/以后再说 control, nor an acknowledgement 确定/知道了 on a dialog that
  only suggests);
- WARN when it withholds the content but can be dismissed (the content may or may not follow);
- nothing for a dismissible suggestion or a banner (关注公众号获取更多菜谱 with 以后再说).

Reads page snapshots and dialogs: a session without page texts is not tested.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from operator import itemgetter

from harness.event_views import Prompt, Step, UISnapshot
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import (
    events_between,
    lexicon_match,
    prompt_text,
    shorten,
    since_start,
    snapshots_between,
)
from probes.finding import FindingDraft
from probes.pages import controls_matching, page_texts, screens_with_texts
from probes.registry import probe

_TEXTS = itemgetter(1)  # of (snapshot, its page texts)

GATE = re.compile(
    r"关注.{0,8}(?:公众号|服务号|订阅号)|(?:下载|安装|打开|前往|去)\s*.{0,6}?(?:[Aa][Pp][Pp]|客户端)|(?:下载|安装).{0,4}应用"
)
WITHHELD = re.compile(
    r"(?:后|才能|才可|方可|即可|以).{0,6}(?:查看|阅读|观看|浏览|使用|解锁|继续|获取)|解锁|查看(?:完整|全部|全文)|阅读全文|继续阅读|仅限"
)
ACKNOWLEDGE_WORDS = ("确定", "好的", "知道了", "我知道了", "ok")
TRIGGER_ACTIONS = ("tap", "launch", "relaunch")
PASSIVE_ACTIONS = ("wait", "screenshot")  # steps that only watch: what appears meanwhile follows the tap before


@dataclass(frozen=True)
class Gate:
    """A dialog or screen showing the gate lexicon after a basic-function tap."""

    event: Prompt | UISnapshot
    trigger: Step
    sentence: str
    withheld: bool  # its text says the content waits for the follow/download
    way_past: bool  # a control dismisses it


def basic_triggers(timeline: Timeline) -> list[Step]:
    """Steps that ask for content: launches and ok taps whose target is not itself a follow/download control."""
    return [
        s for s in timeline.of(Step)
        if s.action in TRIGGER_ACTIONS and s.result == "ok" and not GATE.search(s.target or "")
    ]


def _window(timeline: Timeline, step: Step, config: ProbeConfig) -> tuple[int, int]:
    """What the step led to: from it to the next step that acts (a wait only watches), at most
    ``follow_up_window_s`` later (a dialog may appear after the step's own screen capture)."""
    cap = step.t + config.follow_up_window_ns + timeline.clock_error_ns
    later = events_between(timeline, Step, step.t + 1, cap)  # by bisection: a scan per step is O(n^2)
    return step.t, next((s.t for s in later if s.action not in PASSIVE_ACTIONS), cap)


def _dialog_gate(prompt: Prompt, step: Step, config: ProbeConfig) -> Gate | None:
    text = prompt_text(prompt)
    every = [prompt.title or "", *prompt.texts, *(b.text for b in prompt.buttons)]
    sentence = next((t.strip() for t in every if GATE.search(t)), None)
    if sentence is None:
        return None
    closes = any(lexicon_match(b.text, config.close_words) for b in prompt.buttons) or any(
        t.strip() in config.close_words for t in prompt.texts
    )
    acknowledges = any(lexicon_match(b.text, ACKNOWLEDGE_WORDS) for b in prompt.buttons)
    only_gate = bool(prompt.buttons) and all(GATE.search(b.text) or not b.text.strip() for b in prompt.buttons)
    withheld = bool(WITHHELD.search(text)) or only_gate
    return Gate(prompt, step, sentence, withheld, closes or (acknowledges and not WITHHELD.search(text)))


def _screen_sentence(snapshot: UISnapshot, texts: Sequence[str] | None = None) -> str | None:
    """``texts``: the snapshot's page_texts, when the caller has them."""
    return next(filter(_says_gated, page_texts(snapshot) if texts is None else texts), None)


@lru_cache(maxsize=4096)
def _says_gated(text: str) -> bool:
    """A text saying content is withheld behind a gate: asked of every text of every screen, where the same
    texts come back screen after screen (answered once each)."""
    return GATE.search(text) is not None and WITHHELD.search(text) is not None


def _screen_gate(snapshot: UISnapshot, step: Step, config: ProbeConfig) -> Gate | None:
    sentence = _screen_sentence(snapshot)
    if sentence is None:
        return None
    closing = re.compile("|".join(re.escape(w) for w in config.close_words))
    return Gate(snapshot, step, sentence, True, bool(controls_matching(snapshot, closing)))


def gates(timeline: Timeline, config: ProbeConfig) -> list[Gate]:
    if not any(p.prompt_kind == "developer_dialog" for p in timeline.of(Prompt)) and not any(
        map(_says_gated, chain.from_iterable(map(_TEXTS, screens_with_texts(timeline))))
    ):  # (a screen's sentence is one of its page texts said gated: all of them looked at in one pass in C)
        return []  # no dialog and no screen that could gate (most sessions): no window per step to look at
    found: list[Gate] = []
    for step in basic_triggers(timeline):
        lo, hi = _window(timeline, step, config)
        dialogs = [p for p in events_between(timeline, Prompt, lo, hi - 1) if p.prompt_kind == "developer_dialog"]
        shown = [g for g in (_dialog_gate(p, step, config) for p in dialogs) if g is not None]
        if not shown:  # a developer's own dialog layer is in the page texts too: one gate, not two
            screens = (_screen_gate(s, step, config) for s in snapshots_between(timeline, lo + 1, hi - 1))
            shown = [g for g in screens if g is not None][:1]
        found += shown
    return found


@probe(
    id="forced_follow",
    title="Content gated by following an official account or installing an app",
    rules=("DIS-002",),
    needs=("page_text",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    seen: set[str] = set()
    for gate in gates(timeline, config):
        if not gate.withheld or gate.sentence in seen:
            continue
        seen.add(gate.sentence)
        what = "the dialog" if isinstance(gate.event, Prompt) else "the screen"
        after = "the launch" if gate.trigger.action != "tap" else f"the tap on “{shorten(gate.trigger.target or '')}”"
        past = "can be dismissed" if gate.way_past else "offers no way past it (no 跳过/关闭/取消/以后再说)"
        yield FindingDraft(
            rule="DIS-002",
            status="warn" if gate.way_past else "fail",
            statement=f"after {after} ({since_start(timeline, gate.trigger.t)}) {what} says "
            f"“{shorten(gate.sentence)}” and {past}",
            events=[gate.trigger, gate.event],
            key=("gate", shorten(gate.sentence)),
        )
