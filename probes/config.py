"""The probes' engineering heuristics in one place, with defaults (RULES.md: make them configurable)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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
        default=("同意", "允许", "接受", "确定", "好的", "继续", "授权", "agree", "allow", "accept", "ok"),
        description="button texts that give consent (checked after reject_words: 不同意 is a reject)",
    )
    reject_words: tuple[str, ...] = Field(
        default=(
            "拒绝",
            "不同意",
            "不允许",
            "不授权",
            "取消",
            "暂不",
            "以后再说",
            "稍后",
            "退出",
            "disagree",
            "reject",
            "deny",
            "cancel",
            "no thanks",
            "not now",
        ),
        description="button texts that refuse or dismiss a consent dialog",
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
        default=("createTCPSocket", "createUDPSocket"), description="SEC-001: raw (unencrypted) socket APIs"
    )
    device_info_pi_types: tuple[str, ...] = Field(
        default=("device_info", "device_id"), description="PIMatch.type values that carry device information"
    )

    @property
    def user_initiated_window_ns(self) -> int:
        return int(self.user_initiated_window_s * NS_PER_S)

    @property
    def repeat_window_ns(self) -> int:
        return int(self.repeat_window_h * 3600 * NS_PER_S)
