"""WeChat facts as data (from shared/catalogue/WECHAT.md): privacy interfaces, scopes, wordings.

Shared by the recorder side (to tag api_call events with their category) and by the probes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PrivacyInterface:
    category: str  # the privacy-guide wording
    scope: str | None = None


_TABLE: dict[str, tuple[str | None, tuple[str, ...]]] = {
    # category: (scope, apis)
    "昵称、头像": (None, ("getUserInfo", "getUserProfile", "chooseAvatar")),
    "位置信息": (
        "scope.userLocation",
        ("getLocation", "startLocationUpdate", "onLocationChange", "moveToLocation"),
    ),
    "模糊位置信息": ("scope.userFuzzyLocation", ("getFuzzyLocation",)),
    "后台位置信息": ("scope.userLocationBackground", ("startLocationUpdateBackground",)),
    "选择的位置": (None, ("choosePoi", "chooseLocation")),
    "地址": (None, ("chooseAddress",)),
    "发票": (None, ("chooseInvoiceTitle", "chooseInvoice")),
    "微信运动步数": ("scope.werun", ("getWeRunData",)),
    "手机号": (None, ("getPhoneNumber", "getRealtimePhoneNumber")),
    "车牌号": (None, ("chooseLicensePlate",)),
    "照片/视频": (None, ("chooseImage", "chooseMedia", "chooseVideo")),
    "文件": (None, ("chooseMessageFile",)),
    "麦克风": ("scope.record", ("startRecord", "RecorderManager.start", "joinVoIPChat")),
    "摄像头": ("scope.camera", ("createVKSession", "createCameraContext", "VKSession.start", "CameraContext.takePhoto",
                                "CameraContext.startRecord")),
    "蓝牙": ("scope.bluetooth", ("openBluetoothAdapter", "createBLEPeripheralServer")),
    "相册": ("scope.writePhotosAlbum", ("saveImageToPhotosAlbum", "saveVideoToPhotosAlbum")),
    "通讯录": ("scope.addPhoneContact", ("addPhoneContact",)),
    "日历": ("scope.addPhoneCalendar", ("addPhoneCalendar", "addPhoneRepeatCalendar")),
    "传感器": (
        None,
        ("startAccelerometer", "startCompass", "startDeviceMotionListening", "startGyroscope"),
    ),
    "剪切板": (None, ("setClipboardData", "getClipboardData")),
}

PRIVACY_INTERFACES: dict[str, PrivacyInterface] = {
    api: PrivacyInterface(category, scope) for category, (scope, apis) in _TABLE.items() for api in apis
}

# Not platform privacy interfaces, but they read personal data (device info, ids, Wi-Fi).
WATCHED_APIS: dict[str, str] = {
    "login": "登录凭证",
    "getSystemInfo": "设备信息",
    "getSystemInfoSync": "设备信息",
    "getSystemInfoAsync": "设备信息",
    "getDeviceInfo": "设备信息",
    "getWindowInfo": "设备信息",
    "getConnectedWifi": "Wi-Fi 信息",
    "getWifiList": "Wi-Fi 信息",
    "getBluetoothDevices": "蓝牙设备",
    "startBluetoothDevicesDiscovery": "蓝牙设备",
}

# Raw sockets bypass the HTTP proxy: the sim's bridge carries each operation with its address and port
# ("TCPSocket.connect|write", "UDPSocket.send"; sim/PROTOCOL.md), so only the ApiCall shows where data went.
RAW_SOCKET_APIS = frozenset(
    {"createTCPSocket", "createUDPSocket", "TCPSocket.connect", "TCPSocket.write", "UDPSocket.send"}
)
# Sinks: calls that send or persist data.
NETWORK_APIS = frozenset(
    {"request", "uploadFile", "downloadFile", "connectSocket", "SocketTask.send", "sendSocketMessage"}
) | RAW_SOCKET_APIS
STORAGE_WRITE_APIS = frozenset({"setStorage", "setStorageSync", "batchSetStorage", "batchSetStorageSync"})

SCOPE_WORDING: dict[str, str] = {
    "scope.userLocation": "获取你的位置信息",
    "scope.userFuzzyLocation": "获取你的模糊地理位置",
    "scope.userLocationBackground": "在后台获取你的位置信息",
    "scope.record": "使用你的麦克风",
    "scope.camera": "使用你的摄像头",
    "scope.writePhotosAlbum": "保存图片或视频到你的相册",
    "scope.werun": "获取你的微信运动步数",
    "scope.bluetooth": "使用你的蓝牙",
    "scope.addPhoneContact": "添加到你的手机通讯录",
    "scope.addPhoneCalendar": "添加到你的手机日历",
}

# Words in a prompt that tell which scope it is about (developer dialogs carry no scope id).
SCOPE_HINTS: dict[str, tuple[str, ...]] = {
    "scope.userLocation": ("位置", "定位", "附近", "导航", "location"),
    "scope.camera": ("摄像头", "相机", "拍照", "扫码", "camera"),
    "scope.record": ("麦克风", "录音", "语音", "microphone"),
    "scope.writePhotosAlbum": ("相册", "保存图片"),
    "scope.bluetooth": ("蓝牙", "bluetooth"),
    "scope.werun": ("运动", "步数"),
}


def category_of(api: str) -> str | None:
    """The privacy category of a wx API, or None when it reads no personal data."""
    if api in PRIVACY_INTERFACES:
        return PRIVACY_INTERFACES[api].category
    return WATCHED_APIS.get(api)


def scope_of(api: str) -> str | None:
    iface = PRIVACY_INTERFACES.get(api)
    return iface.scope if iface else None


def scope_in_text(text: str) -> str | None:
    """The scope a free-text prompt is about, judged by its words (None if it names none)."""
    lowered = text.lower()
    for scope, hints in SCOPE_HINTS.items():
        if any(h in lowered for h in hints):
            return scope
    return None


# Button lexicons: how a dialog's controls read to a user (CON-004, consent recording); the probes'
# defaults (probes.config.ProbeConfig agree_words / reject_words) are these tuples.
AGREE_WORDS = ("同意", "允许", "接受", "确定", "确认", "好的", "继续", "授权", "知道了", "agree", "allow", "accept", "ok")
REJECT_WORDS = (
    "拒绝", "不同意", "不允许", "不授权", "取消", "暂不", "以后再说", "稍后", "退出", "关闭",
    "disagree", "reject", "deny", "decline", "cancel", "no thanks", "not now",
)
PRIVACY_WORDS = ("隐私", "个人信息", "协议", "政策", "指引", "privacy", "policy")


def button_role(text: str) -> str:
    """agree | reject | other, by the words on the control (reject words win: 不同意 contains 同意)."""
    t = text.strip().lower()
    if any(w in t for w in REJECT_WORDS):
        return "reject"
    if any(w in t for w in AGREE_WORDS):
        return "agree"
    return "other"


def mentions_privacy(text: str) -> bool:
    lowered = text.lower()
    return any(w in lowered for w in PRIVACY_WORDS)


WITHDRAW_WORDS = ("撤回", "撤销同意", "撤销授权", "取消授权", "withdraw", "revoke")
CONSENT_ASK_WORDS = ("同意", "授权", "允许", "agree", "consent", "accept")


def privacy_question(text: str) -> str | None:
    """What a developer's own dialog asks about personal data: "consent" (a notice asking to agree, or naming
    a 《policy》), "withdrawal" (confirming it takes consent back), or None. Mentioning 个人信息 is not enough:
    "注销后将删除你的全部个人信息，确认注销？" confirms a deletion, and its 确认 is no consent."""
    if not mentions_privacy(text):
        return None
    lowered = text.lower()
    if any(w in lowered for w in WITHDRAW_WORDS):
        return "withdrawal"
    if "《" in text or any(w in lowered for w in CONSENT_ASK_WORDS):
        return "consent"
    return None
