package miniprobe.sim.api;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import miniprobe.sim.AppConfig;
import miniprobe.sim.Profile;
import miniprobe.sim.bridge.ApiCall;
import miniprobe.sim.bridge.ApiGroup;
import miniprobe.sim.bridge.ApiRegistry;
import miniprobe.sim.bridge.Results;
import miniprobe.sim.ui.NativeUi;

/**
 * The WeChat account side: login codes, the mini program's account info, the user's nickname/avatar
 * (getUserProfile, getUserInfo) and phone number (button open-type getPhoneNumber / getRealtimePhoneNumber,
 * each tap asking with WeChat's native phone popup).
 */
public final class Account implements ApiGroup {
    /** From this base library on, getUserProfile gives an anonymous 微信用户 without asking. */
    public static final String ANONYMOUS_PROFILE_LIB_VERSION = "2.27.1";
    private static final String CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String GREY_AVATAR = "https://thirdwx.qlogo.cn/mmopen/vi_32/POgEwh4mIHO4nibH0KlMECNjjGxQUq24ZEaG"
            + "T4poC6icRiccVGKSyXwibcPq4BWmiaIGuG1icwxaQX6grC9VemZoJ8rg/132";

    private final SecureRandom random = new SecureRandom();
    private final AppConfig app;
    private final Profile profile;
    private final NativeUi ui;
    private final TempFiles files;

    public Account(AppConfig app, Profile profile, NativeUi ui, TempFiles files) {
        this.app = app;
        this.profile = profile;
        this.ui = ui;
        this.files = files;
    }

    @Override
    public void register(ApiRegistry registry) {
        registry.add("login", call -> Results.ok(call.api, Map.of("code", code(32))));
        registry.add("checkSession", call -> Results.ok(call.api));
        registry.add("getAccountInfoSync", call -> Results.ok(call.api, Map.of("miniProgram",
                Map.of("appId", app.appid, "envVersion", "develop", "version", ""))));
        registry.add("getUserProfile", this::getUserProfile);
        registry.add("getUserInfo", call -> Results.ok(call.api, userInfo(anonymous())));
        registry.add("getPhoneNumber", this::phoneNumber);
        registry.add("getRealtimePhoneNumber", this::phoneNumber);
    }

    /** Before 2.27.1: WeChat's popup asks, and agreeing hands out the real nickname and avatar. */
    private Map<String, Object> getUserProfile(ApiCall call) throws Exception {
        if (anonymousProfiles()) {
            return Results.ok(call.api, userInfo(anonymous()));
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", app.appName + " 申请");
        fields.put("content", "获取你的昵称、头像");
        fields.put("desc", call.string("desc", ""));
        fields.put("buttons", List.of("拒绝", "允许"));
        if (!"agree".equals(ui.ask("user_profile", fields, NativeUi.AGREE_OR_REJECT).get())) {
            return Results.fail(call.api, "auth deny");
        }
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("nickName", profile.nickName);
        user.put("avatarUrl", files.photo(String.valueOf(profile.section("avatar").get("file"))));
        return Results.ok(call.api, userInfo(user));
    }

    private boolean anonymousProfiles() {
        return app.libVersion == null
                || AppConfig.compareVersions(app.libVersion, ANONYMOUS_PROFILE_LIB_VERSION) >= 0;
    }

    private static Map<String, Object> anonymous() {
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("nickName", "微信用户");
        user.put("avatarUrl", GREY_AVATAR);
        return user;
    }

    private Map<String, Object> userInfo(Map<String, Object> user) {
        Map<String, Object> info = new LinkedHashMap<>(user);
        info.put("gender", 0);
        info.put("language", "zh_CN");
        info.put("city", "");
        info.put("province", "");
        info.put("country", "");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("userInfo", info);
        result.put("rawData", miniprobe.sim.json.Json.write(info));
        result.put("signature", code(40).toLowerCase());
        result.put("encryptedData", sealed(128));
        result.put("iv", sealed(16));
        return result;
    }

    /** The tap on the phone-number button: WeChat's popup shows the bound number, masked; 允许 gives a code. */
    private Map<String, Object> phoneNumber(ApiCall call) throws InterruptedException, ExecutionException {
        String phone = profile.phoneNumber;
        String masked = phone.length() >= 11 ? phone.substring(0, 3) + "****" + phone.substring(phone.length() - 4)
                : phone;
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", app.appName + " 申请");
        fields.put("content", "获取你的手机号");
        fields.put("phone", masked);
        fields.put("buttons", List.of("拒绝", "允许"));
        if (!"agree".equals(ui.ask("phone_popup", fields, NativeUi.AGREE_OR_REJECT).get())) {
            return Results.fail(call.api, "user deny");
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("code", code(64).toLowerCase());
        if ("getPhoneNumber".equals(call.api)) {
            result.put("encryptedData", sealed(96));
            result.put("iv", sealed(16));
            result.put("cloudID", "phone." + code(12));
        }
        return Results.ok(call.api, result);
    }

    /** A fresh random code, like wx.login's (valid for one exchange on the back end). */
    private String code(int length) {
        StringBuilder code = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            code.append(CODE_ALPHABET.charAt(random.nextInt(CODE_ALPHABET.length())));
        }
        return code.toString();
    }

    private String sealed(int bytes) {
        byte[] data = new byte[bytes];
        random.nextBytes(data);
        return Base64.getEncoder().encodeToString(data);
    }
}
