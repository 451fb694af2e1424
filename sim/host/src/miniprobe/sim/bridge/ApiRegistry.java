package miniprobe.sim.bridge;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** wx API name -> implementation. */
public final class ApiRegistry {
    private final Map<String, WxApi> apis = new TreeMap<>();

    public void add(String name, WxApi api) {
        if (apis.putIfAbsent(name, api) != null) {
            throw new IllegalStateException("wx API " + name + " registered twice");
        }
    }

    public void addAll(ApiGroup... groups) {
        for (ApiGroup group : groups) {
            group.register(this);
        }
    }

    public WxApi get(String name) {
        return apis.get(name);
    }

    public Set<String> names() {
        return apis.keySet();
    }
}
