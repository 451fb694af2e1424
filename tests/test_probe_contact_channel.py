"""RTS-005 (probes/contact_channel.py) and the policy-screen reading it rests on (probes/pages.py)."""

from __future__ import annotations

from typing import Any

import probes
from harness.timeline import UIElement, UISnapshot
from probes.pages import is_policy_screen, policy_screens
from probes.testing import TimelineBuilder, element, texts

BODY = (
    "我们会收集你的手机号和姓名，用于开通会员卡和积分结算。",
    "我们不会向第三方共享你的个人信息，你可以在个人资料页查看和更正。",
    "你有权删除你的个人信息或注销账号。",
)


def nav(title: str) -> list[UIElement]:
    """The navigation bar as the sim records it: the title, then the capsule, all platform-drawn."""
    return [element("text", title, native=True), element("text", "···", native=True), element("text", "◎", native=True)]


def policy_page(*extra: str, title: str = "隐私政策", controls: tuple[UIElement, ...] = ()) -> list[UIElement]:
    return [*nav(title), *texts(*BODY, *extra), *controls]


def guide_layer(*extra: str) -> list[UIElement]:
    """WeChat's guide page drawn over the program (wx.openPrivacyContract): 返回, the title, its body."""
    return [*nav("首页"), *texts("今日推荐"), element("button", "返回", native=True), element("text", "返回", native=True),
            element("text", "《悦享会员隐私保护指引》", native=True),
            *[element("text", t, native=True) for t in (*BODY, *extra)]]


def snap(elements: list[UIElement], **fields: Any) -> UISnapshot:
    return UISnapshot(seq=1, t=1, wall="", source="driver", texts=[e.text for e in elements if e.kind == "text"],
                      elements=elements, **fields)


def rts005(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "RTS-005"]


def session(*screens: list[UIElement], start: float = 1.0, **end: Any):  # type: ignore[no-untyped-def]
    tl = TimelineBuilder().snapshot(0.2, "home.png", elements=[*nav("首页"), *texts("今日推荐")])
    for n, elements in enumerate(screens):
        tl.tap(start + n, "隐私政策").snapshot(start + n + 0.3, f"s{n}.png", elements=elements, page="pages/policy/policy")
    return tl.end(20, **end).build()


def test_policy_screen_needs_the_name_as_title_and_body_text() -> None:
    assert is_policy_screen(snap(policy_page()))
    assert is_policy_screen(snap(policy_page(title="《悦享会员隐私政策》")))
    assert is_policy_screen(snap([*nav("关于"), *texts("隐私政策", *BODY)]))  # the page's own first text
    # a settings list with a 隐私政策 entry, and a consent dialog linking 《隐私政策》, are not policy screens
    assert not is_policy_screen(snap([*nav("设置"), *texts("隐私政策", "用户协议", "关于我们", "注销账号")]))
    assert not is_policy_screen(snap([*nav("首页"), *texts("欢迎使用", "《隐私政策》", *BODY)]))
    assert not is_policy_screen(snap([*nav("查看隐私政策后请点击同意"), *texts(*BODY)]))
    assert not is_policy_screen(snap(policy_page()[:3]))  # the title without a body
    [guide] = policy_screens(tl := TimelineBuilder().snapshot(1, "g.png", elements=guide_layer()).build())
    assert guide.platform and guide.title == "《悦享会员隐私保护指引》" and "今日推荐" not in guide.body and tl


def test_policy_without_contact_fails_and_each_channel_passes() -> None:
    [finding] = rts005(session(policy_page()))
    assert finding.status == "fail" and finding.severity == "low" and "“隐私政策”" in finding.statement
    assert finding.evidence == [3]  # the policy snapshot
    for channel in (
        "如有问题请发送邮件至 privacy@yuexiang.example",
        "客服电话：13912345678",
        "客服热线 400-820-1234（工作日 9:00-18:00）",
        "联系电话：021-62345678",
        "QQ：123456789",
        "微信公众号：悦享会员",
    ):
        assert rts005(session(policy_page(channel))) == [], channel
    contact_button = element("button", "联系客服", open_type="contact")
    assert rts005(session(policy_page(controls=(contact_button,)))) == []


def test_numbers_that_are_not_channels_do_not_pass() -> None:
    for noise in ("本政策更新于 1700000000000", "版本号 13912345678001", "联系我们"):
        [finding] = rts005(session(policy_page(noise)))
        assert finding.status == "fail", noise


def test_a_channel_in_the_guide_or_a_second_policy_is_enough() -> None:
    assert rts005(session(policy_page(), guide_layer("开发者联系邮箱：dev@yuexiang.example"))) == []
    assert rts005(session(policy_page(title="用户协议"), policy_page("邮箱：a@b.example"))) == []
    [finding] = rts005(session(policy_page(), guide_layer()))
    assert finding.status == "fail" and "platform's guide" in finding.statement and len(finding.evidence) == 2


def test_only_the_guide_recorded_or_a_clipped_policy_warn() -> None:
    [only_guide] = rts005(session(guide_layer()))
    assert only_guide.status == "warn" and "own policy was not recorded" in only_guide.statement
    [clipped] = rts005(session(policy_page("第八条" + "我们" * 150)))
    assert clipped.status == "warn" and "cut" in clipped.statement


def test_same_policy_twice_is_one_finding_and_partial_sessions_still_judge() -> None:
    [finding] = rts005(session(policy_page(), policy_page()))
    assert len(finding.evidence) == 1
    [partial] = rts005(session(policy_page(), outcome="error"))
    assert partial.partial and partial.status == "fail"


def test_not_tested_without_a_policy_screen() -> None:
    tl = TimelineBuilder().snapshot(0.2, "home.png", elements=[*nav("首页"), *texts("今日推荐")]).end(5).build()
    assert probes.rule_status(tl)["RTS-005"] == "not_tested"
    assert probes.rule_status(session(policy_page("邮箱：a@b.example")))["RTS-005"] == "pass"
