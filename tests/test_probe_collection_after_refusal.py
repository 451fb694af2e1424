"""CON-002: collection after a refusal (probes/collection_after_refusal.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder, pi


def con002(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "CON-002"]


def test_device_data_sent_after_privacy_refusal_fails() -> None:
    tl = (
        TimelineBuilder()
        .prompt(1.0, "privacy_popup", ["用户隐私保护提示"], ["拒绝", "同意"])
        .consent(2.0, "refuse", prompt_seq=1)
        .flow(
            3.0,
            "https://api.park.example/device",
            pi=[pi("device_info", "Xia***", location="body.json:$.model")],
        )
        .end(10)
        .build()
    )
    [finding] = con002(tl)
    assert finding.status == "fail" and finding.evidence == [2, 3]
    assert "after the privacy agreement was refused at 2.0 s" in finding.statement


def test_scope_refusal_then_location_call_and_flow_fail_until_re_consent() -> None:
    tl = (
        TimelineBuilder()
        .consent(1.0, "refuse", "scope.userLocation")
        .api(2.0, "getLocation")
        .flow(2.5, "https://api.shop.example/near", pi=[pi("location", "31.2***", location="url.query:lat")])
        .flow(2.6, "https://api.shop.example/user", pi=[pi()])  # a phone number is not the location scope
        .consent(5.0, "agree", "scope.userLocation")
        .api(6.0, "getLocation")  # after re-consent
        .end(10)
        .build()
    )
    found = con002(tl)
    assert sorted(f.evidence for f in found) == [[1, 2], [1, 3]]


def test_refused_twice_opens_two_windows() -> None:
    tl = (
        TimelineBuilder()
        .consent(1.0, "refuse", "scope.userLocation")
        .consent(2.0, "agree", "scope.userLocation")
        .api(2.5, "getLocation")
        .consent(3.0, "refuse", "scope.userLocation")
        .api(4.0, "getLocation")
        .end(10)
        .build()
    )
    [finding] = con002(tl)
    assert finding.evidence == [4, 5]


def test_collection_within_the_clock_error_of_the_refusal_is_not_after_it() -> None:
    tl = (
        TimelineBuilder(clock_error_ms=500)
        .consent(1.0, "refuse")
        .flow(1.3, "https://api.x.example/a", pi=[pi()])
        .end(5)
        .build()
    )
    assert con002(tl) == []


def test_failed_calls_platform_hosts_and_user_agent_are_not_collection() -> None:
    tl = (
        TimelineBuilder()
        .api(1.0, "getLocation", ok=False, err_msg="getLocation:fail auth deny")
        .api(2.0, "getLocation", ok=False, err_msg="getLocation:fail auth deny")
        .flow(2.5, "https://api.weixin.qq.com/x", pi=[pi("location", "31.2***")])
        .flow(
            3.0,
            "https://api.x.example/a",
            pi=[pi("device_info", "22***3C", location="header:User-Agent", canary="device.model")],
        )
        .end(5)
        .build()
    )
    assert con002(tl) == []
    assert probes.rule_status(tl)["CON-002"] == "pass"


def test_no_refusal_is_not_tested_and_partial_sessions_are_marked() -> None:
    assert (
        probes.rule_status(TimelineBuilder().api(1.0, "getLocation").end(2).build())["CON-002"]
        == "not_tested"
    )
    tl = TimelineBuilder().consent(1.0, "refuse").api(2.0, "chooseImage").build()
    assert con002(tl)[0].partial


def test_device_information_read_and_sent_after_a_refusal_fails() -> None:
    """parking-violating: on 不同意 the app reads getSystemInfoSync and uploads brand/model/system, a
    medium-confidence device_info match: device information leaving the device, as CON-001 counts it."""
    device = pi("device_info", "fields: brand, model, system", confidence="medium", location="body.json:$")

    def timeline(read: bool):  # type: ignore[no-untyped-def]
        b = TimelineBuilder().prompt(1.0, "developer_dialog", ["隐私保护指引"], ["不同意", "同意"])
        if read:
            b = b.api(1.9, "getSystemInfoSync")
        return b.consent(2.0, "refuse", prompt_seq=1).flow(3.0, "https://api.park.example/device", pi=[device]).end(10).build()

    [finding] = con002(timeline(read=True))
    assert finding.statement.startswith("device_info sent to api.park.example/device at 3.0 s")
    assert con002(timeline(read=False)) == []  # a medium match alone is not collection
