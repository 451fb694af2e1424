"""POL-003: the privacy policy is hard to read (认定方法 一.4).

On each privacy-policy screen (probes/pages.py: a screen titled 隐私政策/隐私保护指引 ... with policy body
text under the title; also one so titled whose body is not in Chinese at all), WARN when
- most of the body (``policy_small_share`` of its characters) is set below ``policy_min_font_px`` CSS px;
- most of the body has a contrast below ``policy_min_contrast`` (WCAG 2 body text: 4.5:1) against the
  background drawn behind it;
- the body has no Simplified Chinese text: mostly non-Chinese characters, or Traditional Chinese.
Glyph sizes and contrast are measured from the DOM by the page-state script (UIElement.font_px and
.contrast): the sim and Android's XWeb DOM path record them, Android's accessibility hierarchy does not,
and without them the rule is not tested. Background images are not seen (contrast is against colours).
One finding per policy title and concern.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from harness.event_views import UIElement, UISnapshot
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import per_timeline, shorten, since_start
from probes.finding import FindingDraft
from probes.pages import (
    BODY_MIN_CHARS,
    PRIVACY_POLICY_NAMES,
    TITLE_MAX_CHARS,
    PolicyScreen,
    page_texts,
    policy_screens,
    screen_titles,
    screens_with_titles,
)
from probes.registry import probe

HAN_MIN_SHARE = 0.3  # below this share of Han among the body's letters, the body is not Chinese
TRADITIONAL_MIN_SHARE = 0.1  # at or above this share of Traditional-only characters, it is Traditional
# Characters written differently in Traditional Chinese, frequent in privacy policies (個人資訊, 隱私, 權利 ...).
TRADITIONAL_ONLY = frozenset("個資訊隱護權處註銷據與們為這說對時會發應當將於從關係務號碼電話聯繫郵址頁釋檔紀錄")


def is_han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def script_problem(text: str) -> str | None:
    """Why a policy body is not Simplified Chinese ("not in Chinese", "in Traditional Chinese"), or None."""
    letters = [c for c in text if c.isalnum()]
    han = [c for c in letters if is_han(c)]
    if not letters:
        return None
    if len(han) < HAN_MIN_SHARE * len(letters):
        return "not in Chinese"
    if sum(c in TRADITIONAL_ONLY for c in han) >= TRADITIONAL_MIN_SHARE * len(han):
        return "in Traditional Chinese"
    return None


@lru_cache(maxsize=4096)
def _names_privacy_policy(title: str) -> bool:
    """A title naming the privacy policy: asked of every screen's titles, the same few screen after screen
    (answered once each)."""
    return len(title) <= TITLE_MAX_CHARS and any(n in title for n in PRIVACY_POLICY_NAMES)


@lru_cache(maxsize=4096)
def _titles_name_privacy_policy(nav: str | None, first: str | None) -> bool:
    """A screen with these title candidates may be a foreign-language policy (without, foreign_policy_screen
    finds none): asked of every screen, of the same few titles screen after screen (answered once each)."""
    return any(_names_privacy_policy(t) for t in (nav, first) if t)


def foreign_policy_screen(snapshot: UISnapshot, titles: list[str] | None = None) -> PolicyScreen | None:
    """A screen titled as the privacy policy whose body is not Chinese (probes.pages needs Chinese body words).
    ``titles``: its screen_titles, when the caller has them."""
    title = next(filter(_names_privacy_policy, screen_titles(snapshot) if titles is None else titles), None)
    if title is None:
        return None
    body = tuple(t for t in page_texts(snapshot) if t != title)
    text = " ".join(body)
    if sum(1 for c in text if not c.isspace()) < BODY_MIN_CHARS or script_problem(text) != "not in Chinese":
        return None
    return PolicyScreen(snapshot, title, body, (), False, False)


def privacy_policy_screens(timeline: Timeline) -> list[PolicyScreen]:
    """The privacy-policy screens of the session, in time order (read once per timeline: the evidence
    checks ask too)."""
    return list(per_timeline(timeline, "privacy policy screens", _privacy_policy_screens))


def _privacy_policy_screens(timeline: Timeline) -> list[PolicyScreen]:
    """Each snapshot's policy screens (probes.pages.policy_screens, read once per timeline: walked along
    the snapshots, both in time order), else its foreign-language policy screen."""
    shown = policy_screens(timeline)
    found: list[PolicyScreen] = []
    next_shown = 0
    for snapshot, nav, first in screens_with_titles(timeline):
        screens = []
        while next_shown < len(shown) and shown[next_shown].snapshot is snapshot:
            screens.append(shown[next_shown])
            next_shown += 1
        foreign = (foreign_policy_screen(snapshot, [t for t in (nav, first) if t])
                   if not screens and _titles_name_privacy_policy(nav, first) else None)
        found += screens if foreign is None else [foreign]
    return found


def body_elements(screen: PolicyScreen) -> list[UIElement]:
    """The recorded text elements of a policy screen's body (the title left out)."""
    body = set(screen.body)
    return [e for e in screen.snapshot.elements
            if e.kind == "text" and e.native == screen.platform and e.text.strip() in body]


def measured(screen: PolicyScreen) -> list[UIElement]:
    return [e for e in body_elements(screen) if e.font_px is not None and e.contrast is not None]


@dataclass(frozen=True)
class Shortfall:
    """How much of a body falls below a threshold: share of its characters, and the worst value."""

    share: float
    worst: float


def shortfall(elements: list[UIElement], value: Callable[[UIElement], float | None], limit: float) -> Shortfall | None:
    values = [(len(e.text.strip()), v) for e in elements if (v := value(e)) is not None]
    total = sum(n for n, _ in values)
    if not total:
        return None
    below = [(n, v) for n, v in values if v < limit]
    if not below:
        return None
    return Shortfall(sum(n for n, _ in below) / total, min(v for _, v in below))


def _draft(timeline: Timeline, screen: PolicyScreen, concern: str, what: str) -> FindingDraft:
    return FindingDraft(
        rule="POL-003",
        status="warn",
        statement=f"the policy “{shorten(screen.title, 24)}” shown at {since_start(timeline, screen.snapshot.t)} {what}",
        events=[screen.snapshot],
        key=(concern, screen.title),
    )


def concerns(timeline: Timeline, screen: PolicyScreen, config: ProbeConfig) -> Iterator[FindingDraft]:
    elements = measured(screen)
    tiny = shortfall(elements, lambda e: e.font_px, config.policy_min_font_px)
    if tiny is not None and tiny.share >= config.policy_small_share:
        yield _draft(timeline, screen, "tiny_glyphs",
                     f"sets {tiny.share:.0%} of its text below {config.policy_min_font_px:g} px (down to {tiny.worst:g} px)")
    faint = shortfall(elements, lambda e: e.contrast, config.policy_min_contrast)
    if faint is not None and faint.share >= config.policy_small_share:
        yield _draft(timeline, screen, "low_contrast",
                     f"shows {faint.share:.0%} of its text at a contrast below {config.policy_min_contrast:g}:1 "
                     f"(down to {faint.worst:g}:1)")
    problem = script_problem(" ".join(screen.body))
    if problem is not None:
        yield _draft(timeline, screen, "no_zh_hans", f"has no Simplified Chinese text: its body is {problem}")


@probe(
    id="policy_readability",
    title="Privacy policy hard to read: tiny glyphs, low contrast, no Simplified Chinese",
    rules=("POL-003",),
    needs=("policy_screen", "policy_text_measured"),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    seen: set[tuple[str, ...]] = set()
    for screen in privacy_policy_screens(timeline):
        for draft in concerns(timeline, screen, config):
            if draft.key not in seen:  # the same policy on several snapshots: its first showing
                seen.add(draft.key)
                yield draft


# --- evidence checks (probes.evidence EVIDENCE_KINDS) ------------------------------------------------


def has_policy_screen(timeline: Timeline, config: ProbeConfig) -> bool:
    return bool(privacy_policy_screens(timeline))


def has_measured_policy(timeline: Timeline, config: ProbeConfig) -> bool:
    return any(measured(s) for s in privacy_policy_screens(timeline))
