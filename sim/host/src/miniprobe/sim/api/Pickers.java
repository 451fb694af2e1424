package miniprobe.sim.api;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import miniprobe.sim.Profile;
import miniprobe.sim.bridge.ApiCall;
import miniprobe.sim.bridge.ApiGroup;
import miniprobe.sim.bridge.ApiRegistry;
import miniprobe.sim.bridge.Results;

/**
 * WeChat's pickers (photos, videos, files, a place, an address, an invoice title, a licence plate, an
 * avatar). The sim's user picks at once: the first item, from the profile. The privacy gates have
 * already run (consent, declared category), so reaching here means the user may hand it out.
 */
public final class Pickers implements ApiGroup {
    private final Profile profile;
    private final TempFiles files;

    public Pickers(Profile profile, TempFiles files) {
        this.profile = profile;
        this.files = files;
    }

    @Override
    public void register(ApiRegistry registry) {
        registry.add("chooseImage", this::chooseImage);
        registry.add("chooseMedia", this::chooseMedia);
        registry.add("chooseVideo", this::chooseVideo);
        registry.add("chooseMessageFile", this::chooseMessageFile);
        registry.add("chooseAvatar", call -> Results.ok(call.api, Map.of("avatarUrl", photo())));
        registry.add("chooseLocation", call -> Results.ok(call.api, pickedPlace()));
        registry.add("choosePoi", this::choosePoi);
        registry.add("chooseAddress", call -> Results.ok(call.api, addressWithNewDetail()));
        registry.add("chooseInvoiceTitle", call -> Results.ok(call.api, profile.section("invoiceTitle")));
        registry.add("chooseInvoice", call -> Results.ok(call.api, Map.of("invoiceInfo", List.of(Map.of(
                "cardId", "pbLatjmVjQ1VZGdXpTmYT2sTX0Vw", "encryptCode", "O/mPnGTpBu22a1szmK2OgW5AyKV1Gj0MPYVn0cpn",
                "appId", "wx2a8f5c3c4e1f0b9d")))));
        registry.add("chooseLicensePlate", call -> Results.ok(call.api, Map.of("plateNumber", profile.licensePlate)));
    }

    private String photo() throws IOException {
        return files.photo(String.valueOf(profile.section("avatar").get("file")));
    }

    private Map<String, Object> chooseImage(ApiCall call) throws IOException {
        String path = files.photo(null);
        return Results.ok(call.api, Map.of("tempFilePaths", List.of(path),
                "tempFiles", List.of(Map.of("path", path, "size", files.size(path)))));
    }

    private Map<String, Object> chooseMedia(ApiCall call) throws IOException {
        Object types = call.value("mediaType");
        boolean video = types instanceof List && ((List<?>) types).size() == 1 && "video".equals(((List<?>) types).get(0));
        String path = video ? files.create("mp4", new byte[64]) : files.photo(null);
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("tempFilePath", path);
        file.put("size", files.size(path));
        file.put("fileType", video ? "video" : "image");
        file.put("width", 1080);
        file.put("height", 1440);
        if (video) {
            file.put("duration", 5.2);
            file.put("thumbTempFilePath", files.photo(null));
        }
        return Results.ok(call.api, Map.of("tempFiles", List.of(file), "type", video ? "video" : "image"));
    }

    private Map<String, Object> chooseVideo(ApiCall call) throws IOException {
        String path = files.create("mp4", new byte[64]);
        return Results.ok(call.api, Map.of("tempFilePath", path, "duration", 5.2, "size", files.size(path),
                "width", 1080, "height", 1920));
    }

    private Map<String, Object> chooseMessageFile(ApiCall call) throws IOException {
        String path = files.create("pdf", "%PDF-1.4\n%sim\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return Results.ok(call.api, Map.of("tempFiles", List.of(Map.of("path", path, "size", files.size(path),
                "name", "体检报告.pdf", "type", "file", "time", System.currentTimeMillis() / 1000))));
    }

    private Map<String, Object> pickedPlace() {
        Map<String, Object> picked = profile.section("pickedLocation");
        Map<String, Object> place = new LinkedHashMap<>();
        for (String field : List.of("name", "address", "latitude", "longitude")) {
            place.put(field, picked.get(field));
        }
        return place;
    }

    private Map<String, Object> choosePoi(ApiCall call) {
        Map<String, Object> place = pickedPlace();
        place.put("type", 2);
        place.put("city", profile.section("address").get("cityName"));
        return Results.ok(call.api, place);
    }

    private Map<String, Object> addressWithNewDetail() {
        Map<String, Object> address = new LinkedHashMap<>(profile.section("address"));
        address.putIfAbsent("detailInfoNew", address.get("detailInfo"));
        return address;
    }
}
