package miniprobe.sim.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** Serves the files of one folder under a URL prefix (GET /container/..., GET /app/..., GET / as index.html). */
public final class StaticFiles implements Exchanges.Handler {
    private static final Map<String, String> CONTENT_TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("wxss", "text/css; charset=utf-8"),
            Map.entry("json", "application/json; charset=utf-8"),
            Map.entry("wxml", "text/plain; charset=utf-8"),
            Map.entry("wxs", "text/javascript; charset=utf-8"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"),
            Map.entry("webp", "image/webp"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("woff", "font/woff"),
            Map.entry("woff2", "font/woff2"));

    private final Path root;
    private final String prefix;
    private final String index;

    /** `index` answers the bare prefix ("/" -> index.html); null for none. */
    public StaticFiles(Path root, String prefix, String index) {
        this.root = root;
        this.prefix = prefix;
        this.index = index;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException, Exchanges.BadRequest {
        Exchanges.requireMethod(exchange, "GET");
        String path = exchange.getRequestURI().getPath();
        String relative = path.startsWith(prefix) ? path.substring(prefix.length()) : "";
        if (relative.isEmpty() && index != null && path.equals(prefix)) {
            relative = index;
        }
        Path file = SafePaths.fileUnder(root, relative);
        if (file == null) {
            throw new Exchanges.BadRequest(404, "no file " + path + (index != null && relative.equals(index)
                    ? " (" + root.resolve(index) + " is missing: is --container the container folder?)" : ""));
        }
        Exchanges.send(exchange, 200, contentType(file), Files.readAllBytes(file));
    }

    private static String contentType(Path file) {
        String name = file.getFileName().toString();
        String extension = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        return CONTENT_TYPES.getOrDefault(extension, "application/octet-stream");
    }
}
