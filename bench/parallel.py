"""Parallel efficiency of the device pool: the same workload on 1, 2 and 3 sim devices.

The workload is the demo suite's two apps x two scenarios (four sessions), run with `--spread`
so every session runs once on whichever device is free. Efficiency with n devices is
ideal / actual = (T1 / n) / Tn: 1.0 means perfect scaling; on a 2-core machine three sims share
two cores, so expect well below 1 there.

    .venv/bin/python bench/parallel.py [--devices 1 2 3] [--suite scenarios/demo/suite.yaml]

Not part of `make test` (timings are not assertions).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MINIPROBE = REPO / ".venv" / "bin" / "miniprobe"


def run_once(suite: Path, devices: int, work: Path) -> tuple[float, int]:
    """Wall seconds of one `miniprobe run --spread` over ``devices`` sims, and its session count."""
    inventory = work / f"devices-{devices}.yaml"
    # `--device bench` selects the one device `bench`, or all of bench-1..n
    inventory.write_text(f"devices:\n  - {{name: bench, kind: sim, tags: [sim], replicas: {devices}}}\n")
    start = time.monotonic()
    proc = subprocess.run([str(MINIPROBE), "run", str(suite), "--devices", str(inventory), "--device", "bench", "--spread",
                           "--out", str(work / "artifacts"), "--fail-on", "none"],
                          check=False, capture_output=True, text=True, cwd=REPO)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"run with {devices} device(s) failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    sessions = json.loads((run_dir / "run.json").read_text())["sessions"]
    return elapsed, len(sessions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--suite", type=Path, default=REPO / "scenarios" / "demo" / "suite.yaml")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-parallel-") as tmp:
        times = {n: run_once(args.suite, n, Path(tmp)) for n in sorted(args.devices)}
    base_n = min(times)
    base = times[base_n][0] * base_n  # the work of one device
    print(f"{'devices':>7} {'sessions':>8} {'wall s':>8} {'ideal s':>8} {'efficiency':>10}")
    for n, (wall, sessions) in times.items():
        ideal = base / n
        print(f"{n:>7} {sessions:>8} {wall:>8.1f} {ideal:>8.1f} {ideal / wall:>10.2f}")


if __name__ == "__main__":
    main()
