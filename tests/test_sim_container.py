"""The sim container (sim/container/) in real headless Chromium, against a Python stand-in of the
JVM host's HTTP protocol (sim/PROTOCOL.md): WXML rendering, events, the wx bridge, native UI."""

from __future__ import annotations

import json
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

CONTAINER_DIR = Path(__file__).resolve().parents[1] / "sim" / "container"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(os.environ.get("MINIPROBE_TEST_ARTIFACTS", "/tmp/miniprobe-test-artifacts"))

pytestmark = pytest.mark.e2e
# No skip: a missing browser must fail the suite loudly (make setup installs them).
assert Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists(), "chromium/chromedriver missing: run make setup"

# ---- the test mini program -----------------------------------------------------------------------

APP_FILES: dict[str, str] = {
    "app.json": json.dumps(
        {
            "pages": [
                "pages/index/index",
                "pages/detail/detail",
                "pages/broken/broken",
                "pages/bad/bad",
                "pages/crash/crash",
                "pages/events/events",
                "pages/more/more",
                "pages/query/query",
            ],
            "window": {
                "navigationBarTitleText": "门店查找",
                "navigationBarBackgroundColor": "#ffffff",
                "navigationBarTextStyle": "black",
            },
            "style": "v2",
        },
        ensure_ascii=False,
    ),
    "app.js": "App({ globalData: { launched: false }, onLaunch() { this.globalData.launched = true; } });\n",
    "app.wxss": "page { background: #f7f7f7; } .hello { font-size: 40rpx; padding: 20rpx; }\n",
    "utils/constants.js": "exports.GREETING = '你好, ';\n",
    "utils/format.js": (
        "const { GREETING } = require('./constants');\n"
        "module.exports = { greet: (name) => GREETING + name };\n"
    ),
    "pages/index/index.js": """const { greet } = require('../../utils/format.js');
Page({
  data: {
    name: '小明', level: 2, count: 0, typed: '', location: '',
    stores: [{ id: 1, name: '一号店' }, { id: 2, name: '二号店' }],
  },
  onLoad(query) {
    this.setData({ greeting: greet(this.data.name), launched: getApp().globalData.launched });
  },
  onTapStore(e) {
    const picked = e.currentTarget.dataset.storeId;
    this.setData({ picked, count: this.data.count + 1, 'stores[0].name': '改名店' });
  },
  onInput(e) { this.setData({ typed: e.detail.value }); },
  onLocate() {
    wx.getLocation({
      type: 'gcj02',
      success: (res) => this.setData({ location: res.latitude + ',' + res.longitude }),
      fail: (err) => this.setData({ location: 'fail ' + err.errMsg }),
    });
  },
  onUnknown() {
    wx.fooBarBaz({ x: 1, fail: (err) => this.setData({ unknown: err.errMsg }) });
  },
  async onPromise() {
    const info = await wx.getSystemInfo();
    this.setData({ model: info.model });
  },
  onStorage() {
    wx.setStorageSync('k', { a: 1 });
    this.setData({ stored: JSON.stringify(wx.getStorageSync('k')) });
  },
  goDetail() { wx.navigateTo({ url: '../detail/detail?id=7' }); },
});
""",
    "pages/index/index.wxml": """<view class="hello">{{greeting}}</view>
<text class="count">点击次数 {{count}}</text>
<view class="launched">{{launched ? 'launched' : 'not launched'}}</view>
<view wx:if="{{level > 2}}" class="lvl">high</view>
<view wx:elif="{{level === 2}}" class="lvl">mid</view>
<view wx:else class="lvl">low</view>
<view wx:for="{{stores}}" wx:key="id" class="store" data-store-id="{{item.id}}"
      bindtap="onTapStore">{{index}}: {{item.name}}</view>
<block wx:for="{{stores}}" wx:for-item="s" wx:for-index="i"><text class="alt">{{i}}-{{s.name}}</text></block>
<view class="picked">{{picked ? '已选 ' + picked : '未选'}}</view>
<input class="name" placeholder="请输入姓名" bindinput="onInput" value="{{typed}}"/>
<view class="typed">{{typed}}</view>
<button type="primary" bindtap="onLocate">获取位置</button>
<view class="location">{{location}}</view>
<button size="mini" bindtap="onUnknown">未知接口</button>
<view class="unknown">{{unknown}}</view>
<button size="mini" bindtap="onPromise">系统信息</button>
<view class="model">{{model}}</view>
<button size="mini" bindtap="onStorage">存储</button>
<view class="stored">{{stored}}</view>
<button bindtap="goDetail">详情</button>
""",
    "pages/index/index.wxss": (
        ".store { padding: 20rpx 30rpx; border-bottom: 1px solid #eee; }\nview.picked { color: #07c160; }\n"
        # class names the native UI also uses: app styles must not reach it
        ".title, .content { color: rgb(255, 0, 0); } .sheet, .mask { display: none; }\n"
    ),
    "pages/detail/detail.js": "Page({ data: {}, onLoad(q) { this.setData({ id: q.id }); } });\n",
    "pages/detail/detail.json": json.dumps({"navigationBarTitleText": "门店详情"}, ensure_ascii=False),
    "pages/detail/detail.wxml": '<view class="detail">门店 {{id}}</view>\n',
    "pages/broken/broken.js": "Page({\n  data: {},\n  onLoad() { let x = ; }\n});\n",
    "pages/broken/broken.wxml": "<view>broken</view>\n",
    "pages/bad/bad.js": "Page({});\n",
    "pages/bad/bad.wxml": "<view>\n  <map latitude=\"1\"></map>\n</view>\n",
    "pages/crash/crash.js": "Page({\n  boom() {\n    null.x = 1;\n  },\n});\n",
    "pages/crash/crash.wxml": '<button bindtap="boom">崩溃</button>\n',
    "pages/more/more.js": """Page({
  data: { phone: '' },
  onLoad() {
    wx.onNeedPrivacyAuthorization((resolve) => resolve({ event: 'agree' }));
    const updates = wx.getUpdateManager();
    updates.onCheckForUpdate(() => {}); // object listeners stay in the page (host events reach them)
    updates.applyUpdate();
  },
  onPhone(e) { this.setData({ phone: e.detail.errMsg + ' ' + e.detail.code }); },
});
""",
    "pages/more/more.wxml": """<button id="phone" open-type="getPhoneNumber" bindgetphonenumber="onPhone">手机号</button>
<view class="phone">{{phone}}</view>
""",
    "pages/query/query.js": """Page({
  data: { measured: '', after: '' },
  measure() {
    wx.fooBarBaz(); // promise style, nobody handles its rejection: WeChat only logs it
    this.createSelectorQuery()
      .select('#box').boundingClientRect()
      .selectAll('.item').fields({ dataset: true, size: true })
      .selectViewport().scrollOffset()
      .exec(([box, items, viewport]) => this.setData({
        measured: [box.id, Math.round(box.width), items.map((i) => i.dataset.n + ':' + Math.round(i.height)).join('|'),
          typeof viewport.scrollTop].join(' '),
      }));
    wx.createSelectorQuery().select('#missing').boundingClientRect((rect) => this.setData({ after: String(rect) })).exec();
  },
});
""",
    "pages/query/query.wxml": """<view id="box" style="width: 200px; height: 50px">盒子</view>
<view class="item" data-n="a" style="height: 20px">甲</view>
<view class="item" data-n="b" style="height: 30px">乙</view>
<image class="pic" src="wxfile://tmp_1.jpg" />
<button bindtap="measure">测量</button>
<view class="measured">{{measured}}</view>
<view class="after">{{after}}</view>
""",
    "pages/events/events.js": """Page({
  data: { log: [], n: 3, a: 1, b: 2, secret: true },
  note(what) { this.setData({ log: this.data.log.concat(what) }); },
  outer(e) { this.note('outer:' + e.target.dataset.who + '>' + e.currentTarget.dataset.who); },
  inner() { this.note('inner'); },
  caught() { this.note('caught'); },
});
""",
    "pages/events/events.wxml": """<view class="outer" data-who="o" bindtap="outer">
  <view class="bubbles" data-who="b" bind:tap="inner">冒泡</view>
  <view class="stops" data-who="s" catchtap="caught">拦截</view>
</view>
<view class="log">{{log.join(',')}}</view>
<view class="cmp">{{a < b ? 'less' : 'more'}}</view>
<view wx:for="{{n}}" class="num">{{item}}</view>
<view class="secret" hidden="{{secret}}">hidden</view>
<button disabled="{{true}}" bindtap="inner">禁用</button>
""",
}

PRIVACY_CONTENT = (
    "感谢您使用本小程序，您使用本小程序前应当阅读并同意《门店查找小程序隐私保护指引》。当您点击同意并开始使用产品服务时，"
    "即表示你已理解并同意该条款内容，该条款将对您产生法律约束力。如您拒绝，将无法使用相应服务。"
)

# ---- the host stand-in ------------------------------------------------------------------------


CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}


class FakeHost:
    """Speaks the JVM host's HTTP protocol: container files, the bundle, the bridge (sim/PROTOCOL.md)."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files
        self.invokes: list[dict[str, Any]] = []
        self.ui_answers: list[dict[str, Any]] = []
        self.storage: dict[str, Any] = {}
        self.auto_results: dict[str, dict[str, Any]] = {"getSystemInfo": {"model": "sim-phone"}}
        self._clients: list[queue.Queue[str | None]] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        with self._lock:
            for client in self._clients:
                client.put(None)
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        self.invokes.clear()
        self.ui_answers.clear()
        self.storage.clear()

    def push(self, event: dict[str, Any]) -> None:
        line = json.dumps(event, ensure_ascii=False)
        with self._lock:
            for client in self._clients:
                client.put(line)

    def wait_clients(self, timeout: float = 5) -> None:
        wait_until(lambda: bool(self._clients), timeout, "no SSE client connected")

    def calls(self, api: str) -> list[dict[str, Any]]:
        return [c for c in self.invokes if c["api"] == api]

    def answer(self, call: dict[str, Any], result: dict[str, Any]) -> None:
        """Push the async result of `call` as the host's callback event."""
        self.push({"type": "callback", "callbackId": call["callbackId"], "result": json.dumps(result)})

    def _sync_result(self, api: str, data: dict[str, Any]) -> dict[str, Any]:
        if api in ("__lifecycle", "__invokeRegister"):
            return {"errMsg": f"{api}:ok"}
        if api == "setStorageSync":
            self.storage[data["key"]] = data["data"]
            return {"errMsg": f"{api}:ok"}
        if api == "getStorageSync":
            return {"errMsg": f"{api}:ok", "data": self.storage.get(data["key"], "")}
        if api == "getSystemInfoSync":
            return {"errMsg": f"{api}:ok", "model": "sim-phone", "windowWidth": 375}
        return {"errMsg": f"{api}:fail not supported"}

    def _on_invoke(self, body: dict[str, Any]) -> str:
        call = dict(body, data=json.loads(body["data"]), extra=json.loads(body["extra"]))
        self.invokes.append(call)
        if body["isSync"]:
            return json.dumps(self._sync_result(body["api"], call["data"]))
        api = body["api"]
        if api in self.auto_results:
            self.answer(call, {"errMsg": f"{api}:ok", **self.auto_results[api]})
        elif api in ("navigateTo", "navigateBack", "redirectTo", "reLaunch", "switchTab"):
            self.answer(call, {"errMsg": f"{api}:ok"})
        elif api not in ("getLocation", "getPhoneNumber"):  # these the tests answer by hand
            self.answer(call, {"errMsg": f"{api}:fail not supported"})
        return ""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        host = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                if path == "/":
                    self._send(200, (CONTAINER_DIR / "index.html").read_bytes(), CONTENT_TYPES[".html"])
                elif path.startswith("/container/"):
                    file = CONTAINER_DIR / path.removeprefix("/container/")
                    if not file.is_file():
                        self._send(404, b"not found", "text/plain")
                        return
                    self._send(200, file.read_bytes(), CONTENT_TYPES.get(file.suffix, "text/plain"))
                elif path == "/app/bundle.json":
                    bundle = {"appid": "wxsimtest000000000", "files": host.files}
                    self._send(200, json.dumps(bundle, ensure_ascii=False).encode(), "application/json")
                elif path == "/bridge/events":
                    self._stream_events()
                else:
                    self._send(404, b"not found", "text/plain")

            def _stream_events(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                client: queue.Queue[str | None] = queue.Queue()
                with host._lock:
                    host._clients.append(client)
                try:
                    self.wfile.write(b": connected\n\n")
                    self.wfile.flush()
                    while True:
                        try:
                            line = client.get(timeout=0.5)
                        except queue.Empty:
                            self.wfile.write(b": keepalive\n\n")
                            self.wfile.flush()
                            continue
                        if line is None:
                            return
                        self.wfile.write(f"data: {line}\n\n".encode())
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with host._lock:
                        host._clients.remove(client)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                if self.path == "/bridge/invoke":
                    self._send(200, host._on_invoke(body).encode(), "application/json")
                elif self.path == "/bridge/ui":
                    host.ui_answers.append(body)
                    self._send(200, b"{}", "application/json")
                else:
                    self._send(404, b"not found", "text/plain")

        return Handler


# ---- helpers ----------------------------------------------------------------------------------------


def wait_until(predicate: Callable[[], Any], timeout: float = 5, message: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {message}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def host() -> Iterator[FakeHost]:
    fake = FakeHost(APP_FILES)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = Options()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=414,860",
        "--force-device-scale-factor=1",
        "--lang=zh-CN",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


class Sim:
    """One loaded container page: finders and waits the tests share."""

    def __init__(self, driver: webdriver.Chrome, host: FakeHost) -> None:
        self.driver = driver
        self.host = host

    def open(self, query: str = "") -> Sim:
        self.host.reset()
        self.driver.get(self.host.url + query)
        wait_until(
            lambda: self.driver.execute_script("return !!(window.__sim && window.__sim.ready)"),
            10,
            "window.__sim.ready",
        )
        self.host.wait_clients()
        return self

    def one(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css: str) -> str:
        found = self.all(css)
        return found[0].text if found else ""

    def wait_text(self, css: str, expected: str, timeout: float = 5) -> None:
        wait_until(
            lambda: self.text(css) == expected, timeout, f"{css} shows {expected!r} (now {self.text(css)!r})"
        )

    def button(self, label: str) -> WebElement:
        return next(b for b in self.all("wx-page wx-button") if b.text == label)

    def errors(self) -> list[str]:
        return list(self.driver.execute_script("return window.__sim.errors"))

    def route(self) -> str | None:
        return self.driver.execute_script("return window.__sim.route()")


@pytest.fixture
def sim(browser: webdriver.Chrome, host: FakeHost) -> Sim:
    browser.get_log("browser")  # drop earlier tests' console
    return Sim(browser, host)


# ---- tests ------------------------------------------------------------------------------------------


def test_page_renders_bindings_conditions_lists_and_required_modules(sim: Sim) -> None:
    sim.open()
    assert sim.route() == "pages/index/index"
    assert sim.all('wx-page[data-route="pages/index/index"]')
    assert sim.text("wx-nav-bar .title") == "门店查找"
    assert sim.text(".hello") == "你好, 小明"  # utils/format.js requires utils/constants.js
    assert sim.text(".launched") == "launched"  # app.js onLaunch ran before the page, getApp() works
    assert [e.text for e in sim.all(".lvl")] == ["mid"]
    assert [e.text for e in sim.all("wx-view.store")] == ["0: 一号店", "1: 二号店"]
    assert [e.text for e in sim.all("wx-text.alt")] == ["0-一号店", "1-二号店"]
    assert sim.one("wx-view.store").get_attribute("data-store-id") == "1"
    green = "rgba(7, 193, 96, 1)"
    assert sim.one("wx-button[type=primary]").value_of_css_property("background-color") == green
    assert sim.one(".hello").value_of_css_property("font-size") == "20px"  # 40rpx at 375px
    assert sim.one("wx-view.picked").value_of_css_property("color") == green  # WXSS view -> wx-view
    assert sim.errors() == []
    assert [e["message"] for e in sim.driver.get_log("browser") if e["level"] == "SEVERE"] == []
    events = [(c["data"]["event"], c["data"]["page"]) for c in sim.host.calls("__lifecycle")]
    index = "pages/index/index"
    assert events == [("launch", index), ("show", index), ("route", index)]
    lifecycle = sim.host.calls("__lifecycle")[0]
    assert lifecycle["isSync"] is True and "stack" in lifecycle["extra"]


def test_wxss_becomes_scoped_css(sim: Sim) -> None:
    sim.open()
    wxss = (
        "@import 'common.wxss';\n.a view, page > text:not(view) { margin: 10rpx -3rpx; }\n"
        "@media (min-width: 300px) { button.b { width: 750rpx; } }\n"
        "@keyframes spin { from { opacity: 0; } to { opacity: 1; } }\n"
    )
    files = {"x/y.wxss": wxss, "x/common.wxss": "image{}"}
    css = sim.driver.execute_script("return window.simContainer.wxss.toCss('x/y.wxss', arguments[0])", files)
    assert "#pages wx-image {}" in css
    assert "#pages .a wx-view, #pages wx-page > wx-text:not(wx-view) { margin: 5px -1.5px; }" in css
    assert "@media (min-width: 300px) { #pages wx-button.b { width: 375px; } }" in css
    assert "@keyframes spin { from { opacity: 0; } to { opacity: 1; } }" in css


def test_bindtap_passes_dataset_and_setdata_rerenders(sim: Sim) -> None:
    sim.open()
    sim.all("wx-view.store")[1].click()
    sim.wait_text(".picked", "已选 2")
    assert sim.text(".count") == "点击次数 1"
    assert [e.text for e in sim.all("wx-view.store")] == ["0: 改名店", "1: 二号店"]  # 'stores[0].name' path


def test_bindinput_gets_the_typed_value_and_keeps_focus(sim: Sim) -> None:
    sim.open()
    field = sim.one('wx-input input[placeholder="请输入姓名"]')
    field.send_keys("张三abc")
    sim.wait_text(".typed", "张三abc")
    assert field.get_attribute("value") == "张三abc"  # re-rendering patched, did not replace the input


def test_async_api_crosses_the_bridge_and_success_fires_on_the_callback_event(sim: Sim) -> None:
    sim.open()
    sim.button("获取位置").click()
    call = wait_until(lambda: sim.host.calls("getLocation"), 5, "getLocation invoke")[0]
    assert call["isSync"] is False and call["data"] == {"type": "gcj02"}
    assert call["extra"]["page"] == "pages/index/index"
    assert "app:///pages/index/index.js" in call["extra"]["stack"]
    assert sim.text(".location") == ""
    sim.host.answer(call, {"errMsg": "getLocation:ok", "latitude": 31.2, "longitude": 121.5})
    sim.wait_text(".location", "31.2,121.5")


def test_promise_style_call_resolves_with_the_result(sim: Sim) -> None:
    sim.open()
    sim.button("系统信息").click()
    sim.wait_text(".model", "sim-phone")


def test_tap_bubbles_through_bindtap_and_stops_at_catchtap(sim: Sim) -> None:
    sim.open("?path=pages/events/events")
    assert sim.text(".cmp") == "less"  # "<" inside {{ }} in text is an operator
    assert [e.text for e in sim.all("wx-view.num")] == ["0", "1", "2"]
    assert not sim.one("wx-view.secret").is_displayed()
    sim.one(".bubbles").click()
    sim.wait_text(".log", "inner,outer:b>o")
    sim.one(".stops").click()
    sim.wait_text(".log", "inner,outer:b>o,caught")
    sim.button("禁用").click()
    time.sleep(0.2)
    assert sim.text(".log") == "inner,outer:b>o,caught"
    assert sim.errors() == []


def test_open_type_button_and_listener_and_object_apis_cross_the_bridge(sim: Sim) -> None:
    sim.open("?path=pages/more/more")
    assert sim.host.calls("__invokeRegister")[0]["data"] == {"event": "onNeedPrivacyAuthorization"}
    assert sim.host.calls("getUpdateManager")[0]["isSync"] is True
    wait_until(lambda: sim.host.calls("UpdateManager.applyUpdate"), 5, "UpdateManager.applyUpdate")
    assert not sim.host.calls("UpdateManager.onCheckForUpdate")
    sim.button("手机号").click()
    call = wait_until(lambda: sim.host.calls("getPhoneNumber"), 5, "getPhoneNumber invoke")[0]
    assert call["data"] == {"openType": "getPhoneNumber", "buttonId": "phone"}
    sim.host.answer(call, {"errMsg": "getPhoneNumber:ok", "code": "c0de"})
    sim.wait_text(".phone", "getPhoneNumber:ok c0de")
    assert sim.errors() == []


def test_unknown_api_crosses_the_bridge_and_fails_loudly(sim: Sim) -> None:
    sim.open()
    sim.button("未知接口").click()
    sim.wait_text(".unknown", "fooBarBaz:fail not supported")
    assert sim.host.calls("fooBarBaz")[0]["data"] == {"x": 1}
    assert sim.driver.execute_script("return window.__sim.unsupported") == ["fooBarBaz"]
    console = [entry["message"] for entry in sim.driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert any("wx.fooBarBaz" in message and "not supported" in message for message in console)


def test_sync_storage_apis_use_the_host(sim: Sim) -> None:
    sim.open()
    sim.button("存储").click()
    sim.wait_text(".stored", '{"a":1}')
    assert sim.host.calls("setStorageSync")[0]["data"] == {"key": "k", "data": {"a": 1}}
    assert sim.host.calls("getStorageSync")[0]["isSync"] is True


def test_navigate_to_crosses_the_bridge_and_moves_the_page_stack(sim: Sim) -> None:
    sim.open()
    sim.button("详情").click()
    wait_until(lambda: sim.route() == "pages/detail/detail", 5, "detail page")
    assert sim.host.calls("navigateTo")[0]["data"] == {"url": "../detail/detail?id=7"}
    sim.wait_text(".detail", "门店 7")
    assert sim.text("wx-nav-bar .title") == "门店详情"
    assert not sim.one('wx-page[data-route="pages/index/index"]').is_displayed()
    sim.one("wx-nav-bar .back").click()
    wait_until(lambda: sim.route() == "pages/index/index", 5, "back on index")
    assert sim.all('wx-page[data-route="pages/detail/detail"]') == []
    routes = [c["data"]["page"] for c in sim.host.calls("__lifecycle") if c["data"]["event"] == "route"]
    assert routes == ["pages/index/index", "pages/detail/detail", "pages/index/index"]


def test_privacy_popup_draws_and_agree_answers_the_host(sim: Sim) -> None:
    sim.open()
    sim.host.push(
        {
            "type": "ui",
            "uiId": 5,
            "ui": "privacy_popup",
            "title": "用户隐私保护提示",
            "content": PRIVACY_CONTENT,
            "contractName": "《门店查找小程序隐私保护指引》",
            "buttons": ["拒绝", "同意"],
        }
    )
    selector = 'wx-native-popup[data-ui="privacy_popup"][data-ui-id="5"]'
    popup = wait_until(lambda: sim.all(selector), 5, "popup")[0]
    assert popup.find_element(By.CSS_SELECTOR, ".title").text == "用户隐私保护提示"
    # the page's own .title / .content / .sheet / .mask styles do not reach native UI
    title_color = popup.find_element(By.CSS_SELECTOR, ".title").value_of_css_property("color")
    assert title_color != "rgba(255, 0, 0, 1)"
    assert popup.find_element(By.CSS_SELECTOR, ".content .contract").text == "《门店查找小程序隐私保护指引》"
    assert popup.find_element(By.CSS_SELECTOR, 'button[data-choice="reject"]').text == "拒绝"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    sim.driver.save_screenshot(str(ARTIFACTS / "sim-privacy-popup.png"))
    popup.find_element(By.CSS_SELECTOR, 'button[data-choice="agree"]').click()
    wait_until(lambda: sim.host.ui_answers, 5, "POST /bridge/ui")
    assert sim.host.ui_answers == [{"uiId": 5, "choice": "agree"}]
    assert sim.all("wx-native-popup") == []


def test_scope_popup_shows_wording_and_desc(sim: Sim) -> None:
    sim.open()
    sim.host.push(
        {
            "type": "ui",
            "uiId": 6,
            "ui": "scope_popup",
            "scope": "scope.userLocation",
            "title": "门店查找 申请",
            "content": "获取你的位置信息",
            "desc": "用于查找附近门店",
            "buttons": ["拒绝", "允许"],
        }
    )
    popup = wait_until(lambda: sim.all('wx-native-popup[data-ui="scope_popup"]'), 5, "scope popup")[0]
    assert popup.find_element(By.CSS_SELECTOR, ".title").text == "门店查找 申请"
    assert popup.find_element(By.CSS_SELECTOR, ".content").text == "获取你的位置信息"
    assert popup.find_element(By.CSS_SELECTOR, ".desc").text == "用于查找附近门店"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    sim.driver.save_screenshot(str(ARTIFACTS / "sim-scope-popup.png"))
    popup.find_element(By.CSS_SELECTOR, 'button[data-choice="reject"]').click()
    wait_until(lambda: sim.host.ui_answers, 5, "POST /bridge/ui")
    assert sim.host.ui_answers == [{"uiId": 6, "choice": "reject"}]


def test_modal_without_cancel_has_only_confirm_and_ui_close_removes_it(sim: Sim) -> None:
    sim.open()
    sim.host.push(
        {
            "type": "ui",
            "uiId": 7,
            "ui": "modal",
            "title": "提示",
            "content": "需要定位权限",
            "showCancel": False,
            "confirmText": "知道了",
        }
    )
    modal = wait_until(lambda: sim.all('wx-native-popup[data-ui="modal"][data-ui-id="7"]'), 5, "modal")[0]
    buttons = modal.find_elements(By.CSS_SELECTOR, "button")
    assert [b.get_attribute("data-choice") for b in buttons] == ["confirm"]
    assert modal.find_element(By.CSS_SELECTOR, 'button[data-choice="confirm"]').text == "知道了"
    sim.host.push(
        {
            "type": "ui",
            "uiId": 8,
            "ui": "modal",
            "title": "提示",
            "content": "去设置？",
            "showCancel": True,
            "cancelText": "取消",
            "confirmText": "去设置",
        }
    )
    both = wait_until(lambda: sim.all('wx-native-popup[data-ui-id="8"] button'), 5, "second modal")
    assert [b.text for b in both] == ["取消", "去设置"]
    sim.host.push({"type": "ui_close", "uiId": 8})
    wait_until(lambda: not sim.all('wx-native-popup[data-ui-id="8"]'), 5, "ui_close")


def test_toast_disappears_after_its_duration(sim: Sim) -> None:
    sim.open()
    sim.host.push(
        {"type": "ui", "uiId": 9, "ui": "toast", "title": "已保存", "icon": "success", "duration": 300}
    )
    toast = wait_until(lambda: sim.all('wx-native-toast[data-ui-id="9"]'), 5, "toast")[0]
    assert toast.text.endswith("已保存")
    wait_until(lambda: not sim.all("wx-native-toast"), 3, "toast gone")


def test_syntax_error_in_page_script_names_the_file_and_line(sim: Sim) -> None:
    sim.open("?path=pages/broken/broken")
    errors = sim.errors()
    assert len(errors) == 1 and errors[0].startswith("pages/broken/broken.js:3: SyntaxError"), errors
    assert "pages/broken/broken.js:3" in sim.text("#sim-errors .sim-error")


def test_unsupported_wxml_tag_names_the_file_line_and_tag(sim: Sim) -> None:
    sim.open("?path=pages/bad/bad")
    assert sim.errors() == [
        "pages/bad/bad.wxml:2: <map> is not supported by the sim yet (nor a custom component in usingComponents)"
    ]


def test_uncaught_error_in_a_handler_names_the_file(sim: Sim) -> None:
    sim.open("?path=pages/crash/crash")
    sim.button("崩溃").click()
    wait_until(sim.errors, 5, "an error")
    assert sim.errors()[0].startswith("pages/crash/crash.js:3: TypeError"), sim.errors()
    assert "boom" in sim.errors()[0]


def test_exit_event_shows_the_exited_screen_and_reports_it(sim: Sim) -> None:
    sim.open()
    sim.host.push({"type": "exit"})
    wait_until(lambda: sim.text("#sim-exited") == "小程序已退出", 5, "exited screen")
    assert [c["data"]["event"] for c in sim.host.calls("__lifecycle")][-2:] == ["hide", "exit"]
    assert sim.route() is None


def test_selector_query_measures_in_the_container_and_rejections_are_only_logged(sim: Sim) -> None:
    """createSelectorQuery is the container's own (it never crosses the bridge); a promise rejection
    nobody handles is logged as WeChat does, not an app error; wxfile:// images load from the host."""
    sim.open("?path=pages/query/query")
    assert sim.one("wx-image.pic img").get_attribute("src").endswith("/wxfile/tmp_1.jpg")
    sim.button("测量").click()
    sim.wait_text(".measured", "box 200 a:20|b:30 number")
    sim.wait_text(".after", "null")
    assert not sim.host.calls("createSelectorQuery")
    wait_until(lambda: sim.driver.execute_script("return window.__sim.warnings.length"), 5, "the rejection logged")
    assert "fooBarBaz:fail not supported" in sim.driver.execute_script("return window.__sim.warnings[0]")
    assert sim.errors() == []


def test_a_tap_on_text_under_an_overlay_is_a_failed_step_not_a_driver_fault(sim: Sim) -> None:
    """A dialog's mask covers the page: tapping the page's text must say what covers it (the
    session records a failed step and goes on) instead of raising the driver's exception."""
    from harness.drivers.sim import SimDriver, TapBlocked

    sim.open()
    sim.host.push({"type": "ui", "uiId": 9, "ui": "modal", "title": "提示", "content": "请先同意",
                   "showCancel": False, "confirmText": "知道了"})
    wait_until(lambda: sim.all('wx-native-popup[data-ui-id="9"]'), 5, "modal")
    driver = object.__new__(SimDriver)  # tap_text only needs the WebDriver session this test already has
    driver.driver = sim.driver
    with pytest.raises(TapBlocked, match="二号店.*is covered"):
        driver.tap_text("1: 二号店", timeout=2)
    sim.host.push({"type": "ui_close", "uiId": 9})
    wait_until(lambda: not sim.all('wx-native-popup[data-ui-id="9"]'), 5, "ui_close")
    assert driver.tap_text("1: 二号店", timeout=2) is not None
