"""`miniprobe devices check` against a real adb server (its own port) and devices that are not there:
a USB serial adb does not list, a network serial whose host:port refuses connections, no adb server.
It must say what is missing and how to fix it, exit 1, and change nothing."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import miniprobe_cmd

pytestmark = pytest.mark.e2e
assert shutil.which("adb"), "adb missing: run make setup (Debian package adb)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def adb_server() -> Iterator[int]:
    port = free_port()
    subprocess.run(["adb", "-P", str(port), "start-server"], check=True, capture_output=True, timeout=60)
    try:
        yield port
    finally:
        subprocess.run(["adb", "-P", str(port), "kill-server"], check=False, capture_output=True, timeout=30)


@pytest.fixture
def devices_file(tmp_path: Path) -> Path:
    refused = free_port()  # nothing listens here
    path = tmp_path / "devices.yaml"
    path.write_text(
        "devices:\n"
        "  - name: sim\n    kind: sim\n"
        "  - name: usb-phone\n    kind: android\n    serial: 0123456789ABCDEF\n"
        f"    appium_url: http://127.0.0.1:{free_port()}\n"
        f"  - name: wifi-phone\n    kind: android\n    serial: 127.0.0.1:{refused}\n"
        f"    frida: 127.0.0.1:{refused}\n    appium_url: http://127.0.0.1:{free_port()}\n"
    )
    return path


def check(devices_file: Path, adb_port: int, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANDROID_ADB_SERVER_PORT": str(adb_port)}
    return subprocess.run([*miniprobe_cmd(), "devices", "check", "--devices", str(devices_file), *args],
                          check=False, capture_output=True, text=True, env=env, timeout=120)


def test_unreachable_android_devices_are_explained(adb_server: int, devices_file: Path) -> None:
    out = check(devices_file, adb_server, "--json")
    assert out.returncode == 1, out.stderr
    report = {d["device"]: d for d in json.loads(out.stdout)}
    assert report["sim"]["ready"] is True  # the sim's tools are installed by make setup
    usb = {c["name"]: c for c in report["usb-phone"]["checks"]}
    assert report["usb-phone"]["ready"] is False
    assert usb["adb"]["status"] == "missing"
    assert "0123456789ABCDEF is not connected (adb lists: no devices)" == usb["adb"]["detail"]
    assert "USB debugging" in usb["adb"]["fix"]
    assert usb["appium"]["status"] == "missing" and "no Appium server" in usb["appium"]["detail"]
    assert "wechat" not in usb  # nothing is claimed about a device that could not be asked

    wifi = {c["name"]: c for c in report["wifi-phone"]["checks"]}
    assert "refused the connection" in wifi["adb"]["detail"]
    assert wifi["adb"]["fix"].endswith(f"adb connect {wifi['adb']['detail'].split(' ')[0]}`")
    assert wifi["frida-net"]["status"] == "missing" and "connection refused" in wifi["frida-net"]["detail"]

    # nothing changed: the adb server still lists no devices (check never runs `adb connect`)
    listed = subprocess.run(["adb", "-P", str(adb_server), "devices"], check=False, capture_output=True, text=True, timeout=30)
    assert listed.stdout.strip().splitlines() == ["List of devices attached"]


def test_human_output_and_one_device(adb_server: int, devices_file: Path) -> None:
    out = check(devices_file, adb_server, "usb-phone")
    assert out.returncode == 1
    assert out.stdout.splitlines()[0] == "usb-phone (android 0123456789ABCDEF): NOT READY"
    assert "fix: plug the phone in with USB debugging on" in out.stdout
    assert "sim" not in out.stdout.split("\n", 1)[1]
    sim_only = check(devices_file, adb_server, "sim")
    assert sim_only.returncode == 0 and sim_only.stdout.startswith("sim (sim): ready")


def test_no_adb_server(devices_file: Path) -> None:
    port = free_port()
    out = check(devices_file, port, "usb-phone", "--json")
    with pytest.raises(ConnectionRefusedError):  # check did not start a server there
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert out.returncode == 1
    adb_check = next(c for c in json.loads(out.stdout)[0]["checks"] if c["name"] == "adb")
    assert "no adb server at 127.0.0.1:" in adb_check["detail"] and adb_check["fix"] == "adb start-server"
    assert "connection refused" in adb_check["detail"]  # and check did not start one (adbutils would)


def test_bad_devices_file(tmp_path: Path) -> None:
    path = tmp_path / "devices.yaml"
    path.write_text("devices:\n  - name: p\n    kind: android\n    serial: x\n    frida: nowhere\n")
    out = check(path, free_port())
    assert out.returncode == 2 and f"{path}:5: devices[0].frida" in out.stderr
