"""COL-007: sensitive PI without specific notice and separate consent (probes/sensitive_consent.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder, element, pi, texts

ID = pi("id_card", "11***************1", location="body.json:$.idCard")
PHONE = pi("phone", "138****5678")
URL = "https://api.clinic.example/patients"
BARE = [*texts("就诊人信息"), element("input", "请输入身份证号", input_type="idcard"), element("button", "提交")]
SEPARATE = [
    *texts("就诊人信息", "身份证号仅用于医院建档和医保结算，不作他用"),
    element("input", "请输入身份证号", input_type="idcard"),
    element("checkbox", "我同意提供身份证号用于就诊建档", checked=False),
    element("button", "提交"),
]


def col007(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "COL-007"]


def test_id_sent_from_a_bare_form_fails() -> None:
    tl = (
        TimelineBuilder()
        .snapshot(0.5, "s.png", elements=BARE, page="pages/patient/patient")
        .tap(1.0, "提交")
        .flow(1.2, URL, pi=[ID])
        .end(3)
        .build()
    )
    [finding] = col007(tl)
    assert finding.severity == "high" and finding.evidence == [1, 3] and finding.data == ["11***************1"]
    assert "purpose statement" in finding.statement and "separate consent control" in finding.statement


def test_purpose_and_separate_checkbox_pass() -> None:
    tl = TimelineBuilder().snapshot(0.5, "s.png", elements=SEPARATE).tap(1.0, "提交").flow(1.2, URL, pi=[ID])
    built = tl.end(3).build()
    assert col007(built) == [] and probes.rule_status(built)["COL-007"] == "pass"


def test_a_specific_dialog_counts_and_non_sensitive_data_is_ignored() -> None:
    dialog = (
        TimelineBuilder()
        .snapshot(0.5, "s.png", elements=BARE)
        .prompt(0.8, "developer_dialog", ["采集身份证号", "身份证号仅用于医保结算"], ["不同意", "同意"])
        .flow(1.2, URL, pi=[ID])
    )
    assert col007(dialog.end(3).build()) == []
    phone = TimelineBuilder().snapshot(0.5, "s.png", elements=BARE).flow(1.2, URL, pi=[PHONE])
    assert col007(phone.end(3).build()) == []


def test_only_half_of_it_still_fails() -> None:
    purpose_only = [*texts("身份证号仅用于建档"), element("button", "提交")]
    tl = TimelineBuilder().snapshot(0.5, "s.png", elements=purpose_only).flow(1.2, URL, pi=[ID])
    [finding] = col007(tl.end(3).build())
    assert "separate consent control" in finding.statement and "purpose statement" not in finding.statement


def test_clock_skew_partial_and_consent() -> None:
    # a privacy agreement (once or twice) is not separate consent for sensitive data; a partial session
    # still reports, marked partial; snapshots taken after the flow are not the collecting screen
    for agreements in (0, 1, 2):
        tl = TimelineBuilder(clock_error_ms=300).snapshot(0.5, "s.png", elements=BARE)
        for n in range(agreements):
            tl.consent(0.6 + n * 0.1)
        [finding] = col007(tl.flow(1.2, URL, pi=[ID]).build())
        assert finding.partial
    late = TimelineBuilder().snapshot(0.5, "s.png", elements=BARE).flow(1.2, URL, pi=[ID])
    late.snapshot(1.3, "s2.png", elements=SEPARATE)
    assert len(col007(late.end(3).build())) == 1


def test_not_tested_without_page_texts() -> None:
    old = TimelineBuilder().flow(1.0, URL, pi=[ID]).end(3).build()
    assert probes.rule_status(old)["COL-007"] == "not_tested"


def test_dedicated_authorisation_counts_but_the_privacy_policy_checkbox_does_not() -> None:
    purpose = "身份证号仅用于医保结算"
    for label, found in (("我已阅读并同意《就诊人信息授权书》", 0), ("我已阅读并同意《隐私政策》", 1)):
        page = [*texts(purpose), element("checkbox", label), element("button", "提交")]
        tl = TimelineBuilder().snapshot(0.5, "s.png", elements=page).flow(1.2, URL, pi=[ID])
        assert len(col007(tl.end(3).build())) == found


def test_health_data_needs_a_purpose_naming_it_and_its_own_consent() -> None:
    """Health data is sensitive (PIPL 28): a form sending 既往病史 passes with a purpose statement and a
    separate checkbox naming it, and fails without them."""
    health = pi("health", "******", location="body.json:$.history")
    bare = [*texts("问诊信息"), element("input", "请填写既往病史"), element("button", "提交")]
    specific = [*texts("问诊信息", "既往病史仅用于医生问诊参考"), element("input", "请填写既往病史"),
                element("checkbox", "我同意提供病史用于本次问诊", checked=False), element("button", "提交")]
    for elements, findings in ((bare, 1), (specific, 0)):
        tl = TimelineBuilder().snapshot(0.5, "s.png", elements=elements).tap(1.0, "提交").flow(1.2, URL, pi=[health])
        assert len(col007(tl.end(3).build())) == findings
