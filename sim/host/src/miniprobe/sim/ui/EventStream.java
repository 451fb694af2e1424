package miniprobe.sim.ui;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import miniprobe.sim.Log;
import miniprobe.sim.json.Json;

/**
 * GET /bridge/events: host-to-page events as Server-Sent Events, one JSON object per data line,
 * flushed per event. Events published while no page listens wait for the next one; a reconnecting
 * EventSource (Last-Event-ID) gets what it missed; open native UIs are re-sent to every new page.
 */
public final class EventStream implements HttpHandler {
    private static final int HISTORY_LIMIT = 2000;
    private static final long HEARTBEAT_MS = 15_000;

    private record Event(long id, String json) {
    }

    private final Object lock = new Object();
    private long lastId;
    private final ArrayDeque<Event> history = new ArrayDeque<>();
    private final ArrayDeque<Event> undelivered = new ArrayDeque<>();
    private final Map<Long, Event> sticky = new TreeMap<>();
    private final List<BlockingQueue<Event>> listeners = new CopyOnWriteArrayList<>();

    /** Sends an event to every listening page; returns its event id. */
    public long publish(Map<String, Object> event) {
        return publish(event, false);
    }

    /** Like publish, and the event is re-sent to pages that connect later, until released. */
    public long publishSticky(Map<String, Object> event) {
        return publish(event, true);
    }

    public void release(long eventId) {
        synchronized (lock) {
            sticky.remove(eventId);
        }
    }

    public int listenerCount() {
        return listeners.size();
    }

    private long publish(Map<String, Object> fields, boolean keep) {
        String json = Json.write(fields);
        synchronized (lock) {
            Event event = new Event(++lastId, json);
            remember(history, event);
            if (keep) {
                sticky.put(event.id, event);
            }
            if (listeners.isEmpty()) {
                remember(undelivered, event);
            }
            for (BlockingQueue<Event> queue : listeners) {
                queue.add(event);
            }
            return event.id;
        }
    }

    private static void remember(ArrayDeque<Event> events, Event event) {
        events.addLast(event);
        if (events.size() > HISTORY_LIMIT) {
            events.removeFirst();
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        if (!"GET".equals(exchange.getRequestMethod())) {
            exchange.sendResponseHeaders(405, -1);
            exchange.close();
            return;
        }
        BlockingQueue<Event> queue = new LinkedBlockingQueue<>();
        synchronized (lock) {
            queue.addAll(backlog(exchange.getRequestHeaders().getFirst("Last-Event-ID")));
            listeners.add(queue);
        }
        Log.info("events: page connected (" + listeners.size() + " listening)");
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Accel-Buffering", "no");
        try (OutputStream out = exchange.getResponseBody()) {
            exchange.sendResponseHeaders(200, 0);
            write(out, "retry: 1000\n\n");
            while (true) {
                Event event = queue.poll(HEARTBEAT_MS, TimeUnit.MILLISECONDS);
                write(out, event == null ? ": ping\n\n" : "id: " + event.id + "\ndata: " + event.json + "\n\n");
            }
        } catch (IOException | InterruptedException gone) {
            // The page went away (or the host stops): its events are kept in the history.
        } finally {
            listeners.remove(queue);
            exchange.close();
            Log.info("events: page disconnected (" + listeners.size() + " listening)");
        }
    }

    /** What a new listener gets first; called under the lock. */
    private List<Event> backlog(String lastEventId) {
        TreeMap<Long, Event> backlog = new TreeMap<>();
        long seen = parseId(lastEventId);
        if (seen >= 0) {
            for (Event event : history) {
                if (event.id > seen) {
                    backlog.put(event.id, event);
                }
            }
        } else {
            for (Event event : undelivered) {
                backlog.put(event.id, event);
            }
            for (Event event : sticky.values()) {
                backlog.put(event.id, event);
            }
        }
        undelivered.clear();
        return new ArrayList<>(backlog.values());
    }

    private static long parseId(String header) {
        if (header == null) {
            return -1;
        }
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void write(OutputStream out, String frame) throws IOException {
        out.write(frame.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
