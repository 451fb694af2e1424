"""PLAT-001 / PLAT-002: platform privacy mechanics (probes/undeclared_privacy_api.py, consent_not_synced.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder


def rules(tl):  # type: ignore[no-untyped-def]
    return [(f.rule, f.evidence) for f in probes.analyse(tl) if f.rule.startswith("PLAT")]


def test_errno_112_fails_plat001() -> None:
    tl = (
        TimelineBuilder()
        .api(1.0, "chooseImage", ok=False, errno=112)
        .api(2.0, "chooseMedia", ok=False, err_msg="chooseMedia:fail privacy api banned")
        .end(5)
        .build()
    )
    assert rules(tl) == [("PLAT-001", [1]), ("PLAT-001", [2])]
    assert probes.rule_status(TimelineBuilder().api(1.0, "chooseImage").end(2).build())["PLAT-001"] == "pass"


def test_developer_agreement_then_official_popup_fails_plat002() -> None:
    b = TimelineBuilder()
    b.prompt(1.0, "developer_dialog", ["请同意《隐私保护指引》"], ["拒绝", "同意"], mentions_privacy=True)
    b.consent(1.5, "agree", prompt_seq=1).prompt(3.0, "privacy_popup", ["用户隐私保护提示"], ["拒绝", "同意"])
    assert rules(b.end(5).build()) == [("PLAT-002", [2, 3])]


def test_official_agreement_or_clock_skew_passes_plat002() -> None:
    b = TimelineBuilder()
    b.prompt(1.0, "privacy_popup", ["用户隐私保护提示"], ["拒绝", "同意"]).consent(1.5, "agree", prompt_seq=1)
    b.api(3.0, "getLocation", ok=False, errno=104)
    assert rules(b.end(5).build()) == []
    skew = TimelineBuilder(clock_error_ms=300)
    skew.prompt(1.0, "developer_dialog", ["隐私"], ["拒绝", "同意"], mentions_privacy=True).consent(
        1.5, "agree", prompt_seq=1
    )
    skew.api(1.6, "getLocation", ok=False, errno=104)
    assert rules(skew.end(5).build()) == []
