"""Device identifiers, Wi-Fi and device information (RECOGNISERS.md 4-5)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from harness.pi.checks import iccid_valid, imei_valid, imsi_valid
from harness.pi.core import (
    KEY_CACHE,
    BodyView,
    Group,
    Scalar,
    bounded_finditer,
    has_id_hint,
    key_tokens,
    match,
    recogniser,
)
from harness.timeline import Confidence, PIMatch

_MAC_RE = re.compile(r"(?<![0-9A-Fa-f:-])((?:[0-9A-Fa-f]{2}([:-]))(?:[0-9A-Fa-f]{2}\2){4}[0-9A-Fa-f]{2})(?![0-9A-Fa-f:-])")
# what platforms hand out instead of a real MAC, and placeholders
_FAKE_MACS = frozenset({"02:00:00:00:00:00", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"})
_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

_WIFI_HINTS = ("bssid", "ssid", "wifi", "wlan")
_IMEI_HINTS = ("imei", "meid")
_IMSI_HINTS = ("imsi",)
_ICCID_HINTS = ("iccid", "simserial", "sim_serial")
_ANDROID_ID_HINTS = ("androidid", "android_id", "ssaid")
_OAID_HINTS = ("oaid", "vaid", "aaid", "idfa", "idfv", "gaid", "adid")
_DEVICE_ID_HINTS = ("deviceid", "device_id", "udid", "devid")


@lru_cache(maxsize=KEY_CACHE)
def _hinted(key: str | None, substrings: tuple[str, ...]) -> bool:
    """Whether the key, without separators (X-Device-Id -> xdeviceid), holds one of the hints."""
    if not key:
        return False
    compact = re.sub(r"[^a-z0-9]", "", key[:80].lower())
    return any(s.replace("_", "") in compact for s in substrings)


def _device_id_key(key: str) -> bool:
    return any(_hinted(key, hints) for hints in (_ANDROID_ID_HINTS + _DEVICE_ID_HINTS, _OAID_HINTS + _DEVICE_ID_HINTS,
                                                  _IMEI_HINTS))


_MAC_CLASSES_RE = re.compile(rb":[hA][hA]:[hA][hA]:")  # hex pairs between separators, in BodyView.classes


def _device_id_screen(body: BodyView) -> bool:
    """Without a device key: a MAC's separators, a whole run of 15 digits of an unhinted IMEI or an
    IMSI, an ICCID's 8986 (the runs and 8986 are needles when there is no MAC)."""
    if _MAC_CLASSES_RE.search(body.classes) is not None:
        return True
    needles = {run for run in body.digit_runs.get(15, ()) if run.startswith(("35", "86", "01", "99", "46"))}
    if "8986" in body.text:
        needles.add("8986")
    if needles:
        body.needles["device_id"] = frozenset(needles)
    return bool(needles)


_MAC_GATE = r"[:-](?<=(?<![0-9A-Fa-f:-])[0-9A-Fa-f]{2}[:-])[0-9A-Fa-f]{2}"
_MAC_GATE_RE = re.compile(_MAC_GATE)


def _device_id_text_screen(body: BodyView) -> bool:
    """The gate's three parts: a MAC's separator between hex pairs, 15 ASCII digits (the digit shape
    of the text), 8986."""
    text = body.text
    if ("-" in text or ":" in text) and _MAC_GATE_RE.search(text) is not None:
        return True
    return b"000000000000000" in body.digit_shape or "8986" in text


# a MAC (from its separator), an IMSI (460...) or an unhinted IMEI (35, 86, 01, 99...), an ICCID's 8986;
# hex ids and other IMEIs only under their keys
@recogniser("device_id", text=rf"{_MAC_GATE}|(?:35|86|01|99|46)[0-9]{{13}}|8986", key=_device_id_key, per_value=True,
            screen=_device_id_screen, text_screen=_device_id_text_screen)
def recognise_device_id(group: Group) -> Iterator[PIMatch]:
    """IMEI (Luhn), IMSI (460 + MNC), ICCID (8986), Android ID and OAID (hint only: alone they are
    any hex string or UUID), MAC addresses (not 02:00:00:00:00:00) - a MAC under a Wi-Fi key is a
    BSSID, reported as "wifi"."""
    for scalar in group.scalars:
        yield from _macs(scalar)
        value = scalar.text.strip()
        if not scalar.whole or len(value) > 80:
            continue
        found = _numeric_id(scalar, value) or _hex_id(scalar, value)
        if found is not None:
            yield found


def _macs(scalar: Scalar) -> Iterator[PIMatch]:
    for hit in bounded_finditer(_MAC_RE, scalar.text):
        mac = hit.group(1).lower().replace("-", ":")
        if mac in _FAKE_MACS:
            continue
        if _hinted(scalar.key, _WIFI_HINTS):
            yield match("wifi", scalar, mac, "high")
        else:
            confidence: Confidence = "high" if _hinted(scalar.key, ("mac",) + _DEVICE_ID_HINTS) else "medium"
            yield match("device_id", scalar, mac, confidence)


def _numeric_id(scalar: Scalar, value: str) -> PIMatch | None:
    key = scalar.key
    generic = _hinted(key, _DEVICE_ID_HINTS)
    if imei_valid(value):
        if _hinted(key, _IMEI_HINTS) or generic:
            return match("device_id", scalar, value, "high")
        if not has_id_hint(key) and value.startswith(("35", "86", "01", "99")):
            return match("device_id", scalar, value, "low")
    if imsi_valid(value) and not _hinted(key, _IMEI_HINTS):
        confidence: Confidence = "high" if _hinted(key, _IMSI_HINTS) or generic else "medium"
        return match("device_id", scalar, value, "low" if has_id_hint(key) and confidence != "high" else confidence)
    if iccid_valid(value):
        confidence = "high" if _hinted(key, _ICCID_HINTS) or generic else "medium"
        return match("device_id", scalar, value, "low" if has_id_hint(key) and confidence != "high" else confidence)
    return None


def _hex_id(scalar: Scalar, value: str) -> PIMatch | None:
    key = scalar.key
    if re.fullmatch(r"[0-9a-f]{16}", value) and _hinted(key, _ANDROID_ID_HINTS + _DEVICE_ID_HINTS):
        return match("device_id", scalar, value, "high") if value.strip("0") else None
    oaid_like = _UUID_RE.fullmatch(value) or re.fullmatch(r"[0-9a-fA-F]{16}|[0-9a-fA-F]{64}", value)
    if oaid_like and _hinted(key, _OAID_HINTS + _DEVICE_ID_HINTS) and value.replace("-", "").strip("0"):
        return match("device_id", scalar, value, "high")
    return None


# ---------------------------------------------------------------------------------------------- wifi


def _ssid_key(key: str | None) -> bool:
    tokens = key_tokens(key)
    return "ssid" in tokens or bool(tokens & {"wifiname", "wifi"} and tokens & {"name", "wifiname"})


@recogniser("wifi", key=_ssid_key, per_value=True)
def recognise_ssid(group: Group) -> Iterator[PIMatch]:
    """SSIDs under an ssid/wifiName key (BSSIDs are found with the MACs above)."""
    for scalar in group.scalars:
        value = scalar.text.strip()
        if _ssid_key(scalar.key) and scalar.whole and 0 < len(value) <= 64 and not _MAC_RE.fullmatch(value):
            yield match("wifi", scalar, value, "high")


# ---------------------------------------------------------------------------------------------- device info

_DEVICE_INFO_KEYS = frozenset({
    "brand", "model", "system", "platform", "pixelratio", "screenwidth", "screenheight", "windowwidth",
    "windowheight", "statusbarheight", "language", "sdkversion", "benchmarklevel", "devicemodel",
    "devicebrand", "os", "osversion", "manufacturer", "resolution", "carrier", "network", "networktype",
})
_USER_KEYS = frozenset({"openid", "unionid", "uid", "userid", "memberid", "customerid", "token"})


def _device_info_key(key: str) -> bool:
    return bool(_compact_key(key) & _DEVICE_INFO_KEYS)


@recogniser("device_info", key=_device_info_key)

def recognise_device_info(group: Group) -> Iterator[PIMatch]:
    """getSystemInfo fields (>= 3 of brand, model, system, screen size...) sent together: medium;
    high when a user id travels in the same object (设备信息 tied to a person)."""
    if group.array:
        return
    present = sorted({k for s in group.scalars if s.whole for k in _compact_key(s.key) if k in _DEVICE_INFO_KEYS})
    if len(present) < 3:
        return
    user_keyed = any(_compact_key(s.key) & _USER_KEYS for s in group.scalars if s.text.strip())
    confidence: Confidence = "high" if user_keyed else "medium"
    yield PIMatch(type="device_info", location=group.member_prefix.rstrip(".:") or group.member_prefix,
                  masked="fields: " + ", ".join(present[:8]), confidence=confidence)


@lru_cache(maxsize=KEY_CACHE)
def _compact_key(key: str | None) -> frozenset[str]:
    """The key as one lower-case word plus its tokens: pixelRatio -> {pixelratio, pixel, ratio}."""
    if not key:
        return frozenset()
    return key_tokens(key) | {re.sub(r"[^a-z0-9]", "", key.lower())}
