"""COL-009: a child's ID sent without guardian consent (probes/minor_consent.py)."""

from __future__ import annotations

import probes
from harness.timeline import UIElement
from probes.config import ProbeConfig
from probes.testing import TimelineBuilder, pi

CHILD = pi("id_card", "110105**********32", canary="id_card.minor", location="body.json:$.idCard")
ADULT = pi("id_card", "110105**********46", canary="id_card.adult", location="body.json:$.idCard")
URL = "https://api.xiaoma-coding.example/api/enroll/submit"
GUARDIAN = "我是孩子的监护人，已阅读并同意《儿童个人信息保护规则》"


def col009(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl, ProbeConfig()) if f.rule == "COL-009"]


def enrol() -> TimelineBuilder:
    return TimelineBuilder().tap(1.0, "我同意提供孩子的身份证号用于报名核验")


def test_child_id_sent_without_guardian_consent_fails() -> None:
    tl = enrol().tap(2.0, "提交报名").flow(2.2, URL, pi=[CHILD]).end(4).build()
    [finding] = col009(tl)
    assert finding.status == "fail" and finding.severity == "high"
    assert "api.xiaoma-coding.example/api/enroll/submit at 2.2 s" in finding.statement
    assert finding.evidence == [3]  # the flow


def test_guardian_tap_checkbox_or_dialog_before_the_send_passes() -> None:
    tapped = enrol().tap(1.5, GUARDIAN).flow(2.2, URL, pi=[CHILD]).end(4).build()
    assert col009(tapped) == [] and probes.rule_status(tapped)["COL-009"] == "pass"
    ticked = UIElement(kind="checkbox", text=GUARDIAN, checked=True)
    shown = enrol().snapshot(1.5, "s.png", elements=[ticked]).flow(2.2, URL, pi=[CHILD]).end(4).build()
    assert col009(shown) == []
    dialog = (enrol().prompt(1.2, "developer_dialog", ["请确认你是孩子的家长，并同意我们处理孩子的身份证号"], ["不同意", "同意"])
              .tap(1.5, "同意").flow(2.2, URL, pi=[CHILD]).end(4).build())
    assert col009(dialog) == []


def test_unticked_guardian_box_refused_dialog_or_consent_after_the_send_fail() -> None:
    unticked = UIElement(kind="checkbox", text=GUARDIAN, checked=False)
    tl = enrol().snapshot(1.5, "s.png", elements=[unticked]).flow(2.2, URL, pi=[CHILD]).end(4).build()
    assert len(col009(tl)) == 1
    refused = (enrol().prompt(1.2, "developer_dialog", ["请确认你是孩子的监护人并同意"], ["不同意", "同意"])
               .tap(1.5, "不同意").flow(2.2, URL, pi=[CHILD]).end(4).build())
    assert len(col009(refused)) == 1
    late = enrol().flow(2.2, URL, pi=[CHILD]).tap(3.0, GUARDIAN).end(4).build()
    assert len(col009(late)) == 1
    # a privacy agreement (given twice) is not guardian consent
    twice = enrol().consent(0.5).consent(0.6).flow(2.2, URL, pi=[CHILD]).end(4).build()
    assert len(col009(twice)) == 1


def test_clock_skew_and_request_timing() -> None:
    # a guardian tap within the clock error of the send is not "before" it
    skew = TimelineBuilder(clock_error_ms=300).tap(2.0, GUARDIAN).flow(2.1, URL, pi=[CHILD]).end(4).build()
    assert len(col009(skew)) == 1
    # the flow is timed at its wx.request call: a tap after the call but before the proxy saw it is late
    timed = (enrol().api(1.8, "request", args={"url": URL, "method": "POST"}).tap(2.0, GUARDIAN)
             .flow(2.3, URL, pi=[CHILD]).end(4).build())
    assert len(col009(timed)) == 1


def test_partial_session_still_reports() -> None:
    [finding] = col009(enrol().flow(2.2, URL, pi=[CHILD]).build())
    assert finding.partial


def test_not_tested_without_the_minor_canary() -> None:
    adult = enrol().flow(2.2, URL, pi=[ADULT]).end(4).build()
    assert col009(adult) == [] and probes.rule_status(adult)["COL-009"] == "not_tested"
    nothing = enrol().end(4).build()
    assert probes.rule_status(nothing)["COL-009"] == "not_tested"
