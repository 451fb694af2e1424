"""RTS-003: collected PI cannot be viewed, copied or corrected (probes/pi_rights.py)."""

from __future__ import annotations

import probes
from harness.timeline import Step, UIElement, UISnapshot
from probes.testing import TimelineBuilder, element, pi, texts

PHONE = pi("phone", "139****5678", canary="phone")
NAME = pi("name", "张*", location="body.json:$.name")


def nav(title: str) -> list[UIElement]:
    return [element("text", title, native=True), element("text", "···", native=True)]


def profile(*extra: UIElement) -> list[UIElement]:
    return [*nav("个人资料"), *texts("姓名", "张三", "手机号", "139****5678"), *extra]


EDIT = element("button", "编辑资料")
EXPORT = element("button", "导出我的信息")


def rts003(tl):  # type: ignore[no-untyped-def]
    return sorted((f for f in probes.analyse(tl) if f.rule == "RTS-003"), key=lambda f: f.statement)


def registered(clock_error_ms: float = 0) -> TimelineBuilder:
    """Home, then the phone and name sent to the program's service."""
    tl = TimelineBuilder(clock_error_ms=clock_error_ms).snapshot(0.2, "home.png", elements=[*nav("首页"), *texts("开卡")])
    return tl.flow(1.0, "https://api.card.example/api/member/register", pi=[PHONE, NAME])


def crawled(tl: TimelineBuilder, screens: list[tuple[list[str], list[UIElement]]], depth: int = 3,
            result: str = "ok") -> TimelineBuilder:
    """A crawl from 我的: each screen a snapshot with its crawl path, then the crawl step."""
    t = 5.0
    for path, elements in screens:
        t += 0.5
        tl.add(UISnapshot, t, "driver", screenshot=f"c{t}.png", texts=[e.text for e in elements if e.kind == "text"],
               elements=elements, crawl_path=path)
    detail = f"{len(screens)} screens, depth {depth}" + ("" if result == "ok" else "; stopped: time budget")
    return tl.add(Step, 4.0, "scenario", index=9, action="crawl", result=result, detail=detail)


MINE = ([], [*nav("我的"), *texts("个人资料", "设置")])
SETTINGS = (["设置"], [*nav("设置"), *texts("隐私政策", "关于我们")])


def test_complete_crawl_without_edit_or_export_fails_twice() -> None:
    tl = crawled(registered(), [MINE, (["个人资料"], profile()), SETTINGS]).end(20).build()
    no_copy, no_edit = rts003(tl)
    assert no_edit.status == "fail" and "no edit control" in no_edit.statement and "phone, name" in no_edit.statement
    assert no_copy.status == "fail" and "copy or export" in no_copy.statement
    assert no_edit.severity == "medium" and len(no_edit.evidence) == 3  # the flow, the profile page, the crawl
    negated = profile(*texts("资料开卡后不可更改", "不支持导出"))
    assert len(rts003(crawled(registered(), [MINE, (["个人资料"], negated)]).end(20).build())) == 2


def test_edit_and_export_on_the_page_or_below_it_pass() -> None:
    tl = crawled(registered(), [MINE, (["个人资料"], profile(EDIT, EXPORT))]).end(20).build()
    assert rts003(tl) == [] and probes.rule_status(tl)["RTS-003"] == "pass"
    below = [MINE, (["个人资料"], profile()), (["个人资料", "手机号"], [*nav("修改手机号"), element("input", "请输入新手机号")]),
             (["设置"], [*nav("设置"), *texts("下载个人信息副本")])]
    assert rts003(crawled(registered(), below).end(20).build()) == []
    copy_button = profile(EDIT, element("button", "复制"))
    assert rts003(crawled(registered(), [MINE, (["个人资料"], copy_button)]).end(20).build()) == []


def test_not_viewable_when_no_profile_page_shows_the_category() -> None:
    name_only = [*nav("个人资料"), *texts("姓名", "张三"), EDIT, EXPORT]
    [finding] = rts003(crawled(registered(), [MINE, (["个人资料"], name_only)]).end(20).build())
    assert finding.status == "fail" and finding.statement.startswith("phone sent to api.card.example")
    [none] = rts003(crawled(registered(), [MINE, SETTINGS]).end(20).build())
    assert none.status == "fail" and "within the crawl (2 screens, depth 3)" in none.statement
    # a field label, not a sentence that mentions the word
    sentence = [*nav("个人资料"), *texts("姓名", "张三", "我们不会公开你的手机号，除非法律要求这样做"), EDIT, EXPORT]
    [finding] = rts003(crawled(registered(), [MINE, (["个人资料"], sentence)]).end(20).build())
    assert "phone" in finding.statement and "name" not in finding.statement.split(":")[0]
    # an input for the field holds its value: the category is shown (and editable)
    form = [*nav("个人资料"), element("input", "请输入姓名"), element("input", "请输入手机号"), EXPORT]
    assert rts003(crawled(registered(), [MINE, (["个人资料"], form)]).end(20).build()) == []


def test_short_of_a_complete_crawl_only_warnings() -> None:
    # the profile page at the crawl's last level: what is behind it was not explored
    deep = crawled(registered(), [MINE, (["我的", "个人资料"], profile())], depth=2).end(20).build()
    assert {f.status for f in rts003(deep)} == {"warn"}
    # a profile page reached by explicit taps, no crawl
    tapped = registered().tap(3.0, "个人资料").snapshot(3.3, "p.png", elements=profile()).end(20).build()
    assert [f.status for f in rts003(tapped)] == ["warn", "warn"]
    # the tap on a cell of the profile page led to an edit screen
    edit = (registered().tap(3.0, "个人资料").snapshot(3.3, "p.png", elements=profile(EXPORT))
            .tap(4.0, "手机号").snapshot(4.3, "e.png", elements=[*nav("修改手机号"), element("input", "新手机号")]))
    assert rts003(edit.end(20).build()) == []


def test_copies_on_request_in_the_policy_make_the_copy_finding_a_warning() -> None:
    policy = [*nav("隐私政策"), *texts("我们会收集你的手机号和姓名用于会员服务，不会共享给第三方。",
                                      "你可以发送邮件至 privacy@card.example 申请获取个人信息副本。")]
    tl = crawled(registered(), [MINE, (["个人资料"], profile(EDIT)), (["设置", "隐私政策"], policy)]).end(20).build()
    [copy] = rts003(tl)
    assert copy.status == "warn" and "copies on request" in copy.statement


def test_nothing_collected_platform_hosts_and_incomplete_crawls() -> None:
    quiet = crawled(TimelineBuilder().snapshot(0.2, "h.png", elements=texts("首页")), [MINE]).end(20).build()
    assert rts003(quiet) == [] and probes.rule_status(quiet)["RTS-003"] == "pass"
    platform = TimelineBuilder().flow(1.0, "https://api.weixin.qq.com/sns/jscode2session", pi=[PHONE])
    assert rts003(crawled(platform, [MINE]).end(20).build()) == []
    stopped = crawled(registered(), [MINE], result="failed").end(20).build()
    assert probes.rule_status(stopped)["RTS-003"] == "not_tested"
    assert probes.rule_status(registered().end(20).build())["RTS-003"] == "not_tested"


def test_skew_and_partial_sessions_keep_their_verdicts() -> None:
    tl = crawled(registered(clock_error_ms=300), [MINE, (["个人资料"], profile())]).end(20, outcome="error").build()
    findings = rts003(tl)
    assert len(findings) == 2 and all(f.partial and f.status == "fail" for f in findings)
