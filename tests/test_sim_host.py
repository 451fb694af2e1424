"""The sim's JVM host (sim/host): a real JVM, driven over HTTP the way the container page drives it."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import NameOID

REPO = Path(__file__).resolve().parents[1]
HOST_DIR = REPO / "sim" / "host"
APP_NAME = "门店查找"
LOCATION_DESC = "用于查找附近门店"
PROFILE = {
    "location": {"latitude": 31.230416, "longitude": 121.473701, "accuracy": 30},
    "phoneNumber": "13800138000",
    "clipboard": "优惠码 SIM-42",
    "deviceIds": {"androidId": "9774d56d682e549c"},
    "system": {"brand": "Xiaomi", "model": "Mi 13", "system": "Android 14", "version": "8.0.50"},
}

pytestmark = pytest.mark.e2e

Event = dict[str, Any]


class Host:
    """One SimHost process, with an SSE listener collecting its events."""

    def __init__(self, proc: subprocess.Popen[str], port: int) -> None:
        self.proc = proc
        self.base = f"http://127.0.0.1:{port}"
        self.log: list[Event] = []  # every event received, in order (appended by the listener thread)
        self._taken: set[int] = set()
        self._next_callback = 1000
        self._listening = threading.Event()
        threading.Thread(target=self._listen, daemon=True).start()
        assert self._listening.wait(10), "GET /bridge/events did not answer"
        self.wait_until(lambda: self.state()["eventListeners"] >= 1, "the SSE listener to register")

    def _listen(self) -> None:
        with urllib.request.urlopen(self.base + "/bridge/events", timeout=60) as stream:
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            self._listening.set()
            for raw in stream:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("data: "):
                    self.log.append(json.loads(line[len("data: "):]))

    # HTTP

    def http(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, data=body, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def post(self, path: str, payload: Any) -> tuple[int, Any]:
        status, body = self.http("POST", path, json.dumps(payload).encode())
        return status, (json.loads(body) if body else "")

    def state(self) -> dict[str, Any]:
        return json.loads(self.http("GET", "/bridge/state")[1])

    # The bridge

    def call(self, api: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """A sync call: its result."""
        status, result = self.post("/bridge/invoke", self._invocation(api, data, 0, True))
        assert status == 200, result
        return result

    def call_async(self, api: str, data: dict[str, Any] | None = None, *, gesture: bool = False) -> int:
        """Starts an async call (``gesture``: made during a tap); returns its callbackId (the result
        arrives as a callback event)."""
        self._next_callback += 1
        status, body = self.post("/bridge/invoke", self._invocation(api, data, self._next_callback, False, gesture))
        assert (status, body) == (200, ""), body
        return self._next_callback

    @staticmethod
    def _invocation(api: str, data: dict[str, Any] | None, callback_id: int, sync: bool,
                    gesture: bool = False) -> dict[str, Any]:
        extra = {"stack": "at Page.onLoad (pages/index/index.js:3)", "page": "pages/index/index", "gesture": gesture}
        return {"api": api, "data": json.dumps(data or {}), "extra": json.dumps(extra),
                "callbackId": callback_id, "isSync": sync}

    def answer(self, ui_id: int, choice: str) -> None:
        status, body = self.post("/bridge/ui", {"uiId": ui_id, "choice": choice})
        assert status == 200, body

    # Events

    def wait_for(self, predicate: Callable[[Event], bool], timeout: float = 10) -> Event:
        """The first event not taken yet that matches (taking it)."""
        deadline = time.monotonic() + timeout
        while True:
            for index, event in enumerate(list(self.log)):
                if index not in self._taken and predicate(event):
                    self._taken.add(index)
                    return event
            if time.monotonic() > deadline:
                raise AssertionError(f"no such event in {timeout} s; events {self.log}; state {self.state()}")
            time.sleep(0.01)

    def ui(self, kind: str) -> Event:
        return self.wait_for(lambda e: e["type"] == "ui" and e["ui"] == kind)

    def result(self, callback_id: int) -> dict[str, Any]:
        event = self.wait_for(lambda e: e["type"] == "callback" and e["callbackId"] == callback_id)
        return json.loads(event["result"])

    def uis_since(self, mark: int) -> list[Event]:
        """The ui events received since len(self.log) was `mark`."""
        return [e for e in self.log[mark:] if e["type"] == "ui"]

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.02)


@pytest.fixture(scope="session")
def host_classes() -> Path:
    subprocess.run([str(HOST_DIR / "build.sh")], check=True, timeout=300)
    return HOST_DIR / "build"


def make_app(
    root: Path,
    lib_version: str | None = "3.3.0",
    required_private_infos: tuple[str, ...] = ("getLocation", "getFuzzyLocation"),
    sim_json: dict[str, Any] | None = None,
) -> Path:
    app = root / "app"
    (app / "pages" / "index").mkdir(parents=True)
    (app / "app.json").write_text(json.dumps({
        "pages": ["pages/index/index"],
        "window": {"navigationBarTitleText": APP_NAME},
        "permission": {"scope.userLocation": {"desc": LOCATION_DESC}},
        "requiredPrivateInfos": list(required_private_infos),
    }, ensure_ascii=False), encoding="utf-8")
    project: dict[str, Any] = {"appid": "wx0123456789abcdef"}
    if lib_version is not None:
        project["libVersion"] = lib_version
    (app / "project.config.json").write_text(json.dumps(project))
    if sim_json is not None:
        (app / "sim.json").write_text(json.dumps(sim_json, ensure_ascii=False), encoding="utf-8")
    (app / "pages" / "index" / "index.wxml").write_text("<view class='hello'>附近门店</view>", encoding="utf-8")
    (app / "pages" / "index" / "index.js").write_text("Page({ onLoad() { wx.getLocation({}) } })")
    (app / "pages" / "index" / "index.wxss").write_text(".hello { color: red }")
    (app / "utils").mkdir()
    (app / "utils" / "fmt.wxs").write_text("module.exports = {}")
    (app / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (app / "node_modules" / "lib").mkdir(parents=True)
    (app / "node_modules" / "lib" / "index.js").write_text("tooling, not the app")
    return app


class Launcher:
    """Starts SimHost processes on one container and profile; stops them all at the end."""

    def __init__(self, classes: Path, folder: Path) -> None:
        self.classes = classes
        self.folder = folder
        self.procs: list[subprocess.Popen[str]] = []
        self.container = folder / "container"
        self.container.mkdir()
        (self.container / "index.html").write_text("<!doctype html><title>sim container</title>")
        (self.container / "bridge.js").write_text("// container script")
        self.profile = folder / "profile.json"
        self.profile.write_text(json.dumps(PROFILE, ensure_ascii=False), encoding="utf-8")

    def start(self, app: Path | None = None, *args: str) -> Host:
        app = app or make_app(self.folder / f"app{len(self.procs)}")
        proc = subprocess.Popen(
            ["java", "-cp", str(self.classes), "miniprobe.sim.SimHost", "--port", "0",
             "--container", str(self.container), "--app", str(app), "--profile", str(self.profile),
             "--exit-on-stdin-eof", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
        )
        self.procs.append(proc)
        assert proc.stdout is not None
        ready = proc.stdout.readline().split()
        assert ready[:2] == ["SIMHOST", "READY"], f"SimHost did not start: {ready}"
        fields = dict(f.split("=") for f in ready[2:])
        assert int(fields["pid"]) == proc.pid
        return Host(proc, int(fields["port"]))

    def stop_all(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def start_host(host_classes: Path, tmp_path: Path) -> Iterator[Callable[..., Host]]:
    """A fresh host per call: fresh consent, as the harness gets between sessions."""
    launcher = Launcher(host_classes, tmp_path)
    yield launcher.start
    launcher.stop_all()


@pytest.fixture
def host(start_host: Callable[..., Host]) -> Host:
    """A host of its own, for tests that change consent or storage."""
    return start_host()


@pytest.fixture(scope="module")
def sim(host_classes: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    """One host shared by the tests that change no consent (each uses storage keys of its own)."""
    launcher = Launcher(host_classes, tmp_path_factory.mktemp("shared"))
    yield launcher.start()
    launcher.stop_all()


def agree_privacy(host: Host) -> None:
    cb = host.call_async("requirePrivacyAuthorize")
    host.answer(host.ui("privacy_popup")["uiId"], "agree")
    assert host.result(cb) == {"errMsg": "requirePrivacyAuthorize:ok"}


# Plain calls


def test_sync_calls_answer_from_the_profile_and_the_app(sim: Host) -> None:
    info = sim.call("getSystemInfoSync")
    assert info["errMsg"] == "getSystemInfoSync:ok"
    assert (info["brand"], info["model"], info["system"]) == ("Xiaomi", "Mi 13", "Android 14")
    assert info["platform"] == "android"
    assert info["SDKVersion"] == "3.3.0" and info["version"] == "8.0.50" and info["screenWidth"] > 0
    assert sim.call("getDeviceInfo")["model"] == "Mi 13"
    launch = {"event": "launch", "page": "pages/index/index"}
    assert sim.call("__lifecycle", launch) == {"errMsg": "__lifecycle:ok"}
    assert sim.call("__invokeRegister", {"event": "onNeedPrivacyAuthorization"}) == {
        "errMsg": "__invokeRegister:ok"}
    assert sim.state()["privacy"]["developerHandler"] is True
    code = sim.call("login")["code"]
    assert len(code) == 32 and code != sim.call("login")["code"]


def test_storage_lives_for_the_host_run(host: Host) -> None:
    assert host.call("setStorageSync", {"key": "token", "data": {"uid": 7, "tags": ["a"]}}) == {
        "errMsg": "setStorageSync:ok"}
    assert host.call("getStorageSync", {"key": "token"}) == {"data": {"uid": 7, "tags": ["a"]},
                                                              "errMsg": "getStorageSync:ok"}
    assert host.call("getStorageSync", {"key": "missing"})["data"] == ""
    assert host.state()["storageKeys"] == ["token"]
    host.call("removeStorageSync", {"key": "token"})
    host.call("setStorageSync", {"key": "k2", "data": "v"})
    host.call("clearStorageSync")
    assert host.state()["storageKeys"] == []


def test_async_call_result_arrives_as_a_callback_event(sim: Host) -> None:
    cb = sim.call_async("setStorage", {"key": "city", "data": "上海"})
    assert sim.result(cb) == {"errMsg": "setStorage:ok"}
    cb = sim.call_async("getStorage", {"key": "city"})
    assert sim.result(cb) == {"data": "上海", "errMsg": "getStorage:ok"}
    cb = sim.call_async("getStorage", {"key": "nope"})
    assert sim.result(cb) == {"errMsg": "getStorage:fail data not found"}
    assert sim.result(sim.call_async("getSystemInfo"))["brand"] == "Xiaomi"


def test_unknown_api_fails_instead_of_pretending(sim: Host) -> None:
    assert sim.call("makeCoffee", {"sugar": 2}) == {"errMsg": "makeCoffee:fail not supported in the sim"}
    assert sim.result(sim.call_async("makeTea")) == {"errMsg": "makeTea:fail not supported in the sim"}


def test_malformed_invoke_is_a_400_and_the_host_carries_on(sim: Host) -> None:
    status, body = sim.http("POST", "/bridge/invoke", b"{not json")
    assert status == 400 and "not a JSON object" in json.loads(body)["error"]
    status, body = sim.post("/bridge/invoke", {"data": "{}", "isSync": True})
    assert status == 400 and '"api"' in body["error"]
    status, body = sim.post("/bridge/invoke", {"api": "login", "isSync": False})
    assert status == 400 and "callbackId" in body["error"]
    status, body = sim.post("/bridge/invoke", {"api": "getStorageSync", "data": "{oops", "isSync": True})
    assert status == 200 and body["errMsg"].startswith("getStorageSync:fail invalid data")
    status, body = sim.post("/bridge/ui", {"uiId": 999, "choice": "agree"})
    assert status == 404
    assert sim.call("getSystemInfoSync")["errMsg"] == "getSystemInfoSync:ok"


def test_show_modal_waits_for_the_users_choice(sim: Host) -> None:
    cb = sim.call_async("showModal", {"title": "开启定位", "content": "去设置里打开定位?", "confirmText": "去设置"})
    modal = sim.ui("modal")
    assert (modal["title"], modal["content"], modal["showCancel"]) == ("开启定位", "去设置里打开定位?", True)
    assert (modal["confirmText"], modal["cancelText"]) == ("去设置", "取消")
    status, body = sim.post("/bridge/ui", {"uiId": modal["uiId"], "choice": "agree"})
    assert status == 400 and "confirm" in body["error"]
    sim.answer(modal["uiId"], "confirm")
    assert sim.result(cb) == {"confirm": True, "cancel": False, "errMsg": "showModal:ok"}
    assert {"type": "ui_close", "uiId": modal["uiId"]} in sim.log
    cb = sim.call_async("showModal", {"title": "t", "content": "c"})
    sim.answer(sim.ui("modal")["uiId"], "cancel")
    assert sim.result(cb) == {"confirm": False, "cancel": True, "errMsg": "showModal:ok"}


def test_toast_and_exit_are_pushed_to_the_page(sim: Host) -> None:
    assert sim.call("showToast", {"title": "已保存", "icon": "success", "duration": 2000}) == {
        "errMsg": "showToast:ok"}
    toast = sim.ui("toast")
    assert (toast["title"], toast["icon"], toast["duration"]) == ("已保存", "success", 2000)
    sim.call("hideToast")
    sim.wait_for(lambda e: e == {"type": "ui_close", "uiId": toast["uiId"]})
    assert sim.call("exitMiniProgram") == {"errMsg": "exitMiniProgram:ok"}
    sim.wait_for(lambda e: e == {"type": "exit"})


# Privacy consent (base library >= 2.32.3)


def test_privacy_popup_is_shared_and_agreeing_lets_calls_through(host: Host) -> None:
    clipboard_cb = host.call_async("getClipboardData")
    popup = host.ui("privacy_popup")
    location_cb = host.call_async("getLocation", {"type": "wgs84"})
    assert popup["title"] == "用户隐私保护提示"
    assert popup["contractName"] == f"《{APP_NAME}小程序隐私保护指引》"
    assert APP_NAME in popup["content"] and popup["contractName"] in popup["content"]
    assert popup["buttons"] == ["拒绝", "同意"]
    host.wait_until(lambda: len(host.state()["openUis"]) == 1, "both calls to wait on the popup")
    assert host.state()["privacy"]["agreed"] is False
    host.answer(popup["uiId"], "agree")

    assert host.result(clipboard_cb) == {"data": PROFILE["clipboard"], "errMsg": "getClipboardData:ok"}
    scope = host.ui("scope_popup")  # getLocation still needs scope.userLocation
    host.answer(scope["uiId"], "agree")
    location = host.result(location_cb)
    assert location["errMsg"] == "getLocation:ok"
    assert (location["latitude"], location["longitude"], location["accuracy"]) == (31.230416, 121.473701, 30)
    assert "speed" in location

    assert [e["ui"] for e in host.uis_since(0)] == ["privacy_popup", "scope_popup"], "one popup, two calls"
    mark = len(host.log)
    again = host.result(host.call_async("getLocation", {"type": "gcj02"}))
    assert again["errMsg"] == "getLocation:ok" and not host.uis_since(mark)
    assert abs(again["latitude"] - 31.230416) < 0.01 and again["longitude"] != 121.473701  # GCJ-02 offset
    assert host.call("getPrivacySetting") == {"needAuthorization": False,
                                              "privacyContractName": popup["contractName"],
                                              "errMsg": "getPrivacySetting:ok"}


def test_refusing_privacy_fails_104_and_no_popup_for_10_seconds(host: Host) -> None:
    assert host.call("getPrivacySetting")["needAuthorization"] is True
    cb = host.call_async("getClipboardData")
    host.answer(host.ui("privacy_popup")["uiId"], "reject")
    refused = {"errMsg": "getClipboardData:fail privacy permission is not authorized", "errno": 104}
    assert host.result(cb) == refused
    assert host.state()["privacy"]["refusalWindowMs"] == 10_000

    mark, started = len(host.log), time.monotonic()
    assert host.result(host.call_async("getClipboardData")) == refused
    assert time.monotonic() - started < 2
    assert host.result(host.call_async("requirePrivacyAuthorize"))["errno"] == 104
    assert not host.uis_since(mark) and host.state()["openUis"] == {}
    assert host.call("getPrivacySetting")["needAuthorization"] is True


def test_privacy_popup_comes_back_after_the_refusal_window(start_host: Callable[..., Host]) -> None:
    host = start_host(None, "--privacy-refusal-window-ms", "800")
    cb = host.call_async("setClipboardData", {"data": "x"})
    host.answer(host.ui("privacy_popup")["uiId"], "reject")
    assert host.result(cb)["errno"] == 104
    assert host.result(host.call_async("setClipboardData", {"data": "x"}))["errno"] == 104
    time.sleep(0.9)
    cb = host.call_async("setClipboardData", {"data": "复制的内容"})
    host.answer(host.ui("privacy_popup")["uiId"], "agree")
    assert host.result(cb) == {"errMsg": "setClipboardData:ok"}
    assert host.call("getClipboardData")["data"] == "复制的内容"


def test_required_private_infos_must_declare_location_apis(
    start_host: Callable[..., Host], tmp_path: Path
) -> None:
    host = start_host(make_app(tmp_path / "undeclared", required_private_infos=("getLocation",)))
    assert host.result(host.call_async("getFuzzyLocation")) == {
        "errMsg": "getFuzzyLocation:fail the api need to be declared"
                  " in the requiredPrivateInfos field in app.json/ext.json"}
    assert not host.uis_since(0), "fails before any popup"


def test_undeclared_privacy_category_fails_112(start_host: Callable[..., Host], tmp_path: Path) -> None:
    app = make_app(tmp_path / "guide", sim_json={"privacy": {"categories": ["位置信息"]}})
    host = start_host(app)
    assert host.call("getClipboardData") == {
        "errMsg": "getClipboardData:fail api scope is not declared in the privacy agreement", "errno": 112}
    host.call_async("getFuzzyLocation")  # 模糊位置信息 is covered by the declared 位置信息
    assert host.ui("privacy_popup")["referrer"] == "getFuzzyLocation"


# Scopes


def test_scope_refusal_is_never_prompted_again(host: Host) -> None:
    agree_privacy(host)
    cb = host.call_async("getLocation")
    popup = host.ui("scope_popup")
    assert popup["scope"] == "scope.userLocation"
    assert (popup["title"], popup["content"], popup["desc"]) == (f"{APP_NAME} 申请", "获取你的位置信息", LOCATION_DESC)
    assert popup["buttons"] == ["拒绝", "允许"]
    host.answer(popup["uiId"], "reject")
    assert host.result(cb) == {"errMsg": "getLocation:fail auth deny"}

    mark = len(host.log)
    assert host.result(host.call_async("getLocation")) == {"errMsg": "getLocation:fail auth deny"}
    assert host.result(host.call_async("authorize", {"scope": "scope.userLocation"})) == {
        "errMsg": "authorize:fail auth deny"}
    assert not host.uis_since(mark), "no popup after a refusal"
    assert host.call("getSetting")["authSetting"] == {"scope.userLocation": False}

    # Only the settings page changes it: it lists the scope with its switch off; the user turns it on.
    cb = host.call_async("openSetting")
    page = host.ui("settings")
    assert page["items"] == [{"scope": "scope.userLocation", "label": "位置信息", "granted": False}]
    assert page["title"] == "设置" and APP_NAME in page["caption"]
    status, body = host.post("/bridge/ui", {"uiId": page["uiId"], "choice": "back",
                                            "values": {"scope.userLocation": True, "scope.camera": True}})
    assert status == 200, body
    assert host.result(cb) == {"authSetting": {"scope.userLocation": True}, "errMsg": "openSetting:ok"}
    mark = len(host.log)
    assert host.result(host.call_async("getLocation"))["errMsg"] == "getLocation:ok"
    assert not host.uis_since(mark), "granted on the settings page: no popup"


def test_authorize_grants_a_scope_for_later_calls(host: Host) -> None:
    agree_privacy(host)
    cb = host.call_async("authorize", {"scope": "scope.userFuzzyLocation"})
    popup = host.ui("scope_popup")
    assert popup["content"] == "获取你的模糊地理位置"
    host.answer(popup["uiId"], "agree")
    assert host.result(cb) == {"errMsg": "authorize:ok"}
    mark = len(host.log)
    fuzzy = host.result(host.call_async("getFuzzyLocation", {"type": "wgs84"}))
    assert fuzzy == {"latitude": 31.23, "longitude": 121.47, "errMsg": "getFuzzyLocation:ok"}
    assert not host.uis_since(mark)
    assert host.call("getSetting")["authSetting"] == {"scope.userFuzzyLocation": True}
    assert host.result(host.call_async("authorize", {"scope": "scope.nope"}))["errMsg"] == (
        "authorize:fail invalid scope scope.nope")


def test_legacy_base_library_has_no_privacy_popup_but_scope_popups(
    start_host: Callable[..., Host], tmp_path: Path
) -> None:
    host = start_host(make_app(tmp_path / "legacy", lib_version="2.30.0", required_private_infos=()))
    assert host.result(host.call_async("getClipboardData"))["errMsg"] == "getClipboardData:ok"
    assert host.call("getPrivacySetting")["needAuthorization"] is False
    cb = host.call_async("getLocation")  # not in requiredPrivateInfos: only checked from 2.32.3
    popup = host.ui("scope_popup")
    assert [e["ui"] for e in host.uis_since(0)] == ["scope_popup"], "no privacy popup in legacy mode"
    host.answer(popup["uiId"], "agree")
    assert host.result(cb)["errMsg"] == "getLocation:ok"
    assert host.state()["privacy"]["intercepted"] is False


# wx.request


class _EchoHandler(http.server.BaseHTTPRequestHandler):
    """Answers every request with what it received (or plain text under /text)."""

    def _echo(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode(errors="replace")
        if self.path.startswith("/text"):
            payload, content_type = b"plain words", "text/plain"
        else:
            payload = json.dumps({"method": self.command, "path": self.path, "body": body,
                                  "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
            content_type = "application/json"
        self.send_response(201)
        self.send_header("Content-Type", content_type)
        self.send_header("X-Fixture", "echo")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = _echo

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def echo_server() -> Iterator[http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_request_is_performed_natively_with_wechat_headers(
    sim: Host, echo_server: http.server.ThreadingHTTPServer
) -> None:
    url = f"http://127.0.0.1:{echo_server.server_port}/api/stores"
    cb = sim.call_async("request", {"url": url, "method": "POST", "data": {"lat": 31.23, "name": "店"},
                                     "header": {"X-Token": "t1", "Referer": "https://evil.example/"}})
    result = sim.result(cb)
    assert result["errMsg"] == "request:ok" and result["statusCode"] == 201
    assert result["header"]["x-fixture"] == "echo"
    echoed = result["data"]  # parsed JSON
    assert echoed["method"] == "POST" and json.loads(echoed["body"]) == {"lat": 31.23, "name": "店"}
    headers = echoed["headers"]
    assert headers["referer"] == "https://servicewechat.com/wx0123456789abcdef/0/page-frame.html"
    assert "MicroMessenger" in headers["user-agent"] and "miniProgram" in headers["user-agent"]
    assert headers["x-token"] == "t1" and headers["content-type"] == "application/json"

    got = sim.result(sim.call_async("request", {"url": url, "data": {"q": "咖啡 店", "page": 2}}))
    assert got["data"]["method"] == "GET"
    assert got["data"]["path"] == "/api/stores?q=%E5%92%96%E5%95%A1%20%E5%BA%97&page=2"
    text = sim.result(sim.call_async("request", {"url": url.replace("/api/stores", "/text")}))
    assert text["data"] == "plain words" and text["errMsg"] == "request:ok"


def test_request_connection_failure_is_reported(sim: Host) -> None:
    result = sim.result(sim.call_async("request", {"url": "http://127.0.0.1:9/closed"}))
    assert result["errMsg"].startswith("request:fail ") and "Connect" in result["errMsg"]
    bad = sim.result(sim.call_async("request", {"url": "ftp://example.com/x"}))
    assert bad["errMsg"].startswith("request:fail invalid url")


def test_request_goes_through_the_proxy(
    start_host: Callable[..., Host], echo_server: http.server.ThreadingHTTPServer
) -> None:
    host = start_host(None, "--proxy", f"127.0.0.1:{echo_server.server_port}")
    url = "http://api.storefinder.example/v1/stores?city=sh"
    result = host.result(host.call_async("request", {"url": url}))
    assert result["errMsg"] == "request:ok"
    assert result["data"]["path"] == url  # the absolute form: a request to a proxy
    assert result["data"]["headers"]["host"] == "api.storefinder.example"


def _certificate(subject: str, issuer: str, key: Any, signing_key: Any, extension: Any) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(extension, critical=isinstance(extension, x509.BasicConstraints))
    )
    return builder.sign(signing_key, hashes.SHA256())


def _key_pem(key: Any) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def _tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A CA (PEM) and a certificate + key it signed for localhost and 127.0.0.1."""
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("miniprobe test CA", "miniprobe test CA", ca_key, ca_key,
                      x509.BasicConstraints(ca=True, path_length=None))
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    leaf = _certificate("localhost", "miniprobe test CA", key, ca_key, x509.SubjectAlternativeName(names))
    ca_pem, cert_pem, key_pem = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    # The private key first, as in mitmproxy-ca.pem: the host must pick out the certificate.
    ca_pem.write_bytes(_key_pem(ca_key) + ca.public_bytes(Encoding.PEM))
    cert_pem.write_bytes(leaf.public_bytes(Encoding.PEM))
    key_pem.write_bytes(_key_pem(key))
    return ca_pem, cert_pem, key_pem


def test_https_trusts_the_given_ca(start_host: Callable[..., Host], tmp_path: Path) -> None:
    ca_pem, cert_pem, key_pem = _tls_files(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_pem, key_pem)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        url = f"https://localhost:{server.server_port}/secure"
        trusting = start_host(None, "--ca", str(ca_pem))
        result = trusting.result(trusting.call_async("request", {"url": url}))
        assert result["errMsg"] == "request:ok" and result["data"]["path"] == "/secure"
        plain = start_host()
        refused = plain.result(plain.call_async("request", {"url": url}))
        assert refused["errMsg"].startswith("request:fail") and "SSL" in refused["errMsg"]
    finally:
        server.shutdown()
        server.server_close()


# Static files and the app bundle


def test_bundle_holds_every_text_file_of_the_app(sim: Host) -> None:
    status, body = sim.http("GET", "/app/bundle.json")
    assert status == 200
    bundle = json.loads(body)
    assert bundle["appid"] == "wx0123456789abcdef"
    assert sorted(bundle["files"]) == ["app.json", "pages/index/index.js", "pages/index/index.wxml",
                                       "pages/index/index.wxss", "project.config.json", "utils/fmt.wxs"]
    assert bundle["files"]["pages/index/index.wxml"] == "<view class='hello'>附近门店</view>"
    assert sim.http("GET", "/app/logo.png") == (200, b"\x89PNG\r\n\x1a\n")
    assert sim.http("GET", "/")[1].startswith(b"<!doctype html>")
    assert sim.http("GET", "/container/bridge.js") == (200, b"// container script")
    for escape in ("/app/../profile.json", "/container/../profile.json", "/app/%2e%2e/profile.json",
                   "/app/..%2fprofile.json"):
        assert sim.http("GET", escape)[0] == 404, escape


def test_bundle_is_size_bounded(start_host: Callable[..., Host], tmp_path: Path) -> None:
    app = make_app(tmp_path / "big")
    (app / "pages" / "index" / "data.js").write_bytes(b"//" + b"x" * (8 * 1024 * 1024))
    status, body = start_host(app).http("GET", "/app/bundle.json")
    assert status == 413 and "8 MB" in json.loads(body)["error"]


# Process


def test_host_exits_on_stdin_eof(host: Host) -> None:
    assert host.proc.stdin is not None
    host.proc.stdin.close()
    assert host.proc.wait(10) == 0


def test_bad_command_line_is_explained(host_classes: Path, tmp_path: Path) -> None:
    java = ["java", "-cp", str(host_classes), "miniprobe.sim.SimHost"]
    done = subprocess.run([*java, "--container", str(tmp_path), "--app", str(tmp_path)],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 1 and "app.json" in done.stderr and done.stdout == ""
    done = subprocess.run([*java, "--port", "x"], capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 2 and "--port x" in done.stderr and "usage:" in done.stderr


# The developer's own privacy dialog (wx.onNeedPrivacyAuthorization)


def test_developer_privacy_dialog_agrees_only_through_the_agree_button(
    start_host: Callable[..., Host], tmp_path: Path
) -> None:
    host = start_host(make_app(tmp_path / "dev"), "--privacy-refusal-window-ms", "600")
    host.call("__invokeRegister", {"event": "onNeedPrivacyAuthorization"})
    cb = host.call_async("getClipboardData")
    asked = host.wait_for(lambda e: e["type"] == "privacy_needed")
    assert asked["referrer"] == "getClipboardData" and not host.uis_since(0), "no official popup"
    # resolve({event: 'agree'}) without a tap on the agree button does not count: 104
    assert host.call("__privacyResolve", {"event": "agree", "buttonId": "agree-btn"})["errMsg"].startswith(
        "__privacyResolve:fail resolve({event: 'agree'}) needs the buttonId of a tapped")
    assert host.result(cb) == {"errMsg": "getClipboardData:fail privacy permission is not authorized", "errno": 104}
    # within the refusal window: at once, without asking; scope and coupled APIs fail 103
    phone = host.result(host.call_async("getPhoneNumber", {"openType": "getPhoneNumber", "buttonId": "p"}))
    assert phone["errno"] == 103 and phone["errMsg"] == "getPhoneNumber:fail privacy permission is not authorized"
    time.sleep(0.7)

    cb = host.call_async("getPhoneNumber", {"openType": "getPhoneNumber", "buttonId": "p"})
    assert host.wait_for(lambda e: e["type"] == "privacy_needed")["referrer"] == "button.getPhoneNumber"
    assert host.state()["privacy"]["pending"] is True
    assert host.call("agreePrivacyAuthorization", {"openType": "agreePrivacyAuthorization", "buttonId": "agree-btn"}
                     ) == {"errMsg": "agreePrivacyAuthorization:ok"}
    popup = host.ui("phone_popup")  # consent given: the phone number's own popup follows
    assert popup["phone"] == "138****8000" and popup["content"] == "获取你的手机号"
    host.answer(popup["uiId"], "agree")
    result = host.result(cb)
    assert result["errMsg"] == "getPhoneNumber:ok" and len(result["code"]) == 64 and "13800138000" not in str(result)
    assert host.call("__privacyResolve", {"event": "agree", "buttonId": "agree-btn"}) == {
        "errMsg": "__privacyResolve:ok"}
    assert host.call("getPrivacySetting")["needAuthorization"] is False


def test_developer_disagree_fails_104_and_contract_page_opens(start_host: Callable[..., Host], tmp_path: Path) -> None:
    host = start_host(make_app(tmp_path / "dis", sim_json={"privacy": {"categories": ["剪切板", "位置信息"]}}))
    host.call("__invokeRegister", {"event": "onNeedPrivacyAuthorization"})
    cb = host.call_async("requirePrivacyAuthorize")
    host.wait_for(lambda e: e["type"] == "privacy_needed")
    host.call("__privacyResolve", {"event": "disagree"})
    assert host.result(cb)["errno"] == 104
    assert host.call("openPrivacyContract") == {"errMsg": "openPrivacyContract:ok"}
    page = host.ui("privacy_contract")
    assert page["title"] == f"《{APP_NAME}小程序隐私保护指引》" and "剪切板" in page["content"]
    host.answer(page["uiId"], "back")


def test_a_returning_user_keeps_consent_and_grants(start_host: Callable[..., Host]) -> None:
    host = start_host(None, "--privacy-agreed", "--grant", "scope.userLocation=allow", "--grant", "scope.camera=deny")
    assert host.result(host.call_async("getLocation"))["errMsg"] == "getLocation:ok"
    assert host.result(host.call_async("CameraContext.takePhoto"))["errMsg"] == "CameraContext.takePhoto:fail auth deny"
    assert not host.uis_since(0)
    assert host.call("getSetting")["authSetting"] == {"scope.userLocation": True, "scope.camera": False}


# The wx API surface: profile data, native dialogs, devices, storage


def test_pickers_hand_out_the_profile(start_host: Callable[..., Host], tmp_path: Path) -> None:
    required = ("chooseAddress", "chooseLocation", "choosePoi", "getLocation")
    host = start_host(make_app(tmp_path / "pick", required_private_infos=required), "--privacy-agreed")
    image = host.result(host.call_async("chooseImage", {"count": 1}))
    path = image["tempFilePaths"][0]
    assert path.startswith("wxfile://tmp_") and image["tempFiles"][0]["size"] > 0
    status, png = host.http("GET", "/wxfile/" + path[len("wxfile://"):])
    assert status == 200 and png.startswith(b"\x89PNG")
    media = host.result(host.call_async("chooseMedia", {"mediaType": ["video"]}))
    assert media["type"] == "video" and media["tempFiles"][0]["tempFilePath"].endswith(".mp4")
    assert host.result(host.call_async("chooseVideo"))["tempFilePath"].endswith(".mp4")
    assert host.result(host.call_async("chooseMessageFile"))["tempFiles"][0]["name"] == "体检报告.pdf"
    address = host.result(host.call_async("chooseAddress"))
    assert (address["userName"], address["telNumber"]) == ("林小夏", "13800138000")
    assert host.result(host.call_async("chooseInvoiceTitle"))["taxNumber"] == "91310101MA1FPX1234"
    assert host.result(host.call_async("chooseInvoice"))["invoiceInfo"][0]["cardId"]
    assert host.result(host.call_async("chooseLicensePlate"))["plateNumber"] == "沪A·D12345"
    assert host.result(host.call_async("chooseLocation"))["name"] == "来福士广场"
    assert host.result(host.call_async("choosePoi"))["city"] == "上海市"
    assert host.result(host.call_async("chooseAvatar", {"openType": "chooseAvatar"}))["avatarUrl"].startswith("wxfile://")
    assert host.result(host.call_async("getUserProfile", {"desc": "展示头像"}))["userInfo"]["nickName"] == "微信用户"
    assert host.result(host.call_async("getUserInfo"))["userInfo"]["nickName"] == "微信用户"
    assert not host.uis_since(0), "pickers pick at once; 3.3.0 gives an anonymous profile without asking"


def test_old_base_library_asks_for_the_real_profile(start_host: Callable[..., Host], tmp_path: Path) -> None:
    host = start_host(make_app(tmp_path / "old", lib_version="2.20.0"))
    cb = host.call_async("getUserProfile", {"desc": "用于完善会员资料"})
    popup = host.ui("user_profile")
    assert popup["content"] == "获取你的昵称、头像" and popup["desc"] == "用于完善会员资料"
    host.answer(popup["uiId"], "agree")
    assert host.result(cb)["userInfo"]["nickName"] == "林小夏"


def test_native_dialogs_wait_for_the_user(sim: Host) -> None:
    cb = sim.call_async("showActionSheet", {"itemList": ["拍照", "从相册选择"], "alertText": "上传头像"})
    sheet = sim.ui("action_sheet")
    assert sheet["items"] == ["拍照", "从相册选择"] and sheet["title"] == "上传头像"
    sim.answer(sheet["uiId"], "1")
    assert sim.result(cb) == {"tapIndex": 1, "errMsg": "showActionSheet:ok"}
    cb = sim.call_async("showActionSheet", {"itemList": ["a"]})
    sim.answer(sim.ui("action_sheet")["uiId"], "cancel")
    assert sim.result(cb) == {"errMsg": "showActionSheet:fail cancel"}

    cb = sim.call_async("requestSubscribeMessage", {"tmplIds": ["T1", "T2"]})
    dialog = sim.ui("subscribe")
    assert dialog["buttons"] == ["取消", "允许"] and dialog["items"] == ["T1", "T2"]
    sim.answer(dialog["uiId"], "agree")
    assert sim.result(cb) == {"T1": "accept", "T2": "accept", "errMsg": "requestSubscribeMessage:ok"}

    # WeChat 2.3.0+: no jump without a tap (an auto-jump in onLoad fails, no dialog); after a tap it asks
    cb = sim.call_async("navigateToMiniProgram", {"appId": "wx1111111111111111", "path": "pages/index"})
    assert sim.result(cb) == {"errMsg": "navigateToMiniProgram:fail can only be invoked by user TAP gesture."}
    cb = sim.call_async("navigateToMiniProgram", {"appId": "wx1111111111111111", "path": "pages/index"}, gesture=True)
    confirm = sim.ui("navigate_confirm")
    sim.answer(confirm["uiId"], "cancel")
    assert sim.result(cb) == {"errMsg": "navigateToMiniProgram:fail cancel"}
    cb = sim.call_async("showModal", {"title": "提示", "content": "必须同意", "showCancel": False})
    modal = sim.ui("modal")
    assert modal["showCancel"] is False
    sim.answer(modal["uiId"], "confirm")
    assert sim.result(cb)["confirm"] is True
    assert sim.call("navigateTo", {"url": "/pages/a/a"}) == {"errMsg": "navigateTo:ok"}


def test_devices_answer_and_send_readings_to_listeners(start_host: Callable[..., Host], tmp_path: Path) -> None:
    host = start_host(make_app(tmp_path / "dev2", required_private_infos=("startLocationUpdate",)),
                      "--privacy-agreed", "--grant", "scope.bluetooth=allow", "--grant", "scope.record=allow",
                      "--grant", "scope.werun=allow", "--grant", "scope.userLocation=allow")
    assert host.call("getConnectedWifi") == {"errMsg": "getConnectedWifi:fail not init", "errCode": 12000}
    host.call("startWifi")
    wifi = host.call("getConnectedWifi")["wifi"]
    assert (wifi["SSID"], wifi["BSSID"]) == ("CMCC-Home-5G", "a4:50:46:12:9b:7c")

    def listener(name: str) -> Event:
        return host.wait_for(lambda e: e["type"] == "listener" and e["name"] == name)

    assert host.result(host.call_async("startAccelerometer"))["errMsg"] == "startAccelerometer:ok"
    assert listener("onAccelerometerChange")["data"] == {"x": 0.02, "y": 9.78, "z": 0.31}
    host.result(host.call_async("startLocationUpdate"))
    assert listener("onLocationChange")["data"]["latitude"] == 31.230416
    assert host.result(host.call_async("openBluetoothAdapter"))["errMsg"] == "openBluetoothAdapter:ok"
    host.result(host.call_async("startBluetoothDevicesDiscovery"))
    assert listener("onBluetoothDeviceFound")["data"]["devices"][0]["deviceId"] == "C8:47:8C:1A:2B:3C"
    record = host.call_async("startRecord")
    time.sleep(0.2)
    host.call("stopRecord")
    assert host.result(record)["tempFilePath"].endswith(".aac")
    host.result(host.call_async("RecorderManager.start"))
    host.result(host.call_async("RecorderManager.stop"))
    assert host.wait_for(lambda e: e.get("target") == "RecorderManager" and e["name"] == "onStop")["data"]["duration"]
    werun = host.result(host.call_async("getWeRunData"))
    assert werun["errMsg"] == "getWeRunData:ok" and werun["encryptedData"] and werun["iv"]
    assert not host.uis_since(0)


def test_batch_storage(sim: Host) -> None:
    assert sim.call("batchSetStorageSync", {"kvList": [{"key": "b1", "value": 1}, {"key": "b2", "value": "二"}]}) == {
        "errMsg": "batchSetStorageSync:ok"}
    assert sim.call("batchGetStorageSync", {"keyList": ["b1", "b2", "none"]})["dataList"] == [1, "二", ""]
    assert sim.result(sim.call_async("batchSetStorage", {"kvList": "x"}))["errMsg"].startswith(
        "batchSetStorage:fail parameter error")
    info = sim.call("getStorageInfoSync")
    assert {"b1", "b2"} <= set(info["keys"])


# Files and sockets


def test_upload_and_download_files(
    start_host: Callable[..., Host], echo_server: http.server.ThreadingHTTPServer
) -> None:
    sim = start_host(None, "--privacy-agreed")
    base = f"http://127.0.0.1:{echo_server.server_port}"
    path = sim.result(sim.call_async("chooseImage"))["tempFilePaths"][0]
    up = sim.result(sim.call_async("uploadFile", {"url": base + "/upload", "filePath": path, "name": "photo",
                                                  "formData": {"orderId": "A17"}}))
    assert up["errMsg"] == "uploadFile:ok" and up["statusCode"] == 201
    echoed = json.loads(up["data"])
    assert echoed["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    assert 'name="orderId"' in echoed["body"] and 'name="photo"; filename="tmp_' in echoed["body"]
    assert "MicroMessenger" in echoed["headers"]["user-agent"]
    down = sim.result(sim.call_async("downloadFile", {"url": base + "/text/menu.txt"}))
    assert down["statusCode"] == 201 and down["tempFilePath"].endswith(".txt")
    assert sim.http("GET", "/wxfile/" + down["tempFilePath"][len("wxfile://"):])[1] == b"plain words"
    missing = sim.result(sim.call_async("uploadFile", {"url": base, "filePath": "wxfile://nope.png"}))
    assert missing["errMsg"] == "uploadFile:fail file not found: wxfile://nope.png"


def test_raw_sockets_and_websocket_reach_the_fixture_back_end(
    start_host: Callable[..., Host], tmp_path: Path
) -> None:
    import base64

    from sim.backend import FixtureBackend

    with FixtureBackend([], cert_cache=tmp_path / "certs") as backend:
        assert backend.ports
        host = start_host(None, "--socket-backend", str(backend.ports[0]))
        tcp = host.call("createTCPSocket")["socketId"]
        host.result(host.call_async("TCPSocket.connect", {"socketId": tcp, "address": "lock.example", "port": 9100}))
        host.wait_for(lambda e: e.get("target") == f"tcp:{tcp}" and e["name"] == "onConnect")
        host.result(host.call_async("TCPSocket.write", {"socketId": tcp, "data": "unlock 13800138000\n",
                                                        "address": "lock.example", "port": 9100}))
        echoed = host.wait_for(lambda e: e.get("target") == f"tcp:{tcp}" and e["name"] == "onMessage")["data"]
        assert base64.b64decode(echoed["message"]) == b"unlock 13800138000\n"
        assert echoed["remoteInfo"]["address"] == "lock.example" and echoed["remoteInfo"]["port"] == 9100
        host.result(host.call_async("TCPSocket.close", {"socketId": tcp}))
        host.wait_for(lambda e: e.get("target") == f"tcp:{tcp}" and e["name"] == "onClose")

        udp = host.call("createUDPSocket")["socketId"]
        assert host.call("UDPSocket.bind", {"socketId": udp})["port"] > 0
        payload = base64.b64encode(b"\x01\x02hi").decode()
        host.result(host.call_async("UDPSocket.send", {"socketId": udp, "address": "iot.example", "port": 5683,
                                                       "data": payload, "encoding": "base64"}))
        got = host.wait_for(lambda e: e.get("target") == f"udp:{udp}" and e["name"] == "onMessage")["data"]
        assert got["message"] == payload

        ws = host.result(host.call_async("connectSocket", {"url": f"ws://127.0.0.1:{backend.ports[0]}/chat"}))
        target = f"socket:{ws['socketTaskId']}"
        host.wait_for(lambda e: e.get("target") == target and e["name"] == "onOpen")
        host.result(host.call_async("SocketTask.send", {"socketTaskId": ws["socketTaskId"], "data": "在吗"}))
        assert host.wait_for(lambda e: e.get("target") == target and e["name"] == "onMessage")["data"] == {
            "data": "在吗"}
        host.result(host.call_async("SocketTask.close", {"socketTaskId": ws["socketTaskId"]}))
        assert host.wait_for(lambda e: e.get("target") == target and e["name"] == "onClose")["data"]["code"] == 1000
        bad = host.result(host.call_async("connectSocket", {"url": "http://x.example/"}))
        assert bad["errMsg"] == "connectSocket:fail invalid url http://x.example/ (ws or wss only)"
