"""The crawl's pure walk (harness/crawl.py) on a fake screen graph: breadth first, shortest paths,
dedup, depth and budgets, the deny lexicon, going back by tabs and dialogs, recovery by restart."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from harness.crawl import (
    CrawlLimits,
    Screen,
    Target,
    closing_button,
    crawl,
    denied,
    limits_of,
    numbered,
)

# screen name -> {label: (destination, how)}; how: push (navigateTo), tab (switchTab), redirect, dialog,
# stay (the handler changes nothing visible)
Graph = dict[str, dict[str, tuple[str, str]]]


@dataclass
class FakeApp:
    """A mini program as a page stack over a screen graph; it counts what the crawl did to it."""

    graph: Graph
    tabs: set[str] = field(default_factory=set)
    start: str = "home"
    stack: list[str] = field(default_factory=list)
    recorded: list[tuple[str, list[str]]] = field(default_factory=list)
    tapped: list[str] = field(default_factory=list)
    restarts: int = 0

    def __post_init__(self) -> None:
        self.stack = [self.start]

    def screen(self, name: str) -> Screen:
        labels = [(label, "tab" if how == "tab" else "cell", None) for label, (_, how) in self.graph.get(name, {}).items()]
        return Screen(route=name.split("#")[0], texts=(name, *[label for label, _, _ in labels]),
                      targets=tuple(numbered(labels)), dialog=name.startswith("dialog"))

    def read(self) -> Screen:
        return self.screen(self.stack[-1])

    def tap(self, target: Target) -> bool:
        assert not denied(target), f"the crawl tapped the denied {target.label!r}"
        edge = self.graph.get(self.stack[-1], {}).get(target.label)
        if edge is None:
            return False
        self.tapped.append(target.label)
        dest, how = edge
        if how == "tab":
            self.stack = [dest]
        elif how == "redirect":
            self.stack[-1] = dest
        elif how != "stay":
            self.stack.append(dest)
        return True

    def back(self, current: Screen, parent: Screen) -> bool:
        if len(self.stack) >= 2:
            self.stack.pop()
            return True
        if self.stack[-1] in self.tabs and parent.route in self.tabs:
            self.stack = [str(parent.route)]
            return True
        return False

    def restart(self, start: Screen) -> bool:
        self.restarts += 1
        self.stack = [self.start]
        return True

    def record(self, screen: Screen, path: list[str]) -> None:
        self.recorded.append((screen.texts[0], path))

    def path_to(self, name: str) -> list[str]:
        return next(path for shown, path in self.recorded if shown == name)


def test_breadth_first_records_each_screen_once_along_a_shortest_path() -> None:
    app = FakeApp({
        "home": {"更多": ("more", "push"), "关于": ("about", "push")},
        "more": {"帮助": ("help", "push")},
        "help": {"条款": ("policy", "push"), "首页": ("home", "push")},  # a loop back to home's content
        "about": {"隐私政策": ("policy", "push")},
    })
    result = crawl(app, CrawlLimits(depth=4))
    assert result.complete and result.depth == 4
    assert [name for name, _ in app.recorded] == ["home", "more", "about", "help", "policy"]
    assert app.path_to("policy") == ["关于", "隐私政策"]  # 2 taps, not the 3 of the first branch
    assert app.path_to("home") == []
    assert app.stack == ["home"]  # the device ends on the start screen
    assert result.detail == "5 screens, depth 4"


def test_depth_bounds_the_walk() -> None:
    chain: Graph = {f"s{i}": {f"next{i}": (f"s{i + 1}", "push")} for i in range(8)}
    app = FakeApp(chain, start="s0")
    result = crawl(app, CrawlLimits(depth=3))
    assert [name for name, _ in app.recorded] == ["s0", "s1", "s2", "s3"]
    assert result.complete and result.depth == 3


def test_denied_controls_are_seen_and_never_tapped() -> None:
    app = FakeApp({
        "home": {"设置": ("settings", "push")},
        "settings": {"注销账号": ("delete", "push"), "退出登录": ("home", "tab"), "账号与安全": ("account", "push")},
        "account": {"确认注销": ("gone", "push"), "支付": ("pay", "push")},
    })
    result = crawl(app, CrawlLimits(depth=4))
    assert result.complete
    assert result.not_tapped == ["注销账号", "退出登录", "确认注销", "支付"]
    assert "delete" not in [name for name, _ in app.recorded]


def test_open_types_that_collect_data_are_denied() -> None:
    assert denied(Target("登录", "button", 0, "getPhoneNumber"))
    assert denied(Target("同意并继续", "button", 0, "agreePrivacyAuthorization"))
    assert not denied(Target("权限设置", "button", 0, "openSetting"))
    assert not denied(Target("隐私政策", "link"))
    assert denied(Target("附近门店")) and denied(Target("扫一扫")) and denied(Target("手机号一键登录"))


def test_tabs_are_left_by_switching_back() -> None:
    app = FakeApp({
        "home": {"我的": ("mine", "tab"), "商品": ("item", "push")},
        "mine": {"首页": ("home", "tab"), "设置": ("settings", "push")},
        "settings": {"隐私政策": ("policy", "push")},
    }, tabs={"home", "mine"})
    result = crawl(app, CrawlLimits(depth=4))
    assert result.complete and app.restarts == 0
    assert app.path_to("policy") == ["我的", "设置", "隐私政策"]
    assert app.stack == ["home"]


def test_a_redirect_is_undone_by_restarting_and_replaying() -> None:
    app = FakeApp({
        "home": {"设置": ("settings", "push")},
        "settings": {"新版设置": ("settings2", "redirect"), "帮助": ("help", "push")},
        "settings2": {"隐私": ("policy", "push")},
    })
    result = crawl(app, CrawlLimits(depth=4))
    assert result.complete
    assert app.restarts >= 1
    assert app.path_to("policy") == ["设置", "新版设置", "隐私"]
    assert app.path_to("help") == ["设置", "帮助"]


def test_a_dialog_is_a_leaf_closed_by_back() -> None:
    app = FakeApp({
        "home": {"清除缓存": ("dialog-clear", "push"), "关于": ("about", "push")},
        "dialog-clear": {"好": ("home", "push")},
    })
    result = crawl(app, CrawlLimits(depth=3))
    assert result.complete
    assert "好" not in app.tapped  # nothing on a dialog is explored
    assert [name for name, _ in app.recorded] == ["home", "dialog-clear", "about"]


def test_a_tap_that_changes_nothing_is_not_a_screen() -> None:
    app = FakeApp({"home": {"刷新": ("home", "stay"), "关于": ("about", "push")}})
    result = crawl(app, CrawlLimits(depth=2))
    assert result.screens == 2


def test_from_explores_only_below_that_tap() -> None:
    app = FakeApp({
        "home": {"商品": ("item", "push"), "我的": ("mine", "tab")},
        "mine": {"设置": ("settings", "push")},
    }, tabs={"home", "mine"})
    result = crawl(app, CrawlLimits(depth=3, first="我的"))
    assert result.complete
    assert [name for name, _ in app.recorded] == ["home", "mine", "settings"]
    assert app.path_to("settings") == ["我的", "设置"]


def test_from_that_is_not_there_fails_clearly() -> None:
    app = FakeApp({"home": {"商品": ("item", "push")}})
    result = crawl(app, CrawlLimits(first="我的"))
    assert not result.complete
    assert "no tappable text '我的'" in (result.stopped or "")


def test_the_screen_budget_stops_the_walk_with_the_depth_fully_seen() -> None:
    app = FakeApp({
        "home": {f"c{i}": (f"s{i}", "push") for i in range(3)},
        **{f"s{i}": {f"d{i}{j}": (f"t{i}{j}", "push") for j in range(3)} for i in range(3)},
    })
    result = crawl(app, CrawlLimits(depth=4, screens=6))
    assert not result.complete and result.screens == 6
    assert result.depth == 1  # every screen within one tap was seen, not all within two
    assert result.detail == "6 screens, depth 1; stopped: the budget of 6 screens was reached"
    assert app.stack == ["home"]  # back where it started, for the scenario's next step


def test_the_time_budget_stops_the_walk() -> None:
    app = FakeApp({"home": {f"c{i}": (f"s{i}", "push") for i in range(5)}})
    ticks = iter(range(100))
    result = crawl(app, CrawlLimits(depth=2, seconds=3), clock=lambda: float(next(ticks)))
    assert not result.complete
    assert "time budget of 3 s" in (result.stopped or "")
    assert result.depth == 0


def test_a_non_deterministic_app_is_a_clear_failure() -> None:
    app = FakeApp({"home": {"设置": ("settings", "push"), "关于": ("about", "push")},
                   "settings": {"帮助": ("help", "push")}})
    taps = 0
    original = app.tap

    def flaky(target: Target) -> bool:  # the second time 设置 opens another screen
        nonlocal taps
        taps += 1
        if target.label == "设置" and taps > 1:
            app.stack.append("elsewhere")
            return True
        return original(target)

    app.tap = flaky  # type: ignore[method-assign]
    result = crawl(app, CrawlLimits(depth=3))
    assert not result.complete and "lost its way" in (result.stopped or "")


def test_numbered_targets_tell_equal_labels_apart() -> None:
    targets = list(numbered([("查看", "cell", None), ("设置", "cell", None), ("查看", "cell", None)]))
    assert [(t.label, t.nth) for t in targets] == [("查看", 0), ("设置", 0), ("查看", 1)]


def test_limits_from_the_step_argument() -> None:
    limits = limits_of({"from": "我的", "depth": 5, "screens": 10, "seconds": 30.0})
    assert (limits.first, limits.depth, limits.screens, limits.seconds) == ("我的", 5, 10, 30.0)
    assert limits_of(None).depth == 4


@dataclass
class _Button:
    text: str
    role: str
    choice: str | None = None


@pytest.mark.parametrize(("buttons", "chosen"), [
    ([_Button("同意", "agree"), _Button("拒绝", "reject")], "拒绝"),
    ([_Button("返回", "other", "back")], "返回"),
    ([_Button("知道了", "agree")], None),
])
def test_a_dialog_is_closed_without_agreeing(buttons: list[_Button], chosen: str | None) -> None:
    button = closing_button(buttons)
    assert (button.text if button else None) == chosen


def test_crawl_on_android_fails_clearly_until_the_driver_reads_targets() -> None:
    from harness.android.session import AndroidSession
    from harness.config import StepSpec
    from harness.session import StepFailed

    session = AndroidSession.__new__(AndroidSession)  # the check comes before any device is touched
    with pytest.raises(StepFailed, match="not supported on android yet"):
        session._crawl(StepSpec(action="crawl", arg={"from": None, "depth": 4, "screens": 40, "seconds": 120.0}))
