"""Personal-data recognisers, as the capture code and the probes import them.

The implementation lives in harness/pi/ (one module per family of types, the scanner in
harness/pi/scan.py, the shared model in harness/pi/core.py); this module keeps every public name
importable from its historical place. ``PI_TYPES`` maps each PIMatch.type to its category (WeChat
privacy-guide wording where one exists), whether it is sensitive (PIPL art. 28) and whether it is
a secret (SEC-004). A location track is a "location" match with ``is_track(match)`` true; a
resident id's holder sex, birthdate and age (COL-009) come from ``resident_id(value)``.
"""

from __future__ import annotations

from harness.pi.canaries import canary_type
from harness.pi.checks import ResidentId, luhn_valid, resident_id
from harness.pi.core import (
    MAX_BODY_BYTES,
    MAX_INFLATED_BYTES,
    MAX_JSON_DEPTH,
    MAX_LAYERS,
    MAX_MATCHES,
    MAX_TEXT_CHARS,
    MAX_VALUES,
    MIN_BASE64_LEN,
    MIN_CANARY_LEN,
    PI_TYPES,
    PRECISE_SUFFIX,
    RECOGNISERS,
    TRACK_PREFIX,
    Group,
    PIType,
    Recogniser,
    Scalar,
    is_precise,
    is_sensitive,
    is_track,
    key_tokens,
    mask,
    recogniser,
)
from harness.pi.phone import PHONE_RE
from harness.pi.scan import dedupe, find_pi, find_pi_in_http, find_pi_in_value, redact_text, redact_url

__all__ = [
    "MAX_BODY_BYTES", "MAX_INFLATED_BYTES", "MAX_JSON_DEPTH", "MAX_LAYERS", "MAX_MATCHES", "MAX_TEXT_CHARS",
    "MAX_VALUES", "MIN_BASE64_LEN", "MIN_CANARY_LEN", "PHONE_RE", "PI_TYPES", "PRECISE_SUFFIX", "RECOGNISERS",
    "TRACK_PREFIX", "Group", "PIType", "Recogniser", "ResidentId", "Scalar", "canary_type", "dedupe", "find_pi",
    "find_pi_in_http", "find_pi_in_value", "is_precise", "is_sensitive", "is_track", "key_tokens", "luhn_valid",
    "mask", "recogniser", "redact_text", "redact_url", "resident_id",
]
