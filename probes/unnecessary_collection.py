"""COL-001: personal data outside the necessary set of the service type (39类), judged in one session.

Needs ``service_type`` (suite/scenario ``probes:``) naming a type of probes.necessary_sets (a type whose
list could not be sourced is not tested). Observed categories are those of POL-004 (a successful
privacy-interface call, program PI in the program's own flows to non-WeChat hosts); WeChat's and the
program's own identifiers and secrets (OpenID, session_key, ...; SEC-004's matter) are left out.

For each category outside the necessary set:
- FAIL when refusing it blocked the program in this session: after a refusal of the scope that carries the
  category (scope.userLocation -> 位置信息, ...), within ``follow_up_window_s``, the program exited, showed
  a dialog saying it cannot be used without agreeing and offering no reject, or asked for it again on two
  consecutive taps on other features (the CON-003 evidence, probes.refusal_blocks). The data itself may
  never have been collected: the refusal is what shows it was demanded;
- WARN when it was collected and nothing shows it was required (an optional category).

Scope, honestly: one session sees one path. "Needed to complete a basic function" is read only from the
blocking evidence after a scope refusal in the same session (an S2-style refusal scenario); a category
without a scope of its own (手机号 typed in, 身份证号码, 设备信息) is never shown to block and can only
WARN. Comparing an S2 session with an S3 one ("works when granted, not when refused") is not done.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.event_views import Event
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import PRIVACY, refusal_windows, since_start, when
from probes.finding import FindingDraft
from probes.necessary_sets import is_necessary
from probes.refusal_blocks import SCOPE_CATEGORY, exits_after, reprompted_taps, walls_after
from probes.registry import probe
from probes.undeclared_collection import observed

# Identifiers and secrets: not "personal information collected for a function" in the 39类 sense.
NOT_JUDGED = frozenset({"OpenID", "UnionID", "session_key", "AppSecret", "access_token", "云服务密钥", "密码",
                        "测试数据"})


def blocked_by_refusal(timeline: Timeline, category: str, config: ProbeConfig) -> list[Event]:
    """The refusal of a scope carrying ``category`` and what blocked the program after it ([]: nothing)."""
    for subject, refusal, end in refusal_windows(timeline):
        if subject == PRIVACY or SCOPE_CATEGORY.get(subject) != category:
            continue
        blocking = (exits_after(timeline, refusal, config) or walls_after(timeline, refusal, config)
                    or reprompted_taps(timeline, subject, refusal, end, config))
        if blocking:
            return [refusal.event, *blocking]
    return []


@probe(
    id="unnecessary_collection",
    title="Personal data beyond the service type's necessary set",
    rules=("COL-001",),
    needs=("service_type", "collection"),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    service = config.service_type or ""
    necessary = config.necessary_categories.get(service, ())
    collected = observed(timeline, config)
    for category in dict.fromkeys([*collected, *SCOPE_CATEGORY.values()]):
        if category in NOT_JUDGED or is_necessary(category, necessary):
            continue
        events = collected.get(category, [])
        blocked = blocked_by_refusal(timeline, category, config)
        if blocked:  # asked for, refused, and the program would not go on without it
            yield FindingDraft(
                rule="COL-001",
                status="fail",
                statement=f"{category} is not necessary for {service} (39类), but refusing it at "
                f"{since_start(timeline, blocked[0].t)} blocked the mini program",
                events=[*events, *blocked],
                key=("category", category),
            )
        elif events:
            yield FindingDraft(
                rule="COL-001",
                status="warn",
                statement=f"{category} collected {when(timeline, [e.t for e in events])}, not necessary for "
                f"{service} (39类): it must stay optional (refusing it leaves the basic function working)",
                events=events,
                key=("category", category),
            )
