// The messages the agent sends to the Python side (harness/instrument/frida.py). Keep in sync.
//
// Times are the device's monotonic clock in ns, as decimal strings (int64 does not fit a JS number).

export const AGENT_VERSION = 1;

/** One wx.* call seen at nativeInvokeHandler. Sync calls carry their result at once. */
export interface CallItem {
    k: "call";
    api: string;
    data: string;
    cb: number;            // callbackId
    sync: boolean;
    t: string;             // entry time
    ov: number;            // arity of the hooked overload (5 or 7)
    tid: number;           // Process.getCurrentThreadId()
    jstack: string[];      // Java stack of the calling thread, innermost first, hook frames dropped
    jsstack?: string;      // the "stack" field of extra, when extra is JSON carrying one
    result?: string;       // sync: the return value; async: the callback's result if seen before the flush
    t_result?: string;
    exc?: string;          // a Java exception thrown by the original method
    trunc?: string[];      // names of fields cut to the size bound
}

/** An async result whose call was sent in an earlier batch (the Python side pairs it by cb). */
export interface ResultItem {
    k: "result";
    cb: number;
    result: string;
    t: string;
    trunc?: string[];
}

/** An Android framework (or table-listed WeChat) method call, from android.ts. */
export interface NativeItem {
    k: "native";
    api: string;           // class.method
    args: string[];        // each argument as a bounded string
    result?: string;       // absent for void methods
    t: string;
    tid: number;
    jstack: string[];
    exc?: string;
}

/** A native event delivered to wx.onX listeners (subscribeHandler), from subscribe.ts. */
export interface EventItem {
    k: "event";
    name: string;          // onLocationChange, onAccelerometerChange, ...
    data: string;          // the event's JSON, bounded
    t: string;
    tid: number;
}

export type Item = CallItem | ResultItem | NativeItem | EventItem;

export interface BatchMessage { type: "batch"; items: Item[]; }

/** What the C hooks recorded (native.ts): sent with the records as binary data (layout: records.c.ts). */
export interface RecordsMessage { type: "records"; records: number; }

export interface ReadyMessage {
    type: "ready";
    agent: number;          // AGENT_VERSION
    hooks: string[];        // hooked methods with their signatures
    skipped: string[];      // overloads seen but not hooked (unexpected argument types)
    native: string[];       // hooked overloads served by the C hooks (native.ts): their calls come as records
    clock: string;          // which clock t comes from
    process: { pid: number; name: string; };
}

export interface ErrorMessage {
    type: "error";
    where: string;          // "java" | "hook" | "wait" | "record" | ...
    message: string;
    fatal: boolean;         // true: the agent gave up (no hooks will be installed)
    missing?: string[];
}
