"""Reading events.jsonl fast and small: the read side of the timeline (harness/timeline.py).

pydantic validation costs ~4x parsing a line, and validated models hold every string as a fresh copy
(~2.5 kB an event). Here each line is parsed by orjson and checked against a *shape plan*: per model
class and per (keys, value types) of the line, what the model's fields need beyond the JSON type
(a Literal's allowed values, a list's item type, a nested model, a tuple). A line whose shape passes
becomes the same model instance validation would build (same field values, same class), without
validating; anything else (an unknown key, a wrong type, a value outside a Literal, a constrained or
validated field) returns None and the caller validates it with pydantic, which either accepts it
(lax coercions) or names the field that is wrong. Everything here is derived from the model
definitions, so a new field or model is read without a change here.

Per line (``EventReader.read_lines``): a parse, one look-up of the line's shape (its keys, then the
JSON types of its values) among every kind's shapes, and the shape's generated builder, which copies
the model's defaults, updates them with the line, runs the few steps inline and sets pydantic's slots.
A shape seen for the first time, or shared by two kinds, takes the per-kind reader once. What is left
beyond parsing is mostly that look-up (~0.7 µs: ``type`` of every value) and making the instance.

Memory: repeated strings (sources, APIs, hosts, pages, stack frames) are shared, as are equal lists
of strings and the empty defaults; a field whose values turn out to be mostly unique (wall clocks,
flow ids, URLs) stops being interned. Events are read-only: probes never mutate what they read.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterable
from itertools import islice
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import orjson
from pydantic import BaseModel
from pydantic.fields import FieldInfo

_INTERN_LIMIT = 4096  # distinct values a string field may have before it is taken for unique ids
_BATCH = 4096  # lines read between two looks at the interned strings' tables
_SHARE_LIMIT = 1 << 14  # distinct nested values and lists of strings kept for sharing
_NEW = object.__new__
_SET = object.__setattr__
_NONE = type(None)

Step = Callable[[Any], Any]  # a JSON value -> the value validation gives (KeyError/_Unreadable: validate)


class _Unreadable(Exception):
    """A value the fast path does not take: the line goes to pydantic validation instead."""


def _refuse() -> Any:
    raise _Unreadable


class _Interned(dict[str, str]):
    """The strings in lists of strings (stack frames, texts), each stored once (the first
    _INTERN_LIMIT distinct ones)."""

    def __missing__(self, key: str) -> str:
        if len(self) < _INTERN_LIMIT:
            self[key] = key
        return key


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(annotation without ``None``, whether None is allowed)."""
    if get_origin(annotation) is Annotated:
        return _unwrap(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not _NONE]
        inner = members[0] if len(members) == 1 else Union[tuple(members)]  # noqa: UP007
        return inner, len(members) < len(get_args(annotation))
    return annotation, annotation is Any


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


class FieldReader:
    """What one model field needs of a JSON value of a given type: nothing (its JSON type is the
    field's type), a step (interning, a Literal lookup, a nested model), or validation (None)."""

    def __init__(self, model: ModelReader, name: str, info: FieldInfo) -> None:
        self.model = model
        self.name = name
        self.annotation, self.nullable = _unwrap(info.annotation)
        self.known = not info.metadata and self._step_for(self.annotation) is not False
        # the field's distinct strings, each stored once (``setdefault``: a miss costs no Python call);
        # dropped once they are more than _INTERN_LIMIT (ids, clocks): see EventReader.drop_unique
        self.strings: dict[str, str] | None = {} if self.annotation is str else None

    def stop_interning(self) -> None:
        self.strings = None
        self.model.forget_shapes()

    def step(self, json_type: type) -> Step | None | bool:
        """For a value of ``json_type``: None (take it as is), a Step, or False (validate instead)."""
        if json_type is _NONE:
            return None if self.nullable else False
        return self._step_for(self.annotation, json_type)

    def _step_for(self, annotation: Any, json_type: type | None = None) -> Step | None | bool:
        """The step for ``json_type`` (None: any type, to tell whether the annotation is known at all)."""
        origin, args = get_origin(annotation), get_args(annotation)
        if annotation is Any:
            return self.model.events.shared_value if json_type in (dict, list) else None
        if annotation in (int, bool):
            return None if json_type in (None, annotation) else False
        if annotation is float:  # a JSON integer validates to its float
            return float if json_type is int else None if json_type in (None, float) else False
        if annotation is str:
            if json_type not in (None, str):
                return False
            return self.strings.setdefault if json_type and self.strings is not None else None
        if origin is Literal and all(isinstance(a, str) for a in args):
            return {a: a for a in args}.__getitem__ if json_type in (None, str) else False
        if json_type not in (None, list, dict):
            return False
        if origin is list and args and args[0] is str:
            return self.model.events.shared_strings if json_type in (None, list) else False
        if origin is list and args and _is_model(args[0]):
            item = self.model.events.model(args[0])
            return (lambda value: [item.read_shared(v) for v in value]) if json_type in (None, list) else False
        if _is_model(annotation):
            return self.model.events.model(annotation).read_shared if json_type in (None, dict) else False
        if origin is tuple and args and all(a is int for a in args):
            return _int_tuple(len(args)) if json_type in (None, list) else False
        if origin is dict and args == (str, str):
            return _str_dict if json_type in (None, dict) else False
        return False


def _int_tuple(size: int) -> Step:
    def step(value: list[Any]) -> tuple[int, ...]:
        if len(value) != size or not all(type(v) is int for v in value):
            _refuse()
        return tuple(value)

    return step


def _str_dict(value: dict[str, Any]) -> dict[str, str]:
    if not all(type(v) is str for v in value.values()):
        _refuse()
    return value


Build = Callable[[dict[str, Any]], BaseModel]  # a shape's builder: parsed line -> model instance


def _refused(data: dict[str, Any]) -> BaseModel:
    """The builder of shapes the fast path does not take: the line goes to pydantic."""
    raise _Unreadable


def _compile_build(cls: type[BaseModel], template: dict[str, Any], fields_set: set[str],
                   steps: list[tuple[str, Step]], index: _Index | None) -> Build:
    """The builder of one shape, generated as straight-line code (as the recorder's ``fields_of``): the
    template's copy updated with the line, each field that needs a step replaced in turn, then the
    instance with its ``__dict__`` and pydantic's three slots. A loop over the steps and a call per
    slot cost ~40% more per event. With an ``index`` (a whole file read for a Timeline) the builder
    also notes the event's t, seq and class while its dict is in the cache: reading them back from a
    million events afterwards costs ~0.2 µs an event each (cache misses)."""
    names: dict[str, Any] = {"copy": template.copy, "new": _NEW, "cls": cls, "fields_set": fields_set,
                             **{f"set_{slot}": _slot_setter(cls, f"__{slot}__") for slot in _SLOTS}}
    body = ["values = copy()", "values.update(data)"]
    for number, (name, step) in enumerate(steps):
        names[f"step_{number}"] = step
        body += _inline_step(step, f"step_{number}", name, names)
    body += ["instance = new(cls)", "set_dict(instance, values)", "set_pydantic_fields_set(instance, fields_set)",
             "set_pydantic_extra(instance, None)", "set_pydantic_private(instance, None)"]
    if index is not None:
        names.update(ts_append=index.ts.append, seqs_append=index.seqs.append,
                     class_append=index.of_class.setdefault(cls, []).append)
        body += ["ts_append(values['t'])", "seqs_append(values['seq'])", "class_append(instance)"]
    return generated_function("build(data)", [*body, "return instance"], names)  # type: ignore[no-any-return]


_SLOTS = ("dict", "pydantic_fields_set", "pydantic_extra", "pydantic_private")  # what validation sets


def _slot_setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    """The ``__set__`` of the descriptor behind ``cls``'s attribute ``name`` (pydantic's slots and the
    instance ``__dict__``): ~40 ns a call less than ``object.__setattr__``, which looks it up each time."""
    descriptor = next(vars(base)[name] for base in cls.__mro__ if name in vars(base))
    return descriptor.__set__  # type: ignore[no-any-return]


def _inline_step(step: Step, called: str, name: str, names: dict[str, Any]) -> list[str]:
    """The lines of one field's step in a builder: the shared-value look-ups written out (their hits are
    most lines, and a call costs as much as the look-up), a string interned by ``setdefault``, any other
    step called."""
    events = getattr(step, "__self__", None)
    if type(events) is dict and step == events.setdefault:
        return [f"value = data[{name!r}]", f"values[{name!r}] = {called}(value, value)"]
    if isinstance(events, EventReader) and step == events.shared_value:
        names.update(dumps=orjson.dumps, values_get=events._values.get, keep_value=events.keep_value)
        return [f"value = data[{name!r}]", "key = dumps(value)", "shared = values_get(key)",
                f"values[{name!r}] = keep_value(key, value) if shared is None else shared"]
    if isinstance(events, EventReader) and step == events.shared_strings:
        names.update(tuple_=tuple, lists_get=events._lists.get)
        return [f"value = data[{name!r}]", "shared = lists_get(tuple_(value))",
                f"values[{name!r}] = {called}(value) if shared is None else shared"]
    return [f"values[{name!r}] = {called}(data[{name!r}])"]


def generated_function(signature: str, body: list[str], names: dict[str, Any]) -> Callable[..., Any]:
    """A function made of ``body`` lines (as dataclasses makes ``__init__``), seeing ``names``: the
    per-model straight-line code of the reader's builders and the recorder's serialisers, where a loop
    over the fields costs ~40% more per event. The source comes from the models' own field names only."""
    source = f"def {signature}:\n" + "".join(f"    {line}\n" for line in body)
    exec(source, names)  # noqa: S102 - see above: nothing from a line or from outside
    return names.pop(signature.partition("(")[0])  # type: ignore[no-any-return]  # (no cycle with its globals)


class ModelReader:
    """Builds instances of one pydantic model class from parsed JSON dicts without validating them."""

    def __init__(self, cls: type[BaseModel], events: EventReader, index: _Index | None = None) -> None:
        self.cls = cls
        self.events = events
        self.index = index  # an event class of a file read whole: its builders note t, seq and class
        fields = cls.model_fields
        self.template = self._smallest_template(
            {name: info.get_default(call_default_factory=True) for name, info in fields.items()})
        self.required = frozenset(name for name, info in fields.items() if info.is_required())
        self.fields = {name: FieldReader(self, name, info) for name, info in fields.items()}
        decorators = cls.__pydantic_decorators__
        self.readable = (
            cls.model_config.get("extra") == "forbid"
            and not (decorators.validators or decorators.field_validators or decorators.model_validators)
            and all(f.known for f in self.fields.values())
        )
        self._shapes: dict[tuple[Any, ...], Build] = {}
        self._instances: dict[bytes, BaseModel] = {}

    def _smallest_template(self, defaults: dict[str, Any]) -> dict[str, Any]:
        """The defaults as the dict each instance's ``__dict__`` is copied from: the key-sharing dict of an
        instance filled attribute by attribute when that is smaller (a copy of it shares the keys too:
        ~170 bytes less an event for models of 18-20 fields), else a plain one."""
        prototype = _NEW(self.cls)
        for name, value in defaults.items():
            _SET(prototype, name, value)
        shared = prototype.__dict__
        return shared if sys.getsizeof(shared) < sys.getsizeof(defaults) else defaults

    def forget_shapes(self) -> None:
        """A field stopped interning: plans are rebuilt without its step."""
        self._shapes.clear()
        self.events.shapes.clear()

    def read_dict(self, data: Any) -> BaseModel:
        """The model instance validation would make of ``data``; _Unreadable when unsure."""
        if type(data) is not dict:
            _refuse()
        key = (*data, *map(type, data.values()))  # the keys, then the JSON types of their values
        return self.builder(key)(data)  # the template's copy (field order, a table no larger than needed) + data

    def builder(self, key: tuple[Any, ...]) -> Build:
        """The builder of lines whose keys and JSON types are ``key`` (planned on first sight)."""
        build = self._shapes.get(key)
        if build is None:
            keys = len(key) // 2
            build = self._shapes[key] = self._shape(key[:keys], key[keys:])
        return build

    def read_shared(self, data: Any) -> BaseModel:
        """A nested model (a PI match, a button): one instance per distinct value, as they repeat."""
        try:
            key = orjson.dumps(data)
        except TypeError:
            _refuse()
        shared = self._instances.get(key)
        if shared is None:
            shared = self.read_dict(data)
            if len(self._instances) < _SHARE_LIMIT:
                self._instances[key] = shared
        return shared

    def _shape(self, keys: tuple[str, ...], json_types: tuple[type, ...]) -> Build:
        names = set(keys)
        if not self.readable or not names <= self.fields.keys() or not self.required <= names:
            return _refused  # an unknown or missing field: pydantic names it
        steps: list[tuple[str, Step]] = []
        for name, json_type in zip(keys, json_types, strict=True):
            step = self.fields[name].step(json_type)
            if step is False:
                return _refused
            if step is not None:
                steps.append((name, step))  # type: ignore[arg-type]
        return _compile_build(self.cls, self.template, names, steps, self.index)


class _Index:
    """What a Timeline needs of a whole file, noted by the builders as each event is made: every
    event's t and seq in file order, and the events of each class (all of them while no line was
    ``refused``: the events pydantic validates instead are not noted)."""

    def __init__(self) -> None:
        self.ts: list[int] = []
        self.seqs: list[int] = []
        self.of_class: dict[type[BaseModel], list[BaseModel]] = {}


_NOT_FAST = (ValueError, KeyError, TypeError, AttributeError, _Unreadable)  # orjson's error is a ValueError


class EventReader:
    """Parses event lines of one file: a discriminated union of models keyed by ``kind``."""

    def __init__(self, classes: list[type[BaseModel]], index: bool = False) -> None:
        self._models: dict[type[BaseModel], ModelReader] = {}
        self._lists: dict[tuple[str, ...], list[str]] = {}
        self._values: dict[bytes, Any] = {}
        self._strings = _Interned()
        self.index = _Index() if index else None
        self.refused = False  # a line was returned for pydantic to validate
        self._lines_read = 0  # by read()
        # every kind's builders by (keys, JSON types): one look-up a line; the kind's Literal step
        # refuses a line of another kind with the same shape (then its own kind's reader takes it)
        self.shapes: dict[tuple[Any, ...], Build] = {}
        self._by_kind = {}
        for cls in classes:
            self._models[cls] = self._by_kind[cls.model_fields["kind"].default] = ModelReader(cls, self, self.index)

    def close(self) -> None:
        """Drop the builders and what they noted: the reader is a cycle (each model's reader points back
        to it), freed only by a collection, and the builders of a file read for a Timeline hold every
        event (a dropped timeline's would stay until then) and the lists of t and seq (~16 MB at 1M)."""
        for model in self._models.values():
            model.forget_shapes()
        if self.index is not None:
            self.index.ts.clear()
            self.index.seqs.clear()
            self.index.of_class.clear()

    def model(self, cls: type[BaseModel]) -> ModelReader:
        if cls not in self._models:
            self._models[cls] = ModelReader(cls, self)
        return self._models[cls]

    def shared_strings(self, value: Any) -> list[str]:
        """One list object per distinct list of strings (stack traces repeat across a session)."""
        if type(value) is not list:
            _refuse()
        key = tuple(value)
        shared = self._lists.get(key)
        if shared is None:
            if not all(type(v) is str for v in key):
                _refuse()
            shared = [self._strings[v] for v in key]
            if len(self._lists) < _SHARE_LIMIT:
                self._lists[key] = shared
        return shared

    def shared_value(self, value: Any) -> Any:
        """An ``Any`` field's dict or list (call arguments, results): the first equal one read, as most
        repeat (``{"type": "gcj02"}``, the same system info); keyed by their JSON, so 1 and 1.0 differ.
        ~1 µs a call for ~170 bytes an event less at 1M events (memory is the harder limit)."""
        key = orjson.dumps(value)
        shared = self._values.get(key)
        return self.keep_value(key, value) if shared is None else shared

    def keep_value(self, key: bytes, value: Any) -> Any:
        """A value not read before, kept for sharing (while fewer than _SHARE_LIMIT are)."""
        if len(self._values) < _SHARE_LIMIT:
            self._values[key] = value
        return value

    def read(self, line: bytes) -> BaseModel | None:
        """The event of one line, or None when the line needs pydantic (malformed or unusual)."""
        self._lines_read += 1
        if not self._lines_read % _BATCH:
            self.drop_unique()
        try:
            data = orjson.loads(line)
            return self.shapes[(*data, *map(type, data.values()))](data)
        except _NOT_FAST:
            event = self._read_slowly(line)
            return None if type(event) is bytes else event  # type: ignore[return-value]

    def read_lines(self, lines: Iterable[bytes]) -> list[BaseModel | bytes]:
        """The event of each line, or the line itself where it needs pydantic: one loop, a parse, a
        look-up of the line's shape and its builder per line (the usual case, inline)."""
        shapes, loads, slowly = self.shapes, orjson.loads, self._read_slowly
        read: list[BaseModel | bytes] = []
        append, lines = read.append, iter(lines)
        while batch := list(islice(lines, _BATCH)):
            for line in batch:
                try:
                    data = loads(line)
                    append(shapes[(*data, *map(type, data.values()))](data))
                except _NOT_FAST:
                    append(slowly(line))
            self.drop_unique()
        return read

    def drop_unique(self) -> None:
        """Stop interning the fields whose strings turned out mostly unique (more than _INTERN_LIMIT
        distinct: ids, clocks), so that interning costs nothing where it saves nothing. Looked at
        every _BATCH lines: a table holds at most that many strings more than the limit."""
        for model in self._models.values():
            for field in model.fields.values():
                if field.strings is not None and len(field.strings) > _INTERN_LIMIT:
                    field.stop_interning()

    def _read_slowly(self, line: bytes) -> BaseModel | bytes:
        """A line of a shape not seen yet (its builder is planned), of a shape shared by two kinds, or
        one the fast path does not take (the line itself is returned)."""
        try:
            data = orjson.loads(line)
            reader = self._by_kind[data["kind"]]
            event = reader.read_dict(data)
        except _NOT_FAST:
            self.refused = True
            return line
        key = (*data, *map(type, data.values()))
        self.shapes.setdefault(key, reader.builder(key))
        return event
