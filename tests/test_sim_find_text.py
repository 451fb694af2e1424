"""The sim driver's text finder (the `tap` step) in real headless Chromium: page texts, WeChat's capsule,
and the tab bar's items, a page text winning over a tab of the same name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.drivers.sim import _FIND_TEXT_JS
from tests.conftest import chromium_showing

PAGE = """<!doctype html><html><body>
<wx-page data-route="pages/index/index" style="display:block">
  <wx-view style="display:block">首页推荐</wx-view>
  <wx-view style="display:block" id="page-cart">购物车</wx-view>
</wx-page>
<wx-tab-bar style="display:flex">
  <div class="item" data-path="pages/index/index"><span class="text">首页</span></div>
  <div class="item" data-path="pages/cart/cart"><span class="text" id="tab-cart">购物车</span></div>
  <div class="item" data-path="pages/me/me"><span class="text" id="tab-me">我的</span></div>
</wx-tab-bar>
</body></html>"""


@pytest.fixture(scope="module")
def chrome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    driver = chromium_showing(PAGE, tmp_path_factory.mktemp("find"), "--window-size=414,860")
    yield driver
    driver.quit()


def found_id(chrome: Any, text: str) -> str | None:
    element = chrome.execute_script(_FIND_TEXT_JS, text)
    return None if element is None else (element.get_attribute("id") or element.text)


def test_a_tab_is_tappable_by_its_text(chrome: Any) -> None:
    assert found_id(chrome, "我的") == "tab-me"


def test_a_page_text_wins_over_a_tab_of_the_same_name(chrome: Any) -> None:
    assert found_id(chrome, "购物车") == "page-cart"


def test_no_such_text_is_none(chrome: Any) -> None:
    assert found_id(chrome, "订单") is None
