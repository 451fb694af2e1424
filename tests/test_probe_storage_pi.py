"""SEC-003: personal data in plaintext storage (probes/storage_pi.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder, pi


def sec003(tl):  # type: ignore[no-untyped-def]
    return [(f.status, f.evidence) for f in probes.analyse(tl) if f.rule == "SEC-003"]


def test_sensitive_or_canary_fails_phone_warns() -> None:
    tl = (
        TimelineBuilder()
        .storage(1.0, "patient", pi=[pi("id_card", "110***02X", location="storage:patient")])
        .storage(2.0, "contact", pi=[pi("phone", location="storage:contact")])
        .storage(3.0, "geo", pi=[pi("location", "31.2***", canary="location", location="storage:geo")])
        .storage(4.0, "patient", pi=[])
        .end(5)
        .build()
    )
    assert sec003(tl) == [("fail", [1]), ("fail", [3]), ("warn", [2])]


def test_nothing_personal_passes_and_no_writes_is_not_tested() -> None:
    tl = TimelineBuilder().storage(1.0, "booking_no", pi=[]).end(5).build()
    assert sec003(tl) == [] and probes.rule_status(tl)["SEC-003"] == "pass"
    assert probes.rule_status(TimelineBuilder().end(5).build())["SEC-003"] == "not_tested"
