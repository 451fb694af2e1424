"""Who the session's user is: profile variants a scenario can ask for (S10 minor profile: the sim
device's personal data with some fields replaced, and the canaries they add), and what a returning user
(S8, `returning_user:`) decided in earlier sessions.

`profile: {id_card: minor}` in a scenario seeds a synthetic resident ID of a child under 14 (a real
date, a valid GB 11643 checksum) as the canary ``id_card.minor``; ``adult`` seeds one of an adult as
``id_card.adult``. Any other key overrides the device profile's field of that name (phoneNumber,
clipboard, location, ...). A scenario types the ID with ``input: {into: ..., text: {canary: id_card.minor}}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from harness.config import Scenario, SimDevice
from harness.pi.checks import resident_id_check_char
from harness.timeline import Consent

ID_CARD_HOLDERS = ("minor", "adult")
MINOR_AGE = 10  # years: under 14 (PIPL 31), whatever the date the session runs on
_REGION = "110105"  # 北京市朝阳区
ID_CARD_KEY = "idCard"  # where the seeded ID lives in the profile: {"number", "holder"}


def resident_id(born: dt.date, serial: str = "123") -> str:
    """A resident ID number (GB 11643-1999) born on ``born``, with its check character."""
    body = f"{_REGION}{born:%Y%m%d}{serial}"
    return body + resident_id_check_char(body)


def seeded_id(holder: str, today: dt.date) -> str:
    """The ID a ``holder`` profile carries: a child MINOR_AGE years old on ``today``, or an adult of 1990."""
    if holder == "minor":
        return resident_id(dt.date(today.year - MINOR_AGE, 3, 15), "123")
    return resident_id(dt.date(1990, 6, 1), "246")


def with_profile(device: SimDevice, overrides: dict[str, Any], today: dt.date | None = None) -> SimDevice:
    """The device with the scenario's `profile:` applied (the device itself when there is none)."""
    if not overrides:
        return device
    fields = {k: v for k, v in overrides.items() if k != "id_card"}
    if "id_card" in overrides:
        holder = overrides["id_card"]
        fields[ID_CARD_KEY] = {"number": seeded_id(holder, today or dt.date.today()), "holder": holder}
    profile = device.profile.model_copy(update=fields)
    return device.model_copy(update={"profile": profile})


def id_card_canaries(profile_fields: dict[str, Any]) -> dict[str, str]:
    """``{"id_card.minor": number}`` (or ``id_card.adult``) when the profile carries a seeded ID."""
    seeded = profile_fields.get(ID_CARD_KEY)
    if isinstance(seeded, dict) and isinstance(seeded.get("number"), str) and seeded.get("holder") in ID_CARD_HOLDERS:
        return {f"id_card.{seeded['holder']}": seeded["number"]}
    return {}


CARRIED_OVER = "returning_user"  # Consent.how of a decision made before this session


def carried_over_consents(scenario: Scenario) -> list[Consent]:
    """A returning user's privacy agreement and scope decisions, as consents at the session's start
    (``how="returning_user"``): the sim host starts with them, so probes must not read the session as one
    without consent. A first-time user has none."""
    user = scenario.returning_user
    if user is None:
        return []
    found = [Consent(source="harness", action="agree", subject="privacy", how=CARRIED_OVER)] if user.privacy == "agreed" else []
    return found + [Consent(source="harness", action="agree" if answer == "allow" else "refuse", subject=scope,
                            how=CARRIED_OVER) for scope, answer in user.scopes.items()]
