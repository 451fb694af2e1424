"""Events as analysis reads them back: one frozen msgspec Struct per timeline model.

The pydantic models of harness/timeline.py are the contract: sources build and validate events with
them, the recorder writes them, the schema comes from them. Reading a long session back into them
costs ~4x parsing the file (a Python step per field, and a ``__dict__`` per event, ~1 kB). msgspec
decodes each line straight into a Struct, checking every field's type in C as it parses, in about
the time of a bare parse; a Struct keeps its fields in slots. So ``Timeline.load`` reads *views*:
classes generated here from the models (same names, fields, defaults and Literal values; unknown
fields refused as the models' ``extra="forbid"`` does), so a new field needs no change here.

A line msgspec refuses goes to the model's own validation, which either takes it (pydantic's lax
coercions, a "4" for an int) and the view is made from the validated model, or names the field that
is wrong; the view of a line is therefore always the view of what validation makes of it. Probes
import the view classes from here under the models' names and read only views: ``Timeline(events)``
turns hand-built model instances into views too.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import msgspec
from msgspec.structs import force_setattr
from pydantic import BaseModel

from harness import timeline as models

_VIEWS: dict[type[BaseModel], type[msgspec.Struct]] = {}


class View(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, gc=False):
    """The base of every view: read-only (probes never change what they read), slotted, untracked by
    the garbage collector (events hold no cycles, and a million tracked objects make every collection
    walk them)."""


def view_of(model: type[BaseModel]) -> type[msgspec.Struct]:
    """The view class of a model class, generated on first use: its base's view, then the fields the
    model adds. An event model's ``kind`` is the union's tag (a class attribute of its view)."""
    made = _VIEWS.get(model)
    if made is not None:
        return made
    base = model.__bases__[0]
    parent = view_of(base) if base is not models._Model else View
    inherited = base.model_fields if base is not models._Model else {}
    fields: list[tuple[Any, ...]] = []
    options: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name == "kind" and issubclass(model, models._Event):
            options = {"tag_field": "kind", "tag": info.default, "namespace": {"kind": info.default}}
        elif name not in inherited:
            fields.append(_field(name, info))
    made = msgspec.defstruct(model.__name__, fields, bases=(parent,), module=__name__, kw_only=True, **options)
    _VIEWS[model] = made
    made.__doc__ = f"The read-only view of {model.__module__}.{model.__name__} (harness/event_views.py)."
    return made


def _field(name: str, info: Any) -> tuple[Any, ...]:
    annotation = _annotation(info.annotation)
    if info.is_required():
        return (name, annotation)
    if info.default_factory is not None:
        return (name, annotation, msgspec.field(default_factory=info.default_factory))
    if isinstance(info.default, BaseModel):  # ClockSync(): a fresh view each time, as Structs share no defaults
        default = info.default
        return (name, annotation, msgspec.field(default_factory=lambda: to_view(default)))
    return (name, annotation, info.default)


def _annotation(annotation: Any) -> Any:
    """A model field's annotation with every nested model replaced by its view."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return view_of(annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        return Union[tuple(_annotation(a) for a in args)]  # noqa: UP007
    if origin in (list, tuple, dict):
        return origin[tuple(_annotation(a) for a in args)]
    return annotation


def to_view(value: Any) -> Any:
    """The view of a model instance (nested models, and lists of them, included); anything else as it
    is. Made field by field from the validated values, so even what msgspec would refuse converts."""
    if isinstance(value, BaseModel):
        cls = view_of(type(value))
        return cls(**{name: to_view(getattr(value, name)) for name in cls.__struct_fields__})
    if type(value) is list and value and isinstance(value[0], BaseModel):
        return [to_view(v) for v in value]
    return value


_EVENT_MODELS: list[type[BaseModel]] = list(get_args(get_args(models.Event)[0]))
EVENT_VIEWS: tuple[type[msgspec.Struct], ...] = tuple(view_of(m) for m in _EVENT_MODELS)

# the views under the models' names, for probes: ``from harness.event_views import ApiCall, Flow``
Event = View
SessionStart, SessionEnd, Step, UISnapshot, Prompt, Consent, ApiCall, NativeCall, Flow, StorageWrite, Lifecycle = (
    view_of(m) for m in (models.SessionStart, models.SessionEnd, models.Step, models.UISnapshot, models.Prompt,
                         models.Consent, models.ApiCall, models.NativeCall, models.Flow, models.StorageWrite,
                         models.Lifecycle))
PIMatch, UIButton, UIElement, ClockSync = (
    view_of(m) for m in (models.PIMatch, models.UIButton, models.UIElement, models.ClockSync))
_EventBase = view_of(models._Event)


def view_class(kind: type) -> type:
    """The view class of a model class; a view class (or any other class) as it is."""
    return _VIEWS.get(kind, kind) if isinstance(kind, type) and issubclass(kind, BaseModel) else kind


_SHARE_LIMIT = 4096  # distinct values a field may have before it is taken for unique (ids, clocks)
_LOOK_EVERY = 4096  # lines read between two looks at the sizes of the shared values' tables


class _Sharing:
    """Equal values of one view class's repeating fields, stored once: its strings (APIs, processes,
    pages, hosts) and lists of strings (call stacks, screen texts). msgspec makes a new object for every
    value it decodes; at a million events the repeats are ~15% of memory (a stack is ~600 bytes). A
    field whose distinct values pass _SHARE_LIMIT (wall clocks, flow ids, URLs) is taken for unique and
    left alone from then on, so that sharing costs nothing where it saves nothing."""

    def __init__(self, view: type[msgspec.Struct], noted: list[Any]) -> None:
        self.noted = noted  # the events of this class read so far (the Timeline's index by class)
        hints = msgspec.structs.fields(view)
        self.tables: dict[str, dict[Any, Any]] = {
            f.name: {} for f in hints if f.type in (str, str | None, list[str]) and f.name != "kind"}
        self._lists = {f.name for f in hints if f.type == list[str]}
        self.share = self._compile()

    def _compile(self) -> Callable[[Any], None]:
        """The sharing of every field still shared, then the event noted among its class's, as one
        straight-line function (a loop over the fields costs ~40% more per event; a second pass over a
        million events to index them by class costs ~0.4 µs an event in cache misses)."""
        names: dict[str, Any] = {"force": force_setattr, "tuple_": tuple, "note": self.noted.append}
        body = ["note(event)"]
        for number, (name, table) in enumerate(self.tables.items()):
            names[f"table_{number}"] = table
            key = "tuple_(value)" if name in self._lists else "value"
            body += [f"value = event.{name}", "if value:", f"    shared = table_{number}.setdefault({key}, value)",
                     f"    if shared is not value: force(event, {name!r}, shared)"]
        return models.generated_function("share(event)", body, names)

    def drop_unique(self) -> None:
        """Stop sharing the fields with more than _SHARE_LIMIT distinct values."""
        unique = [name for name, table in self.tables.items() if len(table) > _SHARE_LIMIT]
        if unique:
            for name in unique:
                del self.tables[name]
            self.share = self._compile()


class ViewReader:
    """Reads the lines of one events.jsonl into views: msgspec first, the model's validation for what
    it refuses; the repeating values of each kind stored once (``_Sharing``). As it reads it notes what
    a Timeline needs (``by_class``; whether the file is in seq and in time order), while each event is
    still in the cache."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._decode: Callable[[bytes], Any] = msgspec.json.Decoder(Union[EVENT_VIEWS]).decode  # type: ignore[arg-type]  # noqa: UP007
        self.by_class: dict[type, list[Any]] = {view: [] for view in EVENT_VIEWS}
        self._sharing = {view: _Sharing(view, self.by_class[view]) for view in EVENT_VIEWS}
        self.in_seq_order = self.in_time_order = True
        self.dense = 0  # how many events from the first have their position as seq (see EventsBySeq)

    def read_lines(self, lines: Iterable[bytes]) -> list[Any]:
        """The view of every line, in file order. A blank line is skipped, and so is an unreadable last
        line (torn by a crash, or the NUL bytes of space the recorder had reserved); an unreadable line
        elsewhere raises naming the file, the line and (pydantic's message) the field."""
        decode, sharing = self._decode, self._sharing
        share = {view: s.share for view, s in sharing.items()}
        read: list[Any] = []
        append = read.append
        refused: tuple[int, bytes] | None = None
        last_seq = last_t = dense = -1
        seq_ascending = t_ascending = True
        for number, line in enumerate(lines, start=1):
            if refused is not None:  # a line came after the refused one: that one was not the last
                self._raise(*refused)
            try:
                event = decode(line)
            except (msgspec.ValidationError, msgspec.DecodeError):
                if not line.strip():
                    continue
                event = self._validated(line)
                if event is None:
                    refused = (number, line)
                    continue
            share[type(event)](event)
            append(event)
            if event.seq != last_seq + 1:
                if dense < 0:  # the first event whose seq is not its position: the run ends before it
                    dense = len(read) - 1
                if event.seq < last_seq:
                    seq_ascending = False
            if event.t < last_t:
                t_ascending = False
            last_seq, last_t = event.seq, event.t
            if not number % _LOOK_EVERY:
                for view, kind in sharing.items():
                    kind.drop_unique()
                    share[view] = kind.share
        self.in_seq_order, self.in_time_order = seq_ascending, t_ascending
        self.dense = len(read) if dense < 0 else dense
        return read

    def read_file(self) -> list[Any]:
        """``read_lines`` of the reader's file."""
        with open(self.path, "rb") as f:
            return self.read_lines(f)

    @staticmethod
    def _validated(line: bytes) -> Any:
        """The view of what validation makes of a line msgspec refused; None when it refuses it too."""
        try:
            return to_view(models.EVENT_ADAPTER.validate_json(line))
        except ValueError:
            return None

    def _raise(self, number: int, line: bytes) -> None:
        try:
            models.EVENT_ADAPTER.validate_json(line)
        except ValueError as exc:
            raise ValueError(f"{self.path}:{number}: not a valid event: {exc}") from exc
        raise AssertionError(f"{self.path}:{number}: validation took a line it refused just before")


def read_views(path: Path) -> list[Any]:
    """The views of a session's events.jsonl, in file order (see ``ViewReader.read_lines``)."""
    return ViewReader(path).read_file()
