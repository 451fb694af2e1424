package miniprobe.sim.ui;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import miniprobe.sim.Log;

/**
 * Native UI drawn by the container (popups, modals, toasts): the host sends a `ui` event and, for
 * those that wait for the user, completes the answer when POST /bridge/ui brings the choice.
 */
public final class NativeUi {
    public static final Set<String> AGREE_OR_REJECT = Set.of("agree", "reject");
    public static final Set<String> CONFIRM_OR_CANCEL = Set.of("confirm", "cancel");

    private record OpenUi(String kind, Set<String> choices, long eventId, CompletableFuture<Answer> answer) {
    }

    /** The user's choice, plus the values of the UI's controls (the settings page's switches). */
    public record Answer(String choice, Map<String, Object> values) {
    }

    /** Why an answer was not taken. */
    public static final class AnswerRejected extends Exception {
        public final int httpStatus;

        AnswerRejected(int httpStatus, String message) {
            super(message);
            this.httpStatus = httpStatus;
        }
    }

    private final EventStream events;
    private final AtomicInteger lastUiId = new AtomicInteger();
    private final Map<Integer, OpenUi> open = new ConcurrentHashMap<>();

    public NativeUi(EventStream events) {
        this.events = events;
    }

    /** Shows a UI that waits for one of `choices`; the future completes with the user's choice. */
    public CompletableFuture<String> ask(String kind, Map<String, Object> fields, Set<String> choices) {
        return askForm(kind, fields, choices).thenApply(Answer::choice);
    }

    /** Like ask, for UIs whose answer also carries control values (POST /bridge/ui "values"). */
    public CompletableFuture<Answer> askForm(String kind, Map<String, Object> fields, Set<String> choices) {
        int uiId = lastUiId.incrementAndGet();
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        Map<String, Object> event = uiEvent(uiId, kind, fields);
        // Registered before it is sent: a fast page may answer before publish returns.
        synchronized (open) {
            long eventId = events.publishSticky(event);
            open.put(uiId, new OpenUi(kind, choices, eventId, answer));
        }
        Log.info("ui " + uiId + ": " + kind + " shown, waiting for " + choices);
        return answer;
    }

    /** Shows a UI that expects no answer (a toast); returns its uiId for a later close. */
    public int show(String kind, Map<String, Object> fields) {
        int uiId = lastUiId.incrementAndGet();
        events.publish(uiEvent(uiId, kind, fields));
        return uiId;
    }

    public void close(int uiId) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", "ui_close");
        event.put("uiId", uiId);
        events.publish(event);
    }

    /** The user's answer from POST /bridge/ui. */
    public void answer(int uiId, String choice, Map<String, Object> values) throws AnswerRejected {
        OpenUi ui;
        synchronized (open) {
            ui = open.get(uiId);
            if (ui == null) {
                throw new AnswerRejected(404, "no open ui with uiId " + uiId + " (already answered, or never shown)");
            }
            if (!ui.choices.contains(choice)) {
                throw new AnswerRejected(400, "ui " + uiId + " (" + ui.kind + ") takes a choice among " + ui.choices
                        + ", got " + choice);
            }
            open.remove(uiId);
        }
        events.release(ui.eventId);
        close(uiId);
        Log.info("ui " + uiId + ": " + ui.kind + " answered " + choice);
        ui.answer.complete(new Answer(choice, values == null ? Map.of() : values));
    }

    /** uiId -> kind of every UI waiting for an answer (for /bridge/state). */
    public Map<Integer, String> openUis() {
        Map<Integer, String> out = new LinkedHashMap<>();
        open.forEach((id, ui) -> out.put(id, ui.kind));
        return out;
    }

    private static Map<String, Object> uiEvent(int uiId, String kind, Map<String, Object> fields) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", "ui");
        event.put("uiId", uiId);
        event.put("ui", kind);
        event.putAll(fields);
        return event;
    }
}
