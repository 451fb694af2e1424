// Message batching: items are queued and sent as {type:"batch", items:[...]} when MAX_ITEMS are queued,
// FLUSH_MS after the first queued item, or on flush() (rpc, unload). An async call still in the queue
// when its result arrives gets the result attached, so most pairs travel as one item.
import { CallItem, Item } from "./messages.js";

export const MAX_ITEMS = 64;
export const FLUSH_MS = 50;

let queue: Item[] = [];
let openCalls = new Map<number, CallItem>();   // async calls in the queue, by callbackId
let timer: ReturnType<typeof setTimeout> | null = null;
let sentItems = 0;

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

export function flush(): number {
    if (timer !== null) {
        clearTimeout(timer);
        timer = null;
    }
    const n = queue.length;
    if (n > 0) {
        const items = queue;
        queue = [];
        openCalls = new Map();
        send({ type: "batch", items });
        sentItems += n;
    }
    return n;
}

export function stats(): { queued: number; sent: number } {
    return { queued: queue.length, sent: sentItems };
}
