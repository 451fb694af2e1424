"""Wall time of the demo run (`make demo` after set-up), broken down by phase.

Runs `miniprobe run scenarios/demo/suite.yaml --fail-on none` in this process with a timer around
each phase's entry point (nothing in the harness changes; the timers are wrapped around it here):
Appium server start, mitmproxy start (DeviceProxy.start: once per device for the whole run), the
session's capture start (Capture.start: the device's mitmdump switched to the session's files),
JVM host start (SimHost.start), Frida attach, Chromium start (the Appium session, SimDriver()),
scenario steps, closing the session's processes (of which the capture's switch off the session's
files, Capture.stop), analysis (write_analysis), the session manifest, and the run's reports
(finish_run). Phases of parallel sessions add up, so their sum can exceed the wall time.

    .venv/bin/python bench/demo.py [--suite scenarios/demo/suite.yaml]

Not part of `make test` (timings are not assertions).
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TIMES: dict[str, list[float]] = collections.defaultdict(list)
_LOCK = threading.Lock()


def timed(owner: Any, name: str, phase: str) -> None:
    """Wrap ``owner.name`` so that each call's wall time is added to ``phase``."""
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.monotonic()
        try:
            return original(*args, **kwargs)
        finally:
            with _LOCK:
                TIMES[phase].append(time.monotonic() - start)

    setattr(owner, name, wrapper)


def instrument() -> None:
    import harness.report
    from harness import session
    from harness.capture.proxy import Capture, DeviceProxy
    from harness.drivers.appium_server import AppiumServer
    from harness.drivers.sim import SimHost
    from harness.instrument.frida import FridaInstrument

    timed(AppiumServer, "start", "Appium server start")
    timed(DeviceProxy, "start", "mitmproxy start (once per device)")
    timed(Capture, "start", "capture start (per session)")
    timed(Capture, "stop", "  of closing: capture stop")
    timed(SimHost, "start", "JVM host start")
    timed(FridaInstrument, "attach", "Frida attach")
    timed(session, "SimDriver", "Chromium start (Appium session)")
    timed(session.SimSession, "_perform_steps", "scenario steps")
    timed(session.SimSession, "_close", "closing the session")
    timed(session, "write_analysis", "analysis")
    timed(session, "write_manifest", "session manifest")
    timed(harness.report, "finish_run", "run reports")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", type=Path, default=REPO / "scenarios" / "demo" / "suite.yaml")
    args = parser.parse_args()
    instrument()
    from harness.cli import app

    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        start = time.monotonic()
        try:
            app(["run", str(args.suite), "--fail-on", "none", "--out", tmp], standalone_mode=False)
        finally:
            wall = time.monotonic() - start
    print(f"\n{'phase':<34} {'calls':>5} {'total s':>8} {'per call s':>10}")
    for phase, spans in TIMES.items():
        print(f"{phase:<34} {len(spans):>5} {sum(spans):>8.1f} {sum(spans) / len(spans):>10.2f}")
    print(f"{'wall time of the run':<34} {'':>5} {wall:>8.1f}   (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
