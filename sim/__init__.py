"""The embedded sim device: container, JVM host, fixture apps and back end (see PROTOCOL.md)."""
