"""PERM-003: purpose missing or unclear (probes/unclear_purpose.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder


def perm003(texts):  # type: ignore[no-untyped-def]
    tl = (
        TimelineBuilder()
        .prompt(1.0, "scope", texts, ["拒绝", "允许"], title="晴天天气 申请", scope="scope.userLocation")
        .end(5)
        .build()
    )
    return [(f.status, f.severity) for f in probes.analyse(tl) if f.rule == "PERM-003"]


def test_no_purpose_fails() -> None:
    assert perm003(["晴", "晴天天气 申请", "获取你的位置信息"]) == [("fail", "medium")]


def test_vague_or_short_purpose_warns() -> None:
    assert perm003(["晴天天气 申请", "获取你的位置信息", "用于提升用户体验"]) == [("warn", "low")]
    assert perm003(["获取你的位置信息", "用于服务"]) == [("warn", "low")]


def test_specific_purpose_passes() -> None:
    assert perm003(["获取你的位置信息", "你的位置信息将用于查找附近可用单车和计算骑行费用"]) == []


def test_not_tested_without_prompts() -> None:
    assert probes.rule_status(TimelineBuilder().end(1).build())["PERM-003"] == "not_tested"


def test_scopes_whose_popup_cannot_show_a_purpose_are_not_judged() -> None:
    tl = (
        TimelineBuilder()
        .prompt(1.0, "scope", ["使用你的摄像头"], ["拒绝", "允许"], scope="scope.camera")
        .end(2)
        .build()
    )
    assert [f for f in probes.analyse(tl) if f.rule == "PERM-003"] == []
