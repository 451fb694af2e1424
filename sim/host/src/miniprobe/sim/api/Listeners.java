package miniprobe.sim.api;

import java.util.LinkedHashMap;
import java.util.Map;
import miniprobe.sim.ui.EventStream;

/**
 * Native-to-page listener events: {"type":"listener","name":"onAccelerometerChange","data":{...}} for
 * wx.onX listeners, plus "target" ("tcp:1", "socket:2", "RecorderManager") for an object's onX.
 */
public final class Listeners {
    private final EventStream events;

    public Listeners(EventStream events) {
        this.events = events;
    }

    public void emit(String name, Map<String, ?> data) {
        emit(null, name, data);
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
