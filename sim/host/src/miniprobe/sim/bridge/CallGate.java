package miniprobe.sim.bridge;

import java.util.Map;

/** A check the platform makes before an API runs (privacy consent, scope grant). */
public interface CallGate {
    /** null to let the call through, else the failure result; may wait for the user. */
    Map<String, Object> admit(ApiCall call) throws InterruptedException;
}
