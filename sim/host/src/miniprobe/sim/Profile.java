package miniprobe.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import miniprobe.sim.json.Json;
import miniprobe.sim.json.JsonException;

/**
 * The simulated person and phone (--profile): what privacy interfaces hand out. Missing fields get
 * defaults (the same as PROFILE_DEFAULTS in harness/drivers/sim.py, which writes complete profiles).
 */
public final class Profile {
    private static final Map<String, Map<String, Object>> DEFAULTS = defaults();

    private final Map<String, Map<String, Object>> sections = new LinkedHashMap<>();
    public final String phoneNumber;
    public final String licensePlate;
    public final String nickName;
    private final List<Object> bluetoothDevices;
    private String clipboard;

    private Profile(Map<String, Object> json) {
        DEFAULTS.forEach((name, fields) -> sections.put(name, merged(fields, Json.object(json, name))));
        phoneNumber = Json.string(json, "phoneNumber", "13800138000");
        clipboard = Json.string(json, "clipboard", "");
        licensePlate = Json.string(json, "licensePlate", "沪A·D12345");
        nickName = Json.string(json, "nickName", "林小夏");
        Object devices = json.get("bluetoothDevices");
        bluetoothDevices = devices instanceof List ? List.copyOf((List<?>) devices)
                : List.of(Map.of("deviceId", "C8:47:8C:1A:2B:3C", "name", "Mi Smart Band 8", "RSSI", -58L));
    }

    /** Reads the profile file, or the defaults when there is none. */
    public static Profile load(Path path) throws IOException {
        if (path == null) {
            return new Profile(Map.of());
        }
        try {
            return new Profile(Json.parseObject(Files.readString(path, StandardCharsets.UTF_8)));
        } catch (JsonException e) {
            throw new IOException(path + ": " + e.getMessage() + " (fix the profile JSON)");
        }
    }

    /**
     * A section of the profile with defaults filled in: location, system, deviceIds, wifi, address,
     * invoiceTitle, pickedLocation, werun, sensors, avatar.
     */
    public Map<String, Object> section(String name) {
        Map<String, Object> section = sections.get(name);
        if (section == null) {
            throw new IllegalArgumentException("no profile section " + name);
        }
        return section;
    }

    /** A location field: latitude, longitude, accuracy, altitude, speed (WGS-84 coordinates). */
    public double location(String field) {
        return number(section("location").get(field));
    }

    /** A device field: brand, model, system, version, screenWidth, pixelRatio, language, ... */
    public Object system(String field) {
        return section("system").get(field);
    }

    public String systemString(String field) {
        return String.valueOf(system(field));
    }

    public Map<String, Object> deviceIds() {
        return section("deviceIds");
    }

    /** Bluetooth devices around the phone ({deviceId: the MAC on Android, name, RSSI}). */
    public List<Object> bluetoothDevices() {
        return bluetoothDevices;
    }

    public synchronized String clipboard() {
        return clipboard;
    }

    public synchronized void setClipboard(String text) {
        clipboard = text;
    }

    public static double number(Object value) {
        return value instanceof Number ? ((Number) value).doubleValue() : 0;
    }

    private static Map<String, Object> merged(Map<String, Object> defaults, Map<String, Object> given) {
        Map<String, Object> out = new LinkedHashMap<>(defaults);
        out.putAll(given);
        return out;
    }

    private static Map<String, Map<String, Object>> defaults() {
        Map<String, Map<String, Object>> d = new LinkedHashMap<>();
        d.put("location", ordered("latitude", 31.230416, "longitude", 121.473701, "accuracy", 30.0,
                "altitude", 0.0, "speed", 0.0));
        d.put("system", ordered("brand", "Xiaomi", "model", "Mi 13", "system", "Android 14", "version", "8.0.50",
                "language", "zh_CN", "screenWidth", 393L, "screenHeight", 873L, "pixelRatio", 2.75,
                "statusBarHeight", 33L, "fontSizeSetting", 16L, "benchmarkLevel", 30L, "memorySize", 12288L,
                "abi", "arm64-v8a", "cpuType", "Qualcomm Technologies, Inc SM8550", "theme", "light"));
        d.put("deviceIds", ordered("androidId", "9774d56d682e549c", "oaid", "4f1c2a9e-7b3d-4e11-9a0c-5d2f6b8e1c3a",
                "mac", "02:1A:11:F0:5C:7E", "imei", "864512045678901"));
        d.put("wifi", ordered("SSID", "CMCC-Home-5G", "BSSID", "a4:50:46:12:9b:7c", "secure", true,
                "signalStrength", 92L, "frequency", 5180L));
        d.put("address", ordered("userName", "林小夏", "postalCode", "200001", "provinceName", "上海市",
                "cityName", "上海市", "countyName", "黄浦区", "streetName", "南京东路街道",
                "detailInfo", "南京东路 300 号 12 楼 1203 室", "nationalCode", "310101", "telNumber", "13800138000"));
        d.put("invoiceTitle", ordered("type", "0", "title", "上海小夏网络科技有限公司",
                "taxNumber", "91310101MA1FPX1234", "companyAddress", "上海市黄浦区南京东路 300 号",
                "telephone", "021-63501234", "bankName", "招商银行上海南京东路支行", "bankAccount", "6214830212345678"));
        d.put("pickedLocation", ordered("name", "来福士广场", "address", "上海市黄浦区西藏中路 268 号",
                "latitude", 31.232836, "longitude", 121.475568));
        d.put("werun", ordered("stepCount", 8642L));
        d.put("sensors", ordered("x", 0.02, "y", 9.78, "z", 0.31, "direction", 137.5, "accuracy", 3L));
        d.put("avatar", ordered("file", ""));
        return d;
    }

    private static Map<String, Object> ordered(Object... pairs) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
