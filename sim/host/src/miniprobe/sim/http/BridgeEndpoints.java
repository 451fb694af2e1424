package miniprobe.sim.http;

import com.sun.net.httpserver.HttpExchange;
import com.tencent.mm.appbrand.commonjni.AppBrandCommonBindingJni;
import java.io.IOException;
import java.util.Map;
import java.util.function.Supplier;
import miniprobe.sim.json.Json;
import miniprobe.sim.json.JsonException;
import miniprobe.sim.ui.NativeUi;

/** POST /bridge/invoke, POST /bridge/ui and GET /bridge/state (sim/PROTOCOL.md). */
public final class BridgeEndpoints {
    private static final int MAX_BODY_BYTES = 32 * 1024 * 1024;

    private final AppBrandCommonBindingJni jni;
    private final NativeUi ui;
    private final Supplier<Map<String, Object>> state;

    public BridgeEndpoints(AppBrandCommonBindingJni jni, NativeUi ui, Supplier<Map<String, Object>> state) {
        this.jni = jni;
        this.ui = ui;
        this.state = state;
    }

    /** Body {"api","data","extra","callbackId","isSync"}; answers the sync result, or "" for async calls. */
    public void invoke(HttpExchange exchange) throws IOException, Exchanges.BadRequest {
        Exchanges.requireMethod(exchange, "POST");
        Map<String, Object> body = jsonBody(exchange);
        Object api = body.get("api");
        if (!(api instanceof String) || ((String) api).isEmpty()) {
            throw new Exchanges.BadRequest(400, "/bridge/invoke: \"api\" must be a non-empty string");
        }
        if (!(body.get("isSync") instanceof Boolean)) {
            throw new Exchanges.BadRequest(400, "/bridge/invoke: \"isSync\" must be true or false");
        }
        boolean isSync = (Boolean) body.get("isSync");
        Object callbackId = body.get("callbackId");
        if (!isSync && !(callbackId instanceof Long)) {
            throw new Exchanges.BadRequest(400, "/bridge/invoke: an async call needs an integer \"callbackId\"");
        }
        int id = callbackId instanceof Long ? (int) (long) (Long) callbackId : 0;
        String result = jni.nativeInvokeHandler(
                (String) api, jsonText(body, "data"), jsonText(body, "extra"), id, isSync);
        Exchanges.sendJson(exchange, 200, result);
    }

    /** Body {"uiId": n, "choice": ..., "values": {...}?}: the user's answer to a native UI. */
    public void answerUi(HttpExchange exchange) throws IOException, Exchanges.BadRequest {
        Exchanges.requireMethod(exchange, "POST");
        Map<String, Object> body = jsonBody(exchange);
        Object uiId = body.get("uiId");
        Object choice = body.get("choice");
        if (!(uiId instanceof Long) || !(choice instanceof String || choice instanceof Long)) {
            throw new Exchanges.BadRequest(400,
                    "/bridge/ui: expected {\"uiId\": <integer>, \"choice\": <string or index>}");
        }
        try {
            ui.answer((int) (long) (Long) uiId, String.valueOf(choice), Json.object(body, "values"));
        } catch (NativeUi.AnswerRejected rejected) {
            throw new Exchanges.BadRequest(rejected.httpStatus, "/bridge/ui: " + rejected.getMessage());
        }
        Exchanges.sendJson(exchange, 200, Json.write(Map.of("ok", true)));
    }

    public void state(HttpExchange exchange) throws IOException, Exchanges.BadRequest {
        Exchanges.requireMethod(exchange, "GET");
        Exchanges.sendJson(exchange, 200, Json.write(state.get()));
    }

    private static Map<String, Object> jsonBody(HttpExchange exchange) throws IOException, Exchanges.BadRequest {
        String path = exchange.getRequestURI().getPath();
        try {
            return Json.parseObject(Exchanges.body(exchange, MAX_BODY_BYTES));
        } catch (JsonException e) {
            throw new Exchanges.BadRequest(400, path + ": the body is not a JSON object: " + e.getMessage());
        }
    }

    /** data and extra are JSON strings; an object sent by mistake is taken as its JSON text. */
    private static String jsonText(Map<String, Object> body, String key) throws Exchanges.BadRequest {
        Object value = body.get(key);
        if (value == null) {
            return "{}";
        }
        if (value instanceof String) {
            return (String) value;
        }
        if (value instanceof Map) {
            return Json.write(value);
        }
        throw new Exchanges.BadRequest(400, "/bridge/invoke: \"" + key + "\" must be a JSON string, got a "
                + Json.typeName(value));
    }
}
