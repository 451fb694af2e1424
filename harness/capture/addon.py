"""The miniprobe mitmproxy addon: every finished flow becomes one timeline ``flow`` event.

Loaded into mitmdump with ``-s harness/capture/addon.py`` (see ``harness.capture.proxy``). For each
HTTP exchange (at ``response`` or ``error``), WebSocket (at ``websocket_end``) and failed CONNECT it
appends one JSON line, a ``harness.timeline.Flow`` with ``seq`` -1, to the file named by the
``miniprobe_events`` option and flushes it; the harness tails that file into the session recorder.
Personal data is recorded masked: the matches carry masked values and the URL is redacted. The
recognisers run in a scan worker process at idle priority, not on the proxy's event loop: a flow's
event is written when its scan returns, and every flow still waiting is scanned before the events
file is closed (a session switch, mitmdump's end).

For the sim, ``miniprobe_routes`` sends the connections for the fixture hosts to the local back end
while the flow keeps the host and URL the app wrote, and ``miniprobe_block_unrouted`` answers every
other non-loopback host with a 502 instead of trying the internet.
"""

from __future__ import annotations

import asyncio
import importlib
import ipaddress
import json
import logging
import multiprocessing
import os
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from mitmproxy import ctx, exceptions, http
from mitmproxy.net import encoding
from mitmproxy.proxy import server_hooks

from harness.capture.recognisers import dedupe, find_pi, find_pi_in_http, redact_text, redact_url
from harness.timeline import Flow, PIMatch, event_line

log = logging.getLogger(__name__)

T_START = "miniprobe.t"  # flow.metadata key: host monotonic ns when the request arrived
BLOCKED = "miniprobe.blocked"
EMITTED = "miniprobe.emitted"

BLOCKED_MESSAGE = "blocked by miniprobe sim: no network"
MAX_CANARY_FILE = 1024 * 1024
MAX_WS_MESSAGES = 200
MAX_ERROR_CHARS = 300
# Every flow with something to scan is scanned in a worker process that runs at idle priority: while the
# proxy is busy the scans wait, and they run in the idle time between a mini program's bursts. What
# waits is bounded by bytes (memory): above MAX_PENDING_BYTES a flow is scanned in the proxy instead.
# At the end of a session (switch, done) the proxy scans what still waits, oldest first (the events stay
# in arrival order), beside the worker; after DRAIN_SECONDS a flow still waiting is recorded with
# SCAN_NOT_FINISHED.
# 256 MB: memory, and what a session's end may have to scan (13-25 s of 100 KB JSON answers at 0.05-0.09
# µs/B; ~80k flows of 1 KB at ~0.7 ms, ~55 s), which must fit in DRAIN_SECONDS.
MAX_PENDING_BYTES = 256 * 1024 * 1024
PENDING_FLOW_BYTES = 2048  # what a waiting flow holds besides its content (its event, headers, URL)
BATCH_FLOWS = 32  # flows sent to the worker at once (one round trip), at most BATCH_BYTES of content
BATCH_BYTES = 512 * 1024
BATCH_WAIT = 0.05  # seconds a batch may wait to fill up (fewer wake-ups of the feeder thread, fewer round trips)
DRAIN_SECONDS = 120.0
MAX_WORKER_STARTS = 3  # a worker that keeps dying is given up: the proxy scans from then on
SCAN_NOT_FINISHED = "miniprobe: the personal-data scan did not finish before the events file was closed"
SCAN_FAILED = "miniprobe: the personal-data scan failed"

_REFERER_RE = re.compile(r"^https?://servicewechat\.com/([A-Za-z0-9_-]{1,64})/[^/?#]{1,64}/page-frame\.html")


# ---------------------------------------------------------------------------------------------- routing


class Route(NamedTuple):  # not a dataclass: mitmproxy loads this file as a script, outside sys.modules
    """Where the connections for one app host go instead: the fixture back end's HTTP and HTTPS ports."""

    target: str
    http_port: int
    https_port: int


def parse_routes(spec: str) -> dict[str, Route]:
    """ "api.a.example=127.0.0.1:18080:18443,*.b.example=127.0.0.1:18080:18443" -> {host: Route}."""
    routes: dict[str, Route] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        host, sep, target = item.partition("=")
        fields = target.rsplit(":", 2)
        if not sep or not host or len(fields) != 3 or not fields[1].isdigit() or not fields[2].isdigit():
            raise ValueError(f"bad route {item!r}: expected host=target:http_port:https_port")
        routes[host.strip().lower()] = Route(fields[0], int(fields[1]), int(fields[2]))
    return routes


def format_routes(routes: Mapping[str, tuple[int, int]], target: str = "127.0.0.1") -> str:
    """The ``miniprobe_routes`` option value for {host: (http_port, https_port)}."""
    return ",".join(f"{host}={target}:{ports[0]}:{ports[1]}" for host, ports in routes.items())


def route_for(routes: Mapping[str, Route], host: str) -> Route | None:
    """The route of a host: an exact entry, else the nearest "*.suffix" entry."""
    host = host.lower().rstrip(".")
    if host in routes:
        return routes[host]
    labels = host.split(".")
    for index in range(1, len(labels)):
        wildcard = "*." + ".".join(labels[index:])
        if wildcard in routes:
            return routes[wildcard]
    return None


def is_loopback(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------- events


def appid_from_referer(referer: str | None) -> str | None:
    """The mini program's appid from WeChat's https://servicewechat.com/{appid}/{version}/page-frame.html."""
    found = _REFERER_RE.match(referer or "")
    return found.group(1) if found else None


def _wall(timestamp: float | None) -> str:
    moment = datetime.fromtimestamp(timestamp, UTC) if timestamp else datetime.now(UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _request_t(flow: http.HTTPFlow) -> int:
    """Host monotonic ns at request start: stamped on arrival, else derived from the wall clock."""
    stamped = flow.metadata.get(T_START)
    if isinstance(stamped, int):
        return stamped
    started = flow.request.timestamp_start or time.time()
    return time.monotonic_ns() - max(0, int((time.time() - started) * 1e9))


def _tls_version(flow: http.HTTPFlow) -> str | None:
    for conn in (flow.server_conn, flow.client_conn):
        if conn is not None and conn.tls_established and conn.tls_version:
            return str(conn.tls_version)
    return None


class ScanInput(NamedTuple):
    """What the recognisers read of a flow, decoded: headers, content (content-encoding undone), content type."""

    url: str
    request: tuple[dict[str, str], bytes, str | None]  # headers, content, content type
    response: tuple[dict[str, str], bytes, str | None] | None
    messages: list[tuple[str, str]]  # WebSocket: (where, text)


# What the proxy keeps of a flow to scan it later, as plain (picklable) data read without decoding
# anything: url, request and response as (header fields, raw content), WebSocket messages as
# (from client, content). The scan worker makes the ScanInput of it (``scan_input_of``).
RawMessage = tuple[tuple[tuple[bytes, bytes], ...], bytes]
RawFlow = tuple[str, RawMessage, RawMessage | None, list[tuple[bool, bytes]]]


def raw_flow(flow: http.HTTPFlow) -> RawFlow:
    response = None
    if flow.response is not None and not flow.metadata.get(BLOCKED):
        response = (tuple(flow.response.headers.fields), flow.response.raw_content or b"")
    messages = []
    if flow.websocket is not None:
        messages = [(message.from_client, message.content) for message in flow.websocket.messages[:MAX_WS_MESSAGES]]
    return flow.request.url, (tuple(flow.request.headers.fields), flow.request.raw_content or b""), response, messages


def raw_size(raw: RawFlow) -> int:
    return len(raw[1][1]) + (len(raw[2][1]) if raw[2] else 0) + sum(len(content) for _, content in raw[3])


def scan_input_of(raw: RawFlow) -> ScanInput:
    url, request, response, messages = raw
    return ScanInput(url, _readable(request), _readable(response) if response is not None else None,
                     [(f"ws.{'send' if from_client else 'recv'}[{index}]", content.decode("utf-8", "replace"))
                      for index, (from_client, content) in enumerate(messages)])


def _readable(message: RawMessage) -> tuple[dict[str, str], bytes, str | None]:
    """Headers joined per name, the content as the app sent it (content-encoding undone; the raw bytes
    when that fails, as mitmproxy's ``get_content(strict=False)``), and the content type."""
    joined: dict[str, str] = {}
    folded: dict[str, list[str]] = {}  # by lower-case name, as mitmproxy's Headers.get() joins them
    for raw_name, raw_value in message[0]:
        name, value = raw_name.decode("utf-8", "surrogateescape"), raw_value.decode("utf-8", "surrogateescape")
        joined[name] = f"{joined[name]}; {value}" if name in joined else value
        folded.setdefault(name.lower(), []).append(value)
    content_encoding = ", ".join(folded.get("content-encoding", ()))
    content = message[1]
    if content_encoding:
        try:
            decoded = encoding.decode(content, content_encoding)
            content = decoded if isinstance(decoded, bytes) else content
        except ValueError:
            pass
    content_type = folded.get("content-type")
    return joined, content, ", ".join(content_type) if content_type else None


def scan_input(flow: http.HTTPFlow) -> ScanInput:
    return scan_input_of(raw_flow(flow))


def scan(found: ScanInput, canaries: Mapping[str, str]) -> list[PIMatch]:
    """Recogniser matches over the request (URL, headers, body), response and WebSocket messages."""
    matches = find_pi_in_http(found.url, *found.request[:2], found.request[2], "request", canaries)
    if found.response is not None:
        matches += find_pi_in_http("", *found.response[:2], found.response[2], "response", canaries)
    for where, text in found.messages:
        matches += find_pi(text, where, canaries)
    return dedupe(matches)


def personal_data(flow: http.HTTPFlow, canaries: Mapping[str, str]) -> list[PIMatch]:
    """Recogniser matches over the request (URL, headers, body), response and WebSocket messages."""
    return scan(scan_input(flow), canaries)


def flow_fields(flow: http.HTTPFlow) -> dict[str, Any]:
    """What a finished flow's event says, as plain data read in the proxy: ``url`` and ``error`` still
    raw, ``wall`` a timestamp. ``finish_event`` redacts them and adds the matches (in the scan worker)."""
    request = flow.request
    websocket = flow.websocket is not None
    connect = request.method == "CONNECT"
    scheme = request.scheme
    if websocket:
        scheme = "wss" if scheme == "https" else "ws"
    elif connect:
        scheme = "https"  # a tunnel that was refused: almost always meant for TLS
    response_size = len(flow.response.raw_content or b"") if flow.response else 0
    request_size = len(request.raw_content or b"")
    if flow.websocket is not None:
        request_size += sum(len(m.content) for m in flow.websocket.messages if m.from_client)
        response_size += sum(len(m.content) for m in flow.websocket.messages if not m.from_client)
    error = flow.error.msg if flow.error else None
    if flow.metadata.get(BLOCKED):
        error = BLOCKED_MESSAGE
    elif error is None and connect and flow.response is not None and flow.response.status_code >= 400:
        error = f"CONNECT failed: {flow.response.status_code} {flow.response.reason}"
    return {
        "source": "proxy", "t": _request_t(flow), "wall": request.timestamp_start or time.time(), "flow_id": flow.id,
        "url": f"{scheme}://{request.host}:{request.port}" if connect else request.url,
        "scheme": scheme, "host": request.host, "port": request.port, "method": request.method,
        "status": flow.response.status_code if flow.response else None,
        "request_size": request_size, "response_size": response_size, "tls_version": _tls_version(flow),
        "websocket": websocket, "appid": appid_from_referer(request.headers.get("referer")), "error": error,
    }


def finish_event(fields: Mapping[str, Any], canaries: Mapping[str, str], pi: list[PIMatch]) -> Flow:
    """The timeline event of ``flow_fields``: URL and error redacted, the matches added (none for a CONNECT)."""
    connect = fields["method"] == "CONNECT"
    url = fields["url"]
    if not connect:
        url = redact_url(url, canaries)
        if fields["websocket"]:
            url = re.sub(r"^https?", fields["scheme"], url)
    error = fields["error"]
    return Flow(**{**fields, "wall": _wall(fields["wall"]), "url": url, "pi": [] if connect else pi,
                   "error": redact_text(error, canaries)[:MAX_ERROR_CHARS] if error else None})


def flow_event(
    flow: http.HTTPFlow, canaries: Mapping[str, str] | None = None, *, pi: list[PIMatch] | None = None
) -> Flow:
    """The timeline event of one finished flow (personal data masked, URL redacted); ``pi``: matches
    already found, else the flow is scanned here."""
    canaries = canaries or {}
    fields = flow_fields(flow)
    if pi is None and fields["method"] != "CONNECT":
        pi = personal_data(flow, canaries)
    return finish_event(fields, canaries, pi or [])


def scanned_line(fields: Mapping[str, Any], raw: RawFlow, canaries: Mapping[str, str]) -> bytes:
    """A flow's events-file line: scanned, redacted, serialised (what the scan worker does per flow)."""
    return event_line(finish_event(fields, canaries, scan(scan_input_of(raw), canaries)))


def load_canaries(path: str) -> dict[str, str]:
    """A JSON object {name: value} of seeded canaries."""
    data = Path(path).read_bytes()
    if len(data) > MAX_CANARY_FILE:
        raise ValueError(f"{path}: larger than {MAX_CANARY_FILE} bytes")
    loaded = json.loads(data)
    if not isinstance(loaded, dict) or not all(isinstance(v, (str, int)) for v in loaded.values()):
        raise ValueError(f'{path}: expected a JSON object {{"name": "value", ...}}')
    return {str(k): str(v) for k, v in loaded.items()}


# ---------------------------------------------------------------------------------------------- addon


class MiniprobeCapture:
    """Turns finished flows into timeline events; routes and blocks hosts for the sim."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.canaries: dict[str, str] = {}
        self._events_fd: int | None = None
        self._rerouted: dict[str, tuple[str, int]] = {}  # server connection id -> address the app asked for
        self._written = threading.RLock()  # guards the events file and each waiting flow's ``written``
        self._backlog = ScanBacklog(MAX_PENDING_BYTES)
        self._worker: Any = None  # the scan worker process (spawn context), started at the first flow
        self._worker_conn: Any = None  # its end of the pipe to the worker, used by the feeder thread only
        self._worker_starts = 0
        self._feeder: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing = False
        self._backpressure_logged = False

    def load(self, loader: Any) -> None:
        loader.add_option(
            "miniprobe_events", str, "",
            "Append one JSON line (a miniprobe timeline flow event) per finished flow to this file.",
        )
        loader.add_option(
            "miniprobe_routes", str, "",
            "Send connections for these hosts to a local back end, keeping the flow's host and URL: "
            "host=target:http_port:https_port[,...]; a host may be *.suffix.",
        )
        loader.add_option(
            "miniprobe_block_unrouted", bool, False,
            "Answer requests to hosts that are neither routed nor loopback with a 502 (no network).",
        )
        loader.add_option(
            "miniprobe_canaries", str, "",
            'JSON file {"name": "value"} of seeded personal data to look for in the traffic.',
        )
        loader.add_option(
            "miniprobe_scan_idle", bool, True,
            "Run the personal-data scan worker at idle priority: its scans wait while the machine is busy "
            "(false: normal priority, competing with the proxy).",
        )

    def configure(self, updated: set[str]) -> None:
        if "miniprobe_routes" in updated:
            try:
                self.routes = parse_routes(ctx.options.miniprobe_routes)
            except ValueError as exc:
                raise exceptions.OptionsError(f"miniprobe_routes: {exc}") from exc
        if "miniprobe_canaries" in updated:
            try:
                path = ctx.options.miniprobe_canaries
                self.canaries = load_canaries(path) if path else {}
            except (OSError, ValueError) as exc:
                raise exceptions.OptionsError(f"miniprobe_canaries: {exc}") from exc
        if "miniprobe_events" in updated:
            self._close_events()
            if ctx.options.miniprobe_events:
                try:
                    self._events_fd = os.open(ctx.options.miniprobe_events,
                                              os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                except OSError as exc:
                    raise exceptions.OptionsError(f"miniprobe_events: cannot open: {exc}") from exc

    def running(self) -> None:
        self._loop = asyncio.get_running_loop()
        log.info(f"miniprobe capture ready: {len(self.routes)} route(s), "
                 f"block_unrouted={ctx.options.miniprobe_block_unrouted}, events={bool(self._events_fd)}")

    # -- routing

    def _blocked(self, host: str) -> bool:
        if not ctx.options.miniprobe_block_unrouted:
            return False
        return not is_loopback(host) and route_for(self.routes, host) is None

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        """Open the connection for a routed host to its back end instead (see ``server_connected``)."""
        server = data.server
        if server.address is None:
            return
        host, port = server.address
        route = route_for(self.routes, host)
        if route is not None:
            https = bool(server.tls) or port == 443  # an eager CONNECT does not know about TLS yet
            self._rerouted[server.id] = server.address
            server.address = (route.target, route.https_port if https else route.http_port)
        elif self._blocked(host):
            server.error = BLOCKED_MESSAGE  # anything that got past the request hooks

    def server_connected(self, data: server_hooks.ServerConnectionHookData) -> None:
        """Give a rerouted connection its original address back once the socket is open.

        Inside a CONNECT tunnel mitmproxy derives each request's host from the server address, and
        reuses a connection only for the same address: with the original address the flows keep the
        host the app asked for and later requests reuse the connection; ``peername`` still shows
        where it really goes. (mitmproxy refuses address changes on open connections because they
        would not move the socket; here moving it is exactly what is not wanted.)
        """
        original = self._rerouted.pop(data.server.id, None)
        if original is not None:
            object.__setattr__(data.server, "address", original)

    def server_connect_error(self, data: server_hooks.ServerConnectionHookData) -> None:
        self._rerouted.pop(data.server.id, None)

    def http_connect(self, flow: http.HTTPFlow) -> None:
        # with eager connections the CONNECT itself would reach for the internet
        eager = getattr(ctx.options, "connection_strategy", "eager") == "eager"
        if eager and self._blocked(flow.request.host):
            self._block(flow)

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        flow.metadata.setdefault(T_START, time.monotonic_ns())

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        # a server-sent event stream never ends: pass it through instead of buffering it
        response = flow.response
        if response is not None and response.headers.get("content-type", "").startswith("text/event-stream"):
            response.stream = True

    def request(self, flow: http.HTTPFlow) -> None:
        if flow.response is None and self._blocked(flow.request.host):
            self._block(flow)

    @staticmethod
    def _block(flow: http.HTTPFlow) -> None:
        flow.metadata[BLOCKED] = True
        flow.response = http.Response.make(502, BLOCKED_MESSAGE.encode(), {"content-type": "text/plain"})

    # -- finished flows

    def response(self, flow: http.HTTPFlow) -> None:
        if flow.websocket is None:  # a WebSocket is recorded when it ends, with its messages
            self._emit(flow)

    def error(self, flow: http.HTTPFlow) -> None:
        if flow.request.method != "CONNECT":
            self._emit(flow)

    def http_connect_error(self, flow: http.HTTPFlow) -> None:
        self._emit(flow)

    def websocket_end(self, flow: http.HTTPFlow) -> None:
        self._emit(flow)

    def done(self) -> None:
        self._close_events()
        self._closing = True
        self._backlog.close()
        self._stop_worker()

    def _emit(self, flow: http.HTTPFlow) -> None:
        """Queue the flow for the scan worker with what its event needs (read here, plain data); a flow
        that cannot be read, or a CONNECT (nothing to scan), is written at once."""
        if flow.metadata.get(EMITTED) or self._events_fd is None:
            return
        flow.metadata[EMITTED] = True
        item = None
        if flow.request.method != "CONNECT":
            try:
                item = PendingScan(flow_fields(flow), raw_flow(flow), self.canaries)
            except Exception:  # described below as any malformed flow is
                log.exception(f"miniprobe: cannot read flow {flow.id} for scanning")
        if item is None:
            self._write(event_line(self._describe(flow)))
        elif not self._offload(item):
            self._finish([item], [self._scan_here(item)])

    def _describe(self, flow: http.HTTPFlow) -> Flow:
        try:
            return flow_event(flow, self.canaries)
        except Exception:  # a malformed flow must not cost the others: record what is certain
            log.exception(f"miniprobe: cannot describe flow {flow.id}")
            return Flow(source="proxy", t=_request_t(flow), wall=_wall(None), flow_id=flow.id,
                        url="[unavailable]", scheme=flow.request.scheme, host=flow.request.host,
                        port=flow.request.port, method=flow.request.method,
                        error="miniprobe: flow could not be analysed")

    # -- the scan worker

    def _offload(self, item: PendingScan) -> bool:
        """Queue the flow for the worker; False (scan it here) once the worker is given up or when the
        flows already waiting hold MAX_PENDING_BYTES (backpressure: memory stays bounded)."""
        if self._worker_starts >= MAX_WORKER_STARTS and self._worker is None:
            return False
        if not self._backlog.admit(item):
            if not self._backpressure_logged:
                self._backpressure_logged = True
                log.warning(f"miniprobe: {self._backlog.bytes >> 20} MB of flows wait for the scan worker; "
                            "flows beyond that are scanned in the proxy until it catches up (logged once)")
            return False
        if self._feeder is None:
            self._feeder = threading.Thread(target=self._feed, name="miniprobe-scans", daemon=True)
            self._feeder.start()
        return True

    def _feed(self) -> None:
        """The proxy's side of the worker (a thread): sends the oldest waiting flows and writes their
        events as the matches come back. A flow the worker did not scan (it died, or its scan failed) is
        scanned here: a flow is never recorded without its personal-data check."""
        while batch := self._backlog.take_batch():
            results = self._worker_scans(batch)
            for index, (item, pi) in enumerate(zip(batch, results, strict=True)):
                if pi is None and not item.written:
                    results[index] = self._scan_here(item)
            self._finish(batch, results)

    def _worker_scans(self, batch: list[PendingScan]) -> list[bytes | None]:
        """The worker's event line for each flow of the batch; None for the flows it did not scan."""
        try:
            conn = self._worker_connection()
            if conn is None:  # given up, or closing
                return [None] * len(batch)
            # plain data: the classes of the script module (__mitmproxy_script__.addon) cannot be pickled
            conn.send([(item.fields, item.raw, item.canaries) for item in batch])
            results: list[bytes | None] = conn.recv()
            return results
        except (OSError, EOFError, ValueError) as exc:
            self._worker_lost(exc)
            return [None] * len(batch)

    def _worker_connection(self) -> Any:
        """The pipe to the worker, starting one if none runs (spawn: never fork the proxy's event loop)."""
        if self._worker_conn is not None or self._closing or self._worker_starts >= MAX_WORKER_STARTS:
            return self._worker_conn
        self._worker_starts += 1
        spawn = multiprocessing.get_context("spawn")
        ours, theirs = spawn.Pipe()
        idle = bool(getattr(ctx.options, "miniprobe_scan_idle", True))
        self._worker = spawn.Process(target=_importable("scan_worker"), args=(theirs, idle),
                                     name="miniprobe-scans", daemon=True)
        self._worker_conn = ours
        self._worker.start()
        theirs.close()
        if idle:
            idle_priority(self._worker.pid)  # at once, so that its start-up (imports) waits too
        return ours

    def _worker_lost(self, exc: BaseException) -> None:
        """Forget a worker that failed (its flows are scanned in the proxy). One ended by SIGTERM or SIGINT
        went with the proxy (the signal is sent to mitmdump's process group): no new one is started."""
        exitcode = None
        if self._worker is not None and self._worker.pid is not None:  # None: it never started
            self._worker.kill()
            self._worker.join(5)
            exitcode = self._worker.exitcode
        if self._worker_conn is not None:
            self._worker_conn.close()
        self._worker, self._worker_conn = None, None
        stopping = exitcode in (-signal.SIGTERM, -signal.SIGINT)
        if stopping:
            self._worker_starts = MAX_WORKER_STARTS
        if self._closing:
            return
        if stopping:
            log.info(f"miniprobe: the scan worker was stopped (signal {-exitcode}); scanning in the proxy")
        else:
            given_up = " (given up)" if self._worker_starts >= MAX_WORKER_STARTS else ""
            log.error(f"miniprobe: the scan worker failed ({exc!r}); scanning its flows in the proxy{given_up}")

    def _stop_worker(self) -> None:
        """At the end (every flow written): the worker's last batch, if any, is no longer needed."""
        if self._worker is not None and self._worker.pid is not None:
            self._worker.kill()  # the feeder's recv ends (EOF) and it closes the pipe
        if self._feeder is not None:
            self._feeder.join(10)
        elif self._worker is not None:
            self._worker_lost(EOFError("stopped"))

    # -- writing

    def _scan_here(self, item: PendingScan) -> bytes | None:
        """The flow's event line, scanned in this process; None when that failed."""
        try:
            return scanned_line(item.fields, item.raw, item.canaries)
        except Exception:
            log.exception(f"miniprobe: cannot scan flow {item.fields['flow_id']}")
            return None

    def _finish(self, items: list[PendingScan], lines: list[bytes | None], why: str = SCAN_FAILED) -> None:
        """Write waiting flows' event lines in one write, each once (the worker and a drain may both get
        there); for a flow without its line (None) an event that says plainly ``why``."""
        done = [(item, line if line is not None else unscanned_line(item, why))
                for item, line in zip(items, lines, strict=True) if not item.written]
        if done:
            with self._written:
                done = [(item, line) for item, line in done if not item.written]
                for item, _ in done:
                    item.written = True
                    self._backlog.release(item)
                self._write(b"".join(line for _, line in done))

    def _write(self, data: bytes) -> None:
        """Append event lines (``_written`` is reentrant: ``_finish`` holds it already)."""
        if not data:
            return
        with self._written:
            if self._events_fd is None:
                log.error(f"miniprobe: flows finished after the events file was closed: {data[:300]!r}")
                return
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(self._events_fd, view):]
            except OSError as exc:
                # evidence is never silently dropped: stop the proxy, the harness reports why
                log.error(f"miniprobe: cannot write {ctx.options.miniprobe_events}: {exc}; shutting down")
                self._shutdown()

    def _shutdown(self) -> None:
        if self._loop is not None and threading.current_thread() is not threading.main_thread():
            self._loop.call_soon_threadsafe(ctx.master.shutdown)
        else:
            ctx.master.shutdown()

    def _close_events(self) -> None:
        """Close the events file once every flow of it is written: what still waits for the worker is
        scanned here (the worker may be starved: it runs at idle priority), oldest first, while the worker
        finishes its batch; past DRAIN_SECONDS a flow is recorded with SCAN_NOT_FINISHED instead of its
        matches (never dropped)."""
        deadline = time.monotonic() + DRAIN_SECONDS
        unfinished = 0
        while (item := self._backlog.take_next()) is not None:
            if time.monotonic() < deadline:
                self._finish([item], [self._scan_here(item)])
            else:
                unfinished += 1
                self._finish([item], [None], SCAN_NOT_FINISHED)
        if unfinished:
            log.error(f"miniprobe: {unfinished} flow(s) recorded without their scan: not finished "
                      f"within {DRAIN_SECONDS:.0f} s")
        with self._written:
            if self._events_fd is not None:
                os.close(self._events_fd)
                self._events_fd = None


# ---------------------------------------------------------------------------------------------- scans


class PendingScan:
    """A flow waiting for its scan: its event's fields (``flow_fields``), what to scan (``raw_flow``) and
    the canaries of its session (a switch may load the next session's before this one is written)."""

    __slots__ = ("canaries", "cost", "fields", "raw", "size", "written")

    def __init__(self, fields: dict[str, Any], raw: RawFlow, canaries: Mapping[str, str]) -> None:
        self.fields = fields
        self.raw = raw
        self.canaries = canaries
        self.size = raw_size(raw)
        self.cost = self.size + PENDING_FLOW_BYTES
        self.written = False


class ScanBacklog:
    """The flows waiting for their scan, oldest first, bounded by bytes. The worker's feeder takes
    batches of them; a drain takes them one by one, then what the worker still has. A flow counts
    against the bound until its event is written (``release``)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._queued: deque[PendingScan] = deque()
        self._taken: list[PendingScan] = []  # the batch the worker has
        self._queued_bytes = 0  # content bytes of the queued flows
        self._since = 0.0  # monotonic time the oldest queued flow was queued at
        self._changed = threading.Condition()
        self._closed = False

    def admit(self, item: PendingScan) -> bool:
        """Queue the flow, unless that would pass the bound (the caller scans it itself then)."""
        with self._changed:
            if self._closed or self.bytes + item.cost > self.max_bytes:
                return False
            self.bytes += item.cost
            if not self._queued:
                self._since = time.monotonic()
            self._queued.append(item)
            self._queued_bytes += item.size
            if len(self._queued) == 1 or self._full():  # the feeder's timer starts, or its batch is ready
                self._changed.notify()
            return True

    def _full(self) -> bool:
        return len(self._queued) >= BATCH_FLOWS or self._queued_bytes >= BATCH_BYTES

    def take_batch(self) -> list[PendingScan]:
        """The oldest waiting flows, at most BATCH_FLOWS and BATCH_BYTES of content (at least one), once
        that many wait or the oldest has waited BATCH_WAIT; [] once closed."""
        with self._changed:
            while not self._closed:
                waited = time.monotonic() - self._since
                if self._queued and (self._full() or waited >= BATCH_WAIT):
                    break
                self._changed.wait(BATCH_WAIT - waited if self._queued else None)
            batch: list[PendingScan] = []
            size = 0
            while self._queued and not self._closed and len(batch) < BATCH_FLOWS:
                if batch and size + self._queued[0].size > BATCH_BYTES:
                    break
                batch.append(self._queued.popleft())
                size += batch[-1].size
            self._queued_bytes -= size
            self._since = time.monotonic()
            self._taken = batch
            return batch

    def take_next(self) -> PendingScan | None:
        """For a drain: the oldest waiting flow, else one the worker has that is not written yet."""
        with self._changed:
            if self._queued:
                item = self._queued.popleft()
                self._queued_bytes -= item.size
                return item
            return next((item for item in self._taken if not item.written), None)

    def release(self, item: PendingScan) -> None:
        with self._changed:
            self.bytes -= item.cost

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()


def unscanned_line(item: PendingScan, why: str) -> bytes:
    """The event of a flow without its scan: no matches, ``why`` in its error, the URL redacted if that
    still can be, else not recorded."""
    error = f"{item.fields['error']}; {why}" if item.fields["error"] else why
    try:
        return event_line(finish_event({**item.fields, "error": error}, item.canaries, []))
    except Exception:
        log.exception(f"miniprobe: cannot describe flow {item.fields['flow_id']}")
        fields = {name: item.fields[name] for name in ("source", "t", "flow_id", "scheme", "host", "port", "method")}
        return event_line(Flow(**fields, wall=_wall(item.fields["wall"]), url="[unavailable]", error=error))


def idle_priority(pid: int = 0) -> None:
    """Idle scheduling (SCHED_IDLE: runs only when a CPU has nothing else to do), else nice 19."""
    try:
        os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        try:
            os.setpriority(os.PRIO_PROCESS, pid, 19)
        except OSError:
            log.warning("miniprobe: cannot lower the scan worker's priority; it competes with the proxy")


def scan_worker(conn: Any, idle: bool) -> None:
    """The scan worker process: batches of (event fields, raw flow, canaries) in; for each flow its
    events-file line out, or None when that failed (the proxy tries again and says why)."""
    if idle:
        idle_priority()
    while True:
        try:
            batch = conn.recv()
        except EOFError:  # the proxy is gone
            return
        conn.send([_line_or_none(*work) for work in batch])


def _line_or_none(fields: dict[str, Any], raw: RawFlow, canaries: Mapping[str, str]) -> bytes | None:
    try:
        return scanned_line(fields, raw, canaries)
    except Exception:  # noqa: BLE001 - the proxy scans the flow again and logs what failed
        return None


def _importable(name: str) -> Any:
    """A function of this module by its package name: mitmproxy loads this file as a script
    (``__mitmproxy_script__.addon``), which a spawned worker cannot import."""
    return getattr(importlib.import_module("harness.capture.addon"), name)


addons = [MiniprobeCapture()]
