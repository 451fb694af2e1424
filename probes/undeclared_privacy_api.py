"""PLAT-001: a privacy interface the privacy guide does not declare, or one WeChat banned.

FAIL for each API whose call failed with errno 112 / "api scope is not declared in the privacy
agreement", or with "privacy api banned".
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.catalogue import category_of
from harness.event_views import ApiCall
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import calls_with_errors, when
from probes.finding import FindingDraft
from probes.registry import probe

UNDECLARED_ERRNO = 112


def problem(call: ApiCall) -> str | None:
    message = (call.err_msg or "").lower()
    if call.errno == UNDECLARED_ERRNO or "not declared in the privacy agreement" in message:
        return "undeclared"
    if "privacy api banned" in message:
        return "banned"
    return None


@probe(
    id="undeclared_privacy_api",
    title="Privacy interface undeclared in the guide or banned",
    rules=("PLAT-001",),
    needs=("api_call",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    found: dict[tuple[str, str], list[ApiCall]] = {}
    for call in calls_with_errors(timeline):
        if call.errno is None and call.err_msg is None:
            continue  # (what problem() would say, without a call)
        why = problem(call)
        if why is not None:
            found.setdefault((call.api, why), []).append(call)
    for (api, why), calls in found.items():
        category = category_of(api)
        what = f"{api} ({category})" if category else api
        text = (
            "is not declared in the privacy guide"
            if why == "undeclared"
            else "is banned for this mini program"
        )
        yield FindingDraft(
            rule="PLAT-001",
            status="fail",
            statement=f"{what} failed {when(timeline, [c.t for c in calls])}: it {text}",
            events=calls,
            key=(why, api),
        )
