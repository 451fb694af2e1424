package miniprobe.sim.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import miniprobe.sim.AppConfig;
import miniprobe.sim.json.Json;

/** GET /app/bundle.json: every text file of the mini program, by relative path, size-bounded. */
public final class AppBundle implements Exchanges.Handler {
    public static final long MAX_BYTES = 8L * 1024 * 1024;
    private static final Set<String> TEXT_EXTENSIONS = Set.of("json", "js", "wxml", "wxss", "wxs");
    /** Not part of a mini program: tooling folders (miniprogram_npm is kept). */
    private static final Set<String> SKIPPED_FOLDERS = Set.of("node_modules");

    private final AppConfig app;

    public AppBundle(AppConfig app) {
        this.app = app;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException, Exchanges.BadRequest {
        Exchanges.requireMethod(exchange, "GET");
        Map<String, Object> bundle = new LinkedHashMap<>();
        bundle.put("appid", app.appid);
        bundle.put("files", readTextFiles());
        Exchanges.sendJson(exchange, 200, Json.write(bundle));
    }

    private Map<String, String> readTextFiles() throws IOException, Exchanges.BadRequest {
        Map<String, Path> found = new TreeMap<>();
        long[] total = {0};
        Files.walkFileTree(app.root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
                boolean skipped = !dir.equals(app.root) && (name.startsWith(".") || SKIPPED_FOLDERS.contains(name));
                return skipped ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String name = file.getFileName().toString();
                String extension = name.substring(name.lastIndexOf('.') + 1);
                if (!name.startsWith(".") && name.contains(".") && TEXT_EXTENSIONS.contains(extension)
                        && Files.isRegularFile(file) && SafePaths.isInside(app.root, file)) {
                    found.put(app.root.relativize(file).toString().replace('\\', '/'), file);
                    total[0] += Files.size(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        if (total[0] > MAX_BYTES) {
            throw new Exchanges.BadRequest(413, "the app's text files (" + total[0] + " bytes in " + app.root
                    + ") exceed the bundle limit of " + MAX_BYTES + " bytes (8 MB)");
        }
        Map<String, String> files = new LinkedHashMap<>();
        for (Map.Entry<String, Path> entry : found.entrySet()) {
            files.put(entry.getKey(), new String(Files.readAllBytes(entry.getValue()), StandardCharsets.UTF_8));
        }
        return files;
    }
}
