package miniprobe.sim;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The SimHost command line (sim/PROTOCOL.md, "JVM host command line"). */
public final class HostOptions {
    public static final String USAGE = String.join("\n",
            "usage: java -cp sim/host/build miniprobe.sim.SimHost --container DIR --app DIR [options]",
            "  --port N                 port on 127.0.0.1 (default 0 = pick a free port)",
            "  --container DIR          static files of the container (sim/container)",
            "  --app DIR                the mini program source folder (holds app.json or project.config.json)",
            "  --profile FILE           simulated personal data (JSON); missing fields get defaults",
            "  --proxy HOST:PORT        HTTP proxy for wx.request (mitmproxy)",
            "  --ca FILE                extra trusted CA certificate(s), PEM, for https through the proxy",
            "  --exit-on-stdin-eof      exit when stdin reaches EOF (the parent died)",
            "  --privacy-refusal-window-ms N  after the privacy popup is refused, privacy calls fail",
            "                           without a popup for N ms (default 10000, as WeChat)",
            "  --socket-backend PORT    raw TCP/UDP sockets to non-loopback addresses go to the fixture back end",
            "                           on 127.0.0.1:PORT (TCP through an HTTP CONNECT tunnel, UDP to its echo)",
            "  --privacy-agreed         start with the privacy guide already agreed (a returning user)",
            "  --grant SCOPE=allow|deny start with a scope already decided (repeatable)");

    public int port = 0;
    public Path container;
    public Path app;
    public Path profile;
    public String proxyHost;
    public int proxyPort;
    public Path ca;
    public boolean exitOnStdinEof;
    public long privacyRefusalWindowMs = 10_000;
    public int socketBackendPort;
    public boolean privacyAgreed;
    public final Map<String, Boolean> grants = new LinkedHashMap<>();

    /** Parses the command line; a mistake raises IllegalArgumentException naming the option and the fix. */
    public static HostOptions parse(String[] args) {
        HostOptions options = new HostOptions();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            switch (name) {
                case "--exit-on-stdin-eof" -> options.exitOnStdinEof = true;
                case "--port" -> options.port = integer(name, value(args, ++i, name), 0, 65535);
                case "--container" -> options.container = directory(name, value(args, ++i, name));
                case "--app" -> options.app = directory(name, value(args, ++i, name));
                case "--profile" -> options.profile = file(name, value(args, ++i, name));
                case "--ca" -> options.ca = file(name, value(args, ++i, name));
                case "--proxy" -> options.setProxy(value(args, ++i, name));
                case "--privacy-refusal-window-ms" ->
                        options.privacyRefusalWindowMs = integer(name, value(args, ++i, name), 0, Integer.MAX_VALUE);
                case "--socket-backend" -> options.socketBackendPort = integer(name, value(args, ++i, name), 1, 65535);
                case "--privacy-agreed" -> options.privacyAgreed = true;
                case "--grant" -> options.addGrant(value(args, ++i, name));
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (options.container == null) {
            throw new IllegalArgumentException("--container DIR is required (the sim/container folder)");
        }
        if (options.app == null) {
            throw new IllegalArgumentException(
                    "--app DIR is required (the mini program folder, e.g. sim/apps/storefinder)");
        }
        return options;
    }

    public boolean hasProxy() {
        return proxyHost != null;
    }

    private void addGrant(String spec) {
        String[] parts = spec.split("=", 2);
        if (parts.length != 2 || !parts[0].startsWith("scope.") || !Set.of("allow", "deny").contains(parts[1])) {
            throw new IllegalArgumentException("--grant " + spec + ": expected SCOPE=allow or SCOPE=deny,"
                    + " e.g. scope.userLocation=allow");
        }
        grants.put(parts[0], "allow".equals(parts[1]));
    }

    private void setProxy(String spec) {
        int colon = spec.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("--proxy " + spec + ": expected HOST:PORT, e.g. 127.0.0.1:8081");
        }
        proxyHost = spec.substring(0, colon);
        proxyPort = integer("--proxy", spec.substring(colon + 1), 1, 65535);
    }

    private static String value(String[] args, int index, String name) {
        if (index >= args.length) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return args[index];
    }

    private static int integer(String name, String text, int min, int max) {
        try {
            int n = Integer.parseInt(text);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    name + " " + text + ": expected a whole number from " + min + " to " + max);
        }
    }

    private static Path directory(String name, String text) {
        Path path = Path.of(text).toAbsolutePath().normalize();
        if (!Files.isDirectory(path)) {
            throw new IllegalArgumentException(name + " " + text + ": no such directory");
        }
        return path;
    }

    private static Path file(String name, String text) {
        Path path = Path.of(text).toAbsolutePath().normalize();
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(name + " " + text + ": no such file");
        }
        return path;
    }
}
