"""USE-001: personal data given to a third party without consent or disclosure.

A third-party flow goes to a host on ``tracker_hosts`` (WECHAT.md's analytics endpoints) or, when
``first_party_domains`` is configured, to any host outside them (WeChat platform hosts excluded). It
fails when it carries program PI before the first privacy consent (the whole session without one), or
at any time to a third party not in ``disclosed_third_parties`` (when configured); high severity when the data is
sensitive (PIPL 28), medium otherwise. One finding per host.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.event_views import Flow, PIMatch
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import (
    host_in,
    is_before,
    is_platform_host,
    is_sensitive,
    program_pi_flows,
    since_start,
    t_consent,
    types_of,
    when,
)
from probes.finding import FindingDraft
from probes.registry import probe


def is_third_party(flow: Flow, config: ProbeConfig) -> bool:
    if is_platform_host(flow.host, config):
        return False
    if host_in(flow.host, config.tracker_hosts):
        return True
    return bool(config.first_party_domains) and not host_in(flow.host, config.first_party_domains)


@probe(
    id="third_party_sharing",
    title="Personal data shared with third parties without consent",
    rules=("USE-001",),
    needs=("flow",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    consented = t_consent(timeline)
    error = timeline.clock_error_ns
    by_host: dict[str, tuple[list[Flow], list[PIMatch], list[str]]] = {}
    for flow, matches in program_pi_flows(timeline, config):
        if not is_third_party(flow, config):
            continue
        reasons = []
        if consented is None or is_before(flow.t, consented, error):
            reasons.append("before consent")
        disclosed = config.disclosed_third_parties
        if disclosed is not None and not host_in(flow.host, disclosed):
            reasons.append("undisclosed")
        if reasons:
            entry = by_host.setdefault(flow.host.lower(), ([], [], []))
            entry[0].append(flow)
            entry[1].extend(matches)
            entry[2].extend(reasons)
    for host, (flows, matches, reasons) in by_host.items():
        why = []
        if "before consent" in reasons:
            why.append(
                "with no privacy consent in the session"
                if consented is None
                else f"before the privacy consent at {since_start(timeline, consented)}"
            )
        if "undisclosed" in reasons:
            why.append("to a third party not disclosed in the probe configuration")
        yield FindingDraft(
            rule="USE-001",
            status="fail",
            severity="high" if any(is_sensitive(m) for m in matches) else "medium",
            statement=f"{types_of(matches)} sent to third party {host} {when(timeline, [f.t for f in flows])} "
            + " and ".join(why),
            events=flows,
            key=("host", host),
            data=matches,
        )
