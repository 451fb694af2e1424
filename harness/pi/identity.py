"""Identity documents and cards (RECOGNISERS.md 2, 3, 11): resident ids, bank cards, passports,
licence plates."""

from __future__ import annotations

import re
from collections.abc import Iterator

from harness.pi.checks import RESIDENT_ID_RE, card_issuer_known, luhn_valid, resident_id
from harness.pi.core import (
    BodyView,
    Group,
    Scalar,
    bounded_finditer,
    first_char_screen,
    has_hint,
    has_id_hint,
    match,
    recogniser,
)
from harness.timeline import Confidence, PIMatch

# ---------------------------------------------------------------------------------------------- resident id

_ID_HINT_WORDS = ("idcard", "idno", "idnum", "identity", "certno", "certid", "cert", "resident", "sfz", "sfzh")
_ID_HINT_SUBSTRINGS = ("idcard", "id_card", "id_no", "idno", "identity", "cert", "身份证", "证件")


def has_id_card_hint(key: str | None) -> bool:
    return has_hint(key, _ID_HINT_WORDS, _ID_HINT_SUBSTRINGS)


def _id_card_screen(body: BodyView) -> bool:
    """A resident id is a whole run of 18 digits, or of 17 and an X."""
    needles = frozenset(body.digit_runs.get(17, []) + body.digit_runs.get(18, []))
    if needles:
        body.needles["id_card"] = needles
    return bool(needles)


# the gate's pattern from its century, a literal the regex engine skips to (it tested every character
# for a digit from the area code on)
_CENTURIES = (re.compile(r"1[89](?<=[1-9]\d{5}1[89])"), re.compile(r"20(?<=[1-9]\d{5}20)"))


def _id_card_text_screen(body: BodyView) -> bool:
    return any(century.search(body.text) is not None for century in _CENTURIES)


# the area code and the century of the birth year
@recogniser("id_card", text=r"[1-9]\d{5}(?:18|19|20)", per_value=True, screen=_id_card_screen,
            text_screen=_id_card_text_screen)
def recognise_id_card(group: Group) -> Iterator[PIMatch]:
    """GB 11643 numbers with a valid province, a real past birthdate and the check character: that
    validated structure is high confidence; under an order/serial key it is medium."""
    for scalar in group.scalars:
        for hit in bounded_finditer(RESIDENT_ID_RE, scalar.text):
            if resident_id(hit.group(1)) is None:
                continue
            hinted = has_id_card_hint(scalar.key)
            confidence: Confidence = "medium" if has_id_hint(scalar.key) and not hinted else "high"
            yield match("id_card", scalar, hit.group(1), confidence)


# ---------------------------------------------------------------------------------------------- bank card

_CARD_RE = re.compile(r"(?<![\d-])(\d{4}(?:[ -]?\d{4}){2,3}(?:[ -]?\d{1,3})?)(?![\d-])")
_CARD_HINT_WORDS = ("card", "bank", "acct", "account", "pan", "cardno", "bankcard", "银行卡", "卡号")
_CARD_HINT_SUBSTRINGS = ("card", "bank", "卡号", "银行")


def has_card_hint(key: str | None) -> bool:
    return has_hint(key, _CARD_HINT_WORDS, _CARD_HINT_SUBSTRINGS) and not has_id_card_hint(key)


_CARD_NEARBY = re.compile(r"(?i)(card|bank|卡号|银行卡)\W{0,3}\S{0,6}$")


# the first two digits of a number card_issuer_known() may accept (62, 4x, 34/37, 35, 51-55, 22-27)
_ISSUER_HEADS = frozenset({"62", "34", "35", "37", "51", "52", "53", "54", "55", "22", "23", "24", "25", "26", "27"}
                          | {f"4{d}" for d in range(10)})


def _card_screen(body: BodyView) -> bool:
    """A number the recogniser keeps: 13-19 digits passing Luhn, not a resident id, of a known issuer
    unless a key or a word nearby says card (a product list's ids and timestamps are none)."""
    if not body.digit_tokens:
        return False
    hinted = (any(has_card_hint(k) for k in body.keys) or body.has_ascii_word(b"card", b"bank")
              or "卡号" in body.text or "银行卡" in body.text)
    # a hit of _CARD_RE starts where a part of digits and dashes starts (it looks behind for both)
    if not hinted and not any(part[:2] in _ISSUER_HEADS for part in body.digit_tokens.split()):
        return False
    for hit in _CARD_RE.finditer(body.digit_tokens):  # one token a line: a line break parts them as a quote would
        digits = hit.group(1).replace(" ", "").replace("-", "")
        if (13 <= len(digits) <= 19 and (hinted or card_issuer_known(digits)) and luhn_valid(digits)
                and not resident_id(digits)):
            return True
    return False


def _card_text_screen(body: BodyView) -> bool:
    """Eight digits with a space or a dash after the fourth or none: in the text's digit shape, unless
    it may hold other decimal digits than 0-9 (then the gate's pattern itself)."""
    if body.other_digits:
        return _CARD_GATE.search(body.text) is not None
    shape = body.digit_shape
    return b"0000" in shape and (b"00000000" in shape or b"0000s0000" in shape)


_CARD_GATE = re.compile(r"\d(?<!\d\d)\d{3}[ -]?\d{4}")


# (?<!\d)\d{4}[ -]?\d{4}, opening on its digit so that the regex engine skips to the digits
@recogniser("bank_card", text=_CARD_GATE.pattern, per_value=True, screen=_card_screen, text_screen=_card_text_screen)
def recognise_bank_card(group: Group) -> Iterator[PIMatch]:
    """13-19 digits passing Luhn AND (a known issuer range or a card key hint): about one random
    number in ten passes Luhn, so Luhn alone is never enough. Hint: high; issuer only: medium in a
    whole value, low in free text; under an order/serial key: nothing."""
    for scalar in group.scalars:
        if scalar.number and "." in scalar.text:
            continue
        for hit in bounded_finditer(_CARD_RE, scalar.text):
            digits = re.sub(r"\D", "", hit.group(1))
            if not 13 <= len(digits) <= 19 or not luhn_valid(digits) or resident_id(digits):
                continue
            confidence = _card_confidence(scalar, hit, digits)
            if confidence is not None:
                yield match("bank_card", scalar, digits, confidence)


def _card_confidence(scalar: Scalar, hit: re.Match[str], digits: str) -> Confidence | None:
    hinted = has_card_hint(scalar.key) or bool(_CARD_NEARBY.search(scalar.text[max(0, hit.start() - 16):hit.start()]))
    issuer = card_issuer_known(digits)
    if not hinted and not issuer:
        return None
    if hinted:
        return "high"
    if has_id_hint(scalar.key):
        return None  # an order or serial number that happens to pass Luhn
    return "medium" if scalar.whole and scalar.text.strip() == hit.group(0) else "low"


# ---------------------------------------------------------------------------------------------- passport

_PASSPORT_HINT_WORDS = ("passport", "passportno", "护照", "护照号")
_PASSPORT_RE = re.compile(r"(?<![0-9A-Za-z])([EGDSPHKM][A-Z]?\d{7,8}|[A-Z]{1,2}\d{6,9})(?![0-9A-Za-z])")


def _passport_key(key: str) -> bool:
    return has_hint(key, _PASSPORT_HINT_WORDS, ("passport", "护照"))


def _passport_screen(body: BodyView) -> bool:
    return body.has_ascii_word(b"passport") or "护照" in body.text


# the document type beside a number is matched by lower(): ASCII case only
_PASSPORT_FIRST, _PASSPORT_REST = "Pp护", "[Aa][Ss][Ss][Pp][Oo][Rr][Tt]|照"


@recogniser("passport", text=f"[{_PASSPORT_FIRST}](?:{_PASSPORT_REST})", key=_passport_key, screen=_passport_screen,
            text_screen=first_char_screen(_PASSPORT_FIRST, _PASSPORT_REST))
def recognise_passport(group: Group) -> Iterator[PIMatch]:
    """Passport numbers, only under a passport key hint or beside a "passport" document type (alone
    they are any short code)."""
    # {"certType": "PASSPORT", "certNo": "E12345678"}: the sibling names the document
    passport_group = any(s.text.strip().lower() in ("passport", "护照") for s in group.scalars)
    for scalar in group.scalars:
        document_number = passport_group and has_hint(scalar.key, ("no", "num", "number", "cert"), ("cert", "证件"))
        if not document_number and not _passport_key(scalar.key or ""):
            continue
        for hit in bounded_finditer(_PASSPORT_RE, scalar.text.upper()):
            yield match("passport", scalar, hit.group(1), "high")


# ---------------------------------------------------------------------------------------------- licence plate

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_HEAD = rf"[{_PROVINCES}][A-HJ-NP-Z]"
_PLATE_RE = re.compile(
    rf"(?<![A-Za-z0-9])({_PLATE_HEAD}·?[A-HJ-NP-Z0-9]{{4,5}}[A-HJ-NP-Z0-9挂学警港澳])(?![A-Za-z0-9])"
)
_PLATE_HINTS = ("plate", "carno", "car_no", "licen", "vehicle", "车牌")


def _plate_screen(body: BodyView) -> bool:
    """A province character (non-ASCII) right before a capital letter, then the gate itself."""
    return b"uA" in body.classes and _PLATE_HEAD_RE.search(body.text) is not None


_PLATE_HEAD_RE = re.compile(_PLATE_HEAD)


@recogniser("licence_plate", text=_PLATE_HEAD, per_value=True, screen=_plate_screen,
            text_screen=first_char_screen(_PROVINCES, "[A-HJ-NP-Z]"))
def recognise_licence_plate(group: Group) -> Iterator[PIMatch]:
    """Mainland plates: a province character, an issuing letter and 5-6 characters (no I or O).
    The form is distinctive; a whole value or a key hint is high, a span of free text medium."""
    for scalar in group.scalars:
        for hit in bounded_finditer(_PLATE_RE, scalar.text):
            plate = hit.group(1).replace("·", "")
            whole = scalar.whole and scalar.text.strip() == hit.group(0)
            confidence: Confidence = "high" if whole or has_hint(scalar.key, (), _PLATE_HINTS) else "medium"
            yield match("licence_plate", scalar, plate, confidence)
