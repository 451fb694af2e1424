"""USE-004: other programs opened without a tap (probes/auto_launch.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder


def use004(tl):  # type: ignore[no-untyped-def]
    return [f.evidence for f in probes.analyse(tl) if f.rule == "USE-004"]


def test_navigate_on_load_fails_on_tap_passes() -> None:
    tl = (
        TimelineBuilder()
        .api(0.5, "navigateToMiniProgram", ok=False, args={"appId": "wxcoupon"})
        .tap(5.0, "领取外卖红包")
        .api(5.5, "navigateToMiniProgram", args={"appId": "wxcoupon"})
        .end(10)
        .build()
    )
    assert use004(tl) == [[1]]
    assert use004(TimelineBuilder().tap(1.0, "红包").api(1.5, "navigateToMiniProgram").end(5).build()) == []
