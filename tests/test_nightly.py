"""Pure parts of the nightly outputs: webhook payload templates and the diff's care with error sessions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.report.diff import diff_runs
from harness.report.webhook import payload, summary

FINDING = {"rule": "CON-004", "severity": "high", "status": "fail", "statement": "dialog without reject",
           "fingerprint": "53faef3166a7a2f4", "session": "01-a-s"}


def test_webhook_templates() -> None:
    data = summary("RUN", "/x/report.html", [FINDING], 0, None)
    assert payload("json", data)["findings"] == 1
    wecom = payload("wecom", data)
    assert wecom["msgtype"] == "markdown" and "CON-004" in wecom["markdown"]["content"]
    ding = payload("dingtalk", data)
    assert ding["msgtype"] == "markdown" and ding["markdown"]["title"] and "CON-004" in ding["markdown"]["text"]
    slack = payload("slack", data)
    assert slack["text"] and slack["blocks"][0]["text"]["type"] == "mrkdwn"
    with pytest.raises(ValueError, match="webhook format"):
        payload("teams", data)


def _run(root: Path, name: str, outcome: str, findings: list[dict]) -> Path:
    run = root / name
    session = run / "01-a-s"
    session.mkdir(parents=True)
    (session / "session.json").write_text(json.dumps({"app": {"appid": "wx1", "path": "/apps/a"},
                                                      "scenario": {"name": "s"}, "device": {"name": "sim"},
                                                      "outcome": outcome, "reason": "JVM died"}))
    (session / "findings.json").write_text(json.dumps(findings))
    (run / "run.json").write_text(json.dumps({"sessions": [{"dir": session.name}]}))
    return run


def test_an_error_session_fixes_nothing(tmp_path: Path) -> None:
    a = _run(tmp_path, "a", "ok", [FINDING])
    crashed = _run(tmp_path, "b", "error", [])
    result = diff_runs(a, crashed)
    assert result["counts"] == {"new": 0, "fixed": 0, "persisting": 0}
    assert "ended in an error" in result["not_compared"][0]["why"]
    clean = _run(tmp_path, "c", "ok", [])
    assert diff_runs(a, clean)["counts"]["fixed"] == 1
