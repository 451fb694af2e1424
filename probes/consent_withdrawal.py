"""RTS-004: no way to withdraw consent — neither the policy nor the app offers it.

A *means of withdrawal* is a text of the mini program's own on any recorded screen (crawled or tapped
to: the policy's body counts, a settings cell counts) matching ``withdrawal_wording`` (撤回同意,
取消授权, 关闭个性化, 授权管理 ...), or a switch whose label matches
``personalisation_toggle_wording`` (turning personalised processing off is withdrawing that consent).
WeChat's own pages are left out: the scope switches of wx.openSetting withdraw *scopes*, and the rule is
about the categories outside them. Account deletion (注销) is not withdrawal: the user must be able to
withdraw and keep the service (PIPL 15-16).

- pass when a means of withdrawal was seen;
- FAIL when none was after a complete crawl (the policy too, when it was shown);
- WARN when only the policy was shown and offers none: the app's own screens were not crawled;
- not tested with neither a complete crawl nor a policy screen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from itertools import chain
from operator import itemgetter

from harness.event_views import UISnapshot
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.crawled import PASS, UNDECIDED, Verdict, crawls, drafts
from probes.evidence import element_snapshots, per_config
from probes.finding import FindingDraft
from probes.pages import page_texts, policy_screens, screens_with_texts
from probes.registry import probe

_TEXTS = itemgetter(1)  # of (snapshot, its page texts)


def offers_withdrawal(screen: UISnapshot, says_withdrawal: Callable[[str], object], toggle: re.Pattern[str],
                      texts: Sequence[str] | None = None) -> bool:
    """``says_withdrawal``: a search of ``withdrawal_wording``; ``texts``: the screen's page_texts, when the
    caller has them."""
    if any(map(says_withdrawal, page_texts(screen) if texts is None else texts)):
        return True
    return any(e.kind == "switch" and not e.native and toggle.search(e.text) for e in screen.elements)


def _any_offers(timeline: Timeline, says_withdrawal: Callable[[str], object], toggle: re.Pattern[str]) -> bool:
    """``offers_withdrawal`` of any screen: every page text of every screen searched in one pass in C (the
    screens in any order: a yes or no), then the switches of the screens that recorded controls (a screen
    of texts alone has none)."""
    if any(map(says_withdrawal, chain.from_iterable(map(_TEXTS, screens_with_texts(timeline))))):
        return True
    return any(offers_withdrawal(s, says_withdrawal, toggle, ()) for s in element_snapshots(timeline))


def _policy_snapshots(timeline: Timeline) -> list[UISnapshot]:
    """The snapshots showing a privacy policy (is_policy_screen), from the session's policy screens."""
    found: list[UISnapshot] = []
    for screen in policy_screens(timeline):
        if not found or found[-1] is not screen.snapshot:
            found.append(screen.snapshot)
    return found


def verdict(timeline: Timeline, config: ProbeConfig) -> Verdict:
    """Worked out once per timeline and config: the evidence check (probes.evidence) asks it first."""
    return per_config(timeline, config, "verdict:consent_withdrawal", _verdict)


def _verdict(timeline: Timeline, config: ProbeConfig) -> Verdict:
    wording = re.compile(config.withdrawal_wording, re.IGNORECASE)
    toggle = re.compile(config.personalisation_toggle_wording, re.IGNORECASE)
    said = cache(wording.search)  # (each distinct text searched once: screens repeat their texts)
    if _any_offers(timeline, said, toggle):
        return PASS
    complete = [c for c in crawls(timeline) if c.complete]
    policies = _policy_snapshots(timeline)
    if not complete and not policies:
        return UNDECIDED
    screens = f"the {sum(len(c.screens) for c in complete)} screens a complete crawl reached"
    if policies and complete:
        why = f"neither the privacy policy nor {screens} offer one"
    elif policies:
        why = "the privacy policy does not offer one"
    else:
        why = f"none of {screens} offers one"
    events = tuple([c.step for c in complete[:1]] + policies[:1])
    status = "fail" if complete else "warn"  # without a crawl the app's own screens may still offer it
    return Verdict(status, f"no way to withdraw consent: {why}", events, ("withdrawal",))


@probe(
    id="consent_withdrawal",
    title="No way to withdraw consent",
    rules=("RTS-004",),
    needs=("withdrawal_means",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    return drafts("RTS-004", verdict(timeline, config))
