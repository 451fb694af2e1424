"""Faults, for real on the sim: one `miniprobe run` over six sim devices in parallel; the test kills
a different part of five of them mid-session and leaves the sixth alone.

The test finds the pids in the session.json each session writes once its device is up (the
`processes` it records for exactly this kind of tool) and kills after the session recorded its
second step, during a long wait. Each killed session must be a readable partial session marked as
an error with the reason, keep every event recorded before the kill, and have its findings marked
partial; the untouched device must finish cleanly.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from harness.event_views import SessionEnd
from harness.timeline import Timeline
from tests.conftest import miniprobe_cmd

pytestmark = pytest.mark.e2e

# device -> (processes to kill, words the session's reason must contain)
FAULTS = {
    "fault-appium": (["appium"], "Appium server"),
    "fault-chromium": (["chromium"], "Chromium"),
    "fault-host": (["host"], "sim host (JVM)"),
    "fault-mitmproxy": (["mitmproxy"], "mitmdump"),
    "fault-device": (["appium", "chromedriver", "chromium", "host", "mitmproxy"], "died"),
}
CONTROL = "control"
KILL_AFTER_STEP = 1  # index of the step whose record triggers the kill (the wait comes next)


def write_inputs(tmp: Path, repo: Path) -> tuple[Path, Path]:
    devices = tmp / "devices.yaml"
    entries = "".join(f"  - {{name: {name}, kind: sim, tags: [faults]}}\n" for name in [*FAULTS, CONTROL])
    devices.write_text("devices:\n" + entries)
    suite = tmp / "suite.yaml"
    suite.write_text(f"""\
name: faults
apps: [{repo / "sim" / "apps" / "storefinder-violating"}]
scenarios:
  - name: launch-then-wait
    steps:
      - launch
      - scope_popup: allow
        optional: true
        timeout: 8
      - wait: 12
      - dialog: agree
      - tap: 附近门店
""")
    return devices, suite


def step_recorded(events: Path, index: int) -> bool:
    if not events.exists():
        return False
    return any('"kind":"step"' in line and f'"index":{index},' in line
               for line in events.read_text(errors="replace").splitlines())


def inject(run_root: Path, proc: subprocess.Popen[str], deadline: float) -> dict[str, bytes]:
    """Kill each fault device's processes once its session recorded step KILL_AFTER_STEP; return the
    bytes of events.jsonl as they were at the kill."""
    before: dict[str, bytes] = {}
    while len(before) < len(FAULTS):
        assert proc.poll() is None, f"the run ended before every fault was injected: {sorted(before)}"
        assert time.monotonic() < deadline, f"faults not injected in time: only {sorted(before)}"
        for session in run_root.glob("*/*"):
            device = session.name.split("-launch-then-wait-", 1)[-1]
            if device not in FAULTS or device in before or not (session / "session.json").exists():
                continue
            if not step_recorded(session / "events.jsonl", KILL_AFTER_STEP):
                continue
            meta = json.loads((session / "session.json").read_text())
            assert meta["outcome"] == "running", meta
            # what the recorder has written: the bytes before the NULs of its unwritten space (mapped_log)
            before[device] = (session / "events.jsonl").read_bytes().rstrip(b"\0")
            for name in FAULTS[device][0]:
                pid = meta["processes"][name]
                assert pid, f"{device}: no {name} pid in session.json"
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
    return before


@pytest.fixture(scope="module")
def fault_run(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes], int]:
    tmp = tmp_path_factory.mktemp("faults")
    devices, suite = write_inputs(tmp, repo)
    out = tmp / "artifacts"
    proc = subprocess.Popen(
        [*miniprobe_cmd(), "run", str(suite), "--devices", str(devices), "--tags", "faults", "--out", str(out),
         "--fail-on", "none", "--step-grace", "20"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=repo,
    )
    try:
        before = inject(out, proc, time.monotonic() + 300)
        stdout, stderr = proc.communicate(timeout=400)
    finally:
        if proc.poll() is None:
            proc.kill()
    run_dir = Path(stdout.strip().splitlines()[-1])
    assert run_dir.parent == out, stderr[-3000:]
    return run_dir, before, proc.returncode


def session_of(run_dir: Path, device: str) -> Path:
    found = [p for p in run_dir.iterdir() if p.is_dir() and p.name.endswith(f"-{device}")]
    assert len(found) == 1, f"{device}: {found}"
    return found[0]


def test_the_run_reports_the_errors_and_goes_on(fault_run: tuple[Path, dict[str, bytes], int]) -> None:
    run_dir, _, code = fault_run
    assert code == 2  # sessions ended in error
    summary = json.loads((run_dir / "run.json").read_text())
    outcomes = {s["device"]: s["outcome"] for s in summary["sessions"]}
    assert outcomes == {**{d: "error" for d in FAULTS}, CONTROL: "ok"}


@pytest.mark.parametrize("device", list(FAULTS))
def test_a_killed_part_leaves_a_readable_partial_error_session(
    fault_run: tuple[Path, dict[str, bytes], int], device: str
) -> None:
    run_dir, before, _ = fault_run
    session = session_of(run_dir, device)
    meta = json.loads((session / "session.json").read_text())
    assert meta["outcome"] == "error" and meta["partial"] is True
    assert FAULTS[device][1] in meta["reason"], meta["reason"]
    events = (session / "events.jsonl").read_bytes()
    assert events.startswith(before[device]), "events recorded before the kill were changed or lost"
    timeline = Timeline.load(session)  # readable
    end = timeline.end
    assert isinstance(end, SessionEnd) and end.outcome == "error" and end.reason == meta["reason"]
    assert timeline.partial
    steps = [e for e in timeline.events if e.kind == "step"]
    assert [s.index for s in steps][: KILL_AFTER_STEP + 1] == list(range(KILL_AFTER_STEP + 1))
    findings = json.loads((session / "findings.json").read_text())
    assert all(f["partial"] for f in findings)


def test_findings_of_killed_sessions_are_kept_and_marked_partial(fault_run: tuple[Path, dict[str, bytes], int]) -> None:
    run_dir, _, _ = fault_run
    rules = {d: {f["rule"] for f in json.loads((session_of(run_dir, d) / "findings.json").read_text())}
             for d in FAULTS}
    assert any("CON-001" in r for r in rules.values()), rules  # the launch-time location grab was recorded


def test_the_untouched_device_finished_cleanly(fault_run: tuple[Path, dict[str, bytes], int]) -> None:
    run_dir, _, _ = fault_run
    session = session_of(run_dir, CONTROL)
    meta = json.loads((session / "session.json").read_text())
    assert meta["outcome"] == "ok" and not meta["partial"]
    findings = json.loads((session / "findings.json").read_text())
    assert findings and not any(f["partial"] for f in findings)
