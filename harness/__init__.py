"""miniprobe's harness: everything that touches a device or a process."""

__version__ = "0.1.0"
