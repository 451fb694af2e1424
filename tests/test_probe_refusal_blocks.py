"""CON-003: refusal → exit or blocked (probes/refusal_blocks.py)."""

from __future__ import annotations

import probes
from probes.config import ProbeConfig
from probes.testing import TimelineBuilder

CONSENT = ["欢迎！我们会收集你的手机号。请阅读并同意《隐私政策》"]


def con003(tl, config=None):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl, config) if f.rule == "CON-003"]


def test_exit_after_refusal_fails() -> None:
    tl = (
        TimelineBuilder()
        .prompt(1.0, "developer_dialog", CONSENT, ["不同意", "同意"], mentions_privacy=True)
        .consent(2.0, "refuse", prompt_seq=1)
        .api(2.2, "exitMiniProgram")
        .end(5)
        .build()
    )
    [finding] = con003(tl)
    assert finding.evidence == [2, 3] and "exited at 2.2 s" in finding.statement


def test_exit_outside_the_window_is_not_caused_by_the_refusal() -> None:
    tl = TimelineBuilder().consent(1.0, "refuse").api(12.0, "exitMiniProgram").end(15).build()
    assert con003(tl) == []
    assert len(con003(tl, ProbeConfig(follow_up_window_s=20))) == 1


def test_refusal_wall_without_reject_fails_and_with_reject_passes() -> None:
    wall = ["温馨提示", "不同意《隐私政策》将无法使用点单服务，请同意后继续。"]
    tl = (
        TimelineBuilder()
        .consent(1.0, "refuse")
        .prompt(1.5, "developer_dialog", wall, ["去同意"])
        .end(5)
        .build()
    )
    assert [f.evidence for f in con003(tl)] == [[1, 2]]
    fair = (
        TimelineBuilder()
        .consent(1.0, "refuse")
        .prompt(1.5, "developer_dialog", wall, ["取消", "去同意"])
        .end(5)
        .build()
    )
    assert con003(fair) == []


def test_prompt_after_every_tap_fails_once_per_two_consecutive_taps() -> None:
    b = TimelineBuilder().consent(1.0, "refuse")
    b.tap(2.0, "菜单").prompt(2.5, "privacy_popup", ["用户隐私保护提示"], ["拒绝", "同意"])
    b.tap(4.0, "购物车").prompt(4.5, "privacy_popup", ["用户隐私保护提示"], ["拒绝", "同意"])
    [finding] = con003(b.end(10).build())
    assert finding.evidence == [1, 2, 3, 4, 5]
    one = (
        TimelineBuilder()
        .consent(1.0, "refuse")
        .tap(2.0, "菜单")
        .prompt(2.5, "privacy_popup", ["x"], ["拒绝", "同意"])
    )
    assert con003(one.tap(4.0, "购物车").end(10).build()) == []


def test_necessary_scope_refusal_may_block() -> None:
    tl = (
        TimelineBuilder()
        .consent(1.0, "refuse", "scope.userLocation")
        .api(2.0, "exitMiniProgram")
        .end(5)
        .build()
    )
    assert len(con003(tl)) == 1
    assert con003(tl, ProbeConfig(service_type="地图导航")) == []
    assert len(con003(tl, ProbeConfig(service_type="新闻资讯"))) == 1


def test_not_tested_without_refusal() -> None:
    assert (
        probes.rule_status(TimelineBuilder().api(1.0, "exitMiniProgram").end(2).build())["CON-003"]
        == "not_tested"
    )


def test_taps_on_the_refused_feature_itself_may_ask_again() -> None:
    """Recorded on the demo (storefinder-violating): 附近门店 after refusing location re-asks; that is
    PERM-002's business, not a blocked basic function."""
    b = TimelineBuilder().consent(1.0, "refuse", "scope.userLocation")
    for t in (2.0, 4.0):
        b.tap(t, "附近门店").prompt(
            t + 0.5, "developer_dialog", ["开启定位", "请允许获取你的位置信息"], ["取消", "去开启"]
        )
    assert con003(b.end(10).build()) == []
