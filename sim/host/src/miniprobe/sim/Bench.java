package miniprobe.sim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * The hooks bench's driver (bench/hooks.py): wx.* calls through the sim host's real bridge, built by
 * SimHost itself from the same options (gates, API registry, logging; its HTTP server is created but
 * never started), called straight at AppBrandCommonBindingJni.nativeInvokeHandler where the Frida agent
 * hooks, so that the figure is the bridge's own cost without the page and HTTP around it.
 *
 * <p>Usage: java -cp sim/host/build miniprobe.sim.Bench [SimHost's options]. Prints "READY pid=<pid>"
 * (after one call of each API: the classes are loaded and the storage keys exist, so a Frida agent
 * attached then sees every timed call), then reads commands from stdin, one per line:
 * <pre>
 *   bench N   N sync calls, in turn setStorageSync / getStorageSync / getSystemInfoSync, then N async
 *             getStorage calls, each answered through invokeCallbackHandler on the host's async
 *             executor; waits for every answer
 *             -> BENCH n=N sync_ns=.. async_ns=.. sync_cpu_ns=.. (the calling thread's CPU time)
 *   exit      exit 0
 * </pre>
 * Not part of the host's normal path: SimHost.main never reaches this class.
 */
public final class Bench {
    /** The container's extra (sim/container/bridge.js): the JS stack of the call, the page, no gesture. */
    static final String EXTRA = "{\"stack\":\"Error\\n    at extraJson (http://127.0.0.1/container/bridge.js:16:40)\\n"
            + "    at invokeBody (http://127.0.0.1/container/bridge.js:20:81)\\n"
            + "    at Page.onLoad (http://127.0.0.1/app/pages/index/index.js:12:8)\\n"
            + "    at callHook (http://127.0.0.1/container/app.js:40:3)\",\"page\":\"pages/index/index\",\"gesture\":false}";
    static final int KEYS = 16;
    static final List<String> SYNC_APIS = List.of("setStorageSync", "getStorageSync", "getSystemInfoSync");
    static final String ASYNC_API = "getStorage";

    private final SimHost host;
    /** One permit per async call whose answer has been handed to invokeCallbackHandler. */
    private final Semaphore answered = new Semaphore(0);
    private int nextCallbackId = 1;

    private Bench(HostOptions options) throws IOException, GeneralSecurityException {
        Executor pool = Executors.newCachedThreadPool(SimHost.daemonThreads("wx-async"));
        // The host's executor, counting finished calls (an async call ends with its invokeCallbackHandler).
        Executor counted = task -> pool.execute(() -> {
            try {
                task.run();
            } finally {
                answered.release();
            }
        });
        host = new SimHost(options, counted);
    }

    static String data(String api, int i) {
        String key = "\"key\":\"bench-" + (i % KEYS) + "\"";
        return switch (api) {
            case "setStorageSync" -> "{" + key + ",\"data\":{\"i\":" + i + ",\"name\":\"bench\"}}";
            case "getSystemInfoSync" -> "{}";
            default -> "{" + key + "}";
        };
    }

    /** n calls of the sync mix; returns the last result (so that the JIT cannot drop the calls). */
    private String syncCalls(int n) {
        String last = "";
        for (int i = 0; i < n; i++) {
            String api = SYNC_APIS.get(i % SYNC_APIS.size());
            last = host.jni.nativeInvokeHandler(api, data(api, i), EXTRA, 0, true);
        }
        return last;
    }

    private void asyncCalls(int n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            host.jni.nativeInvokeHandler(ASYNC_API, data(ASYNC_API, i), EXTRA, nextCallbackId++, false);
        }
        answered.acquire(n);
    }

    /** Every key exists before the first timed getStorage (a missing key is a different, failing path). */
    private void prepare() throws InterruptedException {
        syncCalls(KEYS * SYNC_APIS.size());
        asyncCalls(1);
    }

    private void bench(int n) throws InterruptedException {
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        long c0 = cpu.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        String last = syncCalls(n);
        long t1 = System.nanoTime();
        long c1 = cpu.getCurrentThreadCpuTime();
        asyncCalls(n);
        long t2 = System.nanoTime();
        if (last.isEmpty()) {
            throw new IllegalStateException("the last sync call answered nothing");
        }
        System.out.println("BENCH n=" + n + " sync_ns=" + (t1 - t0) + " async_ns=" + (t2 - t1)
                + " sync_cpu_ns=" + (c1 - c0));
    }

    public static void main(String[] args) throws Exception {
        Bench bench;
        try {
            bench = new Bench(HostOptions.parse(args));
        } catch (IllegalArgumentException e) {
            System.out.println("ERROR " + e.getMessage());
            System.exit(2);
            return;
        }
        bench.prepare();
        System.out.println("READY pid=" + ProcessHandle.current().pid());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] cmd = line.trim().split("\\s+");
            switch (cmd[0]) {
                case "bench" -> bench.bench(Integer.parseInt(cmd[1]));
                case "exit" -> System.exit(0);
                case "" -> {
                    continue;
                }
                default -> System.out.println("ERROR unknown command " + cmd[0]);
            }
            System.out.flush();
        }
    }
}
