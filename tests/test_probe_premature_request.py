"""PERM-001: premature or unrelated authorization requests (probes/premature_request.py)."""

from __future__ import annotations

import probes
from harness.timeline import Step
from probes.testing import TimelineBuilder


def perm001(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "PERM-001"]


def test_authorize_at_launch_fails() -> None:
    tl = (
        TimelineBuilder()
        .lifecycle(0.5, "launch")
        .api(0.6, "authorize", args={"scope": "scope.werun"})
        .prompt(0.7, "scope", ["获取你的微信运动步数"], ["拒绝", "允许"], scope="scope.werun")
        .tap(5.0, "同步步数")
        .end(10)
        .build()
    )
    [finding] = perm001(tl)
    assert finding.evidence == [2, 3] and "before any tap" in finding.statement


def test_request_after_a_tap_on_the_feature_passes_also_for_fuzzy_location() -> None:
    tl = (
        TimelineBuilder()
        .tap(1.0, "定位当前城市")
        .prompt(1.5, "scope", ["获取你的模糊地理位置"], ["拒绝", "允许"], scope="scope.userFuzzyLocation")
        .consent(2.0, "agree", "scope.userFuzzyLocation")
        .api(1.2, "getFuzzyLocation")
        .end(5)
        .build()
    )
    assert perm001(tl) == []
    assert probes.rule_status(tl)["PERM-001"] == "pass"


def test_request_after_an_unrelated_tap_fails() -> None:
    tl = TimelineBuilder().tap(1.0, "我的订单").api(1.5, "getLocation").end(5).build()
    [finding] = perm001(tl)
    assert "with no tap on a feature that needs it" in finding.statement


def test_calls_after_the_grant_ask_nothing() -> None:
    tl = (
        TimelineBuilder()
        .tap(1.0, "附近单车")
        .api(1.1, "getLocation")
        .consent(1.5, "agree", "scope.userLocation")
        .api(10.0, "getLocation")
        .api(11.0, "getLocation")
        .end(15)
        .build()
    )
    assert perm001(tl) == []


def test_clock_skew_within_the_bound_keeps_the_tap() -> None:
    tl = TimelineBuilder(clock_error_ms=200).api(0.9, "getLocation").tap(1.0, "附近门店").end(5).build()
    assert perm001(tl) == []


def test_a_scope_popup_after_the_privacy_popup_the_tap_caused_is_user_initiated() -> None:
    """Recorded on the sim (study-room): tap, privacy popup answered, scope popup 4 s after the tap."""
    b = (
        TimelineBuilder()
        .tap(1.0, "附近自习室")
        .prompt(1.5, "privacy_popup", ["用户隐私保护提示"], ["拒绝", "同意"])
    )
    b.add(Step, 3.0, "scenario", index=1, action="privacy_popup", target="agree")
    b.prompt(5.0, "scope", ["获取你的位置信息"], ["拒绝", "允许"], scope="scope.userLocation")
    assert perm001(b.end(8).build()) == []
    other = TimelineBuilder().tap(1.0, "附近自习室").prompt(1.5, "privacy_popup", ["x"], ["拒绝", "同意"])
    other.tap(3.0, "我的").prompt(
        5.0, "scope", ["获取你的位置信息"], ["拒绝", "允许"], scope="scope.userLocation"
    )
    assert len(perm001(other.end(8).build())) == 1
