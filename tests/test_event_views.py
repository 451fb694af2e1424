"""The read side of the timeline: every line read as the view of what pydantic validation makes of it,
bad lines named with their file, line and field, and the same Timeline whatever it was made from."""

from pathlib import Path
from typing import Any

import msgspec
import orjson
import pytest

from harness import event_views as views
from harness.event_views import EVENT_VIEWS, ViewReader, read_views, to_view, view_class, view_of
from harness.timeline import (
    EVENT_ADAPTER,
    ApiCall,
    ClockSync,
    Flow,
    PIMatch,
    Prompt,
    SessionStart,
    Timeline,
    UIButton,
    UIElement,
    UISnapshot,
    _Event,
    iter_events,
)


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


def read_one(text: bytes, tmp_path: Path | None = None) -> Any:
    (event,) = ViewReader(Path("events.jsonl")).read_lines([text])
    return event


def assert_view_of(read: Any, validated: Any) -> None:
    """``read`` is the view of the validated model: its view class, every field equal, nested views."""
    assert type(read) is view_of(type(validated))
    assert read == to_view(validated)
    assert orjson.loads(msgspec.json.encode(read)) == orjson.loads(validated.model_dump_json())


def test_each_view_class_mirrors_its_model() -> None:
    for view in EVENT_VIEWS:
        model = next(m for m, v in views._VIEWS.items() if v is view)
        assert view.__name__ == model.__name__ and view.kind == model.model_fields["kind"].default
        assert set(view.__struct_fields__) == set(model.model_fields) - {"kind"}
        assert issubclass(view, views._EventBase) and issubclass(view, views.Event)
    assert view_class(ApiCall) is views.ApiCall and view_class(views.ApiCall) is views.ApiCall
    assert view_class(_Event) is views._EventBase


def test_each_kind_reads_as_the_view_of_what_pydantic_validates() -> None:
    for event in every_kind():
        for text in (event.model_dump_json(exclude_none=True), event.model_dump_json()):
            assert_view_of(read_one(text.encode()), EVENT_ADAPTER.validate_json(text))


def test_defaults_are_the_models_defaults() -> None:
    """A line with only the required fields: every default (ClockSync(), [], None, "develop") as the model's."""
    for text in (line(source="frida", kind="api_call", api="x"),
                 line(source="harness", kind="session_start", session_id="s", device="d", device_kind="sim",
                      appid="a", scenario="x", tool_version="0"),
                 line(source="driver", kind="ui_snapshot"),
                 line(source="driver", kind="prompt", prompt_kind="scope")):
        assert_view_of(read_one(text), EVENT_ADAPTER.validate_json(text))
    a, b = (read_one(line(source="driver", kind="ui_snapshot")) for _ in range(2))
    assert a.texts == [] and a.texts is not b.texts  # no shared mutable default


def test_views_are_read_only() -> None:
    event = read_one(line(seq=0, source="frida", kind="api_call", api="x"))
    with pytest.raises(AttributeError):
        event.api = "y"


def test_equal_stacks_are_shared_and_value_types_kept() -> None:
    reader = ViewReader(Path("events.jsonl"))
    a, b, c = reader.read_lines([
        line(seq=0, source="frida", kind="api_call", api="x", args={"n": 1}, stack=["f", "g"]),
        line(seq=1, source="frida", kind="api_call", api="y", args={"n": 1}, stack=["f", "g"]),
        line(seq=2, source="frida", kind="api_call", api="x", args={"n": 1.0}, stack=["f"]),
    ])
    assert a.stack is b.stack and a.stack == ["f", "g"] and c.stack == ["f"]
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
    for read in (lambda: Timeline.load(tmp_path), lambda: list(iter_events(path))):
        with pytest.raises(ValueError, match=rf"(?s)events.jsonl:2: not a valid event:.*api_call\.{field}\b"):
            read()


def test_what_only_lax_validation_takes_is_still_read(tmp_path: Path) -> None:
    text = line(seq="4", source="frida", kind="api_call", api="x", t=1.0, is_sync=1)
    (tmp_path / "events.jsonl").write_bytes(text + b"\n")
    (event,) = Timeline.load(tmp_path).events
    assert_view_of(event, EVENT_ADAPTER.validate_json(text))
    assert event.seq == 4 and event.t == 1 and event.is_sync is True


def test_a_json_integer_in_a_float_field_is_a_float() -> None:
    text = line(seq=0, source="driver", kind="ui_snapshot", elements=[{"kind": "text", "font_px": 12}])
    read = read_one(text)
    assert_view_of(read, EVENT_ADAPTER.validate_json(text))
    assert type(read.elements[0].font_px) is float


def test_blank_lines_are_skipped_and_a_torn_last_line_too(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    first = line(seq=0, source="frida", kind="api_call", api="x")
    for tail in (b'{"seq":1,"sou', b'{"seq":1,"sou' + b"\0" * 64, b"\0" * 4096):  # a crash; the recorder's space
        path.write_bytes(first + b"\n\n  \n" + tail)
        assert [e.seq for e in read_views(path)] == [0]
        assert [e.seq for e in Timeline.load(tmp_path).events] == [0]
        assert [e.seq for e in iter_events(path)] == [0]
    path.write_bytes(first + b'\n{"seq":1,"sou\n' + first + b"\n")
    with pytest.raises(ValueError, match=r"events.jsonl:2: not a valid event"):
        Timeline.load(tmp_path)


def test_timeline_of_models_is_the_timeline_of_their_views() -> None:
    events = [ApiCall(seq=s, t=t, source="frida", api=str(s)) for s, t in [(0, 5), (1, 3), (2, 5), (3, 3)]]
    timeline = Timeline(reversed(events))
    assert [e.seq for e in timeline.events] == [1, 3, 0, 2]
    assert all(type(e) is views.ApiCall for e in timeline.events)
    assert [timeline.position(s) for s in (1, 3, 0, 2)] == [0, 1, 2, 3]
    assert timeline.by_seq[2] == to_view(events[2])
    assert timeline.of(ApiCall) == timeline.of(views.ApiCall) == timeline.events
    assert timeline.of(_Event) == timeline.events and timeline.of(Flow) == []


def test_by_seq_answers_as_the_dict_of_seq_to_latest_event_did() -> None:
    events = [ApiCall(seq=s, t=t, source="frida", api=f"{s}@{t}", callback_id=n)
              for n, (s, t) in enumerate([(3, 1), (1, 9), (3, 7), (2, 4), (3, 7)])]
    timeline = Timeline(events)
    expected = {e.seq: e for e in timeline.events}  # what by_seq was: the latest in time order wins
    assert dict(timeline.by_seq) == expected and len(timeline.by_seq) == 3
    assert timeline.by_seq[3].callback_id == 4  # same time as the third: the one given last, as in the dict
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
    for cls in EVENT_VIEWS:
        assert loaded.of(cls) == expected.of(cls), cls
    assert [loaded.position(e.seq) for e in loaded.events] == [expected.position(e.seq) for e in expected.events]


def write_lines(tmp_path: Path, lines: list[bytes]) -> Path:
    (tmp_path / "events.jsonl").write_bytes(b"".join(text + b"\n" for text in lines))
    return tmp_path / "events.jsonl"


@pytest.mark.parametrize(
    "order",
    ["recorded", "late_events", "seq_out_of_order", "with_a_line_for_pydantic", "repeated_seq", "seq_gap"],
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
    elif order == "seq_gap":  # seq n is the n-th event up to the gap only
        lines = [*lines[:5], *(e.model_copy(update={"seq": e.seq + 10}).model_dump_json().encode() for e in events[5:])]
    path = write_lines(tmp_path, lines)
    assert_same_timeline(Timeline.load(tmp_path), validated_timeline(path))
    validated = [EVENT_ADAPTER.validate_json(text) for text in lines]
    assert list(iter_events(path)) == validated
    assert read_views(path) == [to_view(e) for e in validated]
    loaded = Timeline.load(tmp_path)
    assert [loaded.by_seq[e.seq].seq for e in validated] == [e.seq for e in validated]


def test_missing_optional_fields_nulls_escapes_and_odd_values_read_as_validated() -> None:
    texts = [
        line(seq=1, source="frida", kind="api_call", api="x", args=None, result=None, ok=None, stack=[]),
        line(seq=2, source="frida", kind="api_call", api='a"b\\c\n\u00e9\U0001f600', args="s", result=3,
             err_msg="\t", stack=["x\"y", "\u4e2d"]),
        line(seq=3, source="frida", kind="api_call", api="x", args=[1, {"a": [True, None]}], result=1.5),
        b'{"seq":4,"source":"frida","kind":"api_call","api":"x","args":{"big":%d,"neg":%d}}' % (2**70, -(2**65)),
        line(seq=5, source="proxy", kind="flow", flow_id="f", url="u", scheme="s", host="h", method="GET", pi=[]),
        line(seq=6, source="driver", kind="ui_snapshot", texts=[], elements=[{"kind": "text"}]),
        line(seq=7, source="driver", kind="prompt", prompt_kind="scope", buttons=[{"text": "a", "bounds": [1, 2, 3, 4]}]),
        line(seq=8, source="harness", kind="session_start", session_id="s", device="d", device_kind="sim", appid="a",
             scenario="x", tool_version="0", probe_versions={}, clock={}),
        b'{"seq": 9 , "source" : "frida",\t"kind":"lifecycle", "event":"show"}  ',  # whitespace
        b'{"seq":10,"source":"frida","kind":"api_call","api":"x","args":1e400}',  # msgspec refuses, pydantic: inf
    ]
    for text in texts:
        assert_view_of(read_one(text), EVENT_ADAPTER.validate_json(text))


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
        b'{"seq":0,"source":"driver","kind":"prompt","prompt_kind":"scope","buttons":[{"text":"a","bounds":[1,2,3]}]}',
    ],
)
def test_what_msgspec_refuses_is_validated_or_named(tmp_path: Path, text: bytes) -> None:
    """A line msgspec refuses between good ones: validation takes it (its view is read in its place)
    or the file and line are named."""
    good = b'{"seq":0,"source":"frida","kind":"api_call","api":"x","stack":["a"],"is_sync":true,"t":1}'
    write_lines(tmp_path, [good, text, good])
    try:
        expected = EVENT_ADAPTER.validate_json(text)
    except ValueError:
        with pytest.raises(ValueError, match=r"events.jsonl:2: not a valid event"):
            Timeline.load(tmp_path)
    else:  # lax validation takes it
        assert to_view(expected) in Timeline.load(tmp_path).events


def test_probes_read_views_of_hand_built_pi_matches() -> None:
    """``to_view`` turns nested models (a flow's matches) into views, lists included."""
    flow = every_kind()[4]
    view = to_view(flow)
    assert type(view.pi[0]) is views.PIMatch and view.pi[0].canary == "c1"
    assert to_view([PIMatch(type="phone", location="v", masked="m")]) == [views.PIMatch(type="phone", location="v",
                                                                                        masked="m")]


def test_a_field_that_stops_being_shared_midway_reads_the_same(tmp_path: Path) -> None:
    """More distinct values than are shared: that field is left alone from then on, the others still shared."""
    lines = [line(seq=n, t=n, source="frida", kind="api_call", api=f"api{n}", process="p", stack=[f"f{n % 3}"])
             for n in range(10_000)]
    path = write_lines(tmp_path, lines)
    loaded = Timeline.load(tmp_path)
    assert_same_timeline(loaded, validated_timeline(path))
    first, last = loaded.events[0], loaded.events[9999]
    assert last.stack is loaded.events[3].stack and last.process is first.process  # still shared
    assert [e.api for e in loaded.events] == [f"api{n}" for n in range(10_000)]
