package com.tencent.mm.appbrand.commonjni;

import java.util.concurrent.Executor;
import miniprobe.sim.bridge.Dispatcher;

/**
 * WeChat's JS-to-native bridge entry, under its real name: every wx.* call crosses
 * nativeInvokeHandler, which is where the Frida agent hooks (keep it a plain public instance method).
 */
public class AppBrandCommonBindingJni {
    private final Dispatcher dispatcher;
    private final AppBrandJsBridgeBinding jsBridge;
    private final Executor asyncCalls;

    public AppBrandCommonBindingJni(Dispatcher dispatcher, AppBrandJsBridgeBinding jsBridge, Executor asyncCalls) {
        this.dispatcher = dispatcher;
        this.jsBridge = jsBridge;
        this.asyncCalls = asyncCalls;
    }

    /** A sync call returns its result JSON; an async call returns "" and its result goes to invokeCallbackHandler. */
    public String nativeInvokeHandler(String api, String data, String extra, int callbackId, boolean isSync) {
        if (isSync) {
            return dispatcher.invoke(api, data, extra, callbackId, true);
        }
        asyncCalls.execute(() -> jsBridge.invokeCallbackHandler(
                callbackId, dispatcher.invoke(api, data, extra, callbackId, false), extra));
        return "";
    }
}
