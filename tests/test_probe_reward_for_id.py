"""COL-008: rewards for ID or face data (probes/reward_for_id.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder, pi, texts

ID = pi("id_card", "11***************1", location="body.json:$.idCard")
PHONE = pi("phone", "138****5678")
REWARD_PAGE = texts("实名认证", "完成认证立得 50 积分", "请输入身份证号")
PLAIN_PAGE = texts("实名认证", "根据《网络安全法》要求实名", "请输入身份证号")


def col008(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "COL-008"]


def test_reward_then_id_sent_fails() -> None:
    tl = (
        TimelineBuilder()
        .snapshot(0.5, "s1.png", elements=REWARD_PAGE, page="pages/verify/verify")
        .tap(1.0, "提交")
        .flow(1.3, "https://api.shop.example/verify", pi=[ID])
        .end(3)
        .build()
    )
    [finding] = col008(tl)
    assert finding.severity == "high" and finding.evidence == [1, 3]
    assert "50 积分" in finding.statement and finding.data == ["11***************1"]


def test_no_reward_wording_or_no_id_passes() -> None:
    plain = TimelineBuilder().snapshot(0.5, "s.png", elements=PLAIN_PAGE).flow(1.3, "https://a.example/v", pi=[ID])
    assert col008(plain.end(3).build()) == []
    phone_only = TimelineBuilder().snapshot(0.5, "s.png", elements=REWARD_PAGE).flow(1.3, "https://a.example/v", pi=[PHONE])
    built = phone_only.end(3).build()
    assert col008(built) == [] and probes.rule_status(built)["COL-008"] == "pass"


def test_reward_on_an_earlier_page_does_not_count() -> None:
    tl = (
        TimelineBuilder()
        .snapshot(0.5, "s1.png", elements=texts("签到领取红包"), page="pages/home/home")
        .snapshot(1.5, "s2.png", elements=PLAIN_PAGE, page="pages/verify/verify")
        .flow(2.0, "https://a.example/verify", pi=[ID])
        .end(3)
        .build()
    )
    assert col008(tl) == []


def test_not_tested_without_page_texts_and_consent_does_not_excuse_it() -> None:
    old = TimelineBuilder().flow(1.0, "https://a.example/verify", pi=[ID]).end(3).build()
    assert probes.rule_status(old)["COL-008"] == "not_tested"
    for agreements in (0, 1, 2):
        tl = TimelineBuilder(clock_error_ms=200).snapshot(0.5, "s.png", elements=REWARD_PAGE)
        for n in range(agreements):
            tl.consent(0.6 + n * 0.1, "agree")
        tl.flow(1.0, "https://a.example/verify", pi=[ID])
        [finding] = col008(tl.build())  # partial session (no end): still found, marked partial
        assert finding.partial
