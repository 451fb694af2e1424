"""The farm for real: a redis-server on a free port, two `miniprobe worker` processes each serving
one sim device, and `miniprobe run --farm` dispatching to them by tag into one run folder."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.farm import registered_devices
from harness.procs import free_port
from tests.conftest import miniprobe_cmd

pytestmark = pytest.mark.e2e
WORKERS = {"w1": "farm-a", "w2": "farm-b"}


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = shutil.which("redis-server")
    assert server, "redis-server not found: run `make setup` (Debian package redis-server)"
    port = free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path_factory.mktemp("redis"))], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 20
    while True:
        try:
            registered_devices(url)
            break
        except Exception:  # noqa: BLE001 - not listening yet
            assert proc.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def workers(broker: str, repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    tmp = tmp_path_factory.mktemp("workers")
    procs, logs = [], {}
    for worker, device in WORKERS.items():
        devices = tmp / f"{worker}.yaml"
        devices.write_text(f"devices:\n  - {{name: {device}, kind: sim, tags: [sim, farm]}}\n")
        logs[worker] = tmp / f"{worker}.log"
        procs.append(subprocess.Popen(
            [*miniprobe_cmd(), "worker", "--devices", str(devices), "--broker", broker, "--name", worker,
             "--work-dir", str(tmp / f"{worker}-work")],
            stdout=open(logs[worker], "w"), stderr=subprocess.STDOUT, cwd=repo))  # noqa: SIM115
    deadline = time.monotonic() + 60
    while {e["device"]["name"] for e in registered_devices(broker)} != set(WORKERS.values()):
        assert all(p.poll() is None for p in procs), "a worker exited:\n" + "\n".join(
            log.read_text()[-2000:] for log in logs.values())
        assert time.monotonic() < deadline, "the workers did not register their devices"
        time.sleep(0.3)
    yield logs
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_run_dispatches_by_tag_to_two_workers_into_one_run_folder(
    broker: str, workers: dict[str, Path], repo: Path, tmp_path: Path
) -> None:
    suite = tmp_path / "suite.yaml"
    suite.write_text(f"""\
name: farm
apps: [{repo / "sim" / "apps" / "storefinder-compliant"}]
scenarios:
  - name: open
    steps:
      - launch
      - dialog: agree
      - wait: 1
""")
    out = tmp_path / "artifacts"
    proc = subprocess.run([*miniprobe_cmd(), "run", str(suite), "--farm", broker, "--tags", "farm", "--out", str(out),
                           "--fail-on", "none"], check=False, capture_output=True, text=True, timeout=400, cwd=repo)
    logs = "\n".join(p.read_text()[-3000:] for p in workers.values())
    assert proc.returncode == 0, f"{proc.stderr[-3000:]}\n--- workers:\n{logs}"
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    sessions = sorted(p for p in run_dir.iterdir() if p.is_dir())
    assert [p.name for p in sessions] == ["01-storefinder-compliant-open-farm-a", "02-storefinder-compliant-open-farm-b"]
    for session, device in zip(sessions, ("farm-a", "farm-b"), strict=True):
        meta = json.loads((session / "session.json").read_text())
        assert meta["outcome"] == "ok" and meta["device"]["name"] == device, meta
        assert (session / "events.jsonl").stat().st_size and any((session / "screens").glob("*.png"))
        assert (session / "findings.json").is_file()
    summary = json.loads((run_dir / "run.json").read_text())
    assert {d: f["worker"] for d, f in summary["devices"].items()} == {"farm-a": "w1", "farm-b": "w2"}
    assert "farm-a" in workers["w1"].read_text() and "farm-b" not in workers["w1"].read_text()


def test_shared_delivery_spreads_sessions_into_the_run_folder_directly(
    broker: str, workers: dict[str, Path], repo: Path, tmp_path: Path
) -> None:
    suite = tmp_path / "suite.yaml"
    steps = "    steps:\n      - launch\n      - dialog: agree\n"
    suite.write_text(f"name: farm-shared\napps: [{repo / 'sim' / 'apps' / 'storefinder-compliant'}]\nscenarios:\n"
                     f"  - name: one\n{steps}  - name: two\n{steps}")
    out = tmp_path / "artifacts"  # a path every host sees: here, the same machine
    proc = subprocess.run([*miniprobe_cmd(), "run", str(suite), "--farm", broker, "--tags", "farm", "--spread",
                           "--farm-delivery", "shared", "--out", str(out), "--fail-on", "none"],
                          check=False, capture_output=True, text=True, timeout=400, cwd=repo)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    sessions = sorted(p.name for p in run_dir.iterdir() if p.is_dir())
    assert sessions == ["01-storefinder-compliant-one", "02-storefinder-compliant-two"]
    for name in sessions:
        meta = json.loads((run_dir / name / "session.json").read_text())
        assert meta["outcome"] == "ok" and meta["device"]["name"] in WORKERS.values()
