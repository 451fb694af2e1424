"""COL-006: precise location for a city-level feature (probes/precise_location.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder, pi

PRECISE = pi("location", "31.2***, 121.4*** (precise)", location="url.query:lat+lng")


def col006(tap, api, sent):  # type: ignore[no-untyped-def]
    tl = (
        TimelineBuilder()
        .tap(1.0, tap)
        .api(1.5, api)
        .flow(2.0, "https://api.w.example/now", pi=[sent])
        .end(5)
        .build()
    )
    return [(f.status, f.evidence) for f in probes.analyse(tl) if f.rule == "COL-006"]


def test_precise_coordinates_for_the_city_weather_warn() -> None:
    assert col006("定位当前城市", "getLocation", PRECISE) == [("warn", [1, 2, 3])]


def test_fuzzy_api_rounded_data_or_a_street_level_feature_pass() -> None:
    assert col006("定位当前城市", "getFuzzyLocation", PRECISE) == []
    assert col006("定位当前城市", "getLocation", pi("location", "31.2***, 121.5***")) == []
    assert col006("附近门店", "getLocation", PRECISE) == []
