"""The harness's wall time per scenario step against the same Appium commands issued directly.

Harness: one `miniprobe run` of a short scenario on the sim, in this process (Frida, mitmproxy, a
screenshot and a UI snapshot per step, dialog polling, the event log). Every WebDriver command it
sends to Appium is logged by a thin wrapper around the client's connection (name, parameters, the
shape of the answer), and each Step event marks where its step ended.

Direct (replay): the very commands the harness issued for those steps, in the same order, sent
straight through an Appium client connection to a fresh Appium session on the same sim host (no
harness: no Frida, no proxy, no recorder, no sleeps). Element ids and the session id are mapped onto
the replay's own; a command whose answer must be there (an element found, no error) is repeated until
the page caught up, which is the device's own time. Commands before the first step's end (the
launch) are replayed untimed, to bring the page to the same state.

Direct (minimal script, for reference): the same sim host and Appium server issuing only the commands
the steps need (tap the text; press the popup's button; take one screenshot) — the former baseline.

Both time the steps after `launch`: from the launch step's end to the last step's end. Ratio =
harness seconds per step / direct seconds per step; rounds are interleaved, best of --rounds.

    .venv/bin/python bench/harness_overhead.py [--rounds 3]

Not part of `make test` (timings are not assertions).
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"
CATCH_UP_S = 10.0  # the longest the replay waits for the page to show what the harness saw


@dataclass
class Command:
    """One WebDriver command as the harness sent it, and the shape of Appium's answer."""

    name: str
    params: dict[str, Any]
    shape: str  # "error", "element", "null", "empty", "value"
    elements: list[str]
    seconds: float


@dataclass
class HarnessLog:
    commands: list[Command] = field(default_factory=list)
    step_ends: list[tuple[int, float]] = field(default_factory=list)  # (commands sent so far, monotonic time)


LOG = HarnessLog()


def element_ids(value: Any) -> list[str]:
    """The element references in an answer (or in parameters), in document order."""
    if isinstance(value, dict):
        if ELEMENT_KEY in value:
            return [str(value[ELEMENT_KEY])]
        return [i for v in value.values() for i in element_ids(v)]
    if isinstance(value, list):
        return [i for v in value for i in element_ids(v)]
    return []


def shape_of(response: dict[str, Any] | None) -> str:
    value = (response or {}).get("value")
    if isinstance(value, dict) and "error" in value:
        return "error"
    if element_ids(value):
        return "element"
    if value is None:
        return "null"
    if value == [] or value == {}:
        return "empty"
    return "value"


def log_harness() -> None:
    """Wrap the Appium client's connection (every command the harness sends) and the recorder (where
    each step ends)."""
    from selenium.webdriver.remote.remote_connection import RemoteConnection

    from harness.timeline import Recorder, Step

    send, record = RemoteConnection.execute, Recorder.record

    def logged_send(self: RemoteConnection, command: str, params: dict[str, Any]) -> Any:
        sent = copy.deepcopy(params or {})  # the connection takes the path's parameters out of ``params``
        start = time.monotonic()
        response = send(self, command, params)
        value = (response or {}).get("value")
        LOG.commands.append(Command(command, sent, shape_of(response), element_ids(value), time.monotonic() - start))
        return response

    def marked_record(self: Recorder, event: Any) -> Any:
        stored = record(self, event)
        if isinstance(event, Step):
            LOG.step_ends.append((len(LOG.commands), time.monotonic()))
        return stored

    RemoteConnection.execute = logged_send  # type: ignore[method-assign]
    Recorder.record = marked_record  # type: ignore[method-assign]


def harness_run(work: Path) -> tuple[float, int, HarnessLog]:
    """Seconds per step after launch in a real `miniprobe run` (this process), and its command log."""
    from harness.cli import app

    scenario = work / "overhead.yaml"
    scenario.write_text(SCENARIO)
    LOG.commands.clear()
    LOG.step_ends.clear()
    app(["run", str(scenario), "--app", str(APP), "--out", str(work / "artifacts"), "--fail-on", "none"],
        standalone_mode=False)
    log = HarnessLog(list(LOG.commands), list(LOG.step_ends))
    if len(log.step_ends) < 2:
        sys.exit(f"the harness run recorded {len(log.step_ends)} step(s); see {work / 'artifacts'}")
    (_, t0), (_, t1) = log.step_ends[0], log.step_ends[-1]
    steps = len(log.step_ends) - 1
    return (t1 - t0) / steps, steps, log


class Replay:
    """Sends logged commands through a fresh Appium session's connection, mapping ids onto its own."""

    def __init__(self, driver: Any, host_url: str) -> None:
        self.driver = driver
        self.connection = driver.driver.command_executor
        self.session_id = driver.driver.session_id
        self.host_url = host_url
        self.ids: dict[str, str] = {}
        self.repeats = 0

    def params(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._map(params) | {"sessionId": self.session_id}

    def _map(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self._map(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._map(v) for v in value]
        if isinstance(value, str):
            if value in self.ids:
                return self.ids[value]
            return re.sub(r"^http://127\.0\.0\.1:\d+/", self.host_url, value)
        return value

    def send(self, command: Command) -> None:
        """Send it; repeat while the page has not caught up with what the harness saw (an element the
        harness found, or an answer that was not an error)."""
        deadline = time.monotonic() + CATCH_UP_S
        while True:
            response = self.connection.execute(command.name, self.params(command.params))
            shape = shape_of(response)
            if shape == command.shape or command.shape not in ("element", "value") or time.monotonic() > deadline:
                break
            self.repeats += 1
        found = element_ids((response or {}).get("value"))
        self.ids.update(zip(command.elements, found, strict=False))


def replay_per_step(work: Path, log: HarnessLog) -> tuple[float, int, int, int]:
    """Seconds per step of the harness's own commands for the steps after launch, sent directly."""
    from harness.config import SimProfile
    from harness.drivers.appium_server import AppiumServer
    from harness.drivers.sim import SimDriver, SimHost

    (start, _), (end, _) = log.step_ends[0], log.step_ends[-1]
    before = [c for c in log.commands[:start] if c.name != "newSession"]  # the replay has its own session
    timed = log.commands[start:end]
    appium = AppiumServer(log_path=work / "appium-direct.log")
    host = SimHost(APP, SimProfile(), work)
    driver = None
    try:
        appium.start()
        host_port = host.start()
        driver = SimDriver(appium.url, proxy_port=None, host_port=host_port, user_data_dir=work / ".chromium-replay")
        replay = Replay(driver, host.url)
        for command in before:
            replay.send(command)
        began = time.monotonic()
        for command in timed:
            replay.send(command)
        steps = len(log.step_ends) - 1
        return (time.monotonic() - began) / steps, steps, len(timed), replay.repeats
    finally:
        if driver:
            driver.quit()
        host.stop()
        appium.stop()


def minimal_per_step(work: Path) -> float:
    """Seconds per step after launch with only the commands the steps need (the former baseline)."""
    from harness.config import SimProfile
    from harness.drivers.appium_server import AppiumServer
    from harness.drivers.sim import SimDriver, SimHost

    appium = AppiumServer(log_path=work / "appium-minimal.log")
    host = SimHost(APP, SimProfile(), work)
    driver = None
    try:
        appium.start()
        host_port = host.start()
        driver = SimDriver(appium.url, proxy_port=None, host_port=host_port, user_data_dir=work / ".chromium-min")
        driver.open(host.url)
        driver.wait_ready(15)
        start = time.monotonic()
        _must(driver.tap_text("同意", 10), "同意")
        _must(driver.tap_text("附近门店", 10), "附近门店")
        popup = _wait_for_scope_popup(driver)
        driver.press(popup, popup.button("agree"))  # type: ignore[arg-type]
        driver.screenshot(work / "stores.png")
        return (time.monotonic() - start) / 4
    finally:
        if driver:
            driver.quit()
        host.stop()
        appium.stop()


def _must(tapped: int | None, text: str) -> None:
    if tapped is None:
        sys.exit(f"minimal script: no {text!r} to tap")


def _wait_for_scope_popup(driver: Any) -> Any:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for dialog in driver.dialogs():
            if dialog.prompt_kind == "scope":
                return dialog
        time.sleep(0.1)
    sys.exit("minimal script: the scope popup did not appear")


def in_commands(log: HarnessLog) -> tuple[float, dict[str, int]]:
    """Seconds the harness spent inside Appium commands in the timed steps, and the commands by name."""
    (start, _), (end, _) = log.step_ends[0], log.step_ends[-1]
    counts: dict[str, int] = {}
    for command in log.commands[start:end]:
        counts[command.name] = counts.get(command.name, 0) + 1
    return sum(c.seconds for c in log.commands[start:end]), counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the best of each side")
    args = parser.parse_args()
    log_harness()
    harness, replay, minimal = [], [], []
    for round_ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
            work = Path(tmp)
            per_step, steps, log = harness_run(work)
            harness.append(per_step)
            direct, _, sent, repeats = replay_per_step(work, log)
            replay.append(direct)
            minimal.append(minimal_per_step(work))
            inside, counts = in_commands(log)
            print(f"round {round_ + 1}: harness {per_step:.3f} s/step ({inside / steps:.3f} in Appium commands); "
                  f"replay {direct:.3f} s/step ({sent} commands, {repeats} repeated while the page caught up); "
                  f"minimal script {minimal[-1]:.3f} s/step; load average {os.getloadavg()[0]:.1f}")
            print(f"  commands in the {steps} steps: " + ", ".join(f"{n} {c}" for c, n in sorted(counts.items())))
    best_h, best_r, best_m = min(harness), min(replay), min(minimal)
    print(f"harness:                      {best_h:.3f} s/step")
    print(f"direct, the same commands:    {best_r:.3f} s/step")
    print(f"direct, minimal script (ref): {best_m:.3f} s/step")
    print(f"ratio harness / same commands issued directly: {best_h / best_r:.2f}  (target <= 1.15)")
    print(f"ratio harness / minimal script (reference):    {best_h / best_m:.2f}")


if __name__ == "__main__":
    main()
