"""`miniprobe devices check|prepare|restore`: is each device in devices.yaml ready, and make it so.

``check`` changes nothing: it reads the devices and says, per item, what is ready, what is missing
and the command that would fix it; it exits 1 when a device is not ready (2 on a bad devices file).
``prepare`` starts frida-server and installs the mitmproxy CA (idempotent); ``restore`` undoes what
a crashed session left on a phone (its global proxy, its adb reverse).
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from harness.config import REPO_ROOT, AndroidDevice, ConfigError, SimDevice, load_devices

DEFAULT_DEVICES = REPO_ROOT / "devices.yaml"
DevicesOpt = Annotated[Path, typer.Option("--devices", help="Device inventory.")]
NamesArg = Annotated[list[str] | None, typer.Argument(help="Device names (default: all).")]


def register(app: typer.Typer) -> None:
    devices = typer.Typer(no_args_is_help=True, help="Check, prepare and restore the devices in devices.yaml.")
    devices.command("check")(check)
    devices.command("prepare")(prepare)
    devices.command("restore")(restore)
    app.add_typer(devices, name="devices")


def _inventory(path: Path, names: list[str] | None) -> list[SimDevice | AndroidDevice]:
    try:
        inventory = load_devices(path)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None
    chosen = [d for d in inventory.devices if not names or d.name in names]
    unknown = sorted(set(names or []) - {d.name for d in inventory.devices})
    if unknown:
        print(f"error: {path}: no device named {', '.join(unknown)} "
              f"(devices: {', '.join(d.name for d in inventory.devices)})", file=sys.stderr)
        raise typer.Exit(2)
    return chosen


# ------------------------------------------------------------------------------- the sim

def sim_checks(device: SimDevice) -> list[Any]:
    """The sim's tools: Chromium + chromedriver, Appium with its Chromium driver, a JDK, the host, the agent."""
    from harness.android.prep import Check
    from harness.drivers.appium_server import APPIUM_BIN, APPIUM_HOME
    from harness.drivers.sim import HOST_CLASSES
    from harness.instrument.build import is_up_to_date

    def tool(name: str, what: str) -> Check:
        found = shutil.which(name)
        return Check(name, "ok", found) if found else Check(name, "missing", f"{what} not found", "make setup")

    checks = [tool("chromium", "Chromium"), tool("chromedriver", "chromedriver"), tool("java", "a Java runtime")]
    chromium_driver = APPIUM_HOME / "node_modules" / "appium-chromium-driver"
    checks.append(Check("appium", "ok", str(APPIUM_BIN)) if APPIUM_BIN.exists() and chromium_driver.is_dir()
                  else Check("appium", "missing", f"Appium 3 with the Chromium driver not in {APPIUM_HOME}",
                             "make setup"))
    host_built = (HOST_CLASSES / "miniprobe" / "sim" / "SimHost.class").exists()
    checks.append(Check("sim-host", "ok", str(HOST_CLASSES)) if host_built
                  else Check("sim-host", "missing", "the sim's JVM host is not built", "bash sim/host/build.sh"))
    checks.append(Check("agent", "ok", "the Frida agent is built") if is_up_to_date()
                  else Check("agent", "missing", "the Frida agent is not built or out of date",
                             ".venv/bin/python -m harness.instrument.build"))
    mitmdump = Path(sys.executable).with_name("mitmdump")
    checks.append(Check("mitmproxy", "ok", str(mitmdump)) if mitmdump.exists()
                  else Check("mitmproxy", "missing", "mitmdump is not in this environment", "make setup"))
    return checks


# ------------------------------------------------------------------------------- android

def android_checks(device: AndroidDevice) -> list[Any]:
    """The runner's health check and this command share one judgement: prep.check_device."""
    from harness.android import prep

    return prep.check_device(device)


# ------------------------------------------------------------------------------- commands

_MARK = {"ok": "ok", "warn": "warn", "missing": "MISSING"}


def _print_device(device: SimDevice | AndroidDevice, checks: list[Any], ready: bool) -> None:
    where = f"android {device.serial}" if isinstance(device, AndroidDevice) else "sim"
    print(f"{device.name} ({where}): {'ready' if ready else 'NOT READY'}")
    for c in checks:
        print(f"  {_MARK[c.status]:<8} {c.name:<13} {c.detail}")
        if c.fix and c.status != "ok":
            print(f"  {'':<8} {'':<13} fix: {c.fix}")


def check(
    names: NamesArg = None,
    devices_file: DevicesOpt = DEFAULT_DEVICES,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """What each device has, what it lacks and the command that fixes it. Changes nothing.

    Exit codes: 0 every device ready, 1 a device is not ready, 2 a bad devices file.
    """
    from harness.android.prep import ready

    report = []
    all_ready = True
    for device in _inventory(devices_file, names):
        checks = sim_checks(device) if isinstance(device, SimDevice) else android_checks(device)
        ok = ready(checks)
        all_ready &= ok
        report.append({"device": device.name, "kind": device.kind, "ready": ok,
                       "checks": [asdict(c) for c in checks]})
        if not as_json:
            _print_device(device, checks, ok)
    if as_json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    raise typer.Exit(0 if all_ready else 1)


def _android(devices_file: Path, names: list[str] | None) -> list[AndroidDevice]:
    return [d for d in _inventory(devices_file, names) if isinstance(d, AndroidDevice)]


def prepare(names: NamesArg = None, devices_file: DevicesOpt = DEFAULT_DEVICES) -> None:
    """Start frida-server and put the mitmproxy CA into the system store, where not done yet."""
    from harness.android import adb, prep

    failed = False
    for device in _android(devices_file, names):
        runner = adb.Adb(device.serial)
        try:
            done = prep.prepare(device, runner, prep.gather(device, runner=runner))
            print(f"{device.name}: {'; '.join(done) or 'nothing to do'}")
        except (prep.PrepError, adb.AdbError) as exc:
            failed = True
            print(f"{device.name}: {exc}", file=sys.stderr)
    raise typer.Exit(1 if failed else 0)


def restore(names: NamesArg = None, devices_file: DevicesOpt = DEFAULT_DEVICES) -> None:
    """Undo what an unfinished session left on a phone (global proxy, adb reverse)."""
    from harness.android import adb, prep

    failed = False
    for device in _android(devices_file, names):
        if prep.read_restore(device.serial) is None:
            print(f"{device.name}: nothing to restore")
            continue
        try:
            done = prep.restore(device, adb.Adb(device.serial))
            print(f"{device.name}: {'; '.join(done)}")
        except adb.AdbError as exc:
            failed = True
            print(f"{device.name}: {exc} (the restore record is kept; run this again once the device is back)",
                  file=sys.stderr)
    raise typer.Exit(1 if failed else 0)
