"""Personal-data recognisers: pure functions from recorded content to masked ``PIMatch`` lists.

No I/O. Everything scanned here is attacker-controlled (traffic, storage, UI text), so each call
works within a fixed budget (text size, decoding depth, values visited, matches returned) and
never raises on malformed input.

How it works: a carrier (a URL, headers, a body, a Python value) is decoded into *groups* of
sibling values (one JSON object, one query string, one form, one free text), following the
decoding layers of RECOGNISERS.md: percent-decoding, JSON (also JSON inside strings),
form-urlencoding, gzip and base64 (length >= 16). Each registered recogniser looks at one group at
a time (so that a latitude can find its longitude); canary matching runs over every value.
Locations read like ``url.query:phone``, ``body.json:$.user.phone`` or
``body.json:$.data|base64|json:$.mobile`` (``|`` marks a decoding layer).

A later version adds recognisers (ids, bank cards, ...): one function per type, registered with
``@recogniser("type")``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from urllib.parse import parse_qsl, quote, quote_plus, unquote, unquote_plus, urlsplit, urlunsplit

from harness.timeline import Confidence, PIMatch

# ---------------------------------------------------------------------------------------------- limits

MAX_TEXT_CHARS = 256 * 1024  # characters of one text that are scanned
MAX_BODY_BYTES = 1024 * 1024  # bytes of one body that are looked at
MAX_INFLATED_BYTES = 1024 * 1024  # output of one gzip layer
MAX_LAYERS = 4  # nested decodings (url -> base64 -> json -> ...)
MAX_JSON_DEPTH = 32  # nesting of one JSON document that is walked
MAX_VALUES = 5000  # values visited per call
MAX_MATCHES = 200  # matches returned per call
MIN_BASE64_LEN = 16
MIN_CANARY_LEN = 4  # shorter canaries would match by chance
MAX_KEY_CHARS = 40  # of a key shown in a location

_CONFIDENCE_RANK: dict[str, int] = {"high": 3, "medium": 2, "low": 1}


# ---------------------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Scalar:
    """One value found in a carrier."""

    location: str
    key: str | None  # the key the value sits under (its hint); list items inherit their list's key
    text: str
    whole: bool  # the entire value of a field (JSON, form, query, header), not a span of free text
    number: bool = False  # a JSON/Python number rather than a string


@dataclass(frozen=True)
class Group:
    """Sibling values of one container: a JSON object or array, a query string, a form, a free text."""

    member_prefix: str  # member locations are member_prefix + key: "body.json:$.user." / "url.query:"
    key: str | None  # the container's own key (a list of two numbers under "location")
    scalars: tuple[Scalar, ...]
    array: bool = False  # a JSON array rather than an object or a set of fields


Recogniser = Callable[[Group], Iterator[PIMatch]]
RECOGNISERS: dict[str, Recogniser] = {}


def recogniser(pi_type: str) -> Callable[[Recogniser], Recogniser]:
    """Register a recogniser for one personal-data type."""

    def register(fn: Recogniser) -> Recogniser:
        if pi_type in RECOGNISERS:
            raise ValueError(f"recogniser for {pi_type!r} registered twice")
        RECOGNISERS[pi_type] = fn
        return fn

    return register


# ---------------------------------------------------------------------------------------------- keys


def key_tokens(key: str | None) -> frozenset[str]:
    """The words of a key: userPhoneNo -> {user, phone, no}; 手机号 stays one token."""
    if not key:
        return frozenset()
    words = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+|[^\x00-\x7f]+", key[:MAX_KEY_CHARS * 2])
    return frozenset(w.lower() for w in words)


_PHONE_HINT_WORDS = frozenset({"phone", "mobile", "tel", "telephone", "cellphone", "cell", "mob", "msisdn"})
_PHONE_HINT_SUBSTRINGS = ("phone", "mobile", "手机", "电话")
_ID_HINT_WORDS = frozenset({
    "id", "no", "order", "sn", "num", "number", "code", "time", "ts", "timestamp", "date", "seq", "count",
    "amount", "price", "version", "ver", "serial", "trade", "txn", "uid", "pid", "sku",
})
_LAT_WORDS = frozenset({"lat", "latitude"})
_LNG_WORDS = frozenset({"lng", "lon", "longitude"})
_LOCATION_HINT_WORDS = frozenset({
    "location", "loc", "coord", "coords", "coordinate", "coordinates", "position", "pos", "latlng", "lnglat",
    "gps", "point", "center", "geo",
})


def _has_phone_hint(key: str | None) -> bool:
    if not key:
        return False
    lowered = key.lower()
    return bool(key_tokens(key) & _PHONE_HINT_WORDS) or any(s in lowered for s in _PHONE_HINT_SUBSTRINGS)


def _has_id_hint(key: str | None) -> bool:
    return bool(key_tokens(key) & _ID_HINT_WORDS)


def _has_location_hint(key: str | None) -> bool:
    if not key:
        return False
    tokens = key_tokens(key)
    words = _LOCATION_HINT_WORDS | _LAT_WORDS | _LNG_WORDS
    return bool(tokens & words) or any(w in key for w in ("位置", "坐标"))


# ---------------------------------------------------------------------------------------------- masking


def mask(pi_type: str, value: str) -> str:
    """A display-safe form of a personal-data value: 138****8000, "31.2***, 121.4***", ab***yz."""
    if pi_type == "phone":
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 11:
            core = digits[-11:]
            return f"{core[:3]}****{core[-4:]}"
    if pi_type == "location":
        numbers = re.findall(r"(-?\d+)(?:\.(\d+))?", value)[:2]
        if numbers:
            # cut (not rounded) to one decimal, about 10 km: the region without the fix
            return ", ".join(f"{whole}.{(decimals or '0')[0]}***" for whole, decimals in numbers)
    return _mask_generic(value)


def _mask_generic(value: str) -> str:
    text = re.sub(r"[\x00-\x1f\x7f]", " ", value.strip())
    if not text:
        return "***"
    if len(text) <= 3:
        return text[0] + "**"
    keep = max(1, min(3, len(text) // 4))
    tail = text[-keep:] if len(text) >= 8 else ""
    return f"{text[:keep]}***{tail}"


PRECISE_SUFFIX = " (precise)"


def is_precise(match: PIMatch) -> bool:
    """A location match with coordinates of >= 4 decimals (about 10 m)."""
    return match.type == "location" and match.masked.endswith(PRECISE_SUFFIX)


# ---------------------------------------------------------------------------------------------- phone

_PHONE_CORE = (
    r"1(?:3\d{3}|4[57]\d{2}|5[^4\D]\d{2}|8\d{3}|7(?:[0-35-9]\d{2}|4(?:0\d|1[0-2]|9\d))"
    r"|9[0-35-9]\d{2}|6[2567]\d{2}|4[579]\d{2})\d{6}"
)
PHONE_RE = re.compile(rf"(?<!\d)(?:(?:\+|00)?86[\s-]?)?({_PHONE_CORE})(?!\d)")
_PHONE_HINT_NEARBY = re.compile(r"(?i)(phone|mobile|tel|手机|电话|联系方式)\W{0,3}\S{0,6}$")


@recogniser("phone")
def recognise_phone(group: Group) -> Iterator[PIMatch]:
    """Mainland mobile numbers, with optional +86, never inside a longer digit run."""
    for scalar in group.scalars:
        if "." in scalar.text and scalar.number:
            continue  # a float is never a phone number
        for hit in PHONE_RE.finditer(scalar.text):
            yield PIMatch(
                type="phone",
                location=scalar.location,
                masked=mask("phone", hit.group(1)),
                confidence=_phone_confidence(scalar, hit),
            )


def _phone_confidence(scalar: Scalar, hit: re.Match[str]) -> Confidence:
    if _has_phone_hint(scalar.key):
        return "high"
    if scalar.whole and scalar.text.strip() == hit.group(0):
        return "low" if _has_id_hint(scalar.key) else "high"
    before = scalar.text[max(0, hit.start() - 16) : hit.start()]
    return "high" if _PHONE_HINT_NEARBY.search(before) else "low"


# ---------------------------------------------------------------------------------------------- location

_NUMBER_RE = re.compile(r"^\s*(-?\d{1,3})(?:\.(\d{1,15}))?\s*$")
_PAIR_RE = re.compile(r"^\s*[\[(]?\s*(-?\d{1,3}\.\d{1,15})\s*[,，]\s*(-?\d{1,3}\.\d{1,15})\s*[\])]?\s*$")
_PAIR_IN_TEXT_RE = re.compile(r"(?<![\d.])(-?\d{1,3}\.\d{4,15})\s*[,，]\s*(-?\d{1,3}\.\d{4,15})(?![\d.])")


@dataclass(frozen=True)
class _Coordinate:
    value: float
    decimals: int
    key: str


def _coordinate(scalar: Scalar, limit: float) -> _Coordinate | None:
    found = _NUMBER_RE.match(scalar.text)
    if not found:
        return None
    value = float(found.group(0))
    if abs(value) > limit:
        return None
    return _Coordinate(value, len(found.group(2) or ""), scalar.key or "")


def _in_mainland(lat: float, lng: float) -> bool:
    return 3.8 <= lat <= 53.6 and 73.5 <= lng <= 135.1


def _location_match(location: str, lat: float, lng: float, decimals: int, hinted: bool) -> PIMatch | None:
    """One location fix. High inside the mainland box (or when the keys say so), else medium."""
    if abs(lat) > 90 or abs(lng) > 180 or (lat == 0 and lng == 0):
        return None
    in_box = _in_mainland(lat, lng)
    confidence: Confidence = "high" if in_box or hinted else "medium"
    masked = mask("location", f"{lat},{lng}") + (PRECISE_SUFFIX if decimals >= 4 else "")
    return PIMatch(type="location", location=location, masked=masked, confidence=confidence)


def _order_pair(a: float, b: float) -> tuple[float, float] | None:
    """(lat, lng) from a two-number string: "lng,lat" by convention, "lat,lng" when only that fits China."""
    if _in_mainland(b, a):
        return b, a
    if _in_mainland(a, b):
        return a, b
    if abs(b) <= 90 and abs(a) <= 180:
        return b, a
    return None


@recogniser("location")
def recognise_location(group: Group) -> Iterator[PIMatch]:
    """Coordinates under lat/lng keys (a pair is one fix), "lng,lat" strings and [lng, lat] arrays."""
    lats: list[_Coordinate] = []
    lngs: list[_Coordinate] = []
    coordinate_keys = 0
    for scalar in group.scalars:
        tokens = key_tokens(scalar.key) if scalar.whole else frozenset()
        if tokens & _LAT_WORDS:
            coordinate_keys += 1
            if c := _coordinate(scalar, 90):
                lats.append(c)
        elif tokens & _LNG_WORDS:
            coordinate_keys += 1
            if c := _coordinate(scalar, 180):
                lngs.append(c)
        else:
            yield from _location_in_string(scalar)
    for lat, lng in zip(lats, lngs):
        where = f"{group.member_prefix}{_safe_key(lat.key)}+{_safe_key(lng.key)}"
        if found := _location_match(where, lat.value, lng.value, min(lat.decimals, lng.decimals), True):
            yield found
    if coordinate_keys == 1:  # a lone coordinate (its partner is not sent): less than a fix
        single = (lats + lngs)[0] if lats or lngs else None
        if single is not None and single.value != 0:
            masked = mask("location", str(single.value)) + (PRECISE_SUFFIX if single.decimals >= 4 else "")
            yield PIMatch(type="location", location=group.member_prefix + _safe_key(single.key),
                          masked=masked, confidence="medium")
    pair_array = group.array and len(group.scalars) == 2 and all(s.number for s in group.scalars)
    if pair_array and _has_location_hint(group.key):
        yield from _location_from_two(group.member_prefix.rstrip("."),
                                      group.scalars[0].text, group.scalars[1].text, hinted=True)


def _location_in_string(scalar: Scalar) -> Iterator[PIMatch]:
    if scalar.whole and (pair := _PAIR_RE.match(scalar.text)):
        hinted = _has_location_hint(scalar.key)
        for found in _location_from_two(scalar.location, pair.group(1), pair.group(2), hinted=hinted):
            if hinted or _decimals(pair.group(1), pair.group(2)) >= 4:
                yield found
        return
    for pair in _PAIR_IN_TEXT_RE.finditer(scalar.text[:MAX_TEXT_CHARS]):
        a, b = float(pair.group(1)), float(pair.group(2))
        ordered = _order_pair(a, b)
        if ordered and _in_mainland(*ordered):
            found = _location_match(scalar.location, *ordered, _decimals(pair.group(1), pair.group(2)), False)
            if found:
                yield found.model_copy(update={"confidence": "medium"})


def _location_from_two(location: str, first: str, second: str, *, hinted: bool) -> Iterator[PIMatch]:
    try:
        a, b = float(first), float(second)
    except ValueError:
        return
    ordered = _order_pair(a, b)
    if ordered is None:
        return
    found = _location_match(location, *ordered, _decimals(first, second), hinted)
    if found:
        yield found


def _decimals(*numbers: str) -> int:
    return min(len(n.partition(".")[2]) for n in numbers)


# ---------------------------------------------------------------------------------------------- canaries


@dataclass(frozen=True)
class _CanaryForm:
    name: str
    needle: str  # lower-cased
    encoding: str | None  # None for the value as written (any case, URL-encoded); md5, sha1, ...
    pi_type: str
    masked: str


_CANARY_TYPE_WORDS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"phone", "mobile", "tel", "phonenumber"}), "phone"),
    (frozenset({"lat", "lng", "latitude", "longitude", "location", "bssid", "ssid", "wifi"}), "location"),
    (frozenset({"imei", "imsi", "iccid", "oaid", "androidid", "android", "mac", "serial", "deviceids",
                "idfa"}), "device_id"),
    (frozenset({"model", "brand", "system"}), "device_info"),
    (frozenset({"clipboard"}), "clipboard"),
    (frozenset({"idcard", "card", "resident"}), "id_card"),
    (frozenset({"email", "mail"}), "email"),
    (frozenset({"address", "addr"}), "address"),
    (frozenset({"name", "realname", "nickname"}), "name"),
    (frozenset({"openid", "unionid"}), "openid"),
)


def canary_type(name: str, value: str) -> str:
    """The personal-data type of a seeded canary, from its value first and its name second."""
    if PHONE_RE.fullmatch(value.strip()):
        return "phone"
    tokens = {t for part in re.split(r"[.\-_/]", name) for t in key_tokens(part)} | {name.lower()}
    for words, pi_type in _CANARY_TYPE_WORDS:
        if tokens & words:
            return pi_type
    return "canary"


@lru_cache(maxsize=64)
def _canary_forms(canaries: tuple[tuple[str, str], ...]) -> tuple[_CanaryForm, ...]:
    forms: list[_CanaryForm] = []
    for name, raw in canaries:
        value = raw.strip()
        if len(value) < MIN_CANARY_LEN:
            continue
        pi_type = canary_type(name, value)
        masked = mask(pi_type, value)
        data = value.encode("utf-8")
        plain = {value.lower(), quote(value, safe="").lower(), quote_plus(value).lower()}
        for needle in plain:
            forms.append(_CanaryForm(name, needle, None, pi_type, masked))
        encoded = {
            "base64": [base64.b64encode(data), base64.urlsafe_b64encode(data)],
            "md5": [hashlib.md5(data).digest()],
            "sha1": [hashlib.sha1(data).digest()],
            "sha256": [hashlib.sha256(data).digest()],
        }
        for encoding, blobs in encoded.items():
            for blob in blobs:
                if encoding == "base64":
                    needles = {blob.decode().rstrip("=")}
                else:
                    needles = {blob.hex(), base64.b64encode(blob).decode().rstrip("="),
                               base64.urlsafe_b64encode(blob).decode().rstrip("=")}
                shown = f"{encoding}({masked})"
                forms.extend(_CanaryForm(name, n.lower(), encoding, pi_type, shown) for n in needles)
    return tuple(forms)


def _prepare_canaries(canaries: Mapping[str, str] | None) -> tuple[_CanaryForm, ...]:
    if not canaries:
        return ()
    items = tuple(sorted((str(k), str(v)) for k, v in canaries.items() if isinstance(v, (str, int))))
    return _canary_forms(items)


def _canary_matches(group: Group, forms: tuple[_CanaryForm, ...]) -> Iterator[PIMatch]:
    for scalar in group.scalars:
        haystack = scalar.text.lower()
        seen: set[tuple[str, str | None]] = set()
        for form in forms:
            if (form.name, form.encoding) in seen or form.needle not in haystack:
                continue
            seen.add((form.name, form.encoding))
            yield PIMatch(type=form.pi_type, location=scalar.location, masked=form.masked,
                          confidence="high", canary=form.name)


# ---------------------------------------------------------------------------------------------- walking


def _safe_key(key: str | None) -> str:
    """A key as shown in a location: bounded, and never carrying a digit run that could be personal data."""
    if key is None:
        return ""
    shown = re.sub(r"\d{5,}", lambda m: "#" * len(m.group(0)), key[:MAX_KEY_CHARS])
    shown = re.sub(r"[\x00-\x1f\x7f|]", "_", shown)
    return shown + ("…" if len(key) > MAX_KEY_CHARS else "")


def _json_member(path: str, key: str) -> str:
    shown = _safe_key(key)
    if re.fullmatch(r"[A-Za-z_$][\w$]*", shown):
        return f"{path}.{shown}"
    return f"{path}[{json.dumps(shown, ensure_ascii=False)}]"


_BASE64_RE = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
_JWT_RE = re.compile(r"[A-Za-z0-9_-]{8,}\.([A-Za-z0-9_-]{8,})\.[A-Za-z0-9_-]*")
_FORM_RE = re.compile(r"[^=&\s]{1,200}=[^&\s]*(?:&[^=&\s]{1,200}=?[^&\s]*)*&?")
_PERCENT_RE = re.compile(r"%[0-9A-Fa-f]{2}")


@dataclass
class _Walker:
    """Decodes carriers into groups and runs the recognisers over them, within one budget."""

    canary_forms: tuple[_CanaryForm, ...] = ()
    canary_only: bool = False
    values_left: int = MAX_VALUES
    matches: list[PIMatch] = field(default_factory=list)

    # -- groups

    def group(
        self, member_prefix: str, key: str | None, scalars: Iterable[Scalar], *, array: bool = False
    ) -> None:
        bounded: list[Scalar] = []
        for scalar in scalars:
            if self.values_left <= 0:
                break
            self.values_left -= 1
            bounded.append(scalar)
        if not bounded or len(self.matches) >= MAX_MATCHES:
            return
        group = Group(member_prefix, key, tuple(bounded), array)
        if not self.canary_only:
            for recognise in RECOGNISERS.values():
                self.matches.extend(recognise(group))
        self.matches.extend(_canary_matches(group, self.canary_forms))

    def shown_key(self, key: str) -> str:
        """A key as it may appear in a location: a key that holds a canary is not shown."""
        return "[canary]" if _canary_in(key, self.canary_forms) else key

    # -- Python values (parsed JSON, wx API arguments, storage values)

    def value(self, obj: object, location: str, path: str, key: str | None, depth: int, layers: int) -> None:
        if self.values_left <= 0 or depth > MAX_JSON_DEPTH:
            return
        if isinstance(obj, dict):
            items = [(str(k), v) for k, v in list(obj.items())[: self.values_left]]
            members = [(_json_member(path, self.shown_key(k)), k, v) for k, v in items]
            self._members(location, path, key, members, depth, layers, array=False)
        elif isinstance(obj, (list, tuple)):
            # list items inherit the list's key as their hint: {"phones": ["138..."]}
            members = [(f"{path}[{i}]", key, v) for i, v in enumerate(obj[: self.values_left])]
            self._members(location, path, key, members, depth, layers, array=True)
        else:
            scalar = _scalar_text(obj)
            if scalar is not None:
                text, number = scalar
                where = f"{location}:{path}" if path else location
                if number or not self.text_layers(text, where, key, layers):
                    self.group(where, key, [Scalar(where, key, text, True, number)])

    def _members(
        self,
        location: str,
        path: str,
        key: str | None,
        members: list[tuple[str, str | None, object]],
        depth: int,
        layers: int,
        *,
        array: bool,
    ) -> None:
        scalars: list[Scalar] = []
        nested: list[tuple[str, str | None, object]] = []
        for member_path, member_key, member in members:
            found = _scalar_text(member)
            if found is None:
                nested.append((member_path, member_key, member))
                continue
            text, number = found
            where = f"{location}:{member_path}"
            if number or not self.text_layers(text, where, member_key, layers):
                scalars.append(Scalar(where, member_key, text, True, number))
        self.group(f"{location}:{path}.", key, scalars, array=array)
        for member_path, member_key, member in nested:
            self.value(member, location, member_path, member_key, depth + 1, layers)

    # -- text and its decoding layers

    def text(self, text: str, location: str, key: str | None, *, whole: bool, layers: int = 0) -> None:
        """Scan a text: through its decoding layers when it has any, else as one value."""
        text = text[:MAX_TEXT_CHARS]
        if not self.text_layers(text, location, key, layers):
            self.group(location, key, [Scalar(location, key, text, whole)])

    def text_layers(self, text: str, location: str, key: str | None, layers: int) -> bool:
        """Decode one layer of a text and scan what it holds; False when the text is not encoded."""
        if layers >= MAX_LAYERS or self.values_left <= 0 or len(text) < 2:
            return False
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
        if "=" in stripped and _FORM_RE.fullmatch(stripped):
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
            where = f"{location}:{_safe_key(self.shown_key(name))}"
            if not self.text_layers(value, where, name, layers):
                scalars.append(Scalar(where, name, value, True))
            if (len(name) >= 11 and PHONE_RE.search(name)) or _canary_in(name, self.canary_forms):
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
        else:
            self.text(value, f"{location}:{_safe_key(name)}", name, whole=True)

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
            _canary_scan_binary(self, body, location)
            return
        text = _decode_text(body)
        if text is None:
            _canary_scan_binary(self, body, location)
            return
        stripped = text.strip()
        if "json" in media or stripped[:1] in ("{", "["):
            parsed = _parse_json(stripped)
            if parsed is not _NOT_JSON:
                self.value(parsed, f"{location}.json", "$", None, 0, 0)
                return
        looks_like_form = bool(stripped) and "=" in stripped and bool(_FORM_RE.fullmatch(stripped))
        if "x-www-form-urlencoded" in media or looks_like_form:
            self.form(stripped, f"{location}.form", 0)
            return
        self.text(text, f"{location}.text", None, whole=False)

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
            where = f"{location}.multipart:{_safe_key(name)}"
            if part_type and not part_type.startswith("text/") and "json" not in part_type:
                _canary_scan_binary(self, content, where)
                continue
            text = _decode_text(content)
            if text is not None:
                self.text(text, where, name, whole=True)


_BINARY_TYPES = frozenset({"application/octet-stream", "application/x-protobuf", "application/protobuf",
                           "application/zip", "application/pdf", "application/wasm"})


def _canary_scan_binary(walker: _Walker, body: bytes, location: str) -> None:
    """Binary content: only seeded canaries are looked for (the recognisers would match noise)."""
    if not walker.canary_forms:
        return
    inner = _Walker(walker.canary_forms, canary_only=True, values_left=walker.values_left)
    inner.group(location, None, [Scalar(location, None, body[:MAX_TEXT_CHARS].decode("latin-1"), False)])
    walker.matches.extend(inner.matches)


def _canary_in(text: str, forms: tuple[_CanaryForm, ...]) -> bool:
    lowered = text.lower()
    return any(form.needle in lowered for form in forms)


def _scalar_text(obj: object) -> tuple[str, bool] | None:
    """The text of a scalar and whether it is a number; None for containers."""
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


def _parse_json(text: str) -> object:
    if len(text) > MAX_TEXT_CHARS:
        return _NOT_JSON
    try:
        # Decimal keeps "31.230400" as written, so the precision of a coordinate is not lost
        return json.loads(text, parse_float=Decimal)
    except (ValueError, RecursionError, InvalidOperation):
        return _NOT_JSON


def _decode_text(data: bytes) -> str | None:
    """Bytes as text (UTF-8, else GB18030); None when they look binary."""
    for encoding in ("utf-8", "gb18030"):
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
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\r\n") or ch == "\ufffd")
    return bad <= len(sample) // 20


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
    decoded = _decode_text(raw)
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
        confidence = max(kept.confidence, found.confidence, key=lambda c: _CONFIDENCE_RANK[c])
        best[key] = kept.model_copy(update={"confidence": confidence, "canary": kept.canary or found.canary})
    return list(best.values())[:MAX_MATCHES]


# ---------------------------------------------------------------------------------------------- public API


def find_pi(text: str, location: str, canaries: Mapping[str, str] | None = None) -> list[PIMatch]:
    """Personal data in a free text (after its decoding layers: URL, JSON, form, base64, gzip)."""
    walker = _Walker(_prepare_canaries(canaries))
    walker.text(text, location, None, whole=False)
    return dedupe(walker.matches)


def find_pi_in_value(
    value: object, location: str, canaries: Mapping[str, str] | None = None
) -> list[PIMatch]:
    """Personal data in a Python value (dicts and lists walked, keys used as hints): "args:$.user.phone"."""
    walker = _Walker(_prepare_canaries(canaries))
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
    walker = _Walker(_prepare_canaries(canaries))
    if url:
        walker.url(url, prefix + "url")
    for name, value in list(headers.items())[:200]:
        if name.lower() not in _PROTOCOL_HEADERS:
            walker.header(name, value, prefix + "header")
    if body:
        walker.body(body, content_type, prefix + "body")
    return dedupe(walker.matches)


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
        if len(value) >= MIN_CANARY_LEN:
            masked = mask(canary_type(name, value), value)
            text = re.sub(re.escape(value), lambda _m, masked=masked: masked, text, flags=re.IGNORECASE)
    return text
