"""DIS-001: the operator in 更多资料 vs the one the program's policy names (probes/operator_identity.py)."""

from __future__ import annotations

import probes
from harness.timeline import UIElement
from probes.operator_identity import entities_in
from probes.testing import TimelineBuilder, element, texts

OPERATOR = "上海悦享网络科技有限公司"
BODY = ("我们会收集你的手机号和姓名，用于开通会员卡和积分结算。", "我们不会向第三方共享你的个人信息，你可以在个人资料页查看和更正。")


def nav(title: str) -> list[UIElement]:
    return [element("text", title, native=True), element("text", "···", native=True), element("text", "◎", native=True)]


def more_info(entity: str = OPERATOR) -> list[UIElement]:
    """更多资料 as the sim draws it over the page: 返回, the title, 名称 and 账号主体 rows."""
    rows = ("更多资料", "名称", "悦享会员卡", "账号主体", entity)
    return [*nav("首页"), *texts("今日推荐"), element("button", "返回", native=True), element("text", "返回", native=True),
            *[element("text", t, native=True) for t in rows]]


def policy(statement: str) -> list[UIElement]:
    return [*nav("隐私政策"), *texts(statement, *BODY)]


def dis001(statement: str, entity: str = OPERATOR, *, shown: bool = True, clock_error_ms: float = 0):  # type: ignore[no-untyped-def]
    tl = TimelineBuilder(clock_error_ms=clock_error_ms).snapshot(0.2, "home.png", elements=[*nav("首页"), *texts("今日推荐")])
    tl.tap(1.0, "隐私政策").snapshot(1.3, "policy.png", elements=policy(statement), page="pages/policy/policy")
    if shown:
        tl.tap(2.0, "···").snapshot(2.3, "more.png", elements=more_info(entity))
    timeline = tl.end(9).build()
    return timeline, [f for f in probes.analyse(timeline) if f.rule == "DIS-001"]


def test_entity_names_are_cut_from_the_sentence() -> None:
    assert entities_in("本政策适用于上海悦享网络科技有限公司（以下简称“我们”）运营的悦享会员卡") == [OPERATOR]
    assert entities_in("本小程序由杭州云卡信息技术有限公司提供技术服务，我们不会向第三方公司提供") == ["杭州云卡信息技术有限公司"]
    assert entities_in("我们的关联公司和合作方有限公司") == []


def test_a_different_operator_fails() -> None:
    _, [finding] = dis001("本政策适用于杭州云卡信息技术有限公司运营的悦享会员卡小程序。")
    assert finding.status == "fail" and finding.severity == "low"
    assert OPERATOR in finding.statement and "杭州云卡信息技术有限公司" in finding.statement
    assert finding.evidence == [3, 5]  # the policy, 更多资料


def test_the_same_operator_or_a_disclosed_one_passes() -> None:
    timeline, found = dis001("本政策适用于上海悦享网络科技有限公司（以下简称“我们”）运营的悦享会员卡小程序。")
    assert found == [] and probes.rule_status(timeline)["DIS-001"] == "pass"
    _, found = dis001("悦享会员卡由杭州云卡信息技术有限公司运营，上海悦享网络科技有限公司受托提供技术服务。")
    assert found == []
    _, found = dis001("本政策适用于悦享网络科技有限公司运营的悦享会员卡。")  # the name without its city prefix
    assert found == []
    _, found = dis001("本政策说明我们如何处理你的个人信息。")  # the policy names no entity: nothing to compare
    assert found == []


def test_skew_and_not_tested_without_either_page() -> None:
    _, [finding] = dis001("本政策适用于杭州云卡信息技术有限公司运营的小程序。", clock_error_ms=300)
    assert finding.status == "fail"
    timeline, found = dis001("本政策适用于杭州云卡信息技术有限公司运营的小程序。", shown=False)
    assert found == [] and probes.rule_status(timeline)["DIS-001"] == "not_tested"
    timeline, found = dis001("本政策适用于杭州云卡信息技术有限公司运营的小程序。", entity="未填写")
    assert found == []
    bare = TimelineBuilder().tap(2.0, "···").snapshot(2.3, "more.png", elements=more_info()).end(5).build()
    assert probes.rule_status(bare)["DIS-001"] == "not_tested"
