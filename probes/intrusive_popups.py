"""USE-003: intrusive pop-ups and subscribe nagging (26号通知).

- FAIL (medium) for a marketing pop-up (a developer dialog that is not a consent dialog, with
  ``marketing_wording``) that offers no way to close it: no button or text of ``close_words``
  (关闭, ×, 跳过, 取消 ...) and no plain acknowledgement button (确定/知道了/好的);
- WARN for more than ``marketing_warn_over`` marketing pop-ups within ``marketing_window_s``;
- WARN for more than ``subscribe_warn_over`` subscribe-message prompts in the session.

Tiny or navigating close controls, full-screen click ads and shake triggers need measurements the
session does not record (close-control size relative to the screen density, where a tap leads).
Reads the dialogs and page snapshots: a session without page texts is not tested.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from harness.event_views import ApiCall, Prompt
from harness.timeline import Timeline
from probes.config import NS_PER_S, ProbeConfig
from probes.evidence import (
    calls_of,
    is_consent_dialog,
    lexicon_match,
    prompt_text,
    shorten,
    since_start,
    when,
)
from probes.finding import FindingDraft
from probes.registry import probe

ACKNOWLEDGE_WORDS = ("确定", "确认", "好的", "知道了", "我知道了", "ok")
SUBSCRIBE_SCOPE = "subscribeMessage"
SUBSCRIBE_APIS = ("requestSubscribeMessage", "requestSubscribeDeviceMessage")


def marketing_popups(timeline: Timeline, config: ProbeConfig) -> list[Prompt]:
    pattern = re.compile(config.marketing_wording)
    return [
        p
        for p in timeline.of(Prompt)
        if p.prompt_kind == "developer_dialog"
        and p.scope != SUBSCRIBE_SCOPE
        and not is_consent_dialog(p, config)
        and pattern.search(" ".join([prompt_text(p), *(b.text for b in p.buttons)]))
    ]


def closable(prompt: Prompt, config: ProbeConfig) -> bool:
    words = (*config.close_words, *ACKNOWLEDGE_WORDS)
    if any(lexicon_match(b.text, words) for b in prompt.buttons):
        return True
    return any(lexicon_match(t, config.close_words) for t in [prompt.title or "", *prompt.texts])


def unclosable(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    for prompt in marketing_popups(timeline, config):
        if closable(prompt, config):
            continue
        buttons = ", ".join(b.text for b in prompt.buttons) or "none"
        yield FindingDraft(
            rule="USE-003",
            status="fail",
            statement=f"the pop-up “{shorten(prompt_text(prompt))}” at {since_start(timeline, prompt.t)} has no "
            f"close control (buttons: {shorten(buttons)})",
            events=[prompt],
            key=("no_close", shorten(prompt_text(prompt))),
        )


def too_many_marketing(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    popups = marketing_popups(timeline, config)
    window = int(config.marketing_window_s * NS_PER_S)
    for index, first in enumerate(popups):
        inside = [p for p in popups[index:] if p.t - first.t <= window]
        if len(inside) > config.marketing_warn_over:
            yield FindingDraft(
                rule="USE-003",
                status="warn",
                statement=f"{len(inside)} marketing pop-ups within {config.marketing_window_s:g} s "
                f"{when(timeline, [p.t for p in inside])}",
                events=inside,
                key=("marketing_count",),
            )
            return


def subscribe_prompts(timeline: Timeline) -> list[Prompt | ApiCall]:
    """Subscribe prompts as seen on screen; the API calls when the screen showed none."""
    shown = [p for p in timeline.of(Prompt) if p.scope == SUBSCRIBE_SCOPE]
    if shown:
        return list(shown)
    return list(calls_of(timeline, SUBSCRIBE_APIS))


def too_many_subscribe(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    prompts = subscribe_prompts(timeline)
    if len(prompts) > config.subscribe_warn_over:
        yield FindingDraft(
            rule="USE-003",
            status="warn",
            statement=f"{len(prompts)} subscribe-message prompts in one session "
            f"{when(timeline, [p.t for p in prompts])}",
            events=prompts,
            key=("subscribe_count",),
        )


@probe(
    id="intrusive_popups",
    title="Pop-ups without a close control, subscribe nagging",
    rules=("USE-003",),
    needs=("page_text",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    yield from unclosable(timeline, config)
    yield from too_many_marketing(timeline, config)
    yield from too_many_subscribe(timeline, config)
