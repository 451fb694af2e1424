"""The walking skeleton, end to end: `miniprobe run` on the demo suite with every real part.

The CLI starts a real Appium server (Chromium driver) driving headless Chromium, the sim's JVM
host under a real Frida agent, a real mitmproxy, and the fixture back end. The violating store
locator must yield exactly CON-001, CON-004, SEC-001 and PERM-002 (plus PERM-001: it asks for the
location in onLaunch, before any tap; and POL-001: it reports the location before showing any notice
with a policy link and a reject control); its compliant twin none.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harness.event_views import ApiCall, Flow, Lifecycle, Prompt, Step
from harness.timeline import Timeline
from tests.conftest import miniprobe_cmd

pytestmark = pytest.mark.e2e
HEADLINE = {"CON-001", "CON-004", "SEC-001", "PERM-002"}
LAUNCH_LOCATION = {"PERM-001", "POL-001"}  # getLocation in onLaunch, before any tap and any notice


@pytest.fixture(scope="module")
def demo_run(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("artifacts")
    proc = subprocess.run(
        [*miniprobe_cmd(), "run", str(repo / "scenarios" / "demo" / "suite.yaml"), "--out", str(out),
         "--fail-on", "none"],
        capture_output=True, text=True, timeout=900, cwd=repo, check=False,
    )
    assert proc.returncode == 0, f"miniprobe run failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    assert run_dir.is_dir() and run_dir.parent == out
    return run_dir


def sessions(run_dir: Path, app: str) -> dict[str, Path]:
    found = {p.name.split("-", 1)[1]: p for p in run_dir.iterdir() if p.is_dir() and app in p.name}
    assert len(found) == 2, f"expected two {app} sessions in {run_dir}: {sorted(found)}"
    return found


def rules(session_dir: Path) -> set[str]:
    return {f["rule"] for f in json.loads((session_dir / "findings.json").read_text())}


def test_violating_app_yields_exactly_the_headline_four(demo_run: Path) -> None:
    found = sessions(demo_run, "storefinder-violating")
    first = next(p for n, p in found.items() if n.endswith("first-launch"))
    refuse = next(p for n, p in found.items() if n.endswith("refuse-location"))
    assert rules(first) == {"CON-001", "CON-004", "SEC-001"} | LAUNCH_LOCATION
    assert {"CON-001", "SEC-001", "PERM-002"} <= rules(refuse) <= HEADLINE | LAUNCH_LOCATION
    assert rules(first) | rules(refuse) == HEADLINE | LAUNCH_LOCATION


def test_compliant_twin_yields_nothing(demo_run: Path) -> None:
    for session_dir in sessions(demo_run, "storefinder-compliant").values():
        meta = json.loads((session_dir / "session.json").read_text())
        assert meta["outcome"] == "ok", meta
        assert rules(session_dir) == set()


def test_every_seam_recorded_real_events(demo_run: Path) -> None:
    for session_dir in demo_run.iterdir():
        if not session_dir.is_dir():
            continue
        for name in ("session.json", "events.jsonl", "flows.mitm", "findings.json"):
            assert (session_dir / name).is_file(), f"{session_dir.name} lacks {name}"
        assert any((session_dir / "screens").glob("*.png"))
        timeline = Timeline.load(session_dir)
        assert not timeline.partial, f"{session_dir.name} did not end cleanly"
        calls = timeline.of(ApiCall)
        assert calls and all(c.source == "frida" for c in calls)  # through the Frida agent on the JVM host
        assert any(e.event == "launch" for e in timeline.of(Lifecycle))
        assert timeline.of(Flow) and all(f.source == "proxy" for f in timeline.of(Flow))  # through mitmproxy
        assert timeline.of(Step) and all(s.screenshot for s in timeline.of(Step))  # through Appium
        assert timeline.of(Prompt)  # dialogs seen on screen


def test_violating_evidence_is_what_the_rules_say(demo_run: Path) -> None:
    first = next(p for n, p in sessions(demo_run, "storefinder-violating").items() if n.endswith("first-launch"))
    timeline = Timeline.load(first)
    by_seq = timeline.by_seq
    findings = {f["rule"]: f for f in json.loads((first / "findings.json").read_text())}
    plaintext = [by_seq[s] for s in findings["SEC-001"]["evidence"] if isinstance(by_seq[s], Flow)]
    assert plaintext and all(f.scheme == "http" and f.host == "api.freshfruit.example" for f in plaintext)
    assert any(m.type == "location" for f in plaintext for m in f.pi)
    dialog = [by_seq[s] for s in findings["CON-004"]["evidence"] if isinstance(by_seq[s], Prompt)]
    assert dialog and [b.text for b in dialog[0].buttons] == ["同意"]
    early = [by_seq[s] for s in findings["CON-001"]["evidence"]]
    assert any(isinstance(e, ApiCall) and e.api == "getLocation" and e.ok for e in early)
    # personal data never appears unmasked in the findings
    assert "121.473701" not in (first / "findings.json").read_text()


def test_replay_gives_the_same_findings(demo_run: Path, repo: Path) -> None:
    for session_dir in demo_run.iterdir():
        if not session_dir.is_dir():
            continue
        proc = subprocess.run([*miniprobe_cmd(), "replay", str(session_dir), "--json"],
                              capture_output=True, text=True, timeout=120, cwd=repo, check=False)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout) == json.loads((session_dir / "findings.json").read_text())
        assert proc.stdout == (session_dir / "findings.json").read_text()


def test_report_lists_sessions(demo_run: Path) -> None:
    html = (demo_run / "report.html").read_text()
    assert "storefinder-violating" in html and "CON-004" in html
