package miniprobe.sim.bridge;

/** A concern's set of wx APIs (location, storage, ...), registered by name. */
public interface ApiGroup {
    void register(ApiRegistry registry);
}
