"""The runner's scheduling logic: the plan, device selection, retries, quarantine (fake devices).

The real devices are exercised by tests/test_parallel_sims.py, tests/test_faults.py and
tests/test_farm.py; here the pool runs over slots that only write a session folder.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from harness.commands.run import select_devices
from harness.config import AndroidApp, ConfigError, Scenario, StepSpec, Suite, load_devices, load_suite
from harness.progress import RunProgress
from harness.runner import Pool, RunOptions, WorkItem, WorkQueue, backoff_delay, plan, should_retry
from harness.session import SessionResult

FINDING = {"rule": "CON-001", "severity": "high"}


def _suite(*names: str) -> Suite:
    steps = [StepSpec(action="launch")]
    return Suite(name="s", file=Path("/x/suite.yaml"), scenarios=[Scenario(name=n, steps=steps) for n in names])


def test_plan_is_a_matrix_with_the_device_in_the_name_only_when_several() -> None:
    items = plan(_suite("a", "b"), [Path("/apps/shop")], {"sim-1": "sim", "sim-2": "sim", "phone": "android"},
                 spread=False)
    assert [i.name for i in items] == ["01-shop-a-sim-1", "02-shop-a-sim-2", "03-shop-b-sim-1", "04-shop-b-sim-2"]
    assert [i.device for i in items] == ["sim-1", "sim-2", "sim-1", "sim-2"]
    single = plan(_suite("a"), [Path("/apps/shop")], {"sim": "sim"}, spread=False)
    assert [i.name for i in single] == ["01-shop-a"]


def test_plan_spread_runs_each_pair_once_on_any_device() -> None:
    items = plan(_suite("a", "b"), [Path("/apps/x"), AndroidApp(appid="wx0123456789abcdef", name="shop")], {"d1": "sim", "p1": "android"},
                 spread=True)
    assert [i.name for i in items] == ["01-x-a", "02-x-b", "03-shop-a", "04-shop-b"]
    assert {i.device for i in items} == {None}
    assert [i.kind for i in items] == ["sim", "sim", "android", "android"]


def test_only_infrastructure_errors_without_findings_are_retried() -> None:
    item = WorkItem("01-x-a", Path("/x"), _suite("a").scenarios[0], None)
    options = RunOptions(retries=2)
    assert should_retry(SessionResult(Path("/x"), "error", "appium died", []), item, options)
    assert not should_retry(SessionResult(Path("/x"), "error", "appium died", [FINDING]), item, options)
    assert not should_retry(SessionResult(Path("/x"), "failed", "step 2", []), item, options)
    assert not should_retry(SessionResult(Path("/x"), "error", "x", []), WorkItem(**{**vars(item), "attempt": 3}),
                            options)
    assert [backoff_delay(n, RunOptions(backoff=2)) for n in (1, 2, 3)] == [2, 4, 8]


def test_work_queue_gives_a_device_its_own_items_or_shared_ones() -> None:
    scenario = _suite("a").scenarios[0]
    queue = WorkQueue([WorkItem("1", None, scenario, "d1"), WorkItem("0", None, scenario, None, kind="android"),
                       WorkItem("2", None, scenario, None), WorkItem("3", None, scenario, "d2")])
    taken = queue.take("d2", "sim")
    assert taken is not None and taken.name == "2"
    queue.done(taken)
    assert [i.name for i in queue.drop_for("d1")] == ["1"]
    assert queue.take("d1", "sim") is None
    assert queue.take("d2", "sim").name == "3"  # type: ignore[union-attr]
    assert queue.take("p1", "android").name == "0"  # type: ignore[union-attr]


def test_a_device_with_nothing_to_take_waits_for_work_another_device_may_hand_back() -> None:
    import threading

    scenario = _suite("a").scenarios[0]
    queue = WorkQueue([WorkItem("1", None, scenario, None)])
    held = queue.take("bad", "sim")
    assert held is not None
    got: list[WorkItem | None] = []
    waiter = threading.Thread(target=lambda: got.append(queue.take("good", "sim")))
    waiter.start()
    waiter.join(0.3)
    assert waiter.is_alive() and not got  # not "no work left": the item is only in flight
    queue.put_back(held)  # the bad device was quarantined
    waiter.join(5)
    assert [i.name for i in got if i] == ["1"]
    queue.done(got[0])  # type: ignore[arg-type]
    assert queue.take("good", "sim") is None  # nothing queued, nothing in flight: go home


DEVICES = """\
devices:
  - name: sim
    kind: sim
    tags: [sim, default]
  - name: pool
    kind: sim
    tags: [sim, fast]
    replicas: 3
  - name: phone
    kind: android
    serial: ABC123
    tags: [android, farm-a]
"""


def test_replicas_expand_and_selection_by_name_group_and_tags(tmp_path: Path) -> None:
    path = tmp_path / "devices.yaml"
    path.write_text(DEVICES)
    inventory = load_devices(path).devices
    assert [d.name for d in inventory] == ["sim", "pool-1", "pool-2", "pool-3", "phone"]
    assert inventory[2].tags == ["sim", "fast", "pool"]

    def names(devices: list[str], tags: list[str]) -> list[str]:
        return [d.name for d in select_devices(inventory, devices, tags, path)]

    assert names([], []) == ["sim"]  # the `default` tag
    assert names(["pool"], []) == ["pool-1", "pool-2", "pool-3"]
    assert names(["pool-2", "phone"], []) == ["pool-2", "phone"]
    assert names([], ["sim"]) == ["sim", "pool-1", "pool-2", "pool-3"]
    assert names([], ["sim", "fast"]) == ["pool-1", "pool-2", "pool-3"]
    with pytest.raises(ConfigError, match="no device named 'nope'"):
        names(["nope"], [])
    with pytest.raises(ConfigError, match="no device has all of the tags sim, farm-a"):
        names([], ["sim", "farm-a"])


def test_replica_names_must_not_clash(tmp_path: Path) -> None:
    path = tmp_path / "devices.yaml"
    path.write_text("devices:\n  - {name: p, kind: sim, replicas: 2}\n  - {name: p-1, kind: sim}\n")
    with pytest.raises(ConfigError, match=r"devices\.yaml:1: devices: device name 'p-1' is used twice"):
        load_devices(path)


def test_scenario_timeout_is_read_and_checked(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("name: s\ntimeout: 90\nsteps:\n  - launch\n")
    assert load_suite(good).scenarios[0].timeout == 90
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: s\ntimeout: soon\nsteps:\n  - launch\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml:2: timeout: timeout takes seconds"):
        load_suite(bad)


# ------------------------------------------------------------------ the pool over fake devices


class FakeSlot:
    """Writes a session folder; its outcomes are scripted per session name (a list: one per attempt)."""

    kind = "sim"

    def __init__(self, name: str, outcomes: dict[str, list[tuple[str, list[dict[str, Any]]]]],
                 healthy: bool = True, seconds: float = 0.0) -> None:
        self.name = name
        self.outcomes = outcomes
        self.healthy = healthy
        self.seconds = seconds
        self.windows: list[tuple[float, float]] = []
        self.closed = False

    def health(self) -> str | None:
        return None if self.healthy else "adb: ABC123 is not attached"

    def run_session(self, session_dir: Path, item: WorkItem, on_step: Any) -> SessionResult:
        start = time.monotonic()
        session_dir.mkdir(parents=True)
        scripted = self.outcomes.get(item.name) or [("ok", [])]
        outcome, findings = scripted.pop(0)
        (session_dir / "session.json").write_text(json.dumps({"device": {"name": self.name}, "outcome": outcome}))
        time.sleep(self.seconds)
        self.windows.append((start, time.monotonic()))
        return SessionResult(session_dir, outcome, "appium died" if outcome == "error" else None,  # type: ignore[arg-type]
                             findings)

    def facts(self) -> dict[str, Any]:
        return {"kind": "fake"}

    def close(self) -> None:
        self.closed = True


def _pool(tmp_path: Path, slots: list[FakeSlot], items: list[WorkItem], options: RunOptions) -> Pool:
    progress = RunProgress([s.name for s in slots], len(items))
    return Pool(tmp_path, slots, items, options, progress)


def test_pool_retries_an_error_keeping_the_failed_attempt_as_evidence(tmp_path: Path) -> None:
    items = plan(_suite("a", "b"), [Path("/apps/x")], {"d1": "sim"}, spread=False)
    slot = FakeSlot("d1", {"01-x-a": [("error", []), ("ok", [])], "02-x-b": [("error", [FINDING])]})
    result = _pool(tmp_path, [slot], items, RunOptions(retries=2, backoff=0)).run()
    assert [(s.session_dir.name, s.outcome) for s in result.sessions] == [("01-x-a", "ok"), ("02-x-b", "error")]
    assert result.attempts == {"01-x-a": ["01-x-a-attempt1"]}  # the error with findings was not retried
    assert (tmp_path / "01-x-a-attempt1" / "session.json").is_file()
    assert slot.closed


def test_pool_quarantines_an_unhealthy_device_and_the_run_goes_on(tmp_path: Path) -> None:
    items = plan(_suite("a"), [Path("/apps/x")], {"good": "sim", "bad": "sim"}, spread=False)
    good, bad = FakeSlot("good", {}), FakeSlot("bad", {}, healthy=False)
    result = _pool(tmp_path, [good, bad], items, RunOptions()).run()
    assert result.quarantined == {"bad": "adb: ABC123 is not attached"}
    assert [s.session_dir.name for s in result.sessions] == ["01-x-a-good"]
    assert result.not_run == [{"session": "02-x-a-bad", "device": "bad",
                               "why": "device bad quarantined: adb: ABC123 is not attached"}]
    assert result.failed_to_run


def test_pool_spread_hands_the_work_of_a_quarantined_device_to_the_others(tmp_path: Path) -> None:
    items = plan(_suite("a", "b", "c"), [Path("/apps/x")], {"good": "sim", "bad": "sim"}, spread=True)
    good, bad = FakeSlot("good", {}), FakeSlot("bad", {}, healthy=False)
    result = _pool(tmp_path, [good, bad], items, RunOptions()).run()
    assert len(result.sessions) == 3 and not result.not_run and not result.failed_to_run
    assert len(good.windows) == 3


def test_pool_runs_devices_in_parallel_one_session_each_at_a_time(tmp_path: Path) -> None:
    items = plan(_suite("a", "b"), [Path("/apps/x")], {"d1": "sim", "d2": "sim", "d3": "sim"}, spread=False)
    slots = [FakeSlot(n, {}, seconds=0.3) for n in ("d1", "d2", "d3")]
    result = _pool(tmp_path, slots, items, RunOptions()).run()
    assert len(result.sessions) == 6
    for slot in slots:  # never two sessions at once on one device
        first, second = sorted(slot.windows)
        assert first[1] <= second[0]
    firsts = [min(s.windows)[0] for s in slots]
    lasts = [min(s.windows)[1] for s in slots]
    assert max(firsts) < min(lasts)  # the devices' first sessions overlapped


def test_progress_is_a_live_table_on_a_terminal_and_plain_lines_elsewhere() -> None:
    import io

    from rich.console import Console

    tty = io.StringIO()
    with RunProgress(["sim-1", "sim-2"], 2, Console(file=tty, force_terminal=True, width=120)) as progress:
        progress.update("sim-1", "running", session="01-x-a", detail="step 1/3: launch")
        progress.session_done("sim-2", "02-x-a", "ok: 0 finding(s)")
    assert "miniprobe run: 1/2 sessions" in tty.getvalue() and "step 1/3: launch" in tty.getvalue()

    plain = io.StringIO()
    with RunProgress(["sim-1"], 1, Console(file=plain, force_terminal=False, width=40)) as progress:
        progress.update("sim-1", "running", session="01-storefinder-violating-first-launch",
                        detail="step 1/3: launch [the first page]")
    assert plain.getvalue() == ("[sim-1] 01-storefinder-violating-first-launch running: "
                                "step 1/3: launch [the first page]\n")
