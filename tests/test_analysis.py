"""harness.analysis: findings.json + rules.json, probe-config.json saved and read back for replay."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.analysis import findings_of, rules_of, write_analysis
from harness.timeline import Recorder
from probes.rules import RULES
from probes.testing import TimelineBuilder, pi


def record(session_dir: Path) -> None:
    built = (
        TimelineBuilder()
        .api(1.0, "chooseImage")
        .flow(1.5, "https://api.x.example/u", pi=[pi()])
        .consent(2.0)
        .end(5)
    )
    recorder = Recorder(session_dir / "events.jsonl")
    for event in sorted(built.events, key=lambda e: e.t):  # the models (a Timeline holds their read-only views)
        recorder.record(event)
    recorder.close()


def test_write_analysis_saves_config_and_replay_matches(tmp_path: Path) -> None:
    record(tmp_path)
    analysis = write_analysis(tmp_path, {"declared_categories": ["照片/视频"]})
    saved = json.loads((tmp_path / "probe-config.json").read_text())
    assert saved["declared_categories"] == ["照片/视频"] and saved["user_initiated_window_s"] == 3.0
    assert {f["rule"] for f in analysis.findings} == {"CON-001", "POL-004"}
    rules = json.loads((tmp_path / "rules.json").read_text())
    assert list(rules) == list(RULES)
    assert rules["POL-004"] == {
        "status": "fail",
        "findings": 1,
        "probes": ["undeclared_collection"],
        "why": "1 finding(s) by undeclared_collection",
    }
    assert rules["RTS-002"]["status"] == "not_tested" and "no confirmed account deletion" in rules["RTS-002"]["why"]
    for name in ("findings.json", "rules.json", "probe-config.json"):
        assert os.stat(tmp_path / name).st_mode & 0o077 == 0
    # replay reads the saved config: same bytes, no writes
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    assert findings_of(tmp_path) == (tmp_path / "findings.json").read_text()
    assert rules_of(tmp_path) == (tmp_path / "rules.json").read_text()
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before


def test_without_config_defaults_and_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    record(tmp_path)
    assert "POL-004" not in {f["rule"] for f in write_analysis(tmp_path).findings}
    (tmp_path / "probe-config.json").write_text('{"per_minute_limit": 0}')
    with pytest.raises(ValueError, match=r"probe-config.json: per_minute_limit: "):
        findings_of(tmp_path)
