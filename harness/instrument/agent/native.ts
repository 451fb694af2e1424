// The bridge hooks in C on HotSpot (the sim host, the agent tests): frida-java-bridge installs the JS
// hooks of bridge.ts first (it turns each hooked method into a native one); then the native function
// of each hooked overload with one of WeChat's exact signatures is swapped for a C function of
// records.c.ts, which records the call into a shared buffer and calls the original through JNI. No
// JavaScript runs per call (the JS hook costs ~40 µs a call before it does anything, the C one well
// under 1 µs); every FLUSH_MS the buffer is sent as is, with its records, to the Python side
// (harness/instrument/frida.py BridgeRecords parses them).
//
// This relies on frida-java-bridge 7.0.13's JVM method mangler (package.json pins it): the replaced
// overload's `_r._m` gives the original method's jmethodID (resolveTarget) and re-points the native
// function (replace), the same way frida-java-bridge re-implements an already replaced method.
import Java from "frida-java-bridge";
import { RecordsMessage } from "./messages.js";
import { C_SOURCE } from "./records.c.js";
import { isArt, javaStack, stackIds } from "./stack.js";

export type NativeHook = "invoke5" | "invoke7" | "callback";

export interface NativeTarget {
    ov: Java.Method;
    hook: NativeHook;
    sig: string;
}

/** Size bound of a string field (the same as the JS hooks' MAX_FIELD_CHARS). */
const MAX_FIELD_CHARS = 256 * 1024;
const STRING = "java.lang.String";
const SIGNATURES: Record<NativeHook, [string, string]> = {
    invoke5: [`${STRING},${STRING},${STRING},int,boolean`, STRING],
    invoke7: [`${STRING},${STRING},${STRING},int,boolean,int,int`, STRING],
    callback: [`int,${STRING},${STRING}`, "void"],
};
const CELLS = ["invoke5_original", "invoke7_original", "callback_original", "stack_reader", "throwable_to_string",
    "clock_gettime_fn", "max_field_chars", "state_bytes"] as const;
const STATE_BYTES = 64 * 1024;  // records.c.ts State (init() checks that it fits)

interface Loaded {
    module: CModule;
    cells: Record<(typeof CELLS)[number], NativePointer>;
    take: NativeFunction<NativePointer, [NativePointer, NativePointer]>;
    release: NativeFunction<void, [NativePointer]>;
    queuedBytes: NativeFunction<UInt64, []>;
    count: NativePointer;
    size: NativePointer;
}

/** The Java stack for the C hooks: stack.ts's reader (raw JNI on the calling thread), UTF-16 into their buffer. */
const stackReader = new NativeCallback((chars: NativePointer, capacity: number): number => {
    const text = javaStack().join("\n").substring(0, capacity - 1);
    chars.writeUtf16String(text);
    return text.length;
}, "int", ["pointer", "int"]);

let loaded: Loaded | null = null;
const keepAlive: NativePointer[] = [];  // memory the C hooks use: lives as long as the script
let sentRecords = 0;

/** The C hook that can serve this overload, if it has one of WeChat's exact signatures. */
export function nativeHookFor(ov: Java.Method): NativeHook | null {
    const args = ov.argumentTypes.map(t => t.className).join(",");
    for (const [hook, [want, ret]] of Object.entries(SIGNATURES)) {
        if (args === want && ov.returnType.className === ret) {
            return hook as NativeHook;
        }
    }
    return null;
}

/** C hooks are for HotSpot (on ART the hooks stay in JS: bridge.ts). */
export function nativeHooksPossible(): boolean {
    return !isArt() && typeof CModule !== "undefined";
}

/** Compile the C hooks once and give them what they need. Must run inside Java.perform. */
function load(): Loaded {
    if (loaded !== null) {
        return loaded;
    }
    const cells = {} as Record<(typeof CELLS)[number], NativePointer>;
    for (const name of CELLS) {
        cells[name] = Memory.alloc(Process.pointerSize);
    }
    cells.stack_reader.writePointer(stackReader);
    cells.throwable_to_string.writePointer(stackIds().throwableToString);
    cells.clock_gettime_fn.writePointer(Module.getGlobalExportByName("clock_gettime"));
    cells.max_field_chars.writeU32(MAX_FIELD_CHARS);
    cells.state_bytes.writeU32(STATE_BYTES);
    const state = Memory.alloc(STATE_BYTES);
    const module = new CModule(C_SOURCE, { ...cells, state });
    if (new NativeFunction(module.init, "int", [])() !== 1) {
        throw new Error(`the C hooks' state needs more than ${STATE_BYTES} bytes`);
    }

    loaded = {
        module,
        cells,
        take: new NativeFunction(module.take, "pointer", ["pointer", "pointer"]),
        release: new NativeFunction(module.release, "void", ["pointer"]),
        queuedBytes: new NativeFunction(module.queued_bytes, "uint64", []),
        count: Memory.alloc(4),
        size: Memory.alloc(8),
    };
    keepAlive.push(state);
    return loaded;
}

/**
 * Point the listed overloads (already replaced by frida-java-bridge, installed: call after its install
 * tick, inside Java.perform) at the C hooks. The swap itself happens on frida-java-bridge's next tick.
 */
export function goNative(targets: NativeTarget[]): string[] {
    const lib = load();
    const java = Java as unknown as { vm: unknown; api: unknown };
    const manglers = targets.map(({ ov, sig }) => {
        const mangler = (ov as unknown as { _r?: { _m?: any } })._r?._m;
        if (mangler?.originalMethod == null || typeof mangler.resolveTarget !== "function"
            || typeof mangler.replace !== "function") {
            throw new Error(`${sig}: not replaced by frida-java-bridge's JVM mangler (yet)`);
        }
        return mangler;
    });
    targets.forEach(({ ov, hook }, i) => {
        lib.cells[`${hook}_original`].writePointer(manglers[i].resolveTarget(null, true, null, java.api));
        manglers[i].replace(lib.module[`on_${hook}`], true, ov.argumentTypes, java.vm, java.api);
    });
    return targets.map(t => t.sig);
}

/** Bytes recorded by the C hooks and not sent yet (0 without C hooks). */
export function queuedNativeBytes(): number {
    return loaded === null ? 0 : loaded.queuedBytes().toNumber();
}

/** Send what the C hooks recorded as one {type: "records", records: n} message with the bytes. */
export function sendNativeRecords(): number {
    if (loaded === null) {
        return 0;
    }
    const taken = loaded.take(loaded.count, loaded.size);
    if (taken.isNull()) {
        return 0;
    }
    const n = loaded.count.readU32();
    try {
        const message: RecordsMessage = { type: "records", records: n };
        send(message, taken.readByteArray(loaded.size.readU64().toNumber()));
    } finally {
        loaded.release(taken);
    }
    sentRecords += n;
    return n;
}

export function nativeStats(): { native_sent: number } {
    return { native_sent: sentRecords };
}
