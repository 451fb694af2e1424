package miniprobe.sim.bridge;

import java.util.LinkedHashMap;
import java.util.Map;

/** Call results in WeChat's shape: fields plus errMsg "<api>:ok" or "<api>:fail <reason>" (and errno). */
public final class Results {
    /** Privacy not agreed, or the privacy popup refused. */
    public static final int ERRNO_PRIVACY_NOT_AUTHORIZED = 104;
    /** The privacy consent carried by the api's own popup (a "coupled" popup) was refused. */
    public static final int ERRNO_PRIVACY_COUPLED_REFUSED = 103;
    /** The interface's category is not declared in the privacy guide. */
    public static final int ERRNO_PRIVACY_UNDECLARED = 112;

    private Results() {
    }

    public static Map<String, Object> ok(String api) {
        return ok(api, Map.of());
    }

    public static Map<String, Object> ok(String api, Map<String, ?> fields) {
        Map<String, Object> result = new LinkedHashMap<>(fields);
        result.put("errMsg", api + ":ok");
        return result;
    }

    public static Map<String, Object> fail(String api, String reason) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("errMsg", api + ":fail " + reason);
        return result;
    }

    public static Map<String, Object> fail(String api, String reason, int errno) {
        Map<String, Object> result = fail(api, reason);
        result.put("errno", errno);
        return result;
    }
}
