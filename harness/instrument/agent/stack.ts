// Stacks: the Java stack of the calling thread (a few frames, as strings) and the JS stack that
// WeChat's JS side passes in the `extra` argument ({"stack": "...", ...}).
import Java from "frida-java-bridge";

export const MAX_JAVA_FRAMES = 15;
export const MAX_JS_STACK_CHARS = 4096;

let javaStackImpl: () => string[] = () => [];

/** ART (Android) or HotSpot? (Java.androidVersion throws on a JVM.) */
export function isArt(): boolean {
    const flavor = (Java as unknown as { api?: { flavor?: string } }).api?.flavor;
    if (flavor !== undefined) {
        return flavor === "art";
    }
    try {
        return typeof Java.androidVersion === "string";
    } catch (e) {
        return false;
    }
}

/** Choose how to read Java stacks. Must run inside Java.perform. */
export function initStacks(): void {
    if (isArt()) {
        // ART: frida-java-bridge walks the managed stack natively; much cheaper than a Throwable.
        javaStackImpl = () => {
            const bt = Java.backtrace({ limit: MAX_JAVA_FRAMES + 4 });
            return dropHookFrames(bt.frames.map(f =>
                `${f.className}.${f.methodName}(${f.fileName ?? "Unknown Source"}:${f.lineNumber})`));
        };
        return;
    }
    try {
        javaStackImpl = makeJniStackReader();
        javaStackImpl();  // fail here, not per call
    } catch (e) {
        javaStackImpl = makeWrapperStackReader();
    }
}

// JNINativeInterface function indices (the JNI specification's table order)
const JNI = {
    FindClass: 6, ExceptionClear: 17, PushLocalFrame: 19, PopLocalFrame: 20, NewGlobalRef: 21,
    NewObjectA: 30, GetMethodID: 33, CallObjectMethodA: 36, GetStringLength: 164, GetStringChars: 165,
    ReleaseStringChars: 166, GetArrayLength: 171, GetObjectArrayElement: 173, ExceptionCheck: 228,
};

type Native = (...args: any[]) => any;

/** A JNI function of the table `env` points to, by its index. */
export function jniFunction(env: NativePointer, index: number, ret: NativeFunctionReturnType,
    args: NativeFunctionArgumentType[]): Native {
    return new NativeFunction(env.readPointer().add(index * Process.pointerSize).readPointer(), ret, args) as unknown as Native;
}

/** Global refs and method ids a stack reader needs (resolved once, on the calling thread). */
export interface StackIds {
    throwable: NativePointer;          // java.lang.Throwable (global ref)
    init: NativePointer;               // Throwable()
    getStackTrace: NativePointer;      // Throwable.getStackTrace()
    throwableToString: NativePointer;  // Throwable.toString()
    elementToString: NativePointer;    // StackTraceElement.toString()
}

export function stackIds(): StackIds {
    const env = Java.vm.getEnv().handle as NativePointer;
    const findClass = jniFunction(env, JNI.FindClass, "pointer", ["pointer", "pointer"]);
    const newGlobalRef = jniFunction(env, JNI.NewGlobalRef, "pointer", ["pointer", "pointer"]);
    const getMethodId = jniFunction(env, JNI.GetMethodID, "pointer", ["pointer", "pointer", "pointer", "pointer"]);
    const exceptionClear = jniFunction(env, JNI.ExceptionClear, "void", ["pointer"]);
    const cls = (name: string) => {
        const local = findClass(env, Memory.allocUtf8String(name)) as NativePointer;
        if (local.isNull()) {
            exceptionClear(env);
            throw new Error(`JNI FindClass ${name} failed`);
        }
        return newGlobalRef(env, local) as NativePointer;
    };
    const method = (klass: NativePointer, name: string, sig: string) => {
        const id = getMethodId(env, klass, Memory.allocUtf8String(name), Memory.allocUtf8String(sig)) as NativePointer;
        if (id.isNull()) {
            exceptionClear(env);
            throw new Error(`JNI GetMethodID ${name}${sig} failed`);
        }
        return id;
    };
    const throwable = cls("java/lang/Throwable");
    const element = cls("java/lang/StackTraceElement");
    return {
        throwable,
        init: method(throwable, "<init>", "()V"),
        getStackTrace: method(throwable, "getStackTrace", "()[Ljava/lang/StackTraceElement;"),
        throwableToString: method(throwable, "toString", "()Ljava/lang/String;"),
        elementToString: method(element, "toString", "()Ljava/lang/String;"),
    };
}

/**
 * HotSpot: new Throwable().getStackTrace(), the first frames' toString(), through raw JNI on the
 * calling thread's JNIEnv: about a tenth of the cost of the same through frida-java-bridge wrappers.
 */
function makeJniStackReader(): () => string[] {
    const setupEnv = Java.vm.getEnv().handle as NativePointer;
    const fn = (index: number, ret: NativeFunctionReturnType, args: NativeFunctionArgumentType[]): Native =>
        jniFunction(setupEnv, index, ret, args);
    const exceptionClear = fn(JNI.ExceptionClear, "void", ["pointer"]);
    const exceptionCheck = fn(JNI.ExceptionCheck, "uint8", ["pointer"]);
    const pushLocalFrame = fn(JNI.PushLocalFrame, "int", ["pointer", "int"]);
    const popLocalFrame = fn(JNI.PopLocalFrame, "pointer", ["pointer", "pointer"]);
    const newObjectA = fn(JNI.NewObjectA, "pointer", ["pointer", "pointer", "pointer", "pointer"]);
    const callObjectMethodA = fn(JNI.CallObjectMethodA, "pointer", ["pointer", "pointer", "pointer", "pointer"]);
    const getArrayLength = fn(JNI.GetArrayLength, "int", ["pointer", "pointer"]);
    const getElement = fn(JNI.GetObjectArrayElement, "pointer", ["pointer", "pointer", "int"]);
    const getStringLength = fn(JNI.GetStringLength, "int", ["pointer", "pointer"]);
    const getStringChars = fn(JNI.GetStringChars, "pointer", ["pointer", "pointer", "pointer"]);
    const releaseStringChars = fn(JNI.ReleaseStringChars, "void", ["pointer", "pointer", "pointer"]);
    const { throwable, init, getStackTrace, elementToString: toString } = stackIds();
    const wanted = MAX_JAVA_FRAMES + 4;

    return () => {
        const env = Java.vm.getEnv().handle as NativePointer;  // this thread's
        if ((pushLocalFrame(env, wanted + 8) as number) !== 0) {
            exceptionClear(env);
            return [];
        }
        const frames: string[] = [];
        try {
            const th = newObjectA(env, throwable, init, NULL) as NativePointer;
            const arr = th.isNull() ? NULL : callObjectMethodA(env, th, getStackTrace, NULL) as NativePointer;
            if (arr.isNull() || exceptionCheck(env)) {
                exceptionClear(env);
                return [];
            }
            const n = Math.min(getArrayLength(env, arr) as number, wanted);
            for (let i = 0; i < n; i++) {
                const el = getElement(env, arr, i) as NativePointer;
                const str = el.isNull() ? NULL : callObjectMethodA(env, el, toString, NULL) as NativePointer;
                if (str.isNull()) {
                    exceptionClear(env);
                    break;
                }
                const len = getStringLength(env, str) as number;
                const chars = getStringChars(env, str, NULL) as NativePointer;
                frames.push(chars.readUtf16String(len) ?? "");
                releaseStringChars(env, str, chars);
            }
        } finally {
            popLocalFrame(env, NULL);
        }
        return dropHookFrames(frames);
    };
}

/** The same through frida-java-bridge's wrappers (slower; used if raw JNI is not usable here). */
function makeWrapperStackReader(): () => string[] {
    const Throwable = Java.use("java.lang.Throwable");
    return () => {
        const trace = Throwable.$new().getStackTrace();
        const frames: string[] = [];
        for (let i = 0; i < trace.length && i < MAX_JAVA_FRAMES + 4; i++) {
            frames.push(String(trace[i].toString()));
        }
        return dropHookFrames(frames);
    };
}

/** Frames of the hook machinery itself (reflection/stack walkers) are not the caller's. */
function dropHookFrames(frames: string[]): string[] {
    let start = 0;
    while (start < frames.length && /^(java\.lang\.Thread\.getStackTrace|java\.lang\.Throwable\.|dalvik\.system\.VMStack)/.test(frames[start])) {
        start++;
    }
    return frames.slice(start, start + MAX_JAVA_FRAMES);
}

export function javaStack(): string[] {
    try {
        return javaStackImpl();
    } catch (e) {
        return [`<stack unavailable: ${e}>`];
    }
}

/** The "stack" field of extra when extra is a JSON object carrying one. */
export function jsStackOf(extra: string | null): string | undefined {
    if (extra === null || extra.length === 0 || extra.charCodeAt(0) !== 0x7b /* { */ || extra.indexOf("\"stack\"") < 0) {
        return undefined;
    }
    try {
        const parsed = JSON.parse(extra);
        const stack = parsed?.stack;
        if (typeof stack === "string") {
            return stack.length > MAX_JS_STACK_CHARS ? stack.substring(0, MAX_JS_STACK_CHARS) : stack;
        }
    } catch (e) {
        // not JSON: no JS stack
    }
    return undefined;
}
