"""Readings of the settings crawl (scenario step `crawl`, RULES.md S7) in a timeline; no probe here.
What a screen shows (a policy, the program's own texts, short controls) is read by probes/pages.py.

A crawl is one Step(action="crawl") whose target holds its settings ({from, depth, screens, seconds})
and whose detail says "N screens, depth D" (every screen within D taps of its start was reached); the
screens it reached are the UISnapshots with a ``crawl_path`` recorded before that step, the start
screen with ``[]``. The walk is breadth first, so each screen's path is a shortest one.

Tap counts here are taps to *reach* a function: the screens on the way plus the tap on the control
that opens it (注销账号 seen on a screen 2 taps from 我的 is 3 taps away); a switch is used where it is
shown (个性化推荐 on a screen 3 taps from home is 3 taps away).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from harness.event_views import Step, UISnapshot
from harness.timeline import Timeline
from probes.evidence import per_timeline
from probes.finding import FindingDraft
from probes.pages import controls_matching, crawl_completed, crawl_depth, policy_screens_of


@dataclass(frozen=True)
class Crawl:
    """One crawl step and the screens it recorded."""

    step: Step
    screens: tuple[UISnapshot, ...]
    first: str | None  # the `from` tap: only that branch of the start screen was explored
    depth: int  # every screen within this many taps of the start was reached
    home: bool  # it started on the home screen (the first page the session showed)

    @property
    def complete(self) -> bool:
        return crawl_completed(self.step)

    def covers_from_home(self, taps: int) -> bool:
        """Every screen within ``taps`` taps of home was reached: a complete, unrestricted crawl from home."""
        return self.complete and self.home and self.first is None and self.depth >= taps

    def covers_below(self, anchor: UISnapshot, taps: int) -> bool:
        """Every screen within ``taps`` taps below ``anchor`` (one of this crawl's screens) was reached."""
        return self.complete and self.depth >= len(anchor.crawl_path or []) + taps


def crawls(timeline: Timeline) -> list[Crawl]:
    """The session's crawls in order, each with the crawl snapshots recorded since the step before it
    (read once per timeline: the four crawl probes ask)."""
    return list(per_timeline(timeline, "crawls", _crawls))


def _crawls(timeline: Timeline) -> list[Crawl]:
    steps = timeline.of(Step)
    crawl_at = [index for index, step in enumerate(steps) if step.action == "crawl"]
    if not crawl_at:  # (most sessions: no snapshot need be looked at)
        return []
    found: list[Crawl] = []
    snapshots = [s for s in timeline.of(UISnapshot) if s.crawl_path is not None]
    home = home_route(timeline)
    for index in crawl_at:
        step = steps[index]
        previous_seq = steps[index - 1].seq if index else -1  # the screens since the step before it
        screens = tuple(s for s in snapshots if previous_seq < s.seq < step.seq)
        start = next((s for s in screens if s.crawl_path == []), None)
        found.append(Crawl(step, screens, _first_tap(step.target), crawl_depth(step) or 0,
                           start is not None and home is not None and start.page == home))
    return found


def _first_tap(target: str | None) -> str | None:
    """The crawl's `from` (its Step target is its settings as JSON)."""
    try:
        settings = json.loads(target or "{}")
    except json.JSONDecodeError:
        return None
    first = settings.get("from") if isinstance(settings, dict) else None
    return str(first) if first else None


def home_route(timeline: Timeline) -> str | None:
    """The first page the session showed: the mini program's home."""
    return next((s.page for s in timeline.of(UISnapshot) if s.page), None)


def taps(screen: UISnapshot) -> int:
    return len(screen.crawl_path or [])


def path_text(screen: UISnapshot) -> str:
    """The tap path as a statement shows it: "我的 → 设置 → 隐私政策" (the start screen: "the start screen")."""
    return " → ".join(screen.crawl_path or []) or "the start screen"


def platform_guide(screen: UISnapshot) -> bool:
    """The policy the screen shows is WeChat's own guide page (wx.openPrivacyContract, ···→更多资料), drawn by
    the platform over the mini program, not the program's own policy page."""
    shown = policy_screens_of(screen)
    return bool(shown) and all(p.platform for p in shown)


def shortest(screens: Iterable[UISnapshot]) -> UISnapshot | None:
    return min(screens, key=taps, default=None)


def matching(screen: UISnapshot, pattern: str) -> str | None:
    """The first short text or control of the screen's own the pattern finds (a cell, not body text)."""
    found = controls_matching(screen, re.compile(pattern, re.IGNORECASE))
    return found[0].text.strip() if found else None


# ---------------------------------------------------------------- verdicts


@dataclass(frozen=True)
class Verdict:
    """What a crawl probe can say: pass, fail (with why and what shows it), or undecided — then the rule
    is "not tested" (the probe's evidence kind is the verdict being decided)."""

    status: Literal["pass", "fail", "warn", "undecided"]
    statement: str = ""
    events: tuple[Step | UISnapshot, ...] = ()
    key: tuple[str, ...] = ()


PASS = Verdict("pass")
UNDECIDED = Verdict("undecided")


def drafts(rule_id: str, verdict: Verdict) -> Iterator[FindingDraft]:
    """A crawl probe's findings: its verdict's one finding when it failed or warned."""
    if verdict.status in ("fail", "warn"):
        yield FindingDraft(rule=rule_id, status=verdict.status, statement=verdict.statement, events=verdict.events,
                           key=verdict.key)
