"""The sim's wx API surface end to end: one real `miniprobe run` (Appium + headless Chromium, the JVM
host under Frida, mitmproxy, the fixture back end) of tests/fixtures/sim_apps/apitour, a mini program
that walks through the developer's privacy dialog, profile data, login code exchange, upload/download,
WebSocket, raw TCP/UDP, the action sheet, subscribe dialog, scope popup, modal and settings page.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from harness.timeline import ApiCall, Consent, Flow, Prompt, Step, Timeline
from tests.conftest import miniprobe_cmd

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def session(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("apitour")
    proc = subprocess.run(
        [*miniprobe_cmd(), "run", str(repo / "tests" / "fixtures" / "sim_scenarios" / "apitour.yaml"),
         "--out", str(out), "--fail-on", "none"],
        check=False, capture_output=True, text=True, timeout=600, cwd=repo,
    )
    assert proc.returncode == 0, f"miniprobe run failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    run_dir = Path(proc.stdout.strip().splitlines()[-1])
    session = next(p for p in run_dir.iterdir() if p.is_dir())
    meta = json.loads((session / "session.json").read_text())
    assert meta["outcome"] == "ok", meta
    return session


@pytest.fixture(scope="module")
def tour(session: Path) -> Timeline:
    return Timeline.load(session)


def results(timeline: Timeline, api: str) -> list[ApiCall]:
    return [c for c in timeline.of(ApiCall) if c.api == api]


def test_every_step_passed_and_the_page_logged_the_whole_tour(session: Path, tour: Timeline) -> None:
    steps = tour.of(Step)
    assert [s.result for s in steps] == ["ok"] * len(steps), [(s.action, s.result, s.detail) for s in steps]
    last_ui = session / steps[-1].ui if steps[-1].ui else None
    assert last_ui and last_ui.is_file()
    page = last_ui.read_text(encoding="utf-8")
    for line in ("privacy asked by getClipboardData", "clipboard ", "wifi CMCC-Home-5G", "network wifi", "storage v1,2",
                 "address 林小夏", "openid o", "uploaded 200", "downloaded 200", "ws hello 13912345678",
                 "tcp lock 13912345678", "udp 3", "sheet 1", "subscribe accept", "setting true",
                 "location 31.23"):
        assert line in page, f"the page never logged {line!r}"


def test_native_dialogs_were_recorded_as_prompts(tour: Timeline) -> None:
    kinds = [(p.prompt_kind, p.scope, p.title) for p in tour.of(Prompt)]
    assert ("scope", "scope.userLocation", "功能巡礼 申请") in kinds
    assert ("system_permission", "设置") in [(k[0], k[2]) for k in kinds]
    assert any(k[0] == "developer_dialog" and k[1] == "subscribeMessage" for k in kinds)
    sheet = next(p for p in tour.of(Prompt) if [b.text for b in p.buttons] == ["拍照", "从相册选择", "取消"])
    assert sheet.prompt_kind == "developer_dialog"
    modal = next(p for p in tour.of(Prompt) if p.title == "需要位置权限")
    assert [b.role for b in modal.buttons] == ["reject", "agree"]
    assert not any(p.prompt_kind == "privacy_popup" for p in tour.of(Prompt)), "the app's own dialog asked"
    consents = [(c.action, c.subject, c.how) for c in tour.of(Consent)]
    assert ("refuse", "scope.userLocation", "tap:拒绝") in consents
    assert ("agree", "scope.userLocation", "settings:switch") in consents


def test_calls_crossed_the_bridge_with_their_results(tour: Timeline) -> None:
    assert [c.errno for c in results(tour, "getClipboardData")] == [None]
    assert results(tour, "agreePrivacyAuthorization")[0].ok
    assert [(c.ok, c.err_msg) for c in results(tour, "getLocation")] == [
        (False, "getLocation:fail auth deny"), (True, None)]
    connect = results(tour, "TCPSocket.connect")[0]
    assert connect.args["address"] == "lock.tour.example" and connect.args["port"] == 9100 and connect.ok
    write = results(tour, "TCPSocket.write")[0]
    assert write.args["data"] == "lock 13912345678" and write.args["port"] == 9100
    assert [m["type"] for m in write.args["pi"]] == ["phone"]  # a raw socket's payload is scanned
    send = results(tour, "UDPSocket.send")[0]
    assert send.args["address"] == "iot.tour.example" and send.args["encoding"] == "base64"


def test_http_and_websocket_went_through_the_proxy(tour: Timeline) -> None:
    flows = tour.of(Flow)
    paths = {(f.host, urlsplit(f.url).path) for f in flows}
    assert ("api.weixin.qq.com", "/sns/jscode2session") in paths
    assert ("api.tour.example", "/upload") in paths and ("api.tour.example", "/files/menu.json") in paths
    upload = next(f for f in flows if urlsplit(f.url).path == "/upload")
    assert any(m.type == "phone" for m in upload.pi), "the upload's form field carries the phone canary"
    assert any(f.websocket and f.host == "api.tour.example" for f in flows)


class _DeadAppium:
    """A Remote driver's quit against an Appium that is gone: the real HTTP call to a closed port."""

    def __init__(self) -> None:
        from selenium.webdriver.remote.remote_connection import RemoteConnection

        from harness.procs import free_port

        self.connection = RemoteConnection(f"http://127.0.0.1:{free_port()}")

    def quit(self) -> None:
        from selenium.webdriver.remote.command import Command

        self.connection.execute(Command.QUIT, {"sessionId": "gone"})


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_quit_when_appium_is_dead_is_quiet() -> None:
    import urllib3

    from harness.drivers.sim import SimDriver

    dead = _DeadAppium()
    with pytest.raises(urllib3.exceptions.HTTPError):  # what selenium lets through
        dead.quit()
    driver = SimDriver.__new__(SimDriver)
    driver.driver = dead  # type: ignore[assignment]
    driver.quit()
