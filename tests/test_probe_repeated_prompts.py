"""PERM-002: prompts repeated after a refusal (probes/repeated_prompts.py)."""

from __future__ import annotations

import probes
from probes.config import ProbeConfig
from probes.testing import TimelineBuilder

LOCATION_NAG = ["需要获取您的位置信息才能推荐附近门店，请前往设置开启"]
LOCATION_BUTTONS = ["取消", "去设置"]


def perm002(tl, config=None):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl, config) if f.rule == "PERM-002"]


def refused_location() -> TimelineBuilder:
    """A scope popup at 2 s (seq 1) refused at 3 s (seq 2)."""
    return (
        TimelineBuilder()
        .prompt(2.0, "scope", ["获取你的位置信息"], ["拒绝", "允许"], scope="scope.userLocation")
        .consent(3.0, "refuse", "scope.userLocation", prompt_seq=1)
    )


def test_two_unrequested_prompts_after_refusal_fail() -> None:
    tl = (
        refused_location()
        .prompt(5.0, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS, screenshot="screens/5.png")
        .tap(8.0, "我的订单")
        .prompt(9.0, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS, screenshot="screens/9.png")
        .end(20)
        .build()
    )
    [finding] = perm002(tl)
    assert (finding.status, finding.severity) == ("fail", "medium")
    assert finding.evidence == [2, 3, 5]
    assert finding.screenshots == ["screens/5.png", "screens/9.png"]
    assert finding.statement == (
        "scope.userLocation (获取你的位置信息) refused at 3.0 s, then asked again 2 times without a fresh "
        "tap on the feature (at 5.0 s, 9.0 s)"
    )


def test_one_unrequested_prompt_warns_one_step_lower() -> None:
    tl = refused_location().prompt(5.0, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS).end(20).build()
    [finding] = perm002(tl)
    assert (finding.status, finding.severity) == ("warn", "low")
    assert "asked again once" in finding.statement


def test_prompt_after_a_fresh_tap_on_the_feature_is_not_counted() -> None:
    tl = (
        refused_location()
        .tap(10.0, "附近门店")
        .prompt(11.0, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS)
        .end(20)
        .build()
    )
    assert perm002(tl) == []
    assert probes.rule_status(tl)["PERM-002"] == "pass"


def test_tap_outside_the_window_or_on_another_feature_does_not_excuse() -> None:
    tl = (
        refused_location()
        .tap(10.0, "附近门店")
        .prompt(14.0, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS)  # 4 s after the tap
        .tap(20.0, "扫码点餐")  # camera, not location
        .prompt(20.5, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS)
        .end(30)
        .build()
    )
    [finding] = perm002(tl)
    assert finding.status == "fail"
    # a wider window excuses the first one
    [finding] = perm002(tl, ProbeConfig(user_initiated_window_s=5))
    assert finding.status == "warn"


def test_one_tap_causes_one_prompt_so_a_loop_counts() -> None:
    tl = (
        TimelineBuilder()
        .tap(1.0, "附近门店")
        .prompt(1.5, "scope", ["获取你的位置信息"], ["拒绝", "允许"], scope="scope.userLocation")
        .consent(2.0, "refuse", "scope.userLocation", prompt_seq=2)
        .prompt(2.5, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS)  # within 3 s of the same tap
        .consent(3.0, "refuse", "scope.userLocation")
        .prompt(3.5, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS)
        .end(10)
        .build()
    )
    [finding] = perm002(tl)
    assert finding.status == "fail"
    assert finding.evidence == [3, 4, 6]


def test_refused_repeats_still_count() -> None:
    tl = (
        refused_location()
        .prompt(5.0, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS)
        .consent(5.5, "refuse", "scope.userLocation", prompt_seq=3)
        .prompt(8.0, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS)
        .consent(8.5, "refuse", "scope.userLocation", prompt_seq=5)
        .end(20)
        .build()
    )
    [finding] = perm002(tl)
    assert (finding.status, finding.evidence) == ("fail", [2, 3, 5])


def test_the_refused_prompt_recorded_late_is_not_a_repeat() -> None:
    tl = (
        TimelineBuilder()
        .consent(3.0, "refuse", "scope.userLocation", prompt_seq=2)
        .prompt(3.2, "scope", ["获取你的位置信息"], ["拒绝", "允许"], scope="scope.userLocation")
        .end(20)
        .build()
    )
    assert perm002(tl) == []


def test_refusal_seen_as_auth_deny() -> None:
    by_authorize = (
        TimelineBuilder()
        .api(
            1.0,
            "authorize",
            ok=False,
            err_msg="authorize:fail auth deny",
            args={"scope": "scope.userLocation"},
        )
        .prompt(3.0, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS)
        .prompt(4.0, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS)
        .end(10)
        .build()
    )
    [finding] = perm002(by_authorize)
    assert finding.evidence == [1, 2, 3] and finding.status == "fail"
    by_api = (
        TimelineBuilder()
        .api(1.0, "getLocation", ok=False, err_msg="getLocation:fail auth deny")
        .prompt(3.0, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS)
        .end(10)
        .build()
    )
    assert perm002(by_api)[0].statement.startswith("scope.userLocation (获取你的位置信息) refused at 1.0 s")


def test_privacy_refusal_by_errno_then_the_popup_on_every_page() -> None:
    tl = (
        TimelineBuilder()
        .api(1.0, "getLocation", ok=False, errno=104, result_after=1.0)
        .prompt(1.2, "privacy_popup", ["用户隐私保护提示"], ["拒绝", "同意"])
        .prompt(5.0, "privacy_popup", ["用户隐私保护提示"], ["拒绝", "同意"])
        .prompt(9.0, "developer_dialog", ["请先同意《用户隐私保护指引》"], ["同意"], mentions_privacy=True)
        .end(10)
        .build()
    )
    [finding] = perm002(tl)
    assert finding.evidence == [1, 3, 4]
    assert finding.statement.startswith("the privacy agreement refused at 2.0 s")


def test_agreement_closes_the_window() -> None:
    tl = (
        refused_location()
        .prompt(5.0, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS)
        .consent(6.0, "agree", "scope.userLocation")
        .prompt(9.0, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS)
        .end(20)
        .build()
    )
    [finding] = perm002(tl)
    assert finding.evidence == [2, 3] and finding.status == "warn"


def test_prompt_within_the_clock_error_of_the_refusal_is_not_counted() -> None:
    tl = (
        TimelineBuilder(clock_error_ms=300)
        .api(1.0, "getLocation", ok=False, err_msg="getLocation:fail auth deny", result_after=0.0)
        .prompt(1.2, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS)
        .prompt(5.0, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS)
        .end(10)
        .build()
    )
    [finding] = perm002(tl)
    assert finding.evidence == [1, 3]


def test_only_prompts_within_the_repeat_window() -> None:
    tl = (
        refused_location()
        .prompt(5.0, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS)
        .prompt(20.0, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS)
        .end(30)
        .build()
    )
    assert perm002(tl)[0].status == "fail"
    [finding] = perm002(tl, ProbeConfig(repeat_window_h=10 / 3600))
    assert (finding.status, finding.evidence) == ("warn", [2, 3])


def test_prompts_for_another_scope_and_the_refused_prompt_itself_are_not_counted() -> None:
    tl = (
        refused_location()
        .prompt(5.0, "developer_dialog", ["需要使用摄像头扫码"], LOCATION_BUTTONS)
        .prompt(6.0, "scope", ["使用你的摄像头"], ["拒绝", "允许"], scope="scope.camera")
        .end(10)
        .build()
    )
    assert perm002(tl) == []


def test_not_tested_without_a_refusal() -> None:
    tl = TimelineBuilder().prompt(1.0, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS).end(5).build()
    assert probes.rule_status(tl)["PERM-002"] == "not_tested"


def test_partial_session() -> None:
    tl = refused_location().prompt(5.0, "developer_dialog", LOCATION_NAG, LOCATION_BUTTONS).build()
    assert perm002(tl)[0].partial is True
