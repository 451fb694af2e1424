"""SEC-004: server-side secrets handled by the client.

FAIL when a client request carries an AppSecret (``secret=`` to jscode2session or cgi-bin/token) or an
access_token to api.weixin.qq.com, when a response delivers a session_key to the client, and when a
cloud access-key id (``secret_patterns``: AKID..., LTAI...) is matched in a flow or in storage. Matches
come from the recognisers (types app_secret, access_token, session_key, cloud_key) and, for the
patterns, from the flow URL as recorded (masked values never reveal a key).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from itertools import compress
from operator import attrgetter

from harness.event_views import Event, Flow, PIMatch
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import endpoint, host_in, own_flows, pi_writes, shorten, strong_pi, when
from probes.finding import FindingDraft
from probes.registry import probe

WECHAT_API = ("api.weixin.qq.com",)
REQUEST_SECRETS = ("app_secret",)
RESPONSE_SECRETS = ("session_key",)
ANYWHERE_SECRETS = ("cloud_key",)
_SECRET_TYPES = frozenset((*REQUEST_SECRETS, "access_token", *RESPONSE_SECRETS, *ANYWHERE_SECRETS))
_URL = attrgetter("url")
_TYPE = attrgetter("type")


def _in_response(match: PIMatch) -> bool:
    return match.location.lower().startswith("response")


@lru_cache(maxsize=16)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """The configured key patterns, compiled once (each is searched in every flow's URL)."""
    return tuple(re.compile(p) for p in patterns)


def exposures(flow: Flow, config: ProbeConfig) -> list[tuple[str, list[PIMatch]]]:
    """(what, matches) for each kind of secret the flow exposes."""
    key_patterns = _compiled(config.secret_patterns)
    if not any(m.type in _SECRET_TYPES for m in flow.pi):  # most flows: only the URL can expose a key
        url_key = any(p.search(flow.url) for p in key_patterns)
        return [("cloud access key in traffic", [])] if url_key else []
    matches = strong_pi(flow.pi)
    found: list[tuple[str, list[PIMatch]]] = []
    sent = [m for m in matches if m.type in REQUEST_SECRETS and not _in_response(m)]
    if sent:
        found.append(("AppSecret sent by the client", sent))
    tokens = [m for m in matches if m.type == "access_token" and not _in_response(m)]
    if tokens and host_in(flow.host, WECHAT_API):
        found.append(("access_token sent by the client to api.weixin.qq.com", tokens))
    delivered = [m for m in matches if m.type in RESPONSE_SECRETS and _in_response(m)]
    if delivered:
        found.append(("session_key delivered to the client", delivered))
    keys = [m for m in matches if m.type in ANYWHERE_SECRETS]
    if keys or any(p.search(flow.url) for p in key_patterns):
        found.append(("cloud access key in traffic", keys))
    return found


def _may_expose(flows: list[Flow], config: ProbeConfig) -> Iterator[Flow]:
    """The flows ``exposures`` can find something in, in their order: those carrying a secret's match or
    with a URL holding a cloud key. The URLs are searched in C, one pattern at a time over all of them
    (most flows expose nothing: no call of ``exposures`` per flow)."""
    urls = list(map(_URL, flows))
    keyed: set[int] = set()
    for pattern in _compiled(config.secret_patterns):
        keyed.update(compress(range(len(urls)), map(pattern.search, urls)))
    for index, flow in enumerate(flows):
        if index in keyed or not _SECRET_TYPES.isdisjoint(map(_TYPE, flow.pi)):
            yield flow


@probe(
    id="exposed_secrets",
    title="AppSecret, access_token, session_key or cloud keys on the client",
    rules=("SEC-004",),
    needs=("collection",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    found: dict[tuple[str, str], tuple[list[Event], list[PIMatch]]] = {}
    for flow in _may_expose(own_flows(timeline), config):
        for what, matches in exposures(flow, config):
            entry = found.setdefault((what, endpoint(flow)), ([], []))
            entry[0].append(flow)
            entry[1].extend(matches)
    for write in pi_writes(timeline):
        keys = [m for m in strong_pi(write.pi) if m.type in ANYWHERE_SECRETS]
        if keys:
            entry = found.setdefault(("cloud access key in storage", f"storage:{write.key}"), ([], []))
            entry[0].append(write)
            entry[1].extend(keys)
    for (what, where), (events, matches) in found.items():
        yield FindingDraft(
            rule="SEC-004",
            status="fail",
            statement=f"{what}: {shorten(where, 80)} {when(timeline, [e.t for e in events])}",
            events=events,
            key=("secret", what, where),
            data=matches,
        )
