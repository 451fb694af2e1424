"""CON-006: bundled scope requests (probes/bundled_consent.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder


def scope_popup(b, t, scope):  # type: ignore[no-untyped-def]
    return b.prompt(t, "scope", [scope], ["拒绝", "允许"], scope=scope)


def con006(tl):  # type: ignore[no-untyped-def]
    return [f.evidence for f in probes.analyse(tl) if f.rule == "CON-006"]


def test_three_scopes_after_one_tap_fail() -> None:
    b = TimelineBuilder().tap(1.0, "拍照冲印")
    for i, scope in enumerate(("scope.camera", "scope.writePhotosAlbum", "scope.userLocation")):
        scope_popup(b, 1.5 + i, scope)
    assert con006(b.end(10).build()) == [[2, 3, 4]]


def test_one_scope_per_tap_passes() -> None:
    b = TimelineBuilder().tap(1.0, "拍照")
    scope_popup(b, 1.5, "scope.camera").tap(3.0, "附近门店")
    scope_popup(b, 3.5, "scope.userLocation")
    assert con006(b.end(10).build()) == []
    far = TimelineBuilder()
    scope_popup(scope_popup(far, 1.0, "scope.camera"), 20.0, "scope.record")
    assert con006(far.end(30).build()) == []
