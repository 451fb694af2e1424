package miniprobe.sim.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The mini program's temporary files (wxfile://tmp_N.ext): picked images, downloads, recordings. They
 * live in a folder of the host run, deleted when the host exits, and are served at /wxfile/.
 */
public final class TempFiles {
    public static final String SCHEME = "wxfile://";
    /** A 1x1 PNG: what a picked photo holds when the profile names no image file. */
    private static final byte[] PIXEL_PNG = Base64.getDecoder().decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private final Path dir;
    private final AtomicInteger count = new AtomicInteger();

    public TempFiles() throws IOException {
        dir = Files.createTempDirectory("simhost-wxfile-");
        dir.toFile().deleteOnExit();
    }

    public Path dir() {
        return dir;
    }

    /** A new temp file holding `bytes`; returns its wxfile:// path. */
    public String create(String extension, byte[] bytes) throws IOException {
        String name = "tmp_" + count.incrementAndGet() + "." + extension;
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        file.toFile().deleteOnExit();
        return SCHEME + name;
    }

    /** A picked photo: the profile's image file when it names one, else a 1x1 PNG. */
    public String photo(String profileFile) throws IOException {
        if (profileFile != null && !profileFile.isBlank() && Files.isRegularFile(Path.of(profileFile))) {
            String name = Path.of(profileFile).getFileName().toString();
            String extension = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1) : "jpg";
            return create(extension, Files.readAllBytes(Path.of(profileFile)));
        }
        return create("png", PIXEL_PNG);
    }

    /** The file behind a wxfile:// path, or null when it is not one of ours. */
    public Path resolve(String path) {
        if (path == null || !path.startsWith(SCHEME)) {
            return null;
        }
        String name = path.substring(SCHEME.length());
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            return null;
        }
        Path file = dir.resolve(name);
        return Files.isRegularFile(file) ? file : null;
    }

    public long size(String path) throws IOException {
        Path file = resolve(path);
        return file == null ? 0 : Files.size(file);
    }
}
