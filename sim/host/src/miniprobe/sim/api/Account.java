package miniprobe.sim.api;

import java.security.SecureRandom;
import java.util.Map;
import miniprobe.sim.AppConfig;
import miniprobe.sim.bridge.ApiGroup;
import miniprobe.sim.bridge.ApiRegistry;
import miniprobe.sim.bridge.Results;

/** The WeChat account side: login codes and the mini program's own account info. */
public final class Account implements ApiGroup {
    private static final String CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final SecureRandom random = new SecureRandom();
    private final AppConfig app;

    public Account(AppConfig app) {
        this.app = app;
    }

    @Override
    public void register(ApiRegistry registry) {
        registry.add("login", call -> Results.ok(call.api, Map.of("code", loginCode())));
        registry.add("checkSession", call -> Results.ok(call.api));
        registry.add("getAccountInfoSync", call -> Results.ok(call.api, Map.of("miniProgram",
                Map.of("appId", app.appid, "envVersion", "develop", "version", ""))));
    }

    /** A fresh 32-character code, like wx.login's (valid for one exchange on the back end). */
    private String loginCode() {
        StringBuilder code = new StringBuilder(32);
        for (int i = 0; i < 32; i++) {
            code.append(CODE_ALPHABET.charAt(random.nextInt(CODE_ALPHABET.length())));
        }
        return code.toString();
    }
}
