package miniprobe.sim.privacy;

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
 * The platform's privacy check (base library 2.32.3+): requiredPrivateInfos, the categories declared in
 * the privacy guide, then the user's consent, asked once by the official popup and shared by every
 * call waiting for it. The state lives as long as the host process.
 */
public final class PrivacyGate implements CallGate {
    public static final String NOT_AUTHORIZED = "privacy permission is not authorized";

    private final AppConfig app;
    private final NativeUi ui;
    private final long refusalWindowMs;
    private boolean agreed;
    private long refusedAtNanos;
    private boolean refused;
    private boolean developerHandler;
    private CompletableFuture<Boolean> popup;

    public PrivacyGate(AppConfig app, NativeUi ui, long refusalWindowMs) {
        this.app = app;
        this.ui = ui;
        this.refusalWindowMs = refusalWindowMs;
    }

    @Override
    public Map<String, Object> admit(ApiCall call) throws InterruptedException {
        if (!app.interceptsPrivacy()) {
            return null;
        }
        if (PrivacyCatalogue.NEED_REQUIRED_PRIVATE_INFOS.contains(call.api)
                && !app.requiredPrivateInfos.contains(call.api)) {
            return Results.fail(call.api,
                    "the api need to be declared in the requiredPrivateInfos field in app.json/ext.json");
        }
        PrivacyInterface iface = PrivacyCatalogue.of(call);
        if (iface == null) {
            return null;
        }
        if (app.declaredCategories != null && !PrivacyCatalogue.declares(app.declaredCategories, iface.category())) {
            return Results.fail(call.api, "api scope is not declared in the privacy agreement",
                    Results.ERRNO_PRIVACY_UNDECLARED);
        }
        return requireConsent(call.api);
    }

    /** null once the user agreed (asking if needed), else the 104 failure for `api`. Legacy: always null. */
    public Map<String, Object> requireConsent(String api) throws InterruptedException {
        if (!app.interceptsPrivacy()) {
            return null;
        }
        CompletableFuture<Boolean> answer;
        synchronized (this) {
            if (agreed) {
                return null;
            }
            if (refusedRecently()) {
                return notAuthorized(api);
            }
            if (popup == null || popup.isDone()) {
                popup = ui.ask("privacy_popup", popupFields(api), NativeUi.AGREE_OR_REJECT).thenApply(this::settle);
            }
            answer = popup;
        }
        try {
            return answer.get() ? null : notAuthorized(api);
        } catch (ExecutionException e) {
            throw new IllegalStateException("privacy popup failed", e.getCause());
        }
    }

    /** Whether privacy interfaces would still need the user's consent (wx.getPrivacySetting). */
    public synchronized boolean needsAuthorization() {
        return app.interceptsPrivacy() && !agreed;
    }

    /** The app called wx.onNeedPrivacyAuthorization: the page shows its own dialog for our popups. */
    public synchronized void developerHandlerRegistered() {
        developerHandler = true;
    }

    public synchronized Map<String, Object> state() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("intercepted", app.interceptsPrivacy());
        state.put("agreed", agreed);
        state.put("refusedRecently", refusedRecently());
        state.put("refusalWindowMs", refusalWindowMs);
        state.put("developerHandler", developerHandler);
        state.put("declaredCategories", app.declaredCategories == null ? null : List.copyOf(app.declaredCategories));
        return state;
    }

    private synchronized boolean settle(String choice) {
        popup = null;
        if ("agree".equals(choice)) {
            agreed = true;
        } else {
            refused = true;
            refusedAtNanos = System.nanoTime();
        }
        Log.info("privacy: user " + (agreed ? "agreed" : "refused"));
        return agreed;
    }

    private boolean refusedRecently() {
        return refused && System.nanoTime() - refusedAtNanos < refusalWindowMs * 1_000_000L;
    }

    private Map<String, Object> popupFields(String api) {
        String name = app.appName;
        String contract = app.contractName();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", "用户隐私保护提示");
        fields.put("content", "在你使用【" + name + "】服务之前，请仔细阅读" + contract + "。如你同意" + contract
                + "，请点击“同意”开始使用【" + name + "】。");
        fields.put("contractName", contract);
        fields.put("buttons", List.of("拒绝", "同意"));
        fields.put("referrer", api);
        fields.put("developerHandler", developerHandler);
        return fields;
    }

    private static Map<String, Object> notAuthorized(String api) {
        return Results.fail(api, NOT_AUTHORIZED, Results.ERRNO_PRIVACY_NOT_AUTHORIZED);
    }
}
