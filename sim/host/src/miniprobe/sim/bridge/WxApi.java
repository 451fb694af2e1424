package miniprobe.sim.bridge;

import java.util.Map;

/** The native implementation of one wx API: a result for a call that the gates let through. */
@FunctionalInterface
public interface WxApi {
    Map<String, Object> invoke(ApiCall call) throws Exception;
}
