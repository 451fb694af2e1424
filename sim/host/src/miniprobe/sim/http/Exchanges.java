package miniprobe.sim.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import miniprobe.sim.Log;
import miniprobe.sim.json.Json;

/** Small helpers for com.sun.net.httpserver exchanges. */
public final class Exchanges {
    private Exchanges() {
    }

    /** A request the client got wrong: becomes an HTTP error with a JSON message. */
    public static final class BadRequest extends Exception {
        final int status;

        public BadRequest(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /** A handler that may refuse a request with BadRequest. */
    public interface Handler {
        void handle(HttpExchange exchange) throws IOException, BadRequest;
    }

    /** Wraps a handler so that no exception escapes to the server: bad requests get 4xx, the rest 500. */
    public static HttpHandler guarded(Handler handler) {
        return exchange -> {
            try {
                handler.handle(exchange);
            } catch (BadRequest bad) {
                sendError(exchange, bad.status, bad.getMessage());
            } catch (IOException e) {
                Log.warn(exchange.getRequestURI() + ": " + e);
            } catch (RuntimeException e) {
                Log.error(exchange.getRequestMethod() + " " + exchange.getRequestURI(), e);
                sendError(exchange, 500, "internal error in the sim host: " + e);
            } finally {
                exchange.close();
            }
        };
    }

    public static void requireMethod(HttpExchange exchange, String method) throws BadRequest {
        if (!method.equals(exchange.getRequestMethod())) {
            throw new BadRequest(405, exchange.getRequestURI().getPath() + " takes " + method);
        }
    }

    /** The request body as UTF-8, at most maxBytes. */
    public static String body(HttpExchange exchange, int maxBytes) throws IOException, BadRequest {
        try (InputStream in = exchange.getRequestBody()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) > 0) {
                if (out.size() + n > maxBytes) {
                    throw new BadRequest(413, "request body over " + maxBytes + " bytes");
                }
                out.write(buffer, 0, n);
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    public static void sendJson(HttpExchange exchange, int status, String json) throws IOException {
        send(exchange, status, "application/json; charset=utf-8", json.getBytes(StandardCharsets.UTF_8));
    }

    public static void sendError(HttpExchange exchange, int status, String message) {
        try {
            sendJson(exchange, status, Json.write(Map.of("error", message)));
        } catch (IOException | RuntimeException e) {
            // Headers may be gone already (a stream broke mid-way): nothing left to tell the client.
            Log.warn("could not send HTTP " + status + " (" + message + "): " + e);
        }
    }

    public static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
