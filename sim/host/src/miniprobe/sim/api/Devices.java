package miniprobe.sim.api;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import miniprobe.sim.Profile;
import miniprobe.sim.bridge.ApiCall;
import miniprobe.sim.bridge.ApiGroup;
import miniprobe.sim.bridge.ApiRegistry;
import miniprobe.sim.bridge.Results;

/**
 * The phone's hardware as mini programs reach it: sensors, Wi-Fi, Bluetooth, microphone, camera, WeRun,
 * location updates (LocationUpdates), and the album/contacts/calendar writes. Minimal but real: each start answers and
 * sends one reading from the profile to the page's listeners through the bridge.
 */
public final class Devices implements ApiGroup {
    private static final long RECORD_LIMIT_MS = 60_000;

    private final Profile profile;
    private final Listeners listeners;
    private final TempFiles files;
    private final LocationUpdates location;
    private final SecureRandom random = new SecureRandom();
    private boolean wifiStarted;
    private boolean bluetoothOpen;
    private CompletableFuture<String> recording;

    /** ``foreground`` says whether the mini program is shown (plain location updates pause when it is not). */
    public Devices(Profile profile, Listeners listeners, TempFiles files, BooleanSupplier foreground) {
        this.profile = profile;
        this.listeners = listeners;
        this.files = files;
        this.location = new LocationUpdates(profile, listeners, foreground);
    }

    @Override
    public void register(ApiRegistry registry) {
        sensor(registry, "Accelerometer", "onAccelerometerChange", "x", "y", "z");
        sensor(registry, "Gyroscope", "onGyroscopeChange", "x", "y", "z");
        sensor(registry, "Compass", "onCompassChange", "direction", "accuracy");
        sensor(registry, "DeviceMotionListening", "onDeviceMotionChange", "x", "y", "z");
        registry.add("startLocationUpdate", call -> {
            location.start(false);
            return Results.ok(call.api);
        });
        registry.add("startLocationUpdateBackground", call -> {
            location.start(true);
            return Results.ok(call.api);
        });
        registry.add("offLocationChange", call -> Results.ok(call.api));  // the listener lives in the page
        registry.add("stopLocationUpdate", call -> {
            location.stop();
            return Results.ok(call.api);
        });
        registry.add("startWifi", this::startWifi);
        registry.add("stopWifi", this::stopWifi);
        registry.add("getConnectedWifi", this::getConnectedWifi);
        registry.add("getWifiList", this::getWifiList);
        registry.add("openBluetoothAdapter", this::openBluetoothAdapter);
        registry.add("closeBluetoothAdapter", this::closeBluetoothAdapter);
        registry.add("getBluetoothAdapterState", this::bluetoothState);
        registry.add("startBluetoothDevicesDiscovery", this::startDiscovery);
        registry.add("stopBluetoothDevicesDiscovery", this::whenBluetoothOpen);
        registry.add("getBluetoothDevices", this::getBluetoothDevices);
        registry.add("createBLEConnection", this::whenBluetoothOpen);
        registry.add("closeBLEConnection", this::whenBluetoothOpen);
        registry.add("createBLEPeripheralServer", call -> Results.ok(call.api, Map.of("server", Map.of())));
        registry.add("startRecord", this::startRecord);
        registry.add("stopRecord", this::stopRecord);
        registry.add("RecorderManager.start", this::recorderStart);
        registry.add("RecorderManager.stop", this::recorderStop);
        registry.add("createCameraContext", call -> Results.ok(call.api));
        registry.add("CameraContext.takePhoto", this::takePhoto);
        registry.add("getWeRunData", this::getWeRunData);
        for (String api : List.of("saveImageToPhotosAlbum", "saveVideoToPhotosAlbum", "addPhoneContact",
                "addPhoneCalendar", "addPhoneRepeatCalendar", "vibrateShort", "vibrateLong")) {
            registry.add(api, call -> Results.ok(call.api));
        }
    }

    private void sensor(ApiRegistry registry, String name, String listener, String... fields) {
        registry.add("start" + name, call -> {
            Map<String, Object> reading = new LinkedHashMap<>();
            for (String field : fields) {
                reading.put(field, profile.section("sensors").get(field));
            }
            listeners.emit(listener, reading);
            return Results.ok(call.api);
        });
        registry.add("stop" + name, call -> Results.ok(call.api));
    }


    private synchronized Map<String, Object> startWifi(ApiCall call) {
        wifiStarted = true;
        return Results.ok(call.api);
    }

    private synchronized Map<String, Object> stopWifi(ApiCall call) {
        wifiStarted = false;
        return Results.ok(call.api);
    }

    /** Wi-Fi APIs fail with errCode 12000 until wx.startWifi, as in WeChat. */
    private synchronized Map<String, Object> getConnectedWifi(ApiCall call) {
        if (!wifiStarted) {
            return notInit(call.api, 12000);
        }
        return Results.ok(call.api, Map.of("wifi", profile.section("wifi")));
    }

    private synchronized Map<String, Object> getWifiList(ApiCall call) {
        if (!wifiStarted) {
            return notInit(call.api, 12000);
        }
        listeners.emit("onGetWifiList", Map.of("wifiList", List.of(profile.section("wifi"))));
        return Results.ok(call.api);
    }

    private synchronized Map<String, Object> openBluetoothAdapter(ApiCall call) {
        bluetoothOpen = true;
        return Results.ok(call.api);
    }

    private synchronized Map<String, Object> closeBluetoothAdapter(ApiCall call) {
        bluetoothOpen = false;
        return Results.ok(call.api);
    }

    private synchronized Map<String, Object> bluetoothState(ApiCall call) {
        return bluetoothOpen ? Results.ok(call.api, Map.of("available", true, "discovering", false))
                : notInit(call.api, 10000);
    }

    private synchronized Map<String, Object> startDiscovery(ApiCall call) {
        if (!bluetoothOpen) {
            return notInit(call.api, 10000);
        }
        listeners.emit("onBluetoothDeviceFound", Map.of("devices", profile.bluetoothDevices()));
        return Results.ok(call.api);
    }

    private synchronized Map<String, Object> getBluetoothDevices(ApiCall call) {
        return bluetoothOpen ? Results.ok(call.api, Map.of("devices", profile.bluetoothDevices()))
                : notInit(call.api, 10000);
    }

    private synchronized Map<String, Object> whenBluetoothOpen(ApiCall call) {
        return bluetoothOpen ? Results.ok(call.api) : notInit(call.api, 10000);
    }

    /** wx.startRecord answers when the recording ends: wx.stopRecord, or after a minute. */
    private Map<String, Object> startRecord(ApiCall call) throws InterruptedException, ExecutionException {
        CompletableFuture<String> done = new CompletableFuture<>();
        synchronized (this) {
            if (recording != null && !recording.isDone()) {
                return Results.fail(call.api, "is recording");
            }
            recording = done;
        }
        String path;
        try {
            path = done.get(RECORD_LIMIT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException limit) {
            path = recordingFile();
        }
        return Results.ok(call.api, Map.of("tempFilePath", path));
    }

    private Map<String, Object> stopRecord(ApiCall call) throws IOException {
        CompletableFuture<String> done;
        synchronized (this) {
            done = recording;
            recording = null;
        }
        if (done != null) {
            done.complete(recordingFile());
        }
        return Results.ok(call.api);
    }

    private Map<String, Object> recorderStart(ApiCall call) {
        listeners.emit("RecorderManager", "onStart", Map.of());
        return Results.ok(call.api);
    }

    private Map<String, Object> recorderStop(ApiCall call) throws IOException {
        listeners.emit("RecorderManager", "onStop", Map.of("tempFilePath", recordingFile(), "duration", 3000,
                "fileSize", 4096));
        return Results.ok(call.api);
    }

    private Map<String, Object> takePhoto(ApiCall call) throws IOException {
        return Results.ok(call.api, Map.of("tempImagePath", files.photo(null)));
    }

    /** Encrypted like WeChat's (the step count is only readable on the back end with the session key). */
    private Map<String, Object> getWeRunData(ApiCall call) {
        byte[] sealed = new byte[96];
        random.nextBytes(sealed);
        byte[] iv = new byte[16];
        random.nextBytes(iv);
        Base64.Encoder b64 = Base64.getEncoder();
        return Results.ok(call.api, Map.of("encryptedData", b64.encodeToString(sealed), "iv", b64.encodeToString(iv),
                "cloudID", "werun." + Integer.toHexString(random.nextInt())));
    }

    private String recordingFile() {
        try {
            return files.create("aac", new byte[256]);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the recording", e);
        }
    }

    private static Map<String, Object> notInit(String api, int errCode) {
        Map<String, Object> result = Results.fail(api, "not init");
        result.put("errCode", errCode);
        return result;
    }
}
