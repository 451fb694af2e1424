"""adb: device shell commands as data, parsers of what they print, and a thin runner over adbutils.

The builders and parsers are pure so that they are tested against recorded outputs
(tests/fixtures/android/*.txt); only ``Adb`` talks to a device. A ``Cmd`` says whether it needs root;
the runner wraps it in ``su -c`` (Magisk phones) or runs it as is (``adb root`` on emulators).
"""

from __future__ import annotations

import os
import re
import shlex
import socket
from dataclasses import dataclass, field
from typing import Literal

WECHAT = "com.tencent.mm"
APPBRAND_PROCESS = re.compile(r"^com\.tencent\.mm:appbrand\d$")
RootMode = Literal["adbd", "su", "none"]


@dataclass(frozen=True)
class Cmd:
    """One shell command for the device: argv (quoted on use), or a script run by ``sh -c``."""

    argv: tuple[str, ...]
    root: bool = False
    why: str = ""  # one line, shown when the command fails

    @property
    def text(self) -> str:
        return " ".join(shlex.quote(a) for a in self.argv)

    def shell_line(self, root_mode: RootMode) -> str:
        """The line given to ``adb shell``; a root command needs adbd root or su."""
        if not self.root or root_mode == "adbd":
            return self.text
        if root_mode == "su":
            return f"su -c {shlex.quote(self.text)}"
        raise AdbError(f"`{self.text}` needs root ({self.why or 'system change'}); "
                       "root the device (adb root on an emulator image with google_apis, Magisk on a phone)")


def script(lines: list[str], *, root: bool, why: str) -> Cmd:
    """Several shell lines run as one ``sh -c`` (stops at the first failing line)."""
    return Cmd(("sh", "-c", " && ".join(lines)), root=root, why=why)


class AdbError(RuntimeError):
    """adb or a device command failed; the message says what to do."""


# ------------------------------------------------------------------------------- builders (pure)

def getprop() -> Cmd:
    return Cmd(("getprop",))


def battery() -> Cmd:
    return Cmd(("dumpsys", "battery"))


def power() -> Cmd:
    return Cmd(("dumpsys", "power"))


def window() -> Cmd:
    return Cmd(("dumpsys", "window"))


def package(name: str = WECHAT) -> Cmd:
    return Cmd(("dumpsys", "package", name))


def whoami() -> Cmd:
    return Cmd(("id",))


def su_id() -> Cmd:
    return Cmd(("su", "-c", "id"))


def processes() -> Cmd:
    return Cmd(("ps", "-A", "-o", "PID,NAME"))


def get_http_proxy() -> Cmd:
    return Cmd(("settings", "get", "global", "http_proxy"))


def set_http_proxy(host: str, port: int) -> Cmd:
    return Cmd(("settings", "put", "global", "http_proxy", f"{host}:{port}"), why="route the phone through mitmproxy")


def clear_http_proxy() -> Cmd:
    """``:0`` is what the system settings UI writes for "no proxy"; apps notice it at once."""
    return Cmd(("settings", "put", "global", "http_proxy", ":0"), why="remove miniprobe's proxy")


def restore_http_proxy(previous: str | None) -> Cmd:
    """Put back the proxy setting recorded before miniprobe changed it."""
    if previous is None or previous in ("", "null", ":0"):
        return clear_http_proxy()
    return Cmd(("settings", "put", "global", "http_proxy", previous), why="restore the previous proxy")


def file_exists(path: str, *, root: bool = False) -> Cmd:
    return Cmd(("sh", "-c", f"[ -e {shlex.quote(path)} ] && echo yes || echo no"), root=root)


def frida_server_version(path: str) -> Cmd:
    return Cmd((path, "--version"), root=True, why="ask frida-server its version")


def start_frida_server(path: str, listen: str | None = None) -> Cmd:
    """frida-server daemonised (-D); with ``listen`` it serves the network (frida: host:port)."""
    argv = [path, "-D"]
    if listen:
        argv += ["-l", listen]
    return Cmd(tuple(argv), root=True, why="start frida-server")


def force_stop(package_name: str = WECHAT) -> Cmd:
    return Cmd(("am", "force-stop", package_name), why="restart WeChat so that it sees the new CA and proxy")


def view_intent(url: str, package_name: str = WECHAT) -> Cmd:
    """``am start`` of a VIEW intent for a URL (the weixin:// scheme), to WeChat only."""
    return Cmd(("am", "start", "-a", "android.intent.action.VIEW", "-d", url, "-p", package_name),
               why="open the mini program by its URL scheme")


CA_DIR_SYSTEM = "/system/etc/security/cacerts"
CA_DIR_APEX = "/apex/com.android.conscrypt/cacerts"
CA_STAGING = "/data/local/tmp/miniprobe-cacerts"


def ca_installed(cert_name: str, sdk: int) -> Cmd:
    """Is the CA (``<subject_hash_old>.0``) in the store the system reads on this Android version?"""
    store = CA_DIR_APEX if sdk >= 34 else CA_DIR_SYSTEM
    return file_exists(f"{store}/{cert_name}")


def install_ca(pushed_cert: str, cert_name: str, sdk: int) -> Cmd:
    """The CA into the system store, on a tmpfs over the store (gone at reboot, never touches /system).

    Below Android 14 the store is /system/etc/security/cacerts. From 14 on it is the conscrypt APEX,
    which every app process sees through its zygote's mount namespace: bind-mount the tmpfs there,
    in the zygotes and in the app processes already forked from them.
    """
    source = CA_DIR_APEX if sdk >= 34 else CA_DIR_SYSTEM
    lines = [
        f"rm -rf {CA_STAGING}",
        f"mkdir -p -m 700 {CA_STAGING}",
        f"cp {source}/* {CA_STAGING}/",
        f"cp {shlex.quote(pushed_cert)} {CA_STAGING}/{cert_name}",
        f"mount -t tmpfs tmpfs {CA_DIR_SYSTEM}",
        f"cp {CA_STAGING}/* {CA_DIR_SYSTEM}/",
        f"chown root:root {CA_DIR_SYSTEM}/*",
        f"chmod 644 {CA_DIR_SYSTEM}/*",
        f"chcon u:object_r:system_file:s0 {CA_DIR_SYSTEM}/*",
    ]
    if sdk >= 34:
        bind = f"/system/bin/mount --bind {CA_DIR_SYSTEM} {CA_DIR_APEX}"
        lines += [
            f"for z in $(pidof zygote zygote64); do nsenter --mount=/proc/$z/ns/mnt -- {bind}; done",
            ("for z in $(pidof zygote zygote64); do for p in $(ps -o PID= -P $z); do "
             f"nsenter --mount=/proc/$p/ns/mnt -- {bind} 2>/dev/null; done; done"),
            "true",
        ]
    lines.append(f"rm -rf {CA_STAGING}")
    return script(lines, root=True, why="trust the mitmproxy CA system-wide")


# ------------------------------------------------------------------------------- parsers (pure)

_PROP = re.compile(r"^\[(?P<key>[^\]]+)\]: \[(?P<value>.*)\]$")


def parse_getprop(text: str) -> dict[str, str]:
    props: dict[str, str] = {}
    for line in text.splitlines():
        match = _PROP.match(line.strip())
        if match:
            props[match["key"]] = match["value"]
    return props


def _fields(text: str, sep: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, found, value = line.strip().partition(sep)
        if found and key and key not in out:
            out[key.strip()] = value.strip()
    return out


@dataclass(frozen=True)
class Battery:
    level: int | None
    powered: bool


def parse_battery(text: str) -> Battery:
    fields = _fields(text, ":")
    level = int(fields["level"]) if fields.get("level", "").isdigit() else None
    scale = int(fields["scale"]) if fields.get("scale", "").isdigit() else 100
    if level is not None and scale and scale != 100:
        level = round(100 * level / scale)
    powered = any(fields.get(k) == "true" for k in ("AC powered", "USB powered", "Wireless powered", "Dock powered"))
    return Battery(level, powered)


def parse_screen_on(power_text: str) -> bool | None:
    """Screen on, from ``dumpsys power`` (mWakefulness, or the display power state); None: unknown."""
    match = re.search(r"mWakefulness=(\w+)", power_text)
    if match:
        return match[1] == "Awake"
    match = re.search(r"Display Power: state=(\w+)", power_text)
    if match:
        return match[1] == "ON"
    return None


_KEYGUARD = re.compile(
    r"(mKeyguardShowing|mShowingLockscreen|mDreamingLockscreen|isStatusBarKeyguard|KeyguardShowing)=(true|false)")


def parse_locked(window_text: str) -> bool | None:
    """The keyguard (lock screen) is showing, from ``dumpsys window``; None: no marker found."""
    values = [m[2] == "true" for m in _KEYGUARD.finditer(window_text)]
    return any(values) if values else None


@dataclass(frozen=True)
class PackageInfo:
    version_name: str
    version_code: int
    target_sdk: int | None


def parse_package(text: str, name: str = WECHAT) -> PackageInfo | None:
    """The package's version from ``dumpsys package``; None when it is not installed."""
    if f"Package [{name}]" not in text:
        return None
    section = text[text.index(f"Package [{name}]"):]
    name_match = re.search(r"versionName=(\S+)", section)
    code_match = re.search(r"versionCode=(\d+)", section)
    target = re.search(r"targetSdk=(\d+)", section)
    if not name_match or not code_match:
        return None
    return PackageInfo(name_match[1], int(code_match[1]), int(target[1]) if target else None)


def parse_uid(text: str) -> int | None:
    match = re.search(r"uid=(\d+)", text)
    return int(match[1]) if match else None


def root_mode(id_text: str, su_id_text: str | None) -> RootMode:
    """adbd runs as root (``adb root``), su grants root (Magisk), or neither."""
    if parse_uid(id_text) == 0:
        return "adbd"
    if su_id_text is not None and parse_uid(su_id_text) == 0:
        return "su"
    return "none"


@dataclass(frozen=True)
class Proc:
    pid: int
    name: str


def parse_ps(text: str) -> list[Proc]:
    """Processes from ``ps -A -o PID,NAME`` or the default toybox/toolbox ``ps`` columns."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = lines[0].split()
    if "PID" not in header:
        return []
    pid_col = header.index("PID")
    procs: list[Proc] = []
    for line in lines[1:]:
        cols = line.split()
        if len(cols) <= pid_col or not cols[pid_col].isdigit():
            continue
        procs.append(Proc(int(cols[pid_col]), cols[-1]))
    return procs


def appbrand_processes(procs: list[Proc]) -> list[Proc]:
    return [p for p in procs if APPBRAND_PROCESS.match(p.name)]


def parse_http_proxy(text: str) -> str | None:
    """The global proxy as host:port; None when unset ("null", ":0", empty)."""
    value = text.strip()
    if value in ("", "null", ":0") or value.startswith(":"):
        return None
    return value


def parse_yes(text: str) -> bool:
    return text.strip().splitlines()[-1:] == ["yes"] if text.strip() else False


_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)")


def parse_version(text: str) -> tuple[int, int, int] | None:
    match = _VERSION.match(text.strip())
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


# ------------------------------------------------------------------------------- the runner

DeviceState = Literal["device", "offline", "unauthorized", "absent", "no-server", "refused", "unreachable"]


def server_address() -> tuple[str, int]:
    """The adb server this host uses: ANDROID_ADB_SERVER_ADDRESS/PORT as adb itself reads them."""
    host = os.environ.get("ANDROID_ADB_SERVER_ADDRESS", "127.0.0.1")
    port = int(os.environ.get("ANDROID_ADB_SERVER_PORT", "5037"))
    return host, port


def tcp_reachable(host: str, port: int, timeout: float = 2.0) -> str | None:
    """None when something accepts a TCP connection at host:port, else why not (refused, timeout)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except ConnectionRefusedError:
        return "connection refused"
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except OSError as exc:
        return exc.strerror or str(exc)


@dataclass
class DeviceLookup:
    """Where a serial stands with the adb server, and what adb lists."""

    state: DeviceState
    listed: list[str] = field(default_factory=list)
    detail: str = ""


class Adb:
    """One device through the adb server (adbutils). Never starts the server or connects by itself."""

    def __init__(self, serial: str, *, server: tuple[str, int] | None = None, timeout: float = 20.0) -> None:
        import adbutils

        self.serial = serial
        self.server = server or server_address()
        self.timeout = timeout
        self.client = adbutils.AdbClient(host=self.server[0], port=self.server[1], socket_timeout=timeout)
        self.root: RootMode = "none"

    def lookup(self) -> DeviceLookup:
        """The device's state as the adb server sees it, without changing anything."""
        import adbutils

        # adbutils starts a server when none answers: ask the port first, so that a check changes nothing
        down = tcp_reachable(*self.server)
        if down is not None:
            return DeviceLookup("no-server", detail=f"no adb server at {self.server[0]}:{self.server[1]} ({down})")
        try:
            listed = {d.serial: d.state for d in self.client.list()}
        except (adbutils.AdbError, OSError) as exc:
            return DeviceLookup("no-server", detail=f"no adb server at {self.server[0]}:{self.server[1]} ({exc})")
        names = [f"{s} ({st})" for s, st in listed.items()]
        state = listed.get(self.serial)
        if state in ("device", "offline", "unauthorized"):
            return DeviceLookup(state, names)  # type: ignore[arg-type]
        if state is not None:
            return DeviceLookup("offline", names, detail=f"adb says {state}")
        host, _, port = self.serial.rpartition(":")
        if host and port.isdigit() and not self.serial.startswith("emulator-"):
            why = tcp_reachable(host, int(port))
            if why == "connection refused":
                return DeviceLookup("refused", names, detail=why)
            if why is not None:
                return DeviceLookup("unreachable", names, detail=why)
        return DeviceLookup("absent", names)

    def _device(self):
        return self.client.device(self.serial)

    def run(self, cmd: Cmd, *, check: bool = False) -> str:
        """The command's output (stdout and stderr); with ``check`` a non-zero exit raises AdbError."""
        import adbutils

        line = cmd.shell_line(self.root)
        try:
            ret = self._device().shell2(line, timeout=self.timeout)
        except (adbutils.AdbError, OSError) as exc:
            raise AdbError(f"{self.serial}: `{line}` failed: {exc}; is the device still connected (adb devices)?") from exc
        if check and ret.returncode != 0:
            raise AdbError(f"{self.serial}: `{line}` exited {ret.returncode} ({cmd.why}): {ret.output.strip()[:300]}")
        return str(ret.output)

    def push(self, local: str, remote: str) -> None:
        self._device().sync.push(local, remote)

    def reverse(self, port: int) -> None:
        """The phone's 127.0.0.1:port reaches this host's port (the proxy) over the adb connection."""
        self._device().reverse(f"tcp:{port}", f"tcp:{port}")

    def reverse_remove(self, port: int) -> None:
        import adbutils

        try:
            self._device().reverse_remove(f"tcp:{port}")
        except adbutils.AdbError:
            pass  # already gone: idempotent

    def reversed_ports(self) -> list[str]:
        return [r.remote for r in self._device().reverse_list()]

    def screenshot_png(self) -> bytes:
        import adbutils

        try:
            return bytes(self._device().shell(["screencap", "-p"], encoding=None, timeout=self.timeout))
        except adbutils.AdbError as exc:
            raise AdbError(f"{self.serial}: screencap failed: {exc}") from exc
