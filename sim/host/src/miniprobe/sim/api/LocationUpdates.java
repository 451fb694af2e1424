package miniprobe.sim.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import miniprobe.sim.Profile;

/**
 * wx.startLocationUpdate / startLocationUpdateBackground and stopLocationUpdate, as WeChat runs them: a
 * reading at once and then one every second to the onLocationChange listeners until stopLocationUpdate.
 * startLocationUpdate receives "while the mini program is in the foreground" only: its readings pause
 * between onHide and onShow; startLocationUpdateBackground (scope.userLocationBackground) receives in the
 * foreground and in the background (developers.weixin.qq.com wx.startLocationUpdate[Background]).
 */
final class LocationUpdates {
    static final long INTERVAL_MS = 1000;

    private final Profile profile;
    private final Listeners listeners;
    private final BooleanSupplier foreground;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "location-updates");
        thread.setDaemon(true);
        return thread;
    });
    private ScheduledFuture<?> updates;
    private volatile boolean inBackgroundToo;

    LocationUpdates(Profile profile, Listeners listeners, BooleanSupplier foreground) {
        this.profile = profile;
        this.listeners = listeners;
        this.foreground = foreground;
    }

    /** Starts (or restarts) the updates; ``background`` keeps them going while the program is hidden. */
    synchronized void start(boolean background) {
        inBackgroundToo = inBackgroundToo || background;  // a background start is not undone by a plain one
        if (updates == null) {
            reading();
            updates = timer.scheduleAtFixedRate(this::tick, INTERVAL_MS, INTERVAL_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** stopLocationUpdate: no more readings, in the foreground or the background. */
    synchronized void stop() {
        if (updates != null) {
            updates.cancel(false);
            updates = null;
        }
        inBackgroundToo = false;
    }

    private void tick() {
        if (foreground.getAsBoolean() || inBackgroundToo) {
            reading();
        }
    }

    private void reading() {
        Map<String, Object> location = new LinkedHashMap<>();
        for (String field : List.of("latitude", "longitude", "accuracy", "altitude", "speed")) {
            location.put(field, profile.location(field));
        }
        listeners.emit("onLocationChange", location);
    }
}
