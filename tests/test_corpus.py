"""The fixture corpus check: expected.yaml validation, the precision/recall arithmetic, and — the CI
gate — `miniprobe corpus sim/apps` for real (Appium, Chromium, the JVM host under Frida, mitmproxy,
the fixture back end), which must score 100% on every rule.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harness.config import ConfigError
from harness.corpus import (
    SCENARIOS_DIR,
    AppExpectations,
    Expectation,
    Observation,
    Verdict,
    catalogue_rules,
    discover,
    format_result,
    judge,
    load_expected,
    score,
)
from tests.conftest import miniprobe_cmd

# the rules issue 3 requires the corpus to cover, each with a violating app that must show it
REQUIRED_RULES = {
    "CON-001", "CON-002", "CON-003", "CON-004", "CON-005", "CON-006", "PERM-001", "PERM-002", "PERM-003",
    "COL-002", "COL-003", "COL-004", "COL-006", "USE-001", "USE-004", "SEC-001", "SEC-002", "SEC-003",
    "SEC-004", "PLAT-001", "PLAT-002",
}


def write_app(root: Path, name: str, expected: str) -> Path:
    app = root / name
    app.mkdir(parents=True)
    (app / "app.json").write_text('{"pages": ["pages/index/index"]}')
    (app / "expected.yaml").write_text(expected)
    return app


@pytest.fixture()
def scenarios(tmp_path: Path) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "first-launch.yaml").write_text("name: first-launch\nsteps:\n  - launch\n")
    return folder


def verdict(found: set[str], absent: set[str], observed: set[str], outcome: str = "ok") -> Verdict:
    return Verdict("app", Expectation("s", frozenset(found), frozenset(absent)), Path("/x"),
                   Observation(outcome, None, observed))


# ---------------------------------------------------------------- arithmetic


def test_precision_and_recall_per_rule() -> None:
    verdicts = [
        verdict({"CON-001"}, {"SEC-001"}, {"CON-001"}),  # TP CON-001
        verdict({"CON-001"}, set(), set()),  # FN CON-001
        verdict(set(), {"CON-001", "SEC-001"}, {"CON-001"}),  # FP CON-001
        verdict({"SEC-001"}, set(), {"SEC-001", "PERM-002"}),  # TP SEC-001; PERM-002 unlabelled
    ]
    scores = score(verdicts)
    con = scores["CON-001"]
    assert (con.tp, con.fp, con.fn) == (1, 1, 1)
    assert con.precision == 0.5 and con.recall == 0.5 and not con.perfect
    sec = scores["SEC-001"]
    assert (sec.tp, sec.fp, sec.fn) == (1, 0, 0) and sec.precision == 1.0 and sec.recall == 1.0
    assert "PERM-002" not in scores  # unlabelled findings are listed, not scored
    assert verdicts[3].unlabelled == ["PERM-002"]


def test_undefined_ratios_are_none_not_zero() -> None:
    scores = score([verdict(set(), {"SEC-004"}, set())])
    assert scores["SEC-004"].precision is None and scores["SEC-004"].recall is None
    assert scores["SEC-004"].perfect


def test_an_error_session_misses_what_it_should_find_but_proves_no_false_positive() -> None:
    v = verdict({"CON-001"}, {"SEC-001"}, {"SEC-001"}, outcome="error")
    assert v.missing == ["CON-001"] and v.unexpected == []
    assert not v.passed
    scores = score([v])
    assert scores["CON-001"].fn == 1 and scores["SEC-001"].fp == 0


def test_outcome_mismatch_fails_the_session() -> None:
    v = Verdict("app", Expectation("s", frozenset(), frozenset(), outcome="ok"), Path("/x"),
                Observation("failed", "step 3: no dialog", set()))
    assert not v.passed
    assert v.problems() == ["outcome failed (expected ok): step 3: no dialog"]


def test_judge_reads_findings_and_rules_json(tmp_path: Path) -> None:
    session = tmp_path / "01-app-s"
    session.mkdir()
    (session / "session.json").write_text(json.dumps({"outcome": "ok"}))
    (session / "findings.json").write_text(json.dumps([{"rule": "CON-001"}]))
    (session / "rules.json").write_text(json.dumps({
        "COL-006": {"status": "warn", "findings": 1}, "SEC-002": {"status": "not_tested", "why": "no flows"},
        "SEC-001": {"status": "pass"}}))
    app = write_app(tmp_path / "apps", "app", "")
    expectations = (Expectation("s", frozenset({"CON-001", "COL-006", "SEC-002"}), frozenset({"SEC-001"})),)
    result = judge([AppExpectations(app, app / "expected.yaml", "", expectations)], {("app", "s"): session})
    (v,) = result.verdicts
    assert v.observation.found == {"CON-001", "COL-006"}
    assert v.problems() == ["SEC-002 not found (not tested: no flows)"]
    text = format_result(result)
    assert str(session) in text and "FAIL (below 100%)" in text


def test_a_session_that_never_ran_is_an_error(tmp_path: Path) -> None:
    app = write_app(tmp_path, "app", "")
    result = judge([AppExpectations(app, app / "expected.yaml", "", (Expectation("s", frozenset(), frozenset()),))], {})
    assert result.errors and not result.passed


# ---------------------------------------------------------------- expected.yaml


def test_load_expected_with_absent_all(tmp_path: Path, scenarios: Path) -> None:
    app = write_app(tmp_path, "shop", "scenarios:\n  first-launch:\n    found: [COL-004]\n    absent: all\n")
    loaded = load_expected(app, scenarios)
    (exp,) = loaded.expectations
    assert exp.found == {"COL-004"}
    assert exp.absent == set(catalogue_rules()) - {"COL-004"}
    assert exp.outcome == "ok" and exp.line == 2


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("scenarios:\n  first-launch:\n    found: [CON-001, CON-999]\n    absent: []\n",
         ":3: scenarios.first-launch.found[1]: unknown rule id 'CON-999'"),
        ("scenarios:\n  first-launch:\n    found: [CON-001]\n    absent: [SEC-001, CON-001]\n",
         ":4: scenarios.first-launch.absent: CON-001 also listed under found"),
        ("scenarios:\n  no-such-scenario:\n    found: []\n    absent: []\n",
         ":2: scenarios.no-such-scenario: no scenario file"),
        ("scenarios:\n  first-launch:\n    found: []\n",
         ":2: scenarios.first-launch.absent: required"),
        ("scenarios:\n  first-launch:\n    found: []\n    absent: []\n    outcome: crashed\n",
         ":5: scenarios.first-launch.outcome: must be one of ok, failed"),
        ("scenarios:\n  first-launch:\n    found: CON-001\n    absent: []\n",
         ":3: scenarios.first-launch.found: a list of rule ids"),
        ("scenarios:\n  first-launch:\n    found: []\n    absent: []\n    expect: [x]\n",
         ":5: scenarios.first-launch.expect: unknown field"),
        ("descripton: typo\nscenarios:\n  first-launch:\n    found: []\n    absent: []\n",
         ":1: descripton: unknown field"),
        ("scenarios: []\n", ":1: scenarios: a mapping of scenario name"),
        ("scenarios:\n  first-launch: {found: [CON-001,\n", ":3: not valid YAML"),
    ],
)
def test_expected_yaml_errors_name_file_line_and_field(tmp_path: Path, scenarios: Path, text: str, where: str) -> None:
    app = write_app(tmp_path, "shop", text)
    with pytest.raises(ConfigError) as caught:
        load_expected(app, scenarios)
    assert str(caught.value).startswith(str(app / "expected.yaml"))
    assert where in str(caught.value), str(caught.value)


def test_discover_names_unknown_apps(tmp_path: Path) -> None:
    write_app(tmp_path, "shop", "")
    assert [p.name for p in discover(tmp_path)] == ["shop"]
    with pytest.raises(ConfigError, match="no app named nope"):
        discover(tmp_path, ["nope"])


def test_the_corpus_labels_are_valid_and_cover_the_required_rules(repo: Path) -> None:
    """Every app in sim/apps has a valid expected.yaml; every required rule has a violating app that
    must show it and is expected absent from some compliant twin; there are at least 25 apps."""
    apps = [load_expected(a, SCENARIOS_DIR) for a in discover(repo / "sim" / "apps")]
    assert len(apps) >= 27
    found = {r for a in apps for e in a.expectations for r in e.found}
    assert REQUIRED_RULES <= found, sorted(REQUIRED_RULES - found)
    names = {a.name for a in apps}
    for app in apps:
        if app.name.endswith("-violating"):
            twin = app.name.removesuffix("-violating") + "-compliant"
            assert twin in names, f"{app.name} has no compliant twin"
            twin_exp = next(a for a in apps if a.name == twin)
            for exp in app.expectations:
                same = [e for e in twin_exp.expectations if e.scenario == exp.scenario]
                assert same, f"{twin} is not run with {exp.scenario}"
                assert exp.found <= same[0].absent, f"{twin} / {exp.scenario} must expect {sorted(exp.found)} absent"
    sessions = sum(len(a.expectations) for a in apps)
    assert sessions <= 60, f"{sessions} corpus sessions: keep `make test` well under 15 min (58 take ~5 min)"


def test_a_tap_on_an_in_page_agreement_is_consent_a_bare_agree_word_is_not() -> None:
    """clinic-booking-*: the patient ticks 我已阅读并同意《就诊人信息授权书》 before the form is sent;
    the session records that tap as the user's consent (CON-001 must not fire on the submission)."""
    from harness.session import page_agreement

    assert page_agreement("我已阅读并同意《就诊人信息授权书》")
    assert page_agreement("我已阅读并同意《会员服务协议》和《隐私政策》")
    assert page_agreement("同意隐私政策")
    assert not page_agreement("同意") and not page_agreement("确定") and not page_agreement("提交预约")
    assert not page_agreement("不同意《隐私政策》")


# ---------------------------------------------------------------- the CI gate


@pytest.mark.e2e
def test_corpus_scores_100_percent_on_sim_apps(repo: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        # on the three sim-pool replicas of devices.yaml: sessions mostly wait (steps, popups, the
        # network), so three at once take about a third of the time even on 2 cores
        [*miniprobe_cmd(), "corpus", str(repo / "sim" / "apps"), "--device", "sim-pool", "--json", "--out", str(tmp_path)],
        check=False, capture_output=True, text=True, timeout=1200, cwd=repo,
    )
    assert proc.stdout, f"no result (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
    result = json.loads(proc.stdout)
    run_dir = Path(result["run_dir"])
    assert run_dir.parent == tmp_path and (run_dir / "corpus.json").is_file() and (run_dir / "run.json").is_file()
    bad = [f"{s['app']} / {s['scenario']}: outcome {s['outcome']} missing {s['missing']} "
           f"unexpected {s['unexpected']} {s['reason'] or ''} ({s['session_dir']})"
           for s in result["sessions"] if not s["passed"]]
    assert proc.returncode == 0 and result["passed"], "corpus below 100%:\n" + "\n".join(bad)



def test_every_probe_is_confirmed_end_to_end_on_the_corpus(repo: Path) -> None:
    """Issue 4: every probe the sim can express is confirmed end to end on the sim corpus. Each rule a
    registered probe covers has a violating corpus app that must show it (and so, by the test above, a
    compliant twin that must not); the corpus run itself (test_corpus_scores_100_percent_on_sim_apps) proves it."""
    from probes.registry import load_probes

    apps = [load_expected(a, SCENARIOS_DIR) for a in discover(repo / "sim" / "apps")]
    found = {r for a in apps for e in a.expectations for r in e.found}
    covered = {r for p in load_probes() for r in p.rules}
    assert covered == set(catalogue_rules()), sorted(set(catalogue_rules()) - covered)
    assert not covered - found, f"probes with no corpus app showing their rule: {sorted(covered - found)}"
