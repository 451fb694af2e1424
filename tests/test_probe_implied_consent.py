"""CON-005: pre-ticked consent checkboxes and 登录即同意 wording (probes/implied_consent.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder, element, pi, texts

OPENID = pi("openid", "oXy***abc", location="body.json:$.openid")
LEGAL = "我已阅读并同意《会员服务协议》和《隐私政策》"
IMPLIED = "登录即代表同意《会员服务协议》和《隐私政策》"


def con005(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "CON-005"]


def login_page(checked: bool | None = None, wording: str = LEGAL) -> list:  # type: ignore[type-arg]
    page = [*texts("悦享", wording), element("button", "微信一键登录")]
    if checked is not None:
        page.append(element("checkbox", wording, checked=checked))
    return page


def test_implied_wording_then_collection_fails() -> None:
    tl = (
        TimelineBuilder()
        .snapshot(0.5, "s1.png", elements=login_page(wording=IMPLIED))
        .tap(1.0, "微信一键登录")
        .flow(1.4, "https://api.member.example/login", pi=[OPENID])
        .end(3)
        .build()
    )
    [finding] = con005(tl)
    assert finding.evidence == [1, 3] and "登录即代表同意" in finding.statement
    assert probes.rule_status(tl)["CON-005"] == "fail"


def test_prechecked_box_fails_and_unticked_box_passes() -> None:
    ticked = TimelineBuilder().snapshot(0.5, "s.png", elements=login_page(checked=True)).end(2).build()
    [finding] = con005(ticked)
    assert "already ticked" in finding.statement and finding.evidence == [1]
    unticked = (
        TimelineBuilder()
        .snapshot(0.5, "s1.png", elements=login_page(checked=False))
        .tap(1.0, LEGAL)
        .snapshot(1.2, "s2.png", elements=login_page(checked=True))  # ticked by the user: fine
        .tap(2.0, "微信一键登录")
        .flow(2.3, "https://api.member.example/login", pi=[OPENID])
        .end(4)
        .build()
    )
    assert con005(unticked) == []
    assert probes.rule_status(unticked)["CON-005"] == "pass"


def test_implied_wording_with_a_separate_checkbox_or_no_collection_passes() -> None:
    with_box = (
        TimelineBuilder()
        .snapshot(0.5, "s.png", elements=login_page(checked=False, wording=IMPLIED))
        .flow(1.4, "https://api.member.example/login", pi=[OPENID])
        .end(3)
        .build()
    )
    assert con005(with_box) == []
    nothing_collected = TimelineBuilder().snapshot(0.5, "s.png", elements=login_page(wording=IMPLIED)).end(3).build()
    assert con005(nothing_collected) == []


def test_consent_given_between_wording_and_collection_passes_once_or_twice() -> None:
    for agreements in (1, 2):
        tl = TimelineBuilder().snapshot(0.5, "s.png", elements=login_page(wording=IMPLIED))
        tl.prompt(0.8, "privacy_popup", ["用户隐私保护提示", "《悦享隐私保护指引》"], ["拒绝", "同意"])
        for n in range(agreements):
            tl.consent(1.0 + n * 0.1, "agree")
        tl.flow(1.5, "https://api.member.example/login", pi=[OPENID])
        assert con005(tl.end(3).build()) == []


def test_no_page_texts_is_not_tested_never_pass() -> None:
    tl = TimelineBuilder().tap(1.0, "微信一键登录").flow(1.4, "https://api.member.example/login", pi=[OPENID])
    built = tl.end(3).build()
    assert con005(built) == []
    assert probes.rule_status(built)["CON-005"] == "not_tested"


def test_clock_skew_and_partial_session() -> None:
    # the flow is recorded 0.1 s "before" the snapshot, inside a 0.3 s clock bound: still after it
    skewed = (
        TimelineBuilder(clock_error_ms=300)
        .snapshot(1.0, "s.png", elements=login_page(wording=IMPLIED))
        .flow(0.9, "https://api.member.example/login", pi=[OPENID])
        .end(3, clock_error_ms=300)
        .build()
    )
    assert len(con005(skewed)) == 1
    partial = (
        TimelineBuilder()
        .snapshot(0.5, "s.png", elements=login_page(wording=IMPLIED))
        .flow(1.0, "https://api.member.example/login", pi=[OPENID])
        .build()
    )
    [finding] = con005(partial)
    assert finding.partial


def test_program_own_call_to_a_wechat_host_that_returns_the_openid_is_collection() -> None:
    openid = pi("openid", "oXk***bQe", location="response.body.json:$.openid")
    secret = pi("app_secret", "4f1***a60", location="url.query:secret")
    tl = (
        TimelineBuilder()
        .snapshot(0.5, "s.png", elements=login_page(wording=IMPLIED))
        .flow(1.0, "https://api.weixin.qq.com/sns/jscode2session?secret=x", pi=[secret, openid])
    )
    [finding] = con005(tl.end(3).build())
    assert finding.evidence == [1, 2]
    only_secret = (
        TimelineBuilder()
        .snapshot(0.5, "s.png", elements=login_page(wording=IMPLIED))
        .flow(1.0, "https://api.member.example/cfg", pi=[secret])
        .flow(1.2, "https://api.weixin.qq.com/x", pi=[openid], appid="wxffffffffffffffff")  # not the program's
    )
    assert con005(only_secret.end(3).build()) == []
