"""The sim container's mini program framework in real headless Chromium: custom components,
templates, WXS, forms and pickers, events, tab bar, subpackages, and clear errors for what the sim
does not support. The app is tests/fixtures/sim_apps/shopdemo (ordinary mini program source); the
JVM host is the Python stand-in of test_sim_container.py. One browser for the module, several
features checked per page load."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from test_sim_container import FakeHost, Sim, browser, wait_until  # noqa: F401  (browser: shared fixture)

APP_DIR = Path(__file__).parent / "fixtures" / "sim_apps" / "shopdemo"
TEXT_SUFFIXES = {".json", ".js", ".wxml", ".wxss", ".wxs"}

pytestmark = pytest.mark.e2e


def app_files(folder: Path) -> dict[str, str]:
    """Every text file of a mini program folder, as the JVM host's bundle.json carries them."""
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.suffix in TEXT_SUFFIXES
    }


@pytest.fixture(scope="module")
def host() -> Iterator[FakeHost]:
    fake = FakeHost(app_files(APP_DIR))
    fake.start()
    yield fake
    fake.stop()


class App(Sim):
    """Sim plus the app's lifecycle trail (getApp().globalData.log) and in-page evaluation."""

    def log(self) -> list[str]:
        return list(self.driver.execute_script("return window.simContainer.runtime.getApp().globalData.log"))

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def click(self, css: str) -> None:
        self.one(css).click()

    def texts(self, css: str) -> list[str]:
        return [e.text for e in self.all(css)]


@pytest.fixture
def app(browser: webdriver.Chrome, host: FakeHost) -> App:  # noqa: F811
    browser.get_log("browser")
    return App(browser, host)


def test_components_properties_observers_slots_behaviors_and_lifetimes(app: App) -> None:
    app.open()
    assert app.errors() == []
    log = app.log()
    # components are created and attached by the first render, before onLoad; ready before onReady
    assert log[:2] == ["app:onLaunch", "app:onShow"]
    assert log.index("card:attached:苹果") < log.index("index:onLoad") < log.index("index:onShow")
    assert log.index("index:onShow") < log.index("card:ready:苹果") < log.index("index:onReady")
    assert "components/goods-card/goods-card:behavior-attached" in log  # Behavior lifetimes run too
    assert "card:page-show:苹果" in log
    cards = app.all("goods-card")
    assert len(cards) == 2 and cards[0].get_attribute("is") == "components/goods-card/goods-card"
    assert app.texts("goods-card .name") == ["苹果", "香蕉"]
    # properties: Object, Number (observer with old value), Boolean from an expression
    assert app.texts("goods-card .total") == ["合计 25.00", "合计 7.98"]  # observers 'goods.price, count'
    assert app.texts("goods-card .count-log") == ["1->2", "1->2"]
    assert "sold-out" in app.all("goods-card .card")[1].get_attribute("class")
    # global component (app.json usingComponents) inside a component, with a WXS src module
    assert app.texts("goods-card price-tag .price") == ["¥12.50", "¥3.99"]
    assert app.one("price-tag .price").value_of_css_property("font-size") == "14px"  # component WXSS, rpx
    assert app.one("price-tag").value_of_css_property("margin-left") == "4px"  # :host is the component's tag
    # slots: named (multipleSlots) and default, content rendered with the page's data
    assert app.texts("goods-card .header .hdr") == ["#0", "#1"]
    assert app.texts("goods-card .body .slotted") == ["苹果的描述 2", "香蕉的描述 2"]
    # externalClasses: the page's class replaces the component's placeholder
    assert "red-title" in app.one("goods-card .name").get_attribute("class")
    assert app.one("goods-card .name").value_of_css_property("color") == "rgba(230, 67, 64, 1)"
    # a page setData re-renders components: property observer, path keys into arrays
    app.click(".more")
    app.wait_text("goods-card .total", "合计 30.00")
    assert app.texts("goods-card .count-log")[0] == "1->2,2->3"
    assert app.texts("goods-card .body .slotted")[0] == "苹果的描述 3"
    assert app.texts("goods-card price-tag .price")[0] == "¥10.00"
    # wx:key: reordering moves the component instances with their items (state kept, none re-created)
    app.all("goods-card .buy")[1].click()
    app.wait_text(".events", "buy:2:row1|wrap-buy:card-2")
    app.click(".swap")
    wait_until(lambda: app.texts("goods-card .name") == ["香蕉", "苹果"], 5, "swapped")
    assert app.texts("goods-card .tracked") == ["1", "0"]
    assert app.log().count("card:created") == 2
    app.click(".swap")
    wait_until(lambda: app.texts("goods-card .name") == ["苹果", "香蕉"], 5, "swapped back")
    # removing a component detaches it
    app.click(".drop")
    wait_until(lambda: len(app.all("goods-card")) == 1, 5, "second card removed")
    assert [e for e in app.log() if e.startswith("card:detached")] == ["card:detached:香蕉"]
    assert app.errors() == []


def test_trigger_event_bubbles_composed_and_select_component(app: App) -> None:
    app.open()
    app.all("goods-card .buy")[1].click()
    app.wait_text(".events", "buy:2:row1|wrap-buy:card-2")  # host binding, then bubbles in the page tree
    assert app.texts("goods-card .tracked") == ["0", "1"]  # behavior method on the component
    app.one("goods-card badge .badge-text").click()
    # composed crosses goods-card into the page; the non-composed event stays inside goods-card
    app.wait_text(".events", "buy:2:row1|wrap-buy:card-2|badge:热卖")
    app.click(".pick")
    app.wait_text(".events", "buy:2:row1|wrap-buy:card-2|badge:热卖|select:trackable:热卖:2")
    assert app.errors() == []


def test_templates_imports_includes_and_wxs(app: App) -> None:
    app.open()
    assert app.text(".label") == "utils:19.99"  # require('../../utils') -> utils/index.js -> ./money
    # inline WXS (with "<" in its code), WXS src requiring another .wxs, getDate, getRegExp; no browser globals
    assert app.text(".wxs") == "4 2024-01-05 true undefined,undefined,undefined"
    assert (
        app.text(".goods-line") == "苹果 x2 OK"
    )  # <import>, data="{{...obj, n: x}}", the template file's own WXS
    assert app.text("wx-text.size") == "small"  # <template is="{{expr}}">
    assert app.text(".footer") == "utils:19.99 · 页脚"  # <include> renders with the page's data
    app.click(".more")
    app.wait_text("wx-text.size", "big")


def test_tab_bar_switch_tab_keeps_tab_pages_and_subpackage_pages_load(app: App) -> None:
    app.open()
    bar = app.one("wx-tab-bar")
    assert bar.is_displayed()
    assert app.texts("wx-tab-bar .item") == ["首页", "购物车", "我的"]
    assert app.one("wx-tab-bar .item[selected]").text == "首页"
    app.click('wx-tab-bar .item[data-path="pages/cart/cart"]')
    wait_until(lambda: app.route() == "pages/cart/cart", 5, "cart tab")
    assert app.one("wx-tab-bar .item[selected]").text == "购物车"
    assert app.one("wx-tab-bar .item[selected]").value_of_css_property("color") == "rgba(230, 67, 64, 1)"
    log = app.log()
    assert log[log.index("index:tab:pages/cart/cart") :][:3] == [
        "index:tab:pages/cart/cart",
        "index:onHide",
        "card:page-hide:苹果",
    ]
    assert "index:onUnload" not in log
    # navigator into the subpackage: no tab bar on a non-tab page; back shows the cart again
    app.click(".to-order")
    wait_until(lambda: app.route() == "pkg/pages/order/order", 5, "order page")
    app.wait_text(".from", "来自 cart")
    assert app.text("order-line price-tag .price") == "¥25.00"  # subpackage component using a global one
    assert app.text("wx-page[data-route='pkg/pages/order/order'] .total") == "25.00"
    assert not app.one("wx-tab-bar").is_displayed()
    app.one("wx-nav-bar .back").click()
    wait_until(lambda: app.route() == "pages/cart/cart", 5, "back to cart")
    app.wait_text(".shown", "shown 2")
    app.js("document.querySelector('wx-page[data-route=\"pages/cart/cart\"]').scrollTop = 5000")
    wait_until(lambda: "cart:onReachBottom" in app.log(), 5, "onReachBottom")
    # navigator open-type=switchTab; the first tab page was kept alive (no second onLoad)
    app.click(".to-mine")
    wait_until(lambda: app.route() == "pages/mine/mine", 5, "mine tab")
    app.click('wx-tab-bar .item[data-path="pages/index/index"]')
    wait_until(lambda: app.route() == "pages/index/index", 5, "index again")
    assert app.log().count("index:onLoad") == 1
    assert app.log()[-3:] == ["index:onShow", "card:page-show:苹果", "card:page-show:香蕉"]
    assert [c["data"]["url"] for c in app.host.calls("switchTab")] == ["/pages/mine/mine"]
    assert app.errors() == []


def test_component_built_page_navigation_kinds_and_their_failures(app: App) -> None:
    app.open("?path=pages/mine/mine")
    app.click(".bad-nav")  # navigateTo a tab page fails, as in WeChat
    wait_until(lambda: app.host.calls("navigateTo"), 5, "navigateTo invoke")
    time.sleep(0.2)
    assert app.route() == "pages/mine/mine"
    app.click(".to-profile")
    wait_until(lambda: app.route() == "pages/profile/profile", 5, "profile")
    app.wait_text(".greeting", "uid=42")  # Component() page: query -> properties, methods.onLoad
    assert app.text("wx-nav-bar .title") == "资料"
    assert [e for e in app.log() if e.startswith("profile:")] == [
        "profile:attached:42",
        "profile:onLoad:42",
        "profile:onShow",
    ]
    app.click(".back")  # navigator open-type=navigateBack
    wait_until(lambda: app.route() == "pages/mine/mine", 5, "back by navigator")
    assert "profile:onUnload" in app.log()
    app.click(".to-profile")
    wait_until(lambda: app.route() == "pages/profile/profile", 5, "profile again")
    app.click(".redirect")
    wait_until(lambda: app.route() == "pages/form/form", 5, "form by redirect")
    assert app.log().count("profile:onUnload") == 2
    stack = app.js("return window.simContainer.runtime.getCurrentPages().map(p => p.route)")
    assert stack == ["pages/mine/mine", "pages/form/form"]
    app.one("wx-nav-bar .back").click()
    wait_until(lambda: app.route() == "pages/mine/mine", 5, "back to mine")
    app.click(".relaunch")
    wait_until(lambda: app.route() == "pages/cart/cart", 5, "relaunch cart")
    assert "mine:onUnload" in app.log()
    assert app.errors() == []


def test_form_fields_pickers_and_submit_reset(app: App) -> None:
    app.open("?path=pages/form/form")
    assert app.errors() == []
    nick = app.one("wx-input.nick input")
    nick.send_keys("\n")
    app.wait_text(".log", "confirm:小明")
    app.one("wx-textarea textarea").send_keys("好")  # moving focus blurs the input
    app.wait_text(".log", "confirm:小明|blur:小明|memo:1")
    app.js("window.simContainer.runtime.getCurrentPages()[0].setData({ log: [] })")
    app.one("wx-input.model input").send_keys("x")
    app.wait_text(".mirror", "mx")  # model:value
    app.click(".fruit-pear")  # a label toggles its checkbox
    app.wait_text(".log", "fruits:apple,pear")
    app.click(".size-s")
    app.click("wx-switch.agree")
    app.click("wx-picker.city-picker")
    app.one('wx-picker-sheet .option[data-index="2"]').click()
    app.one("wx-picker-sheet .confirm").click()
    app.wait_text(".city", "杭州")
    app.click("wx-picker.region-picker")
    app.one('wx-picker-sheet .option[data-index="0"]').click()
    app.one("wx-picker-sheet .confirm").click()
    app.wait_text(".region", "广东省/广州市/海珠区 440105")
    app.click("wx-picker.day-picker")
    app.js(
        "const f = document.querySelector('wx-picker-sheet input'); f.value = '2024-02-29';"
        "f.dispatchEvent(new Event('input', { bubbles: true }));"
    )
    app.one("wx-picker-sheet .confirm").click()
    app.wait_text(".day", "2024-02-29")
    app.click("counter .plus")
    app.wait_text("counter .qty", "2")
    assert app.text(".log") == "fruits:apple,pear|size:S|agree:true|city:2|qty:2"
    app.click(".submit")
    wait_until(lambda: app.text(".result"), 5, "submit result")
    assert json.loads(app.text(".result")) == {
        "nick": "小明",
        "memo": "好",
        "fruits": ["apple", "pear"],
        "size": "S",
        "agree": True,
        "city": 2,
        "day": "2024-02-29",
        "region": ["广东省", "广州市", "海珠区"],
        "qty": 2,
    }
    app.click(".reset")
    app.wait_text(".log", "fruits:apple,pear|size:S|agree:true|city:2|qty:2|reset")
    assert app.one("wx-textarea textarea").get_attribute("value") == ""
    assert app.all("wx-checkbox[wx-checked]") and len(app.all("wx-checkbox[wx-checked]")) == 1
    assert app.one("wx-radio.size-m").get_attribute("wx-checked") is not None
    assert app.errors() == []


def test_capture_mut_mark_scroll_swiper_rich_text_longpress(app: App) -> None:
    app.open("?path=pages/widgets/widgets")
    assert app.errors() == []
    app.click(".mut-inner")
    app.wait_text(".log", 'capture-outer|mut-inner|plain-inner|bubble-outer:{"area":"outer","item":7}')
    app.click(".stopper")
    time.sleep(0.2)
    # capture runs outside-in; capture-catch on the inner node stops everything after it (no bubbling)
    assert app.text(".log").endswith('"item":7}|capture-outer|capture-catch')
    app.js("document.querySelector('wx-scroll-view.list').scrollTop = 1000")
    wait_until(lambda: app.text(".log").endswith("lower"), 5, "scrolltolower")
    assert app.text("wx-swiper-item[wx-current] .slide") == "a"
    app.one('wx-swiper .wx-swiper-dots .dot[data-index="2"]').click()
    wait_until(lambda: app.text(".log").endswith("swiper:2:c:touch"), 5, "swiper change")
    assert app.text("wx-swiper-item[wx-current] .slide") == "c"
    assert app.text("wx-rich-text.html b.bold") == "粗体"
    assert (
        app.js("return document.querySelector('wx-rich-text.html').innerHTML")
        == '<b class="bold">粗体</b><i>斜体</i>'
    )
    assert app.text("wx-rich-text.nodes div.node") == "节点"
    assert app.one("wx-icon").text == "✔"
    webdriver.ActionChains(app.driver).click_and_hold(app.one(".press")).pause(0.6).release().perform()
    wait_until(lambda: app.text(".log").endswith("long"), 5, "longpress")
    app.click(".to-form")
    wait_until(lambda: app.route() == "pages/form/form", 5, "navigator to form")
    assert app.host.calls("navigateTo")[0]["data"] == {"url": "../form/form?from=widgets"}


def test_unsupported_features_fail_naming_file_line_and_feature(app: App) -> None:
    app.open("?path=pages/broken/broken")
    errors = app.errors()
    assert len(errors) == 1 and errors[0].startswith(
        'pages/broken/broken.json: usingComponents "ghost-card"'
    ), errors
    assert "no such component" in errors[0]
    app.open("?path=pages/broken2/broken2")
    errors = app.errors()
    assert any(
        e.startswith("components/bad-rel/bad-rel.js: Component relations is not supported") for e in errors
    )
    assert any(
        "pages/broken2/broken2.js:3" in e and "requirePlugin" in e and "not supported" in e for e in errors
    )
    cases = {
        '<view>\n<map latitude="1"/>\n</view>': "x.wxml:2: <map> is not supported by the sim yet",
        '<view wx:model="a"/>': "x.wxml:1: wx:model is not supported by the sim yet",
        '<view>\n  <view generic:item="x"/></view>': "x.wxml:2: generic on <view> is not supported by the sim yet",
        '<scroll-view bindrefresherrefresh="r"/>': "x.wxml:1: event bindrefresherrefresh on <scroll-view> is not supported",
        '<view foo="1"/>': "x.wxml:1: attribute foo on <view> is not supported by the sim yet",
        "<view/>\n<view wx:else/>": "x.wxml:2: wx:else without a wx:if before it",
        "<view>{{a +}}</view>": "x.wxml:1: bad expression {{a +}}",
        '<input model:value="{{a + 1}}"/>': "x.wxml:1: model:value must bind a data path",
        '<wxs module="m">\nvar x = ;\n</wxs>': "x.wxml:1: WXS SyntaxError",
        '<include src="nope.wxml"/>': 'x.wxml:1: <include src="nope.wxml">: nope.wxml is not in the app',
        '<text>a</text><image src="a.png">x</image>': "x.wxml:1: <image> cannot have content",
    }
    for source, expected in cases.items():
        message = app.js(
            "try { window.simContainer.wxml.resetCache();"
            " window.simContainer.wxml.load(arguments[0], 'x.wxml'); return 'no error'; }"
            " catch (e) { return (e.file || '') + (e.line ? ':' + e.line : '') + ': ' + e.message; }",
            source,
        )
        assert message.startswith(expected), (source, message)
    # a WXS runtime error names the line of the .wxml it is written in
    app.js(
        "window.simContainer.wxml.resetCache();"
        "try { window.simContainer.wxml.load('<view/>\\n<wxs module=\"m\">\\nvar a = 1;\\nnull.x;\\n</wxs>', 'y.wxml') }"
        " catch (e) { window.simContainer.errors.report(e); }"
    )
    assert app.errors()[-1].startswith('y.wxml:4: <wxs module="m">: TypeError'), app.errors()
    # a template that is not defined is reported (once), the page still renders
    app.js(
        "const t = window.simContainer.wxml.load('<template is=\"nope\"/><view>ok</view>', 'z.wxml');"
        "window.__out = window.simContainer.wxml.render(t, {}, null);"
        "window.simContainer.wxml.render(t, {}, null);"
    )
    assert (
        app.errors()[-1] == 'z.wxml:1: <template is="nope">: no template named "nope" (define or <import> it)'
    )
    assert app.js("return window.__out.length") == 1
