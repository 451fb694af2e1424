"""RTS-001: an app with its own accounts and no account deletion within reach — no 注销 / 删除账号
within ``crawl_max_taps`` (4) taps of 我的 / 设置.

*Own accounts*: a screen shows ``account_words`` (登录, 注册, 账号, 我的 ...). *Anchors*: crawled
screens opened by a tap on exactly one of ``account_anchor_words`` (我的, 设置, 个人中心 ...), or a
crawl's start screen titled so. *Deletion entry*: a short text (a control, not body text) of a crawled
screen matching ``deletion_wording``; the crawl sees it and never taps it, so it is
(taps from the anchor to its screen) + 1 taps away.

- pass when a complete crawl saw no own accounts, or an entry is within the limit of an anchor;
- FAIL when complete crawls reached every screen within limit - 1 taps below every anchor (or, with
  no anchor at all, every screen within the limit from home) and no entry was within the limit;
- not tested otherwise (no crawl, or one cut short before it covered that).
Not judged here: unreasonable conditions on the deletion itself (the second half of the rule).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache

from harness.event_views import UISnapshot
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.crawled import PASS, UNDECIDED, Crawl, Verdict, crawls, drafts, matching, path_text
from probes.evidence import lexicon_matcher, normalise, per_config, shorten
from probes.finding import FindingDraft
from probes.pages import screens_with_texts
from probes.registry import probe


def own_account_screen(timeline: Timeline, config: ProbeConfig) -> tuple[UISnapshot, str] | None:
    """The first screen that shows the app keeps accounts, with the text that shows it (the words in
    ``account_words`` order: 登录 or 账号 says more than a 我的 tab)."""
    words = tuple(config.account_words)
    matchers = [lexicon_matcher((word,)) for word in words]
    first: list[tuple[UISnapshot, str] | None] = [None] * len(matchers)  # each word's first screen and text
    deciding = len(words)  # only the words before the earliest word found so far can still decide
    any_word = lexicon_matcher(words)  # most screens show none: one test, not one per word
    shows_any = _per_screen_text(any_word)
    for screen, texts in screens_with_texts(timeline):  # one pass, whole screens tried first
        if not shows_any(" ".join(texts)):  # (a word in one text is in them all joined)
            continue
        norms = [normalise(t) for t in texts]  # each text normalised once
        joined = "\n".join(norms)
        if not any_word(joined):
            continue
        for index in range(deciding):
            matches = matchers[index]
            if first[index] is None and matches(joined):
                first[index] = screen, next(t for t, n in zip(texts, norms, strict=True) if matches(n))
        found = next((index for index in range(deciding) if first[index] is not None), deciding)
        if found == 0:
            break  # the first word decides
        if found < deciding:
            deciding = found
            any_word = lexicon_matcher(words[:deciding])
            shows_any = _per_screen_text(any_word)
    return next((found for found in first if found is not None), None)


def _per_screen_text(matches: Callable[[str], object]) -> Callable[[str], bool]:
    """Whether ``matches`` finds a word in a screen's texts joined (normalised first), answered once per
    distinct joined text: screens show the same texts again and again (bounded: a long session's
    distinct screens are not all kept)."""
    return lru_cache(maxsize=1024)(lambda joined: bool(matches(normalise(joined))))


def anchors(crawl: Crawl, config: ProbeConfig) -> list[UISnapshot]:
    """The crawl's 我的 / 设置 screens: opened by a tap on such a word, or a start screen titled so."""
    words = {w.strip() for w in config.account_anchor_words}
    found = []
    for screen in crawl.screens:
        path = screen.crawl_path or []
        if (path and path[-1].strip() in words) or (not path and screen.texts[:1] and screen.texts[0].strip() in words):
            found.append(screen)
    return found


def _below(screen: UISnapshot, anchor: UISnapshot) -> int | None:
    """Taps from the anchor to the screen when the screen's path runs through it, else None."""
    here, there = screen.crawl_path or [], anchor.crawl_path or []
    return len(here) - len(there) if here[:len(there)] == there else None


def nearest_entry(crawl: Crawl, config: ProbeConfig) -> tuple[int, UISnapshot, str] | None:
    """(taps from the nearest anchor, or from the start without one; the screen showing it; its text)."""
    best: tuple[int, UISnapshot, str] | None = None
    bases = anchors(crawl, config) or [s for s in crawl.screens if s.crawl_path == []]
    for screen in crawl.screens:
        text = matching(screen, config.deletion_wording)
        if text is None:
            continue
        for base in bases:
            below = _below(screen, base)
            if below is not None and (best is None or below + 1 < best[0]):
                best = (below + 1, screen, text)
    return best


def _covered(crawl: Crawl, config: ProbeConfig) -> bool:
    limit = config.crawl_max_taps
    found = anchors(crawl, config)
    if not found:
        return crawl.covers_from_home(limit)
    return all(crawl.covers_below(anchor, limit - 1) for anchor in found)


def verdict(timeline: Timeline, config: ProbeConfig) -> Verdict:
    """Worked out once per timeline and config: the evidence check (probes.evidence) asks it first."""
    return per_config(timeline, config, "verdict:deletion_entry", _verdict)


def _verdict(timeline: Timeline, config: ProbeConfig) -> Verdict:
    account = own_account_screen(timeline, config)
    all_crawls = crawls(timeline)
    if account is None:  # no accounts: decided once a complete crawl looked for them
        return PASS if any(c.complete for c in all_crawls) else UNDECIDED
    limit = config.crawl_max_taps
    entries = [e for c in all_crawls if (e := nearest_entry(c, config)) is not None]
    nearest = min(entries, key=lambda e: e[0], default=None)
    if nearest is not None and nearest[0] <= limit:
        return PASS
    covering = next((c for c in all_crawls if _covered(c, config)), None)
    if covering is None:
        return UNDECIDED
    screen, text = account
    statement = (f"the app keeps accounts (“{shorten(text)}”) but offers no account deletion within {limit} taps "
                 f"of 我的/设置: a complete crawl reached {len(covering.screens)} screens up to {covering.depth} taps")
    shown: list[UISnapshot] = [screen]
    if nearest is not None:
        statement += f"; the nearest, “{shorten(nearest[2])}”, is {nearest[0]} taps away ({path_text(nearest[1])})"
        shown.append(nearest[1])
    return Verdict("fail", statement, (covering.step, *shown), ("deletion", str(nearest[0]) if nearest else "none"))


@probe(
    id="deletion_entry",
    title="No account deletion within 4 taps of 我的/设置",
    rules=("RTS-001",),
    needs=("deletion_path",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    return drafts("RTS-001", verdict(timeline, config))

