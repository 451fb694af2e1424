package miniprobe.sim;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/** The host's log: one line per message on stderr (stdout carries only the READY line). */
public final class Log {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private Log() {
    }

    public static void info(String message) {
        line("INFO", message);
    }

    public static void warn(String message) {
        line("WARN", message);
    }

    public static void error(String message, Throwable cause) {
        line("ERROR", message + ": " + cause);
        cause.printStackTrace(System.err);
    }

    private static synchronized void line(String level, String message) {
        System.err.println(LocalTime.now().format(TIME) + " simhost " + level + " " + message);
        System.err.flush();
    }
}
