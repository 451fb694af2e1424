"""Owners of long-lived child processes: start, watch, stop, and say why they died."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

# si_code values of a child that is gone for good (as opposed to stopped, trapped or continued)
_TERMINATED = frozenset({os.CLD_EXITED, os.CLD_KILLED, os.CLD_DUMPED})


def has_terminated(pid: int) -> bool:
    """Our child ``pid`` has ended (or was reaped already), checked without reaping it and without
    consuming a stop.

    Frida injects from inside this process: its ptrace tracer waits for the target's stops with
    ``waitpid``. ``Popen.poll()`` on the same child from another thread can take such a stop first
    (a tracer's process sees its tracees' stops whatever the wait flags) and then records
    ``returncode = -WSTOPSIG``: the JVM host looked "killed by signal 11" (or 5) while it was only
    stopped by the injector, and Frida timed out waiting for the stop it never saw.
    ``waitid(WNOWAIT)`` only peeks: a stop stays for the tracer to collect.
    """
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None and info.si_code in _TERMINATED


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PortAllocator:
    """Free loopback ports, each handed out once per process.

    ``free_port`` alone can give two parallel devices the same port between its probe and the
    real bind; remembering what was handed out keeps the devices of one run apart.
    """

    def __init__(self) -> None:
        self._given: set[int] = set()
        self._lock = threading.Lock()

    def take(self) -> int:
        with self._lock:
            for _ in range(200):
                port = free_port()
                if port not in self._given:
                    self._given.add(port)
                    return port
        raise RuntimeError("no free loopback port left to hand out")

    def release(self, *ports: int) -> None:
        """The ports are free again (their session ended); the OS decides when they can be bound."""
        with self._lock:
            self._given.difference_update(ports)


PORTS = PortAllocator()


def pids_with_arg(*fragments: str, without: str | None = None) -> list[int]:
    """Pids of this user's processes whose command line contains every fragment (and not
    ``without``), from Linux /proc.

    Finds the processes a child started on our behalf (Chromium under chromedriver under Appium)
    by an argument unique to one session, such as its ``--user-data-dir``.
    """
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if all(f in cmdline for f in fragments) and not (without and without in cmdline):
            found.append(int(entry.name))
    return sorted(found)


class ChildProcess:
    """One child process with its output kept in a bounded tail (and optionally a log file).

    ``ready_line`` is a predicate over stdout/stderr lines; ``start`` returns once it matches, and
    raises with the output tail when the process exits first or the timeout passes.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(os.environ) | dict(env or {})
        self.cwd = cwd
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.tail: deque[str] = deque(maxlen=60)
        self._listeners: list[Callable[[str], None]] = []
        self._stopping = False
        self._log = None

    @property
    def pid(self) -> int:
        assert self.proc is not None, f"{self.name} was not started"
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.poll() is None

    def poll(self) -> int | None:
        """``Popen.poll()`` that is safe while a debugger in this process (Frida) traces the child."""
        assert self.proc is not None, f"{self.name} was not started"
        if self.proc.returncode is None and not has_terminated(self.proc.pid):
            return None
        return self.proc.poll()  # reaps the ended child

    def wait(self, timeout: float) -> int:
        """``Popen.wait(timeout)`` without stealing a tracer's stops (see ``has_terminated``)."""
        deadline = time.monotonic() + timeout
        while (code := self.poll()) is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.argv, timeout)
            time.sleep(0.02)
        return code

    def exit_reason(self) -> str | None:
        """Why the process is gone (None while it runs or after a requested stop)."""
        if self.proc is None or self.poll() is None or self._stopping:
            return None
        code = self.proc.returncode
        how = f"killed by signal {-code}" if code < 0 else f"exited with status {code}"
        last = " | ".join(list(self.tail)[-3:])
        return f"{self.name} {how}" + (f": {last}" if last else "")

    def start(self, ready_line: Callable[[str], bool] | None = None, timeout: float = 30.0) -> str | None:
        if self.log_path:
            self._log = open(self.log_path, "a", encoding="utf-8", errors="replace")  # noqa: SIM115
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,  # its own process group: stop() takes its children with it
        )
        ready = threading.Event()
        matched: list[str] = []

        def watch(line: str) -> None:
            if ready_line is not None and not ready.is_set() and ready_line(line):
                matched.append(line)
                ready.set()

        self._listeners.append(watch)
        threading.Thread(target=self._pump, name=f"{self.name}-output", daemon=True).start()
        if ready_line is None:
            return None
        deadline = time.monotonic() + timeout
        while not ready.wait(0.05):
            if not self.alive:
                raise RuntimeError(f"{self.name} did not start: {self.exit_reason()}\n" + "\n".join(self.tail))
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s:\n" + "\n".join(self.tail))
        return matched[0]

    def request(self, line: str, answer: Callable[[str], bool], timeout: float) -> str:
        """Write ``line`` to the child's stdin; return the first output line ``answer`` accepts. Raises
        RuntimeError when the child dies or does not answer within ``timeout`` seconds."""
        assert self.proc is not None and self.proc.stdin is not None, f"{self.name} was not started"
        answered = threading.Event()
        got: list[str] = []

        def listen(out: str) -> None:
            if not answered.is_set() and answer(out):
                got.append(out)
                answered.set()

        self._listeners.append(listen)
        try:
            try:
                self.proc.stdin.write(line.encode("utf-8") + b"\n")
                self.proc.stdin.flush()
            except OSError as exc:  # a broken pipe: the child is gone
                raise RuntimeError(f"{self.name} cannot be told {line[:80]!r}: {exc}") from exc
            deadline = time.monotonic() + timeout
            while not answered.wait(0.02):
                if not self.alive:
                    raise RuntimeError(f"{self.name} died before answering: {self.exit_reason()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not answer within {timeout:g} s:\n" + "\n".join(self.tail))
            return got[0]
        finally:
            self._listeners.remove(listen)

    def _pump(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            self.tail.append(line)
            if self._log:
                self._log.write(line + "\n")
                self._log.flush()
            for listener in list(self._listeners):
                listener(line)

    def stop(self, grace: float = 5.0) -> None:
        if self.proc is None:
            return
        self._stopping = True
        if self.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.wait(grace)
            except (ProcessLookupError, PermissionError):
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.wait(grace)
        if self._log:
            self._log.close()
            self._log = None


def pid_alive(pid: int) -> bool:
    """The process exists and is not a zombie (a killed child its parent has not reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def kill_pids(pids: Sequence[int], sig: int = signal.SIGKILL) -> None:
    """Signal processes that may already be gone (leftovers of a session that was cut short)."""
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
