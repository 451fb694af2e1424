"""The owner of one mitmproxy process: starts mitmdump with the miniprobe addon, feeds its flow
events into the session's timeline, watches it, stops it, and says why it died.

mitmdump runs as a child process (not in-process) so that a crash of the proxy, or a fault test
that kills it, leaves the harness running and the session readable. The addon appends each flow
event to ``proxy-events.jsonl`` and flushes it; a tail thread records each line into the session
``Recorder`` as it arrives, and ``stop`` drains what is left after mitmdump exits. mitmdump also
writes every flow to ``flows.mitm`` (replay and evidence); ``read_flows`` reads it back.

A sim device's mitmdump can serve all the device's sessions of a run (``DeviceProxy``): each session's
``Capture`` switches it to its own files and routes (harness/capture/switch.py) instead of starting one.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson
from mitmproxy import flow as mitmflow
from mitmproxy.exceptions import FlowReadException
from mitmproxy.io import FlowReader
from pydantic import ValidationError

from harness.capture.addon import DRAIN_SECONDS, format_routes
from harness.capture.switch import NOT_SWITCHED, SWITCHED
from harness.procs import ChildProcess
from harness.timeline import Flow, Recorder

REPO_ROOT = Path(__file__).resolve().parents[2]
ADDON_PATH = Path(__file__).resolve().with_name("addon.py")
SWITCH_PATH = Path(__file__).resolve().with_name("switch.py")
DEFAULT_CONFDIR = REPO_ROOT / ".cache" / "mitmproxy"

EVENTS_FILE = "proxy-events.jsonl"
FLOWS_FILE = "flows.mitm"
LOG_FILE = "mitmdump.log"
MAX_EVENT_LINE = 4 * 1024 * 1024  # a longer line is not an event the addon wrote
# how long mitmdump may take to stop: it scans the flows still waiting for its scan worker first
STOP_GRACE = DRAIN_SECONDS + 15
_LISTENING_RE = re.compile(r"proxy listening at \S*?:(\d+)")
_READY_MARK = "miniprobe capture ready"


def ensure_ca(confdir: Path) -> Path:
    """Create mitmproxy's CA in confdir once (under a lock: sessions may start side by side);
    return the path of its certificate (PEM), the one clients must trust."""
    from mitmproxy.certs import CertStore

    confdir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(confdir / ".miniprobe.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            CertStore.from_store(confdir, "mitmproxy", 2048)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return confdir / "mitmproxy-ca-cert.pem"


def mitmdump_argv() -> list[str]:
    """mitmdump of this interpreter's environment."""
    script = Path(sys.executable).with_name("mitmdump")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from mitmproxy.tools.main import mitmdump; mitmdump()"]


class Capture:
    """One mitmdump for one session: ``start()`` -> proxy port, flows recorded into ``recorder``."""

    def __init__(
        self,
        session_dir: Path,
        recorder: Recorder,
        *,
        routes: Mapping[str, tuple[int, int]] | None = None,
        block_unrouted: bool = False,
        canaries: Mapping[str, str] | None = None,
        confdir: Path = DEFAULT_CONFDIR,
        listen_port: int = 0,
        listen_host: str = "127.0.0.1",  # 0.0.0.0 (or an address) for a phone on Wi-Fi to reach
        start_timeout: float = 30.0,
        device_proxy: DeviceProxy | None = None,  # the device's running mitmdump, switched to this session
    ) -> None:
        self.session_dir = session_dir
        self.recorder = recorder
        self.routes = dict(routes or {})
        self.block_unrouted = block_unrouted
        self.canaries = dict(canaries or {})
        self.confdir = confdir
        self.listen_port = listen_port
        self.listen_host = listen_host
        self.start_timeout = start_timeout
        self.events_path = session_dir / EVENTS_FILE
        self.flows_path = session_dir / FLOWS_FILE
        self.port: int | None = None
        self.recorded = 0  # flow events recorded into the timeline
        self.rejected: list[str] = []  # why lines of the events file were not recorded (bounded)
        self.process: ChildProcess | None = None
        self._offset = 0
        self._partial = b""
        self._drain_lock = threading.Lock()
        self._stop_tail = threading.Event()
        self._tail_thread: threading.Thread | None = None
        self._stopped = False
        self._canaries_file: Path | None = None
        self.device_proxy = device_proxy
        self.tail_error: str | None = None

    @property
    def ca_cert_pem(self) -> Path:
        """The CA certificate (PEM) clients trust to let mitmproxy see their TLS traffic."""
        return self.confdir / "mitmproxy-ca-cert.pem"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.alive

    def exit_reason(self) -> str | None:
        """Why the capture failed: mitmdump gone when nobody asked it to stop, or flow events that
        could not be recorded. None while all is well, and after a clean ``stop``."""
        died = self.process.exit_reason() if self.process else None
        return died or self.tail_error

    # ------------------------------------------------------------------ start

    def argv(self, canaries_file: Path | None) -> list[str]:
        sim = bool(self.routes) or self.block_unrouted
        options = base_options(self.confdir, sim) | session_options(
            self.events_path, self.flows_path, self.routes, self.block_unrouted, canaries_file)
        return mitmdump_command(self.listen_host, self.listen_port, options)

    def start(self) -> int:
        """Start mitmdump (or switch the device's to this session); return its port once it listens with
        the addon loaded. Raises RuntimeError with mitmdump's output when it does not get there within
        ``start_timeout`` seconds."""
        if self.process is not None:
            raise RuntimeError("this Capture was already started; use a new one per session")
        self.session_dir.mkdir(parents=True, exist_ok=True)
        self.events_path.touch(mode=0o600)
        # this session's canaries (a scenario's profile may seed its own), else the device's
        device_canaries = self.device_proxy.canaries if self.device_proxy is not None else {}
        self._canaries_file = write_canaries(self.canaries or device_canaries)
        try:
            if self.device_proxy is not None:
                self.process, self.port = self.device_proxy.process, self.device_proxy.port
                self.device_proxy.switch(self.events_path, self.flows_path, self.routes, self.block_unrouted,
                                         self._canaries_file)
            else:
                ensure_ca(self.confdir)
                self.process, self.port = start_mitmdump(self.argv(self._canaries_file), self.session_dir / LOG_FILE,
                                                         self.listen_host, self.start_timeout)
        except RuntimeError:
            self._remove_canaries()
            raise
        self._tail_thread = threading.Thread(target=self._tail, name="capture-events", daemon=True)
        self._tail_thread.start()
        return self.port

    def _remove_canaries(self) -> None:
        if self._canaries_file is not None:
            self._canaries_file.unlink(missing_ok=True)
            self._canaries_file = None

    # ------------------------------------------------------------------ events

    def _tail(self) -> None:
        try:
            while not self._stop_tail.wait(0.05):
                if not self.drain():
                    return
        except Exception as exc:  # noqa: BLE001 - e.g. the disk is full: flows would be lost, so the session must hear of it
            self.tail_error = f"capture: flow events could not be recorded: {type(exc).__name__}: {exc}"

    def drain(self) -> bool:
        """Record every complete event line written since the last call; False once the recorder is closed."""
        with self._drain_lock:
            try:
                with open(self.events_path, "rb") as f:
                    f.seek(self._offset)
                    chunk = f.read()
            except FileNotFoundError:
                return True
            if not chunk:
                return True
            self._offset += len(chunk)
            lines = (self._partial + chunk).split(b"\n")
            self._partial = lines.pop()  # "" after a complete line, else a line still being written
            if len(self._partial) > MAX_EVENT_LINE:
                self._reject("an event line longer than the limit")
                self._partial = b""
            for line in lines:
                if not line.strip():
                    continue
                try:
                    event = Flow.model_validate(orjson.loads(line))
                except (orjson.JSONDecodeError, ValidationError) as exc:
                    self._reject(f"invalid event line: {str(exc)[:200]}")
                    continue
                try:
                    self.recorder.record(event)
                except RuntimeError:  # the recorder is closed: the session is over
                    return False
                self.recorded += 1
            return True

    def _reject(self, why: str) -> None:
        if len(self.rejected) < 20:
            self.rejected.append(why)

    # ------------------------------------------------------------------ stop

    def stop(self, grace: float = STOP_GRACE) -> None:
        """SIGTERM mitmdump and wait (it scans what still waits and flushes flows.mitm), then record the
        last events."""
        if self._stopped:
            return
        self._stopped = True
        if self.device_proxy is not None:
            self._leave_device_proxy()
        elif self.process is not None:
            self.process.stop(grace)
        self._remove_canaries()
        self._stop_tail.set()
        if self._tail_thread is not None:
            self._tail_thread.join(5)
        self.drain()
        if self._partial:
            self._reject("a torn last line (mitmdump died while writing it)")
            self._partial = b""

    close = stop

    def _leave_device_proxy(self) -> None:
        """Switch the device's mitmdump off this session's files (it writes the last flows and closes
        them); a dead one is the session's exit reason already."""
        assert self.device_proxy is not None
        if self.device_proxy.alive:
            try:
                self.device_proxy.switch(None, None, {}, block_unrouted=True)
            except RuntimeError as exc:
                self.tail_error = self.tail_error or f"capture: {exc}"


class DeviceProxy:
    """A sim device's mitmdump for a whole run: each session's ``Capture`` switches it to its files and
    routes, so that a session does not pay mitmdump's start-up (~1.4 s). Between sessions it records
    nothing and answers every host with 502. Started and stopped by the device's slot (the runner)."""

    def __init__(self, log_path: Path, canaries: Mapping[str, str] | None = None, *, confdir: Path = DEFAULT_CONFDIR,
                 listen_port: int = 0, start_timeout: float = 30.0, switch_timeout: float = STOP_GRACE) -> None:
        self.log_path = log_path
        self.canaries = dict(canaries or {})
        self.confdir = confdir
        self.listen_port = listen_port
        self.start_timeout = start_timeout
        self.switch_timeout = switch_timeout  # the old session's waiting flows are scanned first (DRAIN_SECONDS)
        self.process: ChildProcess | None = None
        self.port = 0
        self._switches = 0

    def start(self) -> int:
        ensure_ca(self.confdir)
        options = base_options(self.confdir, True) | session_options(None, None, {}, True)
        try:
            self.process, self.port = start_mitmdump(mitmdump_command("127.0.0.1", self.listen_port, options),
                                                     self.log_path, "127.0.0.1", self.start_timeout)
        except RuntimeError:
            self.stop()
            raise
        return self.port

    def switch(self, events: Path | None, flows: Path | None, routes: Mapping[str, tuple[int, int]],
               block_unrouted: bool, canaries_file: Path | None = None) -> None:
        """Record into these files (None: nowhere) with these routes and canaries, once the previous files
        are complete."""
        assert self.process is not None, "the device proxy was not started"
        self._switches += 1
        ident = self._switches
        options = session_options(events, flows, routes, block_unrouted, canaries_file)
        answer = self.process.request(
            json.dumps({"id": ident, "options": options}),
            lambda line: f"{SWITCHED} {ident}" in line or f"{NOT_SWITCHED} {ident}:" in line,
            self.switch_timeout)
        if NOT_SWITCHED in answer:
            raise RuntimeError(f"mitmdump could not switch to {events}: {answer}")

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.alive

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(STOP_GRACE)


def base_options(confdir: Path, sim: bool) -> dict[str, str]:
    """mitmdump's options for the whole life of the process."""
    return {
        "confdir": str(confdir),
        "flow_detail": "0",  # flows go to flows.mitm and the timeline, never to the log
        "termlog_verbosity": "info",
        # the sim: the fixture back end has a self-signed cert; with lazy connections a blocked
        # host's request (URL, body) is still seen and recorded before it is answered with 502
        "ssl_insecure": "true" if sim else "false",
        "connection_strategy": "lazy" if sim else "eager",
    }


def session_options(events: Path | None, flows: Path | None, routes: Mapping[str, tuple[int, int]],
                    block_unrouted: bool, canaries_file: Path | None = None) -> dict[str, Any]:
    """The options that belong to one session (harness/capture/switch.py changes exactly these)."""
    return {
        "miniprobe_canaries": str(canaries_file) if canaries_file else "",
        "save_stream_file": str(flows) if flows else "",
        "miniprobe_events": str(events) if events else "",
        "miniprobe_routes": format_routes(routes),
        "miniprobe_block_unrouted": block_unrouted,
    }


def mitmdump_command(listen_host: str, listen_port: int, options: Mapping[str, Any]) -> list[str]:
    argv = [*mitmdump_argv(), "--listen-host", listen_host, "--listen-port", str(listen_port),
            "-s", str(ADDON_PATH), "-s", str(SWITCH_PATH)]
    for name, value in options.items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        argv += ["--set", f"{name}={text}"]
    return argv


def start_mitmdump(argv: list[str], log_path: Path, listen_host: str, timeout: float) -> tuple[ChildProcess, int]:
    """Start mitmdump; return it and its port once it listens with the addon loaded."""
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
           "PYTHONUNBUFFERED": "1"}
    process = ChildProcess("mitmdump", argv, env=env, cwd=REPO_ROOT, log_path=log_path)
    seen: dict[str, int | bool] = {}

    def ready(line: str) -> bool:
        if found := _LISTENING_RE.search(line):
            seen["port"] = int(found.group(1))
        if _READY_MARK in line:
            seen["addon"] = True
        return "port" in seen and "addon" in seen

    try:
        process.start(ready, timeout=timeout)
    except RuntimeError as exc:
        raise RuntimeError(f"mitmproxy (capture) failed to start; log: {log_path}\n{exc}") from exc
    port = int(seen["port"])
    with socket.create_connection((_connect_host(listen_host), port), timeout=5):
        pass
    return process, port


def write_canaries(canaries: Mapping[str, str]) -> Path | None:
    """The canaries for the addon, outside the session folder (they are raw personal data); kept until
    mitmdump stops because mitmproxy reads its options again when it reloads the addon."""
    if not canaries:
        return None
    fd, name = tempfile.mkstemp(prefix="miniprobe-canaries-", suffix=".json")  # created 0600
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(dict(canaries), f, ensure_ascii=False)
    return Path(name)


def _connect_host(listen_host: str) -> str:
    """Where this host reaches a proxy listening on ``listen_host`` (a wildcard: the loopback)."""
    wildcard = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}
    return wildcard.get(listen_host, listen_host.strip("[]"))


def read_flows(path: Path, *, max_flows: int = 100_000) -> Iterator[mitmflow.Flow]:
    """The flows of a flows.mitm file, at most ``max_flows``. A torn tail (mitmdump killed while
    writing) ends the iteration instead of raising: what was written before it is intact."""
    with open(path, "rb") as f:
        reader = FlowReader(f)
        try:
            for count, recorded in enumerate(reader.stream()):
                if count >= max_flows:
                    return
                yield recorded
        except FlowReadException:
            return
