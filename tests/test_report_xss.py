"""The reports on a hostile session: XSS payloads in UI text, traffic and app code never run in a
real headless Chromium, personal data is masked unless --unmask, and every output validates.

The session folder is built by hand (events.jsonl through the Recorder, a PNG screenshot, a
flows.mitm written with mitmproxy's own writer) so that every field a report shows carries a payload.
"""

from __future__ import annotations

import json
import shutil
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from mitmproxy import io as mitmio
from mitmproxy.test import tflow
from PIL import Image

from harness.report import finish_run
from harness.timeline import (
    ApiCall,
    Flow,
    PIMatch,
    Prompt,
    Recorder,
    SessionEnd,
    SessionStart,
    Step,
    UIButton,
)
from probes import fingerprint
from tests.conftest import headless_chromium

PAYLOADS = [
    "<img src=x onerror=\"window.__pwned=1;document.title='pwned'\">",
    "</script><script>window.__pwned=2</script>",
    "<svg onload=window.__pwned=3>",
    "'\"><iframe src=javascript:window.__pwned=4>",
]
JS_URL = "javascript:window.__pwned=5//"
PHONE = "13912345678"
SCHEMA = Path(__file__).resolve().parent.parent / "schema"


def _png(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (400, 600), (240, 240, 240)).save(path)


def _flows(path: Path) -> str:
    flow = tflow.tflow(resp=True)
    flow.request.scheme, flow.request.host, flow.request.port = "http", "evil.example", 80
    flow.request.path = "/collect?q=" + PAYLOADS[0].replace(" ", "%20")
    flow.request.method = "POST"
    flow.request.headers["content-type"] = "application/json"
    flow.request.headers["X-Note"] = PAYLOADS[2]
    flow.request.content = json.dumps({"phone": PHONE, "note": PAYLOADS[1], "link": JS_URL}).encode()
    flow.response.headers["content-type"] = "text/html"
    flow.response.content = PAYLOADS[3].encode()
    with open(path, "wb") as f:
        mitmio.FlowWriter(f).add(flow)
    return flow.id


def hostile_run(root: Path) -> Path:
    """A run folder with one session whose every shown string is a payload."""
    run = root / "20260101-000000-xss"
    session = run / "01-xss-first-launch"
    session.mkdir(parents=True)
    _png(session / "screens/001-prompt.png")
    flow_id = _flows(session / "flows.mitm")
    rec = Recorder(session / "events.jsonl")
    rec.record(SessionStart(source="harness", session_id=session.name, device=PAYLOADS[0], device_kind="sim",
                            wechat_version=PAYLOADS[1], base_library="2.30.0", appid="wx" + PAYLOADS[2],
                            scenario=PAYLOADS[3], tool_version="0.1.0", probe_versions={PAYLOADS[0]: "1"}))
    step = rec.record(Step(source="scenario", index=0, action="input", target=f"{PAYLOADS[1]} {PHONE}",
                           detail=JS_URL, screenshot="screens/001-prompt.png"))
    prompt = rec.record(Prompt(source="driver", prompt_kind="developer_dialog", title=PAYLOADS[0],
                               texts=[PAYLOADS[1], PAYLOADS[3]], mentions_privacy=True,
                               buttons=[UIButton(text=PAYLOADS[2], role="agree", bounds=(100, 500, 200, 40))],
                               screenshot="screens/001-prompt.png"))
    call = rec.record(ApiCall(source="frida", api=PAYLOADS[2], args={"phone": PHONE, "x": PAYLOADS[0]}, ok=True,
                              result={"url": JS_URL}, stack=[PAYLOADS[1], f"at evil ({JS_URL})"]))
    flow = rec.record(Flow(source="proxy", flow_id=flow_id, url=f"http://evil.example/collect?p={PHONE}&x={PAYLOADS[3]}",
                           scheme="http", host="evil.example", method="POST", status=200,
                           pi=[PIMatch(type="phone", location=PAYLOADS[0], masked="139****5678")]))
    rec.record(SessionEnd(source="harness", outcome="ok"))
    rec.close()
    finding = {"rule": "CON-004", "severity": "high", "status": "fail", "title": PAYLOADS[0],
               "statement": f"{PAYLOADS[1]} {PAYLOADS[3]}", "evidence": [step.seq, prompt.seq, call.seq, flow.seq],
               "screenshots": ["screens/001-prompt.png"], "flows": [flow_id], "data": [PAYLOADS[2]],
               "remedy": PAYLOADS[0], "probe": "reject_option", "partial": False,
               "fingerprint": fingerprint("CON-004", (PAYLOADS[0],))}
    (session / "findings.json").write_text(json.dumps([finding]))
    (session / "session.json").write_text(json.dumps({
        "session": session.name, "device": {"name": PAYLOADS[0], "kind": "sim"},
        "app": {"appid": "wx1", "name": PAYLOADS[1]}, "scenario": {"name": PAYLOADS[2]}, "outcome": "ok",
        "reason": PAYLOADS[3], "started": PAYLOADS[0]}))
    (session / "sim-profile.json").write_text(json.dumps({"phoneNumber": PHONE}))
    (run / "run.json").write_text(json.dumps({"suite": PAYLOADS[0], "sessions": [{"dir": session.name}],
                                              "not_run": [{"session": PAYLOADS[1], "why": PAYLOADS[2]}]}))
    return run


@pytest.fixture(scope="module")
def chrome():
    """Real headless Chromium through chromedriver (the Debian packages `chromium chromium-driver`)."""
    driver = headless_chromium("--window-size=1200,2000")
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = hostile_run(tmp_path_factory.mktemp("xss"))
    finish_run(run)
    return run


def test_no_payload_runs_in_chromium_and_all_show_as_text(hostile: Path, chrome) -> None:
    for page in (hostile / "report.html", hostile / "01-xss-first-launch" / "report.html"):
        chrome.get(page.as_uri())
        assert chrome.execute_script("return typeof window.__pwned") == "undefined"
        assert chrome.title.startswith("miniprobe report")
        injected = chrome.execute_script(
            "return [...document.querySelectorAll('script,iframe,svg,object,embed,[onerror],[onload]')].length")
        assert injected == 0
        hrefs = chrome.execute_script("return [...document.querySelectorAll('[href],[src]')]"
                                      ".map(e => e.getAttribute('href') || e.getAttribute('src'))")
        assert not [h for h in hrefs if not h.startswith(("data:image/", "#"))], hrefs
        text = chrome.execute_script("return document.body.innerText")
        for payload in PAYLOADS:
            assert payload in text  # shown, as text
        assert chrome.execute_script(
            "return [...document.images].every(i => i.complete && i.naturalWidth > 0)")


def test_personal_data_is_masked_unless_unmask(hostile: Path, tmp_path: Path) -> None:
    for name in ("report.html", "flows.har", "findings.json", "junit.xml", "01-xss-first-launch/report.html"):
        assert PHONE not in (hostile / name).read_text(encoding="utf-8"), name
    assert "139****5678" in (hostile / "report.html").read_text(encoding="utf-8")
    expert = shutil.copytree(hostile, tmp_path / hostile.name)
    finish_run(expert, unmask=True)
    html = (expert / "report.html").read_text(encoding="utf-8")
    assert PHONE in html and "UNMASKED" in html
    assert PHONE in (expert / "flows.har").read_text(encoding="utf-8")
    assert PHONE not in (expert / "findings.json").read_text(encoding="utf-8")  # never stored in findings


def test_outputs_validate(hostile: Path) -> None:
    from jsonschema import Draft202012Validator

    har = json.loads((hostile / "flows.har").read_text())
    Draft202012Validator(json.loads((SCHEMA / "har-1.2.schema.json").read_text()),
                         format_checker=Draft202012Validator.FORMAT_CHECKER).validate(har)
    assert har["log"]["entries"][0]["pageref"] == "01-xss-first-launch"
    jsonschema.validate(json.loads((hostile / "findings.json").read_text()),
                        json.loads((SCHEMA / "run-findings.schema.json").read_text()))
    root = ET.parse(hostile / "junit.xml").getroot()
    cases = root.findall("testsuite/testcase")
    failed = [c for c in cases if c.find("failure") is not None]
    assert [c.get("name").split()[0] for c in failed] == ["CON-004"]
    assert failed[0].find("failure").get("message") == f"{PAYLOADS[1]} {PAYLOADS[3]}"
    assert any(c.find("skipped") is not None for c in cases)
    assert int(root.get("tests")) == len(cases)


def test_outputs_are_owner_only(hostile: Path) -> None:
    written = ["report.html", "findings.json", "junit.xml", "flows.har", "manifest.json",
               "01-xss-first-launch/report.html"]
    for name in written:
        mode = stat.S_IMODE((hostile / name).stat().st_mode)
        assert mode == 0o600, f"{name}: {oct(mode)}"


def test_run_findings_schema_is_current() -> None:
    from harness.report.findings_json import run_findings_schema

    assert json.loads((SCHEMA / "run-findings.schema.json").read_text()) == run_findings_schema()
