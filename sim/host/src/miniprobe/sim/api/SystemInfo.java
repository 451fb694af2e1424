package miniprobe.sim.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import miniprobe.sim.AppConfig;
import miniprobe.sim.Profile;
import miniprobe.sim.bridge.ApiGroup;
import miniprobe.sim.bridge.ApiRegistry;
import miniprobe.sim.bridge.Results;

/**
 * Device and window facts from the profile (getSystemInfo*, getDeviceInfo, getWindowInfo, getAppBaseInfo) and
 * the network type (getNetworkType: the profile's Wi-Fi, as a phone on it reports).
 */
public final class SystemInfo implements ApiGroup {
    /** The base library a project without libVersion runs on. */
    public static final String NEWEST_LIB_VERSION = "3.4.10";
    private static final long NAVIGATION_BAR_HEIGHT = 48;

    private final Profile profile;
    private final String sdkVersion;

    public SystemInfo(Profile profile, AppConfig app) {
        this.profile = profile;
        this.sdkVersion = app.libVersion == null ? NEWEST_LIB_VERSION : app.libVersion;
    }

    @Override
    public void register(ApiRegistry registry) {
        for (String api : List.of("getSystemInfoSync", "getSystemInfo", "getSystemInfoAsync")) {
            registry.add(api, call -> Results.ok(call.api, systemInfo()));
        }
        registry.add("getDeviceInfo", call -> Results.ok(call.api, deviceInfo()));
        registry.add("getWindowInfo", call -> Results.ok(call.api, windowInfo()));
        registry.add("getAppBaseInfo", call -> Results.ok(call.api, appBaseInfo()));
        registry.add("getNetworkType", call -> Results.ok(call.api, networkType()));
    }

    /** WeChat's getNetworkType result on Wi-Fi: the type, the Wi-Fi signal strength, no system proxy. */
    private Map<String, Object> networkType() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("networkType", "wifi");
        info.put("signalStrength", profile.section("wifi").getOrDefault("signalStrength", 0));
        info.put("hasSystemProxy", false);
        return info;
    }

    private Map<String, Object> systemInfo() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.putAll(deviceInfo());
        info.putAll(windowInfo());
        info.putAll(appBaseInfo());
        info.put("deviceOrientation", "portrait");
        return info;
    }

    private Map<String, Object> deviceInfo() {
        Map<String, Object> info = new LinkedHashMap<>();
        copy(info, "brand", "model", "system");
        info.put("platform", "android");
        copy(info, "abi", "benchmarkLevel", "memorySize", "cpuType");
        return info;
    }

    private Map<String, Object> windowInfo() {
        long width = whole("screenWidth");
        long height = whole("screenHeight");
        long statusBar = whole("statusBarHeight");
        Map<String, Object> info = new LinkedHashMap<>();
        copy(info, "pixelRatio");
        info.put("screenWidth", width);
        info.put("screenHeight", height);
        info.put("windowWidth", width);
        info.put("windowHeight", height - statusBar - NAVIGATION_BAR_HEIGHT);
        info.put("statusBarHeight", statusBar);
        info.put("screenTop", statusBar + NAVIGATION_BAR_HEIGHT);
        info.put("safeArea", Map.of("left", 0, "right", width, "top", statusBar, "bottom", height,
                "width", width, "height", height - statusBar));
        return info;
    }

    private Map<String, Object> appBaseInfo() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("SDKVersion", sdkVersion);
        copy(info, "version", "language", "theme", "fontSizeSetting");
        info.put("enableDebug", false);
        info.put("host", Map.of("env", "WeChat"));
        return info;
    }

    private void copy(Map<String, Object> into, String... fields) {
        for (String field : fields) {
            into.put(field, profile.system(field));
        }
    }

    private long whole(String field) {
        Object value = profile.system(field);
        return value instanceof Number ? ((Number) value).longValue() : 0;
    }
}
