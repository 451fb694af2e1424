"""COL-004: unsolicited clipboard reads (probes/clipboard_read.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder, pi

CANARY = pi("other", "优选***口令", canary="clipboard", location="body.json:$.text")


def col004(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "COL-004"]


def test_read_on_show_fails_and_sending_it_is_high() -> None:
    tl = (
        TimelineBuilder()
        .lifecycle(0.5, "show")
        .api(0.6, "getClipboardData")
        .flow(0.8, "https://api.shop.example/token", pi=[CANARY])
        .tap(3.0, "粘贴口令")
        .api(3.2, "getClipboardData")
        .end(5)
        .build()
    )
    read, sent = col004(tl)
    assert (read.severity, read.evidence) == ("high", [2, 3]) or (sent.severity, sent.evidence) == (
        "high",
        [2, 3],
    )
    medium = [f for f in (read, sent) if f.severity == "medium"]
    assert [f.evidence for f in medium] == [[2]]
    assert "before any tap" in medium[0].statement


def test_read_after_a_paste_tap_passes() -> None:
    tl = TimelineBuilder().tap(1.0, "粘贴口令").api(1.5, "getClipboardData").end(5).build()
    assert col004(tl) == []
    assert probes.rule_status(tl)["COL-004"] == "pass"


def test_read_after_an_unrelated_or_old_tap_fails() -> None:
    tl = (
        TimelineBuilder()
        .tap(1.0, "首页")
        .api(1.5, "getClipboardData")
        .tap(5.0, "粘贴")
        .api(9.0, "getClipboardData")
    )
    [finding] = col004(tl.end(10).build())
    assert finding.evidence == [2, 4] and "without a paste tap" in finding.statement
