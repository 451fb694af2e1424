"""(app x scenario x device) sessions of one run over a pool of devices, into artifacts/<run>/.

Each selected device is leased by one thread that runs its sessions one at a time, so as many
devices work in parallel as the pool holds. Before each session the device's health is checked
(a sim restarts its Appium server if it died); a device that fails the check is quarantined and
the run goes on with the others. A session that ended in an infrastructure error without findings
is retried with backoff (``RunOptions.retries``); its failed attempt's folder stays as evidence,
renamed ``NN-...-attemptK``. A session with findings is never retried: findings are results.

By default every (app, scenario) runs on every selected device (a compatibility matrix); with
``spread`` each (app, scenario) runs once, on whichever device is free first (interchangeable
devices, such as ``replicas:`` of one sim). A device is a ``DeviceSlot``: local (sim, android) or,
with ``--farm``, a remote device served by a ``miniprobe worker`` (harness/farm/).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from harness.config import REPO_ROOT, AndroidApp, AndroidDevice, ConfigError, Scenario, SimDevice, Suite
from harness.procs import PORTS
from harness.progress import RunProgress
from harness.session import DevicePorts, RunResources, SessionResult
from harness.timeline import ClockSync, Recorder, SessionEnd, utc_now_iso

ARTIFACTS = REPO_ROOT / "artifacts"
Device = SimDevice | AndroidDevice


class DeviceUnhealthy(Exception):
    """A slot found its device unfit only when it tried to run the session (a farm worker's check)."""


@dataclass(frozen=True)
class RunOptions:
    retries: int = 0  # extra attempts for a session that ended in an infrastructure error
    backoff: float = 5.0  # seconds before the first retry; doubled for each further one
    session_timeout: float | None = None  # a scenario's own `timeout:` wins
    step_grace: float = 30.0
    spread: bool = False


@dataclass(frozen=True)
class WorkItem:
    """One session to run: its folder name, what to run, where (None: any device), which attempt."""

    name: str
    app: Any  # a source folder (sim) or an AndroidApp {appid, env_version, path, query} (android)
    scenario: Scenario
    device: str | None
    attempt: int = 1
    kind: str = "sim"  # the device kind that can run the app


@dataclass
class RunResult:
    run_dir: Path
    sessions: list[SessionResult] = field(default_factory=list)
    attempts: dict[str, list[str]] = field(default_factory=dict)  # session -> folders of failed attempts
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> facts for run.json
    quarantined: dict[str, str] = field(default_factory=dict)  # device -> why
    not_run: list[dict[str, str]] = field(default_factory=list)
    started: str = ""
    ended: str = ""

    @property
    def errors(self) -> list[SessionResult]:
        return [s for s in self.sessions if s.outcome == "error"]

    @property
    def failed_to_run(self) -> bool:
        """An error session, or work left undone because its device was quarantined."""
        return bool(self.errors or self.not_run)


class DeviceSlot(Protocol):
    """A leased device: checked before each session, runs one session at a time."""

    name: str
    kind: str

    def health(self) -> str | None:
        """None when the device can run a session; else why not (it is then quarantined)."""

    def run_session(self, session_dir: Path, item: WorkItem, on_step: Any) -> SessionResult: ...

    def facts(self) -> dict[str, Any]:
        """What run.json records about the device (kind, ports, where it runs)."""

    def close(self) -> None: ...


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:40] or "x"


def new_run_dir(suite: Suite, root: Path = ARTIFACTS) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = root / f"{stamp}-{slug(suite.name)}"
    n = 1
    while run_dir.exists():
        n += 1
        run_dir = root / f"{stamp}-{slug(suite.name)}-{n}"
    run_dir.mkdir(parents=True, mode=0o700)
    return run_dir


def app_kind(app: Any) -> str:
    """Which device kind runs the app: a source folder runs on the sim, an appid on a phone."""
    return "android" if isinstance(app, (AndroidApp, dict)) else "sim"


def app_label(app: Any) -> str:
    if isinstance(app, AndroidApp):
        return app.name or app.appid
    if isinstance(app, dict):
        return str(app.get("name") or app.get("appid") or "app")
    return Path(app).name


def plan(suite: Suite, apps: Sequence[Any], devices: Mapping[str, str], *, spread: bool) -> list[WorkItem]:
    """The sessions of a run (``devices``: name -> kind), numbered in (app, scenario, device) order;
    an app goes only to devices of its kind. The device joins the folder name only when the same
    (app, scenario) runs on several devices."""
    items: list[WorkItem] = []
    for app in apps:
        kind = app_kind(app)
        targets: list[str | None] = [None] if spread else [d for d, k in devices.items() if k == kind]
        for scenario in suite.scenarios:
            for device in targets:
                stem = f"{len(items) + 1:02d}-{slug(app_label(app))}-{slug(scenario.name)}"
                if device is not None and len(targets) > 1:
                    stem += f"-{slug(device)}"
                items.append(WorkItem(stem, app, scenario, device, kind=kind))
    return items


def should_retry(result: SessionResult, item: WorkItem, options: RunOptions) -> bool:
    """Only infrastructure errors are retried, and never a session that has findings."""
    return result.outcome == "error" and not result.findings and item.attempt <= options.retries


def backoff_delay(attempt: int, options: RunOptions) -> float:
    """Seconds to wait before attempt ``attempt + 1``: backoff, 2x backoff, 4x backoff, ..."""
    return options.backoff * (2 ** (attempt - 1))


class WorkQueue:
    """The sessions not yet started; a device takes the first one meant for it (or for any device).

    A taken item is in flight until it is done or put back. A device finding nothing to take waits
    while an item it could run is in flight elsewhere: that device may yet be quarantined and hand
    the item back, and the work must not be left behind by devices that already went home."""

    def __init__(self, items: Sequence[WorkItem]) -> None:
        self._items = list(items)
        self._in_flight: list[WorkItem] = []
        self._cond = threading.Condition()

    @staticmethod
    def _fits(item: WorkItem, device: str, kind: str) -> bool:
        return item.device in (None, device) and item.kind == kind

    def take(self, device: str, kind: str) -> WorkItem | None:
        with self._cond:
            while True:
                for i, item in enumerate(self._items):
                    if self._fits(item, device, kind):
                        self._in_flight.append(item)
                        return self._items.pop(i)
                if not any(self._fits(item, device, kind) for item in self._in_flight):
                    return None
                self._cond.wait()

    def done(self, taken: WorkItem) -> None:
        with self._cond:
            self._release(taken)

    def put_back(self, taken: WorkItem, again: WorkItem | None = None) -> None:
        """Return a taken item (or its next attempt, ``again``) to the front of the queue."""
        with self._cond:
            self._items.insert(0, again or taken)
            self._release(taken)

    def _release(self, taken: WorkItem) -> None:
        self._in_flight = [i for i in self._in_flight if i is not taken]
        self._cond.notify_all()

    def drop_for(self, device: str) -> list[WorkItem]:
        """Remove and return the items only this device could run."""
        with self._cond:
            mine = [i for i in self._items if i.device == device]
            self._items = [i for i in self._items if i.device != device]
        return mine

    def rest(self) -> list[WorkItem]:
        with self._cond:
            rest, self._items = self._items, []
        return rest


# ---------------------------------------------------------------------------------- local devices


class SimSlot:
    """A sim device: its own Appium server, and for each session a fresh chromedriver port (a port just
    closed may linger in TIME_WAIT and refuse a bind); the proxy and the host bind port 0 themselves."""

    kind = "sim"

    def __init__(self, device: SimDevice, run_dir: Path, backend_ports: tuple[int, int], options: RunOptions) -> None:
        self.name = device.name
        self.device = device
        self.run_dir = run_dir
        self.backend_ports = backend_ports
        self.options = options
        self.ports = DevicePorts(appium=PORTS.take())
        self.appium: Any = None
        self.proxy: Any = None  # the device's mitmdump, started with its first session and kept for the run

    def health(self) -> str | None:
        """Appium answers (started, or restarted once after it died), and the sim's tools exist."""
        from harness.drivers.appium_server import AppiumServer

        for tool in ("java", "chromium", "chromedriver"):
            if not shutil.which(tool):
                return f"{tool} not found: run `make setup`"
        if self.appium is not None and self.appium.healthy() is None:
            return None
        if self.appium is not None:
            self.appium.stop()
        try:
            self.appium = AppiumServer(port=self.ports.appium, log_path=self.run_dir / f"appium-{slug(self.name)}.log")
            self.appium.start()
        except RuntimeError as exc:
            return f"Appium server did not start: {exc}"
        return self.appium.healthy()

    def run_session(self, session_dir: Path, item: WorkItem, on_step: Any) -> SessionResult:
        from harness.session import SimSession

        # mitmdump and the JVM host bind port 0 and report the port they got (no probe-then-bind race with
        # other processes); only chromedriver's port must be chosen up front (Appium's capability)
        proxy = self._proxy()
        ports = DevicePorts(appium=self.ports.appium, chromedriver=PORTS.take())
        resources = RunResources(
            appium_url=self.appium.url, backend_ports=self.backend_ports, ports=ports,
            appium_pid=self.appium.pid, proxy=proxy, session_timeout=self.options.session_timeout,
            step_grace=self.options.step_grace,
        )
        try:
            return SimSession(session_dir, item.scenario, self.device, Path(item.app), resources,
                              on_step=on_step).run()
        finally:
            PORTS.release(ports.chromedriver)

    def _proxy(self) -> Any:
        """The device's mitmdump, (re)started when it is not running (a session may have lost it)."""
        from harness.capture.proxy import DeviceProxy
        from harness.session import profile_canaries

        if self.proxy is None or not self.proxy.alive:
            if self.proxy is not None:
                self.proxy.stop()
            self.proxy = DeviceProxy(self.run_dir / f"mitmdump-{slug(self.name)}.log", profile_canaries(self.device))
            self.proxy.start()
        return self.proxy

    def facts(self) -> dict[str, Any]:
        return {"kind": "sim", "tags": self.device.tags, "ports": vars(self.ports)}

    def close(self) -> None:
        if self.appium is not None:
            self.appium.stop()
        if self.proxy is not None:
            self.proxy.stop()


class AndroidSlot:
    """A phone: reached through its own Appium server, frida-server and mitmproxy (devices.yaml)."""

    kind = "android"

    def __init__(self, device: AndroidDevice, options: RunOptions) -> None:
        self.name = device.name
        self.device = device
        self.options = options

    def health(self) -> str | None:
        """What `miniprobe devices check` would call missing (adb, Appium, root, WeChat, ...) and no
        session puts right by itself, with the fix; changes nothing on the phone."""
        from harness.android.session import health_check

        return health_check(self.device)

    def run_session(self, session_dir: Path, item: WorkItem, on_step: Any) -> SessionResult:
        from harness.android.session import AndroidSession  # the android helper's

        resources = RunResources(appium_url=self.device.appium_url, backend_ports=(0, 0),
                                 session_timeout=self.options.session_timeout, step_grace=self.options.step_grace)
        return AndroidSession(session_dir, item.scenario, self.device, item.app, resources, on_step=on_step).run()

    def facts(self) -> dict[str, Any]:
        return {"kind": "android", "tags": self.device.tags, "serial": self.device.serial}

    def close(self) -> None:
        pass


# ---------------------------------------------------------------------------------- the pool


class Pool:
    """Runs the planned sessions over the slots, one thread per device."""

    def __init__(self, run_dir: Path, slots: Sequence[DeviceSlot], items: Sequence[WorkItem],
                 options: RunOptions, progress: RunProgress) -> None:
        self.run_dir = run_dir
        self.slots = list(slots)
        self.queue = WorkQueue(items)
        self.order = [i.name for i in items]
        self.options = options
        self.progress = progress
        self.result = RunResult(run_dir, started=utc_now_iso())
        self._lock = threading.Lock()
        self._finals: dict[str, SessionResult] = {}

    def run(self) -> RunResult:
        threads = [threading.Thread(target=self._serve, args=(slot,), name=f"device-{slot.name}", daemon=True)
                   for slot in self.slots]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for item in self.queue.rest():  # every device that could have run these is quarantined
            self._not_run(item, f"no healthy {item.kind} device left to run it")
        self.result.sessions = [self._finals[n] for n in self.order if n in self._finals]
        self.result.devices = {s.name: s.facts() for s in self.slots}
        self.result.ended = utc_now_iso()
        return self.result

    def _serve(self, slot: DeviceSlot) -> None:
        try:
            while (item := self.queue.take(slot.name, slot.kind)) is not None:
                try:
                    self.progress.update(slot.name, "checking", session=item.name, detail="health check")
                    why = _safe(slot.health)
                    if why or (why := self._run(slot, item)):
                        self.queue.put_back(item)
                        self._quarantine(slot, why)
                        return
                except BaseException:
                    self.queue.done(item)  # never leave other devices waiting for an item nobody holds
                    raise
            self.progress.update(slot.name, "done", session="", detail="")
        finally:
            _safe(slot.close)

    def _run(self, slot: DeviceSlot, item: WorkItem) -> str | None:
        """Run one session (and schedule its retry); return why the device is unfit, if it said so."""
        session_dir = self.run_dir / item.name
        self.progress.update(slot.name, "running", session=item.name, detail="starting")
        try:
            result = slot.run_session(session_dir, item, lambda msg: self.progress.update(slot.name, detail=msg))
        except DeviceUnhealthy as unfit:
            return str(unfit)
        except Exception as exc:  # noqa: BLE001 - a session that could not even start is recorded, not raised
            result = record_error_session(session_dir, slot.name, item, f"{type(exc).__name__}: {exc}",
                                          traceback.format_exc())
        rules = " ".join(sorted({f["rule"] for f in result.findings}))
        summary = f"{result.outcome}" + (f" ({result.reason})" if result.reason else "") + \
            f": {len(result.findings)} finding(s) {rules}".rstrip()
        if should_retry(result, item, self.options):
            kept = self._keep_attempt(session_dir, item)
            delay = backoff_delay(item.attempt, self.options)
            self.progress.update(slot.name, "retrying", session=item.name,
                                 detail=f"attempt {item.attempt} {summary}; kept as {kept}; retry in {delay:g} s")
            time.sleep(delay)
            self.queue.put_back(item, replace(item, attempt=item.attempt + 1))
            return None
        with self._lock:
            self._finals[item.name] = result
        self.queue.done(item)
        self.progress.session_done(slot.name, item.name, summary)
        return None

    def _keep_attempt(self, session_dir: Path, item: WorkItem) -> str:
        kept = session_dir.with_name(f"{item.name}-attempt{item.attempt}")
        session_dir.rename(kept)
        with self._lock:
            self.result.attempts.setdefault(item.name, []).append(kept.name)
        return kept.name

    def _quarantine(self, slot: DeviceSlot, why: str) -> None:
        with self._lock:
            self.result.quarantined[slot.name] = why
        self.progress.update(slot.name, "quarantined", detail=why)
        for item in self.queue.drop_for(slot.name):
            self._not_run(item, f"device {slot.name} quarantined: {why}")

    def _not_run(self, item: WorkItem, why: str) -> None:
        with self._lock:
            self.result.not_run.append({"session": item.name, "device": item.device or "", "why": why})


def _safe(call: Any) -> Any:
    """A device's health check or close must not take the pool down: an exception is its answer."""
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - reported as the reason
        return f"{type(exc).__name__}: {exc}"


def record_error_session(session_dir: Path, device: str, item: WorkItem, reason: str, trace: str) -> SessionResult:
    """A session folder for a session that could not start: readable, and marked as an error."""
    session_dir.mkdir(parents=True, exist_ok=True)
    (session_dir / "error.txt").write_text(trace)
    events = session_dir / "events.jsonl"
    if not events.exists():
        recorder = Recorder(events)
        recorder.record(SessionEnd(source="harness", outcome="error", reason=reason, clock=ClockSync()))
        recorder.close()
    meta = {"session": session_dir.name, "device": {"name": device}, "app": {"name": app_label(item.app)},
            "scenario": {"name": item.scenario.name}, "outcome": "error", "reason": reason, "findings": 0,
            "rules": [], "partial": True}
    (session_dir / "session.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return SessionResult(session_dir, "error", reason, [])


def run_suite(
    suite: Suite,
    devices: Sequence[Device],
    apps: Sequence[Any],
    *,
    out_root: Path = ARTIFACTS,
    options: RunOptions = RunOptions(),
    progress: RunProgress | None = None,
    slots: Sequence[DeviceSlot] | None = None,
) -> RunResult:
    """Run every (app, scenario) on the devices (every device, or any with ``spread``), in parallel
    across devices. ``slots`` replaces the local devices (the farm dispatcher's remote devices)."""
    if not apps:
        raise ConfigError(suite.file, None, "apps", "no mini program to run: give --app, `apps:` in the suite, "
                          "or `app:` on the device in devices.yaml")
    kinds = {s.name: s.kind for s in slots} if slots is not None else {d.name: d.kind for d in devices}
    names = list(kinds)
    items = plan(suite, apps, kinds, spread=options.spread)
    progress = progress or RunProgress(names, len(items))
    old_umask = os.umask(0o077)  # artifacts hold real personal data: owner-only
    backend = None
    try:
        run_dir = new_run_dir(suite, out_root)
        if slots is None:
            sim_apps = [Path(a) for a in apps if app_kind(a) == "sim"]
            backend_ports = (0, 0)
            if any(isinstance(d, SimDevice) for d in devices):
                from sim.backend import FixtureBackend

                backend = FixtureBackend(sim_apps)
                backend_ports = backend.start()
            slots = [SimSlot(d, run_dir, backend_ports, options) if isinstance(d, SimDevice)
                     else AndroidSlot(d, options) for d in devices]
        with progress:
            result = Pool(run_dir, slots, items, options, progress).run()
        write_run_summary(result, suite, options)
        return result
    finally:
        if backend is not None:
            backend.stop()
        os.umask(old_umask)


def write_run_summary(result: RunResult, suite: Suite, options: RunOptions) -> None:
    by_dir = {s.session_dir.name: s for s in result.sessions}
    summary = {
        "suite": suite.name,
        "suite_file": str(suite.file),
        "started": result.started,
        "ended": result.ended,
        "options": {"retries": options.retries, "backoff": options.backoff, "spread": options.spread,
                    "session_timeout": options.session_timeout, "step_grace": options.step_grace},
        "devices": result.devices,
        "quarantined": result.quarantined,
        "sessions": [
            {"dir": name, "device": _device_of(s), "outcome": s.outcome, "reason": s.reason,
             "findings": len(s.findings), "rules": sorted({f["rule"] for f in s.findings}),
             "attempts": result.attempts.get(name, [])}
            for name, s in by_dir.items()
        ],
        "not_run": result.not_run,
    }
    (result.run_dir / "run.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")


def _device_of(result: SessionResult) -> str | None:
    try:
        return json.loads((result.session_dir / "session.json").read_text())["device"]["name"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
