"""POL-004: collection not declared (probes/undeclared_collection.py)."""

from __future__ import annotations

import probes
from probes.config import ProbeConfig
from probes.testing import TimelineBuilder, pi


def test_undeclared_categories_fail_only_with_a_declaration() -> None:
    tl = (
        TimelineBuilder()
        .api(1.0, "chooseImage")
        .api(1.5, "getLocation")
        .flow(2.0, "https://api.x.example/a", pi=[pi()])
        .end(5)
        .build()
    )
    declared = ProbeConfig(declared_categories=("位置信息",))
    found = [f.statement.split(" ")[0] for f in probes.analyse(tl, declared) if f.rule == "POL-004"]
    assert found == ["照片/视频", "手机号"]
    assert probes.rule_status(tl)["POL-004"] == "not_tested"
    assert (
        probes.rule_status(tl, config=ProbeConfig(declared_categories=("位置信息", "照片/视频", "手机号")))[
            "POL-004"
        ]
        == "pass"
    )
