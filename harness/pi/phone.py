"""Mainland mobile numbers (RECOGNISERS.md 1)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from harness.pi.core import (
    SEARCH,
    BodyView,
    Group,
    Scalar,
    has_hint,
    has_id_hint,
    mask,
    new_match,
    recogniser,
)
from harness.timeline import Confidence, PIMatch

_PHONE_CORE = (
    r"1(?:3\d{3}|4[57]\d{2}|5[^4\D]\d{2}|8\d{3}|7(?:[0-35-9]\d{2}|4(?:0\d|1[0-2]|9\d))"
    r"|9[0-35-9]\d{2}|6[2567]\d{2}|4[579]\d{2})\d{6}"
)
PHONE_RE = re.compile(rf"(?<!\d)(?:(?:\+|00)?86[\s-]?)?({_PHONE_CORE})(?!\d)")
_HINT_WORDS = ("phone", "mobile", "tel", "telephone", "cellphone", "cell", "mob", "msisdn")
_HINT_SUBSTRINGS = ("phone", "mobile", "手机", "电话")
_HINT_NEARBY = re.compile(r"(?i)(phone|mobile|tel|手机|电话|联系方式)\W{0,3}\S{0,6}$")


def has_phone_hint(key: str | None) -> bool:
    return has_hint(key, _HINT_WORDS, _HINT_SUBSTRINGS)


def _phone_screen(body: BodyView) -> bool:
    """A PHONE_RE match is a whole run of digits: 1 and ten digits, or 86 / 0086 before them."""
    runs = body.digit_runs
    needles = frozenset([run for run in runs.get(11, ()) if run[0] == "1"]
                        + [run for run in runs.get(13, ()) if run.startswith("861")]
                        + [run for run in runs.get(15, ()) if run.startswith("00861")])
    if needles:
        body.needles["phone"] = needles
    return bool(needles)


# the number itself is a 1 and ten more digits (a literal first: the regex engine skips to it)
@recogniser("phone", text=r"1\d{10}", per_value=True, screen=_phone_screen, text_screen=SEARCH)
def recognise_phone(group: Group) -> Iterator[PIMatch]:
    """Mainland mobile numbers, with optional +86, never inside a longer digit run. In free text a key
    hint nearby is needed for high confidence: 13-digit ms timestamps and order ids collide."""
    for scalar in group.scalars:
        if "." in scalar.text and scalar.number:
            continue  # a float is never a phone number
        for hit in PHONE_RE.finditer(scalar.text):
            if _inside_a_word(scalar.text, hit):
                continue
            yield new_match("phone", scalar.location, mask("phone", hit.group(1)), _confidence(scalar, hit))


def _inside_a_word(text: str, hit: re.Match[str]) -> bool:
    """wx17303431589c43b2, a1380013800b: digits between letters belong to a token, not a phone."""
    before = text[hit.start() - 1 : hit.start()]
    after = text[hit.end() : hit.end() + 1]
    return before.isascii() and before.isalpha() and after.isascii() and after.isalpha()


def _confidence(scalar: Scalar, hit: re.Match[str]) -> Confidence:
    if has_phone_hint(scalar.key):
        return "high"
    if scalar.whole and scalar.text.strip() == hit.group(0):
        return "low" if has_id_hint(scalar.key) else "high"
    before = scalar.text[max(0, hit.start() - 16) : hit.start()]
    return "high" if _HINT_NEARBY.search(before) else "low"
