"""The runner's time limits and retries on a real sim: a scenario whose `timeout:` is shorter than
its wait is cut by the watchdog, retried once (--retries 1), and both attempts stay as evidence.
An android device whose phone is not attached (a real adb server that lists no device) is
quarantined with the android health check's reason and fix, its app is not run, the sim's session
runs, and the run exits 2: work was left undone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.timeline import Timeline
from tests.conftest import miniprobe_cmd
from tests.test_android_devices_check import free_port

pytestmark = pytest.mark.e2e
assert shutil.which("adb"), "adb missing: run make setup (Debian package adb)"


@pytest.fixture(scope="module")
def timeout_run(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    tmp = tmp_path_factory.mktemp("timeouts")
    (tmp / "devices.yaml").write_text("devices:\n  - {name: sim-t, kind: sim, tags: [t]}\n")
    (tmp / "suite.yaml").write_text(f"""\
name: timeouts
apps:
  - {repo / "sim" / "apps" / "storefinder-compliant"}
scenarios:
  - name: too-slow
    timeout: 6
    steps:
      - launch
      - wait: 60
""")
    proc = subprocess.run(
        [*miniprobe_cmd(), "run", str(tmp / "suite.yaml"), "--devices", str(tmp / "devices.yaml"), "--tags", "t",
         "--retries", "1", "--backoff", "0.5", "--out", str(tmp / "artifacts"), "--fail-on", "none"],
        check=False, capture_output=True, text=True, timeout=300, cwd=repo,
    )
    return Path(proc.stdout.strip().splitlines()[-1]), proc.returncode


def test_the_session_timeout_cuts_the_session_and_it_is_retried(timeout_run: tuple[Path, int]) -> None:
    run_dir, code = timeout_run
    assert code == 2
    final = run_dir / "01-storefinder-compliant-too-slow"
    kept = run_dir / "01-storefinder-compliant-too-slow-attempt1"
    for session in (final, kept):
        meta = json.loads((session / "session.json").read_text())
        assert meta["outcome"] == "error" and meta["reason"] == "session timeout: not finished within 6 s", meta
        timeline = Timeline.load(session)
        assert timeline.partial and timeline.end is not None and timeline.end.reason == meta["reason"]
    summary = json.loads((run_dir / "run.json").read_text())
    sim = next(s for s in summary["sessions"] if s["device"] == "sim-t")
    assert sim["attempts"] == [kept.name]


@pytest.fixture(scope="module")
def adb_port() -> Iterator[int]:
    """An adb server of the test's own (a phone plugged into the CI machine must not count)."""
    port = free_port()
    subprocess.run(["adb", "-P", str(port), "start-server"], check=True, capture_output=True, timeout=60)
    try:
        yield port
    finally:
        subprocess.run(["adb", "-P", str(port), "kill-server"], check=False, capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def quarantine_run(repo: Path, adb_port: int, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    tmp = tmp_path_factory.mktemp("quarantine")
    (tmp / "devices.yaml").write_text(
        "devices:\n  - {name: sim-q, kind: sim, tags: [q]}\n"
        f"  - {{name: phone-q, kind: android, serial: NOSUCHPHONE01, appium_url: 'http://127.0.0.1:{free_port()}',"
        " tags: [q]}\n")
    (tmp / "suite.yaml").write_text(f"""\
name: quarantine
apps:
  - {repo / "sim" / "apps" / "storefinder-compliant"}
  - {{appid: wx0123456789abcdef, name: phone-app}}
scenarios:
  - name: open
    steps:
      - launch
""")
    proc = subprocess.run(
        [*miniprobe_cmd(), "run", str(tmp / "suite.yaml"), "--devices", str(tmp / "devices.yaml"), "--tags", "q",
         "--out", str(tmp / "artifacts"), "--fail-on", "none",
         "--retries", "1", "--backoff", "0.5"],  # a Frida attach that times out under CI load is retried
        check=False, capture_output=True, text=True, timeout=300, cwd=repo,
        env={**os.environ, "ANDROID_ADB_SERVER_PORT": str(adb_port)},
    )
    return Path(proc.stdout.strip().splitlines()[-1]), proc.returncode, proc.stderr


def test_a_phone_that_is_not_attached_is_quarantined_and_the_sim_runs(quarantine_run: tuple[Path, int, str]) -> None:
    run_dir, code, stderr = quarantine_run
    summary = json.loads((run_dir / "run.json").read_text())
    why = summary["quarantined"]["phone-q"]
    assert why.startswith("adb: NOSUCHPHONE01 is not connected (adb lists: no devices) (fix: plug the phone in")
    assert "appium: no Appium server at http://127.0.0.1:" in why  # every missing item, each with its fix
    assert f"[phone-q] 02-phone-app-open quarantined: {why}" in stderr
    assert summary["not_run"] == [{"session": "02-phone-app-open", "device": "phone-q",
                                   "why": f"device phone-q quarantined: {why}"}]
    assert [(s["dir"], s["device"], s["outcome"]) for s in summary["sessions"]] == [
        ("01-storefinder-compliant-open", "sim-q", "ok")]
    assert code == 2  # nothing failed, but the phone's work was left undone
