"""Location updates in the sim host as WeChat runs them (S6 / COL-005): startLocationUpdate readings pause
between onHide and onShow, startLocationUpdateBackground readings go on, stopLocationUpdate ends both.
Real JVM host, real SSE stream (the fixtures of tests/test_sim_host.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tests.test_sim_host import Host, host_classes, make_app, start_host  # noqa: F401 (fixtures)

INTERVAL_S = 1.0  # LocationUpdates.INTERVAL_MS


def readings(host: Host) -> int:
    return sum(1 for e in host.log if e.get("type") == "listener" and e.get("name") == "onLocationChange")


def lifecycle(host: Host, event: str) -> None:
    assert host.call("__lifecycle", {"event": event, "page": "pages/index/index"})["errMsg"] == "__lifecycle:ok"


def count_during(host: Host, seconds: float) -> int:
    before = readings(host)
    time.sleep(seconds)
    return readings(host) - before


def test_foreground_updates_pause_in_the_background_and_background_ones_do_not(
        start_host: Callable[..., Host], tmp_path: Path) -> None:  # noqa: F811 (the imported fixture)
    apis = ("startLocationUpdate", "startLocationUpdateBackground", "onLocationChange")
    host = start_host(make_app(tmp_path / "loc", required_private_infos=apis), "--privacy-agreed",
                      "--grant", "scope.userLocation=allow", "--grant", "scope.userLocationBackground=allow")
    assert host.result(host.call_async("startLocationUpdate"))["errMsg"] == "startLocationUpdate:ok"
    assert count_during(host, 2.5 * INTERVAL_S) >= 2  # one at once, then one a second
    lifecycle(host, "hide")
    time.sleep(0.2)  # a tick already running when the hide came
    assert count_during(host, 2.5 * INTERVAL_S) == 0
    lifecycle(host, "show")
    assert count_during(host, 2.5 * INTERVAL_S) >= 2

    assert host.result(host.call_async("startLocationUpdateBackground"))["errMsg"] == "startLocationUpdateBackground:ok"
    lifecycle(host, "hide")
    assert count_during(host, 2.5 * INTERVAL_S) >= 2
    assert host.result(host.call_async("stopLocationUpdate"))["errMsg"] == "stopLocationUpdate:ok"
    time.sleep(0.2)
    lifecycle(host, "show")
    assert count_during(host, 2.5 * INTERVAL_S) == 0
