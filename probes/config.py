"""The probes' engineering heuristics in one place, with defaults (RULES.md: make them configurable)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from harness.catalogue import AGREE_WORDS, RAW_SOCKET_APIS, REJECT_WORDS
from probes.necessary_sets import NECESSARY_CATEGORIES

# Third-party analytics endpoints seen in mini program SDKs (shared/catalogue/WECHAT.md).
TRACKER_HOSTS = (
    "log.aldwx.com",
    "umini.shujupie.com",
    "ulogs.umeng.com",
    "wxapi.growingio.com",
    "pingtas.qq.com",
    "h5.udrig.com",
    "hmma.baidu.com",
)


NS_PER_S = 1_000_000_000


class ProbeConfig(BaseModel):
    """Thresholds and word lists the probes use. Defaults follow shared/catalogue/RULES.md."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_initiated_window_s: float = Field(
        default=3.0, gt=0, description="a tap at most this long before a prompt/call makes it user-initiated"
    )
    follow_up_window_s: float = Field(
        default=10.0,
        gt=0,
        description="how soon after a refusal or a first prompt a reaction counts (CON-003, CON-006)",
    )
    repeat_window_h: float = Field(
        default=48.0, gt=0, description="PERM-002: prompts counted within this long of a refusal"
    )
    repeat_fail_at: int = Field(default=2, ge=1, description="PERM-002: FAIL at this many repeated prompts")
    repeat_warn_at: int = Field(default=1, ge=1, description="PERM-002: WARN at this many repeated prompts")

    agree_words: tuple[str, ...] = Field(
        default=AGREE_WORDS,
        description="button texts that give consent (checked after reject_words: 不同意 is a reject); "
        "the same lexicon the drivers label buttons with (harness.catalogue)",
    )
    reject_words: tuple[str, ...] = Field(
        default=REJECT_WORDS,
        description="button texts that refuse or dismiss a consent dialog (harness.catalogue)",
    )
    consent_button_words: tuple[str, ...] = Field(
        default=("同意", "允许", "接受", "授权", "agree", "allow", "accept"),
        description="button words that by themselves make a dialog a consent dialog (确定/好的/ok do not)",
    )
    privacy_words: tuple[str, ...] = Field(
        default=(
            "隐私",
            "个人信息",
            "授权",
            "权限",
            "privacy",
            "personal information",
            "permission",
            "authoriz",
        ),
        description="dialog wording that makes a developer dialog a privacy/consent dialog",
    )
    privacy_agreement_words: tuple[str, ...] = Field(
        default=("隐私", "个人信息", "privacy", "personal information"),
        description="dialog wording that makes a developer dialog ask for the privacy agreement "
        "(not a scope permission) — PERM-002 counts it as a privacy prompt",
    )
    privacy_trigger_words: tuple[str, ...] = Field(
        default=("手机号", "登录", "头像", "昵称", "地址", "发票", "粘贴", "照片", "图片", "文件", "车牌"),
        description="tap targets that legitimately trigger the privacy popup (besides scope features)",
    )

    platform_host_suffixes: tuple[str, ...] = Field(
        default=("weixin.qq.com", "servicewechat.com", "wechat.com", "wx.qq.com", "qlogo.cn"),
        description="WeChat platform hosts: PI sent there is the platform's, not the mini program's "
        "(analytics on qq.com such as pingtas.qq.com are deliberately not listed)",
    )
    weak_tls_versions: tuple[str, ...] = Field(
        default=("SSLv2", "SSLv3", "TLSv1", "TLSv1.0", "TLSv1.1"),
        description="SEC-001: TLS versions below 1.2",
    )
    plaintext_schemes: tuple[str, ...] = Field(
        default=("http", "ws"), description="SEC-001: unencrypted schemes"
    )
    raw_socket_apis: tuple[str, ...] = Field(
        default=tuple(sorted(RAW_SOCKET_APIS)),
        description="SEC-001: raw (unencrypted) socket APIs: creating, connecting and sending (harness.catalogue)",
    )
    device_info_pi_types: tuple[str, ...] = Field(
        default=("device_info", "device_id"), description="PIMatch.type values that carry device information"
    )

    client_set_pi_locations: tuple[str, ...] = Field(
        default=("header:user-agent",),
        description="PIMatch locations (prefix, case-insensitive) the client sets on every request, not the "
        "mini program: the WebView's User-Agent names the phone model in every flow",
    )

    # --- the service under test (suite/scenario `probes:`) -----------------------------------------
    service_type: str | None = Field(
        default=None,
        description="COL-001/COL-005/COL-006: the 39类 service type (a key of necessary_categories); "
        "None: COL-001 is not tested",
    )
    necessary_categories: dict[str, tuple[str, ...]] = Field(
        default_factory=lambda: dict(NECESSARY_CATEGORIES),
        description="COL-001: service type -> the privacy categories necessary for its basic function (39类)",
    )
    first_party_domains: tuple[str, ...] = Field(
        default=(),
        description="USE-001: the mini program's own domains (suffixes); empty: only tracker_hosts are third parties",
    )
    disclosed_third_parties: tuple[str, ...] | None = Field(
        default=None,
        description="USE-001: third-party domains (suffixes) the privacy guide discloses; None: unknown, "
        "only sharing before consent is judged",
    )
    tracker_hosts: tuple[str, ...] = Field(
        default=TRACKER_HOSTS,
        description="USE-001: third-party analytics endpoints (WECHAT.md), host suffixes",
    )
    previous_categories: tuple[str, ...] | None = Field(
        default=None,
        description="POL-005: the categories the previous version collected (same wording as "
        "declared_categories); None: not tested",
    )
    declared_categories: tuple[str, ...] | None = Field(
        default=None,
        description="POL-004: the categories the privacy guide declares (位置信息, 手机号, ...); None: not tested",
    )

    # --- heuristics of the next-in-value rules ------------------------------------------------------
    paste_words: tuple[str, ...] = Field(
        default=("粘贴", "口令", "剪贴板", "剪切板", "paste"),
        description="COL-004: tap targets that ask for a clipboard read",
    )
    purpose_scopes: tuple[str, ...] = Field(
        default=("scope.userLocation", "scope.userFuzzyLocation", "scope.userLocationBackground"),
        description="PERM-003: scopes whose popup shows the developer's purpose (app.json permission.*.desc)",
    )
    purpose_min_cjk: int = Field(default=6, ge=0, description="PERM-003: WARN below this many CJK characters")
    vague_purpose: str = Field(
        default=r"提升.{0,2}体验|优化(服务|体验)|更好.{0,4}服务|业务需要|正常使用|相关功能",
        description="PERM-003: a purpose matching this regex is vague (WARN)",
    )
    purpose_prefixes: tuple[str, ...] = Field(
        default=("用于", "用来", "以便", "为了", "以", "便于", "需要"),
        description="PERM-003: words that open a purpose sentence in a scope popup",
    )
    per_minute_limit: int = Field(
        default=3, ge=2, description="COL-003: FAIL at this many untapped calls a minute"
    )
    periodic_min_calls: int = Field(
        default=5, ge=3, description="COL-003: a periodic pattern needs this many calls"
    )
    periodic_max_cv: float = Field(
        default=0.1, gt=0, description="COL-003: interval coefficient of variation below this is periodic"
    )
    one_shot_apis: tuple[str, ...] = Field(
        default=(
            "getLocation",
            "getFuzzyLocation",
            "getClipboardData",
            "getSystemInfo",
            "getSystemInfoSync",
            "getSystemInfoAsync",
            "getDeviceInfo",
            "getConnectedWifi",
            "getWifiList",
            "getWeRunData",
            "chooseAddress",
            "getPhoneNumber",
            "getUserProfile",
            "getUserInfo",
        ),
        description="COL-003: personal-data reads that one user action needs once",
    )
    city_level_words: tuple[str, ...] = Field(
        default=("城市", "天气", "city", "weather"),
        description="COL-006: a location feature whose tap or purpose names these needs only a city",
    )
    precise_decimals: int = Field(
        default=4, ge=1, description="COL-006: coordinates with this many decimals are precise"
    )
    blocked_wording: str = Field(
        default=r"(无法|不能|不可)(继续)?(使用|访问|浏览|下单|点单)|请(先)?同意后|同意后(才能|方可)",
        description="CON-003: dialog text saying the service cannot be used without agreeing",
    )
    launch_apis: tuple[str, ...] = Field(
        default=("navigateToMiniProgram", "openEmbeddedMiniProgram", "launchApp", "navigateBackMiniProgram"),
        description="USE-004: calls that open another program",
    )
    exit_apis: tuple[str, ...] = Field(
        default=("exitMiniProgram",), description="CON-003: calls that close the mini program"
    )
    url_pi_types: tuple[str, ...] = Field(
        default=("id_card", "bank_card", "phone", "passport"),
        description="SEC-002: personal data that must not travel in a URL",
    )
    storage_warn_types: tuple[str, ...] = Field(
        default=("phone", "openid", "unionid", "access_token"),
        description="SEC-003: stored personal data that earns a WARN (sensitive PI and canaries FAIL)",
    )
    secret_patterns: tuple[str, ...] = Field(
        default=(r"AKID[0-9A-Za-z]{32}", r"LTAI[0-9A-Za-z]{12,20}"),
        description="SEC-004: cloud access-key id patterns",
    )

    # --- page wording and controls (UISnapshot texts/elements) ------------------------------------
    implied_consent_wording: str = Field(
        default=r"(登录|注册|继续|使用|进入).{0,6}即(视为|表示|代表)?.{0,3}同意",
        description="CON-005: page text that claims consent from using the service (RULES.md)",
    )
    consent_label_words: tuple[str, ...] = Field(
        default=("同意", "协议", "隐私", "政策", "条款", "个人信息", "agree", "privacy", "terms"),
        description="CON-005/POL-001/COL-007: a checkbox whose label holds one of these is a consent checkbox",
    )
    policy_link_wording: str = Field(
        default=r"《[^》]{0,30}(隐私|个人信息|用户协议|服务协议)[^》]{0,20}》|隐私政策|隐私保护指引|隐私协议|privacy policy",
        description="POL-001: text that names or links the privacy policy",
    )
    phone_words: tuple[str, ...] = Field(
        default=("手机号", "手机号码", "电话号码", "phone"),
        description="COL-002: input placeholders and texts that ask for the phone number",
    )
    phone_open_types: tuple[str, ...] = Field(
        default=("getPhoneNumber", "getRealtimePhoneNumber"),
        description="COL-002: button open-types that request the phone number",
    )
    phone_gate_wording: str = Field(
        default=r"(授权|绑定|验证|登录|填写|输入)?手机号?.{0,8}(后|才能|方可|即可).{0,6}(查看|浏览|使用|进入|继续|访问)"
        r"|(查看|浏览|使用|访问).{0,8}(需|需要|请先|须)(先)?.{0,4}(授权|绑定|验证|登录).{0,4}手机号",
        description="COL-002: page text that gates content behind the phone number",
    )
    login_words: tuple[str, ...] = Field(
        default=("手机号", "登录", "授权", "注册", "绑定", "login", "sign in"),
        description="COL-002: tap targets that ask to log in (not browse-only content)",
    )
    reward_wording: str = Field(
        default=r"积分|奖励|红包|优惠券|抽奖|领取|返现",
        description="COL-008: rewards wording on the screen that requests ID or face data",
    )
    purpose_wording: str = Field(
        default=r"(用于|用来|以便|为了|仅用于|将用于|目的)",
        description="COL-007: words that open a purpose statement",
    )
    sensitive_words: dict[str, tuple[str, ...]] = Field(
        default_factory=lambda: {
            "id_card": ("身份证", "证件"),
            "passport": ("护照", "证件"),
            "bank_card": ("银行卡", "卡号"),
            "face": ("人脸", "面部", "刷脸", "照片"),
            "voice": ("声纹", "语音", "录音"),
            "location": ("位置", "定位", "行踪", "轨迹"),
            "health": ("病史", "诊断", "过敏", "体检", "健康", "病历"),
            "religion": ("宗教", "信仰"),
        },
        description="COL-007: words on a screen that name a sensitive PI type (a specific purpose names it)",
    )
    close_words: tuple[str, ...] = Field(
        default=("关闭", "×", "✕", "✖", "╳", "跳过", "取消", "以后再说", "暂不", "不了", "不用", "我知道了", "知道了",
                 "close", "skip", "cancel"),
        description="USE-003: texts of a pop-up's close control",
    )
    marketing_wording: str = Field(
        default=r"优惠|领取|红包|券|限时|福利|抽奖|特价|秒杀|折|会员|开通|活动",
        description="USE-003: marketing pop-up wording",
    )
    marketing_window_s: float = Field(default=300.0, gt=0, description="USE-003: the marketing pop-up window")
    marketing_warn_over: int = Field(default=2, ge=0, description="USE-003: WARN above this many per window")
    subscribe_warn_over: int = Field(default=2, ge=0, description="USE-003: WARN above this many subscribe prompts")
    guardian_words: tuple[str, ...] = Field(
        default=("监护人", "家长", "父母", "guardian", "parent"),
        description="COL-009: words naming the guardian in a guardian-consent control or dialog",
    )
    navigation_service_types: tuple[str, ...] = Field(
        default=("地图导航", "网络约车", "用车服务"),
        description="COL-005: service types whose basic function is navigation (background location allowed)",
    )
    deletion_wording: str = Field(
        default=r"注销|销户|(删除|关闭)(我的)?(账号|账户|帐号|帐户)|delete (my |your )?account|close (my |your )?account",
        description="RTS-002: wording of an account deletion (a control, a dialog or a screen about it)",
    )
    deletion_failed_wording: str = Field(
        default=r"注销失败|无法注销|不能注销|暂不支持注销|注销未成功|删除失败",
        description="RTS-002: a screen saying the deletion did not go through (then it is not a deletion)",
    )
    relogin_words: tuple[str, ...] = Field(
        default=("登录", "登陆", "login", "log in", "sign in"),
        description="RTS-002: tap targets that log in again after the deletion",
    )
    deletion_max_working_days: int = Field(
        default=15, ge=0, description="RTS-002: WARN on a stated processing time above this many working days"
    )
    crawl_max_taps: int = Field(
        default=4, ge=1, le=5,
        description="POL-002, RTS-001, USE-002: a function further than this many taps (home -> policy, "
        "我的/设置 -> 注销, home -> personalisation switch) is hard to reach",
    )
    account_words: tuple[str, ...] = Field(
        default=("登录", "注册", "账号", "账户", "帐号", "会员", "我的"),
        description="RTS-001: texts that show the app keeps its own user accounts",
    )
    account_anchor_words: tuple[str, ...] = Field(
        default=("我的", "设置", "个人中心", "账号设置", "账户设置"),
        description="RTS-001: the screens 注销 is counted from (the tap that opened them, or their title)",
    )
    withdrawal_wording: str = Field(
        default=r"(撤回|撤销|取消|关闭|解除|收回)[^，。；,;]{0,8}(同意|授权)|授权管理|关闭个性化|退出个性化"
                r"|(撤回|撤销)[^，。；,;]{0,8}隐私|withdraw (your )?consent",
        description="RTS-004: wording that offers withdrawing consent (account deletion is not withdrawal)",
    )
    personalisation_wording: str = Field(
        default=r"个性化推荐|个性化推送|猜你喜欢|为你推荐|专属推荐|根据你的(浏览|喜好|兴趣)",
        description="USE-002: texts that show content personalised by the user's behaviour",
    )
    behaviour_endpoint_wording: str = Field(
        default=r"recommend|personali[sz]|guess|for-?you|track|behaviou?r|browse|history",
        description="USE-002: endpoints (host/path) that carry behaviour data or ask for personalised content",
    )
    personalisation_toggle_wording: str = Field(
        default=r"个性化|定向推送|推荐",
        description="USE-002: the label of a switch that turns personalisation off (or of a control 关闭个性化推荐)",
    )
    policy_min_font_px: float = Field(
        default=12.0, gt=0, description="POL-003: policy body text below this computed font size (CSS px) is tiny"
    )
    policy_min_contrast: float = Field(
        default=4.5, ge=1, description="POL-003: policy body text below this WCAG contrast ratio is faint (body text: 4.5)"
    )
    policy_small_share: float = Field(
        default=0.5, gt=0, le=1, description="POL-003: WARN when at least this share of the body's characters is tiny or faint"
    )

    @property
    def user_initiated_window_ns(self) -> int:
        return int(self.user_initiated_window_s * NS_PER_S)

    @property
    def follow_up_window_ns(self) -> int:
        return int(self.follow_up_window_s * NS_PER_S)

    @property
    def repeat_window_ns(self) -> int:
        return int(self.repeat_window_h * 3600 * NS_PER_S)
