"""The harness's wall time per scenario step against the same Appium commands issued directly.

Harness: one `miniprobe run` of a short scenario on the sim (Frida, mitmproxy, a screenshot and a
UI dump per step, dialog polling, the event log). Direct: the same sim host and Appium server,
no harness, issuing only the commands the steps need (tap the text; press the popup's button;
take the screenshot). Both time the steps after `launch` (the launch itself differs in what it
starts). Ratio = harness seconds per step / direct seconds per step, from one run of each.

    .venv/bin/python bench/harness_overhead.py

Not part of `make test` (timings are not assertions).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
APP = REPO / "sim" / "apps" / "storefinder-compliant"
SCENARIO = """\
name: overhead
steps:
  - launch
  - dialog: agree
  - tap: 附近门店
  - scope_popup: allow
  - screenshot: stores
"""


def harness_per_step(work: Path) -> tuple[float, int]:
    """Seconds per step after launch in a real `miniprobe run`, from its events' wall times."""
    scenario = work / "overhead.yaml"
    scenario.write_text(SCENARIO)
    proc = subprocess.run([str(REPO / ".venv" / "bin" / "miniprobe"), "run", str(scenario), "--app", str(APP),
                           "--out", str(work / "artifacts"), "--fail-on", "none"],
                          check=False, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        sys.exit(f"miniprobe run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    session = next(p for p in Path(proc.stdout.strip().splitlines()[-1]).iterdir() if p.is_dir())
    steps = [json.loads(line) for line in (session / "events.jsonl").read_text().splitlines()
             if '"kind":"step"' in line]
    walls = [datetime.fromisoformat(s["wall"]).timestamp() for s in steps]
    return (walls[-1] - walls[0]) / (len(walls) - 1), len(walls) - 1


def direct_per_step(work: Path) -> tuple[float, int]:
    """Seconds per step after launch with the bare Appium commands on the same sim."""
    from harness.config import SimProfile
    from harness.drivers.appium_server import AppiumServer
    from harness.drivers.sim import SimDriver, SimHost

    appium = AppiumServer(log_path=work / "appium.log")
    host = SimHost(APP, SimProfile(), work)
    driver = None
    try:
        appium.start()
        host_port = host.start()
        driver = SimDriver(appium.url, proxy_port=None, host_port=host_port, user_data_dir=work / ".chromium")
        driver.open(host.url)
        driver.wait_ready(15)
        start = time.monotonic()
        _must(driver.tap_text("同意", 10), "同意")
        _must(driver.tap_text("附近门店", 10), "附近门店")
        popup = _wait_for_scope_popup(driver)
        driver.press(popup, popup.button("agree"))  # type: ignore[arg-type]
        driver.screenshot(work / "stores.png")
        return (time.monotonic() - start) / 4, 4
    finally:
        if driver:
            driver.quit()
        host.stop()
        appium.stop()


def _must(tapped: int | None, text: str) -> None:
    if tapped is None:
        sys.exit(f"direct run: no {text!r} to tap")


def _wait_for_scope_popup(driver: object) -> object:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for dialog in driver.dialogs():  # type: ignore[attr-defined]
            if dialog.prompt_kind == "scope":
                return dialog
        time.sleep(0.1)
    sys.exit("direct run: the scope popup did not appear")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
        harness, n_harness = harness_per_step(Path(tmp))
        direct, n_direct = direct_per_step(Path(tmp))
    print(f"harness: {harness:.3f} s/step over {n_harness} steps")
    print(f"direct:  {direct:.3f} s/step over {n_direct} steps")
    print(f"ratio harness/direct: {harness / direct:.2f}")


if __name__ == "__main__":
    main()
