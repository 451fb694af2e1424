package miniprobe.sim.json;

/** Malformed JSON text; the message names the offset. */
public final class JsonException extends Exception {
    public JsonException(String message) {
        super(message);
    }
}
