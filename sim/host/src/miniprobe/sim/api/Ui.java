package miniprobe.sim.api;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import miniprobe.sim.bridge.ApiCall;
import miniprobe.sim.bridge.ApiGroup;
import miniprobe.sim.bridge.ApiRegistry;
import miniprobe.sim.bridge.Results;
import miniprobe.sim.json.Json;
import miniprobe.sim.ui.NativeUi;

/**
 * Native interaction UI: modal, action sheet, the subscribe-message dialog and the confirmation before
 * opening another mini program (each waits for the user), toast and loading (one shared slot, as in WeChat).
 */
public final class Ui implements ApiGroup {
    private final NativeUi ui;
    private final String appName;
    private int shownToast;

    public Ui(NativeUi ui, String appName) {
        this.ui = ui;
        this.appName = appName;
    }

    @Override
    public void register(ApiRegistry registry) {
        registry.add("showModal", this::showModal);
        registry.add("showToast",
                call -> showToast(call, call.string("icon", "success"), call.number("duration", 1500)));
        registry.add("showLoading", call -> showToast(call, "loading", 0));
        registry.add("hideToast", this::hideToast);
        registry.add("hideLoading", this::hideToast);
        registry.add("showActionSheet", this::showActionSheet);
        registry.add("requestSubscribeMessage", this::requestSubscribeMessage);
        registry.add("navigateToMiniProgram", this::openOtherMiniProgram);
        registry.add("openEmbeddedMiniProgram", this::openOtherMiniProgram);
        // button open-type=contact / share: WeChat leaves the mini program for its own pages; the sim stays.
        registry.add("enterContact", call -> Results.ok(call.api));
        registry.add("shareAppMessage", call -> Results.ok(call.api));
    }

    /** {tapIndex} of the chosen item; the sheet's 取消 fails "cancel", as in WeChat. */
    private Map<String, Object> showActionSheet(ApiCall call) throws InterruptedException, ExecutionException {
        List<String> items = Json.strings(call.data, "itemList");
        if (items.isEmpty() || items.size() > 6) {
            return Results.fail(call.api, "parameter error: itemList should have 1 to 6 items");
        }
        Set<String> choices = new LinkedHashSet<>();
        for (int i = 0; i < items.size(); i++) {
            choices.add(String.valueOf(i));
        }
        choices.add("cancel");
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", call.string("alertText", ""));
        fields.put("items", items);
        fields.put("cancelText", "取消");
        String choice = ui.ask("action_sheet", fields, choices).get();
        return "cancel".equals(choice) ? Results.fail(call.api, "cancel")
                : Results.ok(call.api, Map.of("tapIndex", Integer.parseInt(choice)));
    }

    /** One dialog for all templates: 允许 accepts each, 取消 rejects each ({tmplId: "accept"|"reject"}). */
    private Map<String, Object> requestSubscribeMessage(ApiCall call) throws InterruptedException, ExecutionException {
        List<String> templates = Json.strings(call.data, "tmplIds");
        if (templates.isEmpty() || templates.size() > 3) {
            return Results.fail(call.api, "parameter error: tmplIds should have 1 to 3 template ids", 20001);
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", appName + " 申请");
        fields.put("content", "发送" + templates.size() + "条订阅消息");
        fields.put("items", templates);
        fields.put("buttons", List.of("取消", "允许"));
        boolean accepted = "agree".equals(ui.ask("subscribe", fields, NativeUi.AGREE_OR_REJECT).get());
        Map<String, Object> result = new LinkedHashMap<>();
        for (String template : templates) {
            result.put(template, accepted ? "accept" : "reject");
        }
        return Results.ok(call.api, result);
    }

    /** WeChat asks before leaving for another mini program; the sim then stays (the target is not run). */
    private Map<String, Object> openOtherMiniProgram(ApiCall call) throws InterruptedException, ExecutionException {
        String appId = call.string("appId", "");
        if (appId.isEmpty()) {
            return Results.fail(call.api, "parameter error: appId is required");
        }
        if (!call.userGesture()) { // WeChat 2.3.0+: no jump to another mini program the user did not tap for
            return Results.fail(call.api, "can only be invoked by user TAP gesture.");
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", "");
        fields.put("content", "即将打开另一个小程序 " + appId);
        fields.put("showCancel", true);
        fields.put("cancelText", "取消");
        fields.put("confirmText", "允许");
        fields.put("appId", appId);
        boolean confirmed = "confirm".equals(ui.ask("navigate_confirm", fields, NativeUi.CONFIRM_OR_CANCEL).get());
        return confirmed ? Results.ok(call.api) : Results.fail(call.api, "cancel");
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
