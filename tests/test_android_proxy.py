"""The capture for a phone on Wi-Fi (`proxy: {listen: 0.0.0.0, device_host: ...}`): mitmdump really
listens on every address, not just the loopback. 127.0.0.2 stands in for the host's Wi-Fi address:
on Linux it reaches this host, but only a wildcard listener answers there."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from harness.capture.proxy import Capture
from harness.timeline import Recorder

pytestmark = pytest.mark.e2e


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


def test_a_capture_listening_on_all_addresses_is_reachable_off_loopback(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "events.jsonl")
    default = Capture(tmp_path / "a", recorder)
    wifi = Capture(tmp_path / "b", recorder, listen_host="0.0.0.0")
    try:
        port = default.start()
        assert _accepts("127.0.0.1", port) and not _accepts("127.0.0.2", port)  # the loopback only
        port = wifi.start()
        assert _accepts("127.0.0.2", port)
        assert wifi.exit_reason() is None and default.exit_reason() is None
    finally:
        default.stop()
        wifi.stop()
        recorder.close()
