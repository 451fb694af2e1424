"""COL-003: excessive collection frequency (probes/collection_frequency.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder


def col003(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "COL-003"]


def test_location_every_second_after_one_tap_fails() -> None:
    b = TimelineBuilder().tap(1.0, "附近单车")
    for i in range(8):
        b.api(1.2 + i, "getLocation")
    [finding] = col003(b.end(20).build())
    assert finding.evidence == [5, 6, 7, 8, 9]  # the calls from 4.2 s are more than 3 s after the tap
    assert "5 times at regular intervals" in finding.statement


def test_calls_on_taps_pass() -> None:
    b = TimelineBuilder()
    for i in range(5):
        b.tap(1.0 + 5 * i, "刷新位置").api(1.5 + 5 * i, "getLocation")
    assert col003(b.end(40).build()) == []


def test_slow_periodic_calls_fail() -> None:
    b = TimelineBuilder()
    for i in range(5):
        b.api(1.0 + 30 * i, "getSystemInfo")
    [finding] = col003(b.end(200).build())
    assert "regular intervals" in finding.statement
