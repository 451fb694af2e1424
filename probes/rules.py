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
    basis: str  # the legal or platform texts, with RULES.md's [V]/[M]/[I]/[D] markers
    detection: str  # the runtime detection logic RULES.md gives


# Basis and runtime detection logic of each rule, as RULES.md states them (`miniprobe explain`).
DETAILS: dict[str, tuple[str, str]] = {
    "POL-001": (
        "认定方法 一.2 [V]; WX-PA [V]; PIPL 17 [M]; 41391 §6.4",
        (
            "FAIL if the first PI event (privacy-API attempt, PI-flow, PI storage write, required PI form "
            "field) precedes any dialog with privacy wording + policy link + agree/reject controls. WeChat's"
            " official popup covers only privacy-interface categories."
        ),
    ),
    "POL-002": (
        "认定方法 一.3 [V]",
        (
            "FAIL if shortest in-app tap path home → policy screen > 4 (report the platform path "
            "···→更多资料→用户隐私保护指引 separately)"
        ),
    ),
    "POL-003": (
        "认定方法 一.4 [V]",
        "WARN on tiny glyphs, low contrast, no zh-Hans text (screenshot + OCR)",
    ),
    "POL-004": (
        "认定方法 二.1, 三.9 [V]; 41391 §6.6; PIPL 7 [V]",
        (
            "FAIL if an observed category (privacy-API category, recogniser category, third-party host "
            "receiving PI) is not in the declared guide categories"
        ),
    ),
    "POL-005": (
        "认定方法 二.2 [V]; WX-INTRO [V]",
        "FAIL if version N+1 uses a category absent in N with no notice/consent before first use",
    ),
    "CON-001": (
        "认定方法 三.1 [V]; 337号 item 1 [V]; WX-PA [V]; PIPL 13 [V]",
        (
            "FAIL on a successful privacy-API call, a PI-flow (excluding WeChat platform hosts) or a PI "
            "storage write with t < t_consent; with no consent in the run the whole session counts. wx.login"
            " is informational."
        ),
    ),
    "CON-002": (
        "认定方法 三.2 [V]; PIPL 16 [M]",
        (
            "After t_refuse(S) and before a user-initiated re-consent: a successful S-API call or S-category"
            " PI-flow, also after relaunch. Refusal = reject tap, resolve({event:'disagree'}), errno "
            '103/104, "auth deny"'
        ),
    ),
    "CON-003": (
        "337号 item 5 [V]; 39类 [V]; WX-OPS15 [V]; T/TAF 078.4",
        (
            "FAIL if within 10 s of refusing the privacy popup or a non-necessary scope the mini program "
            "exits (wx.exitMiniProgram, navigator open-type=exit, leaves foreground), or the same dialog "
            "reappears on ≥ 2 consecutive basic-function taps, or a basic function works in S3 but not in S2"
        ),
    ),
    "CON-004": (
        "WX-PHONE 5 [V]; 26号通知 [V]; 认定方法 三.4 [V]; WeTest finding",
        (
            "FAIL if a consent/authorization dialog has an agree-lexicon control but no reject-lexicon "
            "control; or the reject control is not clickable, < 24×24 dp, contrast < 2:1; or tapping it "
            "leaves the screen unchanged after 2 s"
        ),
    ),
    "CON-005": (
        "认定方法 三.4 [V]; 26号通知 [V]",
        (
            "FAIL if the consent checkbox is checked before any tap, or text matches "
            "`(登录|注册|继续|使用|进入).{0,6}即(视为|表示|代表)?.{0,3}同意` with no separate agree control before collection"
        ),
    ),
    "CON-006": (
        "26号通知 [V]; 35273 §5.3",
        (
            "FAIL if ≥ 2 distinct scopes are prompted within 10 s without a user-initiated trigger for the "
            "second, or one dialog bundles categories and refusing blocks all"
        ),
    ),
    "PERM-001": (
        "337号 item 7 [V]; WX-OPS15 [V]; WX-PHONE 1–3 [V]",
        (
            "FAIL if an S-prompt or S-API call happens in onLaunch/first onShow before any tap, or has no "
            "tap in the previous 3 s whose target maps to S (定位/附近/导航→location; 拍照/扫码→camera; 语音/录音→record; "
            "手机号/登录→phone)"
        ),
    ),
    "PERM-002": (
        "337号 item 6 [V]; 认定方法 三.2 [V]; WX-PHONE 5 [V]; Xiaomi 2.5 [I]",
        (
            "Count prompts for S after t_refuse(S) not caused by a fresh user-initiated S-trigger (official "
            "popup, developer modal, openSetting guide). FAIL at ≥ 2 within 48 h, WARN at 1; FAIL if it "
            "reappears on every relaunch or unrelated feature use. Also MiniChecker's patterns: overlay (two"
            " authorization prompts in one lifecycle), loop (authorize-on-fail recursion or auto page jump "
            "back to the prompt)"
        ),
    ),
    "PERM-003": (
        "认定方法 二.3 [V]; 26号通知 [V]; WeTest finding",
        (
            "FAIL if no purpose sentence in the prompt; WARN if < 6 CJK chars, vague "
            "(`提升.{0,2}体验|优化(服务|体验)|更好.{0,4}服务|业务需要|正常使用|相关功能`), or not naming the feature"
        ),
    ),
    "COL-001": (
        "39类 [V]; 337号 item 2 [V]; PIPL 6 [V]; 41391 §6.1–6.2",
        (
            "FAIL if a category outside NecessarySet(service type, configured) is needed to complete a basic"
            " function; WARN if optional"
        ),
    ),
    "COL-002": (
        "WX-PHONE 1–5 [V]; WX-OPS15 [V]",
        (
            "FAIL if the phone number is requested before any content, browse-only pages are gated, or non-"
            "necessary scenes cannot finish without it"
        ),
    ),
    "COL-003": (
        "337号 item 2 [V]; 41391 §6.1",
        (
            "FAIL if a one-shot PI API is called ≥ 3×/min without matching taps, periodically (≥ 5 calls, "
            "interval CV < 0.1), or on every onShow"
        ),
    ),
    "COL-004": (
        "WX-INTRO [V]; 认定方法 三.1 [V]",
        (
            "FAIL if getClipboardData runs in onLaunch/onShow or without a paste-related tap within 3 s; "
            "High if the clipboard canary appears in any flow"
        ),
    ),
    "COL-005": (
        "scope.userLocationBackground; PIPL 28 [M]",
        ("FAIL if coordinates are sent or location callbacks fire after onHide for a non-navigation service"),
    ),
    "COL-006": (
        "PIPL 6 [V]",
        (
            "WARN if getLocation (not getFuzzyLocation) and ≥ 4-decimal coordinates are sent for a city-"
            "level feature"
        ),
    ),
    "COL-007": (
        "PIPL 28–30 [M]; 认定方法 二.3 [V]",
        (
            "FAIL if ID / bank / face / health / location-track data is sent and the collecting screen lacks"
            " a specific purpose statement and a separate affirmative control"
        ),
    ),
    "COL-008": (
        "认定方法 三.7 [V]",
        "FAIL if the requesting screen shows `积分|奖励|红包|优惠券|抽奖|领取|返现` and ID/face data is then sent",
    ),
    "COL-009": (
        "PIPL 31 [M]",
        "FAIL if a minor canary (age < 14) is accepted and sent with no guardian-consent step",
    ),
    "USE-001": (
        "337号 item 3 [V]; 35273 §9.7 [V]; PIPL 23 [M]",
        (
            "FAIL if a third-party flow (tracker list, or host outside the first-party set) carries PI "
            "before t_consent or the third party is undisclosed; High if sensitive"
        ),
    ),
    "USE-002": (
        "认定方法 三.6 [V]; 337号 item 4 [V]",
        (
            "FAIL if personalisation exists with no toggle within 4 taps, or behaviour data still flows with"
            " it off"
        ),
    ),
    "USE-003": (
        "26号通知 [V]",
        (
            "FAIL if a pop-up has no close control, a tiny or navigating close, full-screen click ads, shake"
            " triggers; WARN > 2 marketing pop-ups / 5 min or > 2 subscribe prompts / session"
        ),
    ),
    "USE-004": (
        "26号通知 [V]",
        (
            "FAIL if navigateToMiniProgram / openEmbeddedMiniProgram / launchApp runs with no tap in the "
            "previous 3 s"
        ),
    ),
    "RTS-001": (
        "337号 item 8 [V]; PIPL 47 [V]",
        (
            "FAIL if an own-account app has no 注销/删除账号 within 4 taps of 我的/设置, or deletion demands "
            "unreasonable items"
        ),
    ),
    "RTS-002": (
        "认定方法 六 [M]; CVERC [V]",
        (
            "FAIL if re-login returns the old canary profile or storage still holds PI; stated processing > "
            "15 working days"
        ),
    ),
    "RTS-003": (
        "PIPL 45–46 [V]; WX-INTRO [V]; WeTest finding",
        (
            "FAIL if collected PI cannot be viewed; can be viewed but not copied/exported "
            "(`复制|导出|下载|副本|发送至邮箱`); or cannot be edited"
        ),
    ),
    "RTS-004": (
        "认定方法 三.8 [V]",
        "FAIL if neither policy nor app offers withdrawal for non-scope categories",
    ),
    "RTS-005": (
        "PIPL 50 [V]",
        "FAIL if no email/phone/QQ/weixin recogniser hit in guide or policy",
    ),
    "SEC-001": (
        "PIPL 51 [V]; 35273 §6.3; WX-SEC [V]; CVERC [V]",
        (
            "FAIL if a PI-flow uses http://, ws://, or raw TCP/UDP (createTCPSocket/createUDPSocket); WARN "
            "on any plaintext flow without PI and on TLS < 1.2"
        ),
    ),
    "SEC-002": (
        "WX-SEC [V]; PIPL 51 [V]",
        (
            "FAIL if ID, bank or phone data is in URL path/query; WARN if a response carries the full value "
            "while the UI shows it masked"
        ),
    ),
    "SEC-003": (
        'WX-SEC "禁止明文保存用户敏感数据" [V]',
        (
            "FAIL if a wx.setStorage*/batchSetStorage value (after JSON/base64 unwrapping) holds sensitive "
            "PI or a canary; WARN for phone, openid, long-lived tokens"
        ),
    ),
    "SEC-004": (
        "WX-SEC [V]; WX-LOGIN [V]",
        (
            "FAIL if a client request carries `secret=` (jscode2session, cgi-bin/token) or `access_token=` "
            "to api.weixin.qq.com, any response contains session_key, or `AKID[0-9A-Za-z]{32}` / "
            "`LTAI[0-9A-Za-z]{12,20}` appears in flows or storage"
        ),
    ),
    "DIS-001": (
        "CVERC [V]",
        "FAIL if the entity in 更多资料, guide and in-app policy differ with no disclosed service provider",
    ),
    "DIS-002": (
        "26号通知 [V]",
        "FAIL if basic content is gated by 关注公众号 / 下载App / 打开App",
    ),
    "PLAT-001": (
        "WX-PA §五 [V]",
        'FAIL on errno 112 "api scope is not declared in the privacy agreement" or "privacy api banned"',
    ),
    "PLAT-002": (
        "WX-PA §二 [V]",
        (
            "FAIL if the user agreed in a developer dialog and an official popup or errno 104 follows in the"
            " same session"
        ),
    ),
}


def _rules(*rows: tuple[str, str, Severity, str, str]) -> dict[str, Rule]:
    return {
        rule_id: Rule(rule_id, title, severity, tuple(scenarios.split(",")), remedy, *DETAILS[rule_id])
        for rule_id, title, severity, scenarios, remedy in rows
    }


RULES: dict[str, Rule] = _rules(
    (
        "POL-001",
        "No prominent privacy notice before first collection / 首次运行未明显提示隐私政策",
        "high",
        "S1,S2",
        (
            "Show a notice with policy link and agree/reject before any non-interface collection; "
            "defer SDK init until consent."
        ),
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
        (
            "After refusal re-ask only when the user uses the feature again; at most one guided openSetting "
            "prompt per 48 h."
        ),
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


# Why no probe decides these rules from one recorded session (`miniprobe explain`, rules.json "why").
NOT_COVERED: dict[str, str] = {
}
