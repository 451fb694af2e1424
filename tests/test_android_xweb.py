"""The XWeb DOM path of the android driver: the sim's own page scripts run for real in headless Chromium
(devicePixelRatio 3, like a 1080-px phone) on a page shaped like WeChat's WebView renderer (wx-view /
wx-button straight in <body>), read through ``read_dom`` / ``AndroidDriver.dialogs`` by a driver object
whose only fake part is Appium's context list and switch; bounds are mapped onto the WebView frame of a
recorded UiAutomator2 hierarchy. Plus the mapping and the fallback decision on their own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import WebDriverException

from harness.android.driver import (
    NATIVE_CONTEXT,
    AndroidDriver,
    dialogs_from_hierarchy,
    merge_dialogs,
    read_dom,
    to_screen,
    webview_frame,
    xweb_context,
)
from tests.conftest import chromium_showing

FIX = Path(__file__).resolve().parent / "fixtures" / "android"
HIERARCHY = (FIX / "ui" / "webview-dialog.xml").read_text(encoding="utf-8")  # WebView at [0,264][1080,2400]
XWEB = "WEBVIEW_com.tencent.mm:appbrand0"
# WeChat's renderer: custom elements in <body>, a mask and the developer's own fixed dialog.
PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, user-scalable=no"><style>
  body { margin: 0; font-family: "WenQuanYi Micro Hei", sans-serif; }
  wx-view, wx-button, wx-text { display: block; }
  .mask { position: fixed; inset: 0; background: rgba(0,0,0,.5); }
  .dialog { position: fixed; left: 30px; top: 200px; width: 300px; height: 240px; background: #fff; }
  .content { margin: 50px 16px 0; font-size: 15px; }
  wx-button.choice { position: absolute; top: 170px; width: 120px; height: 44px; line-height: 44px; text-align: center; }
</style></head><body>
  <wx-view class="page"><wx-text>会员中心</wx-text><wx-button>领取新人礼包</wx-button></wx-view>
  <wx-view class="mask"></wx-view>
  <wx-view class="dialog">
    <wx-view class="content">为了给您推荐附近门店，我们将获取您的位置信息，详见《隐私政策》。</wx-view>
    <wx-button class="choice" style="left: 20px">拒绝</wx-button>
    <wx-button class="choice" style="left: 160px">同意</wx-button>
  </wx-view>
</body></html>"""


@pytest.fixture(scope="module")
def chrome(tmp_path_factory: pytest.TempPathFactory):
    """Real headless Chromium through chromedriver, 360x712 CSS px at devicePixelRatio 3 (the fixture's
    WebView: 1080x2136 screen px), showing PAGE."""
    driver = chromium_showing(PAGE, tmp_path_factory.mktemp("xweb"), "--hide-scrollbars", "--window-size=600,900",
                              mobile={"width": 360, "height": 712, "pixelRatio": 3})
    yield driver
    driver.quit()


class ContextSwitch:
    """Appium's switch_to.context, recorded; a name in ``refuse`` fails as Appium does without a
    chromedriver for that XWeb."""

    def __init__(self, owner: AppiumOverChromium, refuse: set[str]) -> None:
        self.owner, self.refuse = owner, refuse

    def context(self, name: str) -> None:
        self.owner.switches.append(name)
        if name in self.refuse:
            raise WebDriverException("No Chromedriver found that can automate Chrome '107.0.5304.141'")
        self.owner.current = name


class AppiumOverChromium:
    """An Appium session whose WebView context is the real Chromium page: contexts and switching are the
    only fakes; scripts run in Chromium and only while in a WEBVIEW_ context."""

    def __init__(self, chrome: Any, contexts: list[str], refuse: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.chrome, self.contexts, self.current = chrome, contexts, NATIVE_CONTEXT
        self.switches: list[str] = []
        self.switch_to = ContextSwitch(self, set(refuse))
        self.page_source = HIERARCHY
        self.screenshots = 0

    def execute_script(self, script: str, *args: Any) -> Any:
        assert self.current.startswith("WEBVIEW_"), "a page script ran in NATIVE_APP"
        return self.chrome.execute_script(script, *args)

    def get_screenshot_as_png(self) -> bytes:
        self.screenshots += 1
        return self.chrome.get_screenshot_as_png()


def android(driver: AppiumOverChromium) -> AndroidDriver:
    """An AndroidDriver on ``driver`` (no Appium server: the constructor would dial one)."""
    found = AndroidDriver.__new__(AndroidDriver)
    found.driver, found.broken_contexts = driver, set()
    return found


# ------------------------------------------------------------------------------- for real in Chromium

def test_dom_dialog_read_in_chromium_with_screen_bounds(chrome: Any) -> None:
    fake = AppiumOverChromium(chrome, [NATIVE_CONTEXT, XWEB])
    assert chrome.execute_script("return [innerWidth, devicePixelRatio]") == [360, 3]
    view = read_dom(fake, webview_frame(HIERARCHY), broken=set())
    assert view is not None and view.context == XWEB
    assert fake.switches == [XWEB, NATIVE_CONTEXT] and fake.current == NATIVE_CONTEXT
    [dialog] = view.dialogs  # the mask (no button) and the page's own button are not dialogs
    assert dialog.prompt_kind == "developer_dialog" and dialog.scope == "scope.userLocation" and dialog.mentions_privacy
    buttons = {b.text: b for b in dialog.buttons}
    assert (buttons["拒绝"].role, buttons["同意"].role) == ("reject", "agree")
    # CSS (30+20, 200+170) 120x44 at dpr 3, below the WebView's top at 264
    assert buttons["拒绝"].bounds == (150, 264 + 1110, 360, 132)
    assert buttons["同意"].bounds == (3 * 190, 264 + 1110, 360, 132)
    assert "会员中心" in view.state.texts
    text = next(e for e in view.state.elements if e.text == "会员中心")
    assert text.bounds is not None and text.bounds[1] == 264 and text.bounds[0] == 0


def test_android_driver_dialogs_and_page_state_use_the_dom(chrome: Any, tmp_path: Path) -> None:
    fake = AppiumOverChromium(chrome, [NATIVE_CONTEXT, "WEBVIEW_com.tencent.mm", XWEB])
    driver = android(fake)
    [dialog] = driver.dialogs()
    assert [b.text for b in dialog.buttons] == ["拒绝", "同意"] and fake.screenshots == 0  # no OCR needed
    dump = tmp_path / "ui.xml"
    dump.write_text(HIERARCHY, encoding="utf-8")
    state = driver.page_state(dump)
    assert "星巴克门店查询" in state.texts and "会员中心" in state.texts  # native title bar + the WebView's DOM
    assert any(e.kind == "button" and e.text == "同意" for e in state.elements)
    assert fake.current == NATIVE_CONTEXT


def test_unusable_xweb_context_falls_back_to_ocr_once_marked(chrome: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """No chromedriver for this XWeb: the step goes on with OCR of the screenshot (OCR itself is tested
    in test_android_driver.py; here only that the screenshot goes to it)."""
    seen: list[bytes] = []
    monkeypatch.setattr("harness.android.driver.dialog_from_ocr", lambda png: seen.append(png))
    fake = AppiumOverChromium(chrome, [NATIVE_CONTEXT, XWEB], refuse={XWEB})
    driver = android(fake)
    assert driver.dialogs() == [] and len(seen) == 1 and seen[0].startswith(b"\x89PNG")
    assert fake.current == NATIVE_CONTEXT and driver.broken_contexts == {XWEB}
    assert driver.dialogs(use_ocr=False) == []
    assert fake.switches == [XWEB, NATIVE_CONTEXT]  # a broken context is not tried again


# ------------------------------------------------------------------------------- pure logic

def test_xweb_context_choice() -> None:
    assert xweb_context([NATIVE_CONTEXT, "WEBVIEW_com.tencent.mm", XWEB]) == XWEB
    assert xweb_context([NATIVE_CONTEXT, "WEBVIEW_xweb_devtools_remote_4242"]) == "WEBVIEW_xweb_devtools_remote_4242"
    assert xweb_context([NATIVE_CONTEXT, "WEBVIEW_webview_devtools_remote_77"]) == "WEBVIEW_webview_devtools_remote_77"
    # WeChat's own WebViews (articles, pay) are not the mini program: no DOM path
    assert xweb_context([NATIVE_CONTEXT, "WEBVIEW_com.tencent.mm"]) is None
    assert xweb_context([NATIVE_CONTEXT]) is None


def test_no_xweb_context_means_no_switch() -> None:
    class NoWebView:
        contexts = (NATIVE_CONTEXT,)
        switch_to = None  # touching it would fail the test

    class ContextsGone:
        @property
        def contexts(self) -> list[str]:
            raise WebDriverException("unknown command: contexts")

    assert read_dom(NoWebView(), None, broken=set()) is None
    assert read_dom(ContextsGone(), None, broken=set()) is None


def test_bounds_mapping() -> None:
    frame = (0, 264, 1080, 2136)
    assert to_screen((30, 60, 90, 120), frame, (360, 3)) == (30, 324, 90, 120)  # XWeb dpr = screen density
    # a WebView whose content is zoomed: 412 CSS px at dpr 2.625 across 1080 px is 1:1 too
    assert to_screen((100, 0, 10, 10), (0, 0, 1080, 2000), (411.43, 2.625)) == (100, 0, 10, 10)
    # a half-width WebView showing 360 CSS px at dpr 3: scripts' pixels halve
    assert to_screen((200, 100, 60, 40), (540, 300, 540, 800), (360, 3)) == (640, 350, 30, 20)
    assert to_screen((1, 2, 3, 4), None, (360, 3)) == (1, 2, 3, 4)  # no frame known: as the scripts say
    assert webview_frame(HIERARCHY) == (0, 264, 1080, 2136)


def test_merge_keeps_one_of_each_dialog() -> None:
    native = dialogs_from_hierarchy((FIX / "ui" / "developer-modal.xml").read_text(encoding="utf-8"))
    same = list(native)  # the same dialog seen through the DOM
    assert merge_dialogs(native, same) == native
    other = native[0].__class__("dev:x", "developer_dialog", None, ["开启通知"], [native[0].buttons[0]])
    assert merge_dialogs(native, [other]) == [*native, other]
