"""The Frida agent on a real JVM: a stand-in of WeChat's JNI bridge (tests/fixtures/java_bridge),
real Frida, the real Recorder, events read back with iter_events."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from harness.config import REPO_ROOT, SimProfile
from harness.drivers.sim import SimHost
from harness.instrument.build import compile_agent
from harness.instrument.frida import FridaInstrument, InstrumentError
from harness.procs import ChildProcess
from harness.timeline import ApiCall, ClockSync, Lifecycle, Recorder, StorageWrite, iter_events

pytestmark = pytest.mark.e2e
# No skip: without a JDK this seam is untested, so the suite must fail loudly (make setup installs one).
assert shutil.which("javac"), "javac missing: run make setup"

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "java_bridge" / "src"
BRIDGE_SOURCES = sorted((FIXTURE / "com").rglob("*.java"))
DRIVER_SOURCES = sorted((FIXTURE / "miniprobe").rglob("*.java"))


@pytest.fixture(scope="module")
def classes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixture compiled: bridge classes and driver classes in separate directories."""
    out = tmp_path_factory.mktemp("java_bridge")
    bridge, driver = out / "bridge", out / "driver"
    subprocess.run(["javac", "-d", str(bridge), *map(str, BRIDGE_SOURCES)], check=True)
    subprocess.run(["javac", "-cp", str(bridge), "-d", str(driver), *map(str, DRIVER_SOURCES)], check=True)
    compile_agent()
    return {"bridge": bridge, "driver": driver}


class Jvm:
    """The fixture's JVM, driven line by line over stdin/stdout."""

    def __init__(self, classpath: list[Path], main: str, *args: str) -> None:
        cp = os.pathsep.join(map(str, classpath))
        self.proc = subprocess.Popen(
            ["java", "-Xshare:auto", "-cp", cp, main, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        ready = self.expect("READY")
        self.pid = int(ready.split("pid=")[1])

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def expect(self, prefix: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"the JVM did not print {prefix!r} within {timeout} s")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line.startswith(prefix):
                return line
            if line.startswith("ERROR"):
                raise AssertionError(line)

    def send(self, command: str, expect: str | None = None, timeout: float = 20.0) -> str | None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.expect(expect, timeout) if expect else None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def jvm(classes: dict[str, Path]) -> Iterator[Jvm]:
    vm = Jvm([classes["driver"], classes["bridge"]], "miniprobe.fixture.BridgeDriver", "--preload")
    try:
        yield vm
    finally:
        vm.stop()


def _events(path: Path) -> list:
    return list(iter_events(path))


def test_bridge_calls_are_recorded_as_events(jvm: Jvm, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    recorder = Recorder(path)
    inst = FridaInstrument(recorder, process_label="fixture-jvm", clock=ClockSync(offset_ns=0, error_ns=0))
    before = time.monotonic_ns()
    inst.attach(jvm.pid)
    assert inst.ready_info is not None
    hooks = inst.ready_info["hooks"]
    assert any(h.endswith("int, boolean)") and "nativeInvokeHandler" in h for h in hooks)  # 5-arg form
    assert any(h.endswith("boolean, int, int)") for h in hooks)  # 7-arg form
    assert any("invokeCallbackHandler" in h for h in hooks)
    assert inst.ping()["pong"] is True

    jvm.send("scenario", expect="DONE")
    inst.close()
    after = time.monotonic_ns()
    inst.close()  # twice is fine
    recorder.close()

    events = _events(path)
    calls = [e for e in events if isinstance(e, ApiCall)]
    lifecycles = [e for e in events if isinstance(e, Lifecycle)]
    writes = [e for e in events if isinstance(e, StorageWrite)]
    assert all(e.source == "frida" for e in events)

    # lifecycle calls become lifecycle events, in order
    assert [(e.event, e.page) for e in lifecycles] == [("launch", "pages/index/index"), ("route", "pages/detail/detail")]
    assert not any(c.api == "__lifecycle" for c in calls)

    by_cb = {c.callback_id: c for c in calls if not c.is_sync}
    # async call paired with its result (delivered by invokeCallbackHandler from another thread)
    ok = by_cb[101]
    assert ok.api == "getLocation" and ok.args == {"type": "gcj02"}
    assert ok.ok is True and ok.err_msg is None and ok.result["latitude"] == 31.2304
    assert ok.category == "位置信息"
    assert ok.process == "fixture-jvm"
    assert ok.t_result is not None and ok.t <= ok.t_result
    # the device clock is the host's monotonic clock (System.nanoTime on Linux)
    assert before <= ok.t <= after and ok.device_t == ok.t
    # Java stack (the caller's frames) + JS stack from extra
    assert any("BridgeDriver.scenario" in f for f in ok.stack), ok.stack
    assert len([f for f in ok.stack if not f.startswith("at ")]) <= 15
    assert "at Page.onLoad (pages/index/index.js:12:8)" in ok.stack

    denied = by_cb[102]
    assert denied.ok is False and denied.errno == 104
    assert denied.err_msg == "getLocation:fail privacy permission is not authorized"

    # the 7-arg overload, non-JSON data and extra kept raw
    req = by_cb[104]
    assert req.api == "request" and req.args == "not json {" and req.ok is True and req.category is None
    assert not any(f.startswith("at ") for f in req.stack)

    # never answered: recorded at close() with ok=None
    never = by_cb[105]
    assert never.api == "startLocationUpdate" and never.ok is None and never.result is None and never.t_result is None

    sync = [c for c in calls if c.is_sync]
    assert [c.api for c in sync] == ["__invokeRegister", "getStorageSync", "setStorageSync"]
    assert sync[1].result == {"errMsg": "getStorageSync:ok", "data": "abc"} and sync[1].ok is True

    # storage writes: the sync and the async (7-arg) one, linked to their api_call
    assert sorted((w.key, w.value_class) for w in writes) == [("token", "string"), ("user", "object")]
    seqs = {e.seq: e for e in events}
    for w in writes:
        assert isinstance(seqs[w.api_seq], ApiCall) and seqs[w.api_seq].api.startswith("setStorage")
    user = next(w for w in writes if w.key == "user")
    assert user.t == by_cb[103].t


def test_target_dying_mid_session_is_reported(jvm: Jvm, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    recorder = Recorder(path)
    inst = FridaInstrument(recorder, process_label="fixture-jvm")
    inst.attach(jvm.pid)
    jvm.send("scenario", expect="DONE")
    inst.flush()  # what was seen so far is recorded now
    recorded_before = inst.recorded
    assert recorded_before > 0

    os.kill(jvm.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while inst.detached_reason is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert inst.detached_reason is not None and "process-terminated" in inst.detached_reason
    assert not inst.alive
    inst.close()  # must not raise after the target died
    inst.close()
    recorder.close()

    events = _events(path)
    apis = [e.api for e in events if isinstance(e, ApiCall)]
    assert "getLocation" in apis and "setStorage" in apis
    never = [e for e in events if isinstance(e, ApiCall) and e.api == "startLocationUpdate"]
    assert len(never) == 1 and never[0].ok is None  # pending calls are not lost when the target dies


def test_classes_loaded_after_attach_are_hooked(classes: dict[str, Path], tmp_path: Path) -> None:
    """Bridge classes that appear later, in their own class loader (spawned process): retried."""
    vm = Jvm([classes["driver"]], "miniprobe.fixture.LateLoader")
    try:
        recorder = Recorder(tmp_path / "events.jsonl")
        inst = FridaInstrument(recorder, process_label="late")
        inst.attach(vm.pid, wait_ready=False)
        time.sleep(0.3)
        assert not inst.ready
        vm.send(f"load {classes['bridge']}", expect="LOADED")
        info = inst.wait_ready(timeout=15)
        assert any("nativeInvokeHandler" in h for h in info["hooks"])
        vm.send("call", expect="DONE")
        inst.close()
        recorder.close()
        calls = [e for e in iter_events(tmp_path / "events.jsonl") if isinstance(e, ApiCall)]
        assert sorted((c.api, c.ok) for c in calls) == [("getLocation", True), ("getStorageSync", True)]
    finally:
        vm.stop()


def started_up(pid: int) -> None:
    """Wait until ``pid`` has exec'd and is asleep in its own code: Frida injecting while the dynamic
    loader still maps libc made the injected loader crash (SIGSEGV) on a loaded machine."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if state == "S" and "libc" in Path(f"/proc/{pid}/maps").read_text():
            return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} did not start up in 10 s")


def test_attach_to_a_process_without_java_fails_clearly(tmp_path: Path) -> None:
    compile_agent()
    proc = subprocess.Popen(["sleep", "30"])
    try:
        started_up(proc.pid)
        inst = FridaInstrument(Recorder(tmp_path / "events.jsonl"), ready_timeout=10)
        with pytest.raises(InstrumentError, match="Java"):
            inst.attach(proc.pid)
        inst.close()
    finally:
        proc.kill()
        proc.wait()


def test_attach_to_a_missing_process_fails_clearly(tmp_path: Path) -> None:
    compile_agent()
    inst = FridaInstrument(Recorder(tmp_path / "events.jsonl"))
    with pytest.raises(InstrumentError, match="no such process"):
        inst.attach(2**22 + 12345)
    inst.close()


def _invoke(port: int, api: str, data: dict, callback_id: int) -> str:
    """One synchronous bridge call to the sim host, as the container page makes it."""
    body = orjson.dumps({"api": api, "data": orjson.dumps(data).decode(), "extra": "{}", "callbackId": callback_id,
                         "isSync": True})
    request = urllib.request.Request(f"http://127.0.0.1:{port}/bridge/invoke", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.read().decode()


def _watch(process: ChildProcess, until: threading.Event, deaths: list[str]) -> None:
    """Poll the process until told to stop, as the session watchdog does; note its death."""
    while not until.wait(0.002):
        why = process.exit_reason()
        if why:
            deaths.append(why)
            return


def test_fresh_sim_hosts_survive_attach_while_a_watchdog_polls_them(tmp_path: Path) -> None:
    """Fresh JVM hosts in a row, each attached, hooked and called while a thread polls it the way
    SimSession's watchdog does (every 2 ms here, so that the poll meets Frida's injection every time).

    Frida injects from inside this process with ptrace; a ``Popen.poll()`` (waitpid) from another thread
    used to take the injector's stops, so Frida timed out and the host looked "killed by signal 11"
    (or 5) with no JVM crash report: the flaky sessions of the corpus and demo runs.
    """
    subprocess.run([str(REPO_ROOT / "sim" / "host" / "build.sh")], check=True, timeout=300)
    compile_agent()
    app = REPO_ROOT / "sim" / "apps" / "storefinder-violating"
    for index in range(4):
        work = tmp_path / f"host{index}"
        work.mkdir()
        host = SimHost(app, SimProfile(), work)
        deaths: list[str] = []
        attached = threading.Event()
        try:
            host.start()
            watcher = threading.Thread(target=_watch, args=(host.process, attached, deaths), daemon=True)
            watcher.start()
            recorder = Recorder(work / "events.jsonl")
            inst = FridaInstrument(recorder, process_label=f"host{index}")
            try:
                inst.attach(host.pid)
                attached.set()
                watcher.join(5)
                result = orjson.loads(_invoke(host.port, "getSystemInfoSync", {}, 1))
                assert result["errMsg"] == "getSystemInfoSync:ok"
                inst.flush()
            finally:
                attached.set()
                inst.close()
                recorder.close()
            assert deaths == [], f"host {index}: the watchdog saw the host die during the attach: {deaths}"
            assert host.process.alive, host.process.exit_reason()
            calls = [e for e in iter_events(work / "events.jsonl") if isinstance(e, ApiCall)]
            assert [(c.api, c.ok) for c in calls] == [("getSystemInfoSync", True)], f"host {index}"
        finally:
            host.stop()
        assert not list(work.glob("hs_err_pid*.log")), f"host {index}: the JVM wrote a crash report"


def test_a_host_that_really_crashes_names_its_crash_report(tmp_path: Path) -> None:
    """A real JVM crash (a SIGSEGV the JVM cannot attribute to Java) writes hs_err_pid<N>.log into the
    session folder, and the reason the session records names it."""
    subprocess.run([str(REPO_ROOT / "sim" / "host" / "build.sh")], check=True, timeout=300)
    host = SimHost(REPO_ROOT / "sim" / "apps" / "storefinder-violating", SimProfile(), tmp_path)
    try:
        host.start()
        assert host.exit_reason() is None
        os.kill(host.pid, signal.SIGSEGV)
        deadline = time.monotonic() + 30
        while host.exit_reason() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        why = host.exit_reason()
        assert why is not None and "killed by signal" in why, why
        assert why.endswith(f"[JVM crash report: hs_err_pid{host.pid}.log]"), why
        assert (tmp_path / f"hs_err_pid{host.pid}.log").is_file()
    finally:
        host.stop()
