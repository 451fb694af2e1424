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
    assert "startLocationUpdateBackground still running" in finding.statement
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
