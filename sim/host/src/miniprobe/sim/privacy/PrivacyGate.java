package miniprobe.sim.privacy;

import java.util.HashSet;
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
import miniprobe.sim.ui.EventStream;
import miniprobe.sim.ui.NativeUi;

/**
 * The platform's privacy check (base library 2.32.3+): requiredPrivateInfos, the categories declared in
 * the privacy guide, then the user's consent. Consent is asked once for every call waiting for it: by
 * the official popup, or, when the app registered wx.onNeedPrivacyAuthorization, by the app's own
 * dialog (a `privacy_needed` event the container turns into a call of the app's handler), which agrees
 * only through a tap on button open-type="agreePrivacyAuthorization". After a refusal, privacy calls
 * fail at once for the refusal window (10 s in WeChat). The state lives as long as the host process.
 */
public final class PrivacyGate implements CallGate {
    public static final String NOT_AUTHORIZED = "privacy permission is not authorized";

    private final AppConfig app;
    private final NativeUi ui;
    private final EventStream events;
    private final long refusalWindowMs;
    private final Set<String> tappedAgreeButtons = new HashSet<>();
    private boolean agreed;
    private long refusedAtNanos;
    private boolean refused;
    private boolean developerHandler;
    private CompletableFuture<Boolean> pending;
    private long pendingEventId;
    private int lastRequestId;

    public PrivacyGate(AppConfig app, NativeUi ui, EventStream events, long refusalWindowMs, boolean agreed) {
        this.app = app;
        this.ui = ui;
        this.events = events;
        this.refusalWindowMs = refusalWindowMs;
        this.agreed = agreed;
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
        String openType = call.string("openType", "");
        return requireConsent(call.api, openType.isEmpty() ? call.api : "button." + openType);
    }

    /**
     * null once the user agreed (asking if needed), else the refusal for `api` (103 when the api's own
     * native popup carries the consent, 104 otherwise). Legacy base libraries: always null.
     */
    public Map<String, Object> requireConsent(String api, String referrer) throws InterruptedException {
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
            if (pending == null || pending.isDone()) {
                pending = developerHandler ? askTheApp(referrer) : askWithOfficialPopup(referrer);
            }
            answer = pending;
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

    /** The app called wx.onNeedPrivacyAuthorization: from now on the app's dialog asks, not the popup. */
    public synchronized void developerHandlerRegistered() {
        developerHandler = true;
    }

    /** A tap on button open-type="agreePrivacyAuthorization": the user agrees (and the waiting calls go on). */
    public synchronized void agreeTapped(String buttonId) {
        tappedAgreeButtons.add(buttonId);
        if (!agreed) {
            Log.info("privacy: user agreed (tap on agreePrivacyAuthorization button " + buttonId + ")");
        }
        agreed = true;
        refused = false;
        finishPending(true);
    }

    /**
     * The app's resolve({event, buttonId}) from its onNeedPrivacyAuthorization handler; null when taken,
     * else why not. 'agree' counts only with the id of a tapped agreePrivacyAuthorization button.
     */
    public synchronized String resolve(String event, String buttonId) {
        switch (event) {
            case "agree" -> {
                if (agreed && (buttonId.isEmpty() || tappedAgreeButtons.contains(buttonId))) {
                    return null;
                }
                settle(false);
                return "resolve({event: 'agree'}) needs the buttonId of a tapped"
                        + " button open-type=\"agreePrivacyAuthorization\" (got \"" + buttonId + "\")";
            }
            case "disagree" -> {
                settle(false);
                return null;
            }
            case "exposureAuthorization" -> {
                return null;  // the app says its dialog is on screen: nothing to do
            }
            default -> {
                return "event should be agree, disagree or exposureAuthorization, not \"" + event + "\"";
            }
        }
    }

    public synchronized Map<String, Object> state() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("intercepted", app.interceptsPrivacy());
        state.put("agreed", agreed);
        state.put("refusedRecently", refusedRecently());
        state.put("refusalWindowMs", refusalWindowMs);
        state.put("developerHandler", developerHandler);
        state.put("pending", pending != null && !pending.isDone());
        state.put("declaredCategories", app.declaredCategories == null ? null : List.copyOf(app.declaredCategories));
        return state;
    }

    private CompletableFuture<Boolean> askWithOfficialPopup(String referrer) {
        return ui.ask("privacy_popup", popupFields(referrer), NativeUi.AGREE_OR_REJECT)
                .thenApply(choice -> {
                    synchronized (this) {
                        return settle("agree".equals(choice));
                    }
                });
    }

    /** The app's handler gets (resolve, {referrer}); the event stays until settled, for a reloading page. */
    private CompletableFuture<Boolean> askTheApp(String referrer) {
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", "privacy_needed");
        event.put("requestId", ++lastRequestId);
        event.put("referrer", referrer);
        pendingEventId = events.publishSticky(event);
        Log.info("privacy: asking the app's onNeedPrivacyAuthorization handler (referrer " + referrer + ")");
        return answer;
    }

    private boolean settle(boolean agree) {
        if (agree) {
            agreed = true;
        } else {
            refused = true;
            refusedAtNanos = System.nanoTime();
        }
        Log.info("privacy: user " + (agree ? "agreed" : "refused"));
        finishPending(agree);
        return agree;
    }

    private void finishPending(boolean agree) {
        if (pendingEventId != 0) {
            events.release(pendingEventId);
            pendingEventId = 0;
        }
        CompletableFuture<Boolean> waiting = pending;
        pending = null;
        if (waiting != null) {
            waiting.complete(agree);
        }
    }

    private boolean refusedRecently() {
        return refused && System.nanoTime() - refusedAtNanos < refusalWindowMs * 1_000_000L;
    }

    private Map<String, Object> popupFields(String referrer) {
        String name = app.appName;
        String contract = app.contractName();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", "用户隐私保护提示");
        fields.put("content", "在你使用【" + name + "】服务之前，请仔细阅读" + contract + "。如你同意" + contract
                + "，请点击“同意”开始使用【" + name + "】。");
        fields.put("contractName", contract);
        fields.put("buttons", List.of("拒绝", "同意"));
        fields.put("referrer", referrer);
        return fields;
    }

    private static Map<String, Object> notAuthorized(String api) {
        int errno = PrivacyCatalogue.COUPLED_POPUP_APIS.contains(api) || PrivacyCatalogue.hasScope(api)
                ? Results.ERRNO_PRIVACY_COUPLED_REFUSED
                : Results.ERRNO_PRIVACY_NOT_AUTHORIZED;
        return Results.fail(api, NOT_AUTHORIZED, errno);
    }
}
