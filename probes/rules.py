"""The rule catalogue as data (from shared/catalogue/RULES.md): titles, default severities, remedies.

Findings take their title and remedy from here, so a report never paraphrases a rule differently
from the catalogue. Ids are stable; a probe that cites an id not listed here fails loudly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["high", "medium", "low"]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str  # "English / 中文"
    severity: Severity
    scenarios: tuple[str, ...]
    remedy: str


def _rules(*rows: tuple[str, str, Severity, str, str]) -> dict[str, Rule]:
    return {
        rule_id: Rule(rule_id, title, severity, tuple(scenarios.split(",")), remedy)
        for rule_id, title, severity, scenarios, remedy in rows
    }


RULES: dict[str, Rule] = _rules(
    (
        "POL-001",
        "No prominent privacy notice before first collection / 首次运行未明显提示隐私政策",
        "high",
        "S1,S2",
        "Show a notice with policy link and agree/reject before any non-interface collection; "
        "defer SDK init until consent.",
    ),
    (
        "POL-002",
        "Policy hard to reach / 隐私政策难以访问",
        "low",
        "S7",
        "Policy entry within 4 taps of home.",
    ),
    ("POL-003", "Policy hard to read / 隐私政策难以阅读", "low", "S7", "Readable native text."),
    (
        "POL-004",
        "Observed collection not declared / 实际收集与隐私指引不一致",
        "high",
        "S3",
        "Declare every category, SDK and plugin; re-check each release.",
    ),
    (
        "POL-005",
        "New category after update without re-notice / 变更未重新告知同意",
        "medium",
        "S8",
        "Re-notice before new processing.",
    ),
    (
        "CON-001",
        "Collection before consent / 征得同意前收集个人信息",
        "high",
        "S1,S2",
        "Gate all PI processing behind the consent callback (one consent flag checked in the network layer).",
    ),
    (
        "CON-002",
        "Collection after refusal / 明确拒绝后仍收集",
        "high",
        "S2,S4",
        "Honour refusals across the session and later launches.",
    ),
    (
        "CON-003",
        "Refusal → exit or basic functions blocked / 不同意即退出或无法使用",
        "high",
        "S2,S3",
        "Degrade only the feature that needs the data.",
    ),
    (
        "CON-004",
        "No effective reject option / 隐私或授权弹窗无拒绝按钮",
        "high",
        "S1,S2",
        "An equally easy reject control that dismisses the dialog.",
    ),
    (
        "CON-005",
        'Default/implied consent / 默认勾选或"使用即同意"',
        "medium",
        "S1",
        "Unchecked boxes, explicit 同意.",
    ),
    (
        "CON-006",
        "Bundled multi-scope consent / 捆绑授权",
        "medium",
        "S1,S3",
        "One scope at a time, at the feature that needs it.",
    ),
    (
        "PERM-001",
        "Premature / unrelated authorization request / 提前或与场景无关申请权限",
        "high",
        "S1,S3",
        "Call authorize/privacy APIs only inside the feature's handler, never in onLaunch/onShow.",
    ),
    (
        "PERM-002",
        "Repeated prompts after refusal / 拒绝后频繁申请",
        "medium",
        "S4",
        "After refusal re-ask only when the user uses the feature again; at most one guided openSetting "
        "prompt per 48 h.",
    ),
    (
        "PERM-003",
        "Purpose missing or unclear / 申请授权时目的不明确",
        "medium",
        "S3,S4",
        "A specific purpose naming the feature.",
    ),
    (
        "COL-001",
        "Non-necessary PI for the service type / 超出必要个人信息范围",
        "high",
        "S2,S3",
        "Map features to the 39类 necessary set; everything else optional.",
    ),
    (
        "COL-002",
        "Forced phone number / 强制收集手机号",
        "high",
        "S1,S2",
        "Browse and finish non-necessary scenes without a phone number.",
    ),
    (
        "COL-003",
        "Excessive collection frequency / 超频次收集",
        "medium",
        "S3,S6",
        "Cache, call on user action, stop on onHide.",
    ),
    (
        "COL-004",
        "Unsolicited clipboard read / 擅自读取剪切板",
        "medium",
        "S1",
        "Read the clipboard only after a paste tap.",
    ),
    (
        "COL-005",
        "Background / continuous location / 后台持续定位",
        "high",
        "S6",
        "No background location outside navigation.",
    ),
    (
        "COL-006",
        "Precise location where coarse suffices / 精确定位超出需要",
        "low",
        "S3",
        "Use getFuzzyLocation / round coordinates.",
    ),
    (
        "COL-007",
        "Sensitive PI without separate consent / 敏感个人信息未单独同意",
        "high",
        "S5",
        "Specific notice + separate consent for sensitive PI.",
    ),
    (
        "COL-008",
        "Rewards for ID or biometrics / 以奖励诱导提供身份证、生物特征",
        "high",
        "S5",
        "No rewards for ID/biometrics.",
    ),
    (
        "COL-009",
        "Under-14 PI without guardian consent / 未取得监护人同意",
        "high",
        "S10",
        "Age gate + guardian consent.",
    ),
    (
        "USE-001",
        "Third-party sharing without consent / 未经同意向第三方提供",
        "high",
        "S1,S2,S3",
        "Disclose each third party; init SDKs after consent.",
    ),
    (
        "USE-002",
        "Targeted push without opt-out / 定向推送未提供非个性化选项",
        "medium",
        "S7,S9",
        "A personalisation switch that works.",
    ),
    (
        "USE-003",
        "Intrusive pop-ups, subscribe nagging / 违规弹窗",
        "medium",
        "S1,S3",
        "Closable, capped pop-ups.",
    ),
    (
        "USE-004",
        "Auto / linked launch / 自启动、关联启动",
        "medium",
        "S1",
        "Open other mini programs only on a tap.",
    ),
    (
        "RTS-001",
        "No account deletion / 无注销功能或设不合理条件",
        "high",
        "S5,S7",
        "Online account deletion.",
    ),
    ("RTS-002", "Deletion not effective / 注销未生效", "high", "S5", "Real deletion."),
    (
        "RTS-003",
        "No view / copy / correct / 未提供查阅、复制、更正途径",
        "medium",
        "S5,S7",
        "View, copy and edit pages for collected PI.",
    ),
    ("RTS-004", "No way to withdraw consent / 未提供撤回同意途径", "medium", "S7", "Withdrawal paths."),
    ("RTS-005", "No contact or complaint channel / 未公布联系方式", "low", "S7", "A contact channel."),
    ("SEC-001", "PI sent in plaintext / 个人信息明文传输", "high", "S3,S5", "HTTPS/WSS, TLS ≥ 1.2."),
    (
        "SEC-002",
        "PI in URLs / unmasked over-delivery / 敏感信息URL传参",
        "medium",
        "S5",
        "Sensitive ids in POST bodies, masked responses.",
    ),
    (
        "SEC-003",
        "Plaintext local storage / 本地明文存储个人信息",
        "medium",
        "S5",
        "No sensitive PI in wx.setStorage.",
    ),
    (
        "SEC-004",
        "Secrets exposed / 暴露关键信息",
        "high",
        "S1,S3",
        "AppSecret, access_token and session_key stay on the server; rotate exposed keys.",
    ),
    (
        "DIS-001",
        "Inconsistent operator identity / 运营主体信息不一致",
        "low",
        "S7",
        "One legal entity name everywhere.",
    ),
    (
        "DIS-002",
        "Forced follow / download / 强制关注公众号、下载App",
        "medium",
        "S2",
        "No follow/download gates.",
    ),
    (
        "PLAT-001",
        "Privacy API undeclared or banned / 隐私接口未声明或被回收",
        "medium",
        "S3",
        "Declare every category in the privacy guide.",
    ),
    (
        "PLAT-002",
        "Custom consent not synced / 自定义弹窗未同步同意",
        "low",
        "S3",
        'Use open-type="agreePrivacyAuthorization" / resolve().',
    ),
)


def rule(rule_id: str) -> Rule:
    """The catalogue entry for ``rule_id``; an unknown id is a programming error and raises."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule id {rule_id!r}: add it to probes/rules.py (from RULES.md)") from None
