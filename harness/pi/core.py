"""The model every recogniser shares: limits, scanned values, the registry, key hints, masks, PI types.

Everything scanned is attacker-controlled (traffic, storage, UI text), so the limits below bound
each call, and nothing here raises on malformed input.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import accumulate
from typing import NamedTuple

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
KEY_CACHE = 8192  # keys repeat (each object of a list has the same ones): what a key says is cached per key

CONFIDENCE_RANK: dict[str, int] = {"high": 3, "medium": 2, "low": 1}


# ---------------------------------------------------------------------------------------------- PI types


@dataclass(frozen=True)
class PIType:
    """What a PIMatch.type means for the probes and the reports."""

    category: str  # WeChat privacy-guide wording where one exists (位置信息, 手机号, 设备信息), else a label
    sensitive: bool  # PIPL art. 28 sensitive personal information
    secret: bool = False  # a credential: exposing it is SEC-004, whoever it belongs to


PI_TYPES: dict[str, PIType] = {
    "phone": PIType("手机号", False),
    "id_card": PIType("身份证号码", True),
    "bank_card": PIType("银行卡号", True),
    "location": PIType("位置信息", False),  # a track is sensitive: see is_sensitive()
    "wifi": PIType("位置信息", False),  # BSSID/SSID locate the device
    "device_id": PIType("设备信息", False),
    "device_info": PIType("设备信息", False),
    "openid": PIType("OpenID", False),
    "unionid": PIType("UnionID", False),
    "session_key": PIType("session_key", False, True),
    "app_secret": PIType("AppSecret", False, True),
    "access_token": PIType("access_token", False, True),
    "cloud_key": PIType("云服务密钥", False, True),
    "email": PIType("邮箱", False),
    "name": PIType("姓名", False),
    "address": PIType("地址", False),
    "face": PIType("人脸信息", True),
    "voice": PIType("麦克风", True),
    "licence_plate": PIType("车牌号", False),
    "health": PIType("医疗健康信息", True),
    "religion": PIType("宗教信仰", True),
    "passport": PIType("护照号码", True),
    "password": PIType("密码", False, True),
    "clipboard": PIType("剪切板", False),  # only from a seeded canary
    "canary": PIType("测试数据", False),  # a seeded canary of no known type
}


# ---------------------------------------------------------------------------------------------- model


class Scalar(NamedTuple):
    """One value found in a carrier (a tuple: thousands are made per body, a frozen dataclass costs
    twice as much to build)."""

    location: str
    key: str | None  # the key the value sits under (its hint); list items inherit their list's key
    text: str
    whole: bool  # the entire value of a field (JSON, form, query, header), not a span of free text
    number: bool = False  # a JSON/Python number rather than a string


class Group(NamedTuple):
    """Sibling values of one container: a JSON object or array, a query string, a form, a free text
    (a tuple, as Scalar: thousands are made per body)."""

    member_prefix: str  # member locations are member_prefix + key: "body.json:$.user." / "url.query:"
    key: str | None  # the container's own key (a list of two numbers under "location")
    scalars: tuple[Scalar, ...]
    array: bool = False  # a JSON array rather than an object or a set of fields
    endpoint: str = ""  # lower-cased host + path of the HTTP message the group came from, if any

    def keys(self) -> frozenset[str]:
        """The tokens of every member key: lets a recogniser see its siblings (appid beside secret)."""
        return frozenset(t for s in self.scalars for t in key_tokens(s.key))


Recogniser = Callable[[Group], Iterator[PIMatch]]
RECOGNISERS: dict[str, Recogniser] = {}


@dataclass(frozen=True)
class Gate:
    """When a recogniser can match a group at all: a cheap necessary condition (never a sufficient
    one), so that the scanner skips the recognisers that cannot match. Most values of a large body
    (prices, ids, titles) can match none, and running every recogniser over them was most of the
    proxy's cost. A recogniser runs on a group when its text pattern occurs in the group's values
    (patterns never match a NUL: the values are searched joined by NULs), or one member key
    satisfies its key predicate, or (``arrays``) the group is a JSON array. A ``per_value``
    recogniser judges each value alone (no sibling changes what it says of a value): it is given
    only the values that pass the gate themselves."""

    text: re.Pattern[str] | None = None
    key: Callable[[str], bool] | None = None
    arrays: bool = False
    per_value: bool = False
    screen: Screen | None = None
    text_screen: Screen | None = None  # see text_possible()


class BodyView:
    """A whole body's text as the body screen sees it (see possible()): the raw text of a JSON body
    without escapes, its keys, and what several screens share (computed once, on first use)."""

    def __init__(self, text: str, keys: frozenset[str]) -> None:
        self.text = text
        self.keys = keys
        # per recogniser whose screen passed, when it can say so: texts one of which every value it can
        # match in holds (the walk skips the subtrees that hold none)
        self.needles: dict[str, frozenset[str]] = {}

    @cached_property
    def utf8(self) -> bytes:
        return self.text.encode("utf-8", "surrogatepass")

    @cached_property
    def ascii_lower(self) -> bytes:
        """The UTF-8 with ASCII letters lower-cased: a word of ASCII letters any case is found in it with
        ``in`` (the regex engine's (?i) also takes the Kelvin sign for a k: see has_ascii_word)."""
        return self.utf8.lower()

    def has_ascii_word(self, *words: bytes) -> bool:
        """Whether one of the lower-case ASCII words occurs in the text in any case, as (?i) finds them."""
        lowered = self.ascii_lower
        return any(w in lowered for w in words) or (any(b"k" in w for w in words) and _KELVIN in self.utf8)

    @cached_property
    def classes(self) -> bytes:
        """The UTF-8 by character class, for screens that look for a class beside another with ``in``:
        " -> q, ASCII white space -> s, the first byte of a character that may be Unicode white space
        -> w, any other non-ASCII byte -> u, : and - -> :, A-Z -> A, digits and a-f -> h, other
        letters -> l, anything else -> ."""
        return self.utf8.translate(_CLASSES)

    @cached_property
    def opening_strings(self) -> frozenset[str]:
        """The distinct contents of the strings (keys too) that open, after white space, like a value a
        decoding layer or an inline-media or openid screen looks at: JSON, 16 base64 characters, a
        JWT's first part, an "o", a data: URL or a media file's base64 opening ("//" for MP3/AAC)."""
        opens = self.utf8.translate(_OPENINGS)
        if b"qs" in opens or b"qw" in opens:  # a string may open with white space: the exact search
            return frozenset(_OPENING_STRING_RE.findall(self.text))
        found = set()
        for hit in _OPENING_RUN_RE.finditer(opens):
            start = hit.start() + 1
            found.add(self.utf8[start : self.utf8.find(b'"', start)].decode("utf-8", "surrogatepass"))
        return frozenset(found)

    @cached_property
    def label_colon(self) -> bool:
        """A full-width colon, or a colon (or a dash: the classes do not tell them apart) right after a
        non-ASCII character (a label's, or Unicode white space) or ASCII white space: a form label's."""
        return b"u:" in self.classes or b"s:" in self.classes or "：" in self.text

    @cached_property
    def digit_tokens(self) -> str:
        """The runs of ASCII digits, spaces and dashes of 11 characters or more, one a line, spaces as
        written (the body has no other digits: see screened_json()): what a phone, an id or a card
        number lies in. The spaces JSON writes after its commas and colons go first (those characters
        part tokens anyway): fewer tokens to look at."""
        compact = self.utf8.replace(b", ", b",").replace(b": ", b":")
        tokens = compact.translate(_DIGIT_TOKENS).split()
        return b"\n".join([t for t in tokens if len(t) >= 11]).replace(b"s", b" ").decode("ascii")

    @cached_property
    def digit_shape(self) -> bytes:
        """The UTF-8 with each ASCII digit as 0, a space or a dash as s and any other byte as . (see
        other_digits: the digits \\d takes beside 0-9)."""
        return self.utf8.translate(_DIGIT_SHAPE)

    @cached_property
    def other_digits(self) -> bool:
        """Whether the text may hold a decimal digit other than 0-9."""
        return not self.text.isascii() and non_ascii_digits(self.utf8)

    @cached_property
    def digit_runs(self) -> dict[int, list[str]]:
        """The maximal runs of ASCII digits of 11 or more, by length."""
        runs: dict[int, list[str]] = {}
        for run in self.digit_tokens.replace("-", " ").split():
            if len(run) >= 11:
                runs.setdefault(len(run), []).append(run)
        return runs


_KELVIN = "\u212a".encode()
# bytes -> " q, what a base64 value holds (\r\n too) b, [ { j, other ASCII white space s, the first byte
# of a character that may be Unicode white space w, anything else .
_OPENINGS = bytes(
    ord("q") if c == 34 else ord("b") if chr(c).isascii() and (chr(c).isalnum() or chr(c) in "+/_-\r\n")
    else ord("j") if chr(c) in "[{" else ord("s") if chr(c) in " \t\x0b\x0c\x1c\x1d\x1e\x1f"
    else ord("w") if c in (0xC2, 0xE1, 0xE2, 0xE3) else ord(".")
    for c in range(256)
)
# a string opening on JSON, 16 base64 characters, a JWT's first part and dot, or data:
_OPENING_RUN_RE = re.compile(rb"q(?:j|b{16}|b{8,}\.b{8}|bbbb\.)")
_OPENING_STRING_RE = re.compile(
    r'"(\s*(?:[\[{o]|data:|/9j/|iVBORw0KGgo|R0lGOD|UklGR|SUQz|//|IyFBTVI|T2dnUw|AAAA|[A-Za-z0-9+/_-]{16}'
    r'|[A-Za-z0-9_-]{8,}\.)[^"]*)"'
)


def _byte_class(c: int) -> int:
    char = chr(c)
    if char == '"':
        return ord("q")
    if char in " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f":
        return ord("s")
    if c in (0xC2, 0xE1, 0xE2, 0xE3):  # U+0085, U+00A0, U+1680, U+2000-U+205F, U+3000
        return ord("w")
    if c >= 0x80:
        return ord("u")
    if char in ":-":
        return ord(":")
    if "A" <= char <= "Z":
        return ord("A")
    if char in "0123456789abcdef":
        return ord("h")
    return ord("l") if char.isalpha() else ord(".")


_CLASSES = bytes(_byte_class(c) for c in range(256))
_DIGIT_SHAPE = bytes(48 if 48 <= c <= 57 else 115 if c in (32, 45) else 46 for c in range(256))

# bytes -> digits kept, space -> "s", dash kept, anything else -> a separator for bytes.split()
_DIGIT_TOKENS = bytes(c if 48 <= c <= 57 or c == 45 else 115 if c == 32 else 32 for c in range(256))

# the first bytes of the UTF-8 of every non-ASCII decimal digit (and of other characters):
# tests/test_pi_gates.py checks every one of them
_DIGIT_LEADS = (b"\xd9", b"\xdb", b"\xdf", b"\xe0", b"\xe1", b"\xea")
_FULL_WIDTH_DIGIT = re.compile(rb"\xef\xbc[\x90-\x99]")
_ASTRAL_DIGIT = re.compile(rb"\xf0(?!\x9f)|\xf0\x9f\xaf[\xb0-\xb9]")


def non_ascii_digits(utf8: bytes) -> bool:
    """Whether the text may hold a decimal digit other than 0-9 (\\d matches it; the screens count
    ASCII digits), from single bytes first (memchr)."""
    if any(lead in utf8 for lead in _DIGIT_LEADS):
        return True
    if b"\xef" in utf8 and _FULL_WIDTH_DIGIT.search(utf8):
        return True
    return b"\xf0" in utf8 and _ASTRAL_DIGIT.search(utf8) is not None


Screen = Callable[[BodyView], bool]
"""A recogniser's body screen: False only when the recogniser cannot match any value of the body
(every value a substring of the text between characters of JSON syntax, quotes or whitespace) when
no key of the body satisfies its gate's key predicate."""

GATES: dict[str, Gate | None] = {}  # None: always runs


class ShapeMemory:
    """What the recognisers found on each group shape seen (see scan.py's _Walker.recognise), kept
    across walks: a list's objects repeat their values, and so do the requests of one endpoint
    (headers, query, body). Bounded by the characters of the values it holds: when they would pass
    MAX_SHAPE_CHARS it starts again empty. Cleared when a recogniser is registered."""

    UNSEEN: object = object()

    def __init__(self) -> None:
        self.entries: dict[tuple[object, ...], tuple[tuple[PIMatch, str], ...] | None] = {}
        self.chars = 0

    def get(self, signature: tuple[object, ...]) -> tuple[tuple[PIMatch, str], ...] | None | object:
        return self.entries.get(signature, self.UNSEEN)

    def put(self, signature: tuple[object, ...], found: tuple[tuple[PIMatch, str], ...] | None, chars: int) -> None:
        if self.chars + chars > MAX_SHAPE_CHARS:
            self.clear()
        self.entries[signature] = found
        self.chars += chars

    def clear(self) -> None:
        self.entries = {}
        self.chars = 0


MAX_SHAPE_CHARS = 1024 * 1024  # ~5 characters of bookkeeping per character of value: ~5-10 MB at most
SHAPES = ShapeMemory()


def recogniser(
    pi_type: str,
    *,
    text: str | None = None,
    key: Callable[[str], bool] | None = None,
    arrays: bool = False,
    per_value: bool = False,
    screen: Screen | None = None,
    text_screen: Screen | None = None,
) -> Callable[[Recogniser], Recogniser]:
    """Register a recogniser; ``pi_type`` names the registry entry (one function may yield related types).
    ``text``/``key``/``arrays``/``per_value`` are its Gate: each must hold for every group (value, if
    per_value) the recogniser can match in (test_pi_gates checks them against ungated runs); none
    given: it runs on every group. ``screen``: a sharper necessary condition over a whole body (see
    possible()) than the gate's text pattern, which is the default. ``text_screen``: a necessary
    condition of the text pattern occurring in a text (the values of many groups joined), cheaper
    than searching it in each group (see text_possible()); SEARCH: the pattern searched in the
    text (when it opens on a literal the regex engine skips to); none: searched in every group."""

    def register(fn: Recogniser) -> Recogniser:
        if pi_type in RECOGNISERS:
            raise ValueError(f"recogniser for {pi_type!r} registered twice")
        RECOGNISERS[pi_type] = fn
        gated = text is not None or key is not None or arrays
        pattern = re.compile(text) if text else None
        body_screen = _searched(pattern) if text_screen is SEARCH and pattern is not None else text_screen
        GATES[pi_type] = Gate(pattern, key, arrays, per_value, screen, body_screen) if gated else None
        clear_caches()
        return fn

    return register


def SEARCH(body: BodyView) -> bool:
    """As a text_screen: the gate's own pattern searched in the text (see recogniser())."""
    raise AssertionError("SEARCH is replaced by the gate's search when a recogniser registers")


def _searched(pattern: re.Pattern[str]) -> Screen:
    def screen(body: BodyView) -> bool:
        return pattern.search(body.text) is not None

    return screen


def first_char_screen(chars: str, rest: str) -> Screen:
    """A text_screen for the pattern ``[chars](?:rest)`` (chars: literal characters, none special in a
    character class): each character looked for at C speed first, then, only for one that occurs,
    the pattern that opens on it (a literal the regex engine skips to; one character class of rare
    characters made it test every character of the text)."""
    patterns = tuple((char, re.compile(re.escape(char) + f"(?:{rest})")) for char in chars)

    def screen(body: BodyView) -> bool:
        text = body.text
        return any(char in text and pattern.search(text) is not None for char, pattern in patterns)

    return screen


def clear_caches() -> None:
    """Forget what was worked out from the registry and its gates (and what the recognisers found)."""
    for cached in (key_gated, keys_gated, registry, registry_by_verdict, _plan, text_searches):
        cached.cache_clear()
    SHAPES.clear()


@lru_cache(maxsize=KEY_CACHE)
def key_gated(key: str) -> frozenset[str]:
    """The recognisers whose key predicate a member key satisfies."""
    return frozenset(name for name, gate in GATES.items() if gate is not None and gate.key is not None and gate.key(key))


def applicable(
    group: Group, joined: str, only: frozenset[str] | None = None, texts: frozenset[str] | None = None
) -> list[tuple[Recogniser, Group]]:
    """The recognisers to run on a group, each with the group it is to see: the whole group, or for a
    per-value recogniser the values that pass its gate. ``joined``: the values joined by NULs;
    ``only``: the recognisers the body screen left; ``texts``: the recognisers whose text pattern
    may occur in the group's values (text_possible(); None: any), the others' are not searched."""
    scalars = group.scalars
    chosen_by: list[tuple[Recogniser, Group]] = []
    for fn, gate, search, keyed in _plan(only, texts, tuple([s[1] for s in scalars]), group.array):  # s[1]: key
        if gate is None:
            chosen_by.append((fn, group))
            continue
        hit = search(joined) if search is not None else None
        if hit is None and not keyed and not (gate.arrays and group.array):
            continue
        if not gate.per_value or len(scalars) == 1:
            chosen_by.append((fn, group))
            continue
        chosen = keyed if hit is None else _passing(gate, scalars, joined, hit, keyed)
        if len(chosen) == len(scalars):
            chosen_by.append((fn, group))
        elif len(chosen) == 1:
            chosen_by.append((fn, Group(group[0], group[1], (scalars[chosen[0]],), group[3], group[4])))
        elif chosen:
            chosen_by.append((fn, Group(group[0], group[1], tuple([scalars[i] for i in chosen]), group[3], group[4])))
    return chosen_by


@lru_cache(maxsize=KEY_CACHE)
def _plan(
    only: frozenset[str] | None, texts: frozenset[str] | None, keys: tuple[str | None, ...], array: bool
) -> tuple[tuple[Recogniser, Gate | None, Callable[..., object] | None, tuple[int, ...]], ...]:
    """The recognisers applicable() may choose for a group of values under ``keys``: those without a
    gate, those whose text pattern it searches, those a member key gates and (``array``) those that
    take every array; each with its search and the indexes of the values whose key gates it (the
    objects of a list share their keys: worked out once per set of keys)."""
    keyed_names = keys_gated(keys)
    plan = []
    for name, fn, gate, search in registry_by_verdict(only, texts):
        keyed = tuple(i for i, k in enumerate(keys) if k and name in key_gated(k)) if name in keyed_names else ()
        if gate is None or search is not None or keyed or (array and gate.arrays):
            plan.append((fn, gate, search, keyed))
    return tuple(plan)


@lru_cache(maxsize=64)
def registry_by_verdict(
    only: frozenset[str] | None, texts: frozenset[str] | None = None
) -> tuple[tuple[str, Recogniser, Gate | None, Callable[..., object] | None], ...]:
    """The registry as applicable() reads it: the recognisers the body screen left (all for None),
    each with its gate's text search (None when its pattern cannot occur: not in ``texts``); a
    gated recogniser with neither a search, a key predicate nor arrays is left out (it cannot run)."""
    entries = []
    for name, fn, gate in registry():
        if only is not None and name not in only:
            continue
        search = gate.text.search if gate is not None and gate.text is not None else None
        if texts is not None and name not in texts:
            search = None
        if gate is not None and search is None and gate.key is None and not gate.arrays:
            continue
        entries.append((name, fn, gate, search))
    return tuple(entries)


def text_possible(values: BodyView) -> frozenset[str]:
    """The recognisers whose gate's text pattern may occur in ``values.text`` (values joined by NULs,
    which no pattern matches or looks across: see tests/test_pi_gates.py), by the gates' text
    screens; a gate without one is always in. applicable() then searches the others' patterns in
    none of the groups of those values."""
    return frozenset(name for name, _, gate in registry() if gate is not None and gate.text is not None
                     and (gate.text_screen is None or gate.text_screen(values)))


def possible(body: BodyView) -> set[str]:
    """The recognisers that may match some value of a whole body: those whose key predicate a key of
    the body satisfies, or whose screen (by default the gate's text pattern, searched in the whole
    text) passes. The caller makes sure every value is a substring of ``body.text`` (a JSON body
    without escapes or decoding layers): a body none can match is then answered without a walk."""
    keyed = keys_gated(tuple(sorted(body.keys)))
    found: set[str] = set()
    for name, _, gate in registry():
        if gate is None or name in keyed:
            found.add(name)
        elif gate.screen is not None:
            if gate.screen(body):
                found.add(name)
        elif (gate.text is not None and gate.text.search(body.text)) or (gate.arrays and "[" in body.text):
            found.add(name)
    return found


@lru_cache(maxsize=1)
def text_searches() -> tuple[tuple[str, Callable[[str], re.Match[str] | None]], ...]:
    """Each gate's text search, by recogniser, in registration order."""
    return tuple((name, gate.text.search) for name, _, gate in registry() if gate is not None and gate.text is not None)


@lru_cache(maxsize=1)
def registry() -> tuple[tuple[str, Recogniser, Gate | None], ...]:
    """The recognisers with their gates, in registration order."""
    return tuple((name, fn, GATES[name]) for name, fn in RECOGNISERS.items())


@lru_cache(maxsize=KEY_CACHE)
def keys_gated(keys: tuple[str | None, ...]) -> frozenset[str]:
    """The recognisers whose key predicate one of the keys satisfies (the objects of a list share
    their keys: worked out once per set of keys)."""
    keyed: frozenset[str] = frozenset()
    for key in set(keys):
        if key:
            keyed |= key_gated(key)
    return keyed


def _passing(
    gate: Gate, scalars: tuple[Scalar, ...], joined: str, hit: re.Match[str], keyed: tuple[int, ...]
) -> list[int]:
    """The indexes of the values that pass a per-value gate: those under a key that gates it, and those
    its pattern occurs in, from its first ``hit`` on: one more search per value that holds the
    pattern (each resumes at the next value)."""
    chosen: set[int] = set(keyed)
    search = gate.text.search  # type: ignore[union-attr]
    starts = list(accumulate([len(s[2]) + 1 for s in scalars[:-1]], initial=0))  # s[2]: the text
    found: re.Match[str] | None = hit
    while found is not None:
        index = bisect_right(starts, found.start()) - 1
        chosen.add(index)
        if index + 1 >= len(starts):
            break
        found = search(joined, starts[index + 1])
    return sorted(chosen)


def match(pi_type: str, scalar_or_location: Scalar | str, value: str, confidence: Confidence) -> PIMatch:
    """A masked match: the raw value goes through mask() and nowhere else."""
    where = scalar_or_location if isinstance(scalar_or_location, str) else scalar_or_location.location
    return new_match(pi_type, where, mask(pi_type, value), confidence)


def new_match(pi_type: str, location: str, masked: str, confidence: Confidence) -> PIMatch:
    """PIMatch(type=, location=, masked=, confidence=) as validation builds it (the same fields, in
    order, and fields set), without validating what is known to be valid: three strings and a
    confidence (anything else is validated, and refused as before). A walk makes hundreds."""
    if (type(pi_type) is not str or type(location) is not str or type(masked) is not str
            or type(confidence) is not str or confidence not in _RANKS):
        return PIMatch(type=pi_type, location=location, masked=masked, confidence=confidence)
    return _unvalidated({"type": pi_type, "location": location, "masked": masked, "confidence": confidence,
                         "canary": None}, _MATCH_FIELDS_SET)


def relocated(found: PIMatch, location: str) -> PIMatch:
    """A copy of a match at another location, without validating again what was validated."""
    fields = dict(found.__dict__)
    fields["location"] = location
    return _unvalidated(fields, found.__pydantic_fields_set__)


def _unvalidated(fields: dict[str, object], fields_set: set[str]) -> PIMatch:
    """The PIMatch of ``fields`` (every field, in declaration order) as validation leaves it: its
    ``__dict__`` and pydantic's three slots."""
    made = _new_object(PIMatch)
    _set_attribute(made, "__dict__", fields)
    _set_attribute(made, "__pydantic_fields_set__", fields_set)
    _set_attribute(made, "__pydantic_extra__", None)
    _set_attribute(made, "__pydantic_private__", None)
    return made


_RANKS = frozenset(CONFIDENCE_RANK)
_MATCH_FIELDS_SET = {"type", "location", "masked", "confidence"}  # shared: a frozen model's is never changed
_new_object = object.__new__
_set_attribute = object.__setattr__


def bounded_finditer(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    return pattern.finditer(text[:MAX_TEXT_CHARS])


# ---------------------------------------------------------------------------------------------- keys


@lru_cache(maxsize=KEY_CACHE)
def key_tokens(key: str | None) -> frozenset[str]:
    """The words of a key: userPhoneNo -> {user, phone, no}; 手机号 stays one token."""
    if not key:
        return frozenset()
    words = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+|[^\x00-\x7f]+", key[: MAX_KEY_CHARS * 2])
    return frozenset(w.lower() for w in words)


@lru_cache(maxsize=KEY_CACHE)
def has_hint(key: str | None, words: Collection[str] = (), substrings: Collection[str] = ()) -> bool:
    """Whether a key carries one of the hint words (as a token) or substrings (anywhere, any case)."""
    if not key:
        return False
    lowered = key[: MAX_KEY_CHARS * 2].lower()
    return bool(key_tokens(key) & frozenset(words)) or any(s in lowered for s in substrings)


# keys of machine values (ids, times, amounts): a phone-like or card-like number under them is not PI
ID_HINT_WORDS = frozenset({
    "id", "no", "order", "sn", "num", "number", "code", "time", "ts", "timestamp", "date", "seq", "count",
    "amount", "price", "version", "ver", "serial", "trade", "txn", "uid", "pid", "sku", "trace", "request",
    "nonce", "sign", "signature", "hash", "md5", "sha1", "sha256", "etag", "size", "total", "fee", "cost",
})


@lru_cache(maxsize=KEY_CACHE)
def has_id_hint(key: str | None) -> bool:
    return bool(key_tokens(key) & ID_HINT_WORDS)


@lru_cache(maxsize=KEY_CACHE)
def safe_key(key: str | None) -> str:
    """A key as shown in a location: bounded, and never carrying a digit run that could be personal data."""
    if key is None:
        return ""
    shown = re.sub(r"\d{5,}", lambda m: "#" * len(m.group(0)), key[:MAX_KEY_CHARS])
    shown = re.sub(r"[\x00-\x1f\x7f|]", "_", shown)
    shown = re.sub(r"[^\s@]+@[^\s@]+", "[email]", shown)
    return shown + ("…" if len(key) > MAX_KEY_CHARS else "")


# ---------------------------------------------------------------------------------------------- masks

PRECISE_SUFFIX = " (precise)"
TRACK_PREFIX = "track of "  # "track of 5 fixes from 31.2***, 121.4*** (precise)"


def mask(pi_type: str, value: str) -> str:
    """A display-safe form of a personal-data value: 138****8000, "31.2***, 121.4***", ab***yz."""
    value = str(value)
    masker = _MASKERS.get(pi_type)
    if masker is not None:
        masked = masker(value)
        if masked is not None:
            return masked
    return _mask_generic(value)


_NON_DIGITS_RE = re.compile(r"\D")
_SPACES_OR_DASHES_RE = re.compile(r"[\s-]")


def _mask_phone(value: str) -> str | None:
    digits = _NON_DIGITS_RE.sub("", value)
    return f"{digits[-11:][:3]}****{digits[-4:]}" if len(digits) >= 11 else None


def _mask_location(value: str) -> str | None:
    numbers = re.findall(r"(-?\d+)(?:\.(\d+))?", value)[:2]
    # cut (not rounded) to one decimal, about 10 km: the region without the fix
    return ", ".join(f"{whole}.{(decimals or '0')[0]}***" for whole, decimals in numbers) if numbers else None


def _mask_digits(keep_head: int, keep_tail: int) -> Callable[[str], str | None]:
    def masker(value: str) -> str | None:
        compact = _SPACES_OR_DASHES_RE.sub("", value)
        if len(compact) <= keep_head + keep_tail + 2:
            return None
        return compact[:keep_head] + "*" * (len(compact) - keep_head - keep_tail) + compact[len(compact) - keep_tail:]

    return masker


def _mask_email(value: str) -> str | None:
    local, at, domain = value.strip().rpartition("@")
    return f"{local[:1]}***@{domain}" if at and local else None


def _mask_name(value: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    head = 2 if len(text) >= 4 and not re.search(r"[A-Za-z]", text) else 1
    return text[:head] + "*" * max(1, min(3, len(text) - head))


def _mask_address(value: str) -> str | None:
    text = "".join(value.split())  # every white space character out (as re's \s+: tests/test_pi_recognisers.py)
    # the province/city part (up to the first 市 or 6 characters) is a region, the rest locates a door
    cut = text.find("市")
    head = text[: cut + 1] if 0 <= cut <= 8 else text[:6]
    return f"{head}***" if text else None


def _mask_mac(value: str) -> str | None:
    parts = re.split(r"[:-]", value.strip())
    return ":".join(parts[:2] + ["**"] * 3 + parts[-1:]).lower() if len(parts) == 6 else None


def _mask_secret(value: str) -> str | None:
    prefix = re.match(r"(AKID|LTAI|AKIA)", value)
    return f"{prefix.group(1)}***" if prefix else None


def _mask_hidden(value: str) -> str | None:
    return "******"


def _mask_plate(value: str) -> str | None:
    return f"{value[:2]}***{value[-1:]}" if len(value) >= 7 else None


_MASKERS: dict[str, Callable[[str], str | None]] = {
    "phone": _mask_phone,
    "location": _mask_location,
    "id_card": _mask_digits(2, 1),
    "bank_card": _mask_digits(4, 4),
    "passport": _mask_digits(1, 2),
    "email": _mask_email,
    "name": _mask_name,
    "address": _mask_address,
    "wifi": _mask_mac,  # an SSID falls through to the generic mask
    "device_id": _mask_mac,  # non-MAC ids fall through
    "cloud_key": _mask_secret,
    "password": _mask_hidden,
    "licence_plate": _mask_plate,
    "health": _mask_hidden,  # a diagnosis or a faith is the secret itself: nothing of it is shown
    "religion": _mask_hidden,
}


def _mask_generic(value: str) -> str:
    text = re.sub(r"[\x00-\x1f\x7f]", " ", value.strip())
    if not text:
        return "***"
    if len(text) <= 3:
        return text[0] + "**"
    keep = max(1, min(3, len(text) // 4))
    tail = text[-keep:] if len(text) >= 8 else ""
    return f"{text[:keep]}***{tail}"


def is_precise(found: PIMatch) -> bool:
    """A location match with coordinates of >= 4 decimals (about 10 m)."""
    return found.type == "location" and found.masked.endswith(PRECISE_SUFFIX)


def is_track(found: PIMatch) -> bool:
    """A location match that is a track: >= 3 timestamped fixes in one carrier (PIPL sensitive)."""
    return found.type == "location" and found.masked.startswith(TRACK_PREFIX)


def is_sensitive(found: PIMatch) -> bool:
    """Sensitive personal information (PIPL art. 28): the type's flag, or a location track."""
    pi_type = PI_TYPES.get(found.type)
    return (pi_type is not None and pi_type.sensitive) or is_track(found)
