// Native-to-JS events for wx.onX listeners: AppBrandJsBridgeBinding.subscribeHandler(String event,
// String data, ...), after WeixinJSBridge.subscribeHandler(event, data, webviewId). Each delivery
// (onLocationChange above all: COL-005 counts the ones after onHide) is sent as an "event" item. An
// app without the method (another WeChat version) is skipped, never fatal.
import Java from "frida-java-bridge";
import { enqueue } from "./batch.js";
import { MAX_FIELD_CHARS, HookState } from "./bridge.js";
import { nowNs } from "./time.js";

const SUBSCRIBE_PREFIX = ["java.lang.String", "java.lang.String"];

export function hookSubscribe(cls: Java.Wrapper, state: HookState): void {
    const method = cls.subscribeHandler as Java.MethodDispatcher | undefined;
    if (method === undefined) {
        state.skipped.push("AppBrandJsBridgeBinding.subscribeHandler (absent)");
        return;
    }
    for (const ov of method.overloads) {
        const types = ov.argumentTypes.map(t => t.className);
        const sig = `AppBrandJsBridgeBinding.subscribeHandler(${types.join(", ")})`;
        if (!SUBSCRIBE_PREFIX.every((p, i) => types[i] === p)) {
            state.skipped.push(sig);
            continue;
        }
        ov.implementation = function (this: Java.Wrapper, ...args: any[]) {
            const data: string = args[1] ?? "";
            enqueue({ k: "event", name: args[0] ?? "", data: data.substring(0, MAX_FIELD_CHARS), t: nowNs(),
                tid: Process.getCurrentThreadId() });
            return ov.apply(this, args);
        };
        state.hooks.push(sig);
    }
}
