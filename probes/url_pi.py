"""SEC-002: identity, bank or phone data in a URL.

FAIL when a flow's URL path or query carries a strong match of ``url_pi_types`` (id_card, bank_card,
phone, passport): URLs end up in logs, proxies and Referer headers. Not checked: "the response carries
the full value while the UI shows it masked" (page texts are not recorded).
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import attrgetter

from harness.event_views import Flow, PIMatch
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import endpoint, program_pi_flows, shorten, types_of, when
from probes.finding import FindingDraft
from probes.registry import probe

URL_LOCATIONS = ("url.", "url:", "path", "query")
_TYPE = attrgetter("type")


def in_url(match: PIMatch) -> bool:
    return match.location.lower().startswith(URL_LOCATIONS)


@probe(
    id="url_pi",
    title="Identity, bank or phone data in URLs",
    rules=("SEC-002",),
    needs=("flow",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    found: dict[str, tuple[list[Flow], list[PIMatch]]] = {}
    wanted = frozenset(config.url_pi_types)
    for flow, program in program_pi_flows(timeline, config):
        if wanted.isdisjoint(map(_TYPE, program)):
            continue  # (the types tested in C: no list made for a flow carrying none of them)
        matches = [m for m in program if m.type in wanted and in_url(m)]
        if matches:
            entry = found.setdefault(endpoint(flow), ([], []))
            entry[0].append(flow)
            entry[1].extend(matches)
    for where, (flows, matches) in found.items():
        yield FindingDraft(
            rule="SEC-002",
            status="fail",
            statement=f"{types_of(matches)} in the URL of {shorten(where, 80)} {when(timeline, [f.t for f in flows])}",
            events=flows,
            key=("url", where, *sorted({m.type for m in matches})),
            data=matches,
        )
