"""POL-002: the privacy policy more than 4 taps from home (probes/policy_reach.py)."""

from __future__ import annotations

import probes
from harness.timeline import UIElement
from probes.testing import TimelineBuilder, element, texts

BODY = "一、我们收集的个人信息：为完成下单与配送，我们收集你的手机号、收货人姓名和收货地址，并按本政策使用和存储。"
HOME = [element("text", "乐购商城", native=True), *texts("猜你喜欢", "我的")]
POLICY = [element("text", "隐私政策", native=True), *texts("乐购商城隐私政策", BODY)]


def chain(depth: int, last: list[UIElement]) -> list[tuple[list[str], str, list[UIElement]]]:
    """home, then one screen per tap down to ``depth`` taps, the last one showing ``last``."""
    labels = ["我的", "设置", "关于我们", "法律信息", "协议与规则", "隐私政策"][:depth]
    screens = [([], "pages/index/index", HOME)]
    for n in range(1, depth + 1):
        screens.append((labels[:n], f"pages/p{n}/p{n}", last if n == depth else texts(labels[n - 1], "›")))
    return screens


def pol002(tl: TimelineBuilder) -> tuple[list, str]:  # type: ignore[type-arg]
    built = tl.end(30).build()
    return [f for f in probes.analyse(built) if f.rule == "POL-002"], probes.rule_status(built)["POL-002"]


def test_policy_within_four_taps_passes() -> None:
    found, status = pol002(TimelineBuilder().crawl(1, chain(3, POLICY), depth=5))
    assert (found, status) == ([], "pass")


def test_policy_six_taps_deep_fails_with_its_path() -> None:
    tl = TimelineBuilder().crawl(1, chain(6, POLICY), depth=5, detail="7 screens, depth 5")
    [finding], status = pol002(tl)
    assert status == "fail" and finding.severity == "low"
    assert "6 taps from home (我的 → 设置 → 关于我们 → 法律信息 → 协议与规则 → 隐私政策), more than 4" in finding.statement


def test_no_policy_within_a_complete_crawl_fails() -> None:
    [finding], _ = pol002(TimelineBuilder().crawl(1, chain(4, texts("法律信息")), depth=4))
    assert "no privacy policy screen within 4 taps of home" in finding.statement


def test_a_settings_cell_or_a_consent_line_is_not_the_policy() -> None:
    cell = texts("隐私政策", "关于我们")
    consent = [*texts("我已阅读并同意《隐私政策》", BODY), element("button", "同意")]
    for screen in (cell, consent):
        [finding], _ = pol002(TimelineBuilder().crawl(1, chain(2, screen), depth=4))
        assert "no privacy policy screen" in finding.statement


def test_wechat_guide_page_is_named_as_such() -> None:
    guide = [element("button", "返回", native=True), element("text", "《乐购商城小程序隐私保护指引》", native=True),
             element("text", BODY + "开发者将收集你的手机号、收货地址。", native=True)]
    [finding], _ = pol002(TimelineBuilder().crawl(1, chain(5, guide), depth=5))
    assert "WeChat's guide page opened from the app" in finding.statement


def test_not_tested_without_a_deciding_crawl() -> None:
    # no crawl; a crawl cut short by its budget; a crawl limited by `from`; one that did not start at home
    assert pol002(TimelineBuilder().snapshot(1, "s.png", elements=HOME))[1] == "not_tested"
    cut = TimelineBuilder().crawl(1, chain(2, texts("设置")), result="failed",
                                  detail="3 screens, depth 2; stopped: the budget of 3 screens was reached")
    assert pol002(cut)[1] == "not_tested"
    assert pol002(TimelineBuilder().crawl(1, chain(2, texts("设置")), first="我的"))[1] == "not_tested"
    elsewhere = TimelineBuilder().snapshot(0.5, "s.png", elements=HOME, page="pages/index/index")
    screens = [([], "pages/goods/goods", texts("商品")), *chain(2, texts("设置"))[1:]]
    assert pol002(elsewhere.crawl(1, screens))[1] == "not_tested"


def test_a_cut_short_crawl_that_found_the_policy_near_passes() -> None:
    cut = TimelineBuilder().crawl(1, chain(2, POLICY), result="failed",
                                  detail="3 screens, depth 1; stopped: the time budget of 60 s ran out")
    assert pol002(cut) == ([], "pass")


def test_partial_session_and_clock_skew_do_not_change_the_verdict() -> None:
    # the session ended in an error after the crawl; a clock error bound recorded at start
    built = TimelineBuilder(clock_error_ms=400).crawl(1, chain(6, POLICY), depth=5).end(30, outcome="error").build()
    [finding] = [f for f in probes.analyse(built) if f.rule == "POL-002"]
    assert finding.partial
