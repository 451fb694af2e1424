package miniprobe.sim.api;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import miniprobe.sim.AppConfig;
import miniprobe.sim.HostOptions;
import miniprobe.sim.Profile;
import miniprobe.sim.bridge.ApiCall;
import miniprobe.sim.bridge.ApiGroup;
import miniprobe.sim.bridge.ApiRegistry;
import miniprobe.sim.bridge.Results;
import miniprobe.sim.json.Json;
import miniprobe.sim.json.JsonException;

/**
 * wx.request, performed natively as WeChat does: through --proxy when given, with WeChat's Referer
 * and User-Agent, trusting the --ca certificate besides the JDK's own.
 */
public final class Network implements ApiGroup {
    private static final Set<String> METHODS =
            Set.of("OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT");
    /** Headers the page may not set: WeChat fixes Referer and User-Agent, java.net.http owns the rest. */
    private static final Set<String> FIXED_HEADERS = Set.of("referer", "user-agent", "connection", "content-length",
            "expect", "host", "upgrade");

    private final HttpClient client;
    private final String referer;
    private final String userAgent;

    public Network(AppConfig app, Profile profile, HostOptions options) throws IOException, GeneralSecurityException {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(10));
        if (options.hasProxy()) {
            builder.proxy(ProxySelector.of(new InetSocketAddress(options.proxyHost, options.proxyPort)));
        }
        if (options.ca != null) {
            builder.sslContext(TrustedCertificates.sslContextWith(options.ca));
        }
        this.client = builder.build();
        this.referer = "https://servicewechat.com/" + app.appid + "/0/page-frame.html";
        this.userAgent = userAgent(app, profile);
    }

    @Override
    public void register(ApiRegistry registry) {
        registry.add("request", this::request);
    }

    private Map<String, Object> request(ApiCall call) throws InterruptedException {
        String method = call.string("method", "GET").toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            return Results.fail(call.api, "invalid method " + method);
        }
        Map<String, String> headers = headers(call.object("header"));
        String contentType = headers.getOrDefault("content-type", "application/json");
        Object data = call.value("data");
        String url = call.string("url", "");
        String body = null;
        // As WeChat: GET data goes into the query; other methods send it as JSON or as a form.
        if ("GET".equals(method)) {
            String query = data instanceof Map ? formEncoded((Map<?, ?>) data) : data == null ? "" : text(data);
            if (!query.isEmpty()) {
                url += (url.contains("?") ? "&" : "?") + query;
            }
        } else if (data instanceof Map && contentType.contains("x-www-form-urlencoded")) {
            body = formEncoded((Map<?, ?>) data);
        } else if (data != null) {
            body = text(data);
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return Results.fail(call.api, "invalid url " + url);
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            return Results.fail(call.api, "invalid url " + url + " (http or https only)");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofMillis((long) call.number("timeout", 60_000)))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach((name, value) -> {
            if (!FIXED_HEADERS.contains(name)) {
                request.header(name, value);
            }
        });
        if (body != null && !headers.containsKey("content-type")) {
            request.header("content-type", contentType);
        }
        request.header("Referer", referer).header("User-Agent", userAgent);
        HttpResponse<byte[]> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            return Results.fail(call.api, "timeout");
        } catch (IOException e) {
            return Results.fail(call.api, describe(e));
        }
        return Results.ok(call.api, resultOf(response, "json".equals(call.string("dataType", "json"))));
    }

    /** {data, statusCode, header, cookies}: data is the parsed body when asked for JSON and it is JSON. */
    private static Map<String, Object> resultOf(HttpResponse<byte[]> response, boolean json) {
        Map<String, Object> result = new LinkedHashMap<>();
        String text = new String(response.body(), StandardCharsets.UTF_8);
        result.put("data", json ? jsonOrText(text) : text);
        result.put("statusCode", response.statusCode());
        Map<String, Object> headers = new LinkedHashMap<>();
        response.headers().map().forEach((name, values) -> headers.put(name, String.join(",", values)));
        result.put("header", headers);
        result.put("cookies", new ArrayList<>(response.headers().allValues("set-cookie")));
        return result;
    }

    /** The page's header object, names lower-cased (HTTP names are case-insensitive). */
    private static Map<String, String> headers(Map<String, Object> given) {
        Map<String, String> headers = new LinkedHashMap<>();
        given.forEach((name, value) -> {
            if (value != null) {
                headers.put(name.toLowerCase(Locale.ROOT), text(value));
            }
        });
        return headers;
    }

    /** key=value&..., as WeChat encodes data for GET and form posts. */
    private static String formEncoded(Map<?, ?> data) {
        StringJoiner query = new StringJoiner("&");
        data.forEach((key, value) ->
                query.add(encode(String.valueOf(key)) + "=" + encode(value == null ? "" : text(value))));
        return query.toString();
    }

    /** A string as it is, anything else as its JSON. */
    private static String text(Object value) {
        return value instanceof String ? (String) value : Json.write(value);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static Object jsonOrText(String text) {
        if (text.isBlank()) {
            return text;
        }
        try {
            return Json.parse(text);
        } catch (JsonException notJson) {
            return text;
        }
    }

    /** The failure and its causes, e.g. "ConnectException: Connection refused". */
    private static String describe(Throwable error) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = error; t != null && parts.size() < 4; t = t.getCause()) {
            String part = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
            if (!parts.contains(part)) {
                parts.add(part);
            }
        }
        return String.join(" <- ", parts);
    }

    /** The User-Agent of WeChat's Android mini program runtime (XWeb), for the profile's phone. */
    private static String userAgent(AppConfig app, Profile profile) {
        String android = profile.systemString("system").replaceFirst("(?i)^android\\s*", "");
        return "Mozilla/5.0 (Linux; Android " + android + "; " + profile.systemString("model")
                + " Build/UKQ1.230804.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0"
                + " Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/4072"
                + " MicroMessenger/" + profile.systemString("version") + ".2600(0x28003237) WeChat/arm64 Weixin"
                + " NetType/WIFI Language/" + profile.systemString("language") + " ABI/arm64"
                + " miniProgram/" + app.appid + " MiniProgramEnv/android";
    }
}
