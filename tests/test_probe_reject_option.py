"""CON-004: consent dialogs without an effective reject control (probes/reject_option.py)."""

from __future__ import annotations

import probes
from probes.config import ProbeConfig
from probes.evidence import lexicon_match
from probes.testing import TimelineBuilder, button

PRIVACY_TEXT = ["欢迎使用！请阅读《用户隐私保护指引》，我们将收集你的手机号用于登录"]


def con004(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "CON-004"]


def test_developer_privacy_dialog_with_only_agree_fails() -> None:
    tl = (
        TimelineBuilder()
        .prompt(
            1.5,
            "developer_dialog",
            PRIVACY_TEXT,
            ["同意并继续"],
            title="温馨提示",
            screenshot="screens/0001.png",
        )
        .end(10)
        .build()
    )
    [finding] = con004(tl)
    assert finding.status == "fail" and finding.severity == "high"
    assert finding.evidence == [1]
    assert finding.screenshots == ["screens/0001.png"]
    assert finding.statement.startswith('developer dialog "温馨提示 欢迎使用！')
    assert finding.statement.endswith(
        "(buttons: 同意并继续) has an agree control but no reject control; shown at 1.5 s"
    )
    assert finding.remedy == "An equally easy reject control that dismisses the dialog."


def test_dialogs_with_a_reject_control_pass() -> None:
    tl = (
        TimelineBuilder()
        .prompt(1.0, "privacy_popup", ["用户隐私保护提示"], ["拒绝", "同意"])
        .prompt(2.0, "developer_dialog", PRIVACY_TEXT, ["不同意", "同意"])
        .prompt(3.0, "scope", ["获取你的位置信息"], ["不允许", "允许"], scope="scope.userLocation")
        .prompt(4.0, "developer_dialog", PRIVACY_TEXT, ["暂不授权", "授权"])
        .prompt(5.0, "developer_dialog", ["We use your location"], ["Not now", "Allow"])
        .prompt(6.0, "developer_dialog", PRIVACY_TEXT, [button("×", role="reject"), button("同意")])
        .end(10)
        .build()
    )
    assert con004(tl) == []
    assert probes.rule_status(tl)["CON-004"] == "pass"


def test_unclickable_reject_control_fails() -> None:
    tl = (
        TimelineBuilder()
        .prompt(1.0, "developer_dialog", PRIVACY_TEXT, [button("拒绝", clickable=False), button("同意")])
        .end(10)
        .build()
    )
    [finding] = con004(tl)
    assert "a reject control that cannot be clicked" in finding.statement


def test_scope_popup_with_only_allow_fails() -> None:
    tl = (
        TimelineBuilder()
        .prompt(1.0, "scope", ["获取你的位置信息"], ["允许"], scope="scope.userLocation")
        .end(5)
        .build()
    )
    [finding] = con004(tl)
    assert finding.statement.startswith('authorization popup (scope.userLocation) "获取你的位置信息"')


def test_developer_dialog_naming_a_scope_with_only_ok_fails() -> None:
    tl = (
        TimelineBuilder()
        .prompt(1.0, "developer_dialog", ["需要获取您的位置以推荐附近门店"], ["确定"])
        .end(5)
        .build()
    )
    assert len(con004(tl)) == 1


def test_plain_modal_is_not_a_consent_dialog() -> None:
    tl = (
        TimelineBuilder()
        .prompt(1.0, "developer_dialog", ["下单成功"], ["确定"], title="提示")
        .prompt(2.0, "system_permission", ["Allow WeChat to access this device's location?"], ["Allow"])
        .end(5)
        .build()
    )
    assert con004(tl) == []
    assert probes.rule_status(tl)["CON-004"] == "not_tested"


def test_the_same_dialog_twice_is_one_finding_and_its_fingerprint_ignores_time() -> None:
    def session(first: float, gap: float, filler: int):  # type: ignore[no-untyped-def]
        b = TimelineBuilder()
        for i in range(filler):
            b.tap(0.1 + i * 0.01, f"tab {i}")
        b.prompt(first, "developer_dialog", PRIVACY_TEXT, ["同意"])
        b.prompt(first + gap, "developer_dialog", PRIVACY_TEXT, ["同意"])
        b.prompt(first + gap + 1, "developer_dialog", ["另一个隐私说明"], ["同意"])
        return b.end(100).build()

    one, other = con004(session(1.0, 2.0, 0)), con004(session(7.0, 30.0, 5))
    assert [len(f.evidence) for f in one] == [2, 1]
    assert "shown 2 times from 1.0 s" in one[0].statement
    assert [f.fingerprint for f in one] == [f.fingerprint for f in other]
    assert one[0].evidence != other[0].evidence


def test_no_prompts_is_not_tested() -> None:
    tl = TimelineBuilder().api(1.0, "getLocation").end(5).build()
    assert probes.rule_status(tl)["CON-004"] == "not_tested"


def test_lexicon_matching() -> None:
    config = ProbeConfig()
    assert lexicon_match("Allow", config.agree_words)
    assert lexicon_match("OK", config.agree_words)
    assert not lexicon_match("Facebook", config.agree_words)
    assert lexicon_match("以后再说", config.reject_words)
    assert lexicon_match("No  Thanks", config.reject_words)
