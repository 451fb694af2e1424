package miniprobe.sim.api;

import java.util.LinkedHashMap;
import java.util.Map;
import com.tencent.mm.appbrand.commonjni.AppBrandJsBridgeBinding;
import miniprobe.sim.json.Json;
import miniprobe.sim.ui.EventStream;

/**
 * Native-to-page listener events: {"type":"listener","name":"onAccelerometerChange","data":{...}} for
 * wx.onX listeners, plus "target" ("tcp:1", "socket:2", "RecorderManager") for an object's onX.
 * Events for wx.onX listeners cross WeChat's subscribeHandler (hooked: each delivery is recorded).
 */
public final class Listeners {
    private final EventStream events;
    private final AppBrandJsBridgeBinding jsBridge;

    public Listeners(EventStream events, AppBrandJsBridgeBinding jsBridge) {
        this.events = events;
        this.jsBridge = jsBridge;
    }

    public void emit(String name, Map<String, ?> data) {
        jsBridge.subscribeHandler(name, Json.write(data), 0, "{}");
    }

    public void emit(String target, String name, Map<String, ?> data) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", "listener");
        if (target != null) {
            event.put("target", target);
        }
        event.put("name", name);
        event.put("data", data);
        events.publish(event);
    }
}
