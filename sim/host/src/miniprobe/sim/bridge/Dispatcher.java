package miniprobe.sim.bridge;

import java.util.List;
import java.util.Map;
import miniprobe.sim.Log;
import miniprobe.sim.json.Json;
import miniprobe.sim.json.JsonException;

/** Runs one bridge call: the platform's gates in order, then the API's implementation. Never throws. */
public final class Dispatcher {
    private final ApiRegistry registry;
    private final List<CallGate> gates;

    public Dispatcher(ApiRegistry registry, List<CallGate> gates) {
        this.registry = registry;
        this.gates = List.copyOf(gates);
    }

    /** The call's result as a JSON string. */
    public String invoke(String api, String data, String extra, int callbackId, boolean isSync) {
        Map<String, Object> result = resultOf(api, data, extra, callbackId, isSync);
        Log.info((isSync ? "sync " : "async#" + callbackId + " ") + api + " -> " + result.get("errMsg"));
        try {
            return Json.write(result);
        } catch (IllegalArgumentException e) {
            Log.error("wx." + api + " returned a result that is not JSON", e);
            return Json.write(Results.fail(api, "internal error in the sim: " + e.getMessage()));
        }
    }

    private Map<String, Object> resultOf(String api, String data, String extra, int callbackId, boolean isSync) {
        ApiCall call;
        try {
            call = new ApiCall(api, parseData(data), extra, callbackId, isSync);
        } catch (JsonException e) {
            return Results.fail(api, "invalid data: " + e.getMessage());
        }
        try {
            for (CallGate gate : gates) {
                Map<String, Object> refusal = gate.admit(call);
                if (refusal != null) {
                    return refusal;
                }
            }
            WxApi implementation = registry.get(api);
            if (implementation == null) {
                return Results.fail(api, "not supported in the sim");
            }
            return implementation.invoke(call);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Results.fail(api, "interrupted (the sim host is stopping)");
        } catch (Exception e) {
            Log.error("wx." + api + " failed inside the sim", e);
            return Results.fail(api, "internal error in the sim: " + e);
        }
    }

    private static Map<String, Object> parseData(String data) throws JsonException {
        if (data == null || data.isBlank()) {
            return Map.of();
        }
        return Json.parseObject(data);
    }
}
