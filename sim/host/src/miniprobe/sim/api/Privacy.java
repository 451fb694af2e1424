package miniprobe.sim.api;

import java.util.Map;
import miniprobe.sim.AppConfig;
import miniprobe.sim.bridge.ApiCall;
import miniprobe.sim.bridge.ApiGroup;
import miniprobe.sim.bridge.ApiRegistry;
import miniprobe.sim.bridge.Results;
import miniprobe.sim.privacy.PrivacyGate;

/** The privacy-agreement APIs of base library 2.32.3+ (the consent state itself lives in PrivacyGate). */
public final class Privacy implements ApiGroup {
    private final AppConfig app;
    private final PrivacyGate gate;

    public Privacy(AppConfig app, PrivacyGate gate) {
        this.app = app;
        this.gate = gate;
    }

    @Override
    public void register(ApiRegistry registry) {
        registry.add("getPrivacySetting", call -> Results.ok(call.api, Map.of(
                "needAuthorization", gate.needsAuthorization(), "privacyContractName", app.contractName())));
        registry.add("requirePrivacyAuthorize", this::requirePrivacyAuthorize);
        registry.add("openPrivacyContract", call -> Results.ok(call.api));
    }

    private Map<String, Object> requirePrivacyAuthorize(ApiCall call) throws InterruptedException {
        Map<String, Object> refusal = gate.requireConsent(call.api);
        return refusal != null ? refusal : Results.ok(call.api);
    }
}
