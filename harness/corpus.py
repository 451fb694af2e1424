"""The fixture corpus check: run every mini program of a folder with the scenarios its expected.yaml
names, compare the rules each session found with the rules expected, and score every rule.

An app folder holds ordinary mini program source plus ``expected.yaml``::

    description: 瑞雪咖啡（违规版）：拒绝隐私政策后强制循环弹窗
    scenarios:
      coffee-refuse:              # scenarios/corpus/coffee-refuse.yaml
        found: [CON-003, CON-004, PERM-002]
        absent: [CON-001, SEC-001]  # or `absent: all`: every other catalogue rule
        outcome: ok               # the session outcome the scenario must end with (default ok)

Per rule, over all sessions: a rule expected and found is a true positive, expected but not found a
false negative, found where expected absent a false positive. Found but neither expected nor
declared absent is "unlabelled": listed, not scored. The check passes at 100% precision and recall
for every rule, with every session ending as its expectation says.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.config import (
    REPO_ROOT,
    ConfigError,
    Loc,
    Scenario,
    SimDevice,
    Suite,
    _nearest_line,
    load_scenario,
    load_yaml,
)
from harness.scoring import Counts

EXPECTED_FILE = "expected.yaml"
SCENARIOS_DIR = REPO_ROOT / "scenarios" / "corpus"
OUTCOMES = ("ok", "failed")
FOUND_STATUSES = ("fail", "warn")  # rules.json statuses that count as "found"


def catalogue_rules() -> tuple[str, ...]:
    """Every rule id of the catalogue, in catalogue order."""
    from probes.rules import RULES

    return tuple(RULES)


# ---------------------------------------------------------------- expected.yaml


@dataclass(frozen=True)
class Expectation:
    """What one scenario on one app must show."""

    scenario: str
    found: frozenset[str]
    absent: frozenset[str]  # explicit, or every other catalogue rule for `absent: all`
    outcome: str = "ok"
    line: int | None = None


@dataclass(frozen=True)
class AppExpectations:
    app_dir: Path
    file: Path
    description: str
    expectations: tuple[Expectation, ...]

    @property
    def name(self) -> str:
        return self.app_dir.name


def _rule_list(value: Any, path: Path, lines: dict[Loc, int], loc: Loc, known: Sequence[str]) -> frozenset[str]:
    where = _where(loc)
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(path, _line(lines, loc), where, "a list of rule ids, e.g. [CON-001, SEC-001]")
    for i, rule_id in enumerate(value):
        if rule_id not in known:
            raise ConfigError(path, _line(lines, loc + (i,)), f"{where}[{i}]",
                              f"unknown rule id {rule_id!r} (see shared/catalogue/RULES.md)")
        if value.count(rule_id) > 1:
            raise ConfigError(path, _line(lines, loc + (i,)), f"{where}[{i}]", f"{rule_id} is listed twice")
    return frozenset(value)


def _expectation(name: Any, raw: Any, path: Path, lines: dict[Loc, int], scenarios_dir: Path,
                 known: Sequence[str]) -> Expectation:
    loc: Loc = ("scenarios", name)
    where = _where(loc)
    if not isinstance(name, str) or not (scenarios_dir / f"{name}.yaml").is_file():
        raise ConfigError(path, _line(lines, loc), where, f"no scenario file {scenarios_dir / f'{name}.yaml'}")
    if not isinstance(raw, dict):
        raise ConfigError(path, _line(lines, loc), where, "a mapping with found:, absent: (and optional outcome:)")
    for key in raw:
        if key not in ("found", "absent", "outcome"):
            raise ConfigError(path, _line(lines, loc + (key,)), f"{where}.{key}",
                              "unknown field (expected found, absent, outcome)")
    if "found" not in raw or "absent" not in raw:
        missing = "found" if "found" not in raw else "absent"
        raise ConfigError(path, _line(lines, loc), f"{where}.{missing}",
                          "required: say which rules must be found and which must not (use [] for none)")
    found = _rule_list(raw["found"], path, lines, loc + ("found",), known)
    if raw["absent"] == "all":
        absent = frozenset(known) - found
    else:
        absent = _rule_list(raw["absent"], path, lines, loc + ("absent",), known)
        both = sorted(found & absent)
        if both:
            raise ConfigError(path, _line(lines, loc + ("absent",)), f"{where}.absent",
                              f"{', '.join(both)} also listed under found")
    outcome = raw.get("outcome", "ok")
    if outcome not in OUTCOMES:
        raise ConfigError(path, _line(lines, loc + ("outcome",)), f"{where}.outcome",
                          f"must be one of {', '.join(OUTCOMES)}")
    return Expectation(name, found, absent, outcome, _line(lines, loc))


def load_expected(app_dir: Path, scenarios_dir: Path = SCENARIOS_DIR) -> AppExpectations:
    """An app's expected.yaml, validated; errors name file, line and field."""
    path = app_dir / EXPECTED_FILE
    if not path.is_file():
        raise ConfigError(path, None, None, f"missing: every corpus app needs an {EXPECTED_FILE}")
    data, lines = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("scenarios"), dict) or not data["scenarios"]:
        raise ConfigError(path, _line(lines, ("scenarios",)), "scenarios",
                          "a mapping of scenario name -> {found: [...], absent: [...]}")
    for key in data:
        if key not in ("description", "scenarios"):
            raise ConfigError(path, _line(lines, (key,)), str(key), "unknown field (expected description, scenarios)")
    known = catalogue_rules()
    expectations = tuple(_expectation(name, raw, path, lines, scenarios_dir, known)
                         for name, raw in data["scenarios"].items())
    return AppExpectations(app_dir, path, str(data.get("description") or ""), expectations)


def discover(corpus_dir: Path, names: Sequence[str] = ()) -> list[Path]:
    """The mini program folders of the corpus (those with an app.json), optionally only the named ones."""
    if not corpus_dir.is_dir():
        raise ConfigError(corpus_dir, None, None, "not a folder")
    apps = sorted(p for p in corpus_dir.iterdir() if (p / "app.json").is_file())
    if names:
        by_name = {p.name: p for p in apps}
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise ConfigError(corpus_dir, None, "--app",
                              f"no app named {', '.join(unknown)} (apps: {', '.join(by_name) or 'none'})")
        apps = [by_name[n] for n in names]
    if not apps:
        raise ConfigError(corpus_dir, None, None, "holds no mini program (no */app.json)")
    return apps


def _line(lines: dict[Loc, int], loc: Loc) -> int | None:
    return _nearest_line(loc, lines)


def _where(loc: Loc) -> str:
    return ".".join(str(p) for p in loc)


# ---------------------------------------------------------------- judging sessions


@dataclass
class Observation:
    """What a recorded session shows: the rules it found, and why rules could not be tested."""

    outcome: str
    reason: str | None
    found: set[str]
    not_tested: dict[str, str] = field(default_factory=dict)


def observe(session_dir: Path) -> Observation:
    """Read a session folder: findings.json (and rules.json where it exists) and session.json."""
    meta = _read_json(session_dir / "session.json") or {}
    findings = _read_json(session_dir / "findings.json") or []
    found = {str(f["rule"]) for f in findings if isinstance(f, dict) and "rule" in f}
    not_tested: dict[str, str] = {}
    for rule_id, status in (_read_json(session_dir / "rules.json") or {}).items():
        if not isinstance(status, dict):
            continue
        if status.get("status") in FOUND_STATUSES:
            found.add(rule_id)
        elif status.get("status") == "not_tested":
            not_tested[rule_id] = str(status.get("why") or "not tested")
    return Observation(str(meta.get("outcome") or "error"), meta.get("reason"), found, not_tested)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass
class Verdict:
    """One (app, scenario) session judged against its expectation."""

    app: str
    expectation: Expectation
    session_dir: Path | None
    observation: Observation

    @property
    def ran(self) -> bool:
        """The session ran to an outcome: its findings can be scored (an error session's cannot)."""
        return self.observation.outcome != "error"

    @property
    def missing(self) -> list[str]:
        return sorted(self.expectation.found - self.observation.found)

    @property
    def unexpected(self) -> list[str]:
        return sorted(self.expectation.absent & self.observation.found) if self.ran else []

    @property
    def unlabelled(self) -> list[str]:
        return sorted(self.observation.found - self.expectation.found - self.expectation.absent)

    @property
    def outcome_ok(self) -> bool:
        return self.observation.outcome == self.expectation.outcome

    @property
    def passed(self) -> bool:
        return self.outcome_ok and not self.missing and not self.unexpected

    def problems(self) -> list[str]:
        """One line per way the session differs from its expectation."""
        out: list[str] = []
        obs = self.observation
        if not self.outcome_ok:
            out.append(f"outcome {obs.outcome} (expected {self.expectation.outcome})"
                       + (f": {obs.reason}" if obs.reason else ""))
        for rule_id in self.missing:
            why = obs.not_tested.get(rule_id)
            out.append(f"{rule_id} not found" + (f" (not tested: {why})" if why else ""))
        for rule_id in self.unexpected:
            out.append(f"{rule_id} found but expected absent")
        return out


@dataclass
class RuleScore(Counts):
    rule: str = ""

    @property
    def perfect(self) -> bool:
        return self.fp == 0 and self.fn == 0


def score(verdicts: Sequence[Verdict]) -> dict[str, RuleScore]:
    """Per-rule counts over all sessions, for every rule some expectation names, in catalogue order."""
    named = {r for v in verdicts for r in v.expectation.found | v.expectation.absent}
    scores = {r: RuleScore(rule=r) for r in catalogue_rules() if r in named}
    for v in verdicts:
        for rule_id in v.expectation.found:
            if rule_id in v.observation.found:
                scores[rule_id].tp += 1
            else:
                scores[rule_id].fn += 1
        for rule_id in v.unexpected:
            scores[rule_id].fp += 1
    return scores


@dataclass
class CorpusResult:
    run_dir: Path | None
    verdicts: list[Verdict]

    @property
    def scores(self) -> dict[str, RuleScore]:
        return score(self.verdicts)

    @property
    def passed(self) -> bool:
        """100%: every rule perfect and every session as expected."""
        return all(v.passed for v in self.verdicts)

    @property
    def errors(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.ran]

    def to_json(self) -> dict[str, Any]:
        return {
            "run_dir": str(self.run_dir) if self.run_dir else None,
            "passed": self.passed,
            "rules": {r: {"tp": s.tp, "fp": s.fp, "fn": s.fn, "precision": s.precision, "recall": s.recall}
                      for r, s in self.scores.items()},
            "sessions": [
                {"app": v.app, "scenario": v.expectation.scenario,
                 "session_dir": str(v.session_dir) if v.session_dir else None,
                 "outcome": v.observation.outcome, "expected_outcome": v.expectation.outcome,
                 "reason": v.observation.reason, "found": sorted(v.observation.found),
                 "expected_found": sorted(v.expectation.found), "missing": v.missing,
                 "unexpected": v.unexpected, "unlabelled": v.unlabelled, "passed": v.passed,
                 "not_tested": {r: w for r, w in v.observation.not_tested.items() if r in v.missing}}
                for v in self.verdicts
            ],
        }


def judge(apps: Sequence[AppExpectations], session_dirs: dict[tuple[str, str], Path | None]) -> CorpusResult:
    """Verdicts for every (app, scenario), from the session folders the run produced (None: not run)."""
    verdicts: list[Verdict] = []
    for app in apps:
        for exp in app.expectations:
            session_dir = session_dirs.get((app.name, exp.scenario))
            if session_dir is None or not session_dir.is_dir():
                obs = Observation("error", "the session was not run", set())
            else:
                obs = observe(session_dir)
            verdicts.append(Verdict(app.name, exp, session_dir, obs))
    return CorpusResult(None, verdicts)


# ---------------------------------------------------------------- running


def corpus_scenarios(apps: Sequence[AppExpectations], scenarios_dir: Path = SCENARIOS_DIR) -> dict[str, Scenario]:
    """The scenarios the expectations name, each loaded once (file:line errors from harness.config)."""
    names = sorted({e.scenario for a in apps for e in a.expectations})
    return {n: load_scenario(scenarios_dir / f"{n}.yaml") for n in names}


def run_corpus(
    apps: Sequence[AppExpectations],
    devices: Sequence[SimDevice],
    *,
    corpus_dir: Path,
    scenarios_dir: Path = SCENARIOS_DIR,
    out_root: Path,
    session_timeout: float | None = None,
    retries: int = 1,
    progress: Callable[[str], None] | None = None,
) -> CorpusResult:
    """Run each (app, scenario) of the expectations once, in one run folder, and judge the sessions."""
    from harness.progress import RunProgress
    from harness.runner import Pool, RunOptions, SimSlot, WorkItem, new_run_dir, slug, write_run_summary
    from sim.backend import FixtureBackend

    scenarios = corpus_scenarios(apps, scenarios_dir)
    suite = Suite(name=f"corpus-{corpus_dir.name}", file=corpus_dir.resolve(), apps=[a.app_dir for a in apps],
                  scenarios=list(scenarios.values()))
    items: list[WorkItem] = []
    keys: dict[str, tuple[str, str]] = {}
    for app in apps:
        for exp in app.expectations:
            name = f"{len(items) + 1:02d}-{slug(app.name)}-{slug(exp.scenario)}"
            items.append(WorkItem(name, app.app_dir, scenarios[exp.scenario], None))
            keys[name] = (app.name, exp.scenario)
    # an infrastructure error (never a session with findings) is retried: the corpus judges apps, not hosts
    options = RunOptions(spread=True, session_timeout=session_timeout, retries=retries, backoff=1.0)
    old_umask = os.umask(0o077)  # artifacts hold real personal data: owner-only
    backend = FixtureBackend([a.app_dir for a in apps])
    try:
        run_dir = new_run_dir(suite, out_root)
        backend_ports = backend.start()
        slots = [SimSlot(d, run_dir, backend_ports, options) for d in devices]
        with RunProgress([d.name for d in devices], len(items)) as shown:
            result = Pool(run_dir, slots, items, options, shown).run()
        write_run_summary(result, suite, options)
    finally:
        backend.stop()
        os.umask(old_umask)
    by_key = {keys[s.session_dir.name]: s.session_dir for s in result.sessions if s.session_dir.name in keys}
    judged = judge(apps, by_key)
    judged.run_dir = run_dir
    (run_dir / "corpus.json").write_text(json.dumps(judged.to_json(), indent=2, ensure_ascii=False) + "\n")
    if progress:
        progress(f"corpus: {sum(v.passed for v in judged.verdicts)}/{len(judged.verdicts)} sessions as expected")
    return judged


# ---------------------------------------------------------------- text output


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def format_result(result: CorpusResult) -> str:
    """The per-rule table, then each mismatching session with its folder."""
    lines = [f"{'rule':9} {'tp':>3} {'fp':>3} {'fn':>3} {'precision':>9} {'recall':>7}"]
    quiet = 0  # rules only ever expected absent, and never found: one summary line
    for s in result.scores.values():
        if not (s.tp or s.fp or s.fn):
            quiet += 1
            continue
        mark = "" if s.perfect else "  <"
        lines.append(f"{s.rule:9} {s.tp:3d} {s.fp:3d} {s.fn:3d} {_pct(s.precision):>9} {_pct(s.recall):>7}{mark}")
    if quiet:
        lines.append(f"({quiet} more rules expected absent only, never found)")
    bad = [v for v in result.verdicts if not v.passed]
    if bad:
        lines.append("")
        lines.append("mismatches:")
        for v in bad:
            lines.append(f"  {v.app} / {v.expectation.scenario}: {v.session_dir or '(no session)'}")
            lines += [f"    - {p}" for p in v.problems()]
    unlabelled = [v for v in result.verdicts if v.unlabelled]
    if unlabelled:
        lines.append("")
        lines.append("found but not labelled in expected.yaml (not scored):")
        lines += [f"  {v.app} / {v.expectation.scenario}: {', '.join(v.unlabelled)}" for v in unlabelled]
    total = len(result.verdicts)
    ok = sum(v.passed for v in result.verdicts)
    lines.append("")
    lines.append(f"{ok}/{total} sessions as expected; " + ("PASS (100%)" if result.passed else "FAIL (below 100%)"))
    if result.run_dir:
        lines.append(f"run folder: {result.run_dir}")
    return "\n".join(lines)
