"""COL-001: personal data beyond the 39类 necessary set (probes/unnecessary_collection.py)."""

from __future__ import annotations

import probes
from probes.config import ProbeConfig
from probes.necessary_sets import NECESSARY_CATEGORIES, is_necessary
from probes.testing import TimelineBuilder, pi

NEWS = ProbeConfig(service_type="新闻资讯")
SHOP = ProbeConfig(service_type="网上购物")
NAV = ProbeConfig(service_type="地图导航")
URL = "https://api.news.example/feed"
MODEL = pi("device_info", "2211****", canary="device.model", location="body.json:$.model")


def col001(tl, config=NEWS):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl, config) if f.rule == "COL-001"]


def located() -> TimelineBuilder:
    return TimelineBuilder().consent(0.5).tap(1.0, "附近新闻").api(1.2, "getLocation")


def test_optional_category_warns_necessary_one_passes() -> None:
    tl = located().end(5).build()
    [finding] = col001(tl, SHOP)
    assert finding.status == "warn" and "位置信息 collected at 1.2 s, not necessary for 网上购物" in finding.statement
    assert col001(tl, NAV) == [] and probes.rule_status(tl, config=NAV)["COL-001"] == "pass"
    fuzzy = TimelineBuilder().consent(0.5).api(1.2, "getFuzzyLocation").end(5).build()
    assert col001(fuzzy, NAV) == []  # 模糊位置信息 is covered by a necessary 位置信息


def test_refusal_that_ends_the_program_fails_even_without_the_data() -> None:
    refused = (TimelineBuilder().consent(0.5).tap(1.0, "附近新闻").consent(1.5, "refuse", "scope.userLocation")
               .api(2.0, "getLocation", ok=False, err_msg="getLocation:fail auth deny")
               .api(3.0, "exitMiniProgram").end(5).build())
    [finding] = col001(refused)
    assert finding.status == "fail" and "refusing it at 1.5 s blocked the mini program" in finding.statement
    late = (TimelineBuilder().consent(0.5).consent(1.5, "refuse", "scope.userLocation")
            .api(12.0, "exitMiniProgram").end(13).build())
    assert col001(late) == []  # outside the follow-up window: not caused by the refusal


def test_typed_and_device_data_can_only_warn_and_identifiers_are_not_judged() -> None:
    tl = (TimelineBuilder().consent(0.5).flow(2.0, URL, pi=[MODEL, pi("openid", "oXk3****", location="body.json:$.openid")])
          .end(5).build())
    [finding] = col001(tl)
    assert finding.status == "warn" and finding.statement.startswith("设备信息 collected at 2.0 s")


def test_partial_session_and_consent_twice_still_report() -> None:
    tl = located().consent(0.6).build()  # consent given twice, no session end
    [finding] = col001(tl, SHOP)
    assert finding.partial and finding.status == "warn"


def test_not_tested_without_a_sourced_service_type() -> None:
    tl = located().end(5).build()
    assert probes.rule_status(tl, config=ProbeConfig())["COL-001"] == "not_tested"
    assert probes.rule_status(tl, config=ProbeConfig(service_type="问诊挂号"))["COL-001"] == "not_tested"


def test_necessary_sets_table() -> None:
    assert len([t for t, cats in NECESSARY_CATEGORIES.items() if not cats]) == 13  # 无须个人信息
    assert "位置信息" not in NECESSARY_CATEGORIES["餐饮外卖"]  # the text lists 收货人 data, not the location
    assert is_necessary("后台位置信息", NECESSARY_CATEGORIES["地图导航"])
    assert not is_necessary("身份证号码", NECESSARY_CATEGORIES["网上购物"])


def test_clock_skew_widens_the_follow_up_window_by_the_recorded_bound() -> None:
    def refused_then_exit(at: float):  # type: ignore[no-untyped-def]
        return (TimelineBuilder(clock_error_ms=300).consent(0.5).consent(1.5, "refuse", "scope.userLocation")
                .api(1.5 + at, "exitMiniProgram").end(20).build())

    assert len(col001(refused_then_exit(10.2))) == 1  # 10 s window + 0.3 s clock error
    assert col001(refused_then_exit(10.5)) == []
