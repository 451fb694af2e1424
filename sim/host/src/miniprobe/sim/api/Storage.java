package miniprobe.sim.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import miniprobe.sim.bridge.ApiCall;
import miniprobe.sim.bridge.ApiGroup;
import miniprobe.sim.bridge.ApiRegistry;
import miniprobe.sim.bridge.Results;
import miniprobe.sim.json.Json;

/** wx storage, in memory for the host run (a new host = a fresh install). Sync and async forms share the code. */
public final class Storage implements ApiGroup {
    private static final long LIMIT_KB = 10 * 1024;

    private final Map<String, Object> entries = new LinkedHashMap<>();

    @Override
    public void register(ApiRegistry registry) {
        for (String suffix : List.of("", "Sync")) {
            registry.add("setStorage" + suffix, this::set);
            registry.add("getStorage" + suffix, this::get);
            registry.add("removeStorage" + suffix, this::remove);
            registry.add("clearStorage" + suffix, this::clear);
            registry.add("getStorageInfo" + suffix, this::info);
            registry.add("batchSetStorage" + suffix, this::batchSet);
            registry.add("batchGetStorage" + suffix, this::batchGet);
        }
    }

    public synchronized List<String> keys() {
        return new ArrayList<>(entries.keySet());
    }

    private synchronized Map<String, Object> set(ApiCall call) {
        String key = call.string("key", null);
        if (key == null || key.isEmpty()) {
            return Results.fail(call.api, "parameter error: key should be a non-empty string");
        }
        entries.put(key, call.value("data"));
        return Results.ok(call.api);
    }

    /** A missing key: wx.getStorageSync gives "", wx.getStorage fails "data not found". */
    private synchronized Map<String, Object> get(ApiCall call) {
        String key = call.string("key", null);
        if (key == null) {
            return Results.fail(call.api, "parameter error: key should be a string");
        }
        if (!entries.containsKey(key)) {
            return call.api.endsWith("Sync")
                    ? Results.ok(call.api, Map.of("data", ""))
                    : Results.fail(call.api, "data not found");
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("data", entries.get(key));
        return Results.ok(call.api, result);
    }

    /** kvList: [{key, value}] (WeChat's batch calls name the data "value"). */
    private synchronized Map<String, Object> batchSet(ApiCall call) {
        Object list = call.value("kvList");
        if (!(list instanceof List)) {
            return Results.fail(call.api, "parameter error: kvList should be an array of {key, value}");
        }
        Map<String, Object> batch = new LinkedHashMap<>();
        for (Object item : (List<?>) list) {
            if (!(item instanceof Map) || !(((Map<?, ?>) item).get("key") instanceof String)) {
                return Results.fail(call.api, "parameter error: kvList items should be {key, value}");
            }
            batch.put((String) ((Map<?, ?>) item).get("key"), ((Map<?, ?>) item).get("value"));
        }
        entries.putAll(batch);
        return Results.ok(call.api);
    }

    /** keyList: [key]; {dataList: [value or ""]} in the same order. */
    private synchronized Map<String, Object> batchGet(ApiCall call) {
        List<Object> values = new ArrayList<>();
        for (String key : Json.strings(call.data, "keyList")) {
            values.add(entries.getOrDefault(key, ""));
        }
        return Results.ok(call.api, Map.of("dataList", values));
    }

    private synchronized Map<String, Object> remove(ApiCall call) {
        entries.remove(call.string("key", ""));
        return Results.ok(call.api);
    }

    private synchronized Map<String, Object> clear(ApiCall call) {
        entries.clear();
        return Results.ok(call.api);
    }

    private synchronized Map<String, Object> info(ApiCall call) {
        long bytes = 0;
        for (Map.Entry<String, Object> entry : entries.entrySet()) {
            bytes += entry.getKey().length() + Json.write(entry.getValue()).length();
        }
        long currentKb = (bytes + 1023) / 1024;
        return Results.ok(call.api, Map.of("keys", keys(), "currentSize", currentKb, "limitSize", LIMIT_KB));
    }
}
