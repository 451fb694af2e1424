"""adb command building and output parsing against recorded outputs (tests/fixtures/android/), and the
readiness judgement built on them. Pure: no device."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from harness.android import adb, prep
from harness.config import AndroidDevice

FIX = Path(__file__).resolve().parent / "fixtures" / "android"


def text(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


def device(**kw: object) -> AndroidDevice:
    return AndroidDevice.model_validate({"name": "p7", "kind": "android", "serial": "31071FDH2008FK", **kw})


# ------------------------------------------------------------------------------- parsers

def test_getprop() -> None:
    props = adb.parse_getprop(text("getprop-pixel7-a14.txt"))
    assert props["ro.build.version.sdk"] == "34" and props["ro.product.model"] == "Pixel 7"
    assert props["ro.product.cpu.abi"] == "arm64-v8a"


def test_battery_screen_lock() -> None:
    assert adb.parse_battery(text("dumpsys-battery.txt")) == adb.Battery(87, True)
    assert adb.parse_battery(text("dumpsys-battery-low.txt")) == adb.Battery(9, False)
    assert adb.parse_screen_on(text("dumpsys-power-awake.txt")) is True
    assert adb.parse_screen_on(text("dumpsys-power-asleep.txt")) is False
    assert adb.parse_screen_on("nothing here") is None
    assert adb.parse_locked(text("dumpsys-window-unlocked.txt")) is False
    assert adb.parse_locked(text("dumpsys-window-locked.txt")) is True
    assert adb.parse_locked("") is None


def test_package() -> None:
    info = adb.parse_package(text("dumpsys-package-wechat.txt"))
    assert info == adb.PackageInfo("8.0.50", 2720, 34)
    assert adb.parse_package(text("dumpsys-package-missing.txt")) is None


def test_root_modes() -> None:
    assert adb.root_mode(text("id-root.txt"), None) == "adbd"
    assert adb.root_mode(text("id-shell.txt"), text("su-id-magisk.txt")) == "su"
    assert adb.root_mode(text("id-shell.txt"), text("su-id-missing.txt")) == "none"


def test_ps_both_formats() -> None:
    procs = adb.parse_ps(text("ps-A.txt"))
    assert adb.Proc(4021, "frida-server") in procs
    assert [p.name for p in adb.appbrand_processes(procs)] == ["com.tencent.mm:appbrand0", "com.tencent.mm:appbrand2"]
    old = adb.parse_ps(text("ps-toolbox-a7.txt"))
    assert adb.Proc(2688, "com.tencent.mm:appbrand0") in old and adb.Proc(1, "/init") in old
    assert adb.appbrand_processes([adb.Proc(1, "com.tencent.mm:appbrand10"), adb.Proc(2, "com.tencent.mm:tools")]) == []


def test_proxy_and_versions() -> None:
    assert adb.parse_http_proxy(text("settings-http-proxy-null.txt")) is None
    assert adb.parse_http_proxy(text("settings-http-proxy-cleared.txt")) is None
    assert adb.parse_http_proxy(text("settings-http-proxy-set.txt")) == "127.0.0.1:8080"
    assert adb.parse_version(text("frida-server-version.txt")) == (17, 2, 17)
    assert adb.parse_version(text("frida-server-missing.txt")) is None


# ------------------------------------------------------------------------------- builders

def test_commands_quote_and_root() -> None:
    assert adb.set_http_proxy("127.0.0.1", 8080).text == "settings put global http_proxy 127.0.0.1:8080"
    assert adb.restore_http_proxy(None).text == "settings put global http_proxy :0"
    assert adb.restore_http_proxy("10.0.0.2:3128").text == "settings put global http_proxy 10.0.0.2:3128"
    start = adb.start_frida_server("/data/local/tmp/frida-server", "0.0.0.0:27042")
    assert start.shell_line("adbd") == "/data/local/tmp/frida-server -D -l 0.0.0.0:27042"
    assert start.shell_line("su") == "su -c '/data/local/tmp/frida-server -D -l 0.0.0.0:27042'"
    with pytest.raises(adb.AdbError, match="needs root"):
        start.shell_line("none")
    url = "weixin://dl/business/?appid=wx1234567890abcdef&path=pages%2Fa&query=x%3D1%26y%3D2"
    intent = adb.view_intent(url)
    assert shlex.split(intent.text) == ["am", "start", "-a", "android.intent.action.VIEW", "-d", url, "-p",
                                        "com.tencent.mm"]
    assert "'" + url + "'" in intent.text  # & must not reach the device shell unquoted


@pytest.mark.parametrize("sdk", [30, 34])
def test_ca_install_script(sdk: int) -> None:
    cmd = adb.install_ca("/data/local/tmp/ca.pem", "c8750f0d.0", sdk)
    assert cmd.root and cmd.argv[:2] == ("sh", "-c")
    body = cmd.argv[2]
    assert "mount -t tmpfs tmpfs /system/etc/security/cacerts" in body
    assert "/system/etc/security/cacerts/c8750f0d.0" in body or "miniprobe-cacerts/c8750f0d.0" in body
    assert ("nsenter --mount=/proc/$z/ns/mnt" in body) == (sdk >= 34)
    assert ("cp /apex/com.android.conscrypt/cacerts/*" in body) == (sdk >= 34)
    store = "/apex/com.android.conscrypt/cacerts" if sdk >= 34 else "/system/etc/security/cacerts"
    assert f"{store}/c8750f0d.0" in adb.ca_installed("c8750f0d.0", sdk).text


def test_subject_hash_old_matches_openssl(tmp_path: Path) -> None:
    from harness.capture.proxy import ensure_ca

    pem = ensure_ca(tmp_path / "mitm")
    out = subprocess.run(["openssl", "x509", "-subject_hash_old", "-noout", "-in", str(pem)],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert prep.subject_hash_old(pem.read_bytes()) == out


# ------------------------------------------------------------------------------- judgement

def ready_facts(**kw: object) -> prep.DeviceFacts:
    facts = prep.DeviceFacts(
        lookup=adb.DeviceLookup("device"),
        props=adb.parse_getprop(text("getprop-pixel7-a14.txt")),
        battery=adb.parse_battery(text("dumpsys-battery.txt")),
        screen_on=True, locked=False,
        wechat=adb.parse_package(text("dumpsys-package-wechat.txt")),
        root="su",
        procs=adb.parse_ps(text("ps-A.txt")),
        http_proxy=None,
        frida_server_present=True, frida_server_version=(17, 2, 17),
        ca_present=True,
    )
    for key, value in kw.items():
        setattr(facts, key, value)
    return facts


def by_name(checks: list[prep.Check]) -> dict[str, prep.Check]:
    return {c.name: c for c in checks}


def test_a_ready_device() -> None:
    checks = prep.evaluate(device(), ready_facts(), host_frida=(17, 2, 17), ca_name="c8750f0d.0")
    assert prep.ready(checks), checks
    named = by_name(checks)
    assert "WeChat 8.0.50 (2720), running" in named["wechat"].detail
    assert named["android"].detail == "Android 14 (SDK 34) Pixel 7"


def test_what_is_missing_comes_with_its_fix() -> None:
    facts = ready_facts(screen_on=False, wechat=None, frida_server_version=(16, 5, 9), ca_present=False,
                        battery=adb.Battery(9, False), http_proxy="10.1.1.1:3128")
    checks = by_name(prep.evaluate(device(), facts, host_frida=(17, 2, 17), ca_name="c8750f0d.0"))
    assert not prep.ready(list(checks.values()))
    assert checks["screen"].status == "missing" and "KEYCODE_WAKEUP" in (checks["screen"].fix or "")
    assert checks["wechat"].status == "missing" and "install" in (checks["wechat"].fix or "")
    assert checks["frida-server"].status == "missing"
    assert "frida-server-17.2.17-android-arm64" in (checks["frida-server"].fix or "")
    assert checks["ca"].status == "missing" and "/apex/com.android.conscrypt" in checks["ca"].detail
    assert checks["battery"].status == "missing"
    assert checks["proxy"].status == "warn"


def test_frida_server_not_running_and_no_root() -> None:
    procs = [p for p in adb.parse_ps(text("ps-A.txt")) if p.name != "frida-server"]
    checks = by_name(prep.evaluate(device(), ready_facts(procs=procs), host_frida=(17, 2, 17)))
    assert "not running" in checks["frida-server"].detail
    assert "miniprobe devices prepare p7" in (checks["frida-server"].fix or "")
    emulator = device(serial="emulator-5554")
    facts = ready_facts(root="none", props=adb.parse_getprop(text("getprop-emulator-a11.txt")))
    checks = by_name(prep.evaluate(emulator, facts, host_frida=(17, 2, 17)))
    assert checks["root"].status == "missing" and checks["root"].fix.startswith("adb -s emulator-5554 root")


def test_locked_and_unauthorised() -> None:
    checks = by_name(prep.evaluate(device(), ready_facts(locked=True), host_frida=(17, 2, 17)))
    assert "dismiss-keyguard" in (checks["screen"].fix or "")
    facts = prep.DeviceFacts(lookup=adb.DeviceLookup("unauthorized", ["31071FDH2008FK (unauthorized)"]))
    checks = prep.evaluate(device(), facts, host_frida=(17, 2, 17))
    assert checks[0].name == "adb" and "Allow USB debugging" in (checks[0].fix or "")
    assert {c.name for c in checks} <= {"adb", "appium", "cleanup"}  # nothing asked of an unreachable device


def test_a_phone_on_wifi_needs_a_proxy_listening_off_loopback() -> None:
    wifi = device(proxy={"port": 8082, "device_host": "192.168.1.10"})
    check = by_name(prep.evaluate(wifi, ready_facts(), host_frida=(17, 2, 17)))["proxy-listen"]
    assert check.status == "missing" and "listens on 127.0.0.1 only" in check.detail
    assert prep.blocking([check]) == [check]  # a session cannot put it right
    listening = device(proxy={"listen": "0.0.0.0", "port": 8082, "device_host": "192.168.1.10"})
    assert prep.ready(prep.evaluate(listening, ready_facts(), host_frida=(17, 2, 17), ca_name="c8750f0d.0"))


def test_serial_and_frida_validation(tmp_path: Path) -> None:
    from harness.config import ConfigError, load_devices

    for bad, field in (("serial: 'a b'", "serial"), ("serial: 10.0.0.5:99999", "serial"),
                       ("serial: x\n    frida: tcp", "frida"), ("serial: x\n    appium_url: localhost:4723", "appium_url"),
                       ("serial: x\n    proxy: {port: 0}", "proxy.port")):
        path = tmp_path / "d.yaml"
        path.write_text(f"devices:\n  - name: p\n    kind: android\n    {bad}\n")
        with pytest.raises(ConfigError) as info:
            load_devices(path)
        assert info.value.field == f"devices[0].{field}", (bad, str(info.value))
    ok = device(serial="192.168.1.20:5555", frida="192.168.1.20:27042", proxy={"port": 8081})
    assert ok.network_adb and ok.proxy.port == 8081
    assert not device(serial="emulator-5554").network_adb


# ------------------------------------------------------------------------------- proxy lease and restore

class RecordingAdb:
    """Stands in for adb.Adb in this unit test of the restore logic: remembers the settings it was given."""

    def __init__(self) -> None:
        self.proxy = "10.9.9.9:3128"  # the user's own proxy, to be put back
        self.reversed: set[int] = set()
        self.root: adb.RootMode = "none"

    def run(self, cmd: adb.Cmd, *, check: bool = False) -> str:
        if cmd.argv[:3] == ("settings", "get", "global"):
            return self.proxy
        if cmd.argv[:3] == ("settings", "put", "global"):
            self.proxy = cmd.argv[4]
            return ""
        raise AssertionError(cmd)

    def reverse(self, port: int) -> None:
        self.reversed.add(port)

    def reverse_remove(self, port: int) -> None:
        self.reversed.discard(port)


def test_proxy_lease_puts_everything_back_even_after_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prep, "RESTORE_DIR", tmp_path / "restore")
    phone, dev = RecordingAdb(), device()
    with prep.proxy_lease(dev, phone, 8080) as address:  # type: ignore[arg-type]
        assert address == "127.0.0.1:8080" and phone.proxy == address and phone.reversed == {8080}
        assert prep.read_restore(dev.serial)["http_proxy"] == "10.9.9.9:3128"
    assert phone.proxy == "10.9.9.9:3128" and not phone.reversed and prep.read_restore(dev.serial) is None

    # a harness that dies inside the lease leaves the record (the generator's finally never runs)
    lease = prep.proxy_lease(dev, phone, 8080)
    lease.__enter__()  # type: ignore[attr-defined]
    assert phone.proxy == "127.0.0.1:8080"
    record = prep.read_restore(dev.serial)
    assert record is not None
    checks = by_name(prep.evaluate(dev, ready_facts(restore=record, http_proxy="127.0.0.1:8080"),
                                   host_frida=(17, 2, 17)))
    assert checks["cleanup"].fix == "miniprobe devices restore p7" and checks["proxy"].status == "missing"
    assert prep.restore(dev, phone) == ["global proxy back to 10.9.9.9:3128", "removed adb reverse tcp:8080"]  # type: ignore[arg-type]
    assert phone.proxy == "10.9.9.9:3128" and prep.restore(dev, phone) == []  # type: ignore[arg-type]
