"""The sim device: the JVM bridge host process and the Appium (Chromium driver) UI driver.

See sim/PROTOCOL.md for the container, the host and how they talk.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import urllib3
from appium import webdriver
from appium.options.common import AppiumOptions
from selenium.common.exceptions import ElementClickInterceptedException, WebDriverException

from harness.catalogue import SCOPE_WORDING, button_role, mentions_privacy, scope_in_text
from harness.config import REPO_ROOT, SimProfile
from harness.crawl import TARGETS_JS, Target, numbered
from harness.procs import ChildProcess, free_port
from harness.timeline import UIElement

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


# What a sim profile holds when devices.yaml says nothing (the JVM host's own defaults are the same:
# sim/host/src/miniprobe/sim/Profile.java). The host gets the merged profile; every string here that
# identifies the person or the phone is a canary (profile_personal_data).
PROFILE_DEFAULTS: dict[str, Any] = {
    "deviceIds": {"androidId": "9774d56d682e549c", "oaid": "4f1c2a9e-7b3d-4e11-9a0c-5d2f6b8e1c3a",
                  "mac": "02:1A:11:F0:5C:7E", "imei": "864512045678901"},
    "wifi": {"SSID": "CMCC-Home-5G", "BSSID": "a4:50:46:12:9b:7c", "secure": True, "signalStrength": 92,
             "frequency": 5180},
    "address": {"userName": "林小夏", "postalCode": "200001", "provinceName": "上海市", "cityName": "上海市",
                "countyName": "黄浦区", "streetName": "南京东路街道", "detailInfo": "南京东路 300 号 12 楼 1203 室",
                "nationalCode": "310101", "telNumber": "13800138000"},
    "invoiceTitle": {"type": "0", "title": "上海小夏网络科技有限公司", "taxNumber": "91310101MA1FPX1234",
                     "companyAddress": "上海市黄浦区南京东路 300 号", "telephone": "021-63501234",
                     "bankName": "招商银行上海南京东路支行", "bankAccount": "6214830212345678"},
    "pickedLocation": {"name": "来福士广场", "address": "上海市黄浦区西藏中路 268 号",
                       "latitude": 31.232836, "longitude": 121.475568},
    "licensePlate": "沪A·D12345",
    "nickName": "林小夏",
    "bluetoothDevices": [{"deviceId": "C8:47:8C:1A:2B:3C", "name": "Mi Smart Band 8", "RSSI": -58}],
}
# profile path -> canary name, for the personal strings a mini program can be handed.
_CANARY_FIELDS: dict[tuple[str, ...], str] = {
    ("system", "model"): "device.model",
    ("wifi", "SSID"): "wifi.SSID",
    ("wifi", "BSSID"): "wifi.BSSID",
    ("address", "userName"): "address.userName",
    ("address", "detailInfo"): "address.detailInfo",
    ("address", "telNumber"): "address.telNumber",
    ("invoiceTitle", "title"): "invoiceTitle.title",
    ("invoiceTitle", "taxNumber"): "invoiceTitle.taxNumber",
    ("invoiceTitle", "bankAccount"): "invoiceTitle.bankAccount",
    ("licensePlate",): "licensePlate",
    ("nickName",): "nickName",
}


def effective_profile(profile: SimProfile) -> dict[str, Any]:
    """The profile as the host uses it: devices.yaml's values over PROFILE_DEFAULTS (sections merged)."""
    merged: dict[str, Any] = json.loads(json.dumps(PROFILE_DEFAULTS))
    for key, value in profile.model_dump().items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def profile_personal_data(profile: SimProfile) -> dict[str, str]:
    """Named personal strings of the effective profile (device ids, Wi-Fi, address, invoice, plate, ...)."""
    merged = effective_profile(profile)
    found: dict[str, str] = {}
    for path, name in _CANARY_FIELDS.items():
        value: Any = merged
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str) and value.strip():
            found[name] = value
    for name, value in (merged.get("deviceIds") or {}).items():
        found[f"deviceIds.{name}"] = str(value)
    for index, device in enumerate(merged.get("bluetoothDevices") or []):
        if isinstance(device, dict) and device.get("deviceId"):
            found[f"bluetooth.{index}.deviceId"] = str(device["deviceId"])
    return found


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from exc
    return data if isinstance(data, dict) else {}


class TapBlocked(RuntimeError):
    """The text is on screen but something drawn over it takes the tap: what the app shows, not a
    driver fault, so the step fails and the session goes on."""


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
        socket_backend_port: int = 0,
        privacy_agreed: bool = False,
        grants: dict[str, bool] | None = None,
    ) -> None:
        if not (HOST_CLASSES / "miniprobe" / "sim" / "SimHost.class").exists():
            raise RuntimeError(f"the sim host is not built in {HOST_CLASSES}: run `make setup`")
        java = shutil.which("java")
        if not java:
            raise RuntimeError("java not found: run `make setup` (it installs a JDK)")
        profile_path = work_dir / "sim-profile.json"
        profile_path.write_text(json.dumps(effective_profile(profile), indent=2, ensure_ascii=False))
        argv = [
            # a JVM crash report belongs to the session, not to the working directory
            java, "-Xshare:auto", f"-XX:ErrorFile={work_dir / 'hs_err_pid%p.log'}", "-cp", str(HOST_CLASSES),
            # the JDK HTTP server writes headers and body apart: with Nagle on, every bridge answer waited
            # ~40 ms for the client's delayed ACK (44 ms a call measured, 0.85 ms without)
            "-Dsun.net.httpserver.nodelay=true",
            "miniprobe.sim.SimHost",
            "--port", str(port), "--container", str(CONTAINER_DIR), "--app", str(app_dir),
            "--profile", str(profile_path), "--exit-on-stdin-eof",
        ]
        if proxy_port:
            argv += ["--proxy", f"127.0.0.1:{proxy_port}"]
        if ca_pem:
            argv += ["--ca", str(ca_pem)]
        if socket_backend_port:
            argv += ["--socket-backend", str(socket_backend_port)]
        if privacy_agreed:  # a returning user: consent and grants carried over from an earlier session
            argv.append("--privacy-agreed")
        for scope, granted in (grants or {}).items():
            argv += ["--grant", f"{scope}={'allow' if granted else 'deny'}"]
        self.process = ChildProcess("sim host (JVM)", argv, log_path=work_dir / "sim-host.log")
        self.work_dir = work_dir
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

    def exit_reason(self) -> str | None:
        """Why the host is gone (None while it runs), naming the JVM's crash report if it wrote one."""
        why = self.process.exit_reason()
        if why is None:
            return None
        report = self.work_dir / f"hs_err_pid{self.process.pid}.log"
        return f"{why} [JVM crash report: {report.name}]" if report.is_file() else why

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
    prompt_kind: str  # privacy_popup | scope | developer_dialog | system_permission
    title: str | None
    texts: list[str]
    buttons: list[ScreenButton] = field(default_factory=list)
    scope: str | None = None
    native_ui: str | None = None  # the container's data-ui (modal, action_sheet, settings, ...); None: the page's own
    switches: dict[str, bool] = field(default_factory=dict)  # the settings page: scope -> on

    @property
    def all_text(self) -> str:
        return " ".join(([self.title] if self.title else []) + self.texts)

    @property
    def mentions_privacy(self) -> bool:
        return mentions_privacy(self.all_text)

    def button(self, role: str) -> ScreenButton | None:
        return next((b for b in self.buttons if b.role == role), None)


@dataclass
class PageState:
    """What the screen shows, for a UISnapshot: visible texts, texts and controls with kinds, the route."""

    texts: list[str] = field(default_factory=list)
    elements: list[UIElement] = field(default_factory=list)
    page: str | None = None


def page_reading(**scripts: str) -> str:
    """One script (one round trip) answering {name: what that page script returns, ...}."""
    return "return {" + ", ".join(f"{name}: (() => {{{body}}})()" for name, body in scripts.items()) + "};"


def page_state_from(raw: dict[str, Any]) -> PageState:
    """The page state script's answer as typed elements; an element the model rejects is left out
    (the page is untrusted input), never the whole snapshot."""
    elements: list[UIElement] = []
    for item in raw.get("elements") or []:
        try:
            elements.append(UIElement.model_validate(item))
        except ValueError:
            continue
    page = raw.get("page")
    return PageState([str(t) for t in raw.get("texts") or []], elements, str(page) if page else None)


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
  out.push({native: true, ui: el.dataset.ui, key: 'native:' + el.dataset.uiId, scope: el.dataset.scope || null,
    title: (el.querySelector('.title') || {}).innerText || null, texts: texts(el),
    switches: [...el.querySelectorAll('input[role=switch]')].map(i => ({scope: i.dataset.scope, on: i.checked})),
    buttons: [...el.querySelectorAll('button')].filter(visible).map(b => ({text: b.innerText.trim(),
      choice: b.dataset.choice || null, bounds: box(b), clickable: !b.disabled}))});
}
const taken = [];
// WeChat's WebView renderer (XWeb) draws a page straight into <body>; the sim's container into <wx-page>
for (const el of document.querySelectorAll(document.querySelector('wx-page') ? 'wx-page *' : 'body *')) {
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

# Runs in the page (async): the dialogs as soon as their keys differ from arguments[0], or after
# arguments[1] ms; looked at every 30 ms (a popup fading in changes no DOM a MutationObserver would see).
_DIALOGS_CHANGED_JS = (
    "const done = arguments[arguments.length - 1], shown = new Set(arguments[0]);"
    "const until = Date.now() + arguments[1];"
    f"const read = () => {{{_DIALOGS_JS}}};"
    "const look = () => { const found = read(), keys = new Set(found.map(d => d.key));"
    "  const changed = keys.size !== shown.size || [...keys].some(k => !shown.has(k));"
    "  if (changed || Date.now() >= until) done(found); else setTimeout(look, 30); };"
    "look();"
)

_FIND_TEXT_JS = r"""
const want = arguments[0];
const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
const own = el => [...el.childNodes].filter(c => c.nodeType === 3).map(c => c.textContent).join('').trim();
let best = null;
for (const el of document.querySelectorAll('wx-native-popup button, wx-page *, wx-nav-bar .capsule i')) {
  if (!visible(el)) continue;
  if (own(el) === want || (el.tagName === 'BUTTON' && el.innerText.trim() === want)) { best = el; }
}
if (best) return best;
// the tab bar last: a text on the page wins over the tab of the same name
for (const el of document.querySelectorAll('wx-tab-bar .item *')) {
  if (visible(el) && own(el) === want) return el;
}
return null;
"""

# Runs in the page: the visible page state in one round trip — every visible text in document order, and
# the texts and controls with their kinds and bounds (checkbox state, input placeholder/type, button
# open-type). Input values are never read: they may hold the personal data typed in.
_PAGE_STATE_JS = r"""
const dpr = window.devicePixelRatio || 1, LIMIT = 800, MAXLEN = 300;
const KINDS = {'WX-CHECKBOX': 'checkbox', 'WX-RADIO': 'radio', 'WX-SWITCH': 'switch', 'WX-INPUT': 'input',
  'WX-TEXTAREA': 'textarea', 'WX-BUTTON': 'button', 'WX-NAVIGATOR': 'link', 'BUTTON': 'button'};
const NATIVE = ['WX-NATIVE-POPUP', 'WX-NATIVE-TOAST', 'WX-NAV-BAR'];
const styles = new Map();  // one computed style per element: shown() and the legibility reads share it
const style = el => { let cs = styles.get(el); if (!cs) { cs = getComputedStyle(el); styles.set(el, cs); } return cs; };
const shown = el => { const cs = style(el);
  return cs.display !== 'none' && cs.visibility !== 'hidden' && cs.opacity !== '0'; };
const sized = r => r.width > 0 && r.height > 0;
const box = r => [Math.round(r.left*dpr), Math.round(r.top*dpr), Math.round(r.width*dpr), Math.round(r.height*dpr)];
const clip = s => s.length > MAXLEN ? s.slice(0, MAXLEN) : s;
const labelOf = el => { for (let n = el.parentElement, i = 0; n && i < 3; n = n.parentElement, i++) {
  const t = (n.innerText || '').trim(); if (t) return t; } return ''; };
// Legibility of a text (POL-003): its computed font size, and the WCAG contrast of its colour (opacity
// included) over the background colours layered behind it (background images are not seen: white below).
const rgba = s => { const m = /rgba?\(([^)]+)\)/.exec(s || ''); if (!m) return null;
  const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
const backdrops = new Map(), opacities = new Map();
const backdrop = el => { if (!el) return [255, 255, 255, 1]; if (backdrops.has(el)) return backdrops.get(el);
  const bg = rgba(style(el).backgroundColor), under = bg && bg[3] >= 1 ? null : backdrop(el.parentElement);
  const value = !bg || bg[3] <= 0 ? under : (under ? over(bg, under) : bg); backdrops.set(el, value); return value; };
const opacity = el => { if (!el) return 1; if (!opacities.has(el))
  opacities.set(el, parseFloat(style(el).opacity) * opacity(el.parentElement)); return opacities.get(el); };
const lin = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
const luminance = c => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
const legibility = el => { const cs = style(el), bg = backdrop(el), fg = rgba(cs.color) || [0, 0, 0, 1];
  const a = luminance(over([fg[0], fg[1], fg[2], fg[3] * opacity(el)], bg)), b = luminance(bg);
  return {font_px: Math.round(parseFloat(cs.fontSize) * 10) / 10,
    contrast: Math.round((Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) * 100) / 100}; };
const texts = [], elements = [];
const walk = (el, native) => {
  if (elements.length >= LIMIT || el.id === 'sim-errors' || ['SCRIPT', 'STYLE'].includes(el.tagName) || !shown(el)) return;
  native = native || NATIVE.includes(el.tagName);
  const kind = KINDS[el.tagName];
  if (kind) {
    const r = el.getBoundingClientRect();
    if (sized(r)) {
      const item = {kind, bounds: box(r), native, text: ''};
      if (['checkbox', 'radio', 'switch'].includes(kind)) {
        item.checked = el.hasAttribute('wx-checked');
        item.text = clip((el.innerText || '').trim() || labelOf(el));
      } else if (kind === 'input' || kind === 'textarea') {
        const field = el.querySelector('input, textarea');
        item.text = clip(field ? field.placeholder : '');
        if (kind === 'input') item.input_type = el.hasAttribute('password') ? 'password' : (el.getAttribute('type') || 'text');
      } else {
        item.text = clip((el.innerText || '').trim());
        if (el.getAttribute('open-type')) item.open_type = el.getAttribute('open-type');
      }
      elements.push(item);
    }
    if (kind === 'input' || kind === 'textarea') return;
  }
  for (const c of el.childNodes) {
    if (c.nodeType === 1) { walk(c, native); continue; }
    if (c.nodeType !== 3) continue;
    const t = c.textContent.trim();
    if (!t) continue;
    const range = document.createRange(); range.selectNodeContents(c);
    const r = range.getBoundingClientRect();
    if (!sized(r)) continue;
    texts.push(clip(t));
    elements.push({kind: 'text', text: clip(t), bounds: box(r), native, ...legibility(el)});
  }
};
walk(document.getElementById('phone') || document.body, false);
return {page: (window.__sim && window.__sim.route && window.__sim.route()) || null, texts, elements};
"""
_BACK_JS = r"""
const back = document.querySelector('wx-nav-bar .back');
if (back && !back.hidden) { back.click(); return true; }
const to = arguments[0];
const cell = to && [...document.querySelectorAll('wx-tab-bar:not([hidden]) .item')].find(c => c.dataset.path === to);
if (cell && !cell.hasAttribute('selected')) { cell.click(); return true; }
return false;
"""
# The visible page's wx-switch whose row (the switch's parents up to three levels) shows the text.
_PAGE_SWITCH_JS = r"""
const page = [...document.querySelectorAll('wx-page')].find(p => getComputedStyle(p).display !== 'none');
for (const sw of page ? page.querySelectorAll('wx-switch') : []) {
  for (let n = sw.parentElement, i = 0; n && n !== page && i < 3; n = n.parentElement, i++) {
    if ((n.innerText || '').includes(arguments[0])) return sw;
  }
}
return null;
"""
# The page-reading scripts, public: the Android driver runs the same ones in WeChat's XWeb WebView.
DIALOGS_JS = _DIALOGS_JS
PAGE_STATE_JS = _PAGE_STATE_JS

_BROWSER_VENDOR_HOSTS = ("*.google.com", "*.googleapis.com", "*.gvt1.com", "*.gstatic.com")

_SCOPE_BY_WORDING = {wording: scope for scope, wording in SCOPE_WORDING.items()}


_SNAPSHOT_JS = page_reading(html="return document.documentElement.outerHTML;", state=_PAGE_STATE_JS, dialogs=_DIALOGS_JS)
_FIND_TEXT_AND_DIALOGS_JS = page_reading(element=_FIND_TEXT_JS, dialogs=_DIALOGS_JS)
_CRAWL_VIEW_JS = page_reading(state=_PAGE_STATE_JS, dialogs=_DIALOGS_JS, view=TARGETS_JS)


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
    kind = NATIVE_PROMPT_KINDS.get(ui or "", "developer_dialog")
    if ui == "privacy_popup":
        scope = None
    elif ui == "scope_popup":
        scope = raw.get("scope") or next((s for w, s in _SCOPE_BY_WORDING.items() if w in joined), None) \
            or scope_in_text(joined)
    elif ui in NATIVE_SUBJECTS:
        scope = NATIVE_SUBJECTS[ui]
    else:  # wx.showModal, action sheets and the developer's own layers are the developer's dialogs
        scope = scope_in_text(joined)
    switches = {str(s["scope"]): bool(s["on"]) for s in raw.get("switches") or [] if s.get("scope")}
    return ScreenDialog(raw["key"], kind, raw.get("title"), texts, buttons, scope, ui if raw.get("native") else None,
                        switches)


# The container's native UIs (sim/PROTOCOL.md) as prompt kinds. The platform's own consent popups are
# privacy_popup / scope; what the developer asks for through a wx API (modal, action sheet, subscribe
# messages, leaving for another mini program) is the developer's dialog; the settings page and the privacy
# guide page are platform pages, not consent dialogs.
NATIVE_PROMPT_KINDS: dict[str, str] = {
    "privacy_popup": "privacy_popup",
    "scope_popup": "scope",
    "phone_popup": "scope",
    "user_profile": "scope",
    "modal": "developer_dialog",
    "action_sheet": "developer_dialog",
    "subscribe": "developer_dialog",
    "navigate_confirm": "developer_dialog",
    "settings": "system_permission",
    "privacy_contract": "system_permission",
    "more_info": "system_permission",  # 更多资料 behind the capsule's ··· (sim/container/more-info.js)
}
# What the native authorization popups without a scope ask for (the Prompt's scope field).
NATIVE_SUBJECTS: dict[str, str] = {"phone_popup": "phoneNumber", "user_profile": "userInfo",
                                   "subscribe": "subscribeMessage"}


def _native_role(choice: str | None) -> str | None:
    return {"agree": "agree", "confirm": "agree", "reject": "reject", "cancel": "reject", "back": "other"}.get(
        choice or "")


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

    def wait_dialogs(self, shown: set[str], seconds: float) -> list[ScreenDialog]:
        """The visible dialogs as soon as they differ from ``shown`` (their keys), or after ``seconds``:
        watched in the page, so a dialog is seen within ~30 ms at the cost of one round trip."""
        found = self.driver.execute_async_script(_DIALOGS_CHANGED_JS, list(shown), int(seconds * 1000))
        return [classify(raw) for raw in found or []]

    def page_state(self, hierarchy: Path | None = None) -> PageState:
        """The visible page state (texts, controls, route) in one script round trip; ``hierarchy`` (the
        UI dump just written) is not needed here: the live page is read."""
        raw = self.driver.execute_script(_PAGE_STATE_JS) or {}
        return page_state_from(raw)

    def snapshot(self, html: Path) -> tuple[PageState, list[ScreenDialog]]:
        """The UI dump (written to ``html``), the page state and the visible dialogs in one script round
        trip: what dump_ui + page_state + dialogs read in three (the session takes one per step)."""
        raw = self.driver.execute_script(_SNAPSHOT_JS) or {}
        html.write_text(raw.get("html") or "", encoding="utf-8")
        return page_state_from(raw.get("state") or {}), [classify(d) for d in raw.get("dialogs") or []]

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

    def set_switches(self, dialog: ScreenDialog, wanted: dict[str, bool]) -> None:
        """On the settings page: flip the scopes' switches to `wanted`, then go back (which answers the page)."""
        ui_id = dialog.key.split(":", 1)[1]
        page = f'wx-native-popup[data-ui-id="{ui_id}"]'
        for scope, on in wanted.items():
            found = self.driver.find_elements("css selector", f'{page} input[data-scope="{scope}"]')
            if not found:
                shown = ", ".join(dialog.switches) or "none"
                raise RuntimeError(f"the settings page has no switch for {scope} (it lists: {shown})")
            if found[0].is_selected() != on:
                found[0].click()
        self.driver.find_element("css selector", f'{page} button[data-choice="back"]').click()

    def tap_text(self, text: str, timeout: float,
                 before_click: Callable[[list[ScreenDialog]], object] | None = None) -> int | None:
        """Tap the visible text; return the host monotonic time of the tap, or None if it never showed.
        `before_click` gets the dialogs visible when the text was found, read in the same round trip
        (the session records a dialog that just appeared)."""
        deadline = time.monotonic() + timeout
        while True:
            if before_click is None:
                element = self.driver.execute_script(_FIND_TEXT_JS, text)
            else:
                found = self.driver.execute_script(_FIND_TEXT_AND_DIALOGS_JS, text) or {}
                element = found.get("element")
            if element is not None:
                if before_click is not None:
                    before_click([classify(raw) for raw in found.get("dialogs") or []])
                tapped_at = time.monotonic_ns()
                try:
                    element.click()
                except ElementClickInterceptedException as exc:  # an overlay the user could not tap through
                    raise TapBlocked(f"{text!r} is covered: {(exc.msg or '').splitlines()[0]}") from None
                return tapped_at
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)  # a look costs one script round trip: the text is tapped soon after it shows

    def crawl_view(self) -> tuple[PageState, list[ScreenDialog], list[Target], list[str]]:
        """What the crawl reads of the screen in one round trip: the page state, the dialogs, the tappable
        texts (harness.crawl.TARGETS_JS) and the toasts shown (passing, so not part of a screen's identity)."""
        raw = self.driver.execute_script(_CRAWL_VIEW_JS) or {}
        view = raw.get("view") or {}
        targets = list(numbered([(str(label), str(kind), open_type) for label, kind, open_type
                                 in view.get("targets") or []]))
        return (page_state_from(raw.get("state") or {}), [classify(d) for d in raw.get("dialogs") or []],
                targets, [str(t) for t in view.get("toasts") or []])

    def tap_target(self, target: Target) -> bool:
        """Tap a crawl target (the nth control with its label) as a user would; False when it is gone."""
        element = self.driver.execute_script(TARGETS_JS, target.label, target.nth)
        if element is None:
            return False
        try:
            element.click()
        except ElementClickInterceptedException:
            return False
        return True

    def back(self, to_route: str | None = None) -> bool:
        """Go back one screen as a user does: the navigation bar's back arrow (wx.navigateBack) while the
        page stack has one, else the tab bar's item of ``to_route`` (a tab page has no back: the user
        switches tabs). False when neither is there."""
        return bool(self.driver.execute_script(_BACK_JS, to_route))

    def set_page_switch(self, label: str, on: bool, timeout: float) -> bool:
        """Tap the page's switch beside ``label`` (a text in its row) unless it already is ``on``; False when
        no such switch showed within ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            element = self.driver.execute_script(_PAGE_SWITCH_JS, label)
            if element is not None:
                if bool(self.driver.execute_script("return arguments[0].hasAttribute('wx-checked');", element)) != on:
                    element.click()
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.15)

    def relaunch(self, route: str) -> bool:
        """wx.reLaunch to the route (the crawl's way home when going back does not get there)."""
        result = self.driver.execute_script(
            "return window.simContainer.runtime.navigate('reLaunch', {url: '/' + arguments[0]});", route) or {}
        return str(result.get("errMsg", "")).endswith(":ok")

    def set_foreground(self, shown: bool) -> None:
        """The user leaves the mini program (App and page onHide; timers and background location go on,
        as in WeChat) or comes back to it (onShow)."""
        self.driver.execute_script("window.simContainer.runtime[arguments[0]]();", "showApp" if shown else "hideApp")

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
        """End the Appium session; a dead Appium (connection refused, retries exhausted) is already gone."""
        try:
            self.driver.quit()
        except (WebDriverException, urllib3.exceptions.HTTPError, OSError):
            pass
