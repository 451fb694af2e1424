"""The fast read side of the timeline: the same events as pydantic validation, the same errors."""

from pathlib import Path
from typing import Any, get_args

import orjson
import pytest

from harness.event_reader import EventReader
from harness.timeline import (
    EVENT_ADAPTER,
    ApiCall,
    ClockSync,
    Event,
    Flow,
    PIMatch,
    Prompt,
    SessionStart,
    Timeline,
    UIButton,
    UIElement,
    UISnapshot,
    iter_events,
)

CLASSES = list(get_args(get_args(Event)[0]))


def reader() -> EventReader:
    return EventReader(CLASSES)


def line(**fields: Any) -> bytes:
    return orjson.dumps(fields)


def every_kind() -> list[Any]:
    """One event of each kind with its nested models and optional fields set."""
    return [
        SessionStart(source="harness", session_id="s", device="sim", device_kind="sim", appid="wx1", scenario="x",
                     tool_version="0", probe_versions={"a": "1"}, clock=ClockSync(offset_ns=5, error_ns=2)),
        Prompt(seq=1, t=10, wall="w", source="driver", prompt_kind="scope", title="t", texts=["a", "b"],
               buttons=[UIButton(text="允许", role="agree", bounds=(1, 2, 3, 4)), UIButton(text="拒绝")]),
        UISnapshot(seq=2, t=11, source="driver", texts=["x"], page="pages/a", crawl_path=["我的"],
                   elements=[UIElement(kind="checkbox", text="同意", checked=False, bounds=(0, 0, 5, 5)),
                             UIElement(kind="text", text="t", font_px=12.0)]),
        ApiCall(seq=3, t=12, source="frida", device_t=12, api="request", args={"url": "https://h/x", "n": 1.0},
                result={"statusCode": 200}, ok=True, stack=["a.b(C.java:1)"], t_result=13, callback_id=7),
        Flow(seq=4, t=13, source="proxy", flow_id="f", url="https://h/x", scheme="https", host="h", method="POST",
             pi=[PIMatch(type="phone", location="body.json:$.p", masked="138****0000", canary="c1")]),
    ]


def test_each_kind_reads_as_pydantic_validates_it() -> None:
    fast = reader()
    for event in every_kind():
        for text in (event.model_dump_json(exclude_none=True), event.model_dump_json()):
            read = fast.read(text.encode())
            validated = EVENT_ADAPTER.validate_json(text)
            assert read is not None, text  # the fast path took it
            assert type(read) is type(validated)
            assert read == validated
            assert read.model_dump() == validated.model_dump()
            assert read.model_fields_set == validated.model_fields_set
            assert read.model_dump_json(exclude_none=True) == validated.model_dump_json(exclude_none=True)


def test_equal_values_are_shared_but_types_are_kept() -> None:
    fast = reader()
    a = fast.read(line(seq=0, source="frida", kind="api_call", api="x", args={"n": 1}, stack=["f"]))
    b = fast.read(line(seq=1, source="frida", kind="api_call", api="x", args={"n": 1}, stack=["f"]))
    c = fast.read(line(seq=2, source="frida", kind="api_call", api="x", args={"n": 1.0}))
    assert isinstance(a, ApiCall) and isinstance(b, ApiCall) and isinstance(c, ApiCall)
    assert a.args is b.args and a.stack is b.stack and a.api is b.api
    assert type(c.args["n"]) is float and type(a.args["n"]) is int


@pytest.mark.parametrize(
    ("good", "bad", "field"),
    [
        (b'"t":1', b'"t":"soon"', "t"),  # wrong type
        (b'"frida"', b'"nobody"', "source"),  # outside its Literal
        (b'"api":"x"', b'"api":"x","surprise":1', "surprise"),  # unknown field
        (b'"api":"x"', b'"api":"x","stack":["a",2]', "stack"),  # wrong item type
        (b'"api":"x"', b'"api":"x","ok":"maybe"', "ok"),  # not a bool
    ],
)
def test_a_bad_field_in_the_middle_of_a_file_is_reported_with_its_line(
    tmp_path: Path, good: bytes, bad: bytes, field: str
) -> None:
    lines = [line(seq=i, t=i, source="frida", kind="api_call", api="x") for i in range(3)]
    lines[1] = lines[1].replace(good, bad)
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(ValueError, match=rf"(?s)events.jsonl:2: not a valid event:.*api_call\.{field}\b"):
        list(iter_events(path))


def test_what_only_lax_validation_takes_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(line(seq="4", source="frida", kind="api_call", api="x", t=1.0) + b"\n")
    (event,) = iter_events(path)
    assert event == EVENT_ADAPTER.validate_json(path.read_bytes())
    assert event.seq == 4 and event.t == 1


def test_a_json_integer_in_a_float_field_is_a_float() -> None:
    text = line(seq=0, source="driver", kind="ui_snapshot", elements=[{"kind": "text", "font_px": 12}])
    read = reader().read(text)
    assert isinstance(read, UISnapshot) and read == EVENT_ADAPTER.validate_json(text)
    assert type(read.elements[0].font_px) is float


def test_blank_lines_are_skipped_and_a_torn_last_line_too(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(line(seq=0, source="frida", kind="api_call", api="x") + b"\n\n  \n" + b'{"seq":1,"sou')
    assert [e.seq for e in iter_events(path)] == [0]


def test_timeline_order_index_and_positions() -> None:
    events = [ApiCall(seq=s, t=t, source="frida", api=str(s)) for s, t in [(0, 5), (1, 3), (2, 5), (3, 3)]]
    timeline = Timeline(reversed(events))
    assert [e.seq for e in timeline.events] == [1, 3, 0, 2]
    assert [timeline.position(s) for s in (1, 3, 0, 2)] == [0, 1, 2, 3]
    assert timeline.by_seq[2] is events[2]


def test_by_seq_answers_as_the_dict_of_seq_to_latest_event_did() -> None:
    events = [ApiCall(seq=s, t=t, source="frida", api=f"{s}@{t}") for s, t in [(3, 1), (1, 9), (3, 7), (2, 4), (3, 7)]]
    timeline = Timeline(events)
    expected = {e.seq: e for e in timeline.events}  # what by_seq was: the latest in time order wins
    assert dict(timeline.by_seq) == expected and len(timeline.by_seq) == 3
    assert timeline.by_seq[3] is events[4]  # same time as events[2]: the one given last, as in the dict
    assert timeline.by_seq.get(None) is None and timeline.by_seq.get(8) is None  # type: ignore[arg-type]
    assert 2 in timeline.by_seq and 5 not in timeline.by_seq
    with pytest.raises(KeyError):
        timeline.by_seq[0]
