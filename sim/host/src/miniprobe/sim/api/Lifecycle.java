package miniprobe.sim.api;

import java.util.List;
import java.util.Map;
import miniprobe.sim.Log;
import miniprobe.sim.bridge.ApiCall;
import miniprobe.sim.bridge.ApiGroup;
import miniprobe.sim.bridge.ApiRegistry;
import miniprobe.sim.bridge.Results;
import miniprobe.sim.privacy.PrivacyGate;
import miniprobe.sim.ui.EventStream;

/** The container's own bridge calls (__lifecycle, __invokeRegister) and leaving the mini program. */
public final class Lifecycle implements ApiGroup {
    private final EventStream events;
    private final PrivacyGate privacy;
    private volatile String page = "";
    private volatile boolean foreground = true;

    public Lifecycle(EventStream events, PrivacyGate privacy) {
        this.events = events;
        this.privacy = privacy;
    }

    @Override
    public void register(ApiRegistry registry) {
        registry.add("__lifecycle", this::lifecycle);
        registry.add("__invokeRegister", this::invokeRegister);
        registry.add("exitMiniProgram", this::exitMiniProgram);
        // The page stack lives in the container (runtime.js); the host only sees the calls go by.
        for (String api : List.of("navigateTo", "redirectTo", "reLaunch", "switchTab", "navigateBack",
                "setNavigationBarTitle")) {
            registry.add(api, call -> Results.ok(call.api));
        }
    }

    /** Whether the mini program is in the foreground (false between its hide and the next show). */
    public boolean inForeground() {
        return foreground;
    }

    /** The route of the page shown last ("" before the first). */
    public String page() {
        return page;
    }

    private Map<String, Object> lifecycle(ApiCall call) {
        String event = call.string("event", "");
        String route = call.string("page", "");
        if (!route.isEmpty() && ("launch".equals(event) || "route".equals(event) || "show".equals(event))) {
            page = route;
        }
        if ("hide".equals(event) || "show".equals(event) || "launch".equals(event)) {
            foreground = !"hide".equals(event);
        }
        Log.info("lifecycle: " + event + (route.isEmpty() ? "" : " " + route));
        return Results.ok(call.api);
    }

    private Map<String, Object> invokeRegister(ApiCall call) {
        if ("onNeedPrivacyAuthorization".equals(call.string("event", ""))) {
            privacy.developerHandlerRegistered();
        }
        return Results.ok(call.api);
    }

    private Map<String, Object> exitMiniProgram(ApiCall call) {
        events.publish(Map.of("type", "exit"));
        return Results.ok(call.api);
    }
}
