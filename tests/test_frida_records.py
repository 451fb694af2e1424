"""The C hooks of the JS bridge (agent/native.ts, records.c.ts): their binary records -> the agent's items
(pure), and for real on the fixture JVM: the hooks are in C there, and a Java exception thrown by the
bridge reaches the caller and is recorded as a failed call."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import pytest

from harness.instrument.frida import BridgeEvents, BridgeRecords, FridaInstrument, RecordError, translate
from harness.timeline import ApiCall, ClockSync, Recorder, iter_events
from tests.test_frida_agent_e2e import Jvm, classes  # noqa: F401 - the compiled fixture, a module fixture


def _field(text: str | None, stored: int | None = None) -> bytes:
    if text is None:
        return struct.pack("<II", 0xFFFFFFFF, 0)
    units = text.encode("utf-16-le")
    keep = len(units) // 2 if stored is None else stored
    return struct.pack("<II", len(units) // 2, keep) + units[: 2 * keep]


def _record(kind: int, flags: int, cb: int, t: int, t_result: int, site: int, *fields: bytes, arity: int = 5) -> bytes:
    return struct.pack("<BBBxiqqQ", kind, arity, flags, cb, t, t_result, site) + b"".join(fields)


EXTRA = '{"stack":"Error\\n    at Page.onLoad (pages/index/index.js:12:8)","page":"pages/index/index"}'
STACK = "a.B.nativeInvokeHandler(Native Method)\nminiprobe.Driver.scenario(Driver.java:60)\n"


def test_records_become_items_with_the_stacks_of_their_site() -> None:
    data = (
        # first call of site 9: sync, with result, extra and Java stack
        _record(1, 1 | 2 | 8, 0, 100, 150, 9, _field("getStorageSync"), _field('{"key":"k"}'),
                _field('{"errMsg":"getStorageSync:ok","data":"abc"}'), _field(EXTRA), _field(STACK))
        # the same site again: async entry (no result yet), then its result from another thread
        + _record(1, 0, 7, 200, 0, 9, _field("getStorageSync"), _field("{}"))
        + _record(2, 2, 7, 260, 0, 0, _field('{"errMsg":"getStorageSync:ok"}'), arity=3)
    )
    records = BridgeRecords()
    first, entry, res = records.items(data)
    assert first["sync"] is True and first["result"].endswith('"abc"}') and first["t_result"] == 150
    assert first["jstack"] == ["a.B.nativeInvokeHandler(Native Method)", "miniprobe.Driver.scenario(Driver.java:60)"]
    assert first["jsstack"] == "Error\n    at Page.onLoad (pages/index/index.js:12:8)"
    assert entry["jstack"] == first["jstack"] and entry["jsstack"] == first["jsstack"]
    assert "result" not in entry and entry["cb"] == 7 and entry["sync"] is False
    assert res == {"k": "result", "cb": 7, "result": '{"errMsg":"getStorageSync:ok"}', "t": 260}

    events = translate([{"type": "batch", "items": [first, entry, res]}])
    assert [(e.api, e.ok, e.callback_id, e.t_result) for e in events] == [
        ("getStorageSync", True, 0, 150), ("getStorageSync", True, 7, 260)]
    assert events[1].stack == [*first["jstack"], "at Page.onLoad (pages/index/index.js:12:8)"]


def test_record_fields_cut_null_and_exceptions() -> None:
    data = (
        _record(1, 1 | 4 | 8, 0, 100, 120, 3, _field("getLocation"), _field("x" * 10, stored=4),
                _field("java.lang.IllegalStateException: boom"), _field(None), _field(""))
        + _record(1, 0, 5, 130, 0, 4, _field("request"), _field(None))
        + _record(3, 4, 5, 140, 0, 4, _field("java.lang.RuntimeException: down"))
    )
    sync, entry, exc = BridgeRecords().items(data)
    assert sync["data"] == "xxxx" and sync["trunc"] == ["data"] and sync["exc"].endswith("boom")
    assert sync["jstack"] == [] and "jsstack" not in sync
    assert entry["data"] == ""  # a null Java string
    events = translate([{"type": "batch", "items": [sync, entry, exc]}])
    assert events[0].ok is False and events[0].err_msg == "exception: java.lang.IllegalStateException: boom"
    assert events[1].api == "request" and events[1].ok is False and events[1].t_result == 140
    assert events[1].err_msg == "exception: java.lang.RuntimeException: down"


def test_a_torn_records_buffer_keeps_what_parsed() -> None:
    whole = _record(1, 1 | 2, 0, 100, 110, 1, _field("getSystemInfoSync"), _field("{}"), _field("{}"))
    with pytest.raises(RecordError, match="runs past the end|cut at byte") as info:
        BridgeRecords().items(whole + whole[:-3])
    assert [i["api"] for i in info.value.parsed] == ["getSystemInfoSync"]


@pytest.mark.e2e
def test_bridge_hooks_run_in_c_and_exceptions_reach_the_caller(classes: dict[str, Path], tmp_path: Path) -> None:  # noqa: F811
    vm = Jvm([classes["driver"], classes["bridge"]], "miniprobe.fixture.BridgeDriver", "--preload")
    try:
        recorder = Recorder(tmp_path / "events.jsonl")
        inst = FridaInstrument(recorder, process_label="fixture-jvm", clock=ClockSync(offset_ns=0, error_ns=0))
        inst.attach(vm.pid)
        assert inst.ready_info is not None
        native = inst.ready_info["native"]
        assert sorted(s.split("(")[0] for s in native) == [
            "AppBrandCommonBindingJni.nativeInvokeHandler", "AppBrandCommonBindingJni.nativeInvokeHandler",
            "AppBrandJsBridgeBinding.invokeCallbackHandler"]
        assert vm.send("throwing", expect="THROWN") == "THROWN 2"  # both calls threw at their caller
        vm.send("scenario", expect="DONE")  # and the bridge goes on working
        time.sleep(0.1)
        inst.close()
        recorder.close()
    finally:
        vm.stop()
    calls = [e for e in iter_events(tmp_path / "events.jsonl") if isinstance(e, ApiCall)]
    failed = [c for c in calls if c.api == "failingCall"]
    assert sorted(c.is_sync for c in failed) == [False, True]
    for c in failed:
        assert c.ok is False and c.err_msg == "exception: java.lang.IllegalStateException: bridge down", c
        assert any("BridgeDriver.throwing" in f for f in c.stack), c.stack
    assert {c.api for c in calls} >= {"getLocation", "setStorage", "request", "startLocationUpdate"}


def test_a_result_that_travels_before_its_call_is_paired() -> None:
    """While the hooks move from JS to C, a call queued in JS may be sent after its result, seen in C."""
    bridge = BridgeEvents()
    assert bridge.feed({"type": "batch", "items": [{"k": "result", "cb": 9, "result": '{"errMsg":"a:ok"}', "t": 300}]}) == []
    assert bridge.orphan_results == 1
    [ev] = bridge.feed({"type": "batch", "items": [{"k": "call", "api": "getLocation", "data": "{}", "cb": 9,
                                                    "sync": False, "t": 200, "jstack": []}]})
    assert ev.api == "getLocation" and ev.ok is True and ev.t_result == 300
    assert bridge.orphan_results == 0 and not bridge.pending and not bridge.early
