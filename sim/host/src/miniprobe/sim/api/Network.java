package miniprobe.sim.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
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
 * wx.request, uploadFile, downloadFile and connectSocket (SocketTask), performed natively as WeChat
 * does: through --proxy when given, with WeChat's Referer and User-Agent, trusting the --ca certificate
 * besides the JDK's own. WebSocket events reach the page as listener events of target "socket:<id>".
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
    private final Listeners listeners;
    private final TempFiles files;
    private final AtomicInteger lastSocketId = new AtomicInteger();
    private final Map<Integer, WebSocket> sockets = new ConcurrentHashMap<>();

    public Network(AppConfig app, Profile profile, HostOptions options, Listeners listeners, TempFiles files)
            throws IOException, GeneralSecurityException {
        this.listeners = listeners;
        this.files = files;
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
        registry.add("uploadFile", this::uploadFile);
        registry.add("downloadFile", this::downloadFile);
        registry.add("connectSocket", this::connectSocket);
        registry.add("SocketTask.send", this::socketSend);
        registry.add("SocketTask.close", this::socketClose);
    }

    /** multipart/form-data POST of one temp file (`name`) plus `formData` fields. */
    private Map<String, Object> uploadFile(ApiCall call) throws IOException, InterruptedException {
        Path file = files.resolve(call.string("filePath", ""));
        if (file == null) {
            return Results.fail(call.api, "file not found: " + call.string("filePath", ""));
        }
        URI uri = httpUri(call);
        if (uri == null) {
            return Results.fail(call.api, "invalid url " + call.string("url", "") + " (http or https only)");
        }
        String boundary = "----WebKitFormBoundary" + Long.toHexString(System.nanoTime());
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        call.object("formData").forEach((name, value) -> part(body, boundary,
                "Content-Disposition: form-data; name=\"" + name + "\"", text(value).getBytes(StandardCharsets.UTF_8)));
        part(body, boundary, "Content-Disposition: form-data; name=\"" + call.string("name", "file") + "\"; filename=\""
                + file.getFileName() + "\"\r\nContent-Type: application/octet-stream", Files.readAllBytes(file));
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofMillis((long) call.number("timeout", 60_000)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        addHeaders(request, headers(call.object("header")));
        request.header("content-type", "multipart/form-data; boundary=" + boundary);
        HttpResponse<byte[]> response = send(call.api, request);
        if (response == null) {
            return Results.fail(call.api, lastFailure.get());
        }
        return Results.ok(call.api, Map.of("data", new String(response.body(), StandardCharsets.UTF_8),
                "statusCode", response.statusCode()));
    }

    private Map<String, Object> downloadFile(ApiCall call) throws IOException, InterruptedException {
        URI uri = httpUri(call);
        if (uri == null) {
            return Results.fail(call.api, "invalid url " + call.string("url", "") + " (http or https only)");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofMillis((long) call.number("timeout", 60_000))).GET();
        addHeaders(request, headers(call.object("header")));
        HttpResponse<byte[]> response = send(call.api, request);
        if (response == null) {
            return Results.fail(call.api, lastFailure.get());
        }
        String name = uri.getPath().substring(uri.getPath().lastIndexOf('/') + 1);
        String extension = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1).replaceAll("[^A-Za-z0-9]", "")
                : "tmp";
        String path = files.create(extension.isEmpty() ? "tmp" : extension, response.body());
        return Results.ok(call.api, Map.of("tempFilePath", path, "statusCode", response.statusCode(),
                "dataLength", response.body().length));
    }

    /** Opens a WebSocket (ws/wss, through the proxy); answers at once with the task id, events follow. */
    private Map<String, Object> connectSocket(ApiCall call) {
        String url = call.string("url", "");
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return Results.fail(call.api, "invalid url " + url);
        }
        if (!"ws".equals(uri.getScheme()) && !"wss".equals(uri.getScheme())) {
            return Results.fail(call.api, "invalid url " + url + " (ws or wss only)");
        }
        int id = lastSocketId.incrementAndGet();
        String target = "socket:" + id;
        WebSocket.Builder builder = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        headers(call.object("header")).forEach((name, value) -> {
            if (!FIXED_HEADERS.contains(name) && !name.startsWith("sec-websocket")) {
                builder.header(name, value);
            }
        });
        builder.header("User-Agent", userAgent).header("Referer", referer);
        builder.buildAsync(uri, new SocketListener(id, target)).whenComplete((socket, error) -> {
            if (error != null) {
                listeners.emit(target, "onError", Map.of("errMsg", "connectSocket:fail " + describe(error)));
                listeners.emit(target, "onClose", Map.of("code", 1006, "reason", "abnormal closure"));
            } else {
                sockets.put(id, socket);
                listeners.emit(target, "onOpen", Map.of("header", Map.of()));
            }
        });
        return Results.ok(call.api, Map.of("socketTaskId", id));
    }

    private Map<String, Object> socketSend(ApiCall call) {
        WebSocket socket = sockets.get((int) call.number("socketTaskId", 0));
        if (socket == null) {
            return Results.fail(call.api, "WebSocket is not connected");
        }
        Object data = call.value("data");
        if ("base64".equals(call.string("encoding", ""))) {
            socket.sendBinary(ByteBuffer.wrap(Base64.getDecoder().decode(String.valueOf(data))), true).join();
        } else {
            socket.sendText(data == null ? "" : text(data), true).join();
        }
        return Results.ok(call.api);
    }

    private Map<String, Object> socketClose(ApiCall call) {
        WebSocket socket = sockets.remove((int) call.number("socketTaskId", 0));
        if (socket != null) {
            socket.sendClose((int) call.number("code", 1000), call.string("reason", "")).join();
        }
        return Results.ok(call.api);
    }

    /** Page events of one WebSocket; text frames are joined until the last part. */
    private final class SocketListener implements WebSocket.Listener {
        private final int id;
        private final String target;
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        SocketListener(int id, String target) {
            this.id = id;
            this.target = target;
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                listeners.emit(target, "onMessage", Map.of("data", text.toString()));
                text.setLength(0);
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binary.writeBytes(bytes);
            if (last) {
                listeners.emit(target, "onMessage", Map.of("data",
                        Base64.getEncoder().encodeToString(binary.toByteArray()), "encoding", "base64"));
                binary.reset();
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
            sockets.remove(id);
            listeners.emit(target, "onClose", Map.of("code", code, "reason", reason));
            return null;
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            sockets.remove(id);
            listeners.emit(target, "onError", Map.of("errMsg", "SocketTask:fail " + describe(error)));
        }
    }

    private final ThreadLocal<String> lastFailure = new ThreadLocal<>();

    /** Sends with WeChat's fixed headers; null on a transport failure (its reason in lastFailure). */
    private HttpResponse<byte[]> send(String api, HttpRequest.Builder request) throws InterruptedException {
        request.header("Referer", referer).header("User-Agent", userAgent);
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            lastFailure.set("timeout");
        } catch (IOException e) {
            lastFailure.set(describe(e));
        }
        return null;
    }

    private static URI httpUri(ApiCall call) {
        try {
            URI uri = URI.create(call.string("url", ""));
            return "http".equals(uri.getScheme()) || "https".equals(uri.getScheme()) ? uri : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void addHeaders(HttpRequest.Builder request, Map<String, String> headers) {
        headers.forEach((name, value) -> {
            if (!FIXED_HEADERS.contains(name) && !"content-type".equals(name)) {
                request.header(name, value);
            }
        });
    }

    private static void part(ByteArrayOutputStream body, String boundary, String head, byte[] content) {
        body.writeBytes(("--" + boundary + "\r\n" + head + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(content);
        body.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
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
