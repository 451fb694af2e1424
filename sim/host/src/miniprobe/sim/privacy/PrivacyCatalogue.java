package miniprobe.sim.privacy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import miniprobe.sim.bridge.ApiCall;

/**
 * WeChat's privacy interfaces, scopes and wordings (shared/catalogue/WECHAT.md; the same table as
 * harness/catalogue.py).
 */
public final class PrivacyCatalogue {
    private static final Map<String, PrivacyInterface> BY_API = new LinkedHashMap<>();
    private static final Map<String, PrivacyInterface> BY_SCOPE = new LinkedHashMap<>();

    static {
        category("昵称、头像", null, "getUserInfo", "getUserProfile", "chooseAvatar");
        category("位置信息", "scope.userLocation", "getLocation", "startLocationUpdate", "moveToLocation");
        category("模糊位置信息", "scope.userFuzzyLocation", "getFuzzyLocation");
        category("后台位置信息", "scope.userLocationBackground", "startLocationUpdateBackground");
        category("选择的位置", null, "choosePoi", "chooseLocation");
        category("地址", null, "chooseAddress");
        category("发票", null, "chooseInvoiceTitle", "chooseInvoice");
        category("微信运动步数", "scope.werun", "getWeRunData");
        category("手机号", null, "getPhoneNumber", "getRealtimePhoneNumber");
        category("车牌号", null, "chooseLicensePlate");
        category("照片/视频", null, "chooseImage", "chooseMedia", "chooseVideo");
        category("文件", null, "chooseMessageFile");
        category("麦克风", "scope.record", "startRecord", "RecorderManager.start", "joinVoIPChat");
        category("摄像头", "scope.camera", "VKSession.start", "CameraContext.takePhoto", "CameraContext.startRecord");
        category("蓝牙", "scope.bluetooth", "openBluetoothAdapter", "createBLEPeripheralServer");
        category("相册", "scope.writePhotosAlbum", "saveImageToPhotosAlbum", "saveVideoToPhotosAlbum");
        category("通讯录", "scope.addPhoneContact", "addPhoneContact");
        category("日历", "scope.addPhoneCalendar", "addPhoneCalendar", "addPhoneRepeatCalendar");
        category("传感器", null, "startAccelerometer", "startCompass", "startDeviceMotionListening", "startGyroscope");
        category("剪切板", null, "setClipboardData", "getClipboardData");
    }

    /** What the scope popup asks for. */
    public static final Map<String, String> SCOPE_WORDING = Map.of(
            "scope.userLocation", "获取你的位置信息",
            "scope.userFuzzyLocation", "获取你的模糊地理位置",
            "scope.userLocationBackground", "在后台获取你的位置信息",
            "scope.record", "使用你的麦克风",
            "scope.camera", "使用你的摄像头",
            "scope.writePhotosAlbum", "保存图片或视频到你的相册",
            "scope.werun", "获取你的微信运动步数",
            "scope.bluetooth", "使用你的蓝牙",
            "scope.addPhoneContact", "添加到你的手机通讯录",
            "scope.addPhoneCalendar", "添加到你的手机日历");

    /** How the settings page (wx.openSetting) names each scope. */
    public static final Map<String, String> SETTING_LABEL = Map.of(
            "scope.userLocation", "位置信息",
            "scope.userFuzzyLocation", "模糊位置信息",
            "scope.userLocationBackground", "后台位置信息",
            "scope.record", "麦克风",
            "scope.camera", "摄像头",
            "scope.writePhotosAlbum", "添加到相册",
            "scope.werun", "微信运动步数",
            "scope.bluetooth", "蓝牙",
            "scope.addPhoneContact", "添加到通讯录",
            "scope.addPhoneCalendar", "添加到日历");

    /**
     * Privacy interfaces that show a native popup of their own, which then carries the privacy consent
     * (a "coupled" popup): refusing it fails with errno 103. Scope APIs count too (see hasScope). The
     * others (chooseImage, chooseMedia, the clipboard, sensors, requirePrivacyAuthorize) get 104.
     */
    public static final Set<String> COUPLED_POPUP_APIS = Set.of("authorize", "getPhoneNumber",
            "getRealtimePhoneNumber", "chooseAddress", "chooseInvoice", "chooseInvoiceTitle", "chooseLicensePlate",
            "chooseLocation", "choosePoi", "chooseAvatar", "getUserProfile");

    /** Scopes wx.authorize accepts without a popup (WeChat no longer prompts for them). */
    public static final Set<String> SILENT_SCOPES = Set.of("scope.address", "scope.invoice", "scope.invoiceTitle",
            "scope.userInfo");

    /** APIs that fail unless app.json requiredPrivateInfos lists them. */
    public static final Set<String> NEED_REQUIRED_PRIVATE_INFOS = Set.of("getFuzzyLocation", "getLocation",
            "onLocationChange", "chooseAddress", "choosePoi", "chooseLocation", "startLocationUpdate",
            "startLocationUpdateBackground");

    /** Guide headings that cover narrower categories (WECHAT.md groups them under one row). */
    private static final Map<String, List<String>> BROADER = Map.of(
            "模糊位置信息", List.of("位置信息"),
            "后台位置信息", List.of("位置信息"),
            "相册", List.of("相册/通讯录/日历"),
            "通讯录", List.of("相册/通讯录/日历"),
            "日历", List.of("相册/通讯录/日历"));

    private PrivacyCatalogue() {
    }

    private static void category(String category, String scope, String... apis) {
        PrivacyInterface iface = new PrivacyInterface(category, scope);
        for (String api : apis) {
            BY_API.put(api, iface);
        }
        if (scope != null) {
            BY_SCOPE.putIfAbsent(scope, iface);
        }
    }

    /** The privacy interface a call uses: by api name, or for wx.authorize by the scope it asks for. */
    public static PrivacyInterface of(ApiCall call) {
        if ("authorize".equals(call.api)) {
            return BY_SCOPE.get(call.string("scope", ""));
        }
        return BY_API.get(call.api);
    }

    /** Whether the api needs a scope (and so has its own scope popup). */
    public static boolean hasScope(String api) {
        PrivacyInterface iface = BY_API.get(api);
        return iface != null && iface.scope() != null;
    }

    /** Whether a scope is one wx.authorize knows. */
    public static boolean isKnownScope(String scope) {
        return BY_SCOPE.containsKey(scope) || SILENT_SCOPES.contains(scope);
    }

    /** Whether the declared guide categories cover this category. */
    public static boolean declares(Set<String> declared, String category) {
        return declared.contains(category)
                || BROADER.getOrDefault(category, List.of()).stream().anyMatch(declared::contains);
    }
}
