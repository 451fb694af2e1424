"""Three sim devices in parallel on one machine, each with its own Appium server, chromedriver,
Chromium, JVM host and mitmproxy: one `miniprobe run` over a `replicas: 3` entry, proven from the
pids, ports and time windows each session.json records."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import miniprobe_cmd

pytestmark = pytest.mark.e2e
PARTS = ("appium", "chromedriver", "chromium", "host", "mitmproxy")


@pytest.fixture(scope="module")
def parallel_run(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("parallel")
    (tmp / "devices.yaml").write_text("devices:\n  - {name: par, kind: sim, tags: [sim], replicas: 3}\n")
    (tmp / "suite.yaml").write_text(f"""\
name: parallel
apps: [{repo / "sim" / "apps" / "storefinder-compliant"}]
scenarios:
  - name: open
    steps:
      - launch
      - dialog: agree
      - wait: 3
""")
    proc = subprocess.run(
        [*miniprobe_cmd(), "run", str(tmp / "suite.yaml"), "--devices", str(tmp / "devices.yaml"), "--device", "par",
         "--out", str(tmp / "artifacts"), "--fail-on", "none"],
        check=False, capture_output=True, text=True, timeout=400, cwd=repo,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Path(proc.stdout.strip().splitlines()[-1])


def metas(run_dir: Path) -> list[dict]:
    return [json.loads((p / "session.json").read_text()) for p in sorted(run_dir.iterdir()) if p.is_dir()]


def test_three_replicas_each_ran_a_clean_session(parallel_run: Path) -> None:
    found = metas(parallel_run)
    assert sorted(m["device"]["name"] for m in found) == ["par-1", "par-2", "par-3"]
    assert all(m["outcome"] == "ok" for m in found), [m["reason"] for m in found]


def test_each_device_had_its_own_processes_and_ports(parallel_run: Path) -> None:
    found = metas(parallel_run)
    for part in PARTS:
        pids = [m["processes"][part] for m in found]
        assert all(pids) and len(set(pids)) == 3, f"{part}: {pids}"
    for port in ("appium", "proxy", "host", "chromedriver"):
        ports = [m["ports"][port] for m in found]
        assert all(ports) and len(set(ports)) == 3, f"{port}: {ports}"


def test_the_sessions_ran_at_the_same_time(parallel_run: Path) -> None:
    found = metas(parallel_run)
    assert max(m["started"] for m in found) < min(m["ended"] for m in found)  # ISO-8601 UTC sorts as time
