// Message batching: items are queued and sent as {type:"batch", items:[...]} when MAX_ITEMS are queued,
// FLUSH_MS after the first queued item, or on flush() (rpc, unload). An async call still in the queue
// when its result arrives gets the result attached, so most pairs travel as one item.
// What the C hooks (native.ts) recorded is sent first, in its own message, on every flush and every
// FLUSH_MS while there is any: a result the JS hooks saw never travels before its call.
import { CallItem, Item } from "./messages.js";
import { queuedNativeBytes, sendNativeRecords } from "./native.js";

export const MAX_ITEMS = 64;
export const FLUSH_MS = 50;

let queue: Item[] = [];
let openCalls = new Map<number, CallItem>();   // async calls in the queue, by callbackId
let timer: ReturnType<typeof setTimeout> | null = null;
let sentItems = 0;
let poller: ReturnType<typeof setInterval> | null = null;

export function enqueue(item: Item): void {
    queue.push(item);
    if (item.k === "call" && !item.sync && item.result === undefined) {
        openCalls.set(item.cb, item);
    }
    if (queue.length >= MAX_ITEMS) {
        flush();
    } else if (timer === null) {
        timer = setTimeout(flush, FLUSH_MS);
    }
}

/** Attach a result to its call if that call is still queued. Returns false if it was already sent. */
export function pairQueued(cb: number, result: string, t: string, trunc: string[] | undefined): boolean {
    const call = openCalls.get(cb);
    if (call === undefined) {
        return false;
    }
    openCalls.delete(cb);
    call.result = result;
    call.t_result = t;
    if (trunc !== undefined) {
        call.trunc = (call.trunc ?? []).concat(trunc);
    }
    return true;
}

/** Send what the C hooks record every FLUSH_MS (they cannot start a timer themselves). */
export function pollNativeRecords(): void {
    if (poller === null) {
        poller = setInterval(() => {
            if (queuedNativeBytes() > 0) {
                flush();
            }
        }, FLUSH_MS);
    }
}

export function stopPolling(): void {
    if (poller !== null) {
        clearInterval(poller);
        poller = null;
    }
}

/** Send everything queued; returns the number of items and records sent. */
export function flush(): number {
    if (timer !== null) {
        clearTimeout(timer);
        timer = null;
    }
    const records = sendNativeRecords();
    const n = queue.length;
    if (n > 0) {
        const items = queue;
        queue = [];
        openCalls = new Map();
        send({ type: "batch", items });
        sentItems += n;
    }
    return records + n;
}

export function stats(): { queued: number; sent: number } {
    return { queued: queue.length, sent: sentItems };
}
