// Android framework hooks for personal data: location, telephony ids, ANDROID_ID, Wi-Fi, clipboard,
// contacts, camera, microphone, the installed-package list, sensors. Each call is sent as a "native"
// item with its arguments, its result (both as bounded strings) and the caller's Java stack.
//
// Off by default (the sim has no Android framework): the Python side enables them over rpc
// (enableFramework) on a phone, before the spawned appbrand process is resumed. A class or method
// missing on this Android version is listed in `skipped`, never fatal. `obfuscated` adds WeChat's
// version-specific (renamed) classes from the per-versionName table; the main path never needs them.
import Java from "frida-java-bridge";
import { enqueue } from "./batch.js";
import { NativeItem } from "./messages.js";
import { javaStack } from "./stack.js";
import { nowNs } from "./time.js";

const MAX_VALUE_CHARS = 2048;

/** Which calls of a hooked method are worth recording (all when absent). */
type Filter = (args: any[]) => boolean;

interface Target {
    cls: string;
    methods: string[];
    filter?: Filter;
    label?: string;   // api name prefix for the table's obfuscated entries
}

const isAndroidId: Filter = args => String(args[1]) === "android_id";
const CONTACT_URI = /^content:\/\/(com\.android\.contacts|contacts|call_log|sms|mms)(\/|$)/;
const isContactsUri: Filter = args => args[0] !== null && CONTACT_URI.test(String(args[0]));

export const FRAMEWORK_TARGETS: Target[] = [
    { cls: "android.location.LocationManager", methods: ["getLastKnownLocation", "requestLocationUpdates", "getCurrentLocation", "requestSingleUpdate"] },
    { cls: "android.location.Location", methods: ["getLatitude"] },
    { cls: "android.telephony.TelephonyManager", methods: ["getDeviceId", "getImei", "getMeid", "getSubscriberId", "getLine1Number", "getSimSerialNumber"] },
    { cls: "android.provider.Settings$Secure", methods: ["getString"], filter: isAndroidId },
    { cls: "android.net.wifi.WifiInfo", methods: ["getBSSID", "getSSID", "getMacAddress"] },
    { cls: "android.net.wifi.WifiManager", methods: ["getScanResults"] },
    { cls: "android.content.ClipboardManager", methods: ["getPrimaryClip"] },
    { cls: "android.content.ContentResolver", methods: ["query"], filter: isContactsUri },
    { cls: "android.hardware.Camera", methods: ["open"] },
    { cls: "android.hardware.camera2.CameraManager", methods: ["openCamera"] },
    { cls: "android.media.AudioRecord", methods: ["startRecording"] },
    { cls: "android.media.MediaRecorder", methods: ["start"] },
    { cls: "android.app.ApplicationPackageManager", methods: ["getInstalledPackages", "getInstalledApplications"] },
    { cls: "android.hardware.SensorManager", methods: ["registerListener"] },
];

export interface ObfuscatedEntry {
    label: string;     // what it is, e.g. "jsapi.getLocation"
    cls: string;       // the renamed class in this WeChat version
    methods: string[];
}

export interface FrameworkOptions {
    obfuscated?: ObfuscatedEntry[];
}

export interface FrameworkReport {
    hooks: string[];
    skipped: string[];
}

const inHook = new Set<number>();   // threads inside a hook: calls our own recording makes are not the app's

function show(value: any): string {
    if (value === null || value === undefined) {
        return String(value);
    }
    let text: string;
    try {
        text = String(value);
    } catch (e) {
        text = `<${e}>`;
    }
    return text.length > MAX_VALUE_CHARS ? text.substring(0, MAX_VALUE_CHARS) : text;
}

function record(api: string, args: any[], result: any, t: string, tid: number, exc?: string): void {
    const item: NativeItem = { k: "native", api, args: args.map(show), t, tid, jstack: javaStack() };
    if (result !== undefined) {
        item.result = show(result);
    }
    if (exc !== undefined) {
        item.exc = exc;
    }
    enqueue(item);
}

function hookMethod(wrapper: Java.Wrapper, target: Target, method: string, report: FrameworkReport): void {
    const dispatcher = wrapper[method] as Java.MethodDispatcher | undefined;
    if (dispatcher === undefined || dispatcher.overloads === undefined) {
        report.skipped.push(`${target.cls}.${method}: no such method`);
        return;
    }
    const api = `${target.label !== undefined ? `wechat:${target.label}:` : ""}${target.cls}.${method}`;
    for (const ov of dispatcher.overloads) {
        const sig = `${api}(${ov.argumentTypes.map(a => a.className).join(", ")})`;
        try {
            ov.implementation = function (this: Java.Wrapper, ...args: any[]) {
                const tid = Process.getCurrentThreadId();
                if (inHook.has(tid) || (target.filter !== undefined && !target.filter(args))) {
                    return ov.apply(this, args);
                }
                const t = nowNs();
                inHook.add(tid);
                let ret: any;
                try {
                    ret = ov.apply(this, args);
                } catch (e) {
                    record(api, args, undefined, t, tid, String(e));
                    inHook.delete(tid);
                    throw e;
                }
                try {
                    record(api, args, ov.returnType.className === "void" ? undefined : ret, t, tid);
                } finally {
                    inHook.delete(tid);
                }
                return ret;
            };
            report.hooks.push(sig);
        } catch (e) {
            report.skipped.push(`${sig}: ${e}`);
        }
    }
}

function hookTarget(target: Target, report: FrameworkReport): void {
    let wrapper: Java.Wrapper;
    try {
        wrapper = Java.use(target.cls);
    } catch (e) {
        report.skipped.push(`${target.cls}: class not found`);
        return;
    }
    for (const method of target.methods) {
        hookMethod(wrapper, target, method, report);
    }
}

/** Install the framework hooks (and the table's obfuscated ones). Must run inside Java.perform. */
export function hookFramework(options: FrameworkOptions): FrameworkReport {
    const report: FrameworkReport = { hooks: [], skipped: [] };
    for (const target of FRAMEWORK_TARGETS) {
        hookTarget(target, report);
    }
    for (const entry of options.obfuscated ?? []) {
        hookTarget({ cls: entry.cls, methods: entry.methods, label: entry.label }, report);
    }
    return report;
}
