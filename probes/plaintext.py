"""SEC-001: personal data sent without encryption.

FAIL: a flow over http:// or ws:// carrying strong PI (one finding per scheme + host/path); a raw
socket call (create*/connect/write/send: config.raw_socket_apis) whose arguments carry PI matches.
WARN: plaintext flows without strong PI (one finding per scheme + host); TLS below 1.2 (per host and
version); a raw socket call whose sent data was not scanned. Socket payloads are only judged from
PI matches the recorder attached to the call (``args["pi"]``, harness.instrument.frida scans the
data of TCPSocket.write / UDPSocket.send); see probes.evidence.api_call_pi.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from harness.event_views import ApiCall, Flow
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import (
    api_call_pi,
    calls_of,
    endpoint,
    own_flows,
    program_pi,
    shorten,
    since_start,
    types_of,
)
from probes.finding import FindingDraft
from probes.registry import probe


def _when(timeline: Timeline, moments: Sequence[int]) -> str:
    if len(moments) == 1:
        return f"at {since_start(timeline, moments[0])}"
    return f"{len(moments)} times from {since_start(timeline, moments[0])}"


def _types(events: Sequence[Flow | ApiCall], config: ProbeConfig) -> str:
    matches = [m for e in events for m in (e.pi if isinstance(e, Flow) else api_call_pi(e))]
    return types_of(program_pi(matches, config))


def flow_scheme(flow: Flow) -> str:
    """The scheme as the user's data travelled: a WebSocket upgraded from http:// is ws://."""
    scheme = flow.scheme.lower()
    if flow.websocket:
        return {"http": "ws", "https": "wss"}.get(scheme, scheme)
    return scheme


@probe(
    id="plaintext",
    title="Personal data sent without encryption",
    rules=("SEC-001",),
    needs=("flow",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    with_pi: dict[tuple[str, str], list[Flow]] = {}
    without_pi: dict[tuple[str, str], list[Flow]] = {}
    weak_tls: dict[tuple[str, str], list[Flow]] = {}
    for flow in own_flows(timeline):
        scheme = flow_scheme(flow)
        if scheme in config.plaintext_schemes:
            if program_pi(flow.pi, config):
                with_pi.setdefault((scheme, endpoint(flow)), []).append(flow)
            else:
                without_pi.setdefault((scheme, flow.host.lower()), []).append(flow)
        elif flow.tls_version is not None and flow.tls_version in config.weak_tls_versions:
            weak_tls.setdefault((flow.host.lower(), flow.tls_version), []).append(flow)

    for (scheme, where), flows in with_pi.items():
        yield FindingDraft(
            rule="SEC-001",
            status="fail",
            statement=f"{_types(flows, config)} sent over {scheme}:// to {shorten(where, 80)} "
            f"{_when(timeline, [f.t for f in flows])}",
            events=flows,
            key=("plaintext_pi", scheme, where),
        )
    for (scheme, host), flows in without_pi.items():
        yield FindingDraft(
            rule="SEC-001",
            status="warn",
            statement=f"unencrypted {scheme}:// traffic to {shorten(host, 80)} "
            f"{_when(timeline, [f.t for f in flows])} (no personal data recognised)",
            events=flows,
            key=("plaintext", scheme, host),
        )
    for (host, version), flows in weak_tls.items():
        yield FindingDraft(
            rule="SEC-001",
            status="warn",
            statement=f"{version} used to {shorten(host, 80)} {_when(timeline, [f.t for f in flows])} "
            "(TLS 1.2 or later required)",
            events=flows,
            key=("weak_tls", host, version),
        )

    sockets: dict[tuple[str, bool], list[ApiCall]] = {}
    for call in calls_of(timeline, config.raw_socket_apis):  # (from the index by API, not every call)
        sockets.setdefault((call.api, bool(program_pi(api_call_pi(call), config))), []).append(call)
    for (api, carries_pi), calls in sockets.items():
        moments = [c.t for c in calls]
        if carries_pi:
            yield FindingDraft(
                rule="SEC-001",
                status="fail",
                statement=f"{_types(calls, config)} sent over a raw socket ({api}) {_when(timeline, moments)}",
                events=calls,
                key=("raw_socket_pi", api),
            )
        else:
            yield FindingDraft(
                rule="SEC-001",
                status="warn",
                statement=f"raw unencrypted socket opened with {api} {_when(timeline, moments)} "
                "(its data was not scanned for personal data)",
                events=calls,
                key=("raw_socket", api),
            )
