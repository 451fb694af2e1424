"""The fast read side of the timeline: the same events as pydantic validation, the same errors."""

from pathlib import Path
from typing import Any, Literal, get_args

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
    read_events,
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


def validated_timeline(path: Path) -> Timeline:
    """What Timeline.load must equal: every line validated by pydantic, Timeline() over them."""
    lines = [text for text in path.read_bytes().splitlines() if text.strip()]
    return Timeline([EVENT_ADAPTER.validate_json(text) for text in lines])


def assert_same_timeline(loaded: Timeline, expected: Timeline) -> None:
    assert loaded.events == expected.events
    assert [type(e) for e in loaded.events] == [type(e) for e in expected.events]
    assert dict(loaded.by_seq) == dict(expected.by_seq)
    for cls in CLASSES:
        assert loaded.of(cls) == expected.of(cls), cls
    assert [loaded.position(e.seq) for e in loaded.events] == [expected.position(e.seq) for e in expected.events]


def write_lines(tmp_path: Path, lines: list[bytes]) -> Path:
    (tmp_path / "events.jsonl").write_bytes(b"".join(text + b"\n" for text in lines))
    return tmp_path / "events.jsonl"


@pytest.mark.parametrize(
    "order",
    ["recorded", "late_events", "seq_out_of_order", "with_a_line_for_pydantic", "repeated_seq"],
)
def test_load_is_the_timeline_of_the_validated_events(tmp_path: Path, order: str) -> None:
    events = [e.model_copy(update={"seq": n, "t": 100 + n}) for n, e in enumerate(every_kind() * 3)]
    lines = [e.model_dump_json(exclude_none=True).encode() for e in events]
    if order == "late_events":  # a flow written when its scan ended carries its earlier t
        lines[4], lines[9] = (e.model_copy(update={"t": t}).model_dump_json().encode()
                              for e, t in ((events[4], 150), (events[9], 50)))
    elif order == "seq_out_of_order":
        lines[2], lines[7] = lines[7], lines[2]
    elif order == "with_a_line_for_pydantic":  # lax: a string seq only validation takes
        lines[6] = lines[6].replace(b'"seq":6', b'"seq":"6"')
    elif order == "repeated_seq":
        lines[3] = lines[3].replace(b'"seq":3', b'"seq":2')
    path = write_lines(tmp_path, lines)
    assert_same_timeline(Timeline.load(tmp_path), validated_timeline(path))
    validated = [EVENT_ADAPTER.validate_json(text) for text in lines]
    for read in (list(iter_events(path)), read_events(path)):  # a line at a time, and a whole file
        assert read == validated and [type(e) for e in read] == [type(e) for e in validated]


def test_missing_optional_fields_nulls_escapes_and_odd_values_read_as_validated() -> None:
    fast = reader()
    texts = [
        line(source="frida", kind="api_call", api="x"),  # nothing but the required fields
        line(seq=1, source="frida", kind="api_call", api="x", args=None, result=None, ok=None, stack=[]),
        line(seq=2, source="frida", kind="api_call", api='a"b\\c\n\u00e9\U0001f600', args="s", result=3,
             err_msg="\t", stack=["x\"y", "\u4e2d"]),
        line(seq=3, source="frida", kind="api_call", api="x", args=[1, {"a": [True, None]}], result=1.5),
        line(seq=4, source="proxy", kind="flow", flow_id="f", url="u", scheme="s", host="h", method="GET", pi=[]),
        line(seq=5, source="driver", kind="ui_snapshot", texts=[], elements=[{"kind": "text"}]),
        line(seq=6, source="driver", kind="prompt", prompt_kind="scope", buttons=[{"text": "a", "bounds": [1, 2, 3, 4]}]),
        line(seq=7, source="harness", kind="session_start", session_id="s", device="d", device_kind="sim", appid="a",
             scenario="x", tool_version="0", probe_versions={}, clock={}),
        b'{"seq": 8 , "source" : "frida",\t"kind":"lifecycle", "event":"show"}  ',  # whitespace
    ]
    for text in texts:
        read = fast.read(text)
        validated = EVENT_ADAPTER.validate_json(text)
        assert read is not None, text
        assert type(read) is type(validated) and read == validated
        assert read.model_dump() == validated.model_dump()
        assert read.model_fields_set == validated.model_fields_set
        assert repr(read) == repr(validated)


@pytest.mark.parametrize(
    "text",
    [
        b'{"seq":0,"source":"frida","kind":"api_call","api":null}',  # null where None is not allowed
        b'{"seq":0,"source":"frida","kind":"api_call","api":"x","stack":"ab"}',  # a string, not a list
        b'{"seq":0,"source":"frida","kind":"api_call","api":"x","stack":{"a":1}}',
        b'{"seq":0,"source":"frida","kind":"api_call","api":"x","is_sync":1}',
        b'{"seq":0,"source":"frida","kind":"api_call","api":"x","t":true}',
        b'{"seq":0,"source":"frida","kind":"api_call","api":"x","t":1.5}',
        b'{"seq":0,"source":"frida","kind":"nope","api":"x"}',
        b'{"seq":0,"source":"frida","api":"x"}',
        b'[{"seq":0,"source":"frida","kind":"api_call","api":"x"}]',
        b'{"seq":0,"source":"proxy","kind":"flow","flow_id":"f","url":"u","scheme":"s","host":"h","method":"G","pi":[1]}',
    ],
)
def test_what_the_fast_path_must_not_take_goes_to_pydantic(tmp_path: Path, text: bytes) -> None:
    """After the same line of a good shape was read (its builder exists), a bad value still goes to
    pydantic: as the line's only event it validates or names the field; in a file, the line."""
    good = b'{"seq":0,"source":"frida","kind":"api_call","api":"x","stack":["a"],"is_sync":true,"t":1}'
    fast = reader()
    assert fast.read_lines([good, good])[1] == EVENT_ADAPTER.validate_json(good)
    assert fast.read_lines([good, text])[1] == text  # the line itself: for pydantic
    write_lines(tmp_path, [good, text, good])
    try:
        expected = EVENT_ADAPTER.validate_json(text)
    except ValueError:
        with pytest.raises(ValueError, match=r"events.jsonl:2: not a valid event"):
            Timeline.load(tmp_path)
    else:  # lax validation takes it
        assert expected in Timeline.load(tmp_path).events


def test_a_shape_two_kinds_share_is_read_as_each_kind() -> None:
    from harness.timeline import _Event

    class First(_Event):
        kind: Literal["first"] = "first"
        name: str

    class Second(_Event):
        kind: Literal["second"] = "second"
        name: str

    fast = EventReader([First, Second])
    lines = [line(seq=n, source="frida", kind=kind, name=kind) for n, kind in enumerate(["first", "second"] * 3)]
    read = fast.read_lines(lines)
    assert [type(e) for e in read] == [First, Second] * 3
    assert [e.name for e in read] == ["first", "second"] * 3  # type: ignore[union-attr]


def test_a_field_that_stops_interning_midway_reads_the_same(tmp_path: Path) -> None:
    """More distinct values than are interned: the builders are planned again without that step."""
    lines = [line(seq=n, t=n, source="frida", kind="api_call", api=f"api{n}", stack=[f"f{n % 3}"])
             for n in range(10_000)]
    path = write_lines(tmp_path, lines)
    loaded = Timeline.load(tmp_path)
    assert_same_timeline(loaded, validated_timeline(path))
    assert loaded.events[9999].stack is loaded.events[0].stack  # still shared
