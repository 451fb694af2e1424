"""POL-005: a new version uses a category the previous one did not, with no new notice or consent.

Needs ``previous_categories`` (suite/scenario ``probes:``): the categories version N collected, in the
observed categories' wording (POL-004's: privacy-interface categories and recogniser categories), e.g.
read from version N's rules.json / findings or its privacy guide. Run version N+1 as the returning user
(a scenario with ``returning_user:``, so no first-use popup stands in for the update notice).

FAIL (medium) per category collected in this session that is not in ``previous_categories`` when no
privacy notice or consent of this session came before its first use: WeChat's privacy popup, a developer
dialog asking for the privacy agreement (privacy wording), or a privacy agreement (popup, dialog or the
page's own 我已阅读并同意《…》).

Scope: one session of version N+1 against a list for version N: the probe does not read version N's
session itself, and a notice is any privacy notice, not one that names the new category.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.event_views import Event, Prompt
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import PRIVACY, is_before, privacy_agreements, prompt_subjects, since_start, when
from probes.finding import FindingDraft
from probes.registry import probe
from probes.undeclared_collection import observed

CARRIED_OVER = "returning_user"  # Consent.how of an agreement from before the session (harness.profiles)
NOT_JUDGED = frozenset({"OpenID", "UnionID", "session_key", "AppSecret", "access_token", "云服务密钥", "测试数据"})


def notices(timeline: Timeline, config: ProbeConfig) -> list[Event]:
    """This session's privacy notices and agreements, in time order (a returning user's agreement carried
    over from before, harness.profiles.CARRIED_OVER, told them nothing about this version)."""
    shown: list[Event] = [p for p in timeline.of(Prompt) if PRIVACY in prompt_subjects(p, config)]
    agreed = [c for c in privacy_agreements(timeline) if c.how != CARRIED_OVER]
    return sorted([*shown, *agreed], key=lambda e: (e.t, e.seq))


@probe(
    id="changed_collection",
    title="New category after an update without a new notice",
    rules=("POL-005",),
    needs=("previous_categories", "collection"),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    before = set(config.previous_categories or ())
    told = notices(timeline, config)
    error = timeline.clock_error_ns
    for category, events in observed(timeline, config).items():
        if category in before or category in NOT_JUDGED:
            continue
        first = min(events, key=lambda e: (e.t, e.seq))
        if any(is_before(n.t, first.t, error) for n in told):
            continue
        yield FindingDraft(
            rule="POL-005",
            status="fail",
            statement=f"{category}, not collected by the previous version, collected "
            f"{when(timeline, [e.t for e in events])} with no privacy notice or consent before its first use "
            f"at {since_start(timeline, first.t)}",
            events=events,
            key=("category", category),
        )
