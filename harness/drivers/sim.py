"""The sim device: the JVM bridge host process and the Appium (Chromium driver) UI driver.

See sim/PROTOCOL.md for the container, the host and how they talk.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appium import webdriver
from appium.options.common import AppiumOptions
from selenium.common.exceptions import WebDriverException

from harness.catalogue import SCOPE_WORDING, button_role, mentions_privacy, scope_in_text
from harness.config import REPO_ROOT, SimProfile
from harness.procs import ChildProcess, free_port

HOST_CLASSES = REPO_ROOT / "sim" / "host" / "build"
CONTAINER_DIR = REPO_ROOT / "sim" / "container"
_READY = re.compile(r"SIMHOST READY port=(\d+)")


def app_config(app_dir: Path) -> dict[str, Any]:
    """appid, lib version and sim routing hosts of a mini program source folder."""
    project = _read_json(app_dir / "project.config.json")
    sim = _read_json(app_dir / "sim.json")
    app = _read_json(app_dir / "app.json")
    return {
        "appid": str(project.get("appid") or "wx" + "0" * 16),
        "lib_version": project.get("libVersion"),
        "hosts": [str(h) for h in sim.get("hosts", [])],
        "name": app.get("window", {}).get("navigationBarTitleText") or app_dir.name,
    }


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from exc
    return data if isinstance(data, dict) else {}


class SimHost:
    """The owner of one JVM bridge host (one per session: a new host is a fresh consent state)."""

    def __init__(
        self,
        app_dir: Path,
        profile: SimProfile,
        work_dir: Path,
        *,
        proxy_port: int | None = None,
        ca_pem: Path | None = None,
        port: int = 0,
    ) -> None:
        if not (HOST_CLASSES / "miniprobe" / "sim" / "SimHost.class").exists():
            raise RuntimeError(f"the sim host is not built in {HOST_CLASSES}: run `make setup`")
        java = shutil.which("java")
        if not java:
            raise RuntimeError("java not found: run `make setup` (it installs a JDK)")
        profile_path = work_dir / "sim-profile.json"
        profile_path.write_text(profile.model_dump_json(indent=2))
        argv = [
            java, "-Xshare:auto", "-cp", str(HOST_CLASSES), "miniprobe.sim.SimHost",
            "--port", str(port), "--container", str(CONTAINER_DIR), "--app", str(app_dir),
            "--profile", str(profile_path), "--exit-on-stdin-eof",
        ]
        if proxy_port:
            argv += ["--proxy", f"127.0.0.1:{proxy_port}"]
        if ca_pem:
            argv += ["--ca", str(ca_pem)]
        self.process = ChildProcess("sim host (JVM)", argv, log_path=work_dir / "sim-host.log")
        self.port = 0

    def start(self, timeout: float = 30.0) -> int:
        line = self.process.start(lambda s: bool(_READY.search(s)), timeout=timeout)
        assert line is not None
        match = _READY.search(line)
        assert match is not None
        self.port = int(match.group(1))
        return self.port

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        self.process.stop()


@dataclass
class ScreenButton:
    text: str
    role: str
    bounds: tuple[int, int, int, int] | None
    clickable: bool
    choice: str | None = None  # native popups: data-choice


@dataclass
class ScreenDialog:
    """A dialog visible on screen, as the UI shows it (no knowledge of the mini program's code)."""

    key: str  # stable while the dialog stays on screen
    prompt_kind: str  # privacy_popup | scope | developer_dialog
    title: str | None
    texts: list[str]
    buttons: list[ScreenButton] = field(default_factory=list)
    scope: str | None = None

    @property
    def all_text(self) -> str:
        return " ".join(([self.title] if self.title else []) + self.texts)

    @property
    def mentions_privacy(self) -> bool:
        return mentions_privacy(self.all_text)

    def button(self, role: str) -> ScreenButton | None:
        return next((b for b in self.buttons if b.role == role), None)


# Runs in the page: every visible dialog, native (drawn by the container) or the developer's own
# (a fixed-position layer inside the page that holds buttons).
_DIALOGS_JS = r"""
const visible = el => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none' && cs.opacity !== '0'; };
const dpr = window.devicePixelRatio || 1;
const box = el => { const r = el.getBoundingClientRect();
  return [Math.round(r.left*dpr), Math.round(r.top*dpr), Math.round(r.width*dpr), Math.round(r.height*dpr)]; };
const texts = el => { const out = []; const walk = n => { for (const c of n.childNodes) {
    if (c.nodeType === 3) { const t = c.textContent.trim(); if (t) out.push(t); }
    else if (c.nodeType === 1 && visible(c) && !['BUTTON','WX-BUTTON'].includes(c.tagName)) walk(c); } };
  walk(el); return out; };
const out = [];
for (const el of document.querySelectorAll('wx-native-popup')) {
  if (!visible(el)) continue;
  out.push({native: true, ui: el.dataset.ui, key: 'native:' + el.dataset.uiId,
    title: (el.querySelector('.title') || {}).innerText || null, texts: texts(el),
    buttons: [...el.querySelectorAll('button')].filter(visible).map(b => ({text: b.innerText.trim(),
      choice: b.dataset.choice || null, bounds: box(b), clickable: !b.disabled}))});
}
const taken = [];
for (const el of document.querySelectorAll('wx-page *')) {
  if (taken.some(t => t.contains(el)) || !visible(el)) continue;
  const pos = getComputedStyle(el).position;
  if (pos !== 'fixed' || !el.querySelector('wx-button')) continue;
  taken.push(el);
  const t = texts(el);
  out.push({native: false, ui: 'developer', key: 'dev:' + t.join('|'), title: null, texts: t,
    buttons: [...el.querySelectorAll('wx-button')].filter(visible).map(b => ({text: b.innerText.trim(),
      choice: null, bounds: box(b), clickable: getComputedStyle(b).pointerEvents !== 'none' && !b.hasAttribute('disabled')}))});
}
return out;
"""

_FIND_TEXT_JS = r"""
const want = arguments[0];
const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
let best = null;
for (const el of document.querySelectorAll('wx-native-popup button, wx-page *')) {
  if (!visible(el)) continue;
  const own = [...el.childNodes].filter(c => c.nodeType === 3).map(c => c.textContent).join('').trim();
  if (own === want || (el.tagName === 'BUTTON' && el.innerText.trim() === want)) { best = el; }
}
return best;
"""

_BROWSER_VENDOR_HOSTS = ("*.google.com", "*.googleapis.com", "*.gvt1.com", "*.gstatic.com")

_SCOPE_BY_WORDING = {wording: scope for scope, wording in SCOPE_WORDING.items()}


def classify(raw: dict[str, Any]) -> ScreenDialog:
    texts = [str(t) for t in raw.get("texts", [])]
    buttons = [
        ScreenButton(
            text=b["text"],
            role=_native_role(b.get("choice")) or button_role(b["text"]),
            bounds=tuple(b["bounds"]) if b.get("bounds") else None,  # type: ignore[arg-type]
            clickable=bool(b.get("clickable", True)),
            choice=b.get("choice"),
        )
        for b in raw.get("buttons", [])
    ]
    ui = raw.get("ui")
    joined = " ".join(texts)
    if ui == "privacy_popup":
        kind, scope = "privacy_popup", None
    elif ui == "scope_popup":
        kind = "scope"
        scope = next((s for w, s in _SCOPE_BY_WORDING.items() if w in joined), None) or scope_in_text(joined)
    else:  # wx.showModal and the developer's own layers are the developer's dialogs
        kind, scope = "developer_dialog", scope_in_text(joined)
    return ScreenDialog(raw["key"], kind, raw.get("title"), texts, buttons, scope)


def _native_role(choice: str | None) -> str | None:
    return {"agree": "agree", "confirm": "agree", "reject": "reject", "cancel": "reject"}.get(choice or "")


class SimDriver:
    """An Appium session on headless Chromium showing the sim container."""

    def __init__(
        self, appium_url: str, *, proxy_port: int | None, host_port: int, user_data_dir: Path,
        chromedriver_port: int = 0,
    ) -> None:
        args = [
            "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--disable-quic", "--window-size=414,860", "--force-device-scale-factor=1",
            f"--user-data-dir={user_data_dir}", "--lang=zh-CN",
        ]
        if proxy_port:
            # The container and its bridge stay direct; everything the mini program loads is proxied.
            # Chromium's own vendor traffic (component updates) is not the mini program's: keep it off the record.
            bypass = ";".join(["<-loopback>", f"127.0.0.1:{host_port}", *_BROWSER_VENDOR_HOSTS])
            args += [f"--proxy-server=http://127.0.0.1:{proxy_port}", f"--proxy-bypass-list={bypass}",
                     "--ignore-certificate-errors"]
        options = AppiumOptions()
        options.load_capabilities({
            "platformName": "linux",
            "browserName": "chrome",
            "appium:automationName": "Chromium",
            "appium:executable": shutil.which("chromedriver") or "/usr/bin/chromedriver",
            "appium:autodownloadEnabled": False,
            "appium:chromedriverPort": chromedriver_port or free_port(),
            "goog:chromeOptions": {"binary": shutil.which("chromium") or "/usr/bin/chromium", "args": args},
        })
        self.driver = webdriver.Remote(appium_url, options=options)
        self.driver.set_script_timeout(10)

    def open(self, url: str) -> None:
        self.driver.get(url)

    def wait_ready(self, timeout: float) -> bool:
        """Wait until the container rendered its first page (or shows native UI)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.driver.execute_script(
                "return !!(window.__sim && window.__sim.ready) || !!document.querySelector('wx-native-popup')"
            ):
                return True
            time.sleep(0.1)
        return False

    def dialogs(self) -> list[ScreenDialog]:
        return [classify(raw) for raw in self.driver.execute_script(_DIALOGS_JS) or []]

    def runtime_errors(self) -> list[str]:
        return [str(e) for e in self.driver.execute_script("return (window.__sim && window.__sim.errors) || []")]

    def route(self) -> str | None:
        route = self.driver.execute_script("return window.__sim && window.__sim.route && window.__sim.route()")
        return str(route) if route else None

    def press(self, dialog: ScreenDialog, button: ScreenButton) -> None:
        if button.choice and dialog.key.startswith("native:"):
            ui_id = dialog.key.split(":", 1)[1]
            self.driver.find_element(
                "css selector", f'wx-native-popup[data-ui-id="{ui_id}"] button[data-choice="{button.choice}"]'
            ).click()
        elif self.tap_text(button.text, timeout=2) is None:
            raise RuntimeError(f"the dialog button {button.text!r} vanished before it could be tapped")

    def tap_text(self, text: str, timeout: float) -> int | None:
        """Tap the visible text; return the host monotonic time of the tap, or None if it never showed."""
        deadline = time.monotonic() + timeout
        while True:
            element = self.driver.execute_script(_FIND_TEXT_JS, text)
            if element is not None:
                tapped_at = time.monotonic_ns()
                element.click()
                return tapped_at
            if time.monotonic() > deadline:
                return None
            time.sleep(0.15)

    def type_into(self, placeholder: str, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        selector = f'wx-input input[placeholder="{placeholder}"]'
        while True:
            found = self.driver.find_elements("css selector", selector)
            if found:
                found[0].clear()
                found[0].send_keys(text)
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.15)

    def screenshot(self, path: Path) -> None:
        path.write_bytes(self.driver.get_screenshot_as_png())

    def dump_ui(self, path: Path) -> None:
        path.write_text(self.driver.page_source, encoding="utf-8")

    def quit(self) -> None:
        try:
            self.driver.quit()
        except WebDriverException:
            pass
