"""The recognisers' worker process as mitmdump really runs it: the addon loaded as a script (module
``__mitmproxy_script__.addon``), whose classes cannot be pickled; every flow is scanned in the worker,
off the proxy's event loop. And the bound on what waits for it (bytes), and the events' bytes."""

import json
import logging
import time
from pathlib import Path

import orjson
import pytest
from mitmproxy.addons import script
from mitmproxy.test import taddons, tflow

from harness.capture import addon as capture_addon
from harness.capture.addon import (
    PENDING_FLOW_BYTES,
    PendingScan,
    ScanBacklog,
    event_line,
    flow_event,
    flow_fields,
    raw_flow,
    scanned_line,
)
from harness.capture.proxy import ADDON_PATH
from harness.timeline import Flow

PHONE = "13800138000"


def _flow(size: int) -> object:
    flow = tflow.tflow(resp=True)
    flow.request.headers["content-type"] = "application/json"
    flow.request.content = json.dumps({"user": {"mobile": PHONE}}).encode()
    stores = [{"name": "鲜果坊 人民广场店", "address": "上海市黄浦区南京东路 100 号"}] * (size // 80 + 1)
    flow.response.headers["content-type"] = "application/json"
    flow.response.content = json.dumps({"stores": stores}, ensure_ascii=False).encode()
    return flow


def _events(path: Path) -> list[Flow]:
    return [Flow.model_validate_json(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_the_script_addon_scans_flows_in_its_worker(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    module = script.load_script(str(ADDON_PATH))
    assert module is not None and module.__name__.startswith("__mitmproxy_script__")
    addon = module.MiniprobeCapture()
    flows = [_flow(size) for size in (100, 1024, 64 * 1024)]
    events_path = tmp_path / "events.jsonl"
    with caplog.at_level(logging.INFO), taddons.context(addon) as tctx:
        # normal priority: this test needs the worker to run while the machine is busy with other tests
        tctx.configure(addon, miniprobe_events=str(events_path), miniprobe_scan_idle=False)
        for flow in flows:
            addon.response(flow)
        assert not events_path.read_bytes()  # nothing scanned in the proxy's event loop
        deadline = time.monotonic() + 120
        while len(_events(events_path)) < len(flows) and time.monotonic() < deadline:
            time.sleep(0.05)  # written by the worker's feeder before done() (which would scan here)
        assert len(_events(events_path)) == len(flows)
        addon.done()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    events = _events(events_path)
    assert sorted(e.flow_id for e in events) == sorted(f.id for f in flows)
    for event in events:
        assert event.pi == flow_event(next(f for f in flows if f.id == event.flow_id)).pi
        assert any(m.location == "body.json:$.user.mobile" for m in event.pi)


def test_event_lines_are_the_models_own_json() -> None:
    flow = _flow(2048)
    flow.request.url = f"https://api.example/u/{PHONE}?lat=31.230416&lng=121.473701"
    flow.response.headers["content-encoding"] = "gzip"
    flow.response.content = json.dumps({"tel": "13912345678"}).encode()  # stored gzipped, scanned decoded
    canaries = {"phoneNumber": PHONE}
    event = flow_event(flow, canaries)
    assert any(m.location.startswith("response.") for m in event.pi) and "138****8000" in event.url
    assert event_line(event) == orjson.dumps(event.model_dump(mode="json", exclude_none=True)) + b"\n"
    late = orjson.loads(scanned_line(flow_fields(flow), raw_flow(flow), canaries))  # what the worker writes
    assert {**late, "t": 0} == {**orjson.loads(event_line(event)), "t": 0}


def _pending(size: int) -> PendingScan:
    flow = _flow(size)
    return PendingScan(flow_fields(flow), raw_flow(flow), {})


def test_what_waits_for_the_worker_is_bounded_by_bytes() -> None:
    items = [_pending(10_000) for _ in range(5)]
    backlog = ScanBacklog(max_bytes=3 * items[0].cost)
    assert items[0].cost >= items[0].size + PENDING_FLOW_BYTES > 10_000
    assert [backlog.admit(item) for item in items] == [True, True, True, False, False]
    assert backlog.bytes == 3 * items[0].cost
    batch = backlog.take_batch()  # oldest first; they count until written
    assert batch == items[:3] and backlog.bytes == 3 * items[0].cost and not backlog.admit(items[3])
    backlog.release(batch[0])
    assert backlog.admit(items[3])
    assert backlog.take_next() is items[3]  # a drain: the waiting flows, oldest first ...
    batch[0].written = True
    assert backlog.take_next() is batch[1]  # ... then those the worker has that are not written
    backlog.close()
    assert backlog.take_batch() == [] and not backlog.admit(items[0])


def test_past_the_bound_flows_are_scanned_in_the_proxy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    flows = [_flow(20_000) for _ in range(6)]
    cost = PendingScan(flow_fields(flows[0]), raw_flow(flows[0]), {}).cost
    monkeypatch.setattr(capture_addon, "MAX_PENDING_BYTES", 2 * cost + 100)
    addon = capture_addon.MiniprobeCapture()
    events_path = tmp_path / "events.jsonl"
    with caplog.at_level(logging.INFO), taddons.context(addon) as tctx:
        tctx.configure(addon, miniprobe_events=str(events_path))
        for flow in flows:
            addon.response(flow)
            assert addon._backlog.bytes <= 2 * cost + 100
        inline = {e.flow_id for e in _events(events_path)}  # written at once, before the worker's
        addon.done()  # scans what still waits, in the proxy
    assert inline  # the third flow at least: the worker (a new process) had not written any before it
    assert [r.getMessage() for r in caplog.records if "scanned in the proxy" in r.getMessage()]
    events = {e.flow_id: e for e in _events(events_path)}
    assert sorted(events) == sorted(f.id for f in flows)
    for flow in flows:
        assert events[flow.id].pi == flow_event(flow).pi and events[flow.id].pi


def test_a_dead_worker_fails_over_to_scans_in_the_proxy(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    addon = capture_addon.MiniprobeCapture()
    events_path = tmp_path / "events.jsonl"
    flows = [_flow(4096) for _ in range(6)]
    with caplog.at_level(logging.INFO), taddons.context(addon) as tctx:
        tctx.configure(addon, miniprobe_events=str(events_path), miniprobe_scan_idle=False)
        addon.response(flows[0])
        deadline = time.monotonic() + 120
        while not _events(events_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert addon._worker is not None
        addon._worker.kill()  # e.g. the OOM killer
        for flow in flows[1:]:
            addon.response(flow)
        while len(_events(events_path)) < len(flows) and time.monotonic() < deadline:
            time.sleep(0.05)  # the batch sent to the dead worker is scanned by its feeder thread
        addon.done()
    assert [r for r in caplog.records if "scan worker failed" in r.getMessage()]
    events = {e.flow_id: e for e in _events(events_path)}
    assert sorted(events) == sorted(f.id for f in flows)
    for flow in flows:
        assert events[flow.id].pi == flow_event(flow).pi and events[flow.id].error is None


def test_a_flow_whose_scan_does_not_finish_in_time_is_recorded_plainly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(capture_addon, "DRAIN_SECONDS", 0.0)
    addon = capture_addon.MiniprobeCapture()
    events_path = tmp_path / "events.jsonl"
    flows = [_flow(1024) for _ in range(3)]
    for flow in flows:
        flow.request.url = f"https://api.example/u?phone={PHONE}"
    with caplog.at_level(logging.INFO), taddons.context(addon) as tctx:
        tctx.configure(addon, miniprobe_events=str(events_path))
        for flow in flows:
            addon.response(flow)
        addon.done()  # no time left to scan: recorded, saying so, never dropped
    events = {e.flow_id: e for e in _events(events_path)}
    assert sorted(events) == sorted(f.id for f in flows)
    unscanned = [e for e in events.values() if e.error == capture_addon.SCAN_NOT_FINISHED]
    assert unscanned  # the worker (a new process) had not scanned them yet
    for event in unscanned:
        assert event.pi == [] and PHONE not in event.url and "138****8000" in event.url
    assert [r for r in caplog.records if "without their scan" in r.getMessage()]
