package miniprobe.sim.bridge;

import java.util.Map;
import miniprobe.sim.json.Json;
import miniprobe.sim.json.JsonException;

/** One wx.* call as it crossed the bridge: the api name, its parsed data and the raw extra. */
public final class ApiCall {
    public final String api;
    public final Map<String, Object> data;
    public final String extra;
    public final int callbackId;
    public final boolean isSync;

    public ApiCall(String api, Map<String, Object> data, String extra, int callbackId, boolean isSync) {
        this.api = api;
        this.data = data;
        this.extra = extra;
        this.callbackId = callbackId;
        this.isSync = isSync;
    }

    public Object value(String key) {
        return data.get(key);
    }

    public String string(String key, String fallback) {
        return Json.string(data, key, fallback);
    }

    public double number(String key, double fallback) {
        return Json.number(data, key, fallback);
    }

    public boolean flag(String key, boolean fallback) {
        return Json.bool(data, key, fallback);
    }

    public Map<String, Object> object(String key) {
        return Json.object(data, key);
    }

    /** The container made the call during a tap's handling (extra.gesture; sim/PROTOCOL.md). */
    public boolean userGesture() {
        try {
            return Json.bool(Json.parseObject(extra), "gesture", false);
        } catch (JsonException | RuntimeException e) {
            return false;
        }
    }
}
