"""Which answers to a developer's own dialog the session records as consent (pure logic, no device).

A dialog that merely mentions 个人信息 is not a consent request: confirming an account deletion that
"deletes all your personal information" must not be recorded as agreeing to the privacy notice (it would
hide CON-001 findings after it), and confirming 撤回同意 takes consent back.
"""

from __future__ import annotations

from harness.catalogue import button_role, privacy_question
from harness.drivers.sim import ScreenButton, ScreenDialog
from harness.session import _consent_subject


def dialog(title: str, content: str, *buttons: str, kind: str = "developer_dialog") -> ScreenDialog:
    return ScreenDialog(key="d1", prompt_kind=kind, title=title, texts=[content],
                        buttons=[ScreenButton(b, button_role(b), None, True) for b in buttons])


def test_a_notice_asking_to_agree_is_a_consent_request() -> None:
    notice = dialog("隐私政策", "请阅读并同意《瑞雪咖啡隐私政策》后使用点单服务。", "不同意", "同意")
    assert privacy_question(notice.all_text) == "consent"
    assert _consent_subject(notice) == "privacy"


def test_a_policy_named_in_book_marks_is_a_consent_request_even_without_the_word_agree() -> None:
    assert privacy_question("欢迎！我们会在你确认后使用你的手机号。详见《隐私政策》。") == "consent"


def test_a_deletion_confirmation_mentioning_personal_information_is_not_consent() -> None:
    deletion = dialog("注销账号", "注销后将删除你的全部个人信息，且无法恢复，确认注销吗？", "取消", "确认注销")
    assert privacy_question(deletion.all_text) is None
    assert _consent_subject(deletion) is None


def test_a_withdrawal_is_read_as_such() -> None:
    withdrawal = dialog("撤回同意", "撤回后我们将停止处理你的个人信息，你将退出登录。", "取消", "确定")
    assert privacy_question(withdrawal.all_text) == "withdrawal"
    assert _consent_subject(withdrawal) == "privacy"


def test_platform_popups_keep_their_subjects() -> None:
    assert _consent_subject(dialog("用户隐私保护提示", "…", "拒绝", "同意", kind="privacy_popup")) == "privacy"
    scope = dialog("申请", "获取你的位置信息", "拒绝", "允许", kind="scope")
    scope.scope = "scope.userLocation"
    assert _consent_subject(scope) == "scope.userLocation"


def test_a_dialog_without_privacy_wording_is_nothing() -> None:
    assert privacy_question("领取优惠券成功，快去使用吧") is None
