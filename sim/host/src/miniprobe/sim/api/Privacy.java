package miniprobe.sim.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import miniprobe.sim.AppConfig;
import miniprobe.sim.bridge.ApiCall;
import miniprobe.sim.bridge.ApiGroup;
import miniprobe.sim.bridge.ApiRegistry;
import miniprobe.sim.bridge.Results;
import miniprobe.sim.privacy.PrivacyGate;
import miniprobe.sim.ui.NativeUi;

/** The privacy-agreement APIs of base library 2.32.3+ (the consent state itself lives in PrivacyGate). */
public final class Privacy implements ApiGroup {
    private final AppConfig app;
    private final PrivacyGate gate;
    private final NativeUi ui;

    public Privacy(AppConfig app, PrivacyGate gate, NativeUi ui) {
        this.app = app;
        this.gate = gate;
        this.ui = ui;
    }

    @Override
    public void register(ApiRegistry registry) {
        registry.add("getPrivacySetting", call -> Results.ok(call.api, Map.of(
                "needAuthorization", gate.needsAuthorization(), "privacyContractName", app.contractName())));
        registry.add("requirePrivacyAuthorize", this::requirePrivacyAuthorize);
        registry.add("openPrivacyContract", this::openPrivacyContract);
        registry.add("agreePrivacyAuthorization", this::agreeTapped);
        registry.add("__privacyResolve", this::resolve);
    }

    /** Shows the privacy guide page (closed by the user's 返回); answers once it is shown. */
    private Map<String, Object> openPrivacyContract(ApiCall call) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", app.contractName());
        List<String> categories = app.declaredCategories == null ? List.of() : List.copyOf(app.declaredCategories);
        fields.put("content", "本指引是" + app.appName + "小程序开发者为处理你的个人信息而制定。"
                + (categories.isEmpty() ? "" : "开发者将收集你的" + String.join("、", categories) + "。"));
        fields.put("categories", categories);
        fields.put("buttons", List.of("返回"));
        ui.ask("privacy_contract", fields, Set.of("back"));
        return Results.ok(call.api);
    }

    /** The tap on button open-type="agreePrivacyAuthorization" (data: {buttonId}). */
    private Map<String, Object> agreeTapped(ApiCall call) {
        gate.agreeTapped(call.string("buttonId", ""));
        return Results.ok(call.api);
    }

    /** The app's resolve({event, buttonId}) of onNeedPrivacyAuthorization. */
    private Map<String, Object> resolve(ApiCall call) {
        String refusal = gate.resolve(call.string("event", ""), call.string("buttonId", ""));
        return refusal == null ? Results.ok(call.api) : Results.fail(call.api, refusal);
    }

    private Map<String, Object> requirePrivacyAuthorize(ApiCall call) throws InterruptedException {
        Map<String, Object> refusal = gate.requireConsent(call.api, call.api);
        return refusal != null ? refusal : Results.ok(call.api);
    }
}
