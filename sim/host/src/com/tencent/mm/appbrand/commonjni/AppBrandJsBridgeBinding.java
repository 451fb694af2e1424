package com.tencent.mm.appbrand.commonjni;

import java.util.LinkedHashMap;
import java.util.Map;
import miniprobe.sim.ui.EventStream;

/**
 * WeChat's native-to-JS bridge, under its real name: every async result crosses
 * invokeCallbackHandler (hooked by the Frida agent), which pushes the SSE `callback` event.
 */
public class AppBrandJsBridgeBinding {
    private final EventStream events;

    public AppBrandJsBridgeBinding(EventStream events) {
        this.events = events;
    }

    /** extra is the extra of the call being answered ({"stack","page"}). */
    public void invokeCallbackHandler(int callbackId, String result, String extra) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", "callback");
        event.put("callbackId", callbackId);
        event.put("result", result);
        events.publish(event);
    }
}
