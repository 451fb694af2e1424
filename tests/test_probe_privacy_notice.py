"""POL-001: privacy notice before the first collection (probes/privacy_notice.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder, element, pi, texts

PHONE = pi("phone", "138****5678")
EMAIL = pi("email", "z***@example.com", location="body.json:$.email")
LOC = pi("location", "31.23**,121.47**", location="body.json:$.lat")
NOTICE_TEXT = ["个人信息保护提示", "请阅读《快讯隐私政策》，了解我们如何收集你的个人信息"]
NOTICE_PAGE = [*texts(*NOTICE_TEXT), element("button", "不同意"), element("button", "同意")]
HOME = texts("首页", "今日头条")


def pol001(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "POL-001"]


def test_flow_before_the_notice_fails() -> None:
    tl = (
        TimelineBuilder()
        .snapshot(0.2, "s0.png", elements=HOME)
        .flow(0.5, "https://api.news.example/stat", pi=[PHONE])
        .snapshot(1.0, "s1.png", elements=NOTICE_PAGE)
        .end(3)
        .build()
    )
    [finding] = pol001(tl)
    assert finding.severity == "high" and finding.evidence == [2, 3]
    assert "phone sent to api.news.example" in finding.statement and "notice came only at 1.0 s" in finding.statement


def test_notice_dialog_or_page_first_passes() -> None:
    page = TimelineBuilder().snapshot(0.2, "s.png", elements=NOTICE_PAGE).consent(0.8)
    built = page.flow(1.0, "https://api.news.example/stat", pi=[PHONE]).end(3).build()
    assert pol001(built) == [] and probes.rule_status(built)["POL-001"] == "pass"
    dialog = (
        TimelineBuilder()
        .snapshot(0.1, "s.png", elements=HOME)
        .prompt(0.2, "developer_dialog", NOTICE_TEXT, ["不同意", "同意"])
        .flow(1.0, "https://api.news.example/stat", pi=[PHONE])
        .end(3)
    )
    assert pol001(dialog.build()) == []


def test_notice_without_reject_or_link_does_not_count() -> None:
    no_reject = [*texts(*NOTICE_TEXT), element("button", "同意")]
    no_link = [*texts("我们重视你的个人信息"), element("button", "不同意"), element("button", "同意")]
    for page in (no_reject, no_link):
        tl = TimelineBuilder().snapshot(0.2, "s.png", elements=page).flow(1.0, "https://a.example/x", pi=[PHONE])
        [finding] = pol001(tl.end(3).build())
        assert "no privacy notice" in finding.statement


def test_official_popup_covers_interface_calls_only() -> None:
    interface = (
        TimelineBuilder()
        .snapshot(0.1, "s.png", elements=HOME)
        .api(0.5, "getLocation", result_after=1.0)
        .prompt(0.8, "privacy_popup", ["用户隐私保护提示"], ["拒绝", "同意"])
        .consent(1.2)
        .end(3)
    )
    assert pol001(interface.build()) == []
    flow = (
        TimelineBuilder()
        .snapshot(0.1, "s.png", elements=HOME)
        .prompt(0.3, "privacy_popup", ["用户隐私保护提示"], ["拒绝", "同意"])
        .consent(0.4)
        .flow(1.0, "https://api.news.example/stat", pi=[EMAIL])
        .end(3)
    )
    [finding] = pol001(flow.build())
    assert "covers privacy-interface calls only" in finding.statement
    located = TimelineBuilder().snapshot(0.1, "s.png", elements=HOME).api(0.2, "getLocation", result_after=0.5)
    located.prompt(0.3, "privacy_popup", ["用户隐私保护提示"], ["拒绝", "同意"]).consent(0.4)
    assert pol001(located.flow(1.0, "https://api.news.example/near", pi=[LOC]).end(3).build()) == []


def test_pi_form_field_before_notice_fails() -> None:
    form = [*texts("实名登记"), element("input", "请输入身份证号", input_type="idcard")]
    tl = TimelineBuilder().snapshot(0.2, "s.png", elements=form).snapshot(1.0, "n.png", elements=NOTICE_PAGE)
    [finding] = pol001(tl.end(3).build())
    assert "请输入身份证号" in finding.statement


def test_clock_skew_inside_the_bound_is_not_before() -> None:
    tl = (
        TimelineBuilder(clock_error_ms=300)
        .snapshot(1.0, "s.png", elements=NOTICE_PAGE)
        .flow(0.8, "https://api.news.example/stat", pi=[PHONE])
        .end(3)
        .build()
    )
    assert pol001(tl) == []
    beyond = (
        TimelineBuilder(clock_error_ms=100)
        .snapshot(1.0, "s.png", elements=NOTICE_PAGE)
        .flow(0.5, "https://api.news.example/stat", pi=[PHONE])
        .end(3)
        .build()
    )
    assert len(pol001(beyond)) == 1


def test_partial_session_no_consent_and_consent_twice() -> None:
    partial = TimelineBuilder().snapshot(0.2, "s.png", elements=HOME).flow(0.5, "https://a.example/x", pi=[PHONE])
    [finding] = pol001(partial.build())
    assert finding.partial
    none = TimelineBuilder().snapshot(0.2, "s.png", elements=NOTICE_PAGE).flow(0.5, "https://a.example/x", pi=[PHONE])
    assert pol001(none.end(3).build()) == []  # POL-001 is about the notice; consent is CON-001's
    twice = TimelineBuilder().snapshot(0.2, "s.png", elements=HOME).consent(0.3).consent(0.4)
    [finding] = pol001(twice.flow(0.5, "https://a.example/x", pi=[PHONE]).snapshot(1.0, "n.png", elements=NOTICE_PAGE).end(3).build())
    assert "notice came only at 1.0 s" in finding.statement


def test_not_tested_without_page_texts() -> None:
    old = TimelineBuilder().flow(1.0, "https://a.example/x", pi=[PHONE]).end(3).build()
    assert probes.rule_status(old)["POL-001"] == "not_tested"


def test_pending_interface_call_is_covered_by_the_popup_it_raised() -> None:
    popup = [*texts("首页"), element("text", "用户隐私保护提示", native=True),
             element("text", "请阅读《小程序隐私保护指引》", native=True),
             element("button", "拒绝", native=True), element("button", "同意", native=True)]
    tl = (
        TimelineBuilder()
        .snapshot(0.1, "s.png", elements=HOME)
        .api(0.5, "getPhoneNumber", ok=None, result_after=None)
        .snapshot(0.7, "p.png", elements=popup)
        .prompt(0.8, "privacy_popup", ["用户隐私保护提示"], ["拒绝", "同意"])
        .flow(1.0, "https://api.news.example/stat", pi=[EMAIL])
        .end(3)
        .build()
    )
    [finding] = pol001(tl)  # the native popup in the snapshot is not the program's notice: the flow fails
    assert "email sent" in finding.statement and "covers privacy-interface calls only" in finding.statement


def test_an_unticked_consent_checkbox_is_the_agree_and_the_reject_control() -> None:
    """Leaving the box unticked refuses; a box ticked before the user touched it is no choice at all."""
    def page(checked: bool) -> list:  # type: ignore[type-arg]
        return [*texts("为完成挂号，我们会收集你的身份证号，详见《隐私政策》"),
                element("checkbox", "我已阅读并同意《就诊人信息授权书》", checked=checked), element("button", "提交")]

    for checked, findings in ((False, 0), (True, 1)):
        tl = TimelineBuilder().snapshot(0.2, "s.png", elements=page(checked)).consent(0.8)
        assert len(pol001(tl.flow(1.0, "https://a.example/book", pi=[PHONE]).end(3).build())) == findings
