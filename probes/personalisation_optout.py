"""USE-002: personalised content with no way to turn it off within ``crawl_max_taps`` (4) taps.

*Personalisation exists* when a screen of the mini program's own shows ``personalisation_wording``
(个性化推荐, 猜你喜欢, 为你推荐, 根据你的浏览 ...). A *toggle* is a switch or checkbox of its own whose
label matches ``personalisation_toggle_wording``, on a screen a crawl from home reached; it is used where
it is shown, so it is as many taps away as its screen.

- pass when a complete crawl from home saw no personalisation, or a toggle is within the limit of home;
- FAIL when a complete crawl from home (no `from`) covered the limit and found no toggle within it;
- not tested otherwise.
Not judged here: the rule's second half, behaviour data still sent with the toggle off (S9 would need
a scenario that switches it off and then browses).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from harness.timeline import Timeline, UISnapshot
from probes.config import ProbeConfig
from probes.crawled import PASS, UNDECIDED, Verdict, crawls, drafts, path_text, shortest, taps
from probes.evidence import shorten, snapshots
from probes.finding import FindingDraft
from probes.pages import page_texts
from probes.registry import probe


def personalised(timeline: Timeline, config: ProbeConfig) -> tuple[UISnapshot, str] | None:
    wording = re.compile(config.personalisation_wording, re.IGNORECASE)
    for screen in snapshots(timeline):
        text = next((t for t in page_texts(screen) if wording.search(t)), None)
        if text is not None:
            return screen, text
    return None


def has_toggle(screen: UISnapshot, config: ProbeConfig) -> bool:
    label = re.compile(config.personalisation_toggle_wording, re.IGNORECASE)
    return any(e.kind in ("switch", "checkbox") and not e.native and label.search(e.text) for e in screen.elements)


def verdict(timeline: Timeline, config: ProbeConfig) -> Verdict:
    found = personalised(timeline, config)
    limit = config.crawl_max_taps
    home_crawls = [c for c in crawls(timeline) if c.home]
    if found is None:  # no personalisation: decided once a crawl from home covered the limit
        return PASS if any(c.covers_from_home(limit) for c in home_crawls) else UNDECIDED
    nearest = shortest(s for c in home_crawls for s in c.screens if has_toggle(s, config))
    if nearest is not None and taps(nearest) <= limit:
        return PASS
    covering = next((c for c in home_crawls if c.covers_from_home(limit)), None)
    if covering is None:
        return UNDECIDED
    screen, text = found
    statement = (f"personalised content (“{shorten(text)}”) with no switch to turn it off within {limit} taps of "
                 f"home: a complete crawl reached {len(covering.screens)} screens up to {covering.depth} taps")
    shown = [screen]
    if nearest is not None:
        statement += f"; the nearest is {taps(nearest)} taps away ({path_text(nearest)})"
        shown.append(nearest)
    return Verdict("fail", statement, (covering.step, *shown), ("personalisation", str(taps(nearest)) if nearest else "none"))


@probe(
    id="personalisation_optout",
    title="Personalised content without an opt-out within 4 taps",
    rules=("USE-002",),
    needs=("personalisation_switch",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    return drafts("USE-002", verdict(timeline, config))
