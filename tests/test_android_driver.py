"""The android driver's pure parts: the URL scheme, popups from realistic UiAutomator2 hierarchies
(tests/fixtures/android/ui), and OCR of WeChat-style dialogs rendered here in Chinese by headless
Chromium (tests/fixtures/android/screens) and read by rapidocr + OpenCV."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from harness.android.driver import (
    capabilities,
    dialog_from_ocr,
    dialogs_from_hierarchy,
    shows_webview,
    weixin_url,
)
from harness.config import AndroidApp, AndroidDevice, ConfigError, load_suite

FIX = Path(__file__).resolve().parent / "fixtures" / "android"
APPID = "wx1234567890abcdef"


def ui(name: str) -> str:
    return (FIX / "ui" / name).read_text(encoding="utf-8")


# ------------------------------------------------------------------------------- the URL scheme

def test_url_scheme_encodes_the_query_as_one_value() -> None:
    app = AndroidApp(appid=APPID, env_version="trial", path="pages/store/detail", query="id=42&from=qr code&名=店")
    url = weixin_url(app)
    assert url == ("weixin://dl/business/?appid=wx1234567890abcdef&path=pages/store/detail"
                   "&query=id%3D42%26from%3Dqr%20code%26%E5%90%8D%3D%E5%BA%97&env_version=trial")
    params = parse_qs(urlsplit(url).query)
    assert params["query"] == ["id=42&from=qr code&名=店"]  # WeChat decodes it back to the page's query
    assert params["path"] == ["pages/store/detail"] and params["env_version"] == ["trial"]


def test_url_scheme_minimal_and_overrides() -> None:
    app = AndroidApp(appid=APPID)
    assert weixin_url(app) == f"weixin://dl/business/?appid={APPID}&env_version=release"
    assert weixin_url(app, path="/pages/a/a", query="x=1") == (
        f"weixin://dl/business/?appid={APPID}&path=pages/a/a&query=x%3D1&env_version=release")


def test_suite_android_apps_are_validated(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        f"name: s\napps:\n  - {{appid: {APPID}, env_version: trial, path: pages/index/index, query: 'a=1'}}\n"
        "scenarios:\n  - name: x\n    steps: [launch]\n")
    suite = load_suite(tmp_path / "s.yaml")
    assert suite.apps == [AndroidApp(appid=APPID, env_version="trial", path="pages/index/index", query="a=1")]
    for bad, field in (("{appid: wx12}", "apps[0].appid"), (f"{{appid: {APPID}, env_version: beta}}", "apps[0].env_version"),
                       (f"{{appid: {APPID}, query: '{'x' * 600}'}}", "apps[0].query"),
                       (f"{{appid: {APPID}, path: '/pages/a?b=1'}}", "apps[0].path")):
        (tmp_path / "s.yaml").write_text(f"name: s\napps:\n  - {bad}\nscenarios:\n  - name: x\n    steps: [launch]\n")
        with pytest.raises(ConfigError) as info:
            load_suite(tmp_path / "s.yaml")
        assert (info.value.field, info.value.line) == (field, 3), str(info.value)


def test_capabilities_keep_the_account() -> None:
    device = AndroidDevice(name="p", kind="android", serial="emulator-5554")
    caps = capabilities(device)
    assert caps["appium:noReset"] is True and caps["appium:udid"] == "emulator-5554"
    assert caps["appium:automationName"] == "UiAutomator2" and caps["appium:appPackage"] == "com.tencent.mm"


# ------------------------------------------------------------------------------- the hierarchy

def test_privacy_popup() -> None:
    [dialog] = dialogs_from_hierarchy(ui("privacy-popup.xml"))
    assert dialog.prompt_kind == "privacy_popup" and dialog.title == "用户隐私保护提示"
    assert [(b.text, b.role, b.bounds) for b in dialog.buttons] == [
        ("拒绝", "reject", (64, 2120, 460, 120)), ("同意", "agree", (556, 2120, 460, 120))]
    assert any("隐私保护指引" in t for t in dialog.texts) and dialog.mentions_privacy
    assert "附近门店" not in dialog.all_text  # the page behind is not part of the popup
    assert dialogs_from_hierarchy(ui("privacy-popup.xml"))[0].key == dialog.key  # stable while on screen


def test_scope_popup() -> None:
    [dialog] = dialogs_from_hierarchy(ui("scope-location.xml"))
    assert dialog.prompt_kind == "scope" and dialog.scope == "scope.userLocation"
    assert dialog.title == "星巴克门店查询 申请"
    assert {b.text: b.role for b in dialog.buttons} == {"拒绝": "reject", "允许": "agree"}


def test_developer_modal_and_system_permission() -> None:
    [dialog] = dialogs_from_hierarchy(ui("developer-modal.xml"))
    assert dialog.prompt_kind == "developer_dialog" and dialog.title == "温馨提示"
    assert dialog.mentions_privacy and dialog.scope == "scope.userLocation"
    assert [b.role for b in dialog.buttons] == ["reject", "agree"]
    [system] = dialogs_from_hierarchy(ui("system-permission.xml"))
    assert system.prompt_kind == "system_permission" and system.scope == "scope.userLocation"
    assert [(b.text, b.role) for b in system.buttons] == [
        ("使用应用时允许", "agree"), ("仅限这一次", "other"), ("不允许", "reject")]


def test_webview_dialog_is_invisible_to_the_hierarchy() -> None:
    assert dialogs_from_hierarchy(ui("webview-dialog.xml")) == []
    assert shows_webview(ui("webview-dialog.xml")) and not shows_webview(ui("system-permission.xml"))


def test_hostile_hierarchy_is_refused() -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE h [<!ENTITY a "aaaa">]><hierarchy>&a;</hierarchy>'
    with pytest.raises(ValueError, match="DTD"):
        dialogs_from_hierarchy(bomb)


# ------------------------------------------------------------------------------- OCR

@pytest.fixture(scope="module")
def screens(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    chromium = shutil.which("chromium")
    assert chromium, "chromium missing: run make setup"
    out = tmp_path_factory.mktemp("screens")
    shots = {}
    for name in ("privacy-popup", "developer-dialog"):
        png = out / f"{name}.png"
        subprocess.run([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--force-device-scale-factor=1", "--window-size=540,960", f"--screenshot={png}",
                        (FIX / "screens" / f"{name}.html").as_uri()], check=True, capture_output=True, timeout=60)
        shots[name] = png.read_bytes()
    return shots


def test_ocr_reads_the_privacy_popup(screens: dict[str, bytes]) -> None:
    dialog = dialog_from_ocr(screens["privacy-popup"])
    assert dialog is not None and dialog.prompt_kind == "privacy_popup" and dialog.title == "用户隐私保护提示"
    buttons = {b.text: b for b in dialog.buttons}
    assert buttons["拒绝"].role == "reject" and buttons["同意"].role == "agree"
    # the controls' own rectangles (CSS: sheet top 560 + 300; left 32 / 288; 220x56), found by OpenCV
    assert buttons["拒绝"].bounds == pytest.approx((32, 860, 220, 56), abs=3)
    assert buttons["同意"].bounds == pytest.approx((288, 860, 220, 56), abs=3)
    assert not any("附近门店" in t for t in dialog.texts)  # the dimmed page is outside the panel


def test_ocr_reads_a_developer_dialog_in_a_webview(screens: dict[str, bytes]) -> None:
    dialog = dialog_from_ocr(screens["developer-dialog"])
    assert dialog is not None and dialog.prompt_kind == "developer_dialog" and dialog.title == "温馨提示"
    assert dialog.mentions_privacy and dialog.scope == "scope.userLocation"
    buttons = {b.text: b for b in dialog.buttons}
    assert buttons["拒绝"].bounds == pytest.approx((40 + 50, 220 + 300, 172, 54), abs=4)  # border included
    assert buttons["同意"].bounds == pytest.approx((230 + 50, 220 + 300, 170, 52), abs=4)
