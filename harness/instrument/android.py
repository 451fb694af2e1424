"""Frida on a phone: WeChat's mini program processes (com.tencent.mm:appbrand0..4), from their start.

- Spawn gating: every new process on the device is held at its start; an appbrand process gets the
  agent (bridge hooks + Android framework hooks) *before* it is resumed, so what a mini program does
  during launch is seen; any other process is resumed at once. Appbrand processes already running
  are attached to as well.
- Each process is mapped to the mini program it hosts (``AppbrandMap``): the appid launched just
  before the process appeared, corrected by what its own traffic says (the servicewechat.com
  Referer, getAccountInfoSync's miniProgram.appId).
- The device-host clock offset is measured over the agent's rpc (``measure_clock``) at the start
  and the end, with its error bound (half the best round trip).
- A per-versionName table (harness/android/wechat_versions.json) names WeChat's renamed classes
  for extra hooks; the main path never needs it.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.instrument.frida import FridaInstrument, InstrumentError, parse_json
from harness.timeline import ClockSync, NativeCall, Recorder

if TYPE_CHECKING:
    import frida.core

    from harness.config import AndroidDevice

log = logging.getLogger(__name__)

APPBRAND = re.compile(r"^com\.tencent\.mm:appbrand\d$")
VERSION_TABLE = Path(__file__).resolve().parents[1] / "android" / "wechat_versions.json"

# class.method -> privacy category (WeChat's privacy-guide wording where there is one)
_CATEGORY_BY_CLASS = {
    "android.location.LocationManager": "位置信息",
    "android.location.Location": "位置信息",
    "android.telephony.TelephonyManager": "设备信息",
    "android.provider.Settings$Secure": "设备信息",
    "android.net.wifi.WifiInfo": "Wi-Fi 信息",
    "android.net.wifi.WifiManager": "Wi-Fi 信息",
    "android.content.ClipboardManager": "剪切板",
    "android.content.ContentResolver": "通讯录",
    "android.hardware.Camera": "摄像头",
    "android.hardware.camera2.CameraManager": "摄像头",
    "android.media.AudioRecord": "麦克风",
    "android.media.MediaRecorder": "麦克风",
    "android.app.ApplicationPackageManager": "已安装应用列表",
    "android.hardware.SensorManager": "传感器",
}


def native_category(api: str) -> str | None:
    """The privacy category of a hooked framework method (``android.x.Y.method``)."""
    return _CATEGORY_BY_CLASS.get(api.rsplit(".", 1)[0]) if not api.startswith("wechat:") else None


def native_call_event(item: dict[str, Any], *, process: str | None, clock: ClockSync) -> NativeCall:
    """A ``NativeCall`` from the agent's ``native`` item (agent/android.ts)."""
    device_t = int(item.get("t") or 0)
    result = item.get("result")
    if item.get("exc"):
        result = {"exception": str(item["exc"])}
    return NativeCall(
        source="frida",
        t=device_t + clock.offset_ns,
        device_t=device_t,
        api=str(item.get("api", "")),
        args=[str(a) for a in item.get("args") or []],
        result=result,
        stack=[str(f) for f in item.get("jstack") or []],
        category=native_category(str(item.get("api", ""))),
        process=process,
    )


# ------------------------------------------------------------------------------- the clock

def measure_clock(device_now: Callable[[], int], samples: int = 5) -> ClockSync:
    """host_t = device_t + offset, from the sample with the shortest round trip; error = half of it."""
    best: tuple[int, int] | None = None  # (round trip, offset)
    for _ in range(samples):
        before = time.monotonic_ns()
        device_t = device_now()
        after = time.monotonic_ns()
        rtt = after - before
        offset = (before + after) // 2 - device_t
        if best is None or rtt < best[0]:
            best = (rtt, offset)
    assert best is not None
    return ClockSync(offset_ns=best[1], error_ns=(best[0] + 1) // 2)


# ------------------------------------------------------------------------------- the version table

def obfuscated_hooks(version_name: str | None, table_path: Path = VERSION_TABLE) -> list[dict[str, Any]]:
    """The table's entries for this WeChat versionName; [] when it is not listed (nothing depends on it)."""
    if not version_name:
        return []
    try:
        table = json.loads(table_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("%s unreadable (%s): no version-specific hooks", table_path, exc)
        return []
    entries = table.get(version_name) or []
    return [e for e in entries if isinstance(e, dict) and {"label", "cls", "methods"} <= set(e)]


# ------------------------------------------------------------------------------- process -> appid

_APPID_HINT = re.compile(r'servicewechat\.com/(wx[0-9a-f]{16})/|"appId"\s*:\s*"(wx[0-9a-f]{16})"')


def appid_hint(text: Any) -> str | None:
    """An appid a mini program's own call or result states (Referer, getAccountInfoSync)."""
    if not isinstance(text, str):
        text = json.dumps(text, ensure_ascii=False) if text is not None else ""
    match = _APPID_HINT.search(text)
    return (match[1] or match[2]) if match else None


@dataclass
class AppbrandMap:
    """Which mini program each appbrand process hosts. Pure; fed by the session and the instrument.

    A process that appears within ``window_ns`` after a launch of appid X is taken to host X (WeChat
    starts or reuses an appbrand process for the launch); a hint from the process's own calls
    overrides that guess. ``appid_of`` says where each answer came from.
    """

    window_ns: int = 30_000_000_000
    launches: list[tuple[int, str]] = field(default_factory=list)
    by_pid: dict[int, tuple[str, str]] = field(default_factory=dict)  # pid -> (appid, how)

    def note_launch(self, appid: str, t: int) -> None:
        self.launches.append((t, appid))

    def note_process(self, pid: int, t: int) -> str | None:
        recent = [a for (lt, a) in self.launches if 0 <= t - lt <= self.window_ns]
        if recent and pid not in self.by_pid:
            self.by_pid[pid] = (recent[-1], "launch")
        return self.appid_of(pid)

    def note_hint(self, pid: int, text: Any) -> None:
        appid = appid_hint(text)
        if appid:
            self.by_pid[pid] = (appid, "traffic")

    def appid_of(self, pid: int) -> str | None:
        return self.by_pid.get(pid, (None, ""))[0]

    def how(self, pid: int) -> str | None:
        entry = self.by_pid.get(pid)
        return entry[1] if entry else None


def appbrand_targets(processes: Iterable[tuple[int, str]], pattern: re.Pattern[str] = APPBRAND) -> list[tuple[int, str]]:
    """The (pid, name) pairs of mini program processes."""
    return [(pid, name) for pid, name in processes if pattern.match(name)]


# ------------------------------------------------------------------------------- the owner

class AndroidInstrument:
    """The agent in every appbrand process of one phone, for one session.

    ``start()`` connects to frida-server, enables spawn gating and attaches to the appbrand
    processes already running; ``instrument(pid, name, resume=...)`` is the one path every process
    takes (attach, framework hooks, resume, wait for the bridge). ``close()`` measures the clock
    again, detaches everything and turns spawn gating off; it never raises.
    """

    def __init__(self, recorder: Recorder, device: AndroidDevice | None = None, *, wechat_version: str | None = None,
                 frida_device: frida.core.Device | None = None, pattern: re.Pattern[str] = APPBRAND,
                 ready_timeout: float = 20.0) -> None:
        self.recorder = recorder
        self.device = device
        self.frida_device = frida_device
        self.pattern = pattern
        self.ready_timeout = ready_timeout
        self.options = {"obfuscated": obfuscated_hooks(wechat_version)}
        self.processes: dict[int, FridaInstrument] = {}
        self.framework: dict[int, dict[str, Any]] = {}  # pid -> {hooks, skipped}
        self.failures: dict[int, str] = {}  # pid -> why it could not be instrumented
        self.appids = AppbrandMap()
        self.clock_start: ClockSync | None = None
        self.clock_end: ClockSync | None = None
        self._lock = threading.Lock()
        self._gating = False

    # ---- connecting

    def connect(self) -> frida.core.Device:
        """The frida device of this phone: over adb (usb) or frida-server's host:port."""
        import frida

        if self.frida_device is not None:
            return self.frida_device
        assert self.device is not None
        try:
            if self.device.frida == "usb":
                self.frida_device = frida.get_device(self.device.serial, timeout=5)
            else:
                self.frida_device = frida.get_device_manager().add_remote_device(self.device.frida)
        except (frida.InvalidArgumentError, frida.TransportError, frida.ServerNotRunningError) as exc:
            raise InstrumentError(f"no frida-server on {self.device.name} ({self.device.frida}): {exc}; "
                                  f"run `miniprobe devices check {self.device.name}`") from exc
        return self.frida_device

    def start(self) -> None:
        device = self.connect()
        device.on("spawn-added", self._on_spawn)
        device.enable_spawn_gating()
        self._gating = True
        for spawn in device.enumerate_pending_spawn():
            self._on_spawn(spawn)
        running = appbrand_targets(((p.pid, p.name) for p in device.enumerate_processes()), self.pattern)
        for pid, name in running:
            self.instrument(pid, name)

    def _on_spawn(self, spawn: Any) -> None:
        """Frida's thread: gate an appbrand process, let everything else go at once."""
        name = str(spawn.identifier or "")
        if self.pattern.match(name):
            threading.Thread(target=self.instrument, args=(spawn.pid, name), kwargs={"resume": True},
                             name=f"instrument-{spawn.pid}", daemon=True).start()
        else:
            self._resume(spawn.pid)

    def _resume(self, pid: int) -> None:
        assert self.frida_device is not None
        try:
            self.frida_device.resume(pid)
        except Exception as exc:  # noqa: BLE001 - the process may have died meanwhile
            log.info("resume %s: %s", pid, exc)

    # ---- one process

    def instrument(self, pid: int, name: str, *, resume: bool = False) -> FridaInstrument | None:
        """Attach, hook the framework, resume (a gated spawn), wait for the bridge. Never raises."""
        self.appids.note_process(pid, time.monotonic_ns())
        inst = FridaInstrument(self.recorder, process_label=name, ready_timeout=self.ready_timeout)
        with self._lock:
            self.processes[pid] = inst
        try:
            inst.attach(pid, self.frida_device, wait_ready=False)
            self.framework[pid] = inst.rpc("enable_framework", self.options)
            clock = measure_clock(lambda: int(inst.ping()["t"]))
            inst.set_clock(clock)
            if self.clock_start is None:
                self.clock_start = clock
            if resume:
                self._resume(pid)
            inst.wait_ready()
            return inst
        except Exception as exc:  # noqa: BLE001 - one bad process must not end the session
            self.failures[pid] = f"{name} (pid {pid}): {exc}"
            log.warning("cannot instrument %s: %s", name, exc)
            if resume:
                self._resume(pid)
            return None

    # ---- the end

    def close(self) -> None:
        if self._gating and self.frida_device is not None:
            try:
                self.frida_device.disable_spawn_gating()
                self.frida_device.off("spawn-added", self._on_spawn)
            except Exception as exc:  # noqa: BLE001 - the device may be gone
                log.info("disable spawn gating: %s", exc)
            self._gating = False
        with self._lock:
            instruments = list(self.processes.items())
        for pid, inst in instruments:
            if inst.alive and self.clock_end is None:
                try:
                    self.clock_end = measure_clock(lambda inst=inst: int(inst.ping()["t"]))
                except Exception as exc:  # noqa: BLE001 - the process may be gone
                    log.info("end clock on %s: %s", pid, exc)
            inst.close()

    @property
    def detached(self) -> dict[int, str]:
        """Processes that went away during the session, and why (crash summary included)."""
        return {pid: i.detached_reason for pid, i in self.processes.items() if i.detached_reason}

    def hint_appids(self, calls: Iterable[tuple[int, Any]]) -> None:
        """Feed (pid, call args or result) pairs: any appid they state maps that process."""
        for pid, payload in calls:
            self.appids.note_hint(pid, parse_json(payload) if isinstance(payload, str) else payload)
