"""CON-001: personal data collected before the user's privacy consent.

Counts, with t before t_consent (beyond the clock error bound; the whole session when nobody agreed):
- a successful privacy-interface call (harness.catalogue.PRIVACY_INTERFACES), timed at its result,
  because WeChat shows its popup *during* the call and succeeds only after the user agrees (a call
  pending while the agreed popup appeared waited for that consent);
- a flow carrying strong PI the program put there (not the client's User-Agent) to a host that is not a
  WeChat platform host;
- a storage write holding strong PI;
- device information leaving the device: a device-info read (getSystemInfo*, getDeviceInfo, never
  blocked by WeChat) is informational alone, but a flow carrying device-info PI after it counts.
wx.login is informational: it is neither a privacy interface nor PI in a flow to a third party.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from itertools import islice
from operator import attrgetter

from harness.catalogue import PRIVACY_INTERFACES, WATCHED_APIS
from harness.event_views import ApiCall, Consent, Event, Flow, PIMatch, Prompt, StorageWrite
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import (
    calls_of,
    consent,
    done_at,
    endpoint,
    is_before,
    is_platform_host,
    own_flows,
    own_flows_device_pi,
    own_flows_pi,
    pi_writes,
    shorten,
    since_start,
    strong_pi,
    url_netloc_path,
)
from probes.finding import FindingDraft
from probes.registry import probe

DEVICE_INFO = "设备信息"
SENDING_APIS = frozenset({"request", "uploadFile", "downloadFile"})
_T = attrgetter("t")
# The calls that count: privacy interfaces, and device-info reads (informational, but they make a flow's
# device information count).
COUNTED_APIS = frozenset(PRIVACY_INTERFACES) | {api for api, category in WATCHED_APIS.items() if category == DEVICE_INFO}


def _times(timeline: Timeline, moments: Sequence[int]) -> str:
    if len(moments) == 1:
        return f"{since_start(timeline, moments[0])} into the session"
    return f"{len(moments)} times from {since_start(timeline, moments[0])} into the session"


def _pi_types(matches: Sequence[PIMatch]) -> str:
    return ", ".join(dict.fromkeys(m.type for m in matches)) or "personal data"


def waited_for(call: ApiCall, agreed: Consent | None, timeline: Timeline) -> bool:
    """The call waited for the consent: WeChat's privacy popup, agreed, appeared while the call was
    pending (the driver records the consent after its tap, so its time can trail the call's result)."""
    if agreed is None or agreed.prompt_seq is None:
        return False
    prompt = timeline.by_seq.get(agreed.prompt_seq)
    error = timeline.clock_error_ns
    return (
        isinstance(prompt, Prompt)
        and prompt.prompt_kind == "privacy_popup"  # only WeChat's own popup holds a privacy call back
        and call.t - error <= prompt.t <= done_at(call) + error
    )


def _where(url: str) -> tuple[str, str]:
    netloc, path = url_netloc_path(url)
    return netloc.lower().split("@")[-1].removesuffix(":80").removesuffix(":443"), path or "/"


def send_times(requests: Sequence[ApiCall]) -> dict[tuple[str, str], list[int]]:
    """The times of the wx.request/uploadFile calls (in time order) by host and path: built once, so
    that finding each flow's call is a bisection, not a scan of every call."""
    index: dict[tuple[str, str], list[int]] = {}
    for call in requests:
        if isinstance(call.args, dict) and isinstance(call.args.get("url"), str):
            index.setdefault(_where(call.args["url"]), []).append(call.t)
    return index


def sent_at(flow: Flow, sends: dict[tuple[str, str], list[int]], error: int) -> int:
    """When the program sent the flow: its wx.request/uploadFile call (same host and path, the latest
    before the proxy saw it), else when the proxy saw it. Under load the proxy sees a request the
    program made before the consent tap only after the consent was recorded."""
    if not sends:
        return flow.t
    times = sends.get(_where(flow.url), [])
    last = bisect_right(times, flow.t + error) - 1
    return min(flow.t, times[last]) if last >= 0 else flow.t


@probe(
    id="consent_before_collection",
    title="Personal data collected before privacy consent",
    rules=("CON-001",),
    needs=("collection",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    agreed = consent(timeline)
    error = timeline.clock_error_ns

    def early(t: int) -> bool:
        return agreed is None or is_before(t, agreed.t, error)

    if agreed is None:
        when = "with no privacy consent in the session"
    else:
        when = f"before any privacy consent (first consent at {since_start(timeline, agreed.t)})"

    # only privacy interfaces and device-info reads count (from the index by API, not every call); what
    # happened at or after the consent (beyond the error bound) is never early: with a consent, one inline
    # pass keeps the successful calls whose result came before it (no function call per call)
    cut = None if agreed is None else agreed.t - error
    counted = calls_of(timeline, COUNTED_APIS)
    maybe_early = counted if cut is None else [
        c for c in counted if c.ok is True and (c.t if c.t_result is None else c.t_result) < cut]
    calls: dict[str, list[ApiCall]] = {}
    device_reads: list[ApiCall] = []
    for call in maybe_early:
        if call.ok is not True or not early(done_at(call)) or waited_for(call, agreed, timeline):
            continue
        if call.api in PRIVACY_INTERFACES:
            calls.setdefault(call.api, []).append(call)
        elif WATCHED_APIS.get(call.api) == DEVICE_INFO:
            device_reads.append(call)

    for api, found in calls.items():
        moments = [done_at(c) for c in found]
        yield FindingDraft(
            rule="CON-001",
            status="fail",
            statement=f"{api} succeeded {_times(timeline, moments)}, {when}",
            events=found,
            key=("api", api),
        )

    sent: dict[str, list[Flow]] = {}
    reads_for: dict[str, list[ApiCall]] = {}
    basis: dict[str, list[PIMatch]] = {}
    requests_sent = calls_of(timeline, SENDING_APIS)
    # no request sent before the consent: a flow is early by its own time alone (no call to look up)
    requests = send_times(requests_sent) if any(cut is None or c.t < cut for c in requests_sent[:1]) else {}
    flows = own_flows(timeline)
    # without such a request a flow is early by its own time: the flows from the cut on cannot be (bisected)
    early_flows = len(flows) if requests or cut is None else bisect_left(flows, cut, key=_T)
    pis = zip(flows, own_flows_pi(timeline, config), own_flows_device_pi(timeline, config), strict=True)
    for flow, program, device_pi in islice(pis, early_flows):
        if not (program or device_pi) or is_platform_host(flow.host, config) or not early(sent_at(flow, requests, error)):
            continue  # (a flow without PI counts for nothing)
        # (the reads matter only with device information in the flow)
        prior_reads = [r for r in device_reads if done_at(r) <= flow.t + error] if device_pi else []
        leaves_device = bool(device_pi and prior_reads)
        if program or leaves_device:
            key = endpoint(flow)
            sent.setdefault(key, []).append(flow)
            basis.setdefault(key, []).extend(
                m for m in flow.pi if m in program or (leaves_device and m in device_pi)
            )
            if leaves_device:
                reads_for.setdefault(key, []).append(prior_reads[-1])

    for key, flows in sent.items():
        reads = reads_for.get(key, [])
        read_note = ""
        if reads:
            apis = ", ".join(dict.fromkeys(r.api for r in reads))
            read_note = f" (device information read by {apis})"
        events: list[Event] = [*reads, *flows]
        yield FindingDraft(
            rule="CON-001",
            status="fail",
            statement=f"{_pi_types(basis[key])} sent to {shorten(key, 80)}{read_note} "
            f"{_times(timeline, [f.t for f in flows])}, {when}",
            events=events,
            key=("flow", key),
            data=basis[key],
        )

    writes: dict[str, list[StorageWrite]] = {}
    for write in pi_writes(timeline):
        if early(write.t) and strong_pi(write.pi):
            writes.setdefault(write.key, []).append(write)
    for storage_key, found_writes in writes.items():
        yield FindingDraft(
            rule="CON-001",
            status="fail",
            statement=f"{_pi_types(strong_pi(m for w in found_writes for m in w.pi))} written to storage key "
            f'"{shorten(storage_key)}" {_times(timeline, [w.t for w in found_writes])}, {when}',
            events=found_writes,
            key=("storage", storage_key),
        )
