"""WeChat on a phone through Appium UiAutomator2 (noReset: the logged-in test account stays).

Pure parts, tested on recorded data: ``weixin_url`` (the URL scheme that opens a mini program),
``dialogs_from_hierarchy`` (WeChat's privacy popup, scope popups, system permission dialogs and
developers' dialogs from UiAutomator2's page source) and ``dialog_from_ocr`` (the same from a
screenshot, for dialogs drawn inside a WebView or Skyline). They give the ``ScreenDialog`` /
``ScreenButton`` shapes the sim's driver gives, so the session logic is the same on both.

Where WeChat lists the mini program's XWeb WebView as an Appium context, ``read_dom`` reads its DOM
with the sim driver's own scripts (WeChat's renderer uses the same ``wx-*`` elements) and maps the
bounds onto the screen; the hierarchy and OCR remain the path whenever it cannot.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from harness.android import adb, ocr
from harness.catalogue import SCOPE_WORDING, button_role, scope_in_text
from harness.config import AndroidApp, AndroidDevice
from harness.drivers.sim import (
    DIALOGS_JS,
    PAGE_STATE_JS,
    PageState,
    ScreenButton,
    ScreenDialog,
    classify,
    page_reading,
    page_state_from,
)
from harness.timeline import UIElement

MAX_HIERARCHY_BYTES = 8 * 1024 * 1024  # page source is untrusted: bounded before parsing
MAX_BUTTON_CHARS = 12
PERMISSION_PACKAGES = ("com.android.permissioncontroller", "com.google.android.permissioncontroller",
                       "com.android.packageinstaller")
WEBVIEW_CLASSES = ("android.webkit.WebView", "com.tencent.xweb.WebView", "com.tencent.xweb.pinus.sdk.WebView")
PRIVACY_POPUP_TITLES = ("用户隐私保护提示", "隐私保护指引")
log = logging.getLogger(__name__)
_SCOPE_BY_WORDING = {wording: scope for scope, wording in SCOPE_WORDING.items()}


# ------------------------------------------------------------------------------- the URL scheme

def weixin_url(app: AndroidApp, *, path: str | None = None, query: str | None = None) -> str:
    """``weixin://dl/business/?appid=..&path=..&query=..&env_version=..`` (WeChat's plain URL scheme).

    The query is percent-encoded as one value (its own & and = included), as WeChat requires; the
    path keeps its slashes. A step's path/query override the suite's.
    """
    page = path if path is not None else app.path
    page_query = query if query is not None else app.query
    parts = [f"appid={app.appid}"]
    if page:
        parts.append(f"path={quote(page.lstrip('/'), safe='/')}")
    if page_query:
        parts.append(f"query={quote(page_query, safe='')}")
    parts.append(f"env_version={app.env_version}")
    return "weixin://dl/business/?" + "&".join(parts)


# ------------------------------------------------------------------------------- classification

@dataclass(frozen=True)
class _Node:
    text: str
    bounds: tuple[int, int, int, int] | None
    clickable: bool
    cls: str


def classify_dialog(texts: list[str], buttons: list[ScreenButton], *, package: str = "", source: str = "ui") -> ScreenDialog:
    """The kind of a dialog from what it shows: privacy popup, scope popup, system permission, developer's."""
    joined = " ".join(texts)
    title = next((t for t in texts if any(p in t for p in PRIVACY_POPUP_TITLES)), None)
    scope: str | None = None
    if package in PERMISSION_PACKAGES:
        kind = "system_permission"
        scope = scope_in_text(joined)
    elif title is not None and {b.role for b in buttons} >= {"agree", "reject"}:
        kind = "privacy_popup"
    elif any(w in joined for w in _SCOPE_BY_WORDING):
        kind = "scope"
        scope = next(s for w, s in _SCOPE_BY_WORDING.items() if w in joined)
        title = next((t for t in texts if t.endswith("申请")), None)
    else:
        kind = "developer_dialog"
        scope = scope_in_text(joined)
        title = texts[0] if len(texts) > 1 and len(texts[0]) <= 16 else None
    body = [t for t in texts if t != title]
    digest = hashlib.sha1("|".join([kind, *texts, *(b.text for b in buttons)]).encode()).hexdigest()[:12]
    return ScreenDialog(f"{source}:{kind}:{digest}", kind, title, body, buttons, scope)


def _bounds(text: str) -> tuple[int, int, int, int] | None:
    match = re.match(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]", text or "")
    if not match:
        return None
    x1, y1, x2, y2 = map(int, match.groups())
    return x1, y1, x2 - x1, y2 - y1


def _is_button(element: ET.Element) -> bool:
    text = (element.get("text") or "").strip()
    if not text or len(text) > MAX_BUTTON_CHARS or element.get("clickable") != "true":
        return False
    return (element.get("class") or "").endswith("Button") or button_role(text) != "other"


def _button(element: ET.Element) -> ScreenButton:
    text = (element.get("text") or "").strip()
    return ScreenButton(text, button_role(text), _bounds(element.get("bounds", "")), element.get("enabled") != "false")


def _texts(container: ET.Element) -> list[str]:
    return [t for e in container.iter() if (t := (e.get("text") or "").strip()) and not _is_button(e)]


def parse_hierarchy(xml_text: str) -> ET.Element:
    if len(xml_text.encode("utf-8", "ignore")) > MAX_HIERARCHY_BYTES:
        raise ValueError(f"UI hierarchy larger than {MAX_HIERARCHY_BYTES} bytes: not parsed")
    if "<!DOCTYPE" in xml_text or "<!ENTITY" in xml_text:
        raise ValueError("UI hierarchy with a DTD: not parsed (UiAutomator2 never sends one)")
    return ET.fromstring(xml_text)


def dialogs_from_hierarchy(xml_text: str) -> list[ScreenDialog]:
    """Dialogs in a UiAutomator2 page source: each group of buttons with the texts of its smallest
    enclosing layout that also holds text (the dialog's title and message)."""
    root = parse_hierarchy(xml_text)
    parents = {child: parent for parent in root.iter() for child in parent}
    containers: list[ET.Element] = []
    for element in root.iter():
        if not _is_button(element):
            continue
        node = parents.get(element)
        while node is not None and not _texts(node):
            node = parents.get(node)
        if node is not None and node not in containers and not any(node in c.iter() for c in containers):
            containers = [c for c in containers if c not in node.iter()]
            containers.append(node)
    dialogs = []
    for container in containers:
        buttons = [_button(e) for e in container.iter() if _is_button(e)]
        if not any(b.role != "other" for b in buttons):
            continue  # a toolbar, not a dialog
        dialogs.append(classify_dialog(_texts(container), buttons, package=container.get("package") or ""))
    return dialogs


def shows_webview(xml_text: str) -> bool:
    """The screen holds a WebView (its content is invisible to UiAutomator: OCR is the fallback)."""
    return any((e.get("class") or "") in WEBVIEW_CLASSES for e in parse_hierarchy(xml_text).iter())


def _element_kind(element: ET.Element) -> str:
    cls = element.get("class") or element.tag
    if cls.endswith("EditText"):
        return "input"
    if cls.endswith(("Switch", "ToggleButton")):
        return "switch"
    if cls.endswith("RadioButton"):
        return "radio"
    if cls.endswith("CheckBox") or element.get("checkable") == "true":
        return "checkbox"
    if cls.endswith("Button") or _is_button(element):
        return "button"
    return "text"


def page_state_from_hierarchy(xml_text: str) -> PageState:
    """The page state of a UiAutomator2 page source, as the sim's driver gives it: visible texts (text,
    else content-desc: WebView nodes often carry only that), controls with kinds, checked states and
    bounds. An input's text is never recorded (it may be the personal data typed in); its hint is."""
    texts: list[str] = []
    elements: list[UIElement] = []
    for element in parse_hierarchy(xml_text).iter():
        if element.get("displayed") == "false":
            continue
        kind = _element_kind(element)
        label = ((element.get("text") or "").strip() or (element.get("content-desc") or "").strip())[:300]
        bounds = _bounds(element.get("bounds", ""))
        if kind == "input":
            input_type = "password" if element.get("password") == "true" else "text"
            elements.append(UIElement(kind="input", text=(element.get("hint") or "").strip()[:300], bounds=bounds,
                                      input_type=input_type))
            continue
        if kind == "text" and not label:
            continue
        if label:
            texts.append(label)
        checked = element.get("checked") == "true" if kind in ("checkbox", "radio", "switch") else None
        elements.append(UIElement(kind=kind, text=label, bounds=bounds, checked=checked))  # type: ignore[arg-type]
    return PageState(texts, elements, None)


def dialog_from_ocr(png: bytes) -> ScreenDialog | None:
    """A dialog read from a screenshot: its button words, their controls' bounds, the texts of its panel."""
    lines = ocr.read_text(png)
    candidates = [b for b in lines if len(b.text) <= 6 and button_role(b.text) != "other"]
    if not candidates:
        return None
    rects = ocr.rectangles(png)
    width, height = ocr.image_size(png)
    screen_area = width * height
    others = [b for b in lines if b not in candidates]
    # the dialog's panel: the smallest rectangle that holds every button word and some other text
    panel = next((r for r in rects if r[2] * r[3] < 0.9 * screen_area
                  and all(ocr.contains(r, c.center) for c in candidates)
                  and any(ocr.contains(r, b.center) for b in others)), None)
    buttons = [ScreenButton(b.text, button_role(b.text),
                            ocr.enclosing(rects, b, max_area=0.15 * screen_area) or b.box, True)
               for b in candidates]
    texts = [b.text for b in others if panel is None or ocr.contains(panel, b.center)]
    return classify_dialog(texts, buttons, source="ocr")


# ------------------------------------------------------------------------------- the XWeb DOM

NATIVE_CONTEXT = "NATIVE_APP"
# XWeb's DevTools sockets (xweb_devtools_remote_<pid>, webview_devtools_remote_<pid>) become contexts
# named after the process (WEBVIEW_com.tencent.mm:appbrand0) or, unresolved, after the socket.
_XWEB_CONTEXT_MARKS = ("appbrand", "xweb", "devtools_remote")
# The sim's scripts in one round trip, plus the viewport that maps their bounds onto the screen.
DOM_JS = page_reading(viewport="return [window.innerWidth, window.devicePixelRatio || 1];",
                      state=PAGE_STATE_JS, dialogs=DIALOGS_JS)
Box = tuple[int, int, int, int]


@dataclass
class DomView:
    """What the mini program's WebView DOM shows, in screen pixels."""

    context: str
    dialogs: list[ScreenDialog]
    state: PageState


def xweb_context(contexts: list[str]) -> str | None:
    """The mini program's WebView context among Appium's, or None: WeChat's other WebViews (articles,
    pay pages) are not the mini program, so any other WEBVIEW_ is not taken."""
    return next((c for c in contexts if c.startswith("WEBVIEW_")
                 and any(m in c.lower() for m in _XWEB_CONTEXT_MARKS)), None)


def webview_frame(xml_text: str) -> Box | None:
    """The on-screen frame of the WebView the mini program's page is drawn in: the largest displayed
    WebView of the hierarchy (pages lower in the stack are hidden or smaller)."""
    frames = [b for e in parse_hierarchy(xml_text).iter()
              if (e.get("class") or "") in WEBVIEW_CLASSES and e.get("displayed") != "false"
              and (b := _bounds(e.get("bounds", ""))) is not None and b[2] > 0 and b[3] > 0]
    return max(frames, key=lambda b: b[2] * b[3], default=None)


def to_screen(box: Box, frame: Box | None, viewport: tuple[float, float]) -> Box:
    """A box of the scripts (CSS pixels × devicePixelRatio, from the viewport's corner) in screen pixels:
    shifted by the WebView's origin and scaled by the frame's width over the viewport's device width
    (1 when XWeb's devicePixelRatio is the screen's; it corrects a WebView that zooms its content)."""
    if frame is None:
        return box
    css_width, dpr = viewport
    device_width = css_width * dpr
    scale = frame[2] / device_width if device_width > 0 else 1.0
    x, y, w, h = box
    return (frame[0] + round(x * scale), frame[1] + round(y * scale), round(w * scale), round(h * scale))


def dom_view(raw: dict[str, Any], context: str, frame: Box | None) -> DomView:
    """DOM_JS's answer as dialogs and page state with screen bounds (the page is untrusted: a malformed
    viewport counts as 1:1)."""
    try:
        width, dpr = (float(v) for v in raw.get("viewport") or ())
    except (TypeError, ValueError):
        width, dpr = 0.0, 1.0
    viewport = (width, dpr)
    dialogs = [classify(d) for d in raw.get("dialogs") or []]
    for dialog in dialogs:
        for button in dialog.buttons:
            button.bounds = to_screen(button.bounds, frame, viewport) if button.bounds else None
    state = page_state_from(raw.get("state") or {})
    state.elements = [e.model_copy(update={"bounds": to_screen(e.bounds, frame, viewport)}) if e.bounds else e
                      for e in state.elements]
    return DomView(context, dialogs, state)


def read_dom(driver: Any, frame: Box | None, *, broken: set[str]) -> DomView | None:
    """The mini program's DOM through its XWeb context, back in NATIVE_APP after; None when there is no
    such context or it cannot be entered (no chromedriver for that XWeb, a WebView gone, ...), and the
    caller uses the hierarchy and OCR. A context that failed once is in ``broken`` and not tried again
    (each attempt can cost Appium's whole chromedriver start-up)."""
    try:
        context = xweb_context([str(c) for c in driver.contexts])
    except Exception as exc:  # noqa: BLE001 - listing contexts is optional; the native path stands
        log.info("appium contexts: %s", exc)
        return None
    if context is None or context in broken:
        return None
    try:
        driver.switch_to.context(context)
        raw = driver.execute_script(DOM_JS) or {}
    except Exception as exc:  # noqa: BLE001 - any failure to read the DOM means the native path
        log.info("XWeb context %s unusable, hierarchy/OCR instead: %s", context, exc)
        broken.add(context)
        raw = None
    finally:
        driver.switch_to.context(NATIVE_CONTEXT)  # raises when the session itself is gone: a real failure
    return dom_view(raw, context, frame) if isinstance(raw, dict) else None


def _same_dialog(a: ScreenDialog, b: ScreenDialog) -> bool:
    """One dialog seen twice (the hierarchy can expose a WebView's nodes too): the same button words and,
    when both show texts, some text in common."""
    if sorted(x.text for x in a.buttons) != sorted(x.text for x in b.buttons):
        return False
    return not a.texts or not b.texts or bool(set(a.texts) & set(b.texts))


def merge_dialogs(native: list[ScreenDialog], dom: list[ScreenDialog]) -> list[ScreenDialog]:
    """The hierarchy's dialogs, then the DOM's that are not already among them."""
    return native + [d for d in dom if not any(_same_dialog(d, n) for n in native)]


def merge_states(native: PageState, dom: PageState) -> PageState:
    """The hierarchy's page state with the DOM's texts and controls added (texts once each)."""
    seen = set(native.texts)
    texts = native.texts + [t for t in dom.texts if t not in seen]
    return PageState(texts, native.elements + dom.elements, native.page or dom.page)


# ------------------------------------------------------------------------------- the Appium driver

WECHAT_ACTIVITY = ".ui.LauncherUI"


def capabilities(device: AndroidDevice, *, chromedriver_port: int | None = None) -> dict[str, Any]:
    """UiAutomator2 on WeChat, noReset (the test account stays logged in); XWeb WebViews reachable."""
    caps: dict[str, Any] = {
        "platformName": "Android",
        "appium:automationName": "UiAutomator2",
        "appium:udid": device.serial,
        "appium:appPackage": adb.WECHAT,
        "appium:appActivity": WECHAT_ACTIVITY,
        "appium:noReset": True,
        "appium:autoLaunch": False,
        "appium:newCommandTimeout": 600,
        "appium:disableWindowAnimation": True,
        "appium:ensureWebviewsHavePages": True,
        # XWeb exposes its DevTools sockets as xweb_devtools_remote_<pid> / webview_devtools_remote_<pid>
        "appium:chromeOptions": {"androidProcess": "com.tencent.mm:appbrand0"},
        "appium:autoWebviewTimeout": 5000,
        "appium:autodownloadEnabled": False,
    }
    if chromedriver_port:
        caps["appium:chromedriverPort"] = chromedriver_port
    return caps


class AndroidDriver:
    """An Appium UiAutomator2 session on WeChat plus adb for what Appium does not do (intents)."""

    def __init__(self, device: AndroidDevice, runner: adb.Adb, *, appium_url: str | None = None,
                 chromedriver_port: int | None = None) -> None:
        from appium import webdriver
        from appium.options.common import AppiumOptions

        self.device = device
        self.adb = runner
        options = AppiumOptions()
        options.load_capabilities(capabilities(device, chromedriver_port=chromedriver_port))
        self.driver = webdriver.Remote(appium_url or device.appium_url, options=options)
        self.broken_contexts: set[str] = set()  # XWeb contexts that could not be entered this session

    # ---- opening a mini program

    def launch(self, app: AndroidApp, *, path: str | None = None, query: str | None = None) -> str:
        """Open the mini program by its URL scheme; fall back to WeChat's search. Returns how it opened."""
        url = weixin_url(app, path=path, query=query)
        out = self.adb.run(adb.view_intent(url))
        if "Error" not in out and self.wait_appbrand(10):
            return "url-scheme"
        if self.open_from_recent(app.label) and self.wait_appbrand(10):
            return "recent"
        if self.open_by_search(app.label) and self.wait_appbrand(10):
            return "search"
        raise RuntimeError(f"could not open {app.label}: the URL scheme ({url}) did not open it (is the path "
                           "enabled for URL schemes in the MP console?), nor did the recent list or search")

    def wait_appbrand(self, timeout: float) -> bool:
        """Wait until a mini program activity (AppBrandUI*) is in front."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            activity = str(self.driver.current_activity or "")
            if "AppBrandUI" in activity or "AppBrandLaunchProxyUI" in activity:
                return True
            time.sleep(0.3)
        return False

    def _home(self) -> None:
        self.adb.run(adb.Cmd(("am", "start", "-n", f"{adb.WECHAT}/{WECHAT_ACTIVITY}")))
        time.sleep(1.0)

    def _recent_panel(self) -> None:
        """WeChat's recent mini programs: pull the chat list down from its top."""
        size = self.driver.get_window_size()
        self.driver.swipe(size["width"] // 2, int(size["height"] * 0.25), size["width"] // 2,
                          int(size["height"] * 0.8), 400)
        time.sleep(0.8)

    def open_from_recent(self, label: str) -> bool:
        self._home()
        self._recent_panel()
        return self.tap_text(label, timeout=3) is not None

    def open_by_search(self, label: str) -> bool:
        """搜索 → 小程序 → the name → the first result."""
        self._home()
        if self.tap_desc("搜索", timeout=3) is None:
            return False
        self.tap_text("小程序", timeout=3)
        fields = self.driver.find_elements("class name", "android.widget.EditText")
        if not fields:
            return False
        fields[0].send_keys(label)
        self.driver.press_keycode(66)  # enter
        time.sleep(2.0)
        return self.tap_text(label, timeout=5) is not None

    def remove_from_recent(self, label: str) -> bool:
        """Reset consent: drag the mini program out of the recent list (WeChat forgets its grants)."""
        self._home()
        self._recent_panel()
        found = self.driver.find_elements("-android uiautomator", f'new UiSelector().text("{_ui_quote(label)}")')
        if not found:
            return False
        rect = found[0].rect
        size = self.driver.get_window_size()
        self.driver.execute_script("mobile: dragGesture", {
            "startX": rect["x"] + rect["width"] // 2, "startY": rect["y"] + rect["height"] // 2,
            "endX": size["width"] // 2, "endY": size["height"] - 60, "speed": 800})
        time.sleep(1.0)
        return not self.driver.find_elements("-android uiautomator", f'new UiSelector().text("{_ui_quote(label)}")')

    # ---- the screen

    def page_source(self) -> str:
        return str(self.driver.page_source)

    def dom(self, source: str) -> DomView | None:
        """The XWeb DOM, when the screen (``source``, the page source) holds a WebView and its context works."""
        if not shows_webview(source):
            return None
        return read_dom(self.driver, webview_frame(source), broken=self.broken_contexts)

    def dialogs(self, *, use_ocr: bool = True) -> list[ScreenDialog]:
        """Native dialogs from the hierarchy plus the WebView's from its DOM; without a usable XWeb
        context and with no native dialog but a WebView, OCR of a screenshot."""
        source = self.page_source()
        found = dialogs_from_hierarchy(source)
        view = self.dom(source)
        if view is not None:
            return merge_dialogs(found, view.dialogs)
        if not found and use_ocr and shows_webview(source):
            dialog = dialog_from_ocr(self.driver.get_screenshot_as_png())
            found = [dialog] if dialog else []
        return found

    def press(self, dialog: ScreenDialog, button: ScreenButton) -> None:
        if button.bounds is None:
            if self.tap_text(button.text, timeout=2) is None:
                raise RuntimeError(f"the dialog button {button.text!r} vanished before it could be tapped")
            return
        x, y, w, h = button.bounds
        self.driver.execute_script("mobile: clickGesture", {"x": x + w // 2, "y": y + h // 2})

    def tap_text(self, text: str, timeout: float, *, before_click: Callable[[], object] | None = None) -> int | None:
        """Tap the first element showing ``text``; ``before_click`` runs just before (the session
        records a dialog this tap answers). Returns the tap's monotonic time, or None when not found."""
        return self._tap(f'new UiSelector().text("{_ui_quote(text)}")', timeout, before_click)

    def tap_desc(self, desc: str, timeout: float) -> int | None:
        return self._tap(f'new UiSelector().description("{_ui_quote(desc)}")', timeout)

    def _tap(self, selector: str, timeout: float, before_click: Callable[[], object] | None = None) -> int | None:
        deadline = time.monotonic() + timeout
        while True:
            found = self.driver.find_elements("-android uiautomator", selector)
            if found:
                if before_click is not None:
                    before_click()
                tapped_at = time.monotonic_ns()
                found[0].click()
                return tapped_at
            if time.monotonic() > deadline:
                return None
            time.sleep(0.3)

    def type_into(self, placeholder: str, text: str, timeout: float) -> bool:
        """An input shows its placeholder as its text (or hint) until filled."""
        found = self._wait_elements(f'new UiSelector().className("android.widget.EditText").text("{_ui_quote(placeholder)}")',
                                    timeout)
        if not found:
            return False
        found[0].send_keys(text)
        return True

    def _wait_elements(self, selector: str, timeout: float) -> list[Any]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.driver.find_elements("-android uiautomator", selector)
            if found or time.monotonic() > deadline:
                return list(found)
            time.sleep(0.3)

    def screenshot(self, path: Path) -> None:
        path.write_bytes(self.driver.get_screenshot_as_png())

    def dump_ui(self, path: Path) -> None:
        path.write_text(self.page_source(), encoding="utf-8")

    def page_state(self, hierarchy: Path | None = None) -> PageState:
        """The page state from the UI dump just written (no second page source over adb), with the
        WebView's texts and controls from its DOM where the XWeb context works."""
        source = hierarchy.read_text(encoding="utf-8") if hierarchy is not None else self.page_source()
        state = page_state_from_hierarchy(source)
        view = self.dom(source)
        return merge_states(state, view.state) if view is not None else state

    def quit(self) -> None:
        try:
            self.driver.quit()
        except Exception as exc:  # noqa: BLE001 - the server or the phone may be gone; nothing left to close
            log.info("appium quit: %s", exc)


def _ui_quote(text: str) -> str:
    """A string inside a UiSelector Java string literal."""
    return text.replace("\\", "\\\\").replace('"', '\\"')
