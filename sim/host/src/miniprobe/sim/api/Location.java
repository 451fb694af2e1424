package miniprobe.sim.api;

import java.util.LinkedHashMap;
import java.util.Map;
import miniprobe.sim.Profile;
import miniprobe.sim.bridge.ApiCall;
import miniprobe.sim.bridge.ApiGroup;
import miniprobe.sim.bridge.ApiRegistry;
import miniprobe.sim.bridge.Results;

/** Location APIs, answering with the profile's position (WGS-84, converted to GCJ-02 on request). */
public final class Location implements ApiGroup {
    private final Profile profile;

    public Location(Profile profile) {
        this.profile = profile;
    }

    @Override
    public void register(ApiRegistry registry) {
        registry.add("getLocation", this::getLocation);
        registry.add("getFuzzyLocation", this::getFuzzyLocation);
    }

    private Map<String, Object> getLocation(ApiCall call) {
        double[] point = position(call, 6);
        double accuracy = profile.location("accuracy");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("latitude", point[0]);
        result.put("longitude", point[1]);
        result.put("speed", profile.location("speed"));
        result.put("accuracy", accuracy);
        result.put("altitude", profile.location("altitude"));
        result.put("verticalAccuracy", 0);
        result.put("horizontalAccuracy", accuracy);
        return Results.ok(call.api, result);
    }

    /** City-level: about a kilometre (two decimals). */
    private Map<String, Object> getFuzzyLocation(ApiCall call) {
        double[] point = position(call, 2);
        return Results.ok(call.api, Map.of("latitude", point[0], "longitude", point[1]));
    }

    private double[] position(ApiCall call, int decimals) {
        double lat = profile.location("latitude");
        double lon = profile.location("longitude");
        boolean gcj02 = "gcj02".equals(call.string("type", "wgs84"));
        double[] point = gcj02 ? Gcj02.fromWgs84(lat, lon) : new double[] {lat, lon};
        double scale = Math.pow(10, decimals);
        return new double[] {Math.round(point[0] * scale) / scale, Math.round(point[1] * scale) / scale};
    }

    /** China's GCJ-02 datum, the standard public approximation of the offset from WGS-84. */
    static final class Gcj02 {
        private static final double A = 6378245.0;
        private static final double EE = 0.00669342162296594323;

        private Gcj02() {
        }

        static double[] fromWgs84(double lat, double lon) {
            if (lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271) {
                return new double[] {lat, lon};
            }
            double dLat = latitudeOffset(lon - 105.0, lat - 35.0);
            double dLon = longitudeOffset(lon - 105.0, lat - 35.0);
            double radLat = lat / 180.0 * Math.PI;
            double magic = 1 - EE * Math.sin(radLat) * Math.sin(radLat);
            double sqrtMagic = Math.sqrt(magic);
            dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * Math.PI);
            dLon = (dLon * 180.0) / (A / sqrtMagic * Math.cos(radLat) * Math.PI);
            return new double[] {lat + dLat, lon + dLon};
        }

        private static double latitudeOffset(double x, double y) {
            double ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
            ret += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
            ret += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
            ret += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
            return ret;
        }

        private static double longitudeOffset(double x, double y) {
            double ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
            ret += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
            ret += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
            ret += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
            return ret;
        }
    }
}
