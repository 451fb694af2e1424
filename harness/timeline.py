"""The timeline: typed session events and the append-only recorder.

This module is the contract between the parts. Every source (driver, Frida, proxy, scenario,
harness) writes events into one ``events.jsonl``; probes read nothing else. ``t`` is the host's
monotonic clock in ns (``time.monotonic_ns``) and is the ordering key; ``seq`` is append order.
"""

from __future__ import annotations

import gc
import json
import threading
import time
import types
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from operator import attrgetter
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from harness.mapped_log import MappedLog

SCHEMA_VERSION = 1

Source = Literal["driver", "frida", "proxy", "scenario", "harness"]
Outcome = Literal["ok", "failed", "error"]
Confidence = Literal["high", "medium", "low"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClockSync(_Model):
    """Offset between the device clock and the host monotonic clock: host_t = device_t + offset_ns."""

    offset_ns: int = 0
    error_ns: int = 0


class PIMatch(_Model):
    """One personal-data match. ``masked`` is safe to show; the raw value is never recorded here."""

    type: str  # phone | location | id_card | bank_card | device_id | openid | email | ...
    location: str  # where in the carrier: "url.query:lat", "body.json:$.user.phone", "value"
    masked: str
    confidence: Confidence = "high"
    canary: str | None = None  # name of the seeded canary this matched, if any


class UIButton(_Model):
    text: str
    role: Literal["agree", "reject", "other"] = "other"
    bounds: tuple[int, int, int, int] | None = None  # x, y, width, height in screen pixels
    clickable: bool = True


class _Event(_Model):
    seq: int = -1  # assigned by the recorder
    t: int = 0  # host monotonic ns; 0 means "now" and is filled in by the recorder
    wall: str = ""  # UTC ISO-8601, filled in by the recorder
    source: Source
    device_t: int | None = None


class SessionStart(_Event):
    kind: Literal["session_start"] = "session_start"
    schema_version: int = SCHEMA_VERSION
    session_id: str
    device: str
    device_kind: Literal["sim", "android"]
    wechat_version: str | None = None
    base_library: str | None = None
    appid: str
    app_path: str | None = None
    env_version: Literal["release", "trial", "develop"] = "develop"
    scenario: str
    scenario_file: str | None = None
    tool_version: str
    probe_versions: dict[str, str] = Field(default_factory=dict)
    clock: ClockSync = ClockSync()


class SessionEnd(_Event):
    kind: Literal["session_end"] = "session_end"
    outcome: Outcome
    reason: str | None = None
    clock: ClockSync = ClockSync()


class Step(_Event):
    kind: Literal["step"] = "step"
    index: int
    action: str
    target: str | None = None
    result: Literal["ok", "skipped", "failed", "error"] = "ok"
    detail: str | None = None
    screenshot: str | None = None  # path relative to the session folder
    ui: str | None = None


UIElementKind = Literal["text", "button", "link", "checkbox", "radio", "switch", "input", "textarea"]


class UIElement(_Model):
    """One visible element of a page snapshot: a text or a control, as the screen shows it. Input values
    are never recorded (they may hold the personal data typed in); placeholders are."""

    kind: UIElementKind
    text: str = ""  # the text, a control's label (a checkbox: the text beside it), an input's placeholder
    bounds: tuple[int, int, int, int] | None = None  # x, y, width, height in screen pixels
    checked: bool | None = None  # checkbox / radio / switch
    input_type: str | None = None  # input: text, number, idcard, digit, password, ...
    open_type: str | None = None  # button open-type: getPhoneNumber, agreePrivacyAuthorization, ...
    native: bool = False  # drawn by the platform (WeChat's popups), not by the mini program
    font_px: float | None = None  # text: computed font size in CSS px (None: not measured, e.g. Android hierarchy)
    contrast: float | None = None  # text: WCAG contrast ratio of its colour over the backdrop drawn behind it


class UISnapshot(_Event):
    """What the screen showed: taken after every step and at every dialog (and by a screenshot step).
    ``texts`` are the visible texts in document order; ``elements`` the texts and controls with their
    kinds and bounds (empty in sessions recorded before page state was captured)."""

    kind: Literal["ui_snapshot"] = "ui_snapshot"
    screenshot: str | None = None
    hierarchy: str | None = None
    texts: list[str] = Field(default_factory=list)
    page: str | None = None  # the route shown (pages/index/index), when the driver knows it
    elements: list[UIElement] = Field(default_factory=list)
    crawl_path: list[str] | None = None  # a crawl step's taps from its start screen to this one (S7)


PromptKind = Literal["privacy_popup", "scope", "system_permission", "developer_dialog"]


class Prompt(_Event):
    """A dialog seen on screen, classified."""

    kind: Literal["prompt"] = "prompt"
    prompt_kind: PromptKind
    title: str | None = None
    texts: list[str] = Field(default_factory=list)
    buttons: list[UIButton] = Field(default_factory=list)
    scope: str | None = None  # scope.userLocation, or the privacy category for privacy prompts
    mentions_privacy: bool = False  # privacy wording or a policy link is shown
    screenshot: str | None = None
    ui: str | None = None


class Consent(_Event):
    kind: Literal["consent"] = "consent"
    action: Literal["agree", "refuse"]
    subject: str  # "privacy" or a scope such as "scope.userLocation"
    how: str  # "tap", "resolve", "errno:104", "auth deny", ...
    prompt_seq: int | None = None


class ApiCall(_Event):
    """A wx.* call as seen at the JS bridge, paired with its result by callback id."""

    kind: Literal["api_call"] = "api_call"
    api: str
    args: Any = None
    callback_id: int | None = None
    is_sync: bool = False
    result: Any = None
    err_msg: str | None = None
    errno: int | None = None
    ok: bool | None = None  # None: no result seen (yet)
    t_result: int | None = None
    process: str | None = None
    stack: list[str] = Field(default_factory=list)
    category: str | None = None  # privacy category from the catalogue (位置信息, 剪切板, ...)


class NativeCall(_Event):
    kind: Literal["native_call"] = "native_call"
    api: str  # class.method
    args: Any = None
    result: Any = None
    stack: list[str] = Field(default_factory=list)
    category: str | None = None
    process: str | None = None


class Flow(_Event):
    kind: Literal["flow"] = "flow"
    flow_id: str
    url: str
    scheme: str
    host: str
    port: int | None = None
    method: str
    status: int | None = None
    request_size: int = 0
    response_size: int = 0
    tls_version: str | None = None
    websocket: bool = False
    appid: str | None = None  # from the servicewechat.com/{appid}/{version}/page-frame.html Referer
    pi: list[PIMatch] = Field(default_factory=list)
    error: str | None = None


class StorageWrite(_Event):
    kind: Literal["storage_write"] = "storage_write"
    key: str
    value_class: str
    pi: list[PIMatch] = Field(default_factory=list)
    api_seq: int | None = None


class Lifecycle(_Event):
    kind: Literal["lifecycle"] = "lifecycle"
    event: Literal["launch", "route", "show", "hide", "exit", "crash"]
    page: str | None = None
    detail: str | None = None


Event = Annotated[
    SessionStart | SessionEnd | Step | UISnapshot | Prompt | Consent | ApiCall | NativeCall | Flow | StorageWrite | Lifecycle,
    Field(discriminator="kind"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
EventT = TypeVar("EventT", bound=_Event)


def event_schema() -> dict[str, Any]:
    """The JSON Schema of one events.jsonl line (exported to schema/events.schema.json)."""
    schema = EVENT_ADAPTER.json_schema()
    schema["$id"] = f"https://miniprobe.dev/schema/events-v{SCHEMA_VERSION}.json"
    schema["title"] = "miniprobe timeline event"
    return schema


def utc_now_iso() -> str:
    """Now as UTC ISO-8601 with microseconds, ``2026-11-24T17:10:09.764141Z``. The recorder stamps
    every event with the same steps inline: the wall clock is read once per millisecond, and within it
    the microseconds come from the monotonic clock (whose rate is the wall clock's: both are slewed
    alike; a step of the wall clock shows at the next millisecond)."""
    now = time.monotonic_ns()
    milli = _milli
    if not milli[0] <= now < milli[1]:
        milli = _turn_millisecond(now)
    return milli[2] + _MICROS_Z[(now - milli[0]) // 1000]


_MILLIS = tuple(f".{n:03d}" for n in range(1000))
_MICROS_Z = tuple(f"{n:03d}Z" for n in range(1000))
_milli: tuple[int, int, str] = (0, 0, "")  # the current millisecond: monotonic ns from, to; its text
_second: tuple[int, str] = (-1, "")  # the current second and its date and time, formatted once
# (each swapped whole: a thread reading while another turns them sees one or the other)


def _turn_millisecond(mono: int) -> tuple[int, int, str]:
    """The millisecond that monotonic ``mono`` falls in, by the wall clock read now; kept for the next
    calls unless this thread was held up since ``mono`` was read (then it stamps this event alone, as
    late as a direct reading would have, and the next call reads the wall clock again)."""
    global _milli, _second
    now = time.time()  # a float: cheaper than time_ns()'s big integers, and exact to ~0.25 µs
    late = time.monotonic_ns() - mono > 20_000
    second, micros = int(now), int((now - int(now)) * 1_000_000)
    if _second[0] != second:
        _second = (second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    start = mono - micros % 1000 * 1000
    milli = (start, start + 1_000_000, _second[1] + _MILLIS[micros // 1000])
    if not late:
        _milli = milli
    return milli


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(annotation without ``None``, whether None is allowed)."""
    if get_origin(annotation) is Annotated:
        return _unwrap(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        inner = members[0] if len(members) == 1 else Union[tuple(members)]  # noqa: UP007
        return inner, len(members) < len(get_args(annotation))
    return annotation, annotation is Any


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def generated_function(signature: str, body: list[str], names: dict[str, Any]) -> Callable[..., Any]:
    """A function made of ``body`` lines (as dataclasses makes ``__init__``), seeing ``names``: the
    recorder's per-model straight-line serialisers, where a loop over the fields costs ~40% more per
    event. The source comes from the models' own field names only."""
    source = f"def {signature}:\n" + "".join(f"    {line}\n" for line in body)
    exec(source, names)  # noqa: S102 - see above: nothing from a line or from outside
    return names.pop(signature.partition("(")[0])  # type: ignore[no-any-return]  # (no cycle with its globals)


_FieldsOf = Callable[[dict[str, Any]], dict[str, Any]]


def _list_of_model(annotation: Any) -> type[BaseModel] | None:
    """The model of a ``list[Model]`` annotation (pi, buttons, elements), else None."""
    args = get_args(annotation)
    return args[0] if get_origin(annotation) is list and len(args) == 1 and _is_model(args[0]) else None


def _compile_fields_of(cls: type[BaseModel]) -> _FieldsOf:
    """The function that turns a ``cls`` instance's ``__dict__`` into what ``to_json(exclude_none=True)``
    writes, as a dict for orjson: the fields in declaration order (a copy of ``__dict__``, which holds
    them in that order), those that may hold None tested one by one and dropped when they do, and the
    nested models (PIMatch, UIButton, UIElement, ClockSync) turned into such dicts inline, so that orjson
    never calls back into Python. Generated once per class as straight-line code (as dataclasses
    generates ``__init__``): a loop over the nullable fields and orjson's ``default`` hook per nested
    model cost more. A nested model in another shape (a dict of models) makes orjson raise, and the
    event takes the model's own serialiser (``_fallback_line``)."""
    body, names = [], {}
    for index, (name, info) in enumerate(cls.model_fields.items()):
        annotation, nullable = _unwrap(info.annotation)
        nullable = nullable or (not info.is_required() and info.default is None)
        item = _list_of_model(annotation)
        nested = annotation if _is_model(annotation) else item
        if nested is None:
            if nullable:
                body.append(f"if o[{name!r}] is None: del o[{name!r}]")
            continue
        names[f"fields_of_{index}"] = _FIELDS_OF[nested]
        made = (f"[fields_of_{index}(m.__dict__) for m in v]" if item else f"fields_of_{index}(v.__dict__)")
        body.append(f"v = o[{name!r}]")
        if nullable:
            body.append(f"if v is None: del o[{name!r}]")
        body.append(f"{'el' if nullable else ''}if v{'' if item else ' is not None'}: o[{name!r}] = {made}")
    return generated_function("fields_of(d)", ["o = d.copy()", *body, "return o"], names)  # type: ignore[no-any-return]


class _FieldsOfClass(dict[type[BaseModel], _FieldsOf]):
    def __missing__(self, cls: type[BaseModel]) -> _FieldsOf:
        made = self[cls] = _compile_fields_of(cls)
        return made


_FIELDS_OF = _FieldsOfClass()  # model class -> its fields_of, made on first use


def _fallback_line(event: _Event) -> bytes:
    """The line of an event the fast path cannot write (an odd type or a huge int in ``args``): the
    model's own serialiser; a lone surrogate (a JS string cut mid-pair, seen in wx args), which is not
    UTF-8 at all, becomes "?" so that the line stays valid."""
    try:
        return event.__pydantic_serializer__.to_json(event, exclude_none=True) + b"\n"
    except ValueError:
        text = json.dumps(event.model_dump(mode="json", exclude_none=True), ensure_ascii=False)
        return text.encode("utf-8", errors="replace") + b"\n"


_dumps, _NEWLINE = orjson.dumps, orjson.OPT_APPEND_NEWLINE
_monotonic_ns = time.monotonic_ns


def event_line(event: _Event) -> bytes:
    """The events.jsonl line of ``event`` as it stands (nothing stamped): the bytes of its own
    ``to_json(exclude_none=True)``. What ``Recorder.record`` writes (it runs these two steps inline)
    and what the capture addon writes per flow."""
    try:
        return _dumps(_FIELDS_OF[type(event)](event.__dict__), option=_NEWLINE)
    except (TypeError, AttributeError, KeyError):  # orjson's error is a TypeError; a nested non-model
        return _fallback_line(event)


class Recorder:
    """Append-only, thread-safe writer of events.jsonl.

    Each event is one line handed to the OS as it is recorded (no buffer in this process): copied into
    a shared mapping of the file, which puts it in the kernel's page cache as a ``write`` call would, at
    half the cost (harness/mapped_log.py). So a crash of the harness loses at most the line being
    written (an unfinished last line, and the NUL bytes of unwritten space after it, are skipped on
    read). There is no fsync: a power loss or kernel crash may lose what the OS had not written to
    disk yet.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._log = MappedLog(path)
        self._seq = 0
        self.closed = False

    def record(self, event: EventT) -> EventT:
        """Assign seq (and t/wall when unset), append the event, return the stored event.

        The hot path of every source, written out in one function (each call saved is ~5% of it): the
        event is stamped in place, as a fresh one is handed over and not kept for a second record; one
        recorded before is copied instead, so that what an earlier ``record`` returned keeps its seq.
        seq/t/wall are not added to the event's ``model_fields_set`` (nothing reads it of a recorded
        event, and the update was ~8% of a record); the events read back have them as given."""
        lock = self._lock
        lock.acquire()  # not ``with``: its __enter__/__exit__ lookups cost twice as much
        try:
            if self.closed:
                raise RuntimeError(f"recorder for {self.path} is closed")
            fields = event.__dict__
            if fields["seq"] != -1:
                event = type(event).model_construct(set(event.__pydantic_fields_set__), **fields)
                fields = event.__dict__
            fields["seq"] = self._seq
            now = 0
            if not fields["t"]:
                now = fields["t"] = _monotonic_ns()
            if not fields["wall"]:  # utc_now_iso(), inline, on the clock reading just taken for t
                if not now:
                    now = _monotonic_ns()
                milli = _milli
                if not milli[0] <= now < milli[1]:
                    milli = _turn_millisecond(now)
                fields["wall"] = milli[2] + _MICROS_Z[(now - milli[0]) // 1000]
            self._log.append(event_line(event))
            self._seq += 1
            return event
        finally:
            lock.release()

    @property
    def next_seq(self) -> int:
        return self._seq

    def close(self) -> None:
        with self._lock:
            if not self.closed:
                self.closed = True
                self._log.close()


def iter_events(path: Path) -> Iterator[Event]:
    """Read events.jsonl line by line into the models, each line validated by pydantic (for tests and
    tools that want the models; analysis reads views: ``Timeline.load``). A torn (unparseable) *last*
    line is skipped; a bad line elsewhere raises naming the file and line."""
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            if line.strip():
                try:
                    yield EVENT_ADAPTER.validate_json(line)
                except ValueError as exc:
                    if next(f, None) is None:
                        return  # torn last line after a crash: the rest of the session is intact
                    raise ValueError(f"{path}:{number}: not a valid event: {exc}") from exc


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while loading or analysing a timeline: events hold no cycles,
    and with a million young objects surviving each collection, collections cost more than parsing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # what was loaded goes straight to the oldest generation (two list splices), so
        gc.unfreeze()  # young collections never walk it again
        if was_enabled:
            gc.enable()


_SEQ = attrgetter("seq")
_T = attrgetter("t")


def _ascending(values: list[int]) -> bool:
    """Whether ``values`` never go down (a sort of a sorted list is one pass)."""
    return values == sorted(values)


def _in_both_orders(events: list[Any], in_seq_order: bool) -> tuple[list[Any], list[Any]]:
    """The events in seq order, and in the timeline's (t, seq) order: a stable sort by t of seq order."""
    in_seq = events if in_seq_order else sorted(events, key=_SEQ)
    return in_seq, sorted(in_seq, key=_T)


class EventsBySeq(Mapping[int, Event]):
    """``Timeline.by_seq`` without a dict of a million entries (~50 bytes an event): the events in seq
    order (a file's order), found by bisection; a seq asked again is remembered (probes ask for the same
    prompt once per call). A repeated seq (hand-built timelines) maps to the latest such event in time.
    In a recorder's file the seqs are 0, 1, 2 ...: seq n is then the n-th event, no search needed.
    ``dense``: how many events from the first have their position as seq (None: count them)."""

    def __init__(self, in_seq_order: list[Event], dense: int | None = None) -> None:
        self._events = in_seq_order
        self._asked: dict[int, Event] = {}
        if dense is None:
            dense = next((n for n, seq in enumerate(map(_SEQ, in_seq_order)) if seq != n), len(in_seq_order))
        if dense < len(in_seq_order) and in_seq_order[dense].seq == dense - 1:
            dense -= 1  # the last of the run is repeated just after it: that seq needs the search
        self._dense = dense

    def __getitem__(self, seq: int) -> Event:
        if type(seq) is int and 0 <= seq < self._dense:
            return self._events[seq]
        found = self._asked.get(seq) if isinstance(seq, int) else None
        if found is None:
            if not isinstance(seq, int):
                raise KeyError(seq)
            lo = bisect_left(self._events, seq, key=_SEQ)
            hi = bisect_right(self._events, seq, lo=lo, key=_SEQ)
            if lo == hi:
                raise KeyError(seq)
            found = self._asked[seq] = max(reversed(self._events[lo:hi]), key=_T)  # ties: the last given
        return found

    def __iter__(self) -> Iterator[int]:
        return iter(dict.fromkeys(map(_SEQ, self._events)))

    def __len__(self) -> int:
        return len(dict.fromkeys(map(_SEQ, self._events)))


class Timeline:
    """A recorded session's events, ordered by ``t`` (then seq). Read-only helpers for probes.

    The events are views (harness/event_views.py): frozen msgspec Structs with the models' names and
    fields. Model instances given to ``Timeline(events)`` (tests, tools) are turned into views, so
    probes read one kind of object whatever the timeline was made from."""

    def __init__(self, events: Iterable[Any]) -> None:
        from harness.event_views import to_view

        in_seq = [to_view(e) if isinstance(e, BaseModel) else e for e in events]  # a file's order
        self._index(*_in_both_orders(in_seq, _ascending(list(map(_SEQ, in_seq)))))

    def _index(self, in_seq: list[Any], in_time: list[Any], by_type: dict[type, list[Any]] | None = None,
               dense: int | None = None) -> None:
        """Keep the events in time order, ``by_seq`` over them in seq order, and the events by class
        (``by_type``: the reader's, when it read a file in time order; ``dense``: see EventsBySeq)."""
        self.events: list[Any] = in_time
        self.by_seq: Mapping[int, Any] = EventsBySeq(in_seq, dense)
        self._by_type: defaultdict[type, list[Any]] = defaultdict(list)  # probes ask by kind: index once
        if by_type is not None:
            self._by_type.update((cls, events) for cls, events in by_type.items() if events)
        else:
            for event in in_time:
                self._by_type[type(event)].append(event)
        self._of_kind: dict[type, list[Any]] = {}
        # what readers (probes.evidence) work out once per timeline: indexes, shared readings; dropped with it
        self.memo: dict[object, Any] = {}

    @classmethod
    def load(cls, session_dir: Path) -> Timeline:
        """The timeline of a session's events.jsonl, read as views. The reader notes the file's order
        and each class's events as it reads: a recorder's file of a session without late flows is in seq
        and in time order already, and then nothing is sorted or visited again."""
        from harness.event_views import ViewReader

        reader = ViewReader(session_dir / "events.jsonl")
        with gc_paused():
            events = reader.read_file()
            timeline = cls.__new__(cls)
            if reader.in_seq_order and reader.in_time_order:
                timeline._index(events, list(events), reader.by_class, reader.dense)
            else:  # late events (a flow is written when its scan ends), or a file put together by hand
                timeline._index(*_in_both_orders(events, reader.in_seq_order))
            return timeline

    def position(self, seq: int) -> int:
        """The index in ``events`` of the event ``by_seq[seq]``, by bisection (no index of a million)."""
        event = self.by_seq[seq]
        t, events = event.t, self.events  # (t, seq) order: the events of that time, then their seqs
        lo = bisect_left(events, t, key=_T)
        return bisect_right(events, seq, lo=lo, hi=bisect_right(events, t, lo=lo, key=_T), key=_SEQ) - 1

    def of(self, kind: type[EventT]) -> list[EventT]:
        """The events of ``kind`` (subclasses included), in time order; a new list the caller may keep.
        ``kind`` is a view class or the model class of the same name."""
        found = self._of_kind.get(kind)
        if found is None:  # probes ask per event for a few kinds: which classes a kind covers is worked out once
            from harness.event_views import view_class

            view = view_class(kind)
            types = [t for t in self._by_type if issubclass(t, view)]
            found = (self._by_type[types[0]] if len(types) == 1 else
                     [e for e in self.events if isinstance(e, view)] if types else [])
            self._of_kind[kind] = found
        return list(found)  # type: ignore[arg-type]

    @property
    def start(self) -> SessionStart | None:
        found = self.of(SessionStart)
        return found[0] if found else None

    @property
    def end(self) -> SessionEnd | None:
        found = self.of(SessionEnd)
        return found[-1] if found else None

    @property
    def partial(self) -> bool:
        """True when the session did not end cleanly (no session_end, or it ended in error)."""
        return self.end is None or self.end.outcome == "error"

    @cached_property
    def clock_error_ns(self) -> int:
        """The largest recorded device-host clock error bound of the session (probes ask once per event)."""
        bounds = [e.clock.error_ns for e in [*self.of(SessionStart), *self.of(SessionEnd)]]
        return max(bounds, default=0)


def write_schema(path: Path) -> None:
    path.write_text(json.dumps(event_schema(), indent=2, ensure_ascii=False) + "\n")
