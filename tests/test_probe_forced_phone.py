"""COL-002: the phone number forced before content (probes/forced_phone.py)."""

from __future__ import annotations

import probes
from harness.timeline import Step
from probes.testing import TimelineBuilder, element, texts

PHONE_BUTTON = element("button", "手机号快捷登录", open_type="getPhoneNumber")
GATE = [*texts("授权手机号后即可查看全部职位", "日结 · 包吃住"), PHONE_BUTTON]
JOBS = [*texts("仓库分拣员", "6000-8000 元/月"), element("text", "快递员")]


def col002(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "COL-002"]


def missed_tap(tl: TimelineBuilder, seconds: float, target: str) -> TimelineBuilder:
    index = sum(isinstance(e, Step) for e in tl.events)
    return tl.add(Step, seconds, "scenario", index=index, action="tap", target=target, result="skipped",
                  detail=f"no visible text {target!r}")


def test_gate_wording_with_a_phone_button_fails() -> None:
    tl = TimelineBuilder().snapshot(0.5, "s1.png", elements=GATE).snapshot(3.0, "s2.png", elements=GATE).end(5)
    [finding] = col002(tl.build())
    assert finding.status == "fail" and finding.evidence == [1]
    assert "授权手机号后即可查看" in finding.statement


def test_browse_target_missing_on_a_phone_first_screen() -> None:
    gate = [*texts("欢迎来到蓝领直聘"), PHONE_BUTTON]
    base = TimelineBuilder().snapshot(0.5, "s1.png", elements=gate)
    missed_tap(base, 1.0, "仓库分拣员").snapshot(3.5, "s2.png", elements=gate)
    [warn] = col002(base.end(6).build())
    assert warn.status == "warn" and "could not be reached" in warn.statement
    proven = TimelineBuilder().snapshot(0.5, "s1.png", elements=gate)
    missed_tap(proven, 1.0, "仓库分拣员")
    proven.tap(2.0, "手机号快捷登录").api(2.5, "getPhoneNumber").snapshot(3.0, "s2.png", elements=JOBS)
    [fail] = col002(proven.end(6).build())
    assert fail.status == "fail" and "only after the number was given" in fail.statement


def test_browsing_without_phone_passes_and_phone_at_apply_passes() -> None:
    tl = (
        TimelineBuilder()
        .snapshot(0.5, "s1.png", elements=JOBS)
        .tap(1.0, "仓库分拣员")
        .snapshot(1.5, "s2.png", elements=[*texts("职位编号 1", "投递时需要留下联系方式"),
                                           element("button", "用微信手机号投递", open_type="getPhoneNumber")])
    )
    missed_tap(tl, 2.0, "手机号快捷登录")  # a login target, after content was reached: not a gate
    built = tl.end(5).build()
    assert col002(built) == []
    assert probes.rule_status(built)["COL-002"] == "pass"


def test_consent_once_or_twice_does_not_excuse_the_gate() -> None:
    for agreements in (0, 1, 2):
        tl = TimelineBuilder().snapshot(0.5, "s1.png", elements=GATE)
        for n in range(agreements):
            tl.consent(1.0 + n, "agree")
        assert [f.status for f in col002(tl.end(5).build())] == ["fail"]


def test_without_page_controls_not_tested_and_partial_or_skewed_sessions() -> None:
    old = TimelineBuilder().snapshot(0.5, "s1.png", texts=["授权手机号后即可查看全部职位"]).tap(1, "x").end(3).build()
    assert probes.rule_status(old)["COL-002"] == "not_tested"
    partial = TimelineBuilder(clock_error_ms=500).snapshot(0.5, "s1.png", elements=GATE).tap(0.6, "x").build()
    [finding] = col002(partial)
    assert finding.partial
