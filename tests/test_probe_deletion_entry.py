"""RTS-001: no account deletion within 4 taps of 我的/设置 (probes/deletion_entry.py)."""

from __future__ import annotations

import probes
from harness.timeline import UIElement
from probes.testing import TimelineBuilder, element, texts

HOME = [element("text", "乐购商城", native=True), *texts("保温杯 500ml", "首页", "我的")]
MINE = [*texts("林小夏", "账号：138****8000", "我的订单", "设置", "首页", "我的")]
SETTINGS = texts("账号与安全", "关于我们", "退出登录")
ACCOUNT = texts("手机号", "138****8000", "注销账号")
HELP = texts("如需注销账号，请致电客服 400-820-1234，提供身份证照片后人工办理。")  # body text, not an entry

Screens = list[tuple[list[str], str, list[UIElement]]]


def app(account: list[UIElement], deeper: Screens = ()) -> Screens:  # type: ignore[assignment]
    return [([], "pages/index/index", HOME), (["我的"], "pages/mine/mine", MINE),
            (["我的", "设置"], "pages/settings/settings", SETTINGS),
            (["我的", "设置", "账号与安全"], "pages/account/account", account), *deeper]


def rts001(tl: TimelineBuilder) -> tuple[list, str]:  # type: ignore[type-arg]
    built = tl.end(30).build()
    return [f for f in probes.analyse(built) if f.rule == "RTS-001"], probes.rule_status(built)["RTS-001"]


def test_deletion_entry_three_taps_from_mine_passes() -> None:
    assert rts001(TimelineBuilder().crawl(1, app(ACCOUNT), depth=5)) == ([], "pass")


def test_no_entry_after_a_crawl_covering_both_anchors_fails() -> None:
    deep = [(["我的", "设置", "关于我们", "帮助中心"], "pages/help/help", HELP)]
    [finding], status = rts001(TimelineBuilder().crawl(1, app(texts("手机号"), deep), depth=5))
    assert status == "fail" and finding.severity == "high"
    assert "keeps accounts (“退出登录”)" in finding.statement
    assert "no account deletion within 4 taps of 我的/设置" in finding.statement


def test_an_entry_too_deep_is_named() -> None:
    deep = [(["我的", "帮助中心", "更多", "服务", "其他"], "pages/other/other", texts("注销账户"))]
    [finding], _ = rts001(TimelineBuilder().crawl(1, app(texts("手机号"), deep), depth=5))
    assert "the nearest, “注销账户”, is 5 taps away (我的 → 帮助中心 → 更多 → 服务 → 其他)" in finding.statement


def test_four_taps_below_settings_is_within_reach() -> None:
    deep = [(["我的", "设置", "关于我们", "帮助", "更多服务"], "pages/more/more", texts("注销账户"))]
    assert rts001(TimelineBuilder().crawl(1, app(texts("手机号"), deep), depth=5)) == ([], "pass")


def test_a_crawl_from_mine_decides_too() -> None:
    start = [([], "pages/mine/mine", [element("text", "我的", native=True), *MINE])]
    screens = start + [(["设置"], "pages/settings/settings", SETTINGS),
                       (["设置", "账号与安全"], "pages/account/account", texts("手机号"))]
    [finding], _ = rts001(TimelineBuilder().crawl(1, screens, depth=4))
    assert "no account deletion" in finding.statement


def test_an_app_without_accounts_passes() -> None:
    screens = [([], "pages/index/index", texts("今日天气", "晴 26°C")), (["关于"], "pages/about/about", texts("版本 1.0"))]
    assert rts001(TimelineBuilder().crawl(1, screens)) == ([], "pass")


def test_not_tested_without_a_crawl_that_covers_the_anchors() -> None:
    assert rts001(TimelineBuilder().snapshot(1, "s.png", elements=MINE))[1] == "not_tested"
    assert rts001(TimelineBuilder().snapshot(1, "s.png", elements=texts("今日天气")))[1] == "not_tested"
    # depth 4 reaches 3 taps below 我的 but only 2 below 设置: an entry 4 taps below 设置 could be missed
    assert rts001(TimelineBuilder().crawl(1, app(texts("手机号")), depth=4))[1] == "not_tested"
    cut = TimelineBuilder().crawl(1, app(texts("手机号")), depth=5, result="failed",
                                  detail="4 screens, depth 3; stopped: the time budget of 60 s ran out")
    assert rts001(cut)[1] == "not_tested"


def test_a_cut_short_crawl_that_saw_the_entry_passes_and_a_partial_session_is_marked() -> None:
    cut = TimelineBuilder().crawl(1, app(ACCOUNT), result="failed",
                                  detail="4 screens, depth 3; stopped: the budget of 4 screens was reached")
    assert rts001(cut) == ([], "pass")
    built = TimelineBuilder(clock_error_ms=300).crawl(1, app(texts("手机号")), depth=5).end(9, outcome="error").build()
    [finding] = [f for f in probes.analyse(built) if f.rule == "RTS-001"]
    assert finding.partial
