"""The miniprobe mitmproxy addon: every finished flow becomes one timeline ``flow`` event.

Loaded into mitmdump with ``-s harness/capture/addon.py`` (see ``harness.capture.proxy``). For each
HTTP exchange (at ``response`` or ``error``), WebSocket (at ``websocket_end``) and failed CONNECT it
appends one JSON line, a ``harness.timeline.Flow`` with ``seq`` -1, to the file named by the
``miniprobe_events`` option and flushes it; the harness tails that file into the session recorder.
Personal data is recorded masked: the matches carry masked values and the URL is redacted.

For the sim, ``miniprobe_routes`` sends the connections for the fixture hosts to the local back end
while the flow keeps the host and URL the app wrote, and ``miniprobe_block_unrouted`` answers every
other non-loopback host with a 502 instead of trying the internet.
"""

from __future__ import annotations

import importlib
import ipaddress
import json
import logging
import multiprocessing
import os
import re
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from mitmproxy import ctx, exceptions, http
from mitmproxy.proxy import server_hooks

from harness.capture.recognisers import dedupe, find_pi, find_pi_in_http, redact_text, redact_url
from harness.timeline import Flow, PIMatch

log = logging.getLogger(__name__)

T_START = "miniprobe.t"  # flow.metadata key: host monotonic ns when the request arrived
BLOCKED = "miniprobe.blocked"
EMITTED = "miniprobe.emitted"

BLOCKED_MESSAGE = "blocked by miniprobe sim: no network"
MAX_CANARY_FILE = 1024 * 1024
MAX_WS_MESSAGES = 200
MAX_ERROR_CHARS = 300
# A flow with more content than this is scanned in a worker process, off the proxy's event loop (the
# recognisers take ~0.4 ms per KB); at most MAX_PENDING_SCANS wait there (bounding the wait at the end of a
# session), beyond that they scan inline.
OFFLOAD_BYTES = 16 * 1024
MAX_PENDING_SCANS = 16

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


def _headers(message: http.Message) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in message.headers.items(multi=True):
        joined[name] = f"{joined[name]}; {value}" if name in joined else value
    return joined


def _content(message: http.Message) -> bytes:
    """The body as the app sent it, content-encoding undone; raw bytes when that fails."""
    try:
        return message.get_content(strict=False) or b""
    except ValueError:
        return message.raw_content or b""


class ScanInput(NamedTuple):
    """What the recognisers read of a flow, as plain (picklable) data: scanned here or in a worker."""

    url: str
    request: tuple[dict[str, str], bytes, str | None]  # headers, content, content type
    response: tuple[dict[str, str], bytes, str | None] | None
    messages: list[tuple[str, str]]  # WebSocket: (where, text)

    @property
    def size(self) -> int:
        return len(self.request[1]) + (len(self.response[1]) if self.response else 0) + sum(
            len(text) for _, text in self.messages)


def scan_input(flow: http.HTTPFlow) -> ScanInput:
    request = flow.request
    response = None
    if flow.response is not None and not flow.metadata.get(BLOCKED):
        response = (_headers(flow.response), _content(flow.response), flow.response.headers.get("content-type"))
    messages = []
    if flow.websocket is not None:
        for index, message in enumerate(flow.websocket.messages[:MAX_WS_MESSAGES]):
            where = f"ws.{'send' if message.from_client else 'recv'}[{index}]"
            messages.append((where, message.content.decode("utf-8", "replace")))
    return ScanInput(request.url, (_headers(request), _content(request), request.headers.get("content-type")),
                     response, messages)


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


def flow_event(
    flow: http.HTTPFlow, canaries: Mapping[str, str] | None = None, *, pi: list[PIMatch] | None = None
) -> Flow:
    """The timeline event of one finished flow (personal data masked, URL redacted); ``pi``: matches
    already found (a worker scans large flows), else the flow is scanned here."""
    canaries = canaries or {}
    request = flow.request
    websocket = flow.websocket is not None
    connect = request.method == "CONNECT"
    scheme = request.scheme
    if websocket:
        scheme = "wss" if scheme == "https" else "ws"
    elif connect:
        scheme = "https"  # a tunnel that was refused: almost always meant for TLS
    url = f"{scheme}://{request.host}:{request.port}" if connect else redact_url(request.url, canaries)
    if websocket:
        url = re.sub(r"^https?", scheme, url)
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
    return Flow(
        source="proxy",
        t=_request_t(flow),
        wall=_wall(request.timestamp_start),
        flow_id=flow.id,
        url=url,
        scheme=scheme,
        host=request.host,
        port=request.port,
        method=request.method,
        status=flow.response.status_code if flow.response else None,
        request_size=request_size,
        response_size=response_size,
        tls_version=_tls_version(flow),
        websocket=websocket,
        appid=appid_from_referer(request.headers.get("referer")),
        pi=[] if connect else (pi if pi is not None else personal_data(flow, canaries)),
        error=redact_text(error, canaries)[:MAX_ERROR_CHARS] if error else None,
    )


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
        self._scanner: ProcessPoolExecutor | None = None  # started at the first large flow
        self._pending = 0  # flows being scanned by the worker, not yet written
        self._written = threading.Condition()  # guards the events file and _pending

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
        if self._scanner is not None:
            self._scanner.shutdown(wait=True)
            self._scanner = None

    def _emit(self, flow: http.HTTPFlow) -> None:
        if flow.metadata.get(EMITTED) or self._events_fd is None:
            return
        flow.metadata[EMITTED] = True
        found = None
        if flow.request.method != "CONNECT":
            try:
                found = scan_input(flow)
            except Exception:  # described below as any malformed flow is
                log.exception(f"miniprobe: cannot read flow {flow.id} for scanning")
        if found is not None and found.size > OFFLOAD_BYTES and self._pending < MAX_PENDING_SCANS:
            event = self._describe(flow, pi=[])
            with self._written:
                self._pending += 1
            future = self._worker().submit(_importable_scan(), tuple(found), dict(self.canaries))
            future.add_done_callback(lambda done: self._scanned(event, found, done))
            return
        self._write(self._describe(flow, pi=None if found is None else scan(found, self.canaries)))

    def _describe(self, flow: http.HTTPFlow, pi: list[PIMatch] | None) -> Flow:
        try:
            return flow_event(flow, self.canaries, pi=pi)
        except Exception:  # a malformed flow must not cost the others: record what is certain
            log.exception(f"miniprobe: cannot describe flow {flow.id}")
            return Flow(source="proxy", t=_request_t(flow), wall=_wall(None), flow_id=flow.id,
                        url="[unavailable]", scheme=flow.request.scheme, host=flow.request.host,
                        port=flow.request.port, method=flow.request.method,
                        error="miniprobe: flow could not be analysed")

    def _worker(self) -> ProcessPoolExecutor:
        if self._scanner is None:  # spawn: never fork the proxy's event loop
            self._scanner = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return self._scanner

    def _scanned(self, event: Flow, found: ScanInput, done: Future[list[PIMatch]]) -> None:
        """The worker's matches go into the event (in the executor's thread); a failed worker means a
        scan here instead: a flow is never recorded without its personal-data check."""
        try:
            matches = done.result()
        except Exception:
            log.exception("miniprobe: the scan worker failed; scanning in the proxy")
            matches = scan(found, self.canaries)
        try:
            self._write(event.model_copy(update={"pi": matches}))
        finally:
            with self._written:
                self._pending -= 1
                self._written.notify_all()

    def _write(self, event: Flow) -> None:
        line = orjson.dumps(event.model_dump(mode="json", exclude_none=True)) + b"\n"
        with self._written:
            if self._events_fd is None:
                log.error(f"miniprobe: flow {event.flow_id} finished after the events file was closed")
                return
            try:
                view = memoryview(line)
                while view:
                    view = view[os.write(self._events_fd, view):]
            except OSError as exc:
                # evidence is never silently dropped: stop the proxy, the harness reports why
                log.error(f"miniprobe: cannot write {ctx.options.miniprobe_events}: {exc}; shutting down")
                ctx.master.shutdown()

    def _close_events(self) -> None:
        with self._written:
            self._written.wait_for(lambda: self._pending == 0, timeout=60)  # flows still in the worker
            if self._events_fd is not None:
                os.close(self._events_fd)
                self._events_fd = None


def scan_fields(fields: tuple[Any, ...], canaries: Mapping[str, str]) -> list[PIMatch]:
    """``scan`` of a ScanInput sent as a plain tuple: the class of the script mitmproxy loaded
    (``__mitmproxy_script__.addon.ScanInput``) cannot be pickled, and every offload failed over to
    a scan in the proxy."""
    return scan(ScanInput(*fields), canaries)


def _importable_scan() -> Any:
    """``scan_fields`` by its package name: mitmproxy loads this file as a script, which a worker cannot import."""
    return importlib.import_module("harness.capture.addon").scan_fields


addons = [MiniprobeCapture()]
