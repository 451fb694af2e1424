package miniprobe.sim.privacy;

/** A platform privacy interface: its privacy-guide category and the scope it needs (null when none). */
public record PrivacyInterface(String category, String scope) {
}
