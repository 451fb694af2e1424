"""harness/profiles.py: the S10 minor profile seeds a valid resident ID of a child under 14 as a canary."""

from __future__ import annotations

import datetime as dt

from harness.config import SimDevice
from harness.pi.checks import resident_id as parse_resident_id
from harness.profiles import MINOR_AGE, id_card_canaries, seeded_id, with_profile
from harness.session import profile_canaries

TODAY = dt.date(2026, 11, 24)


def test_minor_id_is_valid_and_under_14_on_any_day() -> None:
    for today in (TODAY, dt.date(2026, 3, 14), dt.date(2026, 3, 15), dt.date(2040, 1, 1)):
        number = seeded_id("minor", today)
        holder = parse_resident_id(number, today)  # checksum and a real date, not in the future
        assert holder is not None and MINOR_AGE - 1 <= holder.age < 14, (number, today)
    adult = seeded_id("adult", TODAY)
    assert parse_resident_id(adult) and adult[6:10] == "1990"


def test_scenario_profile_adds_the_canary_and_keeps_the_rest() -> None:
    device = SimDevice(name="sim", kind="sim")
    assert with_profile(device, {}) is device
    minor = with_profile(device, {"id_card": "minor", "phoneNumber": "13700001111"}, TODAY)
    canaries = profile_canaries(minor)
    assert canaries["id_card.minor"] == seeded_id("minor", TODAY) and canaries["phoneNumber"] == "13700001111"
    assert "id_card.minor" not in profile_canaries(device) and device.profile.phoneNumber != "13700001111"
    assert id_card_canaries({"idCard": {"number": "x", "holder": "someone"}}) == {}


def test_a_returning_user_starts_with_the_decisions_carried_over() -> None:
    from harness.config import ReturningUser, Scenario, StepSpec
    from harness.profiles import carried_over_consents

    first = Scenario(name="a", steps=[StepSpec(action="launch")])
    assert carried_over_consents(first) == []
    back = first.model_copy(update={"returning_user": ReturningUser(
        privacy="agreed", scopes={"scope.userLocation": "allow", "scope.camera": "deny"})})
    assert [(c.action, c.subject, c.how) for c in carried_over_consents(back)] == [
        ("agree", "privacy", "returning_user"), ("agree", "scope.userLocation", "returning_user"),
        ("refuse", "scope.camera", "returning_user")]
    asked_again = back.model_copy(update={"returning_user": ReturningUser(privacy="not_asked")})
    assert carried_over_consents(asked_again) == []
