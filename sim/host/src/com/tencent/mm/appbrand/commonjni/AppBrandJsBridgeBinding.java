package com.tencent.mm.appbrand.commonjni;

import java.util.LinkedHashMap;
import java.util.Map;
import miniprobe.sim.json.Json;
import miniprobe.sim.json.JsonException;
import miniprobe.sim.ui.EventStream;

/**
 * WeChat's native-to-JS bridge, under its real name: every async result crosses
 * invokeCallbackHandler (hooked by the Frida agent), which pushes the SSE `callback` event; every
 * native event for a wx.onX listener (onLocationChange, sensor readings) crosses subscribeHandler,
 * after WeixinJSBridge.subscribeHandler(event, data, webviewId), also hooked, so each delivery is seen.
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

    /** data is the event's JSON object; the page's wx.onX listeners get it (SSE `listener` event). */
    public void subscribeHandler(String event, String data, int webviewId, String extra) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("type", "listener");
        message.put("name", event);
        try {
            message.put("data", Json.parse(data));
        } catch (JsonException e) {
            throw new IllegalArgumentException("subscribeHandler " + event + ": data is not JSON: " + e.getMessage(), e);
        }
        events.publish(message);
    }
}
