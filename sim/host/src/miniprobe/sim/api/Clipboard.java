package miniprobe.sim.api;

import java.util.Map;
import miniprobe.sim.Profile;
import miniprobe.sim.bridge.ApiCall;
import miniprobe.sim.bridge.ApiGroup;
import miniprobe.sim.bridge.ApiRegistry;
import miniprobe.sim.bridge.Results;

/** The phone's clipboard, seeded from the profile. */
public final class Clipboard implements ApiGroup {
    private final Profile profile;
    private final Ui ui;

    public Clipboard(Profile profile, Ui ui) {
        this.profile = profile;
        this.ui = ui;
    }

    @Override
    public void register(ApiRegistry registry) {
        registry.add("getClipboardData", call -> Results.ok(call.api, Map.of("data", profile.clipboard())));
        registry.add("setClipboardData", this::setClipboardData);
    }

    /** WeChat confirms every write with its own toast. */
    private Map<String, Object> setClipboardData(ApiCall call) {
        Object data = call.value("data");
        if (!(data instanceof String)) {
            return Results.fail(call.api, "parameter error: data should be a string");
        }
        profile.setClipboard((String) data);
        ui.toast("内容已复制", "none", 1500);
        return Results.ok(call.api);
    }
}
