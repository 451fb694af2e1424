"""Structural checks of identifiers: check digits, calendars, issuer ranges. Pure and total."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# ---------------------------------------------------------------------------------------------- Luhn


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of bank cards, IMEIs and ICCIDs."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        n = ord(char) - 48
        if index % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


# ---------------------------------------------------------------------------------------------- bank cards


def card_issuer_known(digits: str) -> bool:
    """An issuer range of a card network used in China: UnionPay 62, Visa 4, Mastercard 51-55 and
    2221-2720, Amex 34/37 (15 digits), JCB 3528-3589."""
    if digits.startswith(("62", "4")):
        return len(digits) >= 16 or digits.startswith("4") and len(digits) == 13
    if len(digits) == 16 and (51 <= int(digits[:2]) <= 55 or 2221 <= int(digits[:4]) <= 2720):
        return True
    if len(digits) == 15 and digits.startswith(("34", "37")):
        return True
    return len(digits) >= 16 and 3528 <= int(digits[:4]) <= 3589


# ---------------------------------------------------------------------------------------------- resident id

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# GB/T 2260 province-level codes (first two digits of a resident id)
PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
    "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
    "83", "91",
})
RESIDENT_ID_RE = re.compile(
    r"(?<![0-9A-Za-z])([1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx])(?![0-9A-Za-z])"
)


@dataclass(frozen=True)
class ResidentId:
    """What a resident id number states about its holder (GB 11643): what COL-009 needs."""

    sex: str  # "male" | "female": the parity of the 17th digit
    birthdate: date
    age: int  # whole years on the reference day


def resident_id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def resident_id(value: str, today: date | None = None) -> ResidentId | None:
    """The holder's sex, birthdate and age when ``value`` is a valid resident id: province code,
    a real calendar date not in the future (nor before 1880), and the check character."""
    text = value.strip()
    if not RESIDENT_ID_RE.fullmatch(text) or text[:2] not in PROVINCE_CODES:
        return None
    today = today or date.today()
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return None
    if born > today or born.year < 1880:
        return None
    if resident_id_check_char(text[:17]) != text[17].upper():
        return None
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return ResidentId("male" if int(text[16]) % 2 else "female", born, age)


# ---------------------------------------------------------------------------------------------- device ids

# mainland MNCs (460 + two digits)
IMSI_MNCS = frozenset({"00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "11", "15", "20"})


def imsi_valid(digits: str) -> bool:
    return len(digits) == 15 and digits.isascii() and digits.isdigit() and digits.startswith("460") and digits[3:5] in IMSI_MNCS


def iccid_valid(text: str) -> bool:
    """A mainland SIM serial: 8986, 19-20 characters (the operator part may hold hex letters)."""
    return bool(re.fullmatch(r"8986\d{2}[0-9A-Fa-f]{13,14}", text))


def imei_valid(digits: str) -> bool:
    return len(digits) == 15 and digits.isascii() and luhn_valid(digits) and digits.strip("0") != ""
