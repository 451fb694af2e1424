"""The settings crawl (scenario step `crawl`, RULES.md S7): a bounded breadth-first walk over the
tappable texts of the mini program, from the screen the step starts on.

Why breadth first: the probes ask "how many taps from home to the policy" (POL-002) and "is 注销
within 4 taps of 我的" (RTS-001). Screens are recorded when first reached, and a breadth-first walk
reaches every screen first along a shortest tap path — also when its budget stops it early.

A phone cannot jump to a screen, so the walk moves like a user: it goes back (the navigation bar's
back, a tab switch, a dialog's cancel) to the common ancestor and taps forward along the recorded
path, checking each screen on the way; when the app does not come back where it should (a redirect,
an in-page state change), it restarts at the start screen's route and replays the path.

Controls that destroy, pay, answer consent or hand over data are never tapped (DENY_WORDS,
DENY_OPEN_TYPES): 注销账号 is seen, not tapped. The pure walk (`crawl`) runs over the `CrawlDevice`
protocol: `LiveCrawlDevice` adapts a running session's driver, the unit tests a fake screen graph.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

# Words on a control the crawl never taps: they delete, pay, sign out, answer a consent dialog or
# withdraw it, or ask for personal data. The crawl only looks; a scenario that means to do these does
# them with `tap` (a scenario tap is on record as the user's trigger, a crawl's is not).
DENY_WORDS: tuple[str, ...] = (
    "注销", "删除", "清空", "解绑", "退出", "登出", "退款",  # destructive: the account, data, the session
    "支付", "付款", "提交订单", "下单", "购买", "立即抢", "充值",  # paying
    "确认", "确定", "同意", "允许", "授权", "拒绝", "取消", "撤回", "关闭",  # answering / withdrawing consent
    "拨打", "呼叫", "分享", "转发",  # leaving the app for a call or a share sheet
    # asking for personal data: a permission prompt the crawl caused would have no scenario tap before it
    "扫码", "扫一扫", "拍照", "拍摄", "定位", "附近", "导航", "录音", "语音", "通讯录", "手机号", "一键登录",
    "微信登录", "授权登录",
)
# Button open-types that collect data, consent or leave the app: never tapped. openSetting (WeChat's
# settings page, closed by 返回 without changes) and none are explored.
DENY_OPEN_TYPES: frozenset[str] = frozenset({
    "getPhoneNumber", "getRealtimePhoneNumber", "getUserInfo", "chooseAvatar", "agreePrivacyAuthorization",
    "launchApp", "share", "contact", "feedback", "exit", "liveActivity",
})

DEFAULT_DEPTH = 4
MAX_DEPTH = 5
DEFAULT_SCREENS = 40
DEFAULT_SECONDS = 120.0


@dataclass(frozen=True)
class Target:
    """A tappable text on a screen: ``nth`` tells apart equal labels (0: the first in document order)."""

    label: str
    kind: str = "cell"  # tab | link | button | cell (a view with a tap binding)
    nth: int = 0
    open_type: str | None = None


@dataclass(frozen=True)
class Screen:
    """What the walk knows of a screen: its route and visible texts (its identity) and what can be tapped.
    ``dialog``: a dialog covers the page — the walk records it, explores nothing on it and closes it."""

    route: str | None
    texts: tuple[str, ...]
    targets: tuple[Target, ...] = ()
    dialog: bool = False

    @property
    def key(self) -> tuple[str | None, tuple[str, ...]]:
        return self.route, self.texts


ScreenKey = tuple[str | None, tuple[str, ...]]


class CrawlDevice(Protocol):
    """What the walk needs from a device; each method acts like a user and may fail."""

    def read(self) -> Screen:
        """The screen now shown."""
        ...

    def tap(self, target: Target) -> bool:
        """Tap the target; False when it is not there (any more)."""
        ...

    def back(self, current: Screen, parent: Screen) -> bool:
        """Go back one screen, from ``current`` towards ``parent``; False when there is no way back."""
        ...

    def restart(self, start: Screen) -> bool:
        """Return to the start screen's route from wherever the walk is; False when it cannot."""
        ...

    def record(self, screen: Screen, path: list[str]) -> None:
        """Keep the screen as evidence (screenshot + UISnapshot) with its tap path from the start."""
        ...


@dataclass(frozen=True)
class CrawlLimits:
    depth: int = DEFAULT_DEPTH  # taps from the start screen, `from` included
    screens: int = DEFAULT_SCREENS  # distinct screens recorded, the start screen included
    seconds: float = DEFAULT_SECONDS
    first: str | None = None  # `from`: the walk explores only below this tap of the start screen


@dataclass
class CrawlResult:
    """How the walk went. ``depth``: every screen within this many taps was reached (the limit when
    complete). ``stopped``: why an incomplete walk ended."""

    screens: int
    depth: int
    complete: bool
    stopped: str | None = None
    not_tapped: list[str] = field(default_factory=list)  # denied labels seen, in order of first sight

    @property
    def detail(self) -> str:
        """The crawl Step's detail: "N screens, depth D" (probes read it: probes/pages.py crawl_depth)."""
        text = f"{self.screens} screens, depth {self.depth}"
        if self.stopped:
            text += f"; stopped: {self.stopped}"
        return text


def denied(target: Target) -> bool:
    """The crawl must not tap this control (destructive, paying, consent, data-collecting)."""
    return (target.open_type in DENY_OPEN_TYPES) or any(word in target.label for word in DENY_WORDS)


@dataclass
class _Node:
    screen: Screen
    path: tuple[Target, ...]  # the discovery path: the shortest, from the start screen
    keys: tuple[ScreenKey, ...]  # the screen key after each tap of `path` (keys[0]: the start screen)


class _BudgetSpent(Exception):
    pass


class _Lost(Exception):
    pass


class _Walk:
    """One breadth-first crawl; the device is always at ``self.trail`` (taps and the screens they showed)."""

    def __init__(self, device: CrawlDevice, limits: CrawlLimits, clock: Callable[[], float]) -> None:
        self.device, self.limits, self.clock = device, limits, clock
        self.deadline = clock() + limits.seconds
        self.nodes: dict[ScreenKey, _Node] = {}
        self.trail: list[tuple[Target | None, Screen]] = []
        self.not_tapped: list[str] = []

    # ------------------------------------------------------------------ the walk

    def run(self) -> CrawlResult:
        start = self.device.read()
        root = self._discover(start, (), (start.key,))
        self.trail = [(None, start)]
        frontier, done = [root], 0
        try:
            for level in range(self.limits.depth):
                following: list[_Node] = []
                for node in frontier:
                    following += self._expand(node, only=self.limits.first if level == 0 else None)
                done = level + 1
                frontier = following
                if not frontier:
                    break
            self._goto(root)
        except _BudgetSpent as spent:
            self._return_to(root)
            return self._result(done, str(spent))
        except _Lost as lost:
            return self._result(done, f"lost its way: {lost}")
        return self._result(self.limits.depth, None)

    def _return_to(self, root: _Node) -> None:
        """After a budget stop, best effort back to the start screen, so the next step starts where the crawl did."""
        try:
            self._goto(root)
        except _Lost:
            return

    def _result(self, depth: int, stopped: str | None) -> CrawlResult:
        return CrawlResult(len(self.nodes), depth, stopped is None, stopped, self.not_tapped)

    def _expand(self, node: _Node, only: str | None) -> list[_Node]:
        """Tap each allowed target of the node's screen once; return the screens seen for the first time."""
        if node.screen.dialog:
            return []
        found: list[_Node] = []
        targets = [t for t in node.screen.targets if only is None or t.label == only]
        if only is not None and not targets:
            raise _Lost(f"no tappable text {only!r} (`from`) on the start screen")
        for target in targets:
            if denied(target):
                if target.label not in self.not_tapped:
                    self.not_tapped.append(target.label)
                continue
            self._spend()
            self._goto(node)
            if not self.device.tap(target):
                continue
            shown = self.device.read()
            if shown.key == node.screen.key:
                continue  # nothing visible changed (a toggle, a toast, a handler that did nothing)
            self.trail.append((target, shown))
            if shown.key not in self.nodes:
                self._spend_screen()
                found.append(self._discover(shown, node.path + (target,), node.keys + (shown.key,)))
        return found

    def _discover(self, screen: Screen, path: tuple[Target, ...], keys: tuple[ScreenKey, ...]) -> _Node:
        node = _Node(screen, path, keys)
        self.nodes[screen.key] = node
        self.device.record(screen, [t.label for t in path])
        return node

    # ------------------------------------------------------------------ budget

    def _spend(self) -> None:
        if self.clock() > self.deadline:
            raise _BudgetSpent(f"the time budget of {self.limits.seconds:g} s ran out")

    def _spend_screen(self) -> None:
        if len(self.nodes) >= self.limits.screens:
            raise _BudgetSpent(f"the budget of {self.limits.screens} screens was reached")

    # ------------------------------------------------------------------ moving like a user

    def _goto(self, node: _Node) -> None:
        """Bring the device to the node: back to the common ancestor, then tap forward along its path."""
        common = self._common_prefix(node)
        while len(self.trail) - 1 > common:
            if not self._back_one():
                self._restart()
                common = 0
                break
        for index in range(common, len(node.path)):
            target = node.path[index]
            if not self.device.tap(target):
                raise _Lost(f"{target.label!r} is gone on the way to {self._where(node)}")
            shown = self.device.read()
            if shown.key != node.keys[index + 1]:
                raise _Lost(f"tapping {target.label!r} on the way to {self._where(node)} showed another screen")
            self.trail.append((target, shown))

    def _common_prefix(self, node: _Node) -> int:
        """How many taps of the current trail the node's path shares (same taps, same screens)."""
        common = 0
        for index, target in enumerate(node.path):
            if index + 1 >= len(self.trail):
                break
            tapped, screen = self.trail[index + 1]
            if tapped != target or screen.key != node.keys[index + 1]:
                break
            common = index + 1
        return common

    def _back_one(self) -> bool:
        """One step back along the trail, checked: False when the app did not show the screen before."""
        current, parent = self.trail[-1][1], self.trail[-2][1]
        if not self.device.back(current, parent):
            return False
        if self.device.read().key != parent.key:
            return False
        self.trail.pop()
        return True

    def _restart(self) -> None:
        start = self.trail[0][1]
        if not self.device.restart(start) or self.device.read().key != start.key:
            raise _Lost("going back to the start screen did not show it again")
        self.trail = self.trail[:1]

    @staticmethod
    def _where(node: _Node) -> str:
        return " → ".join(t.label for t in node.path) or "the start screen"


def crawl(device: CrawlDevice, limits: CrawlLimits, clock: Callable[[], float] = time.monotonic) -> CrawlResult:
    """Walk the screens breadth first within ``limits``, recording each new one; the device ends on the
    start screen when the walk completed or its budget ran out (and could get back)."""
    return _Walk(device, limits, clock).run()


class CrawlDriver(Protocol):
    """The driver calls the live crawl uses (harness.drivers.sim.SimDriver has them)."""

    def crawl_view(self) -> tuple[Any, list[Any], list[Target], list[str]]: ...

    def tap_target(self, target: Target) -> bool: ...

    def back(self, to_route: str | None = None) -> bool: ...

    def relaunch(self, route: str) -> bool: ...


class LiveCrawlDevice:
    """The walk's device on a running session: it reads and moves through the driver and keeps evidence
    through the session (``record(path)`` takes the screenshot and the UISnapshot; ``close_dialog()``
    answers the dialog on screen with its reject / back control, as the session records any answer)."""

    SETTLE_S = 0.12  # a screen counts as shown when two readings this far apart agree
    SETTLE_MAX_S = 3.0

    def __init__(self, driver: CrawlDriver, record: Callable[[list[str]], None],
                 close_dialog: Callable[[], bool], sleep: Callable[[float], None] = time.sleep) -> None:
        self.driver, self._record, self._close_dialog, self._sleep = driver, record, close_dialog, sleep

    def read(self) -> Screen:
        """The screen once it stopped changing (a page that loads its list, a popup on its way)."""
        deadline = time.monotonic() + self.SETTLE_MAX_S
        last = self._read_once()
        while True:
            self._sleep(self.SETTLE_S)
            now = self._read_once()
            if now == last or time.monotonic() > deadline:
                return now
            last = now

    def _read_once(self) -> Screen:
        state, dialogs, targets, toasts = self.driver.crawl_view()
        passing = set(toasts)
        return Screen(state.page, tuple(t for t in state.texts if t not in passing), tuple(targets), bool(dialogs))

    def tap(self, target: Target) -> bool:
        return self.driver.tap_target(target)

    def back(self, current: Screen, parent: Screen) -> bool:
        if current.dialog:
            return self._close_dialog()
        return self.driver.back(parent.route)

    def restart(self, start: Screen) -> bool:
        if start.route is None:
            return False
        self._close_dialog()  # a dialog left open would cover the start screen
        return self.driver.relaunch(start.route)

    def record(self, screen: Screen, path: list[str]) -> None:
        self._record(path)


def closing_button(buttons: list[Any]) -> Any | None:
    """The control that closes a dialog without agreeing: reject / cancel, else a native page's back."""
    return (next((b for b in buttons if getattr(b, "role", None) == "reject"), None)
            or next((b for b in buttons if getattr(b, "choice", None) in ("back", "cancel")), None))


def limits_of(arg: dict[str, Any] | None) -> CrawlLimits:
    """The step's normalised argument (harness.config) as limits."""
    arg = arg or {}
    return CrawlLimits(depth=int(arg.get("depth", DEFAULT_DEPTH)), screens=int(arg.get("screens", DEFAULT_SCREENS)),
                       seconds=float(arg.get("seconds", DEFAULT_SECONDS)), first=arg.get("from"))


def numbered(labelled: list[tuple[str, str, str | None]]) -> Iterator[Target]:
    """Targets from (label, kind, open_type) in document order, equal labels numbered 0, 1, ..."""
    seen: dict[str, int] = {}
    for label, kind, open_type in labelled:
        nth = seen.get(label, 0)
        seen[label] = nth + 1
        yield Target(label, kind, nth, open_type)


# Runs in the page (sim container or XWeb): the tappable texts of the screen in document order, one per
# control — navigators, buttons, elements with a tap binding, then the tab bar's other items. The label is
# the control's first visible text. Shared by the listing (no argument) and the tap (label, nth).
TARGETS_JS = r"""
const shown = el => { const cs = getComputedStyle(el);
  return cs.display !== 'none' && cs.visibility !== 'hidden' && cs.opacity !== '0'; };
const sized = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
const firstText = el => { const w = document.createTreeWalker(el, NodeFilter.SHOW_TEXT); let n;
  while ((n = w.nextNode())) { const t = n.textContent.trim(); if (t && n.parentElement && sized(n.parentElement)) return t.slice(0, 80); }
  return ''; };
const kindOf = el => {
  const v = el.__vnode;
  if (el.tagName === 'WX-NAVIGATOR') return v && v.attrs && v.attrs.target === 'miniProgram' ? null : 'link';
  if (el.tagName === 'WX-BUTTON') return 'button';
  return v && (v.events || []).some(b => b.type === 'tap') ? 'cell' : null;
};
const page = [...document.querySelectorAll('wx-page')].find(p => shown(p) && sized(p));
const out = [];
if (page && !document.querySelector('wx-native-popup')) {
  for (const el of page.querySelectorAll('*')) {
    const kind = kindOf(el);
    if (!kind || !shown(el) || !sized(el)) continue;
    const label = firstText(el);
    if (!label || out.some(o => o.el.contains(el) && o.label === label)) continue;
    out.push({el, kind, label, open_type: el.getAttribute('open-type') || null});
  }
  for (const cell of document.querySelectorAll('wx-tab-bar:not([hidden]) .item:not([selected])')) {
    const label = ((cell.querySelector('.text') || {}).textContent || '').trim();
    if (label) out.push({el: cell, kind: 'tab', label, open_type: null});
  }
}
const toasts = [];
for (const t of document.querySelectorAll('wx-native-toast')) {
  const w = document.createTreeWalker(t, NodeFilter.SHOW_TEXT); let n;
  while ((n = w.nextNode())) { const s = n.textContent.trim(); if (s) toasts.push(s); } }
if (arguments.length >= 2) { const same = out.filter(o => o.label === arguments[0]); return same[arguments[1]] ? same[arguments[1]].el : null; }
return {targets: out.map(o => [o.label, o.kind, o.open_type]), toasts};
"""
