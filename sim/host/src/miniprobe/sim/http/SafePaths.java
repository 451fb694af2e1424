package miniprobe.sim.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** Resolves request paths inside a served folder, never outside it (no .., no symlink escapes). */
final class SafePaths {
    private SafePaths() {
    }

    /** The regular file at `relative` under `root`, or null when there is none inside root. */
    static Path fileUnder(Path root, String relative) throws IOException {
        if (relative.isEmpty() || relative.indexOf('\0') >= 0 || relative.indexOf('\\') >= 0) {
            return null;
        }
        Path candidate;
        try {
            candidate = root.resolve(relative).normalize();
        } catch (InvalidPathException e) {
            return null;
        }
        if (!candidate.startsWith(root) || !Files.isRegularFile(candidate)) {
            return null;
        }
        return isInside(root, candidate) ? candidate : null;
    }

    /** Whether the real location of `file` (symlinks followed) is inside the real `root`. */
    static boolean isInside(Path root, Path file) throws IOException {
        return file.toRealPath().startsWith(root.toRealPath());
    }
}
