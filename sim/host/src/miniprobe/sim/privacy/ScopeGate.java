package miniprobe.sim.privacy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import miniprobe.sim.AppConfig;
import miniprobe.sim.Log;
import miniprobe.sim.bridge.ApiCall;
import miniprobe.sim.bridge.CallGate;
import miniprobe.sim.bridge.Results;
import miniprobe.sim.ui.NativeUi;

/**
 * Scope authorization: the first use of a scope asks with the native popup (允许/拒绝); the answer
 * stands for the rest of the host run, and after a refusal the popup never comes back.
 */
public final class ScopeGate implements CallGate {
    private final AppConfig app;
    private final NativeUi ui;
    private final Map<String, Boolean> decided = new LinkedHashMap<>();
    private final Map<String, CompletableFuture<Boolean>> popups = new HashMap<>();

    public ScopeGate(AppConfig app, NativeUi ui) {
        this.app = app;
        this.ui = ui;
    }

    @Override
    public Map<String, Object> admit(ApiCall call) throws InterruptedException {
        PrivacyInterface iface = PrivacyCatalogue.of(call);
        if (iface == null || iface.scope() == null) {
            return null;
        }
        String scope = iface.scope();
        CompletableFuture<Boolean> answer;
        synchronized (this) {
            Boolean granted = decided.get(scope);
            if (granted != null) {
                return granted ? null : authDeny(call.api);
            }
            answer = popups.get(scope);
            if (answer == null) {
                answer = ui.ask("scope_popup", popupFields(scope), NativeUi.AGREE_OR_REJECT)
                        .thenApply(choice -> settle(scope, choice));
                // A fast answer may already have settled it.
                if (!answer.isDone()) {
                    popups.put(scope, answer);
                }
            }
        }
        try {
            return answer.get() ? null : authDeny(call.api);
        } catch (ExecutionException e) {
            throw new IllegalStateException("scope popup failed", e.getCause());
        }
    }

    /** scope -> granted, for every scope the user has answered (wx.getSetting's authSetting). */
    public synchronized Map<String, Object> authSetting() {
        return new LinkedHashMap<>(decided);
    }

    private synchronized boolean settle(String scope, String choice) {
        boolean granted = "agree".equals(choice);
        decided.put(scope, granted);
        popups.remove(scope);
        Log.info("scope: " + scope + (granted ? " granted" : " refused"));
        return granted;
    }

    private Map<String, Object> popupFields(String scope) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("scope", scope);
        fields.put("title", app.appName + " 申请");
        fields.put("content", PrivacyCatalogue.SCOPE_WORDING.getOrDefault(scope, scope));
        fields.put("desc", app.permissionDesc.getOrDefault(scope, ""));
        fields.put("buttons", List.of("拒绝", "允许"));
        return fields;
    }

    private static Map<String, Object> authDeny(String api) {
        return Results.fail(api, "auth deny");
    }
}
