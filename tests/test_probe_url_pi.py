"""SEC-002: identity, bank or phone data in URLs (probes/url_pi.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder, pi


def sec002(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "SEC-002"]


def test_id_and_phone_in_the_query_fail_once_per_endpoint() -> None:
    tl = (
        TimelineBuilder()
        .flow(
            1.0,
            "https://api.clinic.example/book?id=110***02X&tel=139***678",
            method="GET",
            pi=[pi("id_card", "110***02X", location="url.query:id"), pi("phone", location="url.query:tel")],
        )
        .flow(
            2.0,
            "https://api.clinic.example/book?id=110***02X",
            method="GET",
            pi=[pi("id_card", "110***02X", location="url.query:id")],
        )
        .end(5)
        .build()
    )
    [finding] = sec002(tl)
    assert finding.evidence == [1, 2] and finding.data == ["110***02X", "138****5678"]


def test_body_location_and_weak_matches_pass() -> None:
    tl = (
        TimelineBuilder()
        .flow(
            1.0, "https://api.clinic.example/book", pi=[pi("id_card", "110***02X", location="body.json:$.id")]
        )
        .flow(
            2.0, "https://api.x.example/a?lat=31.2", pi=[pi("location", "31.2***", location="url.query:lat")]
        )
        .flow(3.0, "https://api.x.example/b?n=1", pi=[pi("phone", location="url.query:n", confidence="low")])
        .end(5)
        .build()
    )
    assert sec002(tl) == []
    assert probes.rule_status(tl)["SEC-002"] == "pass"
