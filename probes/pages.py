"""Readings of the recorded screens shared by the probes of what pages show (RTS-003, RTS-005, DIS-002,
and the crawl probes POL-002, RTS-004): which screen is a privacy policy, a screen's title, the screens a
settings crawl reached, and the short controls whose words match a lexicon.

A *policy screen* is a screen whose title names a policy (隐私政策, 隐私保护指引, 用户协议 ...) and which
carries policy body text. The title is where a reader looks for it: the navigation bar's title, the
page's first text, or the title of a platform page layered over the mini program (WeChat's own
用户隐私保护指引, opened by wx.openPrivacyContract). A settings list with a 隐私政策 entry, or a consent
dialog linking 《隐私政策》, is not one: the name is not its title, or there is no body text under it.
All functions are pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache, partial

from harness.event_views import Step, UIElement, UISnapshot
from harness.timeline import Timeline
from probes.evidence import per_timeline, snapshots

PRIVACY_POLICY_NAMES: tuple[str, ...] = (
    "隐私政策", "隐私保护指引", "隐私保护政策", "隐私权政策", "隐私协议", "隐私条款",
    "个人信息保护政策", "个人信息保护指引", "个人信息保护规则", "个人信息处理规则",
)
AGREEMENT_NAMES: tuple[str, ...] = ("用户协议", "用户服务协议", "服务协议", "会员服务协议")
POLICY_NAMES = PRIVACY_POLICY_NAMES + AGREEMENT_NAMES  # what a user reads for the handler's terms and contact
# Words a policy body uses; a screen needs BODY_MIN_WORDS of them and BODY_MIN_CHARS of text under its title.
BODY_WORDS: tuple[str, ...] = ("收集", "使用", "个人信息", "存储", "保存", "共享", "提供", "保护", "权利", "删除",
                               "处理", "同意", "授权", "注销")
BODY_MIN_WORDS = 2
BODY_MIN_CHARS = 60
TITLE_MAX_CHARS = 32
# The navigation bar's capsule and back glyphs: drawn on every screen, never a title.
CHROME_TEXTS = frozenset({"···", "•••", "◎", "⊙", "○", "‹", "<", "〈", "返回"})
BACK_WORDS = ("返回",)
# The page-state script clips each text at 300 characters and stops at 800 elements (harness/drivers/sim.py):
# a screen at either limit may hold more than was recorded.
TEXT_CLIP_CHARS = 300
ELEMENT_LIMIT = 800


def _title_pattern(names: Sequence[str]) -> re.Pattern[str]:
    return _compiled_title_pattern(tuple(names))


@lru_cache(maxsize=64)
def _compiled_title_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """A text that is a policy's name: 《悦享会员隐私政策》, 隐私政策, 用户隐私保护指引 — not a sentence naming it
    (built once per list of names: it is asked for every snapshot)."""
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(rf"^[《〈「【]?[^《》〈〉「」【】，。！？,.!?:：]{{0,16}}?(?:{alternatives})[》〉」】]?$")


@dataclass(frozen=True)
class PolicyScreen:
    """A recorded screen showing a policy: its snapshot, its title, the body texts and controls under the title,
    whether it is the platform's page (WeChat's guide, drawn over the mini program) or the program's own,
    and whether the recording may have cut it (a clipped text or the element limit)."""

    snapshot: UISnapshot
    title: str
    body: tuple[str, ...]
    controls: tuple[UIElement, ...]
    platform: bool
    clipped: bool

    @property
    def text(self) -> str:
        return " ".join((self.title, *self.body))


def is_chrome(text: str) -> bool:
    return text.strip() in CHROME_TEXTS


def nav_title(snapshot: UISnapshot) -> str | None:
    """The navigation bar's title: the platform-drawn texts before the page's first element, capsule left out."""
    for element in snapshot.elements:
        if not element.native:
            return None
        if element.kind == "text" and element.text.strip() and not is_chrome(element.text):
            return element.text.strip()
    return None


def page_texts(snapshot: UISnapshot) -> list[str]:
    """The mini program's own texts (platform-drawn ones left out); all texts when no elements were recorded."""
    if not snapshot.elements:  # (is_chrome inline: asked for every text of every snapshot by several probes)
        return [t for t in map(str.strip, snapshot.texts) if t and t not in CHROME_TEXTS]
    return [t for e in snapshot.elements if e.kind == "text" and not e.native and (t := e.text.strip())]


def first_page_text(snapshot: UISnapshot) -> str | None:
    """``page_texts(snapshot)[0]`` (None: no text), without the rest: a title is looked for on every snapshot."""
    if not snapshot.elements:
        texts = snapshot.texts
        if texts and (first := texts[0].strip()) and first not in CHROME_TEXTS:
            return first  # (most screens: their first text, without a generator over the rest)
        return next((t for t in map(str.strip, texts) if t and t not in CHROME_TEXTS), None)
    return next((t for e in snapshot.elements if e.kind == "text" and not e.native and (t := e.text.strip())), None)


def screens_with_texts(timeline: Timeline) -> Iterator[tuple[UISnapshot, Sequence[str]]]:
    """(snapshot, ``page_texts(snapshot)``) for every snapshot holding page state, in time order: several
    probes search every text of every screen, and the texts are picked out once per timeline (read-only:
    a snapshot whose texts are all its own already shares its ``texts`` list, no copy per snapshot)."""
    return zip(snapshots(timeline), per_timeline(timeline, "page texts", _all_page_texts), strict=True)


def _all_page_texts(timeline: Timeline) -> list[Sequence[str]]:
    found: list[Sequence[str]] = []
    for snapshot in snapshots(timeline):
        texts = page_texts(snapshot)
        found.append(snapshot.texts if not snapshot.elements and texts == snapshot.texts else texts)
    return found


def platform_pages(snapshot: UISnapshot) -> list[tuple[str, list[UIElement]]]:
    """Platform pages over the mini program (a native 返回 button, then the page's title and body): each title
    with the platform elements after it."""
    layers: list[tuple[str, list[UIElement]]] = []
    elements = snapshot.elements
    for index, element in enumerate(elements):
        if not (element.native and element.kind == "button" and element.text.strip() in BACK_WORDS):
            continue
        rest = [e for e in elements[index + 1 :] if e.native and e.text.strip() and e.text.strip() not in BACK_WORDS]
        title = next((e for e in rest if e.kind == "text"), None)
        if title is not None:
            layers.append((title.text.strip(), rest[rest.index(title) + 1 :]))
    return layers


def _has_body(texts: Iterable[str]) -> bool:
    body = " ".join(texts)
    chars = sum(1 for c in body if not c.isspace())
    return chars >= BODY_MIN_CHARS and sum(1 for w in BODY_WORDS if w in body) >= BODY_MIN_WORDS


def _clipped(snapshot: UISnapshot, texts: Iterable[str]) -> bool:
    return len(snapshot.elements) >= ELEMENT_LIMIT or any(len(t) >= TEXT_CLIP_CHARS for t in texts)


def _is_title(text: str | None, pattern: re.Pattern[str]) -> bool:
    """``text`` may be a screen's title of the names ``pattern`` matches (short, and one of them)."""
    return bool(text) and len(text) <= TITLE_MAX_CHARS and pattern.match(text) is not None  # type: ignore[arg-type]


def policy_screens_of(snapshot: UISnapshot, names: Sequence[str] = PRIVACY_POLICY_NAMES,
                      titles: tuple[str | None, str | None] | None = None) -> list[PolicyScreen]:
    """The policy screens one snapshot shows (a platform guide may lie over the program's own policy page).
    ``titles``: its (nav_title, first_page_text), when the caller has them (``screens_with_titles``)."""
    pattern = _title_pattern(names)
    found: list[PolicyScreen] = []
    for title, layer in platform_pages(snapshot):
        body = [e.text.strip() for e in layer if e.kind == "text" and e.text.strip() != title]
        if pattern.match(title) and _has_body(body):
            controls = tuple(e for e in layer if e.kind != "text")
            found.append(PolicyScreen(snapshot, title, tuple(body), controls, True, _clipped(snapshot, body)))
    heading = next((t for t in (titles or (nav_title(snapshot), first_page_text(snapshot))) if _is_title(t, pattern)),
                   None)
    if heading is not None:  # (the page's texts only then: most screens have no policy title)
        body = [t for t in page_texts(snapshot) if t != heading]
        if _has_body(body):
            controls = tuple(e for e in snapshot.elements if not e.native and e.kind != "text")
            found.append(PolicyScreen(snapshot, heading, tuple(body), controls, False, _clipped(snapshot, body)))
    return found


def is_policy_screen(snapshot: UISnapshot, names: Sequence[str] = PRIVACY_POLICY_NAMES) -> bool:
    """The snapshot shows a policy (its title names one, with policy body text under it)."""
    return bool(policy_screens_of(snapshot, names))


def policy_screens(timeline: Timeline, names: Sequence[str] = PRIVACY_POLICY_NAMES) -> list[PolicyScreen]:
    """Every policy screen recorded in the session, in time order (read once per timeline and names:
    several probes and evidence checks ask)."""
    key = ("policy screens", tuple(names))
    return list(per_timeline(timeline, key, lambda tl: _policy_screens(tl, key[1])))


def _policy_screens(timeline: Timeline, names: tuple[str, ...]) -> list[PolicyScreen]:
    """A snapshot without elements has no platform page and no navigation bar: it shows a policy only when
    its first text is a policy's title (tested first, before any other reading of the snapshot)."""
    titled = cache(partial(_is_title, pattern=_title_pattern(names)))  # (once per distinct first text)
    return [
        screen for snapshot, nav, first in screens_with_titles(timeline)
        if snapshot.elements or titled(first)
        for screen in policy_screens_of(snapshot, names, (nav, first))
    ]


# --- the settings crawl (scenario step `crawl`, harness/crawl.py) ------------------------------------------

CRAWL_DETAIL = re.compile(r"^(\d+) screens, depth (\d+)")


def crawl_steps(timeline: Timeline) -> list[Step]:
    return [s for s in timeline.of(Step) if s.action == "crawl"]


def crawl_completed(step: Step) -> bool:
    """The crawl step completed (result ok, with its depth): every screen within that depth was reached."""
    return step.result == "ok" and crawl_depth(step) is not None


def complete_crawls(timeline: Timeline) -> list[Step]:
    return [s for s in crawl_steps(timeline) if crawl_completed(s)]


def crawl_depth(step: Step) -> int | None:
    """The depth a crawl step reached ("12 screens, depth 4" in its detail)."""
    found = CRAWL_DETAIL.match(step.detail or "")
    return int(found.group(2)) if found else None


def below(screen: UISnapshot, ancestor: UISnapshot) -> bool:
    """``screen`` was reached from ``ancestor`` in the same crawl (its path extends the ancestor's)."""
    if screen.crawl_path is None or ancestor.crawl_path is None:
        return False
    return len(screen.crawl_path) > len(ancestor.crawl_path) and screen.crawl_path[: len(ancestor.crawl_path)] == \
        ancestor.crawl_path


# --- controls ----------------------------------------------------------------------------------------------

CONTROL_MAX_CHARS = 12


def controls_matching(snapshot: UISnapshot, pattern: re.Pattern[str], max_chars: int = CONTROL_MAX_CHARS,
                      *, own_only: bool = True) -> list[UIElement]:
    """Short texts and controls (a button, a link, a cell's label) matching ``pattern``: what a user taps, not a
    sentence that mentions the words. ``own_only``: the mini program's own, not the platform's chrome."""
    return [
        e for e in snapshot.elements
        if (not own_only or not e.native) and e.kind != "checkbox" and 0 < len(e.text.strip()) <= max_chars
        and pattern.search(e.text)
    ]


def screen_titles(snapshot: UISnapshot) -> list[str]:
    """The texts a reader takes for the screen's title: the navigation bar's, then the page's first text."""
    return [t for t in (nav_title(snapshot), first_page_text(snapshot)) if t]


def screens_with_titles(timeline: Timeline) -> Iterator[tuple[UISnapshot, str | None, str | None]]:
    """(snapshot, nav_title, first_page_text) for every snapshot holding page state, in time order: the
    title candidates, read once per timeline (the policy, profile and readability readings each look for
    a title on every screen)."""
    navs, firsts = per_timeline(timeline, "screen titles", _screen_titles)
    return zip(snapshots(timeline), navs, firsts, strict=True)


def _screen_titles(timeline: Timeline) -> tuple[list[str | None], list[str | None]]:
    navs: list[str | None] = []
    firsts: list[str | None] = []
    for snapshot in snapshots(timeline):
        navs.append(nav_title(snapshot) if snapshot.elements else None)  # (no elements: no navigation bar)
        firsts.append(first_page_text(snapshot))
    return navs, firsts


# --- the user's own data (RTS-003) -------------------------------------------------------------------------

PROFILE_TITLE = re.compile(
    r"^(?:我的|编辑|查看|修改)?(?:个人信息|个人资料|我的信息|我的资料|账号信息|账户信息|基本信息|用户信息|会员信息|会员资料|资料)$"
)


def is_profile_title(titles: list[str]) -> bool:
    """A screen with these ``screen_titles`` is a page of the user's own data (个人信息, 个人资料, 我的信息 ... as
    its title), not a policy about it. The title is the navigation bar's; the page's first text only when
    the bar has none (a custom bar): the 我的 page's first cell is often 个人资料."""
    return bool(titles) and PROFILE_TITLE.match(titles[0]) is not None


def profile_screens(timeline: Timeline) -> list[UISnapshot]:
    """The profile screens of the session, in time order (read once per timeline: the evidence check and
    RTS-003 ask)."""
    return list(per_timeline(timeline, "profile screens", lambda tl: [
        s for s, nav, first in screens_with_titles(tl) if _profile_titled(nav, first)]))


@lru_cache(maxsize=4096)
def _profile_titled(nav: str | None, first: str | None) -> bool:
    """``is_profile_title`` of a screen's (nav_title, first_page_text): asked of every screen, of the same
    few titles screen after screen (answered once each)."""
    return is_profile_title([t for t in (nav, first) if t])


MORE_INFO_TITLE = "更多资料"  # WeChat's page behind the capsule's ···: the program's name and 账号主体


def shows_platform_page(snapshot: UISnapshot, title: str) -> bool:
    """The snapshot shows the platform's page of that title (更多资料, drawn by WeChat over the program)."""
    return any(shown == title for shown, _ in platform_pages(snapshot))


def more_info_shown(timeline: Timeline) -> bool:
    """更多资料 was recorded (the scenario tapped the capsule's ···)."""
    return any(s.elements and shows_platform_page(s, MORE_INFO_TITLE) for s in timeline.of(UISnapshot))
