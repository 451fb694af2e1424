"""The `crawl` step end to end on the sim (real Appium, Chromium, JVM host, Frida, mitmproxy): one session on
the compliant account-center app — a crawl cut short by its screen budget, then a complete one below 我的."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import miniprobe_cmd

SCENARIO = """name: crawl-e2e
steps:
  - launch
  - crawl: {screens: 3, seconds: 60}
  - crawl: {from: 我的, depth: 4, seconds: 90}
"""


@pytest.fixture(scope="module")
def session(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("crawl")
    (base / "crawl-e2e.yaml").write_text(SCENARIO, encoding="utf-8")
    suite = base / "suite.yaml"
    suite.write_text(f"name: crawl\napps:\n  - {repo / 'sim/apps/account-center-compliant'}\n"
                     "scenarios:\n  - crawl-e2e.yaml\n", encoding="utf-8")
    proc = subprocess.run([*miniprobe_cmd(), "run", str(suite), "--out", str(base / "artifacts"), "--fail-on", "none"],
                          check=False, capture_output=True, text=True, timeout=600, cwd=repo)
    run = Path(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else None
    assert run is not None and run.is_dir(), f"miniprobe run failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    return next(p for p in run.iterdir() if p.is_dir() and (p / "events.jsonl").is_file())


def events(session: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (session / "events.jsonl").read_text(encoding="utf-8").splitlines() if line]


def crawl_screens(session: Path) -> list[list[dict[str, Any]]]:
    """The crawl snapshots of each crawl step, in order."""
    groups: list[list[dict[str, Any]]] = [[]]
    for e in events(session):
        if e["kind"] == "ui_snapshot" and e.get("crawl_path") is not None:
            groups[-1].append(e)
        elif e["kind"] == "step" and e["action"] == "crawl":
            groups.append([])
    return groups[:-1]


def test_a_budget_stop_is_a_clear_failure_that_keeps_what_it_saw(session: Path) -> None:
    first = next(e for e in events(session) if e["kind"] == "step" and e["action"] == "crawl")
    assert first["result"] == "failed"
    assert first["detail"] == "3 screens, depth 0; stopped: the budget of 3 screens was reached"
    assert [s["crawl_path"] for s in crawl_screens(session)[0]] == [[], ["保温杯 500ml"], ["乳胶枕 一对装"]]
    summary = json.loads((session / "session.json").read_text())
    assert summary["outcome"] == "failed" and "stopped: the budget of 3 screens" in summary["reason"]


def test_a_complete_crawl_below_from_records_each_screen_once_on_its_shortest_path(session: Path) -> None:
    step = [e for e in events(session) if e["kind"] == "step" and e["action"] == "crawl"][1]
    screens = crawl_screens(session)[1]
    paths = [s["crawl_path"] for s in screens]
    assert step["result"] == "ok" and step["detail"] == f"{len(screens)} screens, depth 4"
    assert paths == [[], ["我的"], ["我的", "我的订单"], ["我的", "设置"], ["我的", "设置", "账号与安全"],
                     ["我的", "设置", "隐私设置"], ["我的", "设置", "隐私政策"], ["我的", "设置", "关于我们"],
                     ["我的", "设置", "关于我们", "清除缓存"]]
    assert screens[0]["page"] == "pages/index/index"  # the budget-stopped crawl went back to the start
    for shot in screens:
        assert (session / shot["screenshot"]).is_file()
    assert "注销账号" in screens[4]["texts"]  # seen ...
    routes = {e.get("page") for e in events(session) if e["kind"] == "lifecycle"}
    assert "pages/delete/delete" not in routes  # ... never tapped, nor 退出登录 (a reLaunch home would show)


def test_a_dialog_the_crawl_opened_is_on_record_and_closed_without_consent(session: Path) -> None:
    modal = next(e for e in events(session) if e["kind"] == "prompt" and e.get("title") == "清除缓存")
    assert modal["prompt_kind"] == "developer_dialog"
    assert not [e for e in events(session) if e["kind"] == "consent"]
    last_step = [e for e in events(session) if e["kind"] == "step"][-1]
    shown = next(e for e in events(session) if e["kind"] == "ui_snapshot" and e.get("screenshot") == last_step["screenshot"])
    assert shown["page"] == "pages/index/index"  # the walk ends where it started
