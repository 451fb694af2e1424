package miniprobe.sim.privacy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * stands for the rest of the host run, and after a refusal the popup never comes back: only the settings
 * page (wx.openSetting) changes a decided scope.
 */
public final class ScopeGate implements CallGate {
    private final AppConfig app;
    private final NativeUi ui;
    private final Map<String, Boolean> decided = new LinkedHashMap<>();
    private final Map<String, CompletableFuture<Boolean>> popups = new HashMap<>();

    /** `granted`: scope -> decision the user made before this session (--grant). */
    public ScopeGate(AppConfig app, NativeUi ui, Map<String, Boolean> granted) {
        this.app = app;
        this.ui = ui;
        this.decided.putAll(granted);
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

    /**
     * wx.openSetting: the settings page lists every scope the app has asked for, with a switch each; the
     * user may flip them, then goes back. Returns the authSetting after the page closed.
     */
    public Map<String, Object> openSetting() throws InterruptedException {
        List<Map<String, Object>> items = new ArrayList<>();
        synchronized (this) {
            decided.forEach((scope, granted) -> items.add(Map.of("scope", scope,
                    "label", PrivacyCatalogue.SETTING_LABEL.getOrDefault(scope, scope), "granted", granted)));
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", "设置");
        fields.put("appName", app.appName);
        fields.put("caption", "允许" + app.appName + "使用我的");
        fields.put("items", items);
        NativeUi.Answer answer;
        try {
            answer = ui.askForm("settings", fields, Set.of("back")).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("settings page failed", e.getCause());
        }
        synchronized (this) {
            answer.values().forEach((scope, granted) -> {
                if (decided.containsKey(scope) && granted instanceof Boolean && !granted.equals(decided.get(scope))) {
                    decided.put(scope, (Boolean) granted);
                    Log.info("settings: " + scope + (Boolean.TRUE.equals(granted) ? " switched on" : " switched off"));
                }
            });
        }
        return authSetting();
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
