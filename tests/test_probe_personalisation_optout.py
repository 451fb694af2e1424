"""USE-002: personalised content without an opt-out within 4 taps (probes/personalisation_optout.py)."""

from __future__ import annotations

import probes
from harness.timeline import UIElement
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
