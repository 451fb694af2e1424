"""The run's outputs on a real run of the sim, as a person and a CI job would use them.

ONE module-scoped run (`miniprobe run` through the CLI: the storefinder pair, first-launch only,
signed, with a WeCom webhook to a local server) feeds every test here: the report opened in real
headless Chromium, the machine outputs validated, verify / diff / prune / report --pdf on copies.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import stat
import subprocess
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import ClassVar

import jsonschema
import pytest

from harness.report import finish_run
from tests.conftest import miniprobe_cmd
from tests.test_report_xss import chrome  # noqa: F401 - the real headless Chromium fixture

pytestmark = pytest.mark.e2e
SCHEMA = Path(__file__).resolve().parent.parent / "schema"


class _Hook(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"errcode":0}')

    def log_message(self, *args: object) -> None:
        pass


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*miniprobe_cmd(), *args], check=False, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "lab"
    assert cli("keygen", str(path)).returncode == 0
    return path


@pytest.fixture(scope="module")
def run_a(repo: Path, key: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("nightly")
    suite = base / "suite.yaml"
    demo = repo / "scenarios" / "demo"
    suite.write_text(
        "name: nightly\napps:\n"
        f"  - {repo / 'sim/apps/storefinder-violating'}\n  - {repo / 'sim/apps/storefinder-compliant'}\n"
        f"scenarios:\n  - {demo / 'first-launch.yaml'}\n")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        proc = subprocess.run(
            [*miniprobe_cmd(), "run", str(suite), "--out", str(base / "artifacts"), "--fail-on", "none", "--retries", "1",
             "--sign-key", str(key), "--webhook", f"http://127.0.0.1:{server.server_port}/hook",
             "--webhook-format", "wecom"],
            check=False, capture_output=True, text=True, timeout=600, cwd=repo)
    finally:
        server.shutdown()
    assert proc.returncode == 0, f"miniprobe run failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    return Path(proc.stdout.strip().splitlines()[-1])


def violating(run: Path) -> Path:
    return next(p for p in run.iterdir() if "storefinder-violating" in p.name and p.is_dir())


def test_report_shows_findings_and_images_in_chromium(run_a: Path, chrome, tmp_path: Path) -> None:  # noqa: F811
    chrome.get((run_a / "report.html").as_uri())
    text = chrome.execute_script("return document.body.innerText")
    for rule in ("CON-001", "CON-004", "SEC-001"):
        assert rule in text
    assert "Non-compliant" in text and "Remedy" in text and "SHA256:" in text
    images = chrome.execute_script("return [...document.images].map(i => [i.complete, i.naturalWidth])")
    assert images and all(done and width > 0 for done, width in images), images
    boxes = chrome.execute_script("return [...document.querySelectorAll('.shot .box')]"
                                  ".map(b => b.getBoundingClientRect().width)")
    assert boxes and all(w > 0 for w in boxes)  # the dialog's buttons are outlined on the screenshot
    assert chrome.get_screenshot_as_file(str(tmp_path / "report.png"))
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_machine_outputs_validate(run_a: Path) -> None:
    from jsonschema import Draft202012Validator

    jsonschema.validate(json.loads((run_a / "findings.json").read_text()),
                        json.loads((SCHEMA / "run-findings.schema.json").read_text()))
    for s in (p for p in run_a.iterdir() if (p / "findings.json").is_file()):
        jsonschema.validate(json.loads((s / "findings.json").read_text()),
                            json.loads((SCHEMA / "findings.schema.json").read_text()))
    har = json.loads((run_a / "flows.har").read_text())
    Draft202012Validator(json.loads((SCHEMA / "har-1.2.schema.json").read_text()),
                         format_checker=Draft202012Validator.FORMAT_CHECKER).validate(har)
    assert any(e["request"]["url"].startswith("http://api.freshfruit.example") for e in har["log"]["entries"])
    assert "121.473701" not in (run_a / "flows.har").read_text()
    suites = ET.parse(run_a / "junit.xml").getroot().findall("testsuite")
    assert len(suites) == 2
    failed = {c.get("name").split()[0] for s in suites for c in s.findall("testcase") if c.find("failure") is not None}
    recorded = {f["rule"] for f in json.loads((violating(run_a) / "findings.json").read_text()) if f["status"] == "fail"}
    assert {"CON-001", "CON-004", "SEC-001"} <= failed == recorded


def test_webhook_got_the_wecom_summary(run_a: Path) -> None:
    assert _Hook.received, "no webhook POST arrived"
    body = _Hook.received[-1]
    assert body["msgtype"] == "markdown" and "CON-004" in body["markdown"]["content"]


def test_artifacts_are_owner_only(run_a: Path) -> None:
    loose = []
    for root, dirs, files in os.walk(run_a):
        for name in dirs:
            if stat.S_IMODE(os.stat(Path(root) / name).st_mode) != 0o700:
                loose.append(f"{Path(root) / name} dir")
        for name in files:
            if stat.S_IMODE(os.stat(Path(root) / name).st_mode) != 0o600:
                loose.append(str(Path(root) / name))
    assert not loose, loose


def test_verify_a_signed_run_and_name_tampering(run_a: Path, key: Path, tmp_path: Path) -> None:
    pinned = cli("verify", str(run_a), "--pubkey", f"{key}.pub")
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr
    assert pinned.stdout.count("intact, signed by SHA256:") == 3  # the run and its two sessions
    copy = shutil.copytree(run_a, tmp_path / run_a.name)
    shot = min((violating(copy) / "screens").glob("*.png"))
    shot.write_bytes(shot.read_bytes() + b"x")
    (copy / "junit.xml").unlink()
    bad = cli("verify", str(copy))
    assert bad.returncode == 1
    assert f"altered: screens/{shot.name}" in bad.stdout and "removed: junit.xml" in bad.stdout


def _run_b(run_a: Path, root: Path) -> Path:
    """Run A one night later: one CON-001 finding fixed, one new SEC-001 finding."""
    run_b = shutil.copytree(run_a, root / run_a.name.replace(run_a.name[:8], "29991231", 1))
    path = violating(run_b) / "findings.json"
    findings = json.loads(path.read_text())
    fixed = next(f for f in findings if f["rule"] == "CON-001")
    new = {**next(f for f in findings if f["rule"] == "SEC-001"), "fingerprint": "0123456789abcdef"}
    path.write_text(json.dumps([f for f in findings if f is not fixed] + [new]))
    return run_b


def test_diff_and_baseline_gating(run_a: Path, tmp_path: Path) -> None:
    run_b = _run_b(run_a, tmp_path)
    proc = cli("diff", str(run_a), str(run_b), "--json")
    assert proc.returncode == 1, proc.stderr  # new findings
    result = json.loads(proc.stdout)
    classes = {(r["class"], r["rule"]) for r in result["findings"] if r["class"] != "persisting"}
    assert classes == {("new", "SEC-001"), ("fixed", "CON-001")}
    assert result["counts"]["persisting"] >= 2
    assert cli("diff", str(run_a), str(run_a)).returncode == 0
    outputs = finish_run(run_b, baseline=run_a)
    assert [f["fingerprint"] for f in outputs.gating] == ["0123456789abcdef"]
    assert json.loads((run_b / "diff.json").read_text())["counts"]["new"] == 1
    assert "Since baseline" in (run_b / "report.html").read_text()


def test_prune_keeps_the_newest_and_nothing_else_is_touched(run_a: Path, tmp_path: Path) -> None:
    out = tmp_path / "artifacts"
    out.mkdir()
    names = ["20250101-000000-nightly", "20250102-000000-nightly", "20250103-000000-nightly"]
    for name in names:
        shutil.copytree(run_a, out / name)
    (out / "20240101-000000-notes").mkdir()  # named like a run, but no run.json
    (out / "keep-me.txt").write_text("not a run")
    (out / "20200101-000000-link").symlink_to(out / names[0])
    proc = cli("prune", "--keep", "2", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted([*names[1:], "20240101-000000-notes", "keep-me.txt",
                                                             "20200101-000000-link"])


def test_report_pdf_through_headless_chromium(run_a: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(run_a, tmp_path / run_a.name)
    proc = cli("report", str(copy), "--pdf")
    assert proc.returncode == 0, proc.stderr
    pdf = copy / "report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    again = cli("verify", str(copy))  # regenerated reports are derived; the run manifest was rewritten
    assert again.returncode == 0, again.stdout
    assert again.stdout.count("signed by") == 2 and "signature was removed" in proc.stderr  # the sessions stay signed
