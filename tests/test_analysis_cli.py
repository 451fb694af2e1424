"""`miniprobe explain RULE-ID` and `miniprobe probes` (harness/commands/explain.py, harness/cli.py)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import probes
from harness.cli import app
from probes.registry import Registry
from probes.rules import NOT_COVERED

runner = CliRunner()


def test_explain_a_covered_and_an_uncovered_rule() -> None:
    result = runner.invoke(app, ["explain", "con-002"])
    assert result.exit_code == 0, result.output
    for part in (
        "CON-002  Collection after refusal",
        "basis:     认定方法 三.2 [V]",
        "detection: After t_refuse(S)",
        "severity:  high",
        "scenarios: S2, S4",
        "remedy:    Honour refusals",
        "probe:     collection_after_refusal (needs refusal, collection)",
    ):
        assert part in result.output
    with pytest.MonkeyPatch.context() as patch:  # a rule no probe covers says why
        patch.setattr(probes, "load_probes", Registry)
        patch.setitem(NOT_COVERED, "RTS-001", "needs an S7 crawl")
        result = runner.invoke(app, ["explain", "RTS-001"])
    assert "probe:     not covered: needs an S7 crawl" in result.output


def test_explain_unknown_rule_exits_2() -> None:
    result = runner.invoke(app, ["explain", "NOPE-1"])
    assert result.exit_code == 2 and "unknown rule id 'NOPE-1'" in result.output


def test_probes_lists_uncovered_rules() -> None:
    result = runner.invoke(app, ["probes"])
    assert result.exit_code == 0
    assert "collection_after_refusal" in result.output
    if NOT_COVERED:
        assert all(rule_id in result.output.split("not covered (")[1] for rule_id in NOT_COVERED)
    else:  # every rule has a probe: no such section
        assert "not covered (" not in result.output
