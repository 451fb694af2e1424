"""RTS-004: no way to withdraw consent (probes/consent_withdrawal.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder, element, texts

HOME = [element("text", "乐购商城", native=True), *texts("猜你喜欢", "首页", "我的")]
SETTINGS = texts("账号与安全", "关于我们", "退出登录")
POLICY = [element("text", "隐私政策", native=True), *texts(
    "乐购商城隐私政策", "一、我们收集的个人信息：为完成下单与配送，我们收集你的手机号、收货人姓名和收货地址，"
    "仅在提供服务所需期限内存储。")]


def rts004(tl: TimelineBuilder) -> tuple[list, str]:  # type: ignore[type-arg]
    built = tl.end(30).build()
    return [f for f in probes.analyse(built) if f.rule == "RTS-004"], probes.rule_status(built)["RTS-004"]


def crawl(*extra: list) -> TimelineBuilder:  # type: ignore[type-arg]
    screens = [([], "pages/index/index", HOME), (["我的", "设置"], "pages/settings/settings", SETTINGS)]
    return TimelineBuilder().crawl(1, screens + [(["我的", "设置", f"x{n}"], f"pages/x{n}/x{n}", e)
                                                  for n, e in enumerate(extra)])


def test_a_withdrawal_cell_passes() -> None:
    assert rts004(crawl(texts("撤回隐私政策同意", "›"))) == ([], "pass")


def test_policy_text_offering_withdrawal_passes() -> None:
    policy = [*POLICY, *texts("你可以在“隐私设置”中撤回同意，撤回不影响此前基于同意的处理。")]
    assert rts004(crawl(policy)) == ([], "pass")


def test_a_personalisation_switch_passes() -> None:
    assert rts004(crawl([*texts("个性化推荐"), element("switch", "个性化推荐", checked=True)])) == ([], "pass")


def test_nothing_after_a_complete_crawl_fails() -> None:
    [finding], status = rts004(crawl(POLICY))
    assert status == "fail" and finding.severity == "medium"
    assert finding.statement == ("no way to withdraw consent: neither the privacy policy nor the 3 screens a "
                                 "complete crawl reached offer one")


def test_a_policy_screen_alone_only_warns() -> None:
    """Without a crawl the app's own screens may still offer withdrawal: the policy's silence warns."""
    tl = TimelineBuilder().snapshot(1, "p.png", elements=POLICY)
    [finding], status = rts004(tl)
    assert status == "warn" and finding.status == "warn"
    assert finding.statement == "no way to withdraw consent: the privacy policy does not offer one"


def test_deletion_and_wechat_scope_switches_are_not_withdrawal() -> None:
    native_settings = [element("text", "使用我的地理位置", native=True),
                       element("switch", "使用我的地理位置", checked=True, native=True),
                       element("text", "取消授权", native=True)]
    [finding], _ = rts004(crawl(texts("注销账号"), native_settings))
    assert finding.statement == "no way to withdraw consent: none of the 4 screens a complete crawl reached offers one"


def test_not_tested_without_a_crawl_or_a_policy() -> None:
    assert rts004(TimelineBuilder().snapshot(1, "s.png", elements=HOME))[1] == "not_tested"
    cut = TimelineBuilder().crawl(1, [([], "pages/index/index", HOME)], result="failed",
                                  detail="1 screens, depth 0; stopped: the time budget of 5 s ran out")
    assert rts004(cut)[1] == "not_tested"


def test_partial_session_is_marked() -> None:
    built = TimelineBuilder(clock_error_ms=250).snapshot(1, "p.png", elements=POLICY).end(5, outcome="error").build()
    [finding] = [f for f in probes.analyse(built) if f.rule == "RTS-004"]
    assert finding.partial
