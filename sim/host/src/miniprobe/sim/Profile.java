package miniprobe.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import miniprobe.sim.json.Json;
import miniprobe.sim.json.JsonException;

/** The simulated person and phone (--profile): what privacy interfaces hand out. Missing fields get defaults. */
public final class Profile {
    private static final Map<String, Object> DEFAULT_LOCATION = Map.of(
            "latitude", 31.230416, "longitude", 121.473701, "accuracy", 30.0, "altitude", 0.0, "speed", 0.0);
    private static final Map<String, Object> DEFAULT_SYSTEM = defaultSystem();

    private final Map<String, Object> location;
    private final Map<String, Object> system;
    private final Map<String, Object> deviceIds;
    public final String phoneNumber;
    private String clipboard;

    private Profile(Map<String, Object> json) {
        location = merged(DEFAULT_LOCATION, Json.object(json, "location"));
        system = merged(DEFAULT_SYSTEM, Json.object(json, "system"));
        deviceIds = merged(Map.of("androidId", "9774d56d682e549c"), Json.object(json, "deviceIds"));
        phoneNumber = Json.string(json, "phoneNumber", "13800138000");
        clipboard = Json.string(json, "clipboard", "");
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

    /** A location field: latitude, longitude, accuracy, altitude, speed (WGS-84 coordinates). */
    public double location(String field) {
        Object value = location.get(field);
        return value instanceof Number ? ((Number) value).doubleValue() : 0;
    }

    /** A device field: brand, model, system, version, screenWidth, pixelRatio, language, ... */
    public Object system(String field) {
        return system.get(field);
    }

    public String systemString(String field) {
        return String.valueOf(system.get(field));
    }

    public Map<String, Object> deviceIds() {
        return deviceIds;
    }

    public synchronized String clipboard() {
        return clipboard;
    }

    public synchronized void setClipboard(String text) {
        clipboard = text;
    }

    private static Map<String, Object> merged(Map<String, Object> defaults, Map<String, Object> given) {
        Map<String, Object> out = new LinkedHashMap<>(defaults);
        out.putAll(given);
        return out;
    }

    private static Map<String, Object> defaultSystem() {
        Map<String, Object> system = new LinkedHashMap<>();
        system.put("brand", "Xiaomi");
        system.put("model", "Mi 13");
        system.put("system", "Android 14");
        system.put("version", "8.0.50");
        system.put("language", "zh_CN");
        system.put("screenWidth", 393L);
        system.put("screenHeight", 873L);
        system.put("pixelRatio", 2.75);
        system.put("statusBarHeight", 33L);
        system.put("fontSizeSetting", 16L);
        system.put("benchmarkLevel", 30L);
        system.put("memorySize", 12288L);
        system.put("abi", "arm64-v8a");
        system.put("cpuType", "Qualcomm Technologies, Inc SM8550");
        system.put("theme", "light");
        return system;
    }
}
