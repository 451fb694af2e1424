"""The scanner: decodes carriers into groups of sibling values and runs every recogniser over them.

A carrier (a URL, headers, a body, a Python value) is decoded into *groups* of sibling values (one
JSON object, one query string, one form, one free text), following the decoding layers of
RECOGNISERS.md: percent-decoding, JSON (also JSON inside strings), form-urlencoding, multipart,
gzip and base64 (length >= 16). Each registered recogniser looks at one group at a time (so that a
latitude can find its longitude, an AppSecret its appid); canary matching runs over every value;
arrays of timestamped fixes are checked for tracks; image and audio bodies for face and voice
uploads. Locations read like ``url.query:phone``, ``body.json:$.user.phone`` or
``body.json:$.data|base64|json:$.mobile`` (``|`` marks a decoding layer).

Everything is bounded (text size, decoding depth, values visited, matches returned) and nothing
raises on malformed input: the carriers are attacker-controlled.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from itertools import islice
from typing import NamedTuple
from urllib.parse import parse_qsl, quote, quote_plus, unquote, unquote_plus, urlsplit, urlunsplit

# the recogniser modules register themselves on import
import harness.pi.contact
import harness.pi.device
import harness.pi.identity
import harness.pi.location
import harness.pi.media
import harness.pi.phone
import harness.pi.sensitive
import harness.pi.wechat  # noqa: F401
from harness.pi.canaries import CanaryForm, canary_in, canary_matches, canary_type, prepare_canaries
from harness.pi.contact import address_key_role
from harness.pi.core import (
    CONFIDENCE_RANK,
    KEY_CACHE,
    MAX_BODY_BYTES,
    MAX_INFLATED_BYTES,
    MAX_JSON_DEPTH,
    MAX_LAYERS,
    MAX_MATCHES,
    MAX_TEXT_CHARS,
    MAX_VALUES,
    MIN_BASE64_LEN,
    MIN_CANARY_LEN,
    PRECISE_SUFFIX,
    SHAPES,
    BodyView,
    Group,
    Scalar,
    applicable,
    keys_gated,
    mask,
    non_ascii_digits,
    possible,
    relocated,
    safe_key,
    text_possible,
)
from harness.pi.identity import has_card_hint, has_id_card_hint
from harness.pi.location import has_location_hint, track_in, track_possible
from harness.pi.media import media_kind, media_match
from harness.pi.phone import PHONE_RE, has_phone_hint
from harness.timeline import PIMatch

# MINIPROBE_PI_SCREEN=0 walks every JSON body as before the body screen (bench/pi_scan.py compares)
SCREEN = os.environ.get("MINIPROBE_PI_SCREEN", "1") != "0"
TRACK = "track"  # in a screen's verdict: the body may hold a track
CANARY = "canary"  # in a screen's verdict: a canary occurs in the body (walk it)


@lru_cache(maxsize=KEY_CACHE)
def _member_suffix(key: str) -> str:
    """How a key extends a JSON path: ".phone" or '["mobile no"]'."""
    shown = safe_key(key)
    if _IDENTIFIER_RE.fullmatch(shown):
        return f".{shown}"
    return f"[{json.dumps(shown, ensure_ascii=False)}]"


_IDENTIFIER_RE = re.compile(r"[A-Za-z_$][\w$]*")


_BASE64_RE = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
_JWT_RE = re.compile(r"[A-Za-z0-9_-]{8,}\.([A-Za-z0-9_-]{8,})\.[A-Za-z0-9_-]*")
_FORM_RE = re.compile(r"[^=&\s]{1,200}=[^&\s]*(?:&[^=&\s]{1,200}=?[^&\s]*)*&?")
_PERCENT_RE = re.compile(r"%[0-9A-Fa-f]{2}")
_PADDED_BASE64_RE = re.compile(r"[A-Za-z0-9+/_-]+={1,2}")


def _signature(group: Group, stem: str, only: frozenset[str] | None) -> tuple[object, ...] | None:
    """What the recognisers may read of a group but the stem of its locations, and the recognisers
    the body screen left; None when a value's location does not start with the stem."""
    cut = len(stem)
    shape = []
    for location, key, text, whole, number in group.scalars:
        if not location.startswith(stem):
            return None
        shape.append((location[cut:], key, text, whole, number))
    return (group.member_prefix[cut:], group.key, group.array, group.endpoint, only, tuple(shape))


_BATCH_ITEMS = 32  # list items whose groups' gates are searched at once
_BATCH_VALUES = 4096  # at most (the batch ends after the item that passes it)


class _Batch(NamedTuple):
    """See _Walker._batch."""

    start: int  # the index of its first item
    end: int  # the index of the first item after it
    texts: frozenset[str]  # the recognisers whose gate's text pattern may occur in the plain items' values
    canary_free: bool  # no canary occurs in them
    plain: list[bool]  # by item: its values were looked at (the verdict holds for its groups)
    scalars: list[tuple[Scalar, ...] | None]  # by item: its scalars, for an object of plain scalars


def _leaf_texts(obj: object, texts: list[str], depth: int) -> bool:
    """Add the texts of a container's scalar values, nested ones too, to ``texts`` (the values of every
    group it makes, but what a decoding layer of one holds: see _Walker.text_layers); False (some
    added) when a container lies deeper than MAX_JSON_DEPTH."""
    if depth > MAX_JSON_DEPTH or not isinstance(obj, _CONTAINERS):
        return False
    for value in obj.values() if isinstance(obj, dict) else obj:
        if isinstance(value, _CONTAINERS):
            if not _leaf_texts(value, texts, depth + 1):
                return False
        else:
            texts.append(_scalar_text(value)[0])  # type: ignore[index]
    return True


_KNOWN = object()  # _Walker._flat(): the object was one seen before in the walk, its matches added


MAX_FLAT_OBJECTS = 1024  # distinct objects of scalars one walk remembers
MAX_FLAT_MISSES = 32  # a list of objects all different stops looking them up (and remembering them)
MAX_SHAPE_MISSES = 64  # a walk of groups all unlike any seen stops looking them up (and remembering them)


def _relative(found: Sequence[PIMatch], base: str) -> tuple[tuple[PIMatch, str], ...] | None:
    """Matches as remembered for a group or object at ``base``: each with its location after ``base``
    (None when one lies elsewhere: it could not be placed for another group alike)."""
    if not all(m.location.startswith(base) for m in found):
        return None
    cut = len(base)
    return tuple((m, m.location[cut:]) for m in found)


def _replayed(known: tuple[tuple[PIMatch, str], ...], base: str) -> Iterator[PIMatch]:
    """Remembered matches (``_relative``) placed at ``base``, another group or object alike."""
    return (relocated(found, base + suffix) for found, suffix in known)


def _flat_key(obj: dict[object, object], key: str | None, only: frozenset[str] | None) -> tuple[object, ...] | None:
    """What value() reads of an object whose members are all strings or integers (no bool, no float or
    Decimal: equal values of those may be written differently) under string keys, with the key it
    sits under and the recognisers the body screen left; None for any other object."""
    items = tuple(obj.items())
    if not items:
        return None
    for k, v in items:
        if type(k) is not str or (type(v) is not str and type(v) is not int):
            return None
    return (key, only, items)


def _may_be_encoded(text: str) -> bool:
    """False when text_layers() would find no layer in the text: no base64 (16 ASCII characters or
    more once stripped: a base64 or JWT pattern is ASCII), no "=" of a form, no "%" of
    percent-encoding, no JSON opening. Most values are like that, and this costs a fraction of
    trying each layer."""
    return ("=" in text or "%" in text or text.lstrip()[:1] in ("{", "[", '"')
            or (len(text) >= MIN_BASE64_LEN and (text.isascii() or text.strip().isascii())))


def _looks_like_form(text: str) -> bool:
    """k=v&k2=v2, but not base64 whose padding looks like an empty field ("AbC==")."""
    return "=" in text and bool(_FORM_RE.fullmatch(text)) and not _PADDED_BASE64_RE.fullmatch(text)


_SHOWN_KEYS: dict[int, tuple[tuple[CanaryForm, ...], dict[str, str]]] = {}


def _shown_keys(forms: tuple[CanaryForm, ...]) -> dict[str, str]:
    """The keys as shown for a session's canaries, shared by its walks (each flow's scan has the same
    canaries: prepare_canaries() returns the same tuple, so it is known by its identity)."""
    entry = _SHOWN_KEYS.get(id(forms))
    if entry is None or entry[0] is not forms:
        if len(_SHOWN_KEYS) >= 64:
            _SHOWN_KEYS.clear()
        entry = _SHOWN_KEYS[id(forms)] = (forms, {})
    return entry[1]


@dataclass
class _Walker:
    """Decodes carriers into groups and runs the recognisers over them, within one budget."""

    canary_forms: tuple[CanaryForm, ...] = ()
    canary_only: bool = False
    values_left: int = MAX_VALUES
    endpoint: str = ""  # host + path of the HTTP message, lower-cased: face/voice uploads go by it
    matches: list[PIMatch] = field(default_factory=list)
    shown_keys: dict[str, str] = field(default_factory=dict)  # key -> as shown (canary_in once per key)
    distinct_at: int = 0  # len(matches) when they were last counted as distinct
    complete: bool = False  # MAX_MATCHES distinct matches: nothing found later would be reported
    only: frozenset[str] | None = None  # the recognisers (and TRACK) the body screen left, None: all
    needles: frozenset[str] | None = None  # when set, a subtree none of whose values holds one is skipped
    # while a batch of a list's objects is recognised (see _batch): the recognisers whose gate's text
    # pattern may occur in their values (None: any), and whether no canary can
    texts: frozenset[str] | None = None
    canary_free: bool = False
    suffixes: dict[tuple[object, ...], tuple[str, ...]] = field(default_factory=dict)  # an object's keys -> paths
    mixed: set[tuple[object, ...]] = field(default_factory=set)  # keys of an object that was not of plain scalars
    # an object of strings and integers only -> its group's matches, as locations after the object's own
    flat_objects: dict[tuple[object, ...], tuple[tuple[PIMatch, str], ...]] = field(default_factory=dict)
    flat_misses: int = 0  # objects looked up in flat_objects in vain since the last found (MAX_FLAT_MISSES: no more)
    shape_misses: int = 0  # groups looked up in SHAPES in vain since the last found (MAX_SHAPE_MISSES: no more)

    def full(self) -> bool:
        """Whether the walk can stop: dedupe() keeps the first MAX_MATCHES distinct matches, and
        once there are that many, whatever is found later is dropped (group() adds nothing after
        MAX_MATCHES matches; tracks and uploads have locations of their own, so they cannot raise
        the confidence of a kept match either)."""
        if self.complete or len(self.matches) < MAX_MATCHES or self.distinct_at == len(self.matches):
            return self.complete
        self.distinct_at = len(self.matches)
        self.complete = len({(m.type, m.location, m.masked) for m in self.matches}) >= MAX_MATCHES
        return self.complete

    # -- groups

    def group(
        self, member_prefix: str, key: str | None, scalars: Iterable[Scalar], *, array: bool = False
    ) -> None:
        if type(scalars) is tuple and len(scalars) <= self.values_left:
            bounded = scalars
        else:
            bounded = tuple(islice(scalars, max(0, self.values_left)))
        self.values_left -= len(bounded)
        if not bounded or len(self.matches) >= MAX_MATCHES:
            return
        group = Group(member_prefix, key, bounded, array, self.endpoint)
        joined = "\x00".join([s[2] for s in bounded])  # the texts
        if not self.canary_only:
            self.recognise(group, joined)
        if self.canary_forms and not self.canary_free:
            lowered = joined.lower()
            present = [form for form in self.canary_forms if form.needle in lowered]
            if present:
                self.matches.extend(canary_matches(group, tuple(present)))

    def recognise(self, group: Group, joined: str) -> None:
        """Run the recognisers the gates leave on a group, or repeat what they found on a group of the
        same shape seen before (SHAPES): the same values under the same keys in a message to the same
        endpoint, and locations that differ only in the common stem of the group's member prefix (a
        list index, the message's side), which every location of a match must start with to be
        remembered."""
        stem, signature = "", None
        if SCREEN and self.shape_misses < MAX_SHAPE_MISSES:
            stem = group.member_prefix.rstrip(".:")
            signature = _signature(group, stem, self.only)
        known = SHAPES.get(signature) if signature is not None else None
        if known is not None and known is not SHAPES.UNSEEN:
            self.shape_misses = 0
            self.matches.extend(_replayed(known, stem))  # type: ignore[arg-type]
            return
        self.shape_misses += signature is not None
        before = len(self.matches)
        for recognise, seen in applicable(group, joined, self.only, self.texts):
            self.matches.extend(recognise(seen))
        if signature is not None and known is SHAPES.UNSEEN:
            SHAPES.put(signature, _relative(self.matches[before:], stem), len(joined) + 64 * len(group.scalars))

    def __post_init__(self) -> None:
        if self.canary_forms:
            self.shown_keys = _shown_keys(self.canary_forms)

    def shown_key(self, key: str) -> str:
        """A key as it may appear in a location: a key that holds a canary is not shown."""
        if not self.canary_forms:
            return key
        shown = self.shown_keys.get(key)
        if shown is None:
            if len(self.shown_keys) >= KEY_CACHE:
                self.shown_keys.clear()
            shown = self.shown_keys[key] = "[canary]" if canary_in(key, self.canary_forms) else key
        return shown

    # -- Python values (parsed JSON, wx API arguments, storage values)

    def value(self, obj: object, location: str, path: str, key: str | None, depth: int, layers: int) -> None:
        if self.values_left <= 0 or depth > MAX_JSON_DEPTH or self.full():
            return
        if isinstance(obj, dict):
            flat = self._flat(obj, f"{location}:{path}", key)
            if flat is not _KNOWN:
                self._object(obj, location, path, key, depth, layers, flat)
        elif isinstance(obj, (list, tuple)):
            # list items inherit the list's key as their hint: {"phones": ["138..."]}; an item's path is
            # made when it is needed (a long list's walk may stop early, at MAX_MATCHES)
            self._members(location, path, key, obj[: self.values_left], depth, layers, array=True)
            tracks = not self.canary_only and (self.only is None or TRACK in self.only)
            # once full(), a track would come after MAX_MATCHES distinct matches: dedupe() drops it
            if tracks and len(obj) >= 3 and not self.full() and (track := track_in(obj, f"{location}:{path}")):
                self.matches.append(track)
        else:
            scalar = _scalar_text(obj)
            if scalar is not None:
                text, number = scalar
                where = f"{location}:{path}" if path else location
                if number or not self.text_layers(text, where, key, layers):
                    self.group(where, key, [Scalar(where, key, text, True, number)])

    def _flat(self, obj: dict[object, object], base: str, key: str | None) -> object:
        """The key of an object of strings and integers for flat_objects (None: not looked up), or
        _KNOWN when it was seen before in the walk: its matches are added at ``base``."""
        if not SCREEN or self.flat_misses >= MAX_FLAT_MISSES or self.values_left < len(obj):
            return None
        flat = _flat_key(obj, key, self.only)
        if flat is None:
            return None
        known = self.flat_objects.get(flat)
        if known is None:
            self.flat_misses += 1
            return flat
        self.flat_misses = 0
        self.values_left -= len(obj)  # what group() does with the object's values, found before
        if len(self.matches) < MAX_MATCHES:
            self.matches.extend(_replayed(known, base))
        return _KNOWN

    def _object(self, obj: dict[object, object], location: str, path: str, key: str | None, depth: int, layers: int,
                flat: object) -> None:
        """value() of an object not seen before (``flat``: its key for flat_objects, or None)."""
        before = len(self.matches)
        shown = self.shown_key if self.canary_forms else None
        members = []
        for k, v in islice(obj.items(), self.values_left):
            k = k if type(k) is str else str(k)
            members.append((_member_suffix(shown(k) if shown else k), k, v))
        if self._members(location, path, key, members, depth, layers, array=False):
            self._remember(flat, f"{location}:{path}", before)

    def _remember(self, flat: object, base: str, before: int) -> None:
        """Keep the matches an object of scalars only just got (its group's: the recognisers' and the
        canaries'), as locations after its own, for the objects equal to it later in this walk."""
        if flat is None or before >= MAX_MATCHES or len(self.flat_objects) >= MAX_FLAT_OBJECTS:
            return
        remembered = _relative(self.matches[before:], base)
        if remembered is not None:
            self.flat_objects[flat] = remembered  # type: ignore[index]

    def _members(
        self,
        location: str,
        path: str,
        key: str | None,
        members: Sequence[object],
        depth: int,
        layers: int,
        *,
        array: bool,
    ) -> bool:
        """One container's members: its scalars as one group, then its nested containers in order.
        ``members``: (path suffix, key, value) of an object's members, or an array's items (whose
        suffixes are [index], and whose key is the array's). True when all were scalars, none of which
        may have a decoding layer: the container was one group and nothing else."""
        base = f"{location}:{path}"
        scalars: list[Scalar] = []
        nested: list[tuple[str | int, str | None, object]] = []  # (suffix, or index in an array, ...)
        member_key = key
        layered = False
        for index, member in enumerate(members):
            if array:
                suffix = None
            else:
                suffix, member_key, member = member  # type: ignore[misc]
            if isinstance(member, _CONTAINERS):
                nested.append((index if suffix is None else suffix, member_key, member))
                continue
            text, number = _scalar_text(member)  # type: ignore[misc]
            where = base + (suffix or f"[{index}]")
            if number or not _may_be_encoded(text):
                scalars.append(Scalar(where, member_key, text, True, number))
            else:
                layered = True
                if not self.text_layers(text, where, member_key, layers):
                    scalars.append(Scalar(where, member_key, text, True, number))
        self.group(base + ".", key, scalars, array=array)
        # a sole nested container is walked without the check (its parent was walked: it likely holds a
        # needle, and the check writes it all again); walking what could be skipped finds nothing more
        holding = (_holding([member for _, _, member in nested], self.needles)
                   if self.needles is not None and len(nested) > 1 else None)
        batched = array and SCREEN and not self.canary_only and len(nested) > 1
        batch: _Batch | None = None
        recognised = 0  # objects of the list recognised by a batch or alone
        for index, (suffix, member_key, member) in enumerate(nested):
            if self.values_left <= 0 or self.full():
                return False  # value() and skip() would return at once: nothing more is counted or found
            if holding is not None and not holding[index]:
                self.skip(member, depth + 1)
                continue
            member_path = f"{path}[{suffix}]" if array else path + suffix  # type: ignore[operator]
            if not batched or depth + 1 > MAX_JSON_DEPTH:
                self.value(member, location, member_path, member_key, depth + 1, layers)
                continue
            # value() of an item of a list, with the verdict of a batch of items on the groups it makes
            flat = None
            if type(member) is dict and self.flat_misses < MAX_FLAT_MISSES:
                flat = self._flat(member, f"{location}:{member_path}", member_key)  # type: ignore[arg-type]
                if flat is _KNOWN:
                    continue
            # the first item to recognise is recognised alone: a list that repeats it needs no batch
            if (batch is None or index >= batch.end) and recognised:
                batch = self._batch(nested, index, location, path)
            recognised += 1
            texts, canary_free = self.texts, self.canary_free
            made = None
            if batch is not None and batch.start <= index < batch.end and batch.plain[index - batch.start]:
                self.texts, self.canary_free = batch.texts, batch.canary_free
                made = batch.scalars[index - batch.start]
            try:
                if type(member) is dict:
                    self._listed_object(member, location, member_path, member_key, depth + 1, layers, flat, made)  # type: ignore[arg-type]
                else:
                    self.value(member, location, member_path, member_key, depth + 1, layers)
            finally:
                self.texts, self.canary_free = texts, canary_free
        return not nested and not layered

    def _listed_object(self, obj: dict[object, object], location: str, path: str, key: str | None, depth: int,
                       layers: int, flat: object, made: tuple[Scalar, ...] | None) -> None:
        """_object(), for an object of scalars without a decoding layer with less to do (its one group;
        ``made``: its scalars, when its batch made them)."""
        base = f"{location}:{path}"
        scalars = made
        if scalars is None:
            keys = tuple(obj)
            scalars = self._plain_scalars(obj, keys, base) if keys not in self.mixed else None
        if scalars is None:
            self._object(obj, location, path, key, depth, layers, flat)
            return
        before = len(self.matches)
        self.group(base + ".", key, scalars)  # group() reads as many as value() reads members
        if flat is not None:
            self._remember(flat, base, before)

    def _plain_scalars(self, obj: dict[object, object], keys: tuple[object, ...], base: str) -> tuple[Scalar, ...] | None:
        """The scalars value() makes of an object at ``base`` whose keys are strings and whose members
        are all scalars none of which may have a decoding layer (its one group); None for any other
        (its keys are then noted in ``mixed``: the next object with them is likely no other)."""
        suffixes = self.suffixes.get(keys)
        if suffixes is None:
            if not all(type(k) is str for k in keys):
                self.mixed.add(keys)
                return None
            if len(self.suffixes) >= KEY_CACHE:
                self.suffixes.clear()
            shown = self.shown_key if self.canary_forms else None
            suffixes = self.suffixes[keys] = tuple([_member_suffix(shown(k) if shown else k) for k in keys])  # type: ignore[arg-type]
        scalars = []
        for suffix, k, v in zip(suffixes, keys, obj.values()):
            kind = type(v)
            if kind is str:  # as _scalar_text() reads a string and a number, the common cases
                text, number = v[:MAX_TEXT_CHARS], False  # type: ignore[index]
            elif kind is int:
                text, number = str(v), True
            elif isinstance(v, _CONTAINERS):
                self.mixed.add(keys)
                return None
            else:
                text, number = _scalar_text(v)  # type: ignore[misc]
            if not number and _may_be_encoded(text):
                self.mixed.add(keys)
                return None
            scalars.append(Scalar(base + suffix, k, text, True, number))  # type: ignore[arg-type]
        return tuple(scalars)

    def _batch(self, items: list[tuple[str | int, str | None, object]], start: int, location: str, path: str) -> _Batch:
        """What the groups of the next items of a list (at ``location``:``path``) may hold, looked at
        once: the gates whose text pattern occurs in their values and whether a canary does, each
        searched once in all the values joined by NULs (a pattern or needle found in one group's
        values is found there: neither matches a NUL nor looks across one) rather than once per
        group. An object of plain scalars gets them made here (see _plain_scalars)."""
        texts: list[str] = []
        plain: list[bool] = []
        made: list[tuple[Scalar, ...] | None] = []
        end = start
        while end < len(items) and end - start < _BATCH_ITEMS and len(texts) < _BATCH_VALUES:
            index, _, item = items[end]
            end += 1
            scalars = None
            if type(item) is dict and (keys := tuple(item)) not in self.mixed:
                scalars = self._plain_scalars(item, keys, f"{location}:{path}[{index}]")  # type: ignore[arg-type]
            made.append(scalars)
            if scalars is not None:
                texts.extend([s[2] for s in scalars])  # s[2]: the text
                plain.append(True)
            else:
                plain.append(_leaf_texts(item, texts, 0))
        joined = "\x00".join(texts)
        canary_free = bool(self.canary_forms) and not canary_in(joined, self.canary_forms)
        return _Batch(start, end, text_possible(BodyView(joined, frozenset())), canary_free, plain, made)

    def skip(self, obj: object, depth: int) -> None:
        """Pass over a container none of whose values can match (no needle in it) as value() would, but
        for the values it counts against the budget: what is walked after it stays what it was."""
        if self.values_left <= 0 or depth > MAX_JSON_DEPTH or self.full():
            return
        if isinstance(obj, dict):
            members = list(obj.values())[: self.values_left]
        elif isinstance(obj, (list, tuple)):
            members = list(obj[: self.values_left])
        else:
            return
        nested = [m for m in members if isinstance(m, (dict, list, tuple))]
        self.values_left -= min(len(members) - len(nested), max(0, self.values_left))
        for member in nested:
            self.skip(member, depth + 1)

    # -- text and its decoding layers

    def text(self, text: str, location: str, key: str | None, *, whole: bool, layers: int = 0) -> None:
        """Scan a text: through its decoding layers when it has any, else as one value."""
        text = text[:MAX_TEXT_CHARS]
        if not self.text_layers(text, location, key, layers):
            self.group(location, key, [Scalar(location, key, text, whole)])

    def text_layers(self, text: str, location: str, key: str | None, layers: int) -> bool:
        """Decode one layer of a text and scan what it holds; False when the text is not encoded. What a
        layer holds is not among the values a batch's verdict (texts, canary_free) was drawn from."""
        if layers >= MAX_LAYERS or self.values_left <= 0 or len(text) < 2:
            return False
        if self.texts is None and not self.canary_free:
            return self._text_layers(text, location, key, layers)
        texts, canary_free = self.texts, self.canary_free
        self.texts, self.canary_free = None, False
        try:
            return self._text_layers(text, location, key, layers)
        finally:
            self.texts, self.canary_free = texts, canary_free

    def _text_layers(self, text: str, location: str, key: str | None, layers: int) -> bool:
        text = text[:MAX_TEXT_CHARS]
        stripped = text.strip()
        if stripped[:1] in ("{", "[") or (stripped[:1] == '"' and stripped[-1:] == '"' and len(stripped) > 2):
            parsed = _parse_json(stripped)
            if parsed is not _NOT_JSON:
                if isinstance(parsed, str):
                    self.text(parsed, location + "|json", key, whole=True, layers=layers + 1)
                else:
                    self.value(parsed, location + "|json", "$", key, 0, layers + 1)
                return True
        decoded_b64 = _decode_base64(stripped)
        if decoded_b64 is not None:
            self.text(decoded_b64[1], f"{location}|{decoded_b64[0]}", key, whole=True, layers=layers + 1)
            return True
        if _looks_like_form(stripped):
            self.form(stripped, location + "|form", layers + 1)
            return True
        if _PERCENT_RE.search(stripped):
            decoded = unquote(stripped)
            if decoded != stripped:
                self.text(decoded, location + "|url", key, whole=True, layers=layers + 1)
                return True
        return False

    def form(self, text: str, location: str, layers: int) -> None:
        """A query string or an x-www-form-urlencoded body: one group of fields."""
        try:
            pairs = parse_qsl(text[:MAX_TEXT_CHARS], keep_blank_values=True, max_num_fields=MAX_VALUES)
        except ValueError:
            pairs = parse_qsl(text[:MAX_TEXT_CHARS], keep_blank_values=True)[:MAX_VALUES]
        self._fields(location, pairs, layers)

    def _fields(self, location: str, pairs: Iterable[tuple[str, str]], layers: int) -> None:
        scalars: list[Scalar] = []
        for name, value in pairs:
            where = f"{location}:{safe_key(self.shown_key(name))}"
            if not self.text_layers(value, where, name, layers):
                scalars.append(Scalar(where, name, value, True))
            if (len(name) >= 11 and PHONE_RE.search(name)) or canary_in(name, self.canary_forms):
                scalars.append(Scalar(f"{location}:(key)", None, name, False))
        self.group(f"{location}:", None, scalars)

    # -- HTTP carriers

    def url(self, url: str, location: str) -> None:
        try:
            parts = urlsplit(url[:MAX_TEXT_CHARS])
        except ValueError:
            self.text(url, location, None, whole=False)
            return
        segments = [unquote(s) for s in parts.path.split("/") if s][:64]
        path_scalars = []
        for index, segment in enumerate(segments):
            if self.text_layers(segment, f"{location}.path", None, 0):
                continue
            hint = segments[index - 1] if index else None
            path_scalars.append(Scalar(f"{location}.path", hint, segment, False))
        self.group(f"{location}.path:", None, path_scalars)
        if parts.query:
            self.form(parts.query, f"{location}.query", 0)
        if parts.fragment:
            _, _, fragment_query = parts.fragment.partition("?")
            if fragment_query:
                self.form(fragment_query, f"{location}.fragment", 0)
            else:
                self.text(unquote(parts.fragment), f"{location}.fragment", None, whole=False)

    def header(self, name: str, value: str, location: str) -> None:
        lowered = name.lower()
        if lowered in ("cookie", "set-cookie"):
            pairs = [tuple(p.strip().split("=", 1)) for p in value.split(";") if "=" in p]
            cookie_pairs = [(k, unquote_plus(v)) for k, v in pairs[:200]]  # type: ignore[misc]
            self._fields(f"{location}.{lowered}", cookie_pairs, 0)
        elif lowered in ("referer", "origin", "location"):
            self.url(value, f"{location}.{lowered}")
        elif lowered in ("authorization", "proxy-authorization"):
            # the credential itself (a token match) and what it carries (a JWT's claims)
            where = f"{location}:{safe_key(name)}"
            self.group(where, name, [Scalar(where, name, value[:MAX_TEXT_CHARS], True)])
            scheme, _, credential = value.strip().partition(" ")
            self.text_layers(credential if credential else scheme, where, name, 0)
        else:
            self.text(value, f"{location}:{safe_key(name)}", name, whole=True)

    def body(self, body: bytes, content_type: str | None, location: str) -> None:
        body = body[:MAX_BODY_BYTES]
        if body[:2] == b"\x1f\x8b":
            inflated = _gunzip(body)
            if inflated is None:
                return
            body, location, content_type = inflated, location + "|gzip", None  # sniff what was compressed
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if media.startswith("multipart/"):
            self.multipart(body, content_type or "", location)
            return
        if media.startswith(("image/", "audio/", "video/", "font/")) or media in _BINARY_TYPES:
            self.binary(body, content_type, location, None)
            return
        text = _decode_text(body)
        if text is None:
            self.binary(body, content_type, location, None)
            return
        stripped = text.strip()
        if "json" in media or stripped[:1] in ("{", "["):
            parsed, self.only = self.screened_json(stripped) if SCREEN else (_parse_json(stripped), None)
            try:
                if parsed is not _NOT_JSON:
                    if self.only is None or self.only:  # an empty verdict: nothing can match anywhere
                        self.value(parsed, f"{location}.json", "$", None, 0, 0)
                    return
            finally:
                self.only = self.needles = None
        looks_like_form = _looks_like_form(stripped)
        if "x-www-form-urlencoded" in media or looks_like_form:
            self.form(stripped, f"{location}.form", 0)
            return
        self.text(text, f"{location}.text", None, whole=False)

    def screened_json(self, text: str) -> tuple[object, frozenset[str] | None]:
        """The parsed body and the recognisers (and TRACK) that may match in it, from the raw text at
        C speed before any walk; None (walk with all) unless every value of the body is a substring
        of the text that no decoding layer would change: no escapes, no exponent or NaN (a Decimal's
        text would differ), no value that text_layers() would decode; and None when a key makes a
        recogniser run or hints at personal data (the walk is likely: on a small body the screens
        cost more than the gate searches they save, and a large one may stop early at MAX_MATCHES).
        A canary in the text keeps the walk (CANARY in the verdict), the recognisers still
        restricted: canaries are matched apart."""
        if self.canary_only or _walk_likely(_PEEKED_KEY_RE.findall(text, 0, _PEEK_CHARS)):
            return _parse_json(text), None  # the keys of the first objects already say so
        parsed, keys, plain = _parse_json_noting(text)
        if parsed is _NOT_JSON or not plain:
            return parsed, None
        if _walk_likely(keys):
            return parsed, None
        if "\\" in text:  # escapes (\uXXXX from ensure_ascii): the values written again, without
            try:  # numbers as their str(), as the walk reads them
                text = json.dumps(parsed, ensure_ascii=False, separators=(",", ":"), default=str)
            except (ValueError, RecursionError):
                return parsed, None
        if not _screenable(text):
            return parsed, None
        body = BodyView(text, keys)
        if non_ascii_digits(body.utf8) or _layered(body):
            return parsed, None
        names = possible(body)
        if track_possible(body):
            names.add(TRACK)
        if self.canary_forms and _canary_in_body(body, self.canary_forms):
            names.add(CANARY)
        if names and names <= body.needles.keys():
            self.needles = frozenset().union(*body.needles.values())
        return parsed, frozenset(names)

    def multipart(self, body: bytes, content_type: str, location: str) -> None:
        found = re.search(r'boundary="?([^";]{1,200})"?', content_type)
        if not found:
            self.text(body.decode("utf-8", "replace"), f"{location}.text", None, whole=False)
            return
        boundary = b"--" + found.group(1).encode("latin-1", "replace")
        for index, part in enumerate(body.split(boundary)[1:101]):
            head, _, content = part.partition(b"\r\n\r\n")
            if not _:
                continue
            content = content.rsplit(b"\r\n", 1)[0]
            head_text = head.decode("utf-8", "replace")
            name_match = re.search(r'name="([^"]{0,200})"', head_text)
            name = name_match.group(1) if name_match else str(index)
            type_match = re.search(r"(?im)^content-type:\s*([^\r\n]+)", head_text)
            part_type = type_match.group(1).strip() if type_match else None
            where = f"{location}.multipart:{safe_key(name)}"
            if part_type and not part_type.startswith("text/") and "json" not in part_type:
                self.binary(content, part_type, where, name)
                continue
            text = _decode_text(content)
            if text is not None:
                self.text(text, where, name, whole=True)


    def binary(self, body: bytes, content_type: str | None, location: str, key: str | None) -> None:
        """Binary content: an image or audio upload may be a face or a voice; otherwise only seeded
        canaries are looked for (the recognisers would match noise)."""
        kind = media_kind(content_type, body[:16])
        if kind is not None and not self.canary_only:
            subtype = (content_type or "").split(";", 1)[0].partition("/")[2].strip().lower()
            found = media_match(kind, location, self.endpoint, key, len(body), subtype)
            if found is not None:
                self.matches.append(found)
        _canary_scan_binary(self, body, location)


_BINARY_TYPES = frozenset({"application/octet-stream", "application/x-protobuf", "application/protobuf",
                           "application/zip", "application/pdf", "application/wasm"})


def _canary_scan_binary(walker: _Walker, body: bytes, location: str) -> None:
    """Binary content: only seeded canaries are looked for (the recognisers would match noise)."""
    if not walker.canary_forms:
        return
    inner = _Walker(walker.canary_forms, canary_only=True, values_left=walker.values_left)
    inner.group(location, None, [Scalar(location, None, body[:MAX_TEXT_CHARS].decode("latin-1"), False)])
    walker.matches.extend(inner.matches)


_CONTAINERS = (dict, list, tuple)


def _scalar_text(obj: object) -> tuple[str, bool] | None:
    """The text of a scalar and whether it is a number; None for containers."""
    if type(obj) is str:  # the common case first
        return obj[:MAX_TEXT_CHARS], False
    if isinstance(obj, bool) or obj is None:
        return ("true" if obj else "false" if obj is False else "null"), False
    if isinstance(obj, int):
        return str(obj), True
    if isinstance(obj, Decimal):
        return str(obj), True
    if isinstance(obj, float):
        return repr(obj), True
    if isinstance(obj, str):
        return obj[:MAX_TEXT_CHARS], False
    if isinstance(obj, bytes):
        return obj[:MAX_TEXT_CHARS].decode("utf-8", "replace"), False
    if isinstance(obj, (dict, list, tuple)):
        return None
    return str(obj)[:MAX_TEXT_CHARS], False


_NOT_JSON = object()


# what looks like a key among the first characters of a body (a list's objects repeat theirs early)
_PEEKED_KEY_RE = re.compile(r'"([^"\\]{1,80})"\s*:')
_PEEK_CHARS = 4096


def _walk_likely(keys: Iterable[str]) -> bool:
    """Whether a key makes a recogniser run or hints at personal data (see screened_json)."""
    keys = tuple(sorted(set(keys)))
    return bool(keys_gated(keys)) or any(_hinted_key(k) for k in keys)


@lru_cache(maxsize=KEY_CACHE)
def _hinted_key(key: str) -> bool:
    """A key under which personal data is likely (phone, id, card, location, address): the body
    screen steps aside for the walk."""
    return (has_phone_hint(key) or has_id_card_hint(key) or has_card_hint(key) or has_location_hint(key)
            or address_key_role(key) is not None)


def _holds(obj: object, needles: frozenset[str]) -> bool:
    """Whether a value of a parsed JSON subtree may hold one of the needles (digit runs): they are
    looked for in the subtree written again at C speed (keys too: more, never fewer), a number as
    its text (str() of a Decimal, as _scalar_text())."""
    try:
        written = _WRITER.encode(obj)
    except (ValueError, TypeError, RecursionError):
        return True
    return any(needle in written for needle in needles)


def _holding(members: list[object], needles: frozenset[str]) -> list[bool]:
    """_holds() of each member, 32 members written at once first: a run of digits does not cross the
    ", " between a list's items, so a needle is in the written list exactly when it is in one item's."""
    step = _HOLDING_STEP if all(needle.isascii() and needle.isdigit() for needle in needles) else 1
    found: list[bool] = []
    for start in range(0, len(members), step):
        chunk = members[start : start + step]
        if step > 1 and not _holds(chunk, needles):
            found.extend([False] * len(chunk))
        else:
            found.extend([_holds(member, needles) for member in chunk])
    return found


_HOLDING_STEP = 32
# json.dumps(obj, ensure_ascii=False, check_circular=False, default=str), without an encoder per call
_WRITER = json.JSONEncoder(ensure_ascii=False, check_circular=False, default=str)

def _canary_in_body(body: BodyView, forms: tuple[CanaryForm, ...]) -> bool:
    """Whether a canary form occurs anywhere in the text as the walker compares (lower-cased). An
    ASCII needle is looked for in the UTF-8 with ASCII lower-cased (cheaper than str.lower()) unless
    the text holds one of the two characters str.lower() turns into ASCII (İ, the Kelvin sign)."""
    ascii_safe = "\u0130" not in body.text and "\u212a" not in body.text
    lowered: str | None = None
    for form in forms:
        if ascii_safe and form.needle.isascii():
            if form.needle.encode() in body.ascii_lower:
                return True
            continue
        lowered = body.text.lower() if lowered is None else lowered
        if form.needle in lowered:
            return True
    return False


def _screenable(text: str) -> bool:
    """No escapes, no form or percent-encoding (see screened_json)."""
    return "\\" not in text and "=" not in text and not _PERCENT_RE.search(text) and len(text) <= MAX_TEXT_CHARS


def _layered(body: BodyView) -> bool:
    """Whether a string of the body may be a value text_layers() decodes: JSON, base64, a JWT."""
    for content in body.opening_strings:
        stripped = content.strip()
        if stripped[:1] in ("[", "{") or _decode_base64(stripped) is not None:
            return True
    return False


def _parse_json_noting(text: str) -> tuple[object, frozenset[str], bool]:
    """_parse_json(), with the keys of every object and whether every number is written as its
    text will read: each float's Decimal as its text (not 1E-7 for 0.0000001, no exponent), no NaN
    or Infinity (an integer reads as written but -0, as 0, which no screen looks for)."""
    keys: set[str] = set()
    plain = True

    def on_object(obj: dict[str, object]) -> dict[str, object]:
        keys.update(obj)
        return obj

    def on_float(number: str) -> Decimal:
        nonlocal plain
        # an exponent, or seven decimals or more after "0.000000": str() of its Decimal may read 1E-7
        if "e" in number or "E" in number or "0.000000" in number:
            plain = False
        return Decimal(number)

    def on_constant(name: str) -> float:
        nonlocal plain
        plain = False
        return float(name)

    if len(text) > MAX_TEXT_CHARS:
        return _NOT_JSON, frozenset(), False
    try:
        parsed = json.loads(text, parse_float=on_float, parse_constant=on_constant, object_hook=on_object)
    except (ValueError, RecursionError, InvalidOperation):
        return _NOT_JSON, frozenset(), False
    return parsed, frozenset(keys), plain


_DECIMAL_JSON = json.JSONDecoder(parse_float=Decimal)


def _parse_json(text: str) -> object:
    if len(text) > MAX_TEXT_CHARS:
        return _NOT_JSON
    try:
        # Decimal keeps "31.230400" as written, so the precision of a coordinate is not lost
        return _DECIMAL_JSON.decode(text)  # json.loads(text, parse_float=Decimal) without a decoder per call
    except (ValueError, RecursionError, InvalidOperation):
        return _NOT_JSON


def _decode_text(data: bytes, encodings: tuple[str, ...] = ("utf-8", "gb18030")) -> str | None:
    """Bytes as text (UTF-8, else GB18030); None when they look binary."""
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text if _mostly_printable(text) else None
    return None


def _mostly_printable(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    return len(_UNPRINTABLE_RE.findall(sample)) <= len(sample) // 20


_UNPRINTABLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")  # control characters but tab and newlines


def _gunzip(data: bytes) -> bytes | None:
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        return inflater.decompress(data, MAX_INFLATED_BYTES)
    except (zlib.error, EOFError):
        return None


def _decode_base64(text: str) -> tuple[str, str] | None:
    """(layer name, decoded text) when the text is base64 (or a JWT) of printable text or gzip."""
    if len(text) < MIN_BASE64_LEN:
        return None
    jwt = _JWT_RE.fullmatch(text)
    candidate = jwt.group(1) if jwt else text
    if not _BASE64_RE.fullmatch(candidate) or (not jwt and re.fullmatch(r"[0-9a-fA-F]+|\d+|[A-Za-z]+", text)):
        return None
    padded = candidate + "=" * (-len(candidate) % 4)
    try:
        if "-" in candidate or "_" in candidate:
            raw = base64.urlsafe_b64decode(padded)
        else:
            raw = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None
    layer = "jwt" if jwt else "base64"
    if raw[:2] == b"\x1f\x8b":
        inflated = _gunzip(raw)
        if inflated is None:
            return None
        raw, layer = inflated, layer + "|gzip"
    # UTF-8 only: GB18030 decodes almost any bytes, and a session_key or a digest is not text
    decoded = _decode_text(raw, ("utf-8",))
    return (layer, decoded) if decoded is not None else None


# ---------------------------------------------------------------------------------------------- results


def dedupe(matches: Iterable[PIMatch]) -> list[PIMatch]:
    """One match per (type, location, masked), in order of discovery; a canary name and the highest
    confidence seen for it are kept."""
    best: dict[tuple[str, str, str], PIMatch] = {}
    for found in matches:
        key = (found.type, found.location, found.masked)
        kept = best.get(key)
        if kept is None:
            best[key] = found
            continue
        confidence = max(kept.confidence, found.confidence, key=lambda c: CONFIDENCE_RANK[c])
        best[key] = kept.model_copy(update={"confidence": confidence, "canary": kept.canary or found.canary})
    return list(best.values())[:MAX_MATCHES]


# ---------------------------------------------------------------------------------------------- public API


def find_pi(text: str, location: str, canaries: Mapping[str, str] | None = None) -> list[PIMatch]:
    """Personal data in a free text (after its decoding layers: URL, JSON, form, base64, gzip)."""
    walker = _Walker(prepare_canaries(canaries))
    walker.text(text, location, None, whole=False)
    return dedupe(walker.matches)


def find_pi_in_value(
    value: object, location: str, canaries: Mapping[str, str] | None = None
) -> list[PIMatch]:
    """Personal data in a Python value (dicts and lists walked, keys used as hints): "args:$.user.phone"."""
    walker = _Walker(prepare_canaries(canaries))
    if isinstance(value, (dict, list, tuple)):
        walker.value(value, location, "$", None, 0, 0)
    elif isinstance(value, (str, bytes)):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        walker.text(text, location, None, whole=True)
    else:
        walker.value(value, location, "", None, 0, 0)
    return dedupe(walker.matches)


# headers that carry protocol facts, never user data
_PROTOCOL_HEADERS = frozenset({
    "host", "content-length", "content-type", "content-encoding", "transfer-encoding", "connection",
    "keep-alive", "accept", "accept-encoding", "accept-language", "accept-ranges", "te", "upgrade",
    "cache-control", "pragma", "if-none-match", "if-modified-since", "etag", "last-modified", "date", "vary",
    "expires", "age", "server", "sec-websocket-key", "sec-websocket-accept", "sec-websocket-version",
    "sec-websocket-extensions", "proxy-connection", "alt-svc", "strict-transport-security",
})


def find_pi_in_http(
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    content_type: str | None,
    where: str,
    canaries: Mapping[str, str] | None = None,
) -> list[PIMatch]:
    """Personal data in one HTTP message. ``where`` is "request" (locations "url.query:..",
    "header:..", "body.json:..") or e.g. "response" (locations prefixed "response.")."""
    prefix = "" if where == "request" else f"{where}."
    walker = _Walker(prepare_canaries(canaries), endpoint=_endpoint(url))
    if url:
        walker.url(url, prefix + "url")
    for name, value in list(headers.items())[:200]:
        if name.lower() not in _PROTOCOL_HEADERS:
            walker.header(name, value, prefix + "header")
    if body:
        walker.body(body, content_type, prefix + "body")
    return dedupe(walker.matches)


def _endpoint(url: str) -> str:
    """Host, path and query of a URL, decoded and lower-cased: what a face or voice endpoint is told by."""
    return unquote(url[:1024]).lower()


def redact_url(url: str, canaries: Mapping[str, str] | None = None) -> str:
    """The URL with each path segment, query key or value and fragment that holds personal data
    replaced by its masked form, and without user info: safe to record beside the matches."""
    try:
        parts = urlsplit(url[:8192])
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "[unparseable url]"
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    segments = []
    previous: str | None = None
    for segment in parts.path.split("/"):
        decoded = unquote(segment)
        replacement = _redacted(decoded, previous, canaries)
        segments.append(segment if replacement is None else quote(replacement, safe="*,[]"))
        previous = decoded or previous
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)[:500]
        redacted = [(_redacted(k, None, canaries) or k, _redacted(v, k, canaries) or v) for k, v in pairs]
        if redacted != pairs:
            safe = "*,[]"
            query = "&".join(f"{quote_plus(k, safe=safe)}={quote_plus(v, safe=safe)}" for k, v in redacted)
    fragment = parts.fragment
    if fragment and find_pi(fragment, "fragment", canaries):
        fragment = "[redacted]"
    return urlunsplit((parts.scheme, netloc, "/".join(segments), query, fragment))


def _redacted(text: str, key: str | None, canaries: Mapping[str, str] | None) -> str | None:
    """The masked replacement for a URL component that holds personal data, else None."""
    if not text:
        return None
    matches = find_pi_in_value({key: text} if key else text, "url", canaries)
    if not matches:
        return None
    if len({m.masked for m in matches}) == 1:
        return matches[0].masked.removesuffix(PRECISE_SUFFIX)
    return "[" + ",".join(sorted({m.type for m in matches})) + "]"


def redact_text(text: str, canaries: Mapping[str, str] | None = None) -> str:
    """Free text (an error message) with phone numbers and canary values masked."""
    text = PHONE_RE.sub(lambda m: mask("phone", m.group(1)), text)
    for name, raw in (canaries or {}).items():
        value = str(raw).strip()
        if len(value.encode("utf-8")) >= MIN_CANARY_LEN:
            masked = mask(canary_type(name, value), value)
            text = re.sub(re.escape(value), lambda _m, masked=masked: masked, text, flags=re.IGNORECASE)
    return text
