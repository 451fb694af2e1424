"""CON-001: collection before consent (probes/consent_before_collection.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder, pi


def con001(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "CON-001"]


def test_privacy_api_before_consent_fails_with_times_relative_to_start() -> None:
    tl = TimelineBuilder().api(1.2, "getLocation").consent(7.9).end(10).build()
    [finding] = con001(tl)
    assert finding.status == "fail" and finding.severity == "high"
    assert finding.statement == (
        "getLocation succeeded 1.2 s into the session, before any privacy consent (first consent at 7.9 s)"
    )
    assert finding.evidence == [1]
    assert finding.probe == "consent_before_collection"
    assert finding.title == "Collection before consent / 征得同意前收集个人信息"
    assert finding.remedy.startswith("Gate all PI processing behind the consent callback")
    assert finding.partial is False


def test_privacy_api_after_consent_passes() -> None:
    tl = TimelineBuilder().consent(1.0).api(2.0, "getLocation").end(10).build()
    assert con001(tl) == []
    assert probes.rule_status(tl)["CON-001"] == "pass"


def test_call_that_waits_for_the_popup_is_timed_at_its_result() -> None:
    # WeChat shows the privacy popup during the call; it succeeds only after the agree tap.
    tl = (
        TimelineBuilder()
        .api(1.0, "getLocation", result_after=2.0)
        .prompt(1.1, "privacy_popup", ["用户隐私保护提示"], ["拒绝", "同意"])
        .consent(2.5)
        .end(10)
        .build()
    )
    assert con001(tl) == []


def test_failed_privacy_api_is_not_collection() -> None:
    tl = (
        TimelineBuilder()
        .api(1.0, "getLocation", ok=False, errno=104)
        .api(1.5, "getLocation", ok=None, result_after=None)
        .end(5)
        .build()
    )
    assert con001(tl) == []


def test_no_consent_at_all_makes_the_whole_session_count() -> None:
    tl = TimelineBuilder().api(3.0, "chooseAddress").api(50.0, "getLocation").end(60).build()
    found = con001(tl)
    assert [f.statement for f in found] == [
        "chooseAddress succeeded 3.0 s into the session, with no privacy consent in the session",
        "getLocation succeeded 50.0 s into the session, with no privacy consent in the session",
    ]


def test_consent_given_twice_uses_the_first() -> None:
    tl = TimelineBuilder().consent(2.0).api(3.0, "getLocation").consent(4.0).end(10).build()
    assert con001(tl) == []


def test_scope_grant_is_not_privacy_consent() -> None:
    tl = (
        TimelineBuilder()
        .consent(1.0, "agree", "scope.userLocation")
        .api(2.0, "getLocation")
        .consent(5.0)
        .end(10)
        .build()
    )
    [finding] = con001(tl)
    assert "first consent at 5.0 s" in finding.statement


def test_clock_skew_inside_the_recorded_bound_is_not_before_consent() -> None:
    # result at 4.95 s, consent at 5.0 s: 50 ms apart.
    inside = (
        TimelineBuilder(clock_error_ms=80)
        .api(4.9, "getLocation", result_after=0.05)
        .consent(5.0)
        .end(10)
        .build()
    )
    assert con001(inside) == []
    outside = (
        TimelineBuilder(clock_error_ms=20)
        .api(4.9, "getLocation", result_after=0.05)
        .consent(5.0)
        .end(10)
        .build()
    )
    assert len(con001(outside)) == 1
    # the larger bound of start and end counts
    at_end = (
        TimelineBuilder()
        .api(4.9, "getLocation", result_after=0.05)
        .consent(5.0)
        .end(10, clock_error_ms=80)
        .build()
    )
    assert con001(at_end) == []


def test_repeated_calls_are_one_finding_with_all_evidence() -> None:
    tl = (
        TimelineBuilder()
        .api(1.0, "getLocation")
        .api(2.0, "getLocation")
        .api(3.0, "getLocation")
        .consent(9.0)
        .api(10.0, "getLocation")
        .end(12)
        .build()
    )
    [finding] = con001(tl)
    assert finding.evidence == [1, 2, 3]
    assert finding.statement.startswith("getLocation succeeded 3 times from 1.0 s into the session")


def test_pi_flow_to_a_third_party_before_consent() -> None:
    tl = (
        TimelineBuilder()
        .flow(2.0, "https://log.aldwx.com/d.html?x=1", pi=[pi("location", "31.2***,121.4***")], flow_id="f1")
        .consent(5.0)
        .end(10)
        .build()
    )
    [finding] = con001(tl)
    assert finding.flows == ["f1"]
    assert finding.data == ["31.2***,121.4***"]
    assert finding.statement.startswith("location sent to log.aldwx.com/d.html 2.0 s into the session")


def test_flows_that_do_not_count() -> None:
    tl = (
        TimelineBuilder()
        .flow(1.0, "https://api.weixin.qq.com/sns/jscode2session", pi=[pi("openid", "oAb1****")])
        .flow(1.1, "https://servicewechat.com/wx0123456789abcdef/0/page-frame.html", pi=[pi()])
        .flow(1.2, "https://api.shop.example/user", pi=[pi(confidence="medium")])
        .flow(1.3, "https://api.shop.example/list")
        .flow(1.4, "https://other.example/x", pi=[pi()], appid="wxffffffffffffffff")
        .api(1.5, "login")
        .consent(5.0)
        .end(10)
        .build()
    )
    assert con001(tl) == []


def test_canary_match_counts_even_at_low_confidence() -> None:
    tl = (
        TimelineBuilder()
        .flow(
            1.0,
            "https://api.shop.example/clip",
            pi=[pi("text", "cana****", confidence="low", canary="clipboard")],
        )
        .end(10)
        .build()
    )
    assert len(con001(tl)) == 1


def test_endpoints_with_ids_group_into_one_finding() -> None:
    tl = (
        TimelineBuilder()
        .flow(1.0, "https://api.shop.example/user/123/profile?ts=1", pi=[pi()])
        .flow(2.0, "https://api.shop.example/user/456/profile?ts=2", pi=[pi()])
        .end(10)
        .build()
    )
    [finding] = con001(tl)
    assert finding.evidence == [1, 2]
    assert "api.shop.example/user/{id}/profile" in finding.statement


def test_device_info_read_alone_is_informational() -> None:
    tl = (
        TimelineBuilder().api(0.5, "getSystemInfoSync").api(0.6, "getDeviceInfo").consent(5.0).end(10).build()
    )
    assert con001(tl) == []


def test_device_info_that_leaves_the_device_before_consent_fails() -> None:
    tl = (
        TimelineBuilder()
        .api(0.5, "getSystemInfoSync")
        .flow(
            1.0,
            "https://api.shop.example/stat",
            pi=[pi("device_info", "Pixel 7/****", confidence="medium")],
            flow_id="f9",
        )
        .flow(1.5, "https://api.shop.example/other", pi=[pi("device_info", "Pixel 7/****", confidence="low")])
        .consent(5.0)
        .end(10)
        .build()
    )
    [finding] = con001(tl)
    assert finding.evidence == [1, 2]
    assert finding.flows == ["f9"]
    assert finding.data == ["Pixel 7/****"]
    assert "device information read by getSystemInfoSync" in finding.statement


def test_device_info_flow_without_a_read_needs_a_strong_match() -> None:
    tl = (
        TimelineBuilder()
        .flow(
            1.0, "https://api.shop.example/stat", pi=[pi("device_info", "Pixel 7/****", confidence="medium")]
        )
        .end(10)
        .build()
    )
    assert con001(tl) == []


def test_pi_storage_write_before_consent() -> None:
    tl = (
        TimelineBuilder()
        .storage(1.0, "userPhone", pi=[pi()])
        .storage(1.1, "theme")
        .consent(5.0)
        .storage(6.0, "userPhone", pi=[pi()])
        .end(10)
        .build()
    )
    [finding] = con001(tl)
    assert finding.evidence == [1]
    assert finding.statement.startswith('phone written to storage key "userPhone" 1.0 s into the session')


def test_partial_session_marks_findings_partial() -> None:
    tl = TimelineBuilder().api(1.0, "getLocation").build()
    [finding] = con001(tl)
    assert finding.partial is True
    crashed = (
        TimelineBuilder().api(1.0, "getLocation").end(3, outcome="error", reason="frida detached").build()
    )
    assert con001(crashed)[0].partial is True


def test_not_tested_without_any_collection_evidence() -> None:
    tl = TimelineBuilder().tap(1.0, "首页").end(10).build()
    assert probes.rule_status(tl)["CON-001"] == "not_tested"


def test_a_call_pending_while_the_agreed_popup_appeared_waited_for_the_consent() -> None:
    """Recorded on the sim: the driver's consent trails the call's result by a few ms."""
    tl = (
        TimelineBuilder()
        .tap(1.0, "粘贴口令")
        .api(1.05, "getClipboardData", result_after=0.25)
        .prompt(1.1, "privacy_popup", ["用户隐私保护提示"], ["拒绝", "同意"])
        .consent(1.31, "agree", prompt_seq=3)
        .end(5)
        .build()
    )
    assert [f for f in probes.analyse(tl) if f.rule == "CON-001"] == []
    no_popup = TimelineBuilder().api(1.05, "getClipboardData", result_after=0.25).consent(1.31).end(5).build()
    assert [f.rule for f in probes.analyse(no_popup) if f.rule == "CON-001"] == ["CON-001"]


def test_a_developer_dialog_agreed_during_the_call_does_not_excuse_it() -> None:
    """Recorded on the demo (storefinder-violating): getLocation at launch succeeds after the scope
    popup while the developer's own privacy dialog is still unanswered."""
    tl = (
        TimelineBuilder()
        .api(1.0, "getLocation", result_after=0.5)
        .prompt(1.1, "developer_dialog", ["我们会收集你的个人信息"], ["同意"], mentions_privacy=True)
        .consent(1.6, "agree", prompt_seq=2)
        .end(5)
        .build()
    )
    assert [f.evidence for f in probes.analyse(tl) if f.rule == "CON-001"] == [[1]]


def test_a_flow_is_timed_when_the_program_sent_it_not_when_the_proxy_saw_it() -> None:
    """storefinder-violating: wx.request at launch, the agree tap, and only then (under load) the proxy
    sees the request: it was still sent before consent. A request made after the consent passes."""
    url = "http://api.freshfruit.example/api/collect"
    before = (
        TimelineBuilder()
        .api(1.0, "request", args={"url": url, "method": "POST"})
        .consent(1.4)
        .flow(1.5, url, pi=[pi()])
        .end(10)
        .build()
    )
    [finding] = con001(before)
    assert finding.statement.startswith("phone sent to api.freshfruit.example/api/collect")
    after = (
        TimelineBuilder()
        .consent(1.4)
        .api(1.45, "request", args={"url": url + "?x=1", "method": "POST"})
        .flow(1.5, url + "?x=1", pi=[pi()])
        .api(0.5, "request", args={"url": "http://other.example/api/collect"})
        .end(10)
        .build()
    )
    assert con001(after) == []
