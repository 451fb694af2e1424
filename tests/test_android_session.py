"""AndroidSession without a phone: against a real adb server that lists no device, the session is
still recorded (events.jsonl, session.json), marked as an error that says what is missing and how to fix it."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.android.session import AndroidSession
from harness.config import AndroidApp, AndroidDevice, Scenario, StepSpec
from harness.session import RunResources
from harness.timeline import SessionEnd, iter_events
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
