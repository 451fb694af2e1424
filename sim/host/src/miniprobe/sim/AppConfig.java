package miniprobe.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import miniprobe.sim.json.Json;
import miniprobe.sim.json.JsonException;

/** What the host reads from the mini program's configuration (sim/PROTOCOL.md, "App configuration"). */
public final class AppConfig {
    /** The first base library that intercepts privacy interfaces. */
    public static final String PRIVACY_CHECK_LIB_VERSION = "2.32.3";
    /** WeChat's appid for projects without one. */
    public static final String TOURIST_APPID = "touristappid";

    public final Path root;
    public final String appid;
    public final String libVersion;
    public final String appName;
    public final Map<String, String> permissionDesc;
    public final Set<String> requiredPrivateInfos;
    public final boolean usePrivacyCheck;
    public final List<String> simHosts;
    /** The privacy-guide categories declared in sim.json, or null when sim.json declares none (all declared). */
    public final Set<String> declaredCategories;

    private AppConfig(Path root, String appid, String libVersion, Map<String, Object> appJson,
            Map<String, Object> simJson) {
        this.root = root;
        this.appid = appid;
        this.libVersion = libVersion;
        String title = Json.string(Json.object(appJson, "window"), "navigationBarTitleText", "");
        this.appName = title.isBlank() ? appid : title;
        Map<String, String> desc = new LinkedHashMap<>();
        Map<String, Object> permission = Json.object(appJson, "permission");
        for (String scope : permission.keySet()) {
            desc.put(scope, Json.string(Json.object(permission, scope), "desc", ""));
        }
        this.permissionDesc = Map.copyOf(desc);
        this.requiredPrivateInfos = Set.copyOf(Json.strings(appJson, "requiredPrivateInfos"));
        this.usePrivacyCheck = Json.bool(appJson, "__usePrivacyCheck__", false);
        this.simHosts = List.copyOf(Json.strings(simJson, "hosts"));
        Map<String, Object> privacy = Json.object(simJson, "privacy");
        this.declaredCategories = privacy.get("categories") instanceof List
                ? Set.copyOf(new LinkedHashSet<>(Json.strings(privacy, "categories")))
                : null;
    }

    /**
     * Reads --app: project.config.json (appid, libVersion, miniprogramRoot; project.private.config.json
     * overrides), then app.json and the optional sim.json in the mini program root.
     */
    public static AppConfig load(Path appDir) throws IOException {
        Map<String, Object> project = new LinkedHashMap<>(readObject(appDir.resolve("project.config.json"), false));
        project.putAll(readObject(appDir.resolve("project.private.config.json"), false));
        String miniprogramRoot = Json.string(project, "miniprogramRoot", "");
        Path root = appDir.resolve(miniprogramRoot).normalize();
        if (!root.startsWith(appDir)) {
            throw new IOException(appDir.resolve("project.config.json") + ": miniprogramRoot " + miniprogramRoot
                    + " leaves the app folder");
        }
        Path appJsonPath = root.resolve("app.json");
        if (!Files.isRegularFile(appJsonPath)) {
            throw new IOException(appJsonPath + " not found: --app must be the mini program folder"
                    + " (the one with app.json, or with project.config.json naming miniprogramRoot)");
        }
        Map<String, Object> appJson = readObject(appJsonPath, true);
        Map<String, Object> simJson = readObject(root.resolve("sim.json"), false);
        String appid = Json.string(project, "appid", "");
        String libVersion = Json.string(project, "libVersion", null);
        return new AppConfig(root, appid.isBlank() ? TOURIST_APPID : appid, libVersion, appJson, simJson);
    }

    /**
     * Whether the platform intercepts privacy interfaces: from base library 2.32.3 on. A project without
     * libVersion runs on the newest base library, so it is intercepted too.
     */
    public boolean interceptsPrivacy() {
        return libVersion == null || compareVersions(libVersion, PRIVACY_CHECK_LIB_VERSION) >= 0;
    }

    /** The name of the privacy guide as WeChat shows it in the popup. */
    public String contractName() {
        return "《" + appName + "小程序隐私保护指引》";
    }

    /** Compares dotted versions numerically ("2.32.3" < "3.3.0"); missing or non-numeric parts count as 0. */
    public static int compareVersions(String a, String b) {
        String[] left = a.trim().split("\\.");
        String[] right = b.trim().split("\\.");
        for (int i = 0; i < Math.max(left.length, right.length); i++) {
            int l = i < left.length ? leadingNumber(left[i]) : 0;
            int r = i < right.length ? leadingNumber(right[i]) : 0;
            if (l != r) {
                return Integer.compare(l, r);
            }
        }
        return 0;
    }

    private static int leadingNumber(String part) {
        int end = 0;
        while (end < part.length() && end < 9 && Character.isDigit(part.charAt(end))) {
            end++;
        }
        return end == 0 ? 0 : Integer.parseInt(part.substring(0, end));
    }

    private static Map<String, Object> readObject(Path path, boolean required) throws IOException {
        if (!Files.isRegularFile(path)) {
            if (required) {
                throw new IOException(path + " not found");
            }
            return Map.of();
        }
        try {
            return Json.parseObject(Files.readString(path, StandardCharsets.UTF_8));
        } catch (JsonException e) {
            throw new IOException(path + ": " + e.getMessage() + " (fix the JSON)");
        }
    }
}
