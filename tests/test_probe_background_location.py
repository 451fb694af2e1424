"""COL-005: location in the background (probes/background_location.py)."""

from __future__ import annotations

import probes
from probes.config import ProbeConfig
from probes.testing import TimelineBuilder, pi

LOC = pi("location", "31.23**,121.47**", location="body.json:$.lat")
URL = "https://api.gym.example/track"
GYM = ProbeConfig(service_type="运动健身")
NAV = ProbeConfig(service_type="地图导航")


def col005(tl, config=GYM):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl, config) if f.rule == "COL-005"]


def backgrounded() -> TimelineBuilder:
    return TimelineBuilder().lifecycle(0.1, "launch", "pages/index/index").api(1.0, "startLocationUpdate")


def test_coordinates_sent_after_hide_fail() -> None:
    tl = backgrounded().lifecycle(2.0, "hide").flow(5.0, URL, pi=[LOC]).lifecycle(9.0, "show").end(10).build()
    [finding] = col005(tl)
    assert finding.status == "fail" and finding.severity == "high"
    assert finding.evidence == [3, 4] and "background at 2.0 s" in finding.statement


def test_foreground_only_and_navigation_pass() -> None:
    fg = backgrounded().flow(1.5, URL, pi=[LOC]).lifecycle(2.0, "hide").lifecycle(9.0, "show").flow(9.5, URL, pi=[LOC])
    built = fg.end(10).build()
    assert col005(built) == [] and probes.rule_status(built, config=GYM)["COL-005"] == "pass"
    nav = backgrounded().lifecycle(2.0, "hide").flow(5.0, URL, pi=[LOC]).end(10).build()
    assert col005(nav, NAV) == []


def test_background_update_left_running_fails_and_unknown_service_warns() -> None:
    tl = TimelineBuilder().api(1.0, "startLocationUpdateBackground").lifecycle(2.0, "hide").lifecycle(5.0, "show")
    [finding] = col005(tl.end(6).build())
    assert "startLocationUpdateBackground left running" in finding.statement
    stopped = TimelineBuilder().api(1.0, "startLocationUpdateBackground").api(1.5, "stopLocationUpdate")
    assert col005(stopped.lifecycle(2.0, "hide").end(6).build()) == []
    callback = TimelineBuilder().lifecycle(2.0, "hide").api(3.0, "onLocationChange").end(6).build()
    [warned] = col005(callback, ProbeConfig())
    assert warned.status == "warn" and "no service type configured" in warned.statement


def test_clock_skew_partial_and_consent() -> None:
    # a flow within the clock error of the hide is not called background
    skew = TimelineBuilder(clock_error_ms=300).lifecycle(2.0, "hide").flow(2.2, URL, pi=[LOC]).end(6).build()
    assert col005(skew) == []
    # consent, once or twice, does not allow background collection; a partial session still reports
    for agreements in (0, 1, 2):
        tl = TimelineBuilder()
        for n in range(agreements):
            tl.consent(0.5 + n * 0.1)
        [finding] = col005(tl.lifecycle(2.0, "hide").flow(4.0, URL, pi=[LOC]).build())
        assert finding.partial


def test_not_tested_without_background() -> None:
    tl = backgrounded().flow(1.5, URL, pi=[LOC]).end(10).build()
    assert probes.rule_status(tl, config=GYM)["COL-005"] == "not_tested"


def test_listener_deliveries_after_hide_fail_and_ask_for_nothing() -> None:
    """Each onLocationChange delivery is recorded (harness.instrument.frida.listener_delivery); the ones
    after onHide are background collection (COL-005), and none of them is a request (PERM-001)."""
    tl = (TimelineBuilder().tap(0.5, "定位并开始跑步").api(1.0, "startLocationUpdateBackground")
          .consent(0.8, subject="scope.userLocationBackground").api(1.1, "onLocationChange", result_after=None)
          .lifecycle(2.0, "hide"))
    for second in (3.0, 4.0, 5.0):
        tl.api(second, "onLocationChange", result_after=None, args={"latitude": 31.230416})
    built = tl.lifecycle(6.0, "show").end(7).build()
    [finding] = col005(built)
    assert "onLocationChange callback 3 times from 3.0 s" in finding.statement
    assert "left running" in finding.statement
    assert [f for f in probes.analyse(built, GYM) if f.rule == "PERM-001"] == []


def test_foreground_updates_stopped_on_hide_pass() -> None:
    tl = (TimelineBuilder().api(1.0, "startLocationUpdate").api(1.1, "onLocationChange", result_after=None)
          .api(1.9, "stopLocationUpdate").lifecycle(2.0, "hide").lifecycle(5.0, "show")
          .api(5.1, "startLocationUpdate").api(5.2, "onLocationChange", result_after=None).end(6).build())
    assert col005(tl) == [] and probes.rule_status(tl, config=GYM)["COL-005"] == "pass"


def test_request_made_before_hide_is_not_background_though_the_proxy_saw_it_after() -> None:
    """Under load the proxy sees a request the program made just before onHide only after it: the
    request is timed at its wx.request call; one made after the hide still counts."""
    tl = (backgrounded().api(1.9, "request", args={"url": URL, "method": "POST"})
          .lifecycle(2.0, "hide").flow(2.3, URL, pi=[LOC]).lifecycle(5.0, "show").end(6).build())
    assert col005(tl) == []
    late = (backgrounded().lifecycle(2.0, "hide").api(3.0, "request", args={"url": URL, "method": "POST"})
            .flow(3.2, URL, pi=[LOC]).lifecycle(5.0, "show").end(6).build())
    [finding] = col005(late)
    assert "location sent to api.gym.example/track at 3.2 s" in finding.statement
