"""The agent's Android framework hooks and both bridge signatures, for real under Frida, in a HotSpot JVM
that carries Android's class names (tests/fixtures/android_stand_in) next to WeChat's JNI bridge
(tests/fixtures/java_bridge). The same path a phone's appbrand process takes: AndroidInstrument.instrument."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.instrument.android import AndroidInstrument
from harness.instrument.build import compile_agent
from harness.timeline import ApiCall, NativeCall, Recorder, iter_events
from tests.test_frida_agent_e2e import Jvm

pytestmark = pytest.mark.e2e
assert shutil.which("javac"), "javac missing: run make setup"

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BRIDGE = sorted((FIXTURES / "java_bridge" / "src" / "com").rglob("*.java"))
STAND_IN = sorted((FIXTURES / "android_stand_in" / "src").rglob("*.java"))


@pytest.fixture(scope="module")
def classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("android_stand_in")
    subprocess.run(["javac", "-d", str(out), *map(str, BRIDGE), *map(str, STAND_IN)], check=True)
    compile_agent()
    return out


@pytest.fixture
def jvm(classes: Path) -> Iterator[Jvm]:
    vm = Jvm([classes], "miniprobe.fixture.FrameworkDriver")
    try:
        yield vm
    finally:
        vm.stop()


def instrumented(jvm: Jvm, tmp_path: Path, version: str | None = None) -> tuple[AndroidInstrument, Recorder]:
    import frida

    recorder = Recorder(tmp_path / "events.jsonl")
    android = AndroidInstrument(recorder, wechat_version=version, frida_device=frida.get_local_device(),
                                pattern=re.compile(r"^java$"))
    android.appids.note_launch("wx1234567890abcdef", time.monotonic_ns())
    assert android.instrument(jvm.pid, "com.tencent.mm:appbrand0") is not None, android.failures
    return android, recorder


def test_framework_hooks_and_both_bridge_forms(jvm: Jvm, tmp_path: Path) -> None:
    android, recorder = instrumented(jvm, tmp_path)
    report = android.framework[jvm.pid]
    assert any(h.startswith("android.provider.Settings$Secure.getString(") for h in report["hooks"])
    assert any("getCurrentLocation: no such method" in s for s in report["skipped"])  # absent here: skipped, not fatal
    jvm.send("framework", expect="DONE")
    jvm.send("bridge", expect="DONE")
    android.close()
    recorder.close()

    events = list(iter_events(tmp_path / "events.jsonl"))
    native = [e for e in events if isinstance(e, NativeCall)]
    apis = [e.api.rsplit(".", 2)[-2] + "." + e.api.rsplit(".", 1)[-1] for e in native]
    assert apis == [
        "LocationManager.getLastKnownLocation", "Location.getLatitude", "LocationManager.requestLocationUpdates",
        "TelephonyManager.getDeviceId", "TelephonyManager.getImei", "TelephonyManager.getSubscriberId",
        "TelephonyManager.getLine1Number", "TelephonyManager.getSimSerialNumber", "Settings$Secure.getString",
        "WifiInfo.getBSSID", "WifiInfo.getSSID", "WifiManager.getScanResults", "ClipboardManager.getPrimaryClip",
        "ContentResolver.query", "Camera.open", "CameraManager.openCamera", "AudioRecord.startRecording",
        "MediaRecorder.start", "ApplicationPackageManager.getInstalledPackages", "SensorManager.registerListener",
    ]  # the media URI query and the bluetooth_name setting are not personal data: not recorded
    by_api = {e.api: e for e in native}
    last = by_api["android.location.LocationManager.getLastKnownLocation"]
    assert last.args == ["gps"] and last.result == "Location[gps 31.230416,121.473701]" and last.category == "位置信息"
    assert any("FrameworkDriver.framework" in f for f in last.stack), last.stack
    assert last.process == "com.tencent.mm:appbrand0"
    assert by_api["android.provider.Settings$Secure.getString"].result == "9774d56d682e549c"
    assert by_api["android.telephony.TelephonyManager.getImei"].args == ["0"]
    assert by_api["android.content.ContentResolver.query"].args[0] == "content://com.android.contacts/data/phones"
    assert by_api["android.content.ContentResolver.query"].category == "通讯录"
    assert by_api["android.media.AudioRecord.startRecording"].result is None  # void
    assert by_api["android.net.wifi.WifiInfo.getBSSID"].category == "Wi-Fi 信息"

    calls = {c.callback_id: c for c in events if isinstance(c, ApiCall)}
    assert calls[201].api == calls[202].api == "getLocation" and calls[201].ok and calls[202].ok  # 5- and 7-arg

    # clock: measured at start and end with an error bound; the JVM's clock is this host's here
    assert android.clock_start is not None and android.clock_end is not None
    assert abs(android.clock_start.offset_ns) <= android.clock_start.error_ns + 5_000_000
    assert android.appids.appid_of(jvm.pid) == "wx1234567890abcdef" and android.appids.how(jvm.pid) == "launch"


def test_version_table_hooks_and_crash(jvm: Jvm, tmp_path: Path) -> None:
    android, recorder = instrumented(jvm, tmp_path, version="8.0.50")
    assert any(h.startswith("wechat:jsapi.getLocation:com.tencent.mm.plugin.appbrand.jsapi.i0.k.a(")
               for h in android.framework[jvm.pid]["hooks"])
    jvm.send("obfuscated", expect="DONE")
    android.processes[jvm.pid].flush()
    jvm.proc.kill()  # the appbrand process dies: reported, and what was seen is kept
    jvm.proc.wait(10)
    for _ in range(100):
        if android.detached:
            break
        time.sleep(0.05)
    assert "process-terminated" in android.detached[jvm.pid]
    android.close()
    recorder.close()
    native = [e for e in iter_events(tmp_path / "events.jsonl") if isinstance(e, NativeCall)]
    assert [e.api for e in native] == ["wechat:jsapi.getLocation:com.tencent.mm.plugin.appbrand.jsapi.i0.k.a"]
    assert native[0].args == ['{"type":"gcj02"}', "7"] and native[0].category is None


def test_unlisted_version_adds_nothing(tmp_path: Path) -> None:
    from harness.instrument.android import obfuscated_hooks

    assert obfuscated_hooks("8.0.50")[0]["cls"] == "com.tencent.mm.plugin.appbrand.jsapi.i0.k"
    assert obfuscated_hooks("9.9.9") == [] and obfuscated_hooks(None) == []
    broken = tmp_path / "t.json"
    broken.write_text("{")
    assert obfuscated_hooks("8.0.50", broken) == []
