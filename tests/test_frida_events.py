"""The agent's messages -> timeline events (pure; no Frida, no JVM). The e2e test is test_frida_agent_e2e."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from harness.instrument.frida import (
    BridgeEvents,
    FridaInstrument,
    api_call_event,
    json_type,
    parse_json,
    storage_writes,
    translate,
)
from harness.timeline import ApiCall, ClockSync, Lifecycle, Recorder, StorageWrite, iter_events

CLOCK = ClockSync(offset_ns=1_000, error_ns=50)


def call(api: str, data: str = "{}", *, cb: int = 0, sync: bool = False, t: int = 100, **more: Any) -> dict[str, Any]:
    item = {"k": "call", "api": api, "data": data, "cb": cb, "sync": sync, "t": str(t), "ov": 5, "tid": 1,
            "jstack": ["a.B.c(B.java:1)"]}
    item.update(more)
    return item


def result(cb: int, text: str, t: int = 200) -> dict[str, Any]:
    return {"k": "result", "cb": cb, "result": text, "t": str(t)}


def batch(*items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "batch", "items": list(items)}


def test_sync_call_carries_its_result() -> None:
    bridge = BridgeEvents(process="com.tencent.mm:appbrand0", clock=CLOCK)
    [ev] = bridge.feed(batch(call("getClipboardData", sync=True, result='{"errMsg":"getClipboardData:ok","data":"x"}',
                                   t_result="150")))
    assert isinstance(ev, ApiCall)
    assert ev.source == "frida" and ev.is_sync and ev.ok is True and ev.err_msg is None
    assert ev.t == 1_100 and ev.device_t == 100 and ev.t_result == 1_150
    assert ev.result == {"errMsg": "getClipboardData:ok", "data": "x"}
    assert ev.category == "剪切板" and ev.process == "com.tencent.mm:appbrand0"
    assert not bridge.pending


def test_async_result_in_a_later_batch_is_paired_by_callback_id() -> None:
    bridge = BridgeEvents(clock=CLOCK)
    assert bridge.feed(batch(call("getLocation", '{"type":"gcj02"}', cb=7))) == []
    assert 7 in bridge.pending
    [ev] = bridge.feed(batch(result(7, '{"errMsg":"getLocation:fail auth deny","errno":104}', t=300)))
    assert ev.api == "getLocation" and ev.callback_id == 7 and ev.args == {"type": "gcj02"}
    assert ev.ok is False and ev.err_msg == "getLocation:fail auth deny" and ev.errno == 104
    assert ev.t_result == 1_300 and ev.category == "位置信息"
    assert not bridge.pending


def test_pair_made_by_the_agent_and_odd_results() -> None:
    events = translate([
        batch(
            call("chooseImage", cb=1, result='{"errMsg":"chooseImage:cancel"}', t_result="120"),
            call("login", cb=2, result='{"errMsg":"login:ok","errno":"0"}', t_result="130"),
            call("request", cb=3, result="not json", t_result="140"),
            call("request", cb=4, result="", t_result="140"),
        )
    ])
    by_cb = {e.callback_id: e for e in events}
    assert by_cb[1].ok is False and by_cb[1].err_msg is None  # cancel is not ok, but not ":fail"
    assert by_cb[2].ok is True and by_cb[2].errno == 0 and by_cb[2].category == "登录凭证"
    assert by_cb[3].result == "not json" and by_cb[3].ok is None
    assert by_cb[4].result is None and by_cb[4].ok is None


def test_args_parsed_or_kept_raw() -> None:
    assert parse_json('{"a":1}') == {"a": 1}
    assert parse_json("[1,2]") == [1, 2]
    assert parse_json("not json {") == "not json {"
    assert parse_json("") is None
    ev = api_call_event(call("request", "url=a&b"), None, None)
    assert ev.args == "url=a&b" and ev.ok is None and ev.result is None


def test_stack_is_java_then_js_frames() -> None:
    js = "Error\n    at Page.onLoad (pages/index/index.js:12:8)\n    at x (app.js:1:1)\n"
    ev = api_call_event(call("getLocation", jsstack=js), None, None)
    assert ev.stack == ["a.B.c(B.java:1)", "at Page.onLoad (pages/index/index.js:12:8)", "at x (app.js:1:1)"]


def test_java_exception_is_a_failed_call() -> None:
    [ev] = translate([batch(call("getLocation", sync=True, exc="java.lang.IllegalStateException: boom", t_result="101"))])
    assert ev.ok is False and ev.err_msg == "exception: java.lang.IllegalStateException: boom"


def test_lifecycle_calls_become_lifecycle_events() -> None:
    events = translate(
        [
            batch(
                call("__lifecycle", '{"event":"launch","page":"pages/index/index"}', sync=True, result="{}"),
                call("__lifecycle", '{"event":"route","page":"pages/b/b"}', sync=True, t=150),
                call("__lifecycle", '{"event":"teleport"}', sync=True, result="{}"),
                call("__invokeRegister", '{"event":"onNeedPrivacyAuthorization"}', sync=True, result="{}"),
            )
        ],
        clock=CLOCK,
    )
    assert isinstance(events[0], Lifecycle) and events[0].event == "launch" and events[0].page == "pages/index/index"
    assert events[0].t == 1_100 and events[0].device_t == 100
    assert isinstance(events[1], Lifecycle) and events[1].event == "route"
    # an unknown lifecycle event is not dropped: it stays an api_call
    assert isinstance(events[2], ApiCall) and events[2].api == "__lifecycle"
    assert isinstance(events[3], ApiCall) and events[3].api == "__invokeRegister"


def test_unanswered_and_orphans_and_reused_callback_ids() -> None:
    bridge = BridgeEvents()
    assert bridge.feed(batch(result(99, '{"errMsg":"x:ok"}'))) == []  # call made before the attach
    assert bridge.orphan_results == 1
    assert bridge.feed(batch(call("startLocationUpdate", cb=5, t=300), call("getLocation", cb=6, t=200))) == []
    # callbackId 5 reused before its result came: the first call is given up as never answered
    [given_up] = bridge.feed(batch(call("getWeRunData", cb=5, t=400)))
    assert given_up.api == "startLocationUpdate" and given_up.ok is None
    rest = bridge.unanswered()
    assert [e.api for e in rest] == ["getLocation", "getWeRunData"]  # in call order
    assert all(e.ok is None and e.t_result is None for e in rest)
    assert bridge.unanswered() == []


def test_non_batch_messages_give_no_events() -> None:
    bridge = BridgeEvents()
    assert bridge.feed({"type": "ready", "hooks": []}) == []
    assert bridge.feed("garbage") == []
    assert bridge.feed({"type": "batch", "items": [{"k": "nope"}, 3]}) == []


def _stored(api: str, args: Any, ok: bool | None = True, seq: int = 12) -> ApiCall:
    return ApiCall(source="frida", seq=seq, t=500, device_t=400, api=api, args=args, ok=ok)


def test_storage_writes() -> None:
    [w] = storage_writes(_stored("setStorage", {"key": "user", "data": {"name": "Li"}}))
    assert isinstance(w, StorageWrite)
    assert (w.key, w.value_class, w.api_seq, w.t, w.device_t) == ("user", "object", 12, 500, 400)
    [w] = storage_writes(_stored("setStorageSync", {"key": "n", "data": 3}))
    assert w.value_class == "number"
    # WeChat's serialised form: data is a string, dataType says what it was
    [w] = storage_writes(_stored("setStorage", {"key": "o", "data": '{"a":1}', "dataType": "Object"}))
    assert w.value_class == "object"
    ws = storage_writes(_stored("batchSetStorageSync", {"kvList": [{"key": "a", "value": "x"}, {"key": "b", "value": [1]}]}))
    assert [(w.key, w.value_class) for w in ws] == [("a", "string"), ("b", "array")]
    assert storage_writes(_stored("setStorage", {"key": "k", "data": "v"}, ok=False)) == []  # failed: not written
    assert storage_writes(_stored("setStorage", "raw")) == []
    assert storage_writes(_stored("getStorage", {"key": "k"})) == []
    assert [json_type(v) for v in (None, True, 1, 1.5, "s", [], {})] == [
        "null", "boolean", "number", "number", "string", "array", "object"]


def test_storage_write_personal_data(monkeypatch: pytest.MonkeyPatch) -> None:
    call_ = _stored("setStorage", {"key": "user", "data": {"phone": "13800138000"}})
    [w] = storage_writes(call_)
    assert any(m.type == "phone" and m.location.startswith("storage:user") for m in w.pi), w.pi
    assert all("13800138000" not in m.masked for m in w.pi)
    # without the recognisers module the write is still recorded, with no matches
    monkeypatch.setitem(sys.modules, "harness.capture.recognisers", None)
    [w] = storage_writes(call_)
    assert w.pi == []


def test_instrument_records_agent_messages_without_frida(tmp_path: Path) -> None:
    """The glue: messages as Frida delivers them -> Recorder; storage writes point at their call."""
    path = tmp_path / "events.jsonl"
    recorder = Recorder(path)
    inst = FridaInstrument(recorder, process_label="p", clock=CLOCK)
    inst._on_message({"type": "send", "payload": {"type": "ready", "hooks": ["h"], "process": {"name": "x"}}}, None)
    assert inst.ready and inst.ready_info["hooks"] == ["h"]
    inst._on_message({"type": "send", "payload": batch(
        call("setStorage", '{"key":"k","data":"v"}', cb=1),
        call("getLocation", cb=2),
    )}, None)
    inst._on_message({"type": "send", "payload": batch(result(1, '{"errMsg":"setStorage:ok"}'))}, None)
    inst._on_message({"type": "send", "payload": {"type": "error", "where": "hook", "message": "m", "fatal": False}}, None)
    inst.close()  # never attached: records the unanswered call, does not raise
    inst.close()
    recorder.close()
    events = list(iter_events(path))
    assert [e.kind for e in events] == ["api_call", "storage_write", "api_call"]
    assert events[1].api_seq == events[0].seq and events[0].process == "p"
    assert events[2].api == "getLocation" and events[2].ok is None
    assert inst.agent_errors[0].where == "hook"
