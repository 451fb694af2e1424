"""USE-002: personalised content without an opt-out within 4 taps (probes/personalisation_optout.py)."""

from __future__ import annotations

import json

import probes
from harness.timeline import Step, UIElement
from probes.testing import TimelineBuilder, element, texts

HOME = [element("text", "乐购商城", native=True), *texts("猜你喜欢 · 根据你的浏览记录推荐", "保温杯 500ml", "我的")]
SWITCH = [*texts("个性化推荐"), element("switch", "个性化推荐", checked=True)]


def app(privacy_path: list[str], privacy: list[UIElement], home: list[UIElement] = HOME) -> list:  # type: ignore[type-arg]
    return [([], "pages/index/index", home), (["我的"], "pages/mine/mine", texts("设置")),
            (privacy_path, "pages/privacy/privacy", privacy)]


def use002(tl: TimelineBuilder) -> tuple[list, str]:  # type: ignore[type-arg]
    built = tl.end(30).build()
    return [f for f in probes.analyse(built) if f.rule == "USE-002"], probes.rule_status(built)["USE-002"]


def test_a_switch_three_taps_from_home_passes() -> None:
    assert use002(TimelineBuilder().crawl(1, app(["我的", "设置", "隐私设置"], SWITCH), depth=5)) == ([], "pass")


def test_no_switch_after_a_complete_crawl_fails() -> None:
    [finding], status = use002(TimelineBuilder().crawl(1, app(["我的", "设置", "隐私设置"], texts("清除缓存"))))
    assert status == "fail" and finding.severity == "medium"
    assert finding.statement.startswith("personalised content (“猜你喜欢 · 根据你的浏览记录推荐”) with no switch")


def test_a_switch_five_taps_deep_is_named() -> None:
    deep = ["我的", "设置", "关于", "更多", "隐私设置"]
    [finding], _ = use002(TimelineBuilder().crawl(1, app(deep, SWITCH), depth=5))
    assert "the nearest is 5 taps away (我的 → 设置 → 关于 → 更多 → 隐私设置)" in finding.statement


def test_no_personalisation_passes_and_a_wechat_switch_is_not_the_apps() -> None:
    plain = texts("热销商品", "保温杯 500ml")
    assert use002(TimelineBuilder().crawl(1, app(["我的", "设置"], texts("关于"), plain))) == ([], "pass")
    native = [element("switch", "个性化推荐", checked=True, native=True)]
    assert use002(TimelineBuilder().crawl(1, app(["我的", "设置"], native)))[1] == "fail"


def test_not_tested_without_a_deciding_crawl() -> None:
    assert use002(TimelineBuilder().snapshot(1, "s.png", elements=HOME))[1] == "not_tested"
    assert use002(TimelineBuilder().snapshot(1, "s.png", elements=texts("热销商品")))[1] == "not_tested"
    limited = TimelineBuilder().crawl(1, app(["我的", "设置"], texts("关于")), first="我的")
    assert use002(limited)[1] == "not_tested"
    shallow = TimelineBuilder().crawl(1, app(["我的", "设置"], texts("关于")), depth=3)
    assert use002(shallow)[1] == "not_tested"


def test_partial_session_is_marked() -> None:
    tl = TimelineBuilder(clock_error_ms=500).crawl(1, app(["我的", "设置"], texts("关于"))).end(8, outcome="error")
    [finding] = [f for f in probes.analyse(tl.build()) if f.rule == "USE-002"]
    assert finding.partial


def switch_off(tl: TimelineBuilder, seconds: float, label: str = "个性化推荐", result: str = "ok") -> TimelineBuilder:
    index = sum(isinstance(e, Step) for e in tl.events)
    return tl.add(Step, seconds, "scenario", index=index, action="switch", target=json.dumps({label: False}),
                  result=result, detail=f"{label} off")


def test_behaviour_data_sent_after_switching_off_fails() -> None:
    tl = TimelineBuilder().snapshot(0.5, "s.png", elements=SWITCH)
    switch_off(tl, 2.0).flow(1.0, "https://api.legou.example/api/recommend?history=1,2", method="GET")
    tl.flow(4.0, "https://api.legou.example/api/recommend?history=1,2", method="GET")
    [finding], status = use002(tl)
    assert status == "fail"
    assert finding.statement == ("behaviour data still sent after “个性化推荐” was switched off at 2.0 s: "
                                 "GET api.legou.example/api/recommend")
    assert len(finding.evidence) == 2  # the switch step and the flow after it, not the one before


def test_plain_requests_after_switching_off_decide_nothing() -> None:
    tl = TimelineBuilder().snapshot(0.5, "s.png", elements=SWITCH)
    switch_off(tl, 2.0).flow(3.0, "https://api.legou.example/api/goods/hot", method="GET")
    assert use002(tl) == ([], "not_tested")  # the first half still needs a crawl
    other = TimelineBuilder().snapshot(0.5, "s.png", elements=SWITCH)
    switch_off(other, 2.0, label="消息通知").flow(3.0, "https://api.legou.example/api/recommend")
    assert use002(other)[1] == "not_tested"  # not a personalisation switch
    failed = TimelineBuilder().snapshot(0.5, "s.png", elements=SWITCH)
    switch_off(failed, 2.0, result="failed").flow(3.0, "https://api.legou.example/api/recommend")
    assert use002(failed)[1] == "not_tested"  # the switch was not found: nothing was turned off
