package miniprobe.sim.api;

import java.util.Map;
import miniprobe.sim.bridge.ApiCall;
import miniprobe.sim.bridge.ApiGroup;
import miniprobe.sim.bridge.ApiRegistry;
import miniprobe.sim.bridge.Results;
import miniprobe.sim.privacy.PrivacyCatalogue;
import miniprobe.sim.privacy.ScopeGate;

/**
 * Scope APIs. wx.authorize only reaches here once the gates passed (privacy consent, the scope popup),
 * so what is left is checking the scope name.
 */
public final class Auth implements ApiGroup {
    private final ScopeGate scopes;

    public Auth(ScopeGate scopes) {
        this.scopes = scopes;
    }

    @Override
    public void register(ApiRegistry registry) {
        registry.add("authorize", this::authorize);
        registry.add("getSetting", call -> Results.ok(call.api, Map.of("authSetting", scopes.authSetting())));
        registry.add("openSetting", call -> Results.ok(call.api, Map.of("authSetting", scopes.openSetting())));
    }

    private Map<String, Object> authorize(ApiCall call) {
        String scope = call.string("scope", "");
        return PrivacyCatalogue.isKnownScope(scope)
                ? Results.ok(call.api)
                : Results.fail(call.api, "invalid scope " + scope);
    }
}
