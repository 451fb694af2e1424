package miniprobe.sim;

import com.sun.net.httpserver.HttpServer;
import com.tencent.mm.appbrand.commonjni.AppBrandCommonBindingJni;
import com.tencent.mm.appbrand.commonjni.AppBrandJsBridgeBinding;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import miniprobe.sim.api.Account;
import miniprobe.sim.api.Auth;
import miniprobe.sim.api.Clipboard;
import miniprobe.sim.api.Lifecycle;
import miniprobe.sim.api.Devices;
import miniprobe.sim.api.Listeners;
import miniprobe.sim.api.Location;
import miniprobe.sim.api.Network;
import miniprobe.sim.api.Pickers;
import miniprobe.sim.api.Privacy;
import miniprobe.sim.api.Sockets;
import miniprobe.sim.api.Storage;
import miniprobe.sim.api.SystemInfo;
import miniprobe.sim.api.TempFiles;
import miniprobe.sim.api.Ui;
import miniprobe.sim.bridge.ApiRegistry;
import miniprobe.sim.bridge.Dispatcher;
import miniprobe.sim.http.AppBundle;
import miniprobe.sim.http.BridgeEndpoints;
import miniprobe.sim.http.Exchanges;
import miniprobe.sim.http.StaticFiles;
import miniprobe.sim.privacy.PrivacyGate;
import miniprobe.sim.privacy.ScopeGate;
import miniprobe.sim.ui.EventStream;
import miniprobe.sim.ui.NativeUi;

/**
 * The sim's "native side": WeChat's JNI bridge classes behind an HTTP server on 127.0.0.1 that the
 * container page talks to (sim/PROTOCOL.md). One process = one install: consent and storage start fresh.
 */
public final class SimHost {
    private final HostOptions options;
    private final HttpServer server;
    /** The bridge as the page's calls reach it (also driven directly by {@link Bench}). */
    final AppBrandCommonBindingJni jni;

    /** asyncCalls runs each async call and its invokeCallbackHandler answer. */
    SimHost(HostOptions options, Executor asyncCalls) throws IOException, GeneralSecurityException {
        this.options = options;
        AppConfig app = AppConfig.load(options.app);
        Profile profile = Profile.load(options.profile);
        EventStream events = new EventStream();
        NativeUi ui = new NativeUi(events);
        PrivacyGate privacy = new PrivacyGate(app, ui, events, options.privacyRefusalWindowMs, options.privacyAgreed);
        ScopeGate scopes = new ScopeGate(app, ui, options.grants);
        Storage storage = new Storage();
        Ui interaction = new Ui(ui, app.appName);
        Lifecycle lifecycle = new Lifecycle(events, privacy);
        AppBrandJsBridgeBinding jsBridge = new AppBrandJsBridgeBinding(events);
        Listeners listeners = new Listeners(events, jsBridge);
        TempFiles files = new TempFiles();
        ApiRegistry registry = new ApiRegistry();
        registry.addAll(new Location(profile), new Network(app, profile, options, listeners, files), storage,
                interaction, new Clipboard(profile, interaction), new SystemInfo(profile, app),
                new Account(app, profile, ui, files), new Privacy(app, privacy, ui), new Auth(scopes), lifecycle,
                new Pickers(profile, files), new Devices(profile, listeners, files, lifecycle::inForeground), new Sockets(listeners, options));
        // Privacy before scopes: WeChat asks for the guide's consent before any scope popup.
        Dispatcher dispatcher = new Dispatcher(registry, List.of(privacy, scopes));
        jni = new AppBrandCommonBindingJni(dispatcher, jsBridge, asyncCalls);

        BridgeEndpoints bridge = new BridgeEndpoints(jni, ui, () -> {
            Map<String, Object> state = new LinkedHashMap<>();
            state.put("appid", app.appid);
            state.put("appName", app.appName);
            state.put("libVersion", app.libVersion);
            state.put("privacy", privacy.state());
            state.put("scopes", scopes.authSetting());
            state.put("storageKeys", storage.keys());
            state.put("page", lifecycle.page());
            state.put("openUis", ui.openUis());
            state.put("eventListeners", events.listenerCount());
            state.put("proxy", options.hasProxy() ? options.proxyHost + ":" + options.proxyPort : null);
            state.put("simHosts", app.simHosts);
            return state;
        });
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), options.port), 64);
        server.createContext("/", Exchanges.guarded(new StaticFiles(options.container, "/", "index.html")));
        server.createContext("/container/", Exchanges.guarded(new StaticFiles(options.container, "/container/", null)));
        server.createContext("/app/", Exchanges.guarded(new StaticFiles(app.root, "/app/", null)));
        server.createContext("/app/bundle.json", Exchanges.guarded(new AppBundle(app)));
        server.createContext("/wxfile/", Exchanges.guarded(new StaticFiles(files.dir(), "/wxfile/", null)));
        server.createContext("/bridge/invoke", Exchanges.guarded(bridge::invoke));
        server.createContext("/bridge/ui", Exchanges.guarded(bridge::answerUi));
        server.createContext("/bridge/state", Exchanges.guarded(bridge::state));
        server.createContext("/bridge/events", events);
        // Unbounded: every open SSE stream and every call waiting for the user holds a thread.
        server.setExecutor(Executors.newCachedThreadPool(daemonThreads("http")));
        Log.info("app " + app.appid + " (" + app.appName + ") libVersion " + app.libVersion + ": privacy interfaces "
                + (app.interceptsPrivacy() ? "intercepted" : "not intercepted (legacy)") + "; "
                + registry.names().size() + " wx APIs");
    }

    public static void main(String[] args) {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.println(HostOptions.USAGE);
            return;
        }
        HostOptions options;
        try {
            options = HostOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("simhost: " + e.getMessage());
            System.err.println(HostOptions.USAGE);
            System.exit(2);
            return;
        }
        try {
            new SimHost(options, Executors.newCachedThreadPool(daemonThreads("wx-async"))).start();
        } catch (IOException | GeneralSecurityException e) {
            System.err.println("simhost: cannot start: " + e.getMessage());
            System.exit(1);
        }
    }

    private void start() {
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(0), "shutdown"));
        if (options.exitOnStdinEof) {
            Thread watcher = new Thread(SimHost::exitOnStdinEof, "stdin-eof");
            watcher.setDaemon(true);
            watcher.start();
        }
        int port = server.getAddress().getPort();
        Log.info("listening on http://127.0.0.1:" + port + "/");
        System.out.println("SIMHOST READY port=" + port + " pid=" + ProcessHandle.current().pid());
        System.out.flush();
    }

    private static void exitOnStdinEof() {
        byte[] buffer = new byte[1024];
        try (InputStream in = System.in) {
            while (in.read(buffer) >= 0) {
                // Input is ignored: only its end matters.
            }
        } catch (IOException e) {
            Log.warn("stdin: " + e);
        }
        Log.info("stdin closed: exiting");
        System.exit(0);
    }

    static ThreadFactory daemonThreads(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
