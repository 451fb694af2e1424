"""USE-002: personalised content with no way to turn it off within ``crawl_max_taps`` (4) taps.

*Personalisation exists* when a screen of the mini program's own shows ``personalisation_wording``
(个性化推荐, 猜你喜欢, 为你推荐, 根据你的浏览 ...). A *toggle* is a switch or checkbox of its own whose
label matches ``personalisation_toggle_wording``, on a screen a crawl from home reached; it is used where
it is shown, so it is as many taps away as its screen.

- pass when a complete crawl from home saw no personalisation, or a toggle is within the limit of home;
- FAIL when a complete crawl from home (no `from`) covered the limit and found no toggle within it;
- FAIL (the rule's second half, S9) when after a scenario step `switch: {个性化推荐: off}` the program still
  sends requests to endpoints that carry behaviour data or ask for personalised content
  (``behaviour_endpoint_wording``: recommend, track, history ...);
- not tested otherwise (a switch-off with nothing sent after it decides nothing about the first half).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from itertools import chain
from operator import itemgetter

from harness.event_views import Step, UISnapshot
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.crawled import PASS, UNDECIDED, Verdict, crawls, drafts, path_text, shortest, taps
from probes.evidence import endpoint, own_flows, per_config, shorten, since_start, stable_path
from probes.finding import FindingDraft
from probes.pages import screens_with_texts
from probes.registry import probe

_TEXTS = itemgetter(1)  # of (snapshot, its page texts)


def personalised(timeline: Timeline, config: ProbeConfig) -> tuple[UISnapshot, str] | None:
    says_personalised = cache(re.compile(config.personalisation_wording, re.IGNORECASE).search)  # (once a text)
    if not any(map(says_personalised, chain.from_iterable(map(_TEXTS, screens_with_texts(timeline))))):
        return None  # (most sessions: every text of every screen looked at in one pass in C, no loop per screen)
    for screen, texts in screens_with_texts(timeline):
        text = next(filter(says_personalised, texts), None)
        if text is not None:
            return screen, text
    return None


def has_toggle(screen: UISnapshot, config: ProbeConfig) -> bool:
    label = re.compile(config.personalisation_toggle_wording, re.IGNORECASE)
    return any(e.kind in ("switch", "checkbox") and not e.native and label.search(e.text) for e in screen.elements)


def switched_off(timeline: Timeline, config: ProbeConfig) -> list[tuple[Step, str]]:
    """Scenario `switch` steps that turned a personalisation switch off, with its label."""
    label = re.compile(config.personalisation_toggle_wording, re.IGNORECASE)
    found = []
    for step in timeline.of(Step):
        if step.action != "switch" or step.result != "ok":
            continue
        try:
            states = json.loads(step.target or "{}")
        except json.JSONDecodeError:
            continue
        found += [(step, name) for name, on in (states.items() if isinstance(states, dict) else [])
                  if on is False and label.search(name)]
    return found


def still_flowing(timeline: Timeline, config: ProbeConfig) -> Verdict | None:
    """The rule's second half: behaviour data or personalised requests sent after the switch was turned off."""
    endpoint_pattern = re.compile(config.behaviour_endpoint_wording, re.IGNORECASE)
    for step, name in switched_off(timeline, config):
        flows = [f for f in own_flows(timeline) if f.t > step.t and endpoint_pattern.search(endpoint(f))]
        if flows:
            return Verdict("fail", f"behaviour data still sent after “{shorten(name)}” was switched off at "
                           f"{since_start(timeline, step.t)}: {flows[0].method} {shorten(endpoint(flows[0]), 60)}"
                           + (f" and {len(flows) - 1} more" if len(flows) > 1 else ""),
                           (step, *flows[:3]), ("still-flowing", stable_path(flows[0].url)))
    return None


def verdict(timeline: Timeline, config: ProbeConfig) -> Verdict:
    """Worked out once per timeline and config: the evidence check (probes.evidence) asks it first."""
    return per_config(timeline, config, "verdict:personalisation_optout", _verdict)


def _verdict(timeline: Timeline, config: ProbeConfig) -> Verdict:
    flowing = still_flowing(timeline, config)
    if flowing is not None:
        return flowing
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
