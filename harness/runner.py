"""Scenario x app x device scheduling for one run, into artifacts/<run>/."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from harness.config import REPO_ROOT, ConfigError, SimDevice, Suite
from harness.drivers.appium_server import AppiumServer
from harness.session import RunResources, SessionResult, SimSession

ARTIFACTS = REPO_ROOT / "artifacts"


@dataclass
class RunResult:
    run_dir: Path
    sessions: list[SessionResult] = field(default_factory=list)

    @property
    def errors(self) -> list[SessionResult]:
        return [s for s in self.sessions if s.outcome == "error"]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:40] or "x"


def new_run_dir(suite: Suite, root: Path = ARTIFACTS) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = root / f"{stamp}-{_slug(suite.name)}"
    n = 1
    while run_dir.exists():
        n += 1
        run_dir = root / f"{stamp}-{_slug(suite.name)}-{n}"
    run_dir.mkdir(parents=True, mode=0o700)
    return run_dir


def run_suite(
    suite: Suite,
    device: SimDevice,
    apps: list[Path],
    *,
    out_root: Path = ARTIFACTS,
    progress: Callable[[str], None] = lambda _m: None,
) -> RunResult:
    """Run every scenario of the suite against every app on the device, one session each."""
    from sim.backend import FixtureBackend

    if not apps:
        raise ConfigError(suite.file, None, "apps", "no mini program to run: give --app, `apps:` in the suite, "
                          "or `app:` on the device in devices.yaml")
    old_umask = os.umask(0o077)  # artifacts hold real personal data: owner-only
    try:
        run_dir = new_run_dir(suite, out_root)
        result = RunResult(run_dir)
        appium = AppiumServer(log_path=run_dir / "appium.log")
        backend = FixtureBackend(apps)
        try:
            appium.start()
            ports = backend.start()
            resources = RunResources(appium_url=appium.url, backend_ports=ports)
            number = 0
            for app in apps:
                for scenario in suite.scenarios:
                    number += 1
                    name = f"{number:02d}-{_slug(app.name)}-{_slug(scenario.name)}"
                    progress(f"[{name}] starting on {device.name}")
                    session = SimSession(
                        run_dir / name, scenario, device, app, resources,
                        on_step=lambda msg, name=name: progress(f"[{name}] {msg}"),
                    )
                    outcome = session.run()
                    result.sessions.append(outcome)
                    rules = sorted({f["rule"] for f in outcome.findings})
                    progress(f"[{name}] {outcome.outcome}"
                             + (f" ({outcome.reason})" if outcome.reason else "")
                             + f": {len(outcome.findings)} finding(s) {' '.join(rules)}")
        finally:
            backend.stop()
            appium.stop()
        write_run_summary(result, suite, device)
        return result
    finally:
        os.umask(old_umask)


def write_run_summary(result: RunResult, suite: Suite, device: SimDevice) -> None:
    summary = {
        "suite": suite.name,
        "suite_file": str(suite.file),
        "device": device.name,
        "sessions": [
            {"dir": s.session_dir.name, "outcome": s.outcome, "reason": s.reason,
             "findings": len(s.findings), "rules": sorted({f["rule"] for f in s.findings})}
            for s in result.sessions
        ],
    }
    (result.run_dir / "run.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
