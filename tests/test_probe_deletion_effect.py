"""RTS-002: account deletion without effect (probes/deletion_effect.py, probes/account_deletion.py)."""

from __future__ import annotations

import pytest

import probes
from harness.timeline import Step, Timeline
from probes.deletion_effect import chinese_number, stated_processing_days
from probes.testing import TimelineBuilder, pi, texts

HOST = "https://api.loyalty.example"
NAME_SENT = pi("name", "林**", canary="nickName", location="body.json:$.name")
PHONE_SENT = pi("phone", "139****5678", canary="phoneNumber", location="body.json:$.phone")
NAME_BACK = pi("name", "林**", canary="nickName", location="response.body.json:$.member.name")
PHONE_BACK = pi("phone", "139****5678", canary="phoneNumber", location="response.body.json:$.member.phone")
DELETE_DIALOG = (["注销后，账号及资料将被永久删除且无法恢复"], ["取消", "确认注销"])


def rts002(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "RTS-002"]


def session(
    *, clear: bool = False, answer: str = "确认注销", login_response: tuple = (NAME_BACK, PHONE_BACK),
    clock_error_ms: float = 0, end: bool = True, profile_at: float = 1.0,
) -> TimelineBuilder:
    """Login, profile saved (sent and stored), 注销账号 confirmed in a dialog, re-login."""
    tl = (
        TimelineBuilder(clock_error_ms=clock_error_ms)
        .consent(0.5, "agree", how="page:tap:我已阅读并同意《隐私政策》")
        .flow(profile_at, f"{HOST}/api/member/profile", pi=[NAME_SENT, PHONE_SENT])
        .storage(profile_at + 0.1, "member", pi=[NAME_SENT])
        .storage(profile_at + 0.1, "token", pi=[])
        .tap(2.0, "注销账号")
        .prompt(2.1, "developer_dialog", DELETE_DIALOG[0], DELETE_DIALOG[1], title="注销账号")
        .tap(2.5, answer)
        .flow(2.7, f"{HOST}/api/member/delete", pi=[PHONE_SENT])
    )
    if clear:
        tl.api(2.8, "clearStorageSync")
    tl.tap(4.0, "登录").flow(4.2, f"{HOST}/api/member/login", pi=[PHONE_SENT, *login_response])
    return tl.end(6) if end else tl


def test_old_profile_returned_and_storage_kept_fail() -> None:
    tl = session().build()
    returned, kept = sorted(rts002(tl), key=lambda f: f.statement)
    assert {returned.status, kept.status} == {"fail"} and returned.severity == "high"
    assert "api.loyalty.example/api/member/login returned the old profile (nickName)" in returned.statement
    assert "confirmed at 2.5 s" in returned.statement and returned.evidence == [7, 9, 10]
    assert returned.data == ["林**"]  # the phone was sent again by the re-login itself: not evidence
    assert "still holds name (keys member)" in kept.statement and kept.evidence == [3, 7]
    assert "api.loyalty.example" in returned.statement and "at 4.2 s" in returned.statement
    assert probes.rule_status(tl)["RTS-002"] == "fail"


def test_real_deletion_passes() -> None:
    tl = session(clear=True, login_response=()).build()
    assert rts002(tl) == [] and probes.rule_status(tl)["RTS-002"] == "pass"


def test_storage_removed_key_by_key_passes_and_rewritten_key_is_not_kept() -> None:
    tl = session(login_response=())
    tl.api(2.8, "removeStorageSync", args={"key": "member"})
    assert rts002(tl.build()) == []
    rewritten = session(login_response=()).storage(3.0, "member", pi=[])
    assert rts002(rewritten.build()) == []
    too_late = session(login_response=()).api(5.0, "clearStorageSync")  # only after the re-login
    [kept] = rts002(too_late.build())
    assert "still holds name (keys member) at the re-login 4.0 s" in kept.statement


def test_removal_before_the_deletion_leaves_nothing_held() -> None:
    tl = session(login_response=())
    tl.api(1.5, "removeStorage", args={"key": "member"})
    assert rts002(tl.build()) == []


def test_a_value_the_user_gives_again_may_come_back() -> None:
    tl = session(login_response=(NAME_BACK,), clear=True)
    tl.flow(3.5, f"{HOST}/api/member/profile", pi=[NAME_SENT])  # filled in again before the re-login
    assert rts002(tl.build()) == []


def test_dialog_step_confirms_the_deletion() -> None:
    tl = (
        TimelineBuilder()
        .flow(1.0, f"{HOST}/api/member/profile", pi=[NAME_SENT])
        .tap(2.0, "注销账号")
        .prompt(2.1, "developer_dialog", *DELETE_DIALOG, title="注销账号")
        .add(Step, 2.5, "scenario", index=2, action="dialog", target="agree", detail="确认注销 on 注销账号")
        .api(4.0, "login")
        .flow(4.2, f"{HOST}/api/member/login", pi=[NAME_BACK])
        .end(6)
        .build()
    )
    [finding] = rts002(tl)
    assert "returned the old profile (nickName)" in finding.statement


def test_cancelled_failed_or_missing_deletion_is_not_tested() -> None:
    assert probes.rule_status(session(answer="取消").build())["RTS-002"] == "not_tested"
    notice = session(answer="我已阅读并同意《账号注销须知》").build()  # ticking the notice is not confirming
    assert probes.rule_status(notice)["RTS-002"] == "not_tested"
    failed = session().snapshot(3.0, "s.png", elements=texts("注销失败：账号存在未完成订单")).build()
    assert rts002(failed) == [] and probes.rule_status(failed)["RTS-002"] == "not_tested"
    plain = TimelineBuilder().tap(1.0, "确定").flow(1.2, f"{HOST}/x", pi=[NAME_BACK]).end(3).build()
    report = probes.rule_report(plain)["RTS-002"]
    assert report.status == "not_tested" and "no confirmed account deletion" in report.why


def test_no_relogin_or_no_old_profile_is_not_tested() -> None:
    no_login = (
        TimelineBuilder()
        .flow(1.0, f"{HOST}/api/member/profile", pi=[NAME_SENT])
        .tap(2.5, "确认注销账号")
        .end(4)
        .build()
    )
    report = probes.rule_report(no_login)["RTS-002"]
    assert report.status == "not_tested" and "no login after the account deletion" in report.why
    logout = (
        TimelineBuilder()
        .flow(1.0, f"{HOST}/api/member/profile", pi=[NAME_SENT])
        .tap(2.5, "确认注销账号")
        .tap(3.0, "退出登录")
        .flow(3.2, f"{HOST}/api/member/login", pi=[NAME_BACK])
        .end(4)
        .build()
    )
    assert probes.rule_status(logout)["RTS-002"] == "not_tested"  # 退出登录 is not a login
    nothing_known = TimelineBuilder().tap(2.5, "确认注销").tap(3.0, "登录").flow(3.2, f"{HOST}/login").end(4).build()
    assert "no canary sent" in probes.rule_report(nothing_known)["RTS-002"].why


def test_clock_skew_a_profile_sent_inside_the_bound_is_not_the_old_one() -> None:
    # sent 0.1 s before the confirming tap, with a 200 ms clock bound: not provably before the deletion
    skewed = session(clock_error_ms=200, profile_at=2.4, clear=True).build()
    assert rts002(skewed) == [] and probes.rule_status(skewed)["RTS-002"] == "not_tested"
    clear = session(clock_error_ms=200, profile_at=1.0, clear=True).build()
    [finding] = rts002(clear)  # outside the bound: the returned profile still counts
    assert "returned the old profile" in finding.statement


def test_partial_session_and_no_consent_at_all() -> None:
    partial = session(end=False).build()
    assert all(f.partial for f in rts002(partial)) and len(rts002(partial)) == 2
    no_consent = [e for e in session().events if getattr(e, "kind", "") != "consent"]
    assert len(rts002(Timeline(no_consent))) == 2


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("提交申请后，我们将在30个工作日内完成注销", 30),
        ("注销处理时间为 三十 天", 22),
        ("注销处理时间为三十天", 22),
        ("我们将在15个工作日内完成处理", 15),
        ("审核需要 1 个月", 22),
        ("近30天内有交易的账号不能注销", None),
        ("注销后立即删除全部资料", None),
    ],
)
def test_stated_processing_days(text: str, days: int | None) -> None:
    stated = stated_processing_days(text)
    assert (stated[0] if stated else None) == days


def test_chinese_numbers() -> None:
    assert [chinese_number(t) for t in ("十五", "三十", "一百二十", "两", "15", "十")] == [15, 30, 120, 2, 15, 10]
    assert chinese_number("几") is None


def test_slow_processing_warns_once_on_the_longest() -> None:
    tl = session(clear=True, login_response=())
    tl.snapshot(2.2, "a.png", elements=texts("注销须知", "我们将在30个工作日内完成注销"))
    tl.snapshot(2.3, "b.png", elements=texts("注销须知", "审核需要 2 个月"))
    [warn] = rts002(tl.build())
    assert warn.status == "warn" and warn.severity == "medium" and "about 43 working days" in warn.statement
    ok = session(clear=True, login_response=()).snapshot(2.2, "a.png", elements=texts("注销将在15个工作日内完成处理"))
    assert rts002(ok.build()) == []
