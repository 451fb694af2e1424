"""`miniprobe run` after its sessions: an error of the run's reports (here a --baseline that is not
a run folder) exits 2 with the message, and the sessions already recorded stay in the run folder."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import miniprobe_cmd

pytestmark = pytest.mark.e2e


def test_a_bad_baseline_is_an_error_after_the_sessions_are_recorded(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "launch.yaml").write_text("name: launch-only\nsteps:\n  - launch\n")
    not_a_run = tmp_path / "not-a-run"
    not_a_run.mkdir()
    proc = subprocess.run(
        [*miniprobe_cmd(), "run", str(tmp_path / "launch.yaml"), "--app", str(repo / "sim" / "apps" / "storefinder-compliant"),
         "--baseline", str(not_a_run), "--out", str(tmp_path / "artifacts"), "--fail-on", "none"],
        check=False, capture_output=True, text=True, timeout=300, cwd=repo,
    )
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "not a run folder" in proc.stderr and str(not_a_run) in proc.stderr
    assert "Traceback" not in proc.stderr
    (run_dir,) = (tmp_path / "artifacts").iterdir()
    (session,) = [p for p in run_dir.iterdir() if (p / "session.json").is_file()]
    assert json.loads((session / "session.json").read_text())["outcome"] == "ok"
    assert f"the sessions are recorded in {run_dir}" in proc.stderr


def test_schema_exports_the_run_findings_schema_as_committed(repo: Path, tmp_path: Path) -> None:
    proc = subprocess.run([*miniprobe_cmd(), "schema", "--out", str(tmp_path)],
                          check=False, capture_output=True, text=True, timeout=120, cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "events.schema.json", "findings.schema.json", "run-findings.schema.json"]
    for name in ("run-findings.schema.json", "findings.schema.json"):
        assert json.loads((tmp_path / name).read_text()) == json.loads((repo / "schema" / name).read_text()), name
