"""The probe framework: Finding model, JSON, schema, registry, merging, ordering, determinism."""

from __future__ import annotations

import json
import random

import jsonschema
import pytest

import probes
from harness.timeline import Timeline
from probes.analysis import analyse, rule_report, rule_status
from probes.config import ProbeConfig
from probes.finding import Finding, FindingDraft, findings_from_json, findings_schema, findings_to_json
from probes.registry import Registry
from probes.rules import NOT_COVERED, RULES
from probes.testing import TimelineBuilder, pi

HEADLINE = {"CON-001", "CON-004", "SEC-001", "PERM-002"}


def busy_session(builder: TimelineBuilder | None = None, shift: float = 0.0) -> Timeline:
    """One session that trips all four headline probes. ``shift`` moves every event after the start."""
    b = builder or TimelineBuilder()
    s = shift
    return (
        b.api(1.2 + s, "getLocation")
        .flow(1.5 + s, "http://api.shop.example/user/42?ts=1", pi=[pi()], flow_id=f"f-{s}-1")
        .flow(
            1.6 + s,
            "https://log.aldwx.com/d.html",
            pi=[pi("location", "31.2***,121.4***")],
            flow_id=f"f-{s}-2",
        )
        .storage(1.7 + s, "profile", pi=[pi()])
        .prompt(
            2.0 + s,
            "developer_dialog",
            ["我们需要收集你的个人信息"],
            ["同意"],
            title="隐私政策",
            screenshot=f"screens/{s}-a.png",
        )
        .prompt(3.0 + s, "scope", ["获取你的位置信息"], ["拒绝", "允许"], scope="scope.userLocation")
        .consent(3.5 + s, "refuse", "scope.userLocation")
        .prompt(5.0 + s, "developer_dialog", ["请开启定位权限"], ["取消", "去设置"])
        .prompt(6.0 + s, "developer_dialog", ["请开启定位权限"], ["取消", "去设置"])
        .consent(7.9 + s, "agree")
        .flow(8.0 + s, "https://api.shop.example/list", tls_version="TLSv1.1")
        .end(20 + s)
        .build()
    )


def test_analyse_finds_the_headline_four_in_a_stable_order() -> None:
    everything = analyse(busy_session())
    # getLocation and the scope popup before any tap, a popup without a purpose, a phone number in
    # storage, location sent to an analytics SDK before consent: right, and not the headline's business
    assert {f.rule for f in everything} == HEADLINE | {"PERM-001", "PERM-003", "SEC-003", "USE-001"}
    findings = [f for f in everything if f.rule in HEADLINE]
    order = [(f.severity, f.rule, f.status) for f in findings]
    assert order == [
        ("high", "CON-001", "fail"),
        ("high", "CON-001", "fail"),
        ("high", "CON-001", "fail"),
        ("high", "CON-001", "fail"),
        ("high", "CON-004", "fail"),
        ("high", "SEC-001", "fail"),
        ("medium", "PERM-002", "fail"),
        ("medium", "SEC-001", "warn"),
    ]
    con001 = [f.statement.split(" ")[0] for f in findings if f.rule == "CON-001"]
    assert con001 == ["getLocation", "phone", "location", "phone"]  # first evidence time order


def test_every_cited_seq_and_ref_is_in_the_timeline() -> None:
    tl = busy_session()
    for finding in analyse(tl):
        assert finding.evidence, finding
        assert all(seq in tl.by_seq for seq in finding.evidence)
        cited = [tl.by_seq[seq] for seq in finding.evidence]
        assert finding.evidence == [e.seq for e in sorted(cited, key=lambda e: (e.t, e.seq))]
        assert set(finding.flows) <= {getattr(e, "flow_id", None) for e in cited}
        assert set(finding.screenshots) <= {getattr(e, "screenshot", None) for e in cited}


def test_same_timeline_gives_byte_identical_json() -> None:
    first = findings_to_json(analyse(busy_session()))
    events = list(busy_session().events)
    random.Random(7).shuffle(events)
    assert findings_to_json(analyse(Timeline(events))) == first
    assert findings_to_json(analyse(busy_session())) == first


def test_fingerprints_survive_shifted_times_and_seqs() -> None:
    base = analyse(busy_session())
    noisy = TimelineBuilder(first_seq=1000, t_offset_s=123.0)
    for i in range(7):
        noisy.tap(0.1 + i * 0.01, f"tab {i}")
    shifted = analyse(busy_session(noisy, shift=0.4))
    assert [f.fingerprint for f in base] == [f.fingerprint for f in shifted]
    assert [f.evidence for f in base] != [f.evidence for f in shifted]
    assert len({f.fingerprint for f in base}) == len(base)


def test_json_round_trip_and_schema() -> None:
    findings = analyse(busy_session())
    text = findings_to_json(findings)
    assert "征得同意前收集个人信息" in text  # ensure_ascii off
    assert text.startswith('[\n  {\n    "rule": "CON-001",\n    "severity": "high",')
    assert findings_from_json(text) == findings
    assert [Finding.model_validate(f.model_dump()) for f in findings] == findings
    schema = findings_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(text), schema)
    assert schema["$id"].startswith("https://miniprobe.dev/schema/findings-v")
    with pytest.raises(ValueError):
        Finding.model_validate({**findings[0].model_dump(), "status": "pass"})


def test_partial_marks_every_finding() -> None:
    b = TimelineBuilder()
    b.api(1.0, "getLocation").flow(1.5, "http://x.example/a", pi=[pi()])
    assert all(f.partial for f in analyse(b.build()))
    assert not any(f.partial for f in analyse(busy_session()))


def test_rule_status() -> None:
    statuses = rule_status(busy_session())
    assert list(statuses) == list(RULES)  # every catalogue rule, in catalogue order
    assert {r: statuses[r] for r in sorted(HEADLINE)} == dict.fromkeys(sorted(HEADLINE), "fail")
    assert statuses["SEC-003"] == "warn"
    assert statuses["COL-004"] == "pass"
    assert statuses["POL-004"] == "not_tested"  # no declared categories configured
    uncovered = rule_status(busy_session(), registry=Registry())  # no probe covers any rule
    assert set(uncovered.values()) == {"not_tested"}
    bare = TimelineBuilder().end(5).build()
    assert set(rule_status(bare).values()) == {"not_tested"}
    clean = (
        TimelineBuilder()
        .prompt(1.0, "privacy_popup", ["用户隐私保护提示"], ["拒绝", "同意"])
        .consent(2.0)
        .tap(2.5, "附近门店")
        .api(3.0, "getLocation")
        .flow(3.5, "https://api.shop.example/nearby", pi=[pi("location", "31.2***")])
        .end(5)
        .build()
    )
    statuses = rule_status(clean)
    assert {r: statuses[r] for r in sorted(HEADLINE)} == {
        "CON-001": "pass",
        "CON-004": "pass",
        "PERM-002": "not_tested",
        "SEC-001": "pass",
    }
    assert "fail" not in statuses.values() and "warn" not in statuses.values()


def test_rule_report_says_why() -> None:
    report = rule_report(busy_session())
    assert report["CON-001"].findings == 4 and report["CON-001"].probes == ("consent_before_collection",)
    assert report["CON-001"].why.startswith("4 finding(s) by consent_before_collection")
    assert report["COL-004"].why == "checked by clipboard_read: nothing found"
    assert "declared_categories" in report["POL-004"].why
    uncovered = rule_report(busy_session(), registry=Registry())["RTS-001"]
    assert uncovered.why == f"not covered: {NOT_COVERED.get('RTS-001', 'no probe yet')}" and uncovered.probes == ()
    assert report["PERM-002"].to_json()["status"] == "fail"
    partial = TimelineBuilder().api(1.0, "getClipboardData").tap(0.5, "粘贴口令").build()
    assert "absence proves less" in rule_report(partial)["COL-004"].why


def test_a_probe_without_its_evidence_reports_nothing() -> None:
    """POL-004 would call everything undeclared without declared categories: it must not run."""
    tl = busy_session()
    assert not [f for f in analyse(tl) if f.rule == "POL-004"]
    found = [f for f in analyse(tl, ProbeConfig(declared_categories=("位置信息",))) if f.rule == "POL-004"]
    assert [f.statement.split(" ")[0] for f in found] == ["手机号"]


def test_registry_lists_the_headline_probes_with_metadata() -> None:
    registry = probes.load_probes()
    by_id = {p.id: p for p in registry}
    assert set(by_id) >= {"consent_before_collection", "reject_option", "plaintext", "repeated_prompts"}
    assert by_id["consent_before_collection"].rules == ("CON-001",)
    assert by_id["consent_before_collection"].severity == "high"
    assert by_id["consent_before_collection"].scenarios == ("S1", "S2")
    assert by_id["repeated_prompts"].severity == "medium"
    assert by_id["plaintext"].needs == ("flow",)
    assert probes.probe_versions()["reject_option"] == "1"
    assert probes.load_probes() is registry  # loading twice registers nothing twice


def _registry_with(check, rules=("CON-001",)) -> Registry:  # type: ignore[no-untyped-def]
    registry = Registry()
    registry.probe(id="test_probe", title="t", rules=rules, needs=("api_call",))(check)
    return registry


def test_registry_refuses_bad_metadata() -> None:
    registry = _registry_with(lambda tl, cfg: [])
    with pytest.raises(ValueError, match="registered twice"):
        registry.probe(id="test_probe", title="t", rules=("CON-001",), needs=())(lambda tl, cfg: [])
    with pytest.raises(KeyError, match="unknown rule id"):
        registry.probe(id="x", title="t", rules=("NOPE-1",), needs=())(lambda tl, cfg: [])
    with pytest.raises(ValueError, match="unknown evidence kinds"):
        registry.probe(id="y", title="t", rules=("CON-001",), needs=("telepathy",))(lambda tl, cfg: [])


def test_findings_with_one_fingerprint_merge() -> None:
    tl = (
        TimelineBuilder()
        .api(1.0, "getLocation")
        .api(2.0, "getLocation")
        .api(3.0, "getLocation")
        .end(5)
        .build()
    )
    calls = tl.events[1:4]

    def check(timeline, config):  # type: ignore[no-untyped-def]
        yield FindingDraft("CON-001", "warn", "late", [calls[2]], ("api", "getLocation"))
        yield FindingDraft("CON-001", "fail", "early", [calls[1], calls[0]], ("api", "getLocation"))
        yield FindingDraft("CON-001", "warn", "other", [calls[1]], ("api", "other"))

    merged, other = analyse(tl, registry=_registry_with(check))
    assert (merged.status, merged.severity, merged.statement) == ("fail", "high", "early")
    assert merged.evidence == [1, 2, 3]
    assert (other.status, other.severity) == ("warn", "medium")


def test_a_probe_cannot_cite_events_outside_the_timeline() -> None:
    tl = TimelineBuilder().api(1.0, "getLocation").end(5).build()
    foreign = TimelineBuilder().api(1.0, "getLocation").api(2.0, "chooseImage").build().events[2]

    def check(timeline, config):  # type: ignore[no-untyped-def]
        yield FindingDraft("CON-001", "fail", "x", [foreign], ("api", "x"))

    with pytest.raises(ValueError, match="not an event of this timeline"):
        analyse(tl, registry=_registry_with(check))

    unknown = TimelineBuilder().api(1.0, "a").api(2.0, "b").api(3.0, "c").api(4.0, "d").build().events[-1]
    assert unknown.seq not in tl.by_seq

    def cites_an_unknown_seq(timeline, config):  # type: ignore[no-untyped-def]
        yield FindingDraft("CON-001", "fail", "x", [timeline.events[1], unknown], ("api", "x"))

    with pytest.raises(ValueError, match=rf"cited seq {unknown.seq}, which is not an event of this timeline"):
        analyse(tl, registry=_registry_with(cites_an_unknown_seq))

    def wrong_rule(timeline, config):  # type: ignore[no-untyped-def]
        yield FindingDraft("SEC-001", "fail", "x", [timeline.events[1]], ("x",))

    with pytest.raises(ValueError, match="not among its rules"):
        analyse(tl, registry=_registry_with(wrong_rule))


def test_config_is_validated() -> None:
    with pytest.raises(ValueError):
        ProbeConfig(user_initiated_window_s=-1)
    with pytest.raises(ValueError):
        ProbeConfig(unknown_knob=1)  # type: ignore[call-arg]
    assert ProbeConfig().repeat_window_ns == 48 * 3600 * 10**9


def test_evidence_helpers() -> None:
    from probes import evidence

    config = ProbeConfig()
    tl = (
        TimelineBuilder(clock_error_ms=100)
        .consent(1.0, "agree", "scope.camera")
        .consent(2.0)
        .consent(3.0)
        .tap(4.0, "附近门店")
        .tap(4.5, "首页")
        .api(6.0, "getLocation", ok=False, err_msg="getLocation:fail auth deny")
        .api(6.5, "chooseImage", ok=False, errno=103)
        .flow(7.0, "https://api.weixin.qq.com/x", pi=[pi()])
        .flow(7.1, "https://api.shop.example/u/0123456789abcdef0123/x?a=1", pi=[pi()])
        .flow(7.2, "https://api.shop.example/y", pi=[pi(confidence="medium")])
        .end(10)
        .build()
    )
    assert evidence.t_consent(tl) == tl.events[2].t
    assert evidence.since_start(tl, tl.events[2].t) == "2.0 s"
    assert [(r.subject, r.event.seq) for r in evidence.refusals(tl)] == [
        ("scope.userLocation", 6),
        ("privacy", 7),
    ]
    assert [r.event.seq for r in evidence.refusals(tl, "privacy")] == [7]
    assert [f.seq for f in evidence.pi_flows(tl, config)] == [9]
    assert [f.seq for f in evidence.pi_flows(tl, config, include_platform=True)] == [8, 9]
    assert evidence.endpoint(tl.by_seq[9]) == "api.shop.example/u/{id}/x"  # type: ignore[arg-type]
    location_tap = tl.by_seq[4]
    assert (
        evidence.user_trigger(tl, location_tap.t + 3_000_000_000, "scope.userLocation", config)
        == location_tap
    )
    # 3 s window plus the 100 ms clock error bound, and no further
    assert evidence.is_user_initiated(tl, location_tap.t + 3_100_000_000, "privacy", config)
    assert not evidence.is_user_initiated(tl, location_tap.t + 3_200_000_000, "scope.userLocation", config)
    assert not evidence.is_user_initiated(tl, location_tap.t + 1_000_000_000, "scope.camera", config)
    assert evidence.is_platform_host("API.WEIXIN.QQ.COM.", config)
    assert not evidence.is_platform_host("pingtas.qq.com", config)
    assert not evidence.is_platform_host("evilweixin.qq.com.example", config)


def everything_session() -> Timeline:
    """A session that trips as many probes as possible at once."""
    b = TimelineBuilder(clock_error_ms=50)
    b.lifecycle(0.1, "launch").api(0.2, "getClipboardData").api(
        0.3, "authorize", args={"scope": "scope.werun"}
    )
    b.api(0.4, "navigateToMiniProgram", args={"appId": "wxother"})
    b.flow(
        0.5,
        "https://log.aldwx.com/d?md=1",
        pi=[pi("device_info", "22***3C", canary="device.model", location="url.query:md")],
    )
    b.flow(
        0.6,
        "https://api.weixin.qq.com/sns/jscode2session?secret=x",
        pi=[pi("app_secret", "4f***0", location="url.query:secret")],
    )
    b.flow(0.7, "https://api.x.example/q?id=1", pi=[pi("id_card", "110***02X", location="url.query:id")])
    b.storage(0.8, "p", pi=[pi("id_card", "110***02X")])
    b.prompt(1.0, "scope", ["获取你的位置信息"], ["拒绝", "允许"], scope="scope.userLocation")
    b.prompt(1.5, "scope", ["使用你的摄像头"], ["拒绝", "允许"], scope="scope.camera")
    b.consent(2.0, "refuse").api(2.5, "exitMiniProgram").api(3.0, "chooseImage", ok=False, errno=112)
    b.tap(4.0, "定位当前城市").api(4.1, "getLocation")
    b.flow(4.2, "http://api.x.example/w", pi=[pi("location", "31.2***, 121.4*** (precise)")])
    for i in range(5):
        b.api(10.0 + i, "getSystemInfo")
    return b.end(30).build()


def test_no_probe_cites_evidence_outside_the_session_and_output_is_stable() -> None:
    tl = everything_session()
    findings = analyse(tl)
    assert len({f.rule for f in findings}) >= 12, sorted({f.rule for f in findings})
    for finding in findings:
        cited = [tl.by_seq[seq] for seq in finding.evidence]  # KeyError: evidence not in the session
        assert finding.evidence == [e.seq for e in sorted(cited, key=lambda e: (e.t, e.seq))]
        assert set(finding.flows) <= {getattr(e, "flow_id", None) for e in cited}
        assert set(finding.screenshots) <= {getattr(e, "screenshot", None) for e in cited}
    assert len({f.fingerprint for f in findings}) == len(findings)  # duplicates merged
    events = list(tl.events)
    random.Random(3).shuffle(events)
    assert findings_to_json(analyse(Timeline(events))) == findings_to_json(findings)


@pytest.mark.parametrize("statement", ['plain', 'a "q" \\ \n\t\x01\x1f\x7f \u2028 中文 💡', "lone \ud800 surrogate"])
def test_findings_json_is_the_standard_librarys_indented_layout(statement: str) -> None:
    """orjson writes findings.json; its bytes are those json.dumps(indent=2, ensure_ascii=False) wrote."""
    finding = Finding(rule="CON-001", severity="high", status="fail", title="标题 title", statement=statement,
                      evidence=[3, 1, 2], remedy="r", probe="p", fingerprint="f", data=["138****0000", ""])
    for findings in ([finding], [finding, finding.model_copy(update={"screenshots": ["s.png"]})], []):
        expected = json.dumps([f.model_dump(mode="json") for f in findings], ensure_ascii=False, indent=2)
        assert findings_to_json(findings) == expected
