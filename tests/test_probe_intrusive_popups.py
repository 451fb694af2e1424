"""USE-003: pop-ups without a close control, subscribe nagging (probes/intrusive_popups.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder, texts

PAGE = texts("首页", "今日推荐")


def use003(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "USE-003"]


def base() -> TimelineBuilder:
    return TimelineBuilder().snapshot(0.2, "s.png", elements=PAGE)


def test_marketing_popup_without_close_fails_and_with_close_passes() -> None:
    tl = base().prompt(1.0, "developer_dialog", ["新人专享 50 元红包"], ["立即领取"]).end(5).build()
    [finding] = use003(tl)
    assert finding.status == "fail" and finding.evidence == [2] and "立即领取" in finding.statement
    for closing in (["立即领取", "关闭"], ["确定"]):
        ok = base().prompt(1.0, "developer_dialog", ["新人专享 50 元红包"], closing).end(5).build()
        assert use003(ok) == []
    glyph = base().prompt(1.0, "developer_dialog", ["×", "新人专享 50 元红包"], ["立即领取"]).end(5).build()
    assert use003(glyph) == [] and probes.rule_status(glyph)["USE-003"] == "pass"


def test_consent_dialogs_are_not_marketing_popups_once_or_twice() -> None:
    tl = base()
    for n in range(2):
        tl.prompt(1.0 + n, "developer_dialog", ["开通会员前请阅读《隐私政策》"], ["同意"]).consent(1.5 + n, "agree")
    assert use003(tl.end(5).build()) == []


def test_too_many_marketing_popups_or_subscribe_prompts_warn() -> None:
    tl = base()
    for n in range(3):
        tl.prompt(10.0 + n * 60, "developer_dialog", ["限时秒杀"], ["去看看", "关闭"])
    [warn] = use003(tl.end(400).build())
    assert warn.status == "warn" and len(warn.evidence) == 3
    spread = base()
    for n in range(3):
        spread.prompt(10.0 + n * 200, "developer_dialog", ["限时秒杀"], ["去看看", "关闭"])
    assert use003(spread.end(700).build()) == []
    subscribed = base()
    for n in range(3):
        subscribed.prompt(1.0 + n, "developer_dialog", ["订阅消息"], ["允许", "取消"], scope="subscribeMessage")
    [nag] = use003(subscribed.end(9).build())
    assert nag.status == "warn" and "3 subscribe-message prompts" in nag.statement
    calls = base()
    for n in range(2):
        calls.api(1.0 + n, "requestSubscribeMessage")
    assert use003(calls.end(9).build()) == []


def test_not_tested_without_page_texts_partial_and_skewed() -> None:
    old = TimelineBuilder().prompt(1.0, "developer_dialog", ["新人专享红包"], ["立即领取"]).end(5).build()
    assert probes.rule_status(old)["USE-003"] == "not_tested"
    partial = TimelineBuilder(clock_error_ms=500).snapshot(0.2, "s.png", elements=PAGE)
    partial.prompt(0.1, "developer_dialog", ["新人专享红包"], ["立即领取"])
    [finding] = use003(partial.build())
    assert finding.partial
