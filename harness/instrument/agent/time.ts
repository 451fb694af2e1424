// The device clock: the same one as java.lang.System.nanoTime (CLOCK_MONOTONIC on Linux, HotSpot and
// ART alike), read natively because a Java call per event costs far more. The native clock is checked
// against System.nanoTime once; if they disagree, System.nanoTime is used for every reading.
import Java from "frida-java-bridge";

const CLOCK_MONOTONIC = 1;

let reader: () => string = () => "0";
export let clockName = "none";

function nativeReader(): (() => string) | null {
    let addr: NativePointer;
    try {
        addr = Module.getGlobalExportByName("clock_gettime");
    } catch (e) {
        return null;
    }
    const clockGettime = new NativeFunction(addr, "int", ["int", "pointer"]);
    const size = Process.pointerSize;  // struct timespec { long tv_sec; long tv_nsec; }
    const buf = Memory.alloc(2 * size);
    const billion = BigInt(1000000000);
    return () => {
        clockGettime(CLOCK_MONOTONIC, buf);
        const sec = BigInt(buf.readLong().toString());
        const nsec = BigInt(buf.add(size).readLong().toString());
        return (sec * billion + nsec).toString();
    };
}

/** Choose the clock. Must run inside Java.perform. */
export function initClock(): void {
    const System = Java.use("java.lang.System");
    const javaReader = () => String(System.nanoTime());
    const native = nativeReader();
    if (native !== null) {
        const before = BigInt(javaReader());
        const mine = BigInt(native());
        const after = BigInt(javaReader());
        const slack = BigInt(1000000);  // 1 ms: nanoTime's conversion to a JS number may round
        if (mine + slack >= before && mine <= after + slack) {
            reader = native;
            clockName = "clock_gettime(CLOCK_MONOTONIC) == System.nanoTime";
            return;
        }
    }
    reader = javaReader;
    clockName = "System.nanoTime";
}

export function nowNs(): string {
    return reader();
}
