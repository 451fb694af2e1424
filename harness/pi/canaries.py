"""Canary matching: values the scenario seeded (test phone, synthetic id, name, address, card, the
device's ids) found as written in any case, URL-encoded, base64, or as MD5/SHA-1/SHA-256 digests
(hex or base64) of the value, its lower-case or its upper-case form. A canary match is always high:
the value is known to be the user's."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, quote_plus

from harness.pi.checks import card_issuer_known, luhn_valid, resident_id
from harness.pi.contact import EMAIL_RE
from harness.pi.core import MIN_CANARY_LEN, Group, key_tokens, mask
from harness.pi.phone import PHONE_RE
from harness.timeline import PIMatch


@dataclass(frozen=True)
class CanaryForm:
    name: str
    needle: str  # lower-cased
    encoding: str | None  # None for the value as written (any case, URL-encoded); md5, sha1, ...
    pi_type: str
    masked: str


_CANARY_TYPE_WORDS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"phone", "mobile", "tel", "phonenumber"}), "phone"),
    (frozenset({"bssid", "ssid", "wifi"}), "wifi"),
    (frozenset({"lat", "lng", "latitude", "longitude", "location"}), "location"),
    (frozenset({"imei", "imsi", "iccid", "oaid", "androidid", "android", "mac", "serial", "deviceids",
                "idfa"}), "device_id"),
    (frozenset({"model", "brand", "system"}), "device_info"),
    (frozenset({"clipboard"}), "clipboard"),
    (frozenset({"idcard", "resident", "identity"}), "id_card"),
    (frozenset({"bank", "bankcard", "card"}), "bank_card"),
    (frozenset({"passport"}), "passport"),
    (frozenset({"plate", "licenceplate", "licenseplate"}), "licence_plate"),
    (frozenset({"email", "mail"}), "email"),
    (frozenset({"address", "addr"}), "address"),
    (frozenset({"name", "realname", "nickname"}), "name"),
    (frozenset({"unionid"}), "unionid"),
    (frozenset({"openid"}), "openid"),
    (frozenset({"password", "pwd"}), "password"),
)


def canary_type(name: str, value: str) -> str:
    """The personal-data type of a seeded canary, from its value first and its name second."""
    text = value.strip()
    if PHONE_RE.fullmatch(text):
        return "phone"
    if resident_id(text):
        return "id_card"
    device_named = bool(key_tokens(name) & {"imei", "iccid", "imsi"})
    if text.isdigit() and 13 <= len(text) <= 19 and luhn_valid(text) and card_issuer_known(text) and not device_named:
        return "bank_card"
    if EMAIL_RE.fullmatch(text):
        return "email"
    tokens = {t for part in re.split(r"[.\-_/]", name) for t in key_tokens(part)} | {name.lower()}
    for words, pi_type in _CANARY_TYPE_WORDS:
        if tokens & words:
            return pi_type
    return "canary"


@lru_cache(maxsize=64)
def canary_forms(canaries: tuple[tuple[str, str], ...]) -> tuple[CanaryForm, ...]:
    forms: list[CanaryForm] = []
    for name, raw in canaries:
        value = raw.strip()
        if len(value.encode("utf-8")) < MIN_CANARY_LEN:  # bytes: a two-character Han name is long enough
            continue
        pi_type = canary_type(name, value)
        masked = mask(pi_type, value)
        plain = {value.lower(), quote(value, safe="").lower(), quote_plus(value).lower()}
        forms.extend(CanaryForm(name, needle, None, pi_type, masked) for needle in plain)
        data = value.encode("utf-8")
        for blob in (base64.b64encode(data), base64.urlsafe_b64encode(data)):
            forms.append(CanaryForm(name, blob.decode().rstrip("=").lower(), "base64", pi_type,
                                    f"base64({masked})"))
        for variant in dict.fromkeys((value, value.lower(), value.upper())):
            for encoding in ("md5", "sha1", "sha256"):
                digest = hashlib.new(encoding, variant.encode("utf-8")).digest()
                needles = {digest.hex(), base64.b64encode(digest).decode().rstrip("="),
                           base64.urlsafe_b64encode(digest).decode().rstrip("=")}
                forms.extend(CanaryForm(name, n.lower(), encoding, pi_type, f"{encoding}({masked})") for n in needles)
    return tuple(forms)


def prepare_canaries(canaries: Mapping[str, str] | None) -> tuple[CanaryForm, ...]:
    if not canaries:
        return ()
    items = tuple(sorted((str(k), str(v)) for k, v in canaries.items() if isinstance(v, (str, int))))
    return canary_forms(items)


def canary_matches(group: Group, forms: tuple[CanaryForm, ...]) -> Iterator[PIMatch]:
    for scalar in group.scalars:
        haystack = scalar.text.lower()
        seen: set[tuple[str, str | None]] = set()
        for form in forms:
            if (form.name, form.encoding) in seen or form.needle not in haystack:
                continue
            seen.add((form.name, form.encoding))
            yield PIMatch(type=form.pi_type, location=scalar.location, masked=form.masked,
                          confidence="high", canary=form.name)


def canary_in(text: str, forms: tuple[CanaryForm, ...]) -> bool:
    lowered = text.lower()
    return any(form.needle in lowered for form in forms)
