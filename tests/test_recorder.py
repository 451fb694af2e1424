"""The recorder's fast path (in-place stamp, orjson lines) writes what the models' own serialiser wrote,
and every recorded event reads back equal to what ``record`` returned."""

from __future__ import annotations

import re
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness.timeline import (
    ApiCall,
    ClockSync,
    Consent,
    Flow,
    Lifecycle,
    NativeCall,
    PIMatch,
    Prompt,
    Recorder,
    SessionEnd,
    SessionStart,
    Step,
    StorageWrite,
    UIButton,
    UIElement,
    UISnapshot,
    iter_events,
    utc_now_iso,
)


def every_kind() -> list:
    """One event of each kind, with nested models, None and non-None optionals, odd values in ``Any``."""
    return [
        SessionStart(source="harness", session_id="s", device="sim", device_kind="sim", appid="wx1", scenario="x",
                     tool_version="0", probe_versions={"CON-001": "1"}, clock=ClockSync(offset_ns=3, error_ns=1)),
        Step(source="scenario", index=0, action="tap", target="附近门店", screenshot="screens/001.png"),
        UISnapshot(source="driver", screenshot="s.png", texts=["同意", "拒绝"], page="pages/index/index",
                   elements=[UIElement(kind="checkbox", text="我已阅读", bounds=(1, 2, 3, 4), checked=False),
                             UIElement(kind="input", text="请输入手机号", input_type="number")],
                   crawl_path=["我的", "设置"]),
        Prompt(source="driver", prompt_kind="scope", title="获取你的位置信息", texts=["t"], scope="scope.userLocation",
               buttons=[UIButton(text="允许", role="agree", bounds=(0, 0, 10, 10)), UIButton(text="拒绝", role="reject")]),
        Consent(source="driver", action="agree", subject="privacy", how="tap:同意", prompt_seq=3),
        ApiCall(source="frida", api="getLocation", t=123, args={"type": "gcj02", "nested": {"k": None}, "n": [1, 2.5]},
                callback_id=7, result={"latitude": 31.232836, "longitude": 121.475568, "big": 2**70, "tiny": 5e-324},
                ok=True, stack=["at a (app.js:1)", "at b (app.js:2)"], category="位置信息"),
        ApiCall(source="frida", api="odd", args={1: "int key", "raw": b"bytes", "t": (1, 2)}),  # orjson cannot: fallback
        NativeCall(source="frida", api="android.location.LocationManager.getLastKnownLocation", args=None, stack=[]),
        Flow(source="proxy", flow_id="f1", url="http://h/x?p=13912345678", scheme="http", host="h", method="POST",
             status=200, request_size=10, pi=[PIMatch(type="phone", location="url.query:p", masked="139****5678",
                                                      canary="phoneNumber"),
                                              PIMatch(type="location", location="body.json:$.lat", masked="31.2*")]),
        StorageWrite(source="frida", key="token", value_class="str", api_seq=5),
        Lifecycle(source="frida", event="route", page="pages/a/a", wall="2026-01-01T00:00:00.000001Z"),
        SessionEnd(source="harness", outcome="error", reason="mitmdump died: \"quoted\"\n", clock=ClockSync()),
    ]


def test_lines_are_the_models_own_json_and_read_back_equal(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    rec = Recorder(path)
    stored = [rec.record(event) for event in every_kind()]
    rec.close()
    lines = path.read_bytes().splitlines(keepends=True)
    assert lines == [e.__pydantic_serializer__.to_json(e, exclude_none=True) + b"\n" for e in stored]
    read_back = list(iter_events(path))
    odd = 6  # its int key, bytes and tuple come back as JSON has them (as they always did): bytes checked above
    assert read_back[:odd] + read_back[odd + 1:] == stored[:odd] + stored[odd + 1:]
    assert read_back[odd].args == {"1": "int key", "raw": "bytes", "t": [1, 2]}
    assert [e.seq for e in read_back] == list(range(len(stored)))
    assert all(e.t > 0 and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", e.wall) for e in read_back)
    assert abs(datetime.fromisoformat(read_back[0].wall).timestamp() - time.time()) < 60
    assert read_back[5].t == 123 and read_back[10].wall == "2026-01-01T00:00:00.000001Z"  # given ones are kept


def test_an_event_recorded_twice_is_two_events_and_the_first_keeps_its_seq(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    rec = Recorder(path)
    event = Consent(source="driver", action="agree", subject="privacy", how="tap")
    first = rec.record(event)
    second = rec.record(event)
    rec.close()
    assert (first.seq, second.seq) == (0, 1) and first is not second
    assert [e.seq for e in iter_events(path)] == [0, 1]


def test_a_lone_surrogate_in_a_call_argument_is_recorded_readably(tmp_path: Path) -> None:
    """A JS string cut in the middle of a surrogate pair reaches Python as a lone surrogate: the line is
    still written (the surrogate as "?") and the session stays readable."""
    recorder = Recorder(tmp_path / "events.jsonl")
    recorder.record(ApiCall(source="frida", api="setStorageSync", args={"key": "nick", "data": "\ud83d cut"}))
    recorder.record(ApiCall(source="frida", api="getStorageSync", args={"key": "nick"}))
    recorder.close()
    events = list(iter_events(tmp_path / "events.jsonl"))
    assert [e.api for e in events] == ["setStorageSync", "getStorageSync"]
    assert events[0].args == {"key": "nick", "data": "? cut"}


def test_models_where_the_compiled_path_does_not_expect_them_take_the_models_own_serialiser(tmp_path: Path) -> None:
    """A model inside ``args`` (no shape compiled for it) and a nested field holding something else than
    its model (model_construct skips validation) are still written as the models' own serialiser does."""
    match = PIMatch(type="phone", location="value", masked="139****5678")
    events = [ApiCall(source="frida", api="x", args={"found": match, "none": None}),
              Flow.model_construct(source="proxy", flow_id="f", url="u", scheme="http", host="h", method="GET",
                                   pi=[{"type": "phone", "location": "value", "masked": "1", "canary": None}])]
    recorder = Recorder(tmp_path / "events.jsonl")
    with warnings.catch_warnings():  # pydantic's own serialiser warns that ``pi`` holds dicts: it does
        warnings.simplefilter("ignore")
        stored = [recorder.record(event) for event in events]
    recorder.close()
    lines = (tmp_path / "events.jsonl").read_bytes().splitlines(keepends=True)
    assert lines == [e.__pydantic_serializer__.to_json(e, exclude_none=True, warnings=False) + b"\n" for e in stored]
    assert [e.seq for e in iter_events(tmp_path / "events.jsonl")] == [0, 1]


def test_the_wall_clock_of_each_stamp_is_the_time_it_was_made(tmp_path: Path) -> None:
    """Walls come from the wall clock read once per millisecond plus the monotonic clock within it: each
    lies between time.time() just before and just after (less the µs cut off; plus the 20 µs a thread
    may be held up between the two clock readings before the millisecond is kept)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    for n in range(3000):
        if n % 500 == 0:
            time.sleep(0.002)
        before = time.time()
        wall = utc_now_iso()
        after = time.time()
        micros = (datetime.fromisoformat(wall) - epoch) // timedelta(microseconds=1)
        assert before * 1e6 - 2 <= micros <= after * 1e6 + 25, (wall, before, after)
