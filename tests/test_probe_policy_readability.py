"""POL-003: the privacy policy is hard to read (probes/policy_readability.py), and the page-state script's
glyph size and contrast measurements run for real in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import probes
from harness.drivers.sim import PAGE_STATE_JS, page_state_from
from probes.policy_readability import script_problem
from probes.testing import TimelineBuilder, element
from tests.conftest import chromium_showing

BODY = (
    "本政策说明我们如何收集、使用和存储你的个人信息，以及你享有的查阅、更正和删除的权利。",
    "我们仅在你同意后收集手机号，用于登录和订单通知；不会向第三方共享你的个人信息。",
    "你可以在“我的-设置”中注销账号，注销后我们将删除你的全部个人信息。",
)
ENGLISH = (
    "This policy explains how we collect, use and store your personal information.",
    "We only collect your phone number after you agree, to sign you in and notify you of orders.",
)
TRADITIONAL = (
    "本政策說明我們如何收集、使用和儲存你的個人資訊，以及你享有的查閱、更正和刪除的權利。",
    "我們僅在你同意後收集手機號碼，用於登錄和訂單通知；不會向第三方共享你的個人資訊。",
)


def policy(body: tuple[str, ...] = BODY, *, font_px: float | None = 15, contrast: float | None = 12.6,
           title: str = "隐私政策", small_first: int = 0) -> list:  # type: ignore[type-arg]
    """A policy screen: the nav bar's title, then the body; the first ``small_first`` paragraphs at 10 px, #bbb."""
    elements = [element("text", title, native=True, font_px=17, contrast=21)]
    for index, text in enumerate(body):
        tiny = index < small_first
        elements.append(element("text", text, font_px=10 if tiny else font_px, contrast=1.92 if tiny else contrast))
    return elements


def pol003(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "POL-003"]


def shown(*screens: list, end: bool = True) -> Any:  # type: ignore[type-arg]
    tl = TimelineBuilder().tap(0.5, "隐私政策")
    for index, elements in enumerate(screens):
        tl.snapshot(1.0 + index, f"s{index}.png", elements=elements, page="pages/policy/policy")
    return (tl.end(10) if end else tl).build()


def test_tiny_grey_policy_warns_twice() -> None:
    tiny, faint = pol003(shown(policy(small_first=3)))
    assert tiny.status == faint.status == "warn" and tiny.severity == "low"
    assert "sets 100% of its text below 12 px (down to 10 px)" in tiny.statement
    assert "contrast below 4.5:1 (down to 1.92:1)" in faint.statement and tiny.evidence == [2]


def test_readable_policy_passes() -> None:
    tl = shown(policy())
    assert pol003(tl) == [] and probes.rule_status(tl)["POL-003"] == "pass"


def test_a_small_footnote_is_not_most_of_the_body() -> None:
    assert pol003(shown(policy(small_first=1))) == []  # one paragraph of three: under half of the characters
    assert len(pol003(shown(policy(small_first=2)))) == 2


def test_thresholds_come_from_the_config() -> None:
    tl = shown(policy(font_px=13, contrast=5.0))
    strict = probes.ProbeConfig(policy_min_font_px=14, policy_min_contrast=7)
    assert pol003(tl) == [] and len([f for f in probes.analyse(tl, strict) if f.rule == "POL-003"]) == 2


def test_no_simplified_chinese_warns() -> None:
    [english] = pol003(shown(policy(ENGLISH)))
    assert "no Simplified Chinese text: its body is not in Chinese" in english.statement
    [traditional] = pol003(shown(policy(TRADITIONAL)))
    assert "in Traditional Chinese" in traditional.statement
    assert script_problem(" ".join(BODY)) is None and script_problem("") is None


def test_the_same_policy_on_several_snapshots_is_one_finding() -> None:
    assert len(pol003(shown(policy(small_first=3), policy(small_first=3)))) == 2


def test_not_a_policy_screen_or_not_measured_is_not_tested() -> None:
    settings = [element("text", "设置", native=True), element("text", "隐私政策", font_px=9, contrast=1.5),
                element("text", "关于我们", font_px=9, contrast=1.5)]
    report = probes.rule_report(shown(settings))["POL-003"]
    assert report.status == "not_tested" and "no privacy-policy screen" in report.why
    android = shown(policy(font_px=None, contrast=None))
    report = probes.rule_report(android)["POL-003"]
    assert report.status == "not_tested" and "were not measured" in report.why
    assert pol003(shown(policy(ENGLISH, font_px=None, contrast=None))) == []  # no measurement: not tested at all


def test_partial_session_clock_skew_and_consent_do_not_matter() -> None:
    [tiny, _] = pol003(shown(policy(small_first=3), end=False))
    assert tiny.partial
    for agreements in (0, 1, 2):
        tl = TimelineBuilder(clock_error_ms=500)
        for n in range(agreements):
            tl.consent(0.2 + n * 0.1, "agree")
        tl.snapshot(0.3, "s.png", elements=policy(small_first=3))
        assert len(pol003(tl.end(2).build())) == 2


# --- the measurement itself, in a real browser ------------------------------------------------------

PAGE = """<!doctype html><html><body style="margin:0;background:#fff;font-size:16px">
<div id="phone">
  <p id="tiny" style="font-size:10px;color:#bbb">小而浅的正文</p>
  <div style="background:#000"><span style="color:#fff;font-size:16px">黑底白字</span></div>
  <div style="background:rgba(0,0,0,0.5)"><span style="color:#fff">半透明黑底上的白字</span></div>
  <p style="opacity:0.5;color:#000">半透明的黑字</p>
  <p style="color:#333;font-size:24rpx">默认白底深灰字</p>
</div></body></html>"""


@pytest.fixture(scope="module")
def chrome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Real headless Chromium through chromedriver showing PAGE."""
    driver = chromium_showing(PAGE, tmp_path_factory.mktemp("legibility"), "--window-size=414,860")
    yield driver
    driver.quit()


def test_page_state_measures_font_size_and_contrast(chrome: Any) -> None:
    state = page_state_from(chrome.execute_script(PAGE_STATE_JS))
    measured = {e.text: (e.font_px, e.contrast) for e in state.elements if e.kind == "text"}
    assert measured["小而浅的正文"] == (10, pytest.approx(1.92, abs=0.01))
    assert measured["黑底白字"] == (16, 21)
    assert measured["半透明黑底上的白字"][1] == pytest.approx(3.98, abs=0.05)  # #fff over 50 % black on white
    assert measured["半透明的黑字"][1] == pytest.approx(3.98, abs=0.05)  # opacity blends the text into white
    assert measured["默认白底深灰字"] == (16, pytest.approx(12.63, abs=0.01))  # rpx is the sim's unit, not CSS
