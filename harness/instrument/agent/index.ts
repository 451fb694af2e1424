// miniprobe's Frida agent. Hooks WeChat's JS bridge (see bridge.ts) and sends what it sees as
// batched messages (see messages.ts for the format, batch.ts for the batching).
//
// rpc: ping() -> {pong, t, hooks, queued, sent}; flush() -> number of items sent;
// enableFramework(options) -> {hooks, skipped}: the Android framework hooks (android.ts), phones only.
import Java from "frida-java-bridge";
import { FrameworkOptions, FrameworkReport, hookFramework } from "./android.js";
import { flush, pollNativeRecords, stats, stopPolling } from "./batch.js";
import { CALLBACK_CLASS, findClass, hookCallback, hookInvoke, HookState, JNI_CLASS, onHookError } from "./bridge.js";
import { AGENT_VERSION, ErrorMessage, ReadyMessage } from "./messages.js";
import { goNative, nativeHooksPossible, nativeStats } from "./native.js";
import { initStacks } from "./stack.js";
import { hookSubscribe } from "./subscribe.js";
import { clockName, initClock, nowNs } from "./time.js";

const RETRY_MS = 200;               // look for the classes again this often
const LOADER_SCAN_EVERY = 5;        // ... and walk every live class loader on every 5th try
const REPORT_MISSING_AFTER_MS = 10000;

const state: HookState = { hooks: [], skipped: [], candidates: [], native: [] };
const hooked: Record<string, boolean> = { [JNI_CLASS]: false, [CALLBACK_CLASS]: false };
let attempts = 0;
let startedAt = Date.now();
let reportedMissing = false;
let retryTimer: ReturnType<typeof setTimeout> | null = null;
let disposed = false;
const errorCounts = new Map<string, number>();

function sendError(where: string, e: unknown, fatal = false, missing?: string[]): void {
    const n = (errorCounts.get(where) ?? 0) + 1;
    errorCounts.set(where, n);
    if (n > 5 && !fatal) {
        return;  // a broken hook must not flood the channel
    }
    const message = e instanceof Error ? `${e.message}\n${e.stack ?? ""}`.trim() : String(e);
    const msg: ErrorMessage = { type: "error", where, message, fatal };
    if (missing !== undefined) {
        msg.missing = missing;
    }
    send(msg);
}

function processName(): string {
    // argv[0]: on Android the process name ("com.tencent.mm:appbrand0"); /proc files are NUL-separated
    try {
        const f = new File("/proc/self/cmdline", "rb");
        const bytes = new Uint8Array(f.readBytes(512));
        f.close();
        let end = bytes.indexOf(0);
        if (end < 0) {
            end = bytes.length;
        }
        const argv0 = String.fromCharCode(...bytes.subarray(0, end));
        if (argv0) {
            return argv0;
        }
    } catch (e) {
        // not Linux
    }
    return `pid:${Process.id}`;
}

function missingClasses(): string[] {
    return Object.keys(hooked).filter(name => !hooked[name]);
}

/** One attempt: hook whichever bridge class can be found now. */
function tryHook(): void {
    retryTimer = null;
    if (disposed) {
        return;
    }
    attempts++;
    let installed = false;
    Java.perform(() => {
        const scanLoaders = attempts % LOADER_SCAN_EVERY === 0;
        for (const name of missingClasses()) {
            const cls = findClass(name, scanLoaders);
            if (cls === null) {
                continue;
            }
            try {
                if (name === JNI_CLASS) {
                    hookInvoke(cls, state);
                } else {
                    hookCallback(cls, state);
                    hookSubscribe(cls, state);
                }
                hooked[name] = true;
                installed = true;
            } catch (e) {
                sendError("hook", e, true);
                disposed = true;
                return;
            }
        }
    });
    if (disposed) {
        return;
    }
    if (installed) {
        // frida-java-bridge installs the hooks on the next tick; continue after that
        Script.nextTick(afterInstall);
        return;
    }
    scheduleRetry();
}

/**
 * Runs after frida-java-bridge has installed hooks (it does so on the next tick, from this thread,
 * inside a VM operation). On HotSpot that leaves this thread, which stays attached to the VM, in the
 * "in VM" state, which stalls every later safepoint or handshake: the target would hang at its next
 * GC or class load. Any JNI call returns the thread to the "in native" state.
 */
function afterInstall(): void {
    Java.perform(() => {
        Java.use("java.lang.System").nanoTime();
    });
    if (swapToNative()) {
        Script.nextTick(afterInstall);  // frida-java-bridge re-points the methods on its next tick
        return;
    }
    if (missingClasses().length > 0) {
        scheduleRetry();
        return;
    }
    const ready: ReadyMessage = {
        type: "ready",
        agent: AGENT_VERSION,
        hooks: state.hooks,
        skipped: state.skipped,
        native: state.native,
        clock: clockName,
        process: { pid: Process.id, name: processName() },
    };
    send(ready);
}

/** Hand the hooked overloads that have a C hook over to it (HotSpot). True when a swap is under way. */
function swapToNative(): boolean {
    const targets = state.candidates;
    state.candidates = [];
    if (targets.length === 0 || !nativeHooksPossible()) {
        return false;
    }
    let swapped = false;
    Java.perform(() => {
        try {
            state.native.push(...goNative(targets));
            swapped = true;
        } catch (e) {
            sendError("native", e);  // the JS hooks stay: slower, same records
        }
    });
    if (swapped) {
        pollNativeRecords();
    }
    return swapped;
}

function scheduleRetry(): void {
    const missing = missingClasses();
    if (!reportedMissing && Date.now() - startedAt > REPORT_MISSING_AFTER_MS) {
        reportedMissing = true;
        sendError("wait", `bridge classes not loaded after ${REPORT_MISSING_AFTER_MS} ms; still waiting`,
            false, missing);
    }
    retryTimer = setTimeout(tryHook, RETRY_MS);
}

function main(): void {
    if (!Java.available) {
        sendError("java", "no Java runtime in this process (Java.available is false)", true);
        return;
    }
    onHookError((where, e) => sendError(where, e));
    Java.perform(() => {
        try {
            initClock();
            initStacks();
        } catch (e) {
            sendError("init", e, true);
            disposed = true;
        }
    });
    if (!disposed) {
        startedAt = Date.now();
        tryHook();
    }
}

rpc.exports = {
    ping() {
        return { pong: true, t: nowNs(), hooks: state.hooks, native: state.native, ...stats(), ...nativeStats() };
    },
    flush() {
        return flush();
    },
    enableFramework(options: FrameworkOptions): FrameworkReport {
        let report: FrameworkReport = { hooks: [], skipped: [] };
        Java.performNow(() => {  // framework classes are in the boot class path: no need to wait for the app's loader
            report = hookFramework(options ?? {});
        });
        Script.nextTick(() => Java.perform(() => Java.use("java.lang.System").nanoTime()));  // see afterInstall
        return report;
    },
    dispose() {
        // On unload: stop looking and hand over what is queued. frida-java-bridge itself restores
        // the original methods and detaches this thread from the VM when the script goes away.
        disposed = true;
        stopPolling();
        if (retryTimer !== null) {
            clearTimeout(retryTimer);
            retryTimer = null;
        }
        flush();
    },
};

main();
