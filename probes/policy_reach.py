"""POL-002: the privacy policy is hard to reach — more than ``crawl_max_taps`` (4) taps from home.

A *policy screen* is a crawled screen whose title names a privacy policy (隐私政策, 隐私保护指引,
个人信息保护政策 ...) with policy body text under it (probes/pages.py). The shortest tap path is the crawl's:
a crawl from the home screen reaches every screen first along a shortest path (probes/crawled.py).

- pass when a crawl from home reached a policy screen within the limit;
- FAIL when a complete crawl from home with no `from` covered the limit and reached no policy screen
  within it (the statement names the one it reached further away, if any);
- not tested otherwise (no crawl from home, a crawl cut short by its budget, or one limited by `from`).

WeChat's own guide page (opened by wx.openPrivacyContract from the app, or ···→更多资料→用户隐私保护指引)
is reported separately: a guide reached from the app counts as an in-app path; the capsule menu path
is outside the mini program and is never counted.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.event_views import UISnapshot
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.crawled import (
    PASS,
    UNDECIDED,
    Verdict,
    crawls,
    drafts,
    path_text,
    platform_guide,
    shortest,
    taps,
)
from probes.evidence import per_config
from probes.finding import FindingDraft
from probes.pages import is_policy_screen
from probes.registry import probe


def verdict(timeline: Timeline, config: ProbeConfig) -> Verdict:
    """Worked out once per timeline and config: the evidence check (probes.evidence) asks it first."""
    return per_config(timeline, config, "verdict:policy_reach", _verdict)


def _verdict(timeline: Timeline, config: ProbeConfig) -> Verdict:
    home_crawls = [c for c in crawls(timeline) if c.home]
    policies = [s for c in home_crawls for s in c.screens if is_policy_screen(s)]
    nearest = shortest(policies)
    limit = config.crawl_max_taps
    if nearest is not None and taps(nearest) <= limit:
        return PASS
    covering = next((c for c in home_crawls if c.covers_from_home(limit)), None)
    if covering is None:
        return UNDECIDED
    statement = (f"the privacy policy is {taps(nearest)} taps from home ({_described(nearest, config)}), "
                 f"more than {limit}" if nearest is not None else
                 f"no privacy policy screen within {limit} taps of home: a complete crawl reached "
                 f"{len(covering.screens)} screens up to {covering.depth} taps deep")
    guides = [s for s in policies if platform_guide(s)]
    if guides and guides[0] is not nearest:
        statement += f"; WeChat's own guide page was reached at {taps(guides[0])} taps ({path_text(guides[0])})"
    shown: list[UISnapshot] = [nearest] if nearest is not None else [s for s in covering.screens if s.crawl_path == []]
    return Verdict("fail", statement, (covering.step, *shown), ("policy", str(taps(nearest)) if nearest else "none"))


def _described(screen: UISnapshot, config: ProbeConfig) -> str:
    kind = "WeChat's guide page opened from the app: " if platform_guide(screen) else ""
    return kind + path_text(screen)


@probe(
    id="policy_reach",
    title="Privacy policy more than 4 taps from home",
    rules=("POL-002",),
    needs=("policy_path",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    return drafts("POL-002", verdict(timeline, config))
