"""Locations (RECOGNISERS.md 4): fixes under lat/lng keys, "lng,lat" strings, [lng, lat] arrays, and
tracks. A track (>= 3 timestamped fixes in one array) is one extra match of type "location" whose
masked value reads "track of N fixes from 31.2***, 121.4*** (precise)": see core.is_track()."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

from harness.pi.core import (
    KEY_CACHE,
    MAX_TEXT_CHARS,
    PRECISE_SUFFIX,
    SEARCH,
    TRACK_PREFIX,
    BodyView,
    Group,
    Scalar,
    has_hint,
    key_tokens,
    mask,
    new_match,
    recogniser,
    safe_key,
)
from harness.timeline import Confidence, PIMatch

LAT_WORDS = frozenset({"lat", "latitude"})
LNG_WORDS = frozenset({"lng", "lon", "longitude"})
_LOCATION_HINT_WORDS = frozenset({
    "location", "loc", "coord", "coords", "coordinate", "coordinates", "position", "pos", "latlng", "lnglat",
    "gps", "point", "center", "geo",
})
_TIME_WORDS = frozenset({"time", "timestamp", "ts", "t", "date", "datetime", "at", "created", "gpstime"})
MIN_TRACK_FIXES = 3

_NUMBER_RE = re.compile(r"^\s*(-?\d{1,3})(?:\.(\d{1,15}))?\s*$")
_PAIR_RE = re.compile(r"^\s*[\[(]?\s*(-?\d{1,3}\.\d{1,15})\s*[,，]\s*(-?\d{1,3}\.\d{1,15})\s*[\])]?\s*$")
_PAIR_IN_TEXT_RE = re.compile(r"(?<![\d.])(-?\d{1,3}\.\d{4,15})\s*[,，]\s*(-?\d{1,3}\.\d{4,15})(?![\d.])")


_ANY_LOCATION_WORDS = _LOCATION_HINT_WORDS | LAT_WORDS | LNG_WORDS


def has_location_hint(key: str | None) -> bool:
    return has_hint(key, _ANY_LOCATION_WORDS, ("位置", "坐标"))


@dataclass(frozen=True)
class _Coordinate:
    value: float
    decimals: int
    key: str


def _coordinate(text: str, key: str, limit: float) -> _Coordinate | None:
    found = _NUMBER_RE.match(text)
    if not found:
        return None
    value = float(found.group(0))
    if abs(value) > limit:
        return None
    return _Coordinate(value, len(found.group(2) or ""), key)


def in_mainland(lat: float, lng: float) -> bool:
    return 3.8 <= lat <= 53.6 and 73.5 <= lng <= 135.1


def _masked_fix(lat: float, lng: float, decimals: int) -> str:
    return mask("location", f"{lat},{lng}") + (PRECISE_SUFFIX if decimals >= 4 else "")


def _fix(location: str, lat: float, lng: float, decimals: int, hinted: bool) -> PIMatch | None:
    """One location fix. High inside the mainland box (or when the keys say so), else medium."""
    if abs(lat) > 90 or abs(lng) > 180 or (lat == 0 and lng == 0):
        return None
    confidence: Confidence = "high" if in_mainland(lat, lng) or hinted else "medium"
    return new_match("location", location, _masked_fix(lat, lng, decimals), confidence)


def _order_pair(a: float, b: float) -> tuple[float, float] | None:
    """(lat, lng) from a two-number string: "lng,lat" by convention, "lat,lng" when only that fits China."""
    if in_mainland(b, a):
        return b, a
    if in_mainland(a, b):
        return a, b
    if abs(b) <= 90 and abs(a) <= 180:
        return b, a
    return None


def _coordinate_key(key: str) -> bool:
    return bool(key_tokens(key) & (LAT_WORDS | LNG_WORDS))


_PAIR_SCREEN = re.compile(r"\.\d+\s*[,，]\s*-?\d{1,3}\.\d")


def _location_screen(body: BodyView) -> bool:
    """Without a lat/lng key: a pair of decimals in a string, or a list under a location key."""
    return _PAIR_SCREEN.search(body.text) is not None or any(has_location_hint(k) for k in body.keys)


# a coordinate pair in a string ("121.47,31.23") needs a decimal point before its comma
@recogniser("location", text=r"\.\d+\s*[,，]", key=_coordinate_key, arrays=True, screen=_location_screen,
            text_screen=SEARCH)

def recognise_location(group: Group) -> Iterator[PIMatch]:
    """Coordinates under lat/lng keys (a pair is one fix), "lng,lat" strings and [lng, lat] arrays."""
    lats: list[_Coordinate] = []
    lngs: list[_Coordinate] = []
    coordinate_keys = 0
    for scalar in group.scalars:
        tokens = key_tokens(scalar.key) if scalar.whole else frozenset()
        if tokens & LAT_WORDS:
            coordinate_keys += 1
            if c := _coordinate(scalar.text, scalar.key or "", 90):
                lats.append(c)
        elif tokens & LNG_WORDS:
            coordinate_keys += 1
            if c := _coordinate(scalar.text, scalar.key or "", 180):
                lngs.append(c)
        else:
            yield from _location_in_string(scalar)
    for lat, lng in zip(lats, lngs):
        where = f"{group.member_prefix}{safe_key(lat.key)}+{safe_key(lng.key)}"
        if found := _fix(where, lat.value, lng.value, min(lat.decimals, lng.decimals), True):
            yield found
    if coordinate_keys == 1:  # a lone coordinate (its partner is not sent): less than a fix
        single = (lats + lngs)[0] if lats or lngs else None
        if single is not None and single.value != 0:
            masked = mask("location", str(single.value)) + (PRECISE_SUFFIX if single.decimals >= 4 else "")
            yield PIMatch(type="location", location=group.member_prefix + safe_key(single.key),
                          masked=masked, confidence="medium")
    pair_array = group.array and len(group.scalars) == 2 and all(s.number for s in group.scalars)
    if pair_array and has_location_hint(group.key):
        yield from _from_two(group.member_prefix.rstrip("."), group.scalars[0].text, group.scalars[1].text,
                             hinted=True)


def _location_in_string(scalar: Scalar) -> Iterator[PIMatch]:
    if scalar.whole and (pair := _PAIR_RE.match(scalar.text)):
        hinted = has_location_hint(scalar.key)
        for found in _from_two(scalar.location, pair.group(1), pair.group(2), hinted=hinted):
            # without a key hint only a precise pair inside the mainland box is a fix, not any "1.5,2.5"
            if hinted or (found.confidence == "high" and _decimals(pair.group(1), pair.group(2)) >= 4):
                yield found
        return
    for pair in _PAIR_IN_TEXT_RE.finditer(scalar.text[:MAX_TEXT_CHARS]):
        ordered = _order_pair(float(pair.group(1)), float(pair.group(2)))
        if ordered and in_mainland(*ordered):
            found = _fix(scalar.location, *ordered, _decimals(pair.group(1), pair.group(2)), False)
            if found:
                yield found.model_copy(update={"confidence": "medium"})


def _from_two(location: str, first: str, second: str, *, hinted: bool) -> Iterator[PIMatch]:
    try:
        a, b = float(first), float(second)
    except ValueError:
        return
    ordered = _order_pair(a, b)
    if ordered is None:
        return
    found = _fix(location, *ordered, _decimals(first, second), hinted)
    if found:
        yield found


def _decimals(*numbers: str) -> int:
    return min(len(n.partition(".")[2]) for n in numbers)


# ---------------------------------------------------------------------------------------------- tracks


@lru_cache(maxsize=KEY_CACHE)
def _fix_role(key: str) -> str | None:
    """What a member of a fix object holds: "lat", "lng", "time" or None (a list of 1000 objects
    has the same few keys: worked out once each)."""
    tokens = key_tokens(key)
    if tokens & LAT_WORDS:
        return "lat"
    if tokens & LNG_WORDS:
        return "lng"
    return "time" if tokens & _TIME_WORDS else None


# the end of a list [lng, lat, ts], ,\s*"?\d{10}(?:\d{3})?(?:\.\d+)?"?\s*\], written backwards: searched in the
# reversed text it opens on its rare "]" (the forward form opened on every comma)
_TRIPLE_END_REVERSED = re.compile(r'\]\s*"?(?:\d+\.)?(?:\d{3})?\d{10}"?\s*,')


def track_possible(body: BodyView) -> bool:
    """Whether a body may hold a track: keys of a fix's latitude, longitude and time, or a list that
    ends in a timestamp ([lng, lat, ts])."""
    roles = {_fix_role(k) for k in body.keys}
    return {"lat", "lng", "time"} <= roles or _TRIPLE_END_REVERSED.search(body.text[::-1]) is not None


def track_in(items: Sequence[object], location: str) -> PIMatch | None:
    """A track: >= 3 fixes in one array, each with a timestamp ({lat, lng, time} objects or
    [lng, lat, ts] triples). Sensitive under PIPL art. 28 (行踪轨迹)."""
    fixes = [fix for item in items[:1000] if (fix := _timed_fix(item)) is not None]
    if len(fixes) < MIN_TRACK_FIXES:
        return None
    lat, lng, _ = fixes[0]
    precise = min(d for _, _, d in fixes)
    masked = f"{TRACK_PREFIX}{len(fixes)} fixes from {_masked_fix(lat, lng, precise)}"
    return PIMatch(type="location", location=f"{location}[*]", masked=masked, confidence="high")


def _timed_fix(item: object) -> tuple[float, float, int] | None:
    if isinstance(item, Mapping):
        return _timed_fix_in_object(item)
    if isinstance(item, (list, tuple)) and len(item) == 3:
        first, second, when = (str(v) for v in item)
        if not re.fullmatch(r"\d{10}(?:\d{3})?(?:\.\d+)?", when):
            return None
        try:
            ordered = _order_pair(float(first), float(second))
        except ValueError:
            return None
        if ordered and ordered != (0, 0):
            return ordered[0], ordered[1], _decimals(first, second)
    return None


def _timed_fix_in_object(item: Mapping[object, object]) -> tuple[float, float, int] | None:
    if not _fix_keys(tuple(map(str, islice(item, 50)))):
        return None
    lat = lng = None
    timed = False
    for key, value in list(item.items())[:50]:
        role = _fix_role(str(key))
        if role == "lat":
            lat = _coordinate(str(value), str(key), 90)
        elif role == "lng":
            lng = _coordinate(str(value), str(key), 180)
        elif role == "time" and value not in (None, ""):
            timed = True
    if lat is None or lng is None or not timed or (lat.value == 0 and lng.value == 0):
        return None
    return lat.value, lng.value, min(lat.decimals, lng.decimals)


@lru_cache(maxsize=KEY_CACHE)
def _fix_keys(keys: tuple[str, ...]) -> bool:
    """Whether an object's keys (its first 50, as _timed_fix_in_object reads) name a latitude, a
    longitude and a time: a list of objects that are not fixes shares a few sets of keys."""
    return {"lat", "lng", "time"} <= {_fix_role(key) for key in keys}
