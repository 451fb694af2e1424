"""Page state for UISnapshot: the sim script's answer and the Android hierarchy parser (pure parts)."""

from __future__ import annotations

from harness.android.driver import page_state_from_hierarchy
from harness.drivers.sim import page_state_from
from harness.timeline import EVENT_ADAPTER, UISnapshot

HIERARCHY = """<?xml version="1.0" encoding="UTF-8"?>
<hierarchy rotation="0">
  <android.widget.FrameLayout class="android.widget.FrameLayout" bounds="[0,0][1080,2400]" displayed="true">
    <android.widget.TextView class="android.widget.TextView" text="登录即代表同意《隐私政策》" bounds="[40,900][1040,960]"/>
    <android.widget.CheckBox class="android.widget.CheckBox" checkable="true" checked="true" text="" bounds="[40,980][90,1030]"/>
    <android.widget.EditText class="android.widget.EditText" text="13912345678" hint="请输入手机号" password="false" bounds="[40,400][1040,480]"/>
    <android.widget.Button class="android.widget.Button" text="微信一键登录" clickable="true" bounds="[40,1100][1040,1200]"/>
    <android.view.View class="android.view.View" content-desc="授权手机号后即可查看" bounds="[0,0][10,10]"/>
    <android.widget.TextView class="android.widget.TextView" text="隐藏" displayed="false" bounds="[0,0][1,1]"/>
  </android.widget.FrameLayout>
</hierarchy>"""


def test_android_hierarchy_gives_texts_controls_and_never_input_values() -> None:
    state = page_state_from_hierarchy(HIERARCHY)
    assert state.texts == ["登录即代表同意《隐私政策》", "微信一键登录", "授权手机号后即可查看"]
    kinds = [(e.kind, e.text, e.checked) for e in state.elements]
    assert ("checkbox", "", True) in kinds and ("button", "微信一键登录", None) in kinds
    [field] = [e for e in state.elements if e.kind == "input"]
    assert (field.text, field.input_type, field.bounds) == ("请输入手机号", "text", (40, 400, 1000, 80))
    assert "13912345678" not in repr(state)  # a typed value is never recorded


def test_sim_answer_keeps_good_elements_and_drops_malformed_ones() -> None:
    raw = {
        "page": "pages/login/login",
        "texts": ["悦享", "登录即代表同意《隐私政策》"],
        "elements": [
            {"kind": "checkbox", "text": "我已阅读并同意", "checked": False, "bounds": [1, 2, 3, 4], "native": False},
            {"kind": "button", "text": "手机号登录", "open_type": "getPhoneNumber", "bounds": [0, 0, 10, 10]},
            {"kind": "marquee", "text": "unknown kind"},
            {"kind": "text", "bounds": "not a box"},
        ],
    }
    state = page_state_from(raw)
    assert state.page == "pages/login/login" and len(state.elements) == 2
    snapshot = UISnapshot(source="driver", texts=state.texts, elements=state.elements, page=state.page)
    again = EVENT_ADAPTER.validate_json(snapshot.model_dump_json())
    assert again == snapshot
    assert page_state_from({}).texts == []
