"""DIS-002: content gated by 关注公众号 / 下载App (probes/forced_follow.py)."""

from __future__ import annotations

import probes
from harness.timeline import Step
from probes.testing import TimelineBuilder, element, texts

HOME = texts("家常菜谱", "红烧肉", "番茄炒蛋")


def dis002(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "DIS-002"]


def home(clock_error_ms: float = 0) -> TimelineBuilder:
    return TimelineBuilder(clock_error_ms=clock_error_ms).snapshot(0.2, "home.png", elements=HOME, page="pages/index/index")


def tapped(dialog_texts: list[str], buttons: list[str], *, at: float = 2.0, b: TimelineBuilder | None = None):  # type: ignore[no-untyped-def]
    tl = (b or home()).tap(at, "红烧肉")
    tl.prompt(at + 0.3, "developer_dialog", dialog_texts, buttons)
    return tl.snapshot(at + 0.3, "after.png", elements=HOME, page="pages/index/index")


def test_gate_dialog_without_a_way_past_fails() -> None:
    [finding] = dis002(tapped(["关注“家常菜谱”公众号后即可查看完整菜谱"], ["去关注"]).end(9).build())
    assert finding.status == "fail" and finding.severity == "medium"
    assert "红烧肉" in finding.statement and "no way past" in finding.statement and finding.evidence == [2, 3]
    # an acknowledgement that leaves the content withheld is no way past either
    [ack] = dis002(tapped(["请先关注公众号后查看"], ["确定"]).end(9).build())
    assert ack.status == "fail"
    # a dialog offering nothing but the download is a gate even without saying so
    [only] = dis002(tapped(["精彩内容在App"], ["下载App"]).end(9).build())
    assert only.status == "fail"


def test_gate_with_a_way_past_warns_and_a_suggestion_is_nothing() -> None:
    [warn] = dis002(tapped(["关注公众号后即可查看完整菜谱"], ["去关注", "以后再说"]).end(9).build())
    assert warn.status == "warn"
    assert dis002(tapped(["关注公众号，每周收到新菜谱"], ["以后再说", "去关注"]).end(9).build()) == []
    assert dis002(tapped(["关注公众号，每周收到新菜谱"], ["知道了"]).end(9).build()) == []
    assert dis002(tapped(["今日特价"], ["去看看"]).end(9).build()) == []


def test_gate_screen_after_a_tap_fails_unless_it_can_be_skipped() -> None:
    gate = [*texts("打开App阅读全文"), element("button", "打开App")]
    tl = home().tap(2.0, "红烧肉").snapshot(2.3, "gate.png", elements=gate, page="pages/detail/detail").end(9).build()
    [finding] = dis002(tl)
    assert finding.status == "fail" and "the screen" in finding.statement
    skippable = [*gate, element("button", "跳过")]
    tl = home().tap(2.0, "红烧肉").snapshot(2.3, "g.png", elements=skippable).end(9).build()
    assert [f.status for f in dis002(tl)] == ["warn"]
    banner = [*texts("红烧肉", "五花肉 500 克", "关注公众号获取更多菜谱")]
    tl = home().tap(2.0, "红烧肉").snapshot(2.3, "d.png", elements=banner).end(9).build()
    assert dis002(tl) == []


def test_a_dialog_appearing_during_a_wait_follows_the_tap_before_it() -> None:
    tl = home().tap(2.0, "红烧肉").snapshot(2.2, "a.png", elements=HOME)
    tl.add(Step, 2.3, "scenario", index=1, action="wait", target="1")
    tl.prompt(2.6, "developer_dialog", ["关注公众号后即可查看完整菜谱"], ["去关注"])
    [finding] = dis002(tl.end(9).build())
    assert finding.status == "fail" and "红烧肉" in finding.statement
    # after the next tap it is that tap's; too long after any tap it is no one's
    tl = home().tap(2.0, "红烧肉").tap(3.0, "关注公众号")
    assert dis002(tl.prompt(3.2, "developer_dialog", ["关注公众号后即可查看"], ["去关注"]).end(9).build()) == []
    late = home().tap(2.0, "红烧肉").prompt(30.0, "developer_dialog", ["关注公众号后即可查看"], ["去关注"])
    assert dis002(late.end(40).build()) == []


def test_tapping_the_follow_control_itself_is_not_a_basic_function() -> None:
    tl = home().tap(2.0, "关注公众号").prompt(2.3, "developer_dialog", ["关注公众号后即可查看"], ["去关注"]).end(9).build()
    assert dis002(tl) == []


def test_the_same_gate_twice_is_one_finding_and_launch_gates_count() -> None:
    tl = tapped(["关注公众号后即可查看完整菜谱"], ["去关注"])
    tl = tapped(["关注公众号后即可查看完整菜谱"], ["去关注"], at=5.0, b=tl)
    assert len(dis002(tl.end(9).build())) == 1
    launch = TimelineBuilder().add(Step, 0.1, "scenario", index=0, action="launch")
    launch.prompt(0.5, "developer_dialog", ["下载App后才能使用"], ["立即下载"]).snapshot(0.6, "s.png", elements=HOME)
    [finding] = dis002(launch.end(5).build())
    assert finding.status == "fail" and "the launch" in finding.statement


def test_skew_partial_and_not_tested() -> None:
    skewed = tapped(["关注公众号后即可查看"], ["去关注"], b=home(clock_error_ms=200)).end(9, outcome="error").build()
    [finding] = dis002(skewed)
    assert finding.status == "fail" and finding.partial
    failed_tap = home().tap(2.0, "红烧肉", result="failed").prompt(2.3, "developer_dialog", ["关注公众号后即可查看"],
                                                                   ["去关注"]).end(9).build()
    assert dis002(failed_tap) == []
    bare = TimelineBuilder().tap(1.0, "红烧肉").prompt(1.2, "developer_dialog", ["关注公众号后即可查看"], ["去关注"])
    assert probes.rule_status(bare.end(5).build())["DIS-002"] == "not_tested"
