"""USE-001: third-party sharing without consent (probes/third_party_sharing.py)."""

from __future__ import annotations

import probes
from probes.config import ProbeConfig
from probes.testing import TimelineBuilder, pi

MODEL = pi("device_info", "22***3C", canary="device.model", location="url.query:md")


def use001(tl, config=None):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl, config) if f.rule == "USE-001"]


def test_tracker_before_consent_fails_sensitive_is_high() -> None:
    tl = (
        TimelineBuilder()
        .flow(1.0, "https://log.aldwx.com/d.html?md=22", method="GET", pi=[MODEL])
        .consent(2.0)
        .flow(
            3.0,
            "https://log.aldwx.com/d.html?lat=31",
            method="GET",
            pi=[pi("location", "31.2*** track", location="url.query:track")],
        )
        .end(5)
        .build()
    )
    [finding] = use001(tl)
    assert finding.evidence == [1] and finding.severity == "medium"
    tl_no_consent = (
        TimelineBuilder()
        .flow(1.0, "https://log.aldwx.com/d", pi=[pi("location", "31.2*** track")])
        .end(5)
        .build()
    )
    assert use001(tl_no_consent)[0].severity == "high"


def test_after_consent_or_first_party_or_user_agent_passes() -> None:
    tl = (
        TimelineBuilder()
        .consent(0.5)
        .flow(1.0, "https://log.aldwx.com/d.html", pi=[MODEL])
        .flow(1.5, "https://cdn.other.example/x", pi=[pi()])  # not a tracker, no first-party list
        .flow(
            2.0,
            "https://api.own.example/x",
            pi=[pi("device_info", "22***3C", location="header:User-Agent", canary="device.model")],
        )
        .end(5)
        .build()
    )
    assert use001(tl) == []


def test_first_party_domains_and_disclosure_config() -> None:
    tl = TimelineBuilder().consent(0.5).flow(1.0, "https://cdn.other.example/x", pi=[pi()]).end(5).build()
    assert (
        use001(tl, ProbeConfig(first_party_domains=("own.example",))) == []
    )  # after consent, disclosure unknown
    [finding] = use001(tl, ProbeConfig(first_party_domains=("own.example",), disclosed_third_parties=()))
    assert "not disclosed" in finding.statement
    assert (
        use001(
            tl, ProbeConfig(first_party_domains=("own.example",), disclosed_third_parties=("other.example",))
        )
        == []
    )


def test_consent_given_twice_counts_from_the_first() -> None:
    tl = (
        TimelineBuilder()
        .consent(1.0)
        .flow(2.0, "https://log.aldwx.com/d", pi=[MODEL])
        .consent(3.0)
        .end(5)
        .build()
    )
    assert use001(tl) == []
