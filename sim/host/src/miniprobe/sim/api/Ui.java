package miniprobe.sim.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import miniprobe.sim.bridge.ApiCall;
import miniprobe.sim.bridge.ApiGroup;
import miniprobe.sim.bridge.ApiRegistry;
import miniprobe.sim.bridge.Results;
import miniprobe.sim.ui.NativeUi;

/** Native interaction UI: modal (waits for the user), toast and loading (one shared slot, as in WeChat). */
public final class Ui implements ApiGroup {
    private final NativeUi ui;
    private int shownToast;

    public Ui(NativeUi ui) {
        this.ui = ui;
    }

    @Override
    public void register(ApiRegistry registry) {
        registry.add("showModal", this::showModal);
        registry.add("showToast",
                call -> showToast(call, call.string("icon", "success"), call.number("duration", 1500)));
        registry.add("showLoading", call -> showToast(call, "loading", 0));
        registry.add("hideToast", this::hideToast);
        registry.add("hideLoading", this::hideToast);
    }

    /** Shows a toast; duration 0 means until hideToast/hideLoading (ui_close). */
    public synchronized void toast(String title, String icon, double durationMs) {
        if (shownToast != 0) {
            ui.close(shownToast);
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", title);
        fields.put("icon", icon);
        fields.put("duration", (long) durationMs);
        shownToast = ui.show("toast", fields);
    }

    private Map<String, Object> showModal(ApiCall call) throws InterruptedException, ExecutionException {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", call.string("title", ""));
        fields.put("content", call.string("content", ""));
        fields.put("showCancel", call.flag("showCancel", true));
        fields.put("cancelText", call.string("cancelText", "取消"));
        fields.put("confirmText", call.string("confirmText", "确定"));
        boolean confirmed = "confirm".equals(ui.ask("modal", fields, NativeUi.CONFIRM_OR_CANCEL).get());
        return Results.ok(call.api, Map.of("confirm", confirmed, "cancel", !confirmed));
    }

    private Map<String, Object> showToast(ApiCall call, String icon, double durationMs) {
        toast(call.string("title", ""), icon, durationMs);
        return Results.ok(call.api);
    }

    private synchronized Map<String, Object> hideToast(ApiCall call) {
        if (shownToast != 0) {
            ui.close(shownToast);
            shownToast = 0;
        }
        return Results.ok(call.api);
    }
}
