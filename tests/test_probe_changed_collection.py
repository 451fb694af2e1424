"""POL-005: a new category after an update with no new notice (probes/changed_collection.py)."""

from __future__ import annotations

import probes
from probes.config import ProbeConfig
from probes.testing import TimelineBuilder, pi

N1 = ProbeConfig(previous_categories=("位置信息",))
URL = "https://api.shop.example/member"
PHONE = pi("phone", "139****5678", canary="phoneNumber", location="body.json:$.phone")


def pol005(tl, config=N1):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl, config) if f.rule == "POL-005"]


def returning() -> TimelineBuilder:
    """Version N+1 opened by a returning user: consent carried over, so no popup, no Consent event."""
    return TimelineBuilder().lifecycle(0.1, "launch", "pages/index/index").api(1.0, "getLocation")


def test_new_category_without_notice_fails_old_one_passes() -> None:
    tl = returning().flow(2.0, URL, pi=[PHONE]).end(5).build()
    [finding] = pol005(tl)
    assert finding.status == "fail" and finding.severity == "medium"
    assert finding.statement.startswith("手机号, not collected by the previous version, collected at 2.0 s")
    old_only = returning().end(5).build()
    assert pol005(old_only) == [] and probes.rule_status(old_only, config=N1)["POL-005"] == "pass"


def test_notice_or_consent_before_first_use_passes() -> None:
    popup = (returning().prompt(1.5, "privacy_popup", ["用户隐私保护提示", "更新了《隐私保护指引》"], ["拒绝", "同意"])
             .flow(2.0, URL, pi=[PHONE]).end(5).build())
    assert pol005(popup) == []
    dialog = (returning().prompt(1.5, "developer_dialog", ["隐私政策更新：新增收集手机号用于会员服务"], ["不同意", "同意"])
              .flow(2.0, URL, pi=[PHONE]).end(5).build())
    assert pol005(dialog) == []
    agreed_twice = returning().consent(1.4).consent(1.6).flow(2.0, URL, pi=[PHONE]).end(5).build()
    assert pol005(agreed_twice) == []


def test_notice_after_first_use_or_within_clock_error_fails() -> None:
    late = returning().flow(2.0, URL, pi=[PHONE]).consent(3.0).end(5).build()
    assert len(pol005(late)) == 1
    skew = TimelineBuilder(clock_error_ms=300).consent(1.9).flow(2.0, URL, pi=[PHONE]).end(5).build()
    assert len(pol005(skew)) == 1
    # a non-privacy dialog is no notice
    modal = returning().prompt(1.5, "developer_dialog", ["新版本上线啦"], ["知道了"]).flow(2.0, URL, pi=[PHONE])
    assert len(pol005(modal.end(5).build())) == 1


def test_partial_session_reports_and_not_tested_without_previous_categories() -> None:
    [finding] = pol005(returning().flow(2.0, URL, pi=[PHONE]).build())
    assert finding.partial
    tl = returning().flow(2.0, URL, pi=[PHONE]).end(5).build()
    assert probes.rule_status(tl)["POL-005"] == "not_tested"


def test_a_returning_users_earlier_agreement_is_no_notice_of_this_version() -> None:
    carried = (TimelineBuilder().consent(0.0, how="returning_user").api(1.0, "getLocation")
               .flow(2.0, URL, pi=[PHONE]).end(5).build())
    [finding] = pol005(carried)
    assert "手机号" in finding.statement
    # ... and it keeps CON-001 quiet: the user did agree, before this session
    assert [f for f in probes.analyse(carried, N1) if f.rule == "CON-001"] == []
