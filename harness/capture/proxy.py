"""The owner of one mitmproxy process: starts mitmdump with the miniprobe addon, feeds its flow
events into the session's timeline, watches it, stops it, and says why it died.

mitmdump runs as a child process (not in-process) so that a crash of the proxy, or a fault test
that kills it, leaves the harness running and the session readable. The addon appends each flow
event to ``proxy-events.jsonl`` and flushes it; a tail thread records each line into the session
``Recorder`` as it arrives, and ``stop`` drains what is left after mitmdump exits. mitmdump also
writes every flow to ``flows.mitm`` (replay and evidence); ``read_flows`` reads it back.
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

import orjson
from mitmproxy import flow as mitmflow
from mitmproxy.exceptions import FlowReadException
from mitmproxy.io import FlowReader
from pydantic import ValidationError

from harness.capture.addon import format_routes
from harness.procs import ChildProcess
from harness.timeline import Flow, Recorder

REPO_ROOT = Path(__file__).resolve().parents[2]
ADDON_PATH = Path(__file__).resolve().with_name("addon.py")
DEFAULT_CONFDIR = REPO_ROOT / ".cache" / "mitmproxy"

EVENTS_FILE = "proxy-events.jsonl"
FLOWS_FILE = "flows.mitm"
LOG_FILE = "mitmdump.log"
MAX_EVENT_LINE = 4 * 1024 * 1024  # a longer line is not an event the addon wrote
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
        options = {
            "confdir": str(self.confdir),
            "save_stream_file": str(self.flows_path),
            "flow_detail": "0",  # flows go to flows.mitm and the timeline, never to the log
            "termlog_verbosity": "info",
            # the sim: the fixture back end has a self-signed cert; with lazy connections a blocked
            # host's request (URL, body) is still seen and recorded before it is answered with 502
            "ssl_insecure": "true" if sim else "false",
            "connection_strategy": "lazy" if sim else "eager",
            "miniprobe_events": str(self.events_path),
            "miniprobe_routes": format_routes(self.routes),
            "miniprobe_block_unrouted": "true" if self.block_unrouted else "false",
            "miniprobe_canaries": str(canaries_file) if canaries_file else "",
        }
        argv = [*mitmdump_argv(), "--listen-host", self.listen_host, "--listen-port", str(self.listen_port),
                "-s", str(ADDON_PATH)]
        for name, value in options.items():
            argv += ["--set", f"{name}={value}"]
        return argv

    def start(self) -> int:
        """Start mitmdump; return its port once it listens with the addon loaded. Raises RuntimeError
        with mitmdump's output when it does not get there within ``start_timeout`` seconds."""
        if self.process is not None:
            raise RuntimeError("this Capture was already started; use a new one per session")
        self.session_dir.mkdir(parents=True, exist_ok=True)
        ensure_ca(self.confdir)
        self.events_path.touch(mode=0o600)
        canaries_file = self._write_canaries()
        env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
               "PYTHONUNBUFFERED": "1"}
        self.process = ChildProcess("mitmdump", self.argv(canaries_file), env=env, cwd=REPO_ROOT,
                                    log_path=self.session_dir / LOG_FILE)
        seen: dict[str, int | bool] = {}

        def ready(line: str) -> bool:
            if found := _LISTENING_RE.search(line):
                seen["port"] = int(found.group(1))
            if _READY_MARK in line:
                seen["addon"] = True
            return "port" in seen and "addon" in seen

        try:
            self.process.start(ready, timeout=self.start_timeout)
        except RuntimeError as exc:
            self._remove_canaries()
            log = self.session_dir / LOG_FILE
            raise RuntimeError(f"mitmproxy (capture) failed to start; log: {log}\n{exc}") from exc
        self.port = int(seen["port"])
        with socket.create_connection((_connect_host(self.listen_host), self.port), timeout=5):
            pass
        self._tail_thread = threading.Thread(target=self._tail, name="capture-events", daemon=True)
        self._tail_thread.start()
        return self.port

    def _write_canaries(self) -> Path | None:
        """The canaries for the addon, outside the session folder (they are raw personal data); kept
        until ``stop`` because mitmproxy reads its options again when it reloads the addon."""
        if not self.canaries:
            return None
        fd, name = tempfile.mkstemp(prefix="miniprobe-canaries-", suffix=".json")  # created 0600
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(self.canaries, f, ensure_ascii=False)
        self._canaries_file = Path(name)
        return self._canaries_file

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

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM mitmdump and wait (it flushes flows.mitm), then record the last events."""
        if self._stopped:
            return
        self._stopped = True
        if self.process is not None:
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
