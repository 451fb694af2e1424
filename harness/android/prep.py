"""What an android device needs before a session, checked without changes and prepared idempotently.

- ``gather(device)`` reads the device (adb commands that change nothing) into ``DeviceFacts``;
- ``evaluate(device, facts)`` is pure: the ``Check`` list (ready / warn / missing, with the command
  that would fix each missing item) that ``miniprobe devices check`` prints;
- ``prepare(device)`` starts frida-server and puts the mitmproxy CA into the system store (each step
  skipped when already done); ``ProxyLease`` sets the phone's global proxy for a session and removes
  it again, with a restore record on disk written *before* the change, so that a crashed run is
  undone by the next one or by ``miniprobe devices restore``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.android import adb
from harness.config import REPO_ROOT, AndroidDevice

Status = Literal["ok", "warn", "missing"]
RESTORE_DIR = REPO_ROOT / ".cache" / "android-restore"
MIN_BATTERY = 20
CA_REMOTE = "/data/local/tmp/miniprobe-ca.pem"


class PrepError(RuntimeError):
    """A preparation step failed; the message says what to do."""


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str | None = None  # the command (or action) that would fix it


@dataclass
class DeviceFacts:
    """What the device said, read-only. None: not asked (the device was not reachable) or unknown."""

    lookup: adb.DeviceLookup
    props: dict[str, str] = field(default_factory=dict)
    battery: adb.Battery | None = None
    screen_on: bool | None = None
    locked: bool | None = None
    wechat: adb.PackageInfo | None = None
    root: adb.RootMode = "none"
    procs: list[adb.Proc] = field(default_factory=list)
    http_proxy: str | None = None
    frida_server_present: bool | None = None
    frida_server_version: tuple[int, int, int] | None = None
    ca_present: bool | None = None
    appium: str | None = None  # None: the Appium server answered /status; else why not
    restore: dict[str, Any] | None = None  # an unfinished restore record
    frida_reach: str | None = None  # frida: host:port -- None when it accepts connections, else why not

    @property
    def online(self) -> bool:
        return self.lookup.state == "device"

    @property
    def sdk(self) -> int:
        value = self.props.get("ro.build.version.sdk", "")
        return int(value) if value.isdigit() else 0


# ------------------------------------------------------------------------------- the CA's file name

def subject_hash_old(pem: bytes) -> str:
    """OpenSSL's ``x509 -subject_hash_old``: the name Android's cacerts stores the certificate under."""
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(pem)
    digest = hashlib.md5(cert.subject.public_bytes(), usedforsecurity=False).digest()
    return f"{int.from_bytes(digest[:4], 'little'):08x}"


def ca_file_name(pem: bytes) -> str:
    return f"{subject_hash_old(pem)}.0"


def mitmproxy_ca() -> Path:
    """The mitmproxy CA the sessions use (created once, shared with the capture)."""
    from harness.capture.proxy import DEFAULT_CONFDIR, ensure_ca

    return ensure_ca(DEFAULT_CONFDIR)


def existing_ca() -> Path | None:
    """The mitmproxy CA if it was created already (None before the first session or prepare)."""
    from harness.capture.proxy import DEFAULT_CONFDIR

    pem = DEFAULT_CONFDIR / "mitmproxy-ca-cert.pem"
    return pem if pem.is_file() else None


# ------------------------------------------------------------------------------- reading the device

def _frida_version() -> tuple[int, int, int]:
    import frida

    version = adb.parse_version(frida.__version__)
    assert version is not None, frida.__version__
    return version


def appium_status(url: str, timeout: float = 3.0) -> str | None:
    """None when the Appium server at ``url`` answers /status as ready; else why not."""
    try:
        with urllib.request.urlopen(f"{url}/status", timeout=timeout) as response:
            body = json.loads(response.read() or b"{}")
    except urllib.error.URLError as exc:
        return f"no Appium server at {url} ({exc.reason})"
    except (OSError, ValueError) as exc:
        return f"no Appium server at {url} ({exc})"
    ready = (body.get("value") or {}).get("ready")
    return None if ready in (True, None) else f"the Appium server at {url} is not ready"


def gather(device: AndroidDevice, *, runner: adb.Adb | None = None, ca_name: str | None = None) -> DeviceFacts:
    """Everything ``evaluate`` needs, by commands that change nothing on the device or the host."""
    runner = runner or adb.Adb(device.serial)
    facts = DeviceFacts(lookup=runner.lookup(), appium=appium_status(device.appium_url),
                        restore=read_restore(device.serial))
    if device.frida != "usb":
        host, _, port = device.frida.rpartition(":")
        facts.frida_reach = adb.tcp_reachable(host.strip("[]"), int(port))
    if not facts.online:
        return facts
    facts.props = adb.parse_getprop(runner.run(adb.getprop()))
    facts.battery = adb.parse_battery(runner.run(adb.battery()))
    facts.screen_on = adb.parse_screen_on(runner.run(adb.power()))
    facts.locked = adb.parse_locked(runner.run(adb.window()))
    facts.wechat = adb.parse_package(runner.run(adb.package()))
    facts.root = detect_root(runner)
    runner.root = facts.root
    facts.procs = adb.parse_ps(runner.run(adb.processes()))
    facts.http_proxy = adb.parse_http_proxy(runner.run(adb.get_http_proxy()))
    if facts.root != "none":
        facts.frida_server_present = adb.parse_yes(runner.run(adb.file_exists(device.frida_server, root=True)))
        if facts.frida_server_present:
            facts.frida_server_version = adb.parse_version(runner.run(adb.frida_server_version(device.frida_server)))
        if ca_name and device.ca == "system":
            facts.ca_present = adb.parse_yes(runner.run(adb.ca_installed(ca_name, facts.sdk)))
    return facts


def detect_root(runner: adb.Adb) -> adb.RootMode:
    id_text = runner.run(adb.whoami())
    if adb.parse_uid(id_text) == 0:
        return "adbd"
    return adb.root_mode(id_text, runner.run(adb.su_id()))


# ------------------------------------------------------------------------------- judging (pure)

def _adb(device: AndroidDevice, command: str) -> str:
    return f"adb -s {shlex.quote(device.serial)} {command}"


def _root_shell(device: AndroidDevice, facts: DeviceFacts, command: str) -> str:
    inner = command if facts.root == "adbd" else f"su -c {shlex.quote(command)}"
    return _adb(device, f"shell {shlex.quote(inner)}")


def evaluate(device: AndroidDevice, facts: DeviceFacts, *, host_frida: tuple[int, int, int] | None = None,
             ca_name: str | None = None) -> list[Check]:
    """Per item: ready, a warning, or missing with the command that would fix it. Pure."""
    connection = _connection_check(device, facts)
    checks = [connection, _restore_check(device, facts), _appium_check(device, facts), _proxy_listen_check(device)]
    if device.frida != "usb":
        checks.append(_frida_network_check(device, facts))
    if connection.status != "ok":
        return [c for c in checks if c is not None]
    host_frida = host_frida or _frida_version()
    checks += [
        _battery_check(facts),
        _screen_check(device, facts),
        _android_check(facts),
        _wechat_check(device, facts),
        _root_check(device, facts),
        _frida_check(device, facts, host_frida),
        _proxy_check(device, facts),
    ]
    if device.ca == "system":
        checks.append(_ca_check(device, facts, ca_name))
    return [c for c in checks if c is not None]


def _connection_check(device: AndroidDevice, facts: DeviceFacts) -> Check:
    look = facts.lookup
    listed = ", ".join(look.listed) or "no devices"
    host, _, port = device.serial.rpartition(":")
    match look.state:
        case "device":
            return Check("adb", "ok", f"{device.serial} is online")
        case "no-server":
            return Check("adb", "missing", f"{look.detail}; nothing can reach the device", "adb start-server")
        case "unauthorized":
            return Check("adb", "missing", f"{device.serial} has not authorised this host's adb key",
                         "accept the 'Allow USB debugging?' prompt on the phone (tick 'Always allow')")
        case "offline":
            return Check("adb", "missing", f"{device.serial} is offline {look.detail}".strip(),
                         _adb(device, "reconnect") + " (or replug the cable / restart the emulator)")
        case "refused":
            return Check("adb", "missing", f"{host}:{port} refused the connection: network adb is not listening there",
                         f"on the phone enable Wireless debugging (or run `adb tcpip {port}` over USB), "
                         f"then `adb connect {device.serial}`")
        case "unreachable":
            return Check("adb", "missing", f"{host}:{port} cannot be reached ({look.detail})",
                         f"check the phone's address and network, then `adb connect {device.serial}`")
    if device.network_adb:
        return Check("adb", "missing", f"{device.serial} answers but is not connected to adb (adb lists: {listed})",
                     f"adb connect {device.serial}")
    return Check("adb", "missing", f"{device.serial} is not connected (adb lists: {listed})",
                 "plug the phone in with USB debugging on (Developer options), or start the emulator")


def _frida_network_check(device: AndroidDevice, facts: DeviceFacts) -> Check:
    if facts.frida_reach is None:
        return Check("frida-net", "ok", f"frida-server answers at {device.frida}")
    port = device.frida.rsplit(":", 1)[1]
    return Check("frida-net", "missing", f"nothing answers at {device.frida} ({facts.frida_reach})",
                 f"start frida-server listening on the network: miniprobe devices prepare {device.name}   "
                 f"(or frida-server -D -l 0.0.0.0:{port} as root on the phone)")


def _restore_check(device: AndroidDevice, facts: DeviceFacts) -> Check | None:
    if facts.restore is None:
        return None
    what = ", ".join(_describe_restore(facts.restore)) or "changes"
    return Check("cleanup", "missing", f"a session that did not finish left {what} on the device",
                 f"miniprobe devices restore {device.name}")


def _appium_check(device: AndroidDevice, facts: DeviceFacts) -> Check:
    if facts.appium is None:
        return Check("appium", "ok", f"Appium answers at {device.appium_url}")
    serve = ("APPIUM_HOME=.appium .appium/node_modules/.bin/appium server --port "
             f"{device.appium_url.rsplit(':', 1)[-1].split('/')[0]}")
    if (REPO_ROOT / ".appium" / "node_modules" / "appium-uiautomator2-driver").is_dir():
        return Check("appium", "missing", facts.appium, serve)
    # make setup leaves the phone driver out (tests and demo never need it): the opt-in target installs it
    return Check("appium", "missing", f"{facts.appium}; Appium's UiAutomator2 driver is not installed",
                 f"make setup-android && {serve}")


def _battery_check(facts: DeviceFacts) -> Check | None:
    b = facts.battery
    if b is None or b.level is None:
        return Check("battery", "warn", "battery level unknown")
    if b.level < MIN_BATTERY and not b.powered:
        return Check("battery", "missing", f"battery at {b.level}% and not charging", "connect the charger")
    return Check("battery", "ok", f"{b.level}%{' charging' if b.powered else ''}")


def _screen_check(device: AndroidDevice, facts: DeviceFacts) -> Check:
    if facts.screen_on is False:
        return Check("screen", "missing", "the screen is off",
                     _adb(device, "shell input keyevent KEYCODE_WAKEUP") + " (and set Developer options > Stay awake)")
    if facts.locked:
        return Check("screen", "missing", "the lock screen is showing",
                     _adb(device, "shell wm dismiss-keyguard") + " (remove the PIN on test phones)")
    if facts.screen_on is None or facts.locked is None:
        return Check("screen", "warn", "could not tell whether the screen is on and unlocked")
    return Check("screen", "ok", "on and unlocked")


def _android_check(facts: DeviceFacts) -> Check:
    release = facts.props.get("ro.build.version.release", "?")
    model = facts.props.get("ro.product.model", "")
    return Check("android", "ok" if facts.sdk >= 24 else "missing",
                 f"Android {release} (SDK {facts.sdk or '?'}) {model}".strip(),
                 None if facts.sdk >= 24 else "use Android 7 (SDK 24) or later")


def _wechat_check(device: AndroidDevice, facts: DeviceFacts) -> Check:
    if facts.wechat is None:
        return Check("wechat", "missing", f"{adb.WECHAT} is not installed",
                     _adb(device, "install weixin.apk") + " and log in with the test account"
                     + (f" {device.account}" if device.account else ""))
    w = facts.wechat
    running = any(p.name == adb.WECHAT for p in facts.procs)
    return Check("wechat", "ok", f"WeChat {w.version_name} ({w.version_code}){', running' if running else ''}"
                 + (f"; account {device.account}" if device.account else ""))


def _root_check(device: AndroidDevice, facts: DeviceFacts) -> Check:
    if facts.root == "adbd":
        return Check("root", "ok", "adbd runs as root (adb root)")
    if facts.root == "su":
        return Check("root", "ok", "su grants root")
    emulator = facts.props.get("ro.kernel.qemu") == "1" or device.serial.startswith("emulator-")
    fix = (_adb(device, "root") + " (google_apis images; google_play images cannot be rooted)") if emulator else (
        "root the phone with Magisk and grant the shell root (Magisk > Superuser)")
    return Check("root", "missing", "no root: frida-server and the CA need it", fix)


def _frida_check(device: AndroidDevice, facts: DeviceFacts, host: tuple[int, int, int]) -> Check:
    host_text = ".".join(map(str, host))
    abi = facts.props.get("ro.product.cpu.abi", "arm64-v8a")
    arch = {"arm64-v8a": "arm64", "armeabi-v7a": "arm", "x86_64": "x86_64", "x86": "x86"}.get(abi, abi)
    push = (f"download frida-server-{host_text}-android-{arch}.xz from Frida's releases, unxz it, "
            f"{_adb(device, f'push frida-server-{host_text}-android-{arch} {device.frida_server}')} && "
            f"{_root_shell(device, facts, f'chmod 755 {device.frida_server}')}")
    if facts.root == "none":
        return Check("frida-server", "missing", "cannot check frida-server without root", "see root")
    if not facts.frida_server_present:
        return Check("frida-server", "missing", f"no frida-server at {device.frida_server}", push)
    version = facts.frida_server_version
    if version is None:
        return Check("frida-server", "missing", f"{device.frida_server} does not run (--version failed)", push)
    text = ".".join(map(str, version))
    if version[0] != host[0]:
        return Check("frida-server", "missing", f"frida-server {text} cannot talk to this host's frida {host_text}",
                     push)
    running = any(p.name.endswith("frida-server") or p.name == device.frida_server for p in facts.procs)
    listen = None if device.frida == "usb" else f"0.0.0.0:{device.frida.rsplit(':', 1)[1]}"
    start = _root_shell(device, facts, " ".join(adb.start_frida_server(device.frida_server, listen).argv))
    if not running:
        return Check("frida-server", "missing", f"frida-server {text} is installed but not running",
                     f"miniprobe devices prepare {device.name}   (or {start})")
    if version != host:
        return Check("frida-server", "warn", f"frida-server {text} runs; this host has frida {host_text} "
                     "(same major version works; the same version is safest)", push)
    return Check("frida-server", "ok", f"frida-server {text} runs")


def _proxy_listen_check(device: AndroidDevice) -> Check | None:
    """A phone told to send its traffic over Wi-Fi cannot reach a proxy listening on the loopback."""
    if device.proxy.device_host is None or device.proxy.listen not in ("127.0.0.1", "localhost", "::1"):
        return None
    return Check("proxy-listen", "missing",
                 f"the phone sends its traffic to {device.proxy.device_host} but mitmproxy listens on "
                 f"{device.proxy.listen} only", "set `proxy: {listen: 0.0.0.0, ...}` for this device in devices.yaml")


def _proxy_check(device: AndroidDevice, facts: DeviceFacts) -> Check:
    if facts.http_proxy is None:
        return Check("proxy", "ok", "no global proxy set (a session sets its own and removes it)")
    if facts.restore is not None:
        return Check("proxy", "missing", f"the global proxy is still {facts.http_proxy} from an unfinished session",
                     f"miniprobe devices restore {device.name}")
    return Check("proxy", "warn", f"a global proxy {facts.http_proxy} is set that miniprobe did not set; "
                 "sessions replace it and put it back", _adb(device, "shell settings put global http_proxy :0"))


def _ca_check(device: AndroidDevice, facts: DeviceFacts, ca_name: str | None) -> Check:
    if facts.root == "none":
        return Check("ca", "missing", "the mitmproxy CA cannot go into the system store without root", "see root")
    if facts.ca_present:
        return Check("ca", "ok", f"mitmproxy CA {ca_name} is in the system store")
    store = adb.CA_DIR_APEX if facts.sdk >= 34 else adb.CA_DIR_SYSTEM
    return Check("ca", "missing", f"mitmproxy CA {ca_name or ''} is not in {store} (it is gone after every reboot)",
                 f"miniprobe devices prepare {device.name}")


def ready(checks: list[Check]) -> bool:
    return all(c.status != "missing" for c in checks)


def session_fixes(check: Check) -> bool:
    """A missing item a session puts right itself before it starts (``restore`` then ``prepare``):
    frida-server installed but not running, the CA not yet in the store, a crashed run's proxy."""
    return check.name in ("ca", "proxy", "cleanup") or (
        check.name == "frida-server" and check.detail.endswith("not running"))


def blocking(checks: list[Check]) -> list[Check]:
    """What stops a session on this device: missing items no session can put right by itself."""
    return [c for c in checks if c.status == "missing" and not session_fixes(c)]


def describe(checks: list[Check]) -> str:
    """One line: each item with its fix (the runner's quarantine reason, a session's error)."""
    return "; ".join(f"{c.name}: {c.detail}" + (f" (fix: {c.fix})" if c.fix else "") for c in checks)


def check_device(device: AndroidDevice) -> list[Check]:
    """``gather`` + ``evaluate`` with the CA as it is on this host: changes nothing, not even the CA
    (not created when absent). What ``miniprobe devices check`` prints and the runner's health check."""
    ca_pem = existing_ca()
    ca_name = ca_file_name(ca_pem.read_bytes()) if ca_pem and device.ca == "system" else None
    try:
        facts = gather(device, ca_name=ca_name)
    except adb.AdbError as exc:
        return [Check("adb", "missing", str(exc), f"adb -s {shlex.quote(device.serial)} reconnect")]
    return evaluate(device, facts, ca_name=ca_name)


# ------------------------------------------------------------------------------- preparing (changes)

def prepare(device: AndroidDevice, runner: adb.Adb, facts: DeviceFacts, *, ca_pem: Path | None = None) -> list[str]:
    """Start frida-server and install the CA where needed; return what was done. Idempotent."""
    if not facts.online:
        raise PrepError(_connection_check(device, facts).detail)
    if facts.root == "none":
        raise PrepError(_root_check(device, facts).fix or "root the device")
    runner.root = facts.root
    done: list[str] = []
    frida_check = _frida_check(device, facts, _frida_version())
    if frida_check.status == "missing" and "not running" in frida_check.detail:
        listen = None if device.frida == "usb" else f"0.0.0.0:{device.frida.rsplit(':', 1)[1]}"
        runner.run(adb.start_frida_server(device.frida_server, listen), check=True)
        done.append("started frida-server")
    elif frida_check.status == "missing":
        raise PrepError(f"{frida_check.detail}: {frida_check.fix}")
    if device.ca == "system":
        pem_path = ca_pem or mitmproxy_ca()
        name = ca_file_name(pem_path.read_bytes())
        if not adb.parse_yes(runner.run(adb.ca_installed(name, facts.sdk))):
            runner.push(str(pem_path), CA_REMOTE)
            runner.run(adb.install_ca(CA_REMOTE, name, facts.sdk), check=True)
            if not adb.parse_yes(runner.run(adb.ca_installed(name, facts.sdk))):
                raise PrepError(f"the CA {name} is still not in the system store after installing it; "
                                "see docs/device-farm.md (CA) or use `ca: frida` in devices.yaml")
            runner.run(adb.force_stop())
            done.append(f"installed the mitmproxy CA as {name} and restarted WeChat")
    return done


# ------------------------------------------------------------------------------- the restore record

def _restore_path(serial: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in serial)
    return RESTORE_DIR / f"{safe}.json"


def read_restore(serial: str) -> dict[str, Any] | None:
    path = _restore_path(serial)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"serial": serial, "corrupt": str(path)}


def _write_restore(record: dict[str, Any]) -> None:
    path = _restore_path(record["serial"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _describe_restore(record: dict[str, Any]) -> list[str]:
    out = []
    if "http_proxy" in record:
        out.append(f"the global proxy {record.get('proxy_set', '?')}")
    if record.get("reverse"):
        out.append(f"adb reverse tcp:{record['reverse']}")
    if record.get("corrupt"):
        out.append(f"an unreadable record {record['corrupt']}")
    return out


def restore(device: AndroidDevice, runner: adb.Adb) -> list[str]:
    """Undo what an unfinished session left (its restore record); remove the record. Idempotent."""
    record = read_restore(device.serial)
    if record is None:
        return []
    done: list[str] = []
    if "http_proxy" in record:
        runner.run(adb.restore_http_proxy(record["http_proxy"]), check=True)
        done.append(f"global proxy back to {record['http_proxy'] or 'none'}")
    if record.get("reverse"):
        runner.reverse_remove(int(record["reverse"]))
        done.append(f"removed adb reverse tcp:{record['reverse']}")
    _restore_path(device.serial).unlink(missing_ok=True)
    return done


@contextmanager
def proxy_lease(device: AndroidDevice, runner: adb.Adb, port: int) -> Iterator[str]:
    """The phone's global proxy points at this host's mitmproxy for the block, and is put back after.

    The previous value is on disk before anything changes: if the harness dies inside the block,
    the next ``proxy_lease`` on this device (or ``miniprobe devices restore``) puts it back.
    """
    restore(device, runner)  # a crashed run's leftovers first
    previous = adb.parse_http_proxy(runner.run(adb.get_http_proxy()))
    host = device.proxy.device_host or "127.0.0.1"
    record: dict[str, Any] = {"serial": device.serial, "device": device.name, "created": time.time(),
                              "http_proxy": previous, "proxy_set": f"{host}:{port}"}
    if device.proxy.device_host is None:
        record["reverse"] = port
    _write_restore(record)
    if device.proxy.device_host is None:
        runner.reverse(port)
    runner.run(adb.set_http_proxy(host, port), check=True)
    try:
        yield f"{host}:{port}"
    finally:
        restore(device, runner)


def checks_as_json(device: AndroidDevice, checks: list[Check]) -> dict[str, Any]:
    return {"device": device.name, "kind": "android", "ready": ready(checks), "checks": [asdict(c) for c in checks]}
