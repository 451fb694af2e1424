// The JS-bridge hooks: AppBrandCommonBindingJni.nativeInvokeHandler (every overload whose first five
// arguments are (String api, String data, String extra, int callbackId, boolean isSync): the 5- and
// the 7-argument forms) and AppBrandJsBridgeBinding.invokeCallbackHandler(int callbackId, String result, ...).
//
// The classes may not be loaded when the agent starts (a freshly spawned appbrand process): each is
// looked up again on a timer, in the default class loader and then in every live class loader, until
// found. A hook never changes what the app sees: the original runs with the original arguments, its
// result or exception is passed through, and a failure of the recording side is reported, not thrown.
import Java from "frida-java-bridge";
import { enqueue, pairQueued } from "./batch.js";
import { CallItem } from "./messages.js";
import { nativeHookFor, NativeTarget } from "./native.js";
import { javaStack, jsStackOf } from "./stack.js";
import { nowNs } from "./time.js";

export const JNI_CLASS = "com.tencent.mm.appbrand.commonjni.AppBrandCommonBindingJni";
export const CALLBACK_CLASS = "com.tencent.mm.appbrand.commonjni.AppBrandJsBridgeBinding";
const INVOKE_PREFIX = ["java.lang.String", "java.lang.String", "java.lang.String", "int", "boolean"];
const CALLBACK_PREFIX = ["int", "java.lang.String"];

/** Size bound of data/result strings sent to the host (untrusted, possibly huge). */
export const MAX_FIELD_CHARS = 256 * 1024;

export interface HookState {
    hooks: string[];
    skipped: string[];
    candidates: NativeTarget[];  // hooked overloads a C hook (native.ts) can take over, not swapped yet
    native: string[];            // hooked overloads served by C hooks
}

function bound(value: string | null, name: string, trunc: string[]): string {
    if (value === null || value === undefined) {
        return "";
    }
    if (value.length > MAX_FIELD_CHARS) {
        trunc.push(name);
        return value.substring(0, MAX_FIELD_CHARS);
    }
    return value;
}

let reportError: (where: string, e: unknown) => void = () => { };

export function onHookError(fn: (where: string, e: unknown) => void): void {
    reportError = fn;
}

function signature(cls: string, method: string, m: Java.Method): string {
    const short = cls.substring(cls.lastIndexOf(".") + 1);
    return `${short}.${method}(${m.argumentTypes.map(t => t.className).join(", ")})`;
}

function hasPrefix(m: Java.Method, prefix: string[]): boolean {
    const types = m.argumentTypes.map(t => t.className);
    return types.length >= prefix.length && prefix.every((p, i) => types[i] === p);
}

/** Find a class in the default loader, then in every live class loader. Null when not loaded (yet). */
export function findClass(name: string, searchLoaders: boolean): Java.Wrapper | null {
    try {
        return Java.use(name);
    } catch (e) {
        // not visible from the default loader (yet)
    }
    if (!searchLoaders) {
        return null;
    }
    let found: Java.Wrapper | null = null;
    try {
        for (const loader of Java.enumerateClassLoadersSync()) {
            try {
                loader.loadClass(name);
                found = Java.ClassFactory.get(loader).use(name);
                break;
            } catch (e) {
                // not in this loader
            }
        }
    } catch (e) {
        // enumerating loaders is not supported here
    }
    return found;
}

/**
 * The call each thread is inside of. One overload may delegate to another (the 7-argument form to
 * the 5-argument one): the inner entry with the same api and callbackId is the same call, not
 * recorded twice.
 */
const activeCalls = new Map<number, CallItem>();

export function hookInvoke(cls: Java.Wrapper, state: HookState): void {
    const method = cls.nativeInvokeHandler as Java.MethodDispatcher;
    const candidates: NativeTarget[] = [];
    let allNative = true;  // one overload may delegate to another: the same call must not be seen by both kinds
    for (const ov of method.overloads) {
        const sig = signature(JNI_CLASS, "nativeInvokeHandler", ov);
        if (!hasPrefix(ov, INVOKE_PREFIX)) {
            state.skipped.push(sig);
            continue;
        }
        const arity = ov.argumentTypes.length;
        const hook = nativeHookFor(ov);
        if (hook === null) {
            allNative = false;
        } else {
            candidates.push({ ov, hook, sig });
        }
        ov.implementation = function (this: Java.Wrapper, ...args: any[]) {
            const tid = Process.getCurrentThreadId();
            const outer = activeCalls.get(tid);
            if (outer !== undefined && outer.api === args[0] && outer.cb === args[3]) {
                return ov.apply(this, args);
            }
            let item: CallItem | null = null;
            try {
                const t = nowNs();
                const trunc: string[] = [];
                const extra: string | null = args[2];
                item = {
                    k: "call",
                    api: args[0] ?? "",
                    data: bound(args[1], "data", trunc),
                    cb: args[3],
                    sync: args[4],
                    t,
                    ov: arity,
                    tid,
                    jstack: javaStack(),
                };
                const js = jsStackOf(extra);
                if (js !== undefined) {
                    item.jsstack = js;
                }
                if (trunc.length > 0) {
                    item.trunc = trunc;
                }
                if (!item.sync) {
                    enqueue(item);   // before the original runs: its callback may come first otherwise
                }
            } catch (e) {
                reportError("nativeInvokeHandler", e);
                item = null;
            }
            let ret: any;
            if (item !== null) {
                activeCalls.set(tid, item);
            }
            try {
                ret = ov.apply(this, args);
            } catch (e) {
                if (item !== null) {
                    item.exc = String(e);
                    item.t_result = nowNs();
                    if (item.sync) {
                        enqueue(item);
                    }
                }
                throw e;
            } finally {
                if (outer !== undefined) {
                    activeCalls.set(tid, outer);
                } else {
                    activeCalls.delete(tid);
                }
            }
            if (item !== null && item.sync) {
                try {
                    const trunc: string[] = item.trunc ?? [];
                    item.result = bound(ret === null || ret === undefined ? null : String(ret), "result", trunc);
                    item.t_result = nowNs();
                    if (trunc.length > 0) {
                        item.trunc = trunc;
                    }
                    enqueue(item);
                } catch (e) {
                    reportError("nativeInvokeHandler", e);
                }
            }
            return ret;
        };
        state.hooks.push(sig);
    }
    if (allNative) {
        state.candidates.push(...candidates);
    }
}

export function hookCallback(cls: Java.Wrapper, state: HookState): void {
    const method = cls.invokeCallbackHandler as Java.MethodDispatcher;
    for (const ov of method.overloads) {
        const sig = signature(CALLBACK_CLASS, "invokeCallbackHandler", ov);
        if (!hasPrefix(ov, CALLBACK_PREFIX)) {
            state.skipped.push(sig);
            continue;
        }
        ov.implementation = function (this: Java.Wrapper, ...args: any[]) {
            try {
                const t = nowNs();
                const trunc: string[] = [];
                const cb: number = args[0];
                const result = bound(args[1], "result", trunc);
                if (!pairQueued(cb, result, t, trunc.length > 0 ? trunc : undefined)) {
                    const item = { k: "result" as const, cb, result, t, ...(trunc.length > 0 ? { trunc } : {}) };
                    enqueue(item);
                }
            } catch (e) {
                reportError("invokeCallbackHandler", e);
            }
            return ov.apply(this, args);
        };
        state.hooks.push(sig);
        const hook = nativeHookFor(ov);
        if (hook !== null) {
            state.candidates.push({ ov, hook, sig });
        }
    }
}
