"""The runner's time limits and retries on a real sim: a scenario whose `timeout:` is shorter than
its wait is cut by the watchdog, retried once (--retries 1), and both attempts stay as evidence;
an android device with no phone attached is quarantined (its app is not run) and the run goes on."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harness.timeline import Timeline
from tests.conftest import miniprobe_cmd

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def timeout_run(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    tmp = tmp_path_factory.mktemp("timeouts")
    (tmp / "devices.yaml").write_text(
        "devices:\n  - {name: sim-t, kind: sim, tags: [t]}\n"
        "  - {name: phone-t, kind: android, serial: NOSUCHPHONE01, tags: [t]}\n")
    (tmp / "suite.yaml").write_text(f"""\
name: timeouts
apps:
  - {repo / "sim" / "apps" / "storefinder-compliant"}
  - {{appid: wx0123456789abcdef, name: phone-app}}
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


def test_a_phone_that_is_not_attached_is_quarantined(timeout_run: tuple[Path, int]) -> None:
    run_dir, _ = timeout_run
    summary = json.loads((run_dir / "run.json").read_text())
    assert summary["quarantined"]["phone-t"]  # why, in the android check's words
    assert [n["session"] for n in summary["not_run"]] == ["02-phone-app-too-slow"]  # the phone's app
