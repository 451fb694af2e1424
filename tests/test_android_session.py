"""AndroidSession without a phone: against a real adb server that lists no device, the session is
still recorded (events.jsonl, session.json), marked as an error that says what is missing and how to fix it;
the runner's health check says the same on one line. With stand-ins for the phone's parts: the session
timeout cuts a call stuck on the phone, and the end clock and device kind reach the records."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.common.exceptions import InvalidSessionIdException

from harness.android import prep
from harness.android.session import AndroidSession, health_check
from harness.config import AndroidApp, AndroidDevice, Scenario, StepSpec
from harness.instrument.android import AndroidInstrument
from harness.session import RunResources
from harness.timeline import ClockSync, SessionEnd, iter_events
from tests.test_android_devices_check import free_port

pytestmark = pytest.mark.e2e
assert shutil.which("adb"), "adb missing: run make setup (Debian package adb)"


@pytest.fixture
def adb_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    port = free_port()
    subprocess.run(["adb", "-P", str(port), "start-server"], check=True, capture_output=True, timeout=60)
    monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(port))
    try:
        yield port
    finally:
        subprocess.run(["adb", "-P", str(port), "kill-server"], check=False, capture_output=True, timeout=30)


def test_a_session_on_a_missing_phone_is_recorded_as_an_error(adb_server: int, tmp_path: Path) -> None:
    device = AndroidDevice(name="p7", kind="android", serial="0123456789ABCDEF",
                           appium_url=f"http://127.0.0.1:{free_port()}")
    app = AndroidApp(appid="wx1234567890abcdef", env_version="trial", name="门店查询")
    scenario = Scenario(name="first-launch", steps=[StepSpec(action="launch")])
    session = AndroidSession(tmp_path / "s1", scenario, device, app, RunResources(device.appium_url, (0, 0)))
    result = session.run()
    assert result.outcome == "error"
    assert result.reason is not None and "adb: 0123456789ABCDEF is not connected" in result.reason
    assert "fix: plug the phone in" in result.reason
    summary = json.loads((tmp_path / "s1" / "session.json").read_text())
    assert summary["device"]["kind"] == "android" and summary["app"]["appid"] == "wx1234567890abcdef"
    assert summary["outcome"] == "error" and summary["partial"] is True
    events = list(iter_events(tmp_path / "s1" / "events.jsonl"))
    assert isinstance(events[-1], SessionEnd) and events[-1].outcome == "error"


def test_the_runner_health_check_names_what_is_missing_and_the_fix(adb_server: int) -> None:
    """The same judgement as `miniprobe devices check`, on one line, changing nothing."""
    device = AndroidDevice(name="p7", kind="android", serial="0123456789ABCDEF",
                           appium_url=f"http://127.0.0.1:{free_port()}")
    why = health_check(device)
    assert why is not None and "\n" not in why
    assert why.startswith("adb: 0123456789ABCDEF is not connected (adb lists: no devices) (fix: plug the phone in")
    assert "; appium: no Appium server at http://127.0.0.1:" in why
    assert prep.read_restore(device.serial) is None  # nothing written, nothing changed


def _check(name: str, detail: str = "", status: str = "missing") -> prep.Check:
    return prep.Check(name, status, detail, "fix it")  # type: ignore[arg-type]


def test_a_session_puts_right_only_what_it_prepares_itself() -> None:
    checks = [
        _check("frida-server", "frida-server 16.5.9 is installed but not running"),
        _check("ca", "mitmproxy CA c8750f0d.0 is not in /system/etc/security/cacerts"),
        _check("proxy", "the global proxy is still 127.0.0.1:8080 from an unfinished session"),
        _check("cleanup", "a session that did not finish left the global proxy on the device"),
        _check("battery", "87%", "ok"),
        _check("screen", "could not tell", "warn"),
    ]
    assert prep.blocking(checks) == []
    unfit = [_check("frida-server", "no frida-server at /data/local/tmp/frida-server"), _check("root", "no root")]
    assert prep.blocking(checks + unfit) == unfit
    assert prep.describe(unfit) == ("frida-server: no frida-server at /data/local/tmp/frida-server (fix: fix it); "
                                    "root: no root (fix: fix it)")


class _StuckDriver:
    """Stands in for Appium: ``launch`` waits on the phone until the Appium session is ended."""

    def __init__(self) -> None:
        self.ended = threading.Event()
        self.cut = False  # the Appium session was ended while launch waited (not only at close)

    def launch(self, app: AndroidApp, *, path: str | None, query: str | None) -> str:
        self.cut = self.ended.wait(20)
        raise InvalidSessionIdException("A session is either terminated or not started")

    def quit(self) -> None:
        self.ended.set()

    def dialogs(self) -> list[object]:
        return []

    def screenshot(self, path: Path) -> None:
        path.write_bytes(b"")

    def dump_ui(self, path: Path) -> None:
        path.write_text("<hierarchy/>")


class _NoPhoneSession(AndroidSession):
    """AndroidSession with its device parts replaced by stand-ins (the watchdog and summary are real)."""

    def _open(self) -> None:
        assert self.recorder is not None
        self.instrument = AndroidInstrument(self.recorder, self.device)
        self.instrument.clock_end = ClockSync(offset_ns=1234, error_ns=56)
        self.android_driver = self.driver = _StuckDriver()  # type: ignore[assignment]


def test_the_session_timeout_cuts_a_call_stuck_on_the_phone(tmp_path: Path) -> None:
    """The runner's session timeout ends the Appium session; the end clock and kind are recorded."""
    device = AndroidDevice(name="p7", kind="android", serial="0123456789ABCDEF")
    app = AndroidApp(appid="wx1234567890abcdef", name="门店查询")
    scenario = Scenario(name="stuck", steps=[StepSpec(action="launch")])
    resources = RunResources(device.appium_url, (0, 0), session_timeout=1.0, step_grace=30.0)
    session = _NoPhoneSession(tmp_path / "s", scenario, device, app, resources)
    result = session.run()
    assert session.android_driver.cut  # type: ignore[union-attr]
    assert (result.outcome, result.reason) == ("error", "session timeout: not finished within 1 s")
    end = list(iter_events(tmp_path / "s" / "events.jsonl"))[-1]
    assert isinstance(end, SessionEnd) and end.clock == ClockSync(offset_ns=1234, error_ns=56)
    summary = json.loads((tmp_path / "s" / "session.json").read_text())
    assert summary["device"] == {"name": "p7", "kind": "android", "serial": "0123456789ABCDEF", "account": None}
    assert summary["app"]["appid"] == "wx1234567890abcdef" and summary["app"]["name"] == "门店查询"
    assert summary["android"]["clock_end"] == {"offset_ns": 1234, "error_ns": 56}
    assert summary["reason"] == result.reason
