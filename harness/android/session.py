"""One scenario on one phone: the sim session's logic (steps, prompts, consent, findings, manifest)
with the phone's parts: adb preparation, the global proxy lease, mitmproxy, Frida in every appbrand
process, and Appium UiAutomator2 on WeChat.

``AndroidSession`` extends ``SimSession`` and fills in its device hooks: opening and closing the
parts, ``_launch`` (the URL scheme), ``_unblock`` (the watchdog's cut), ``_end_clock`` (the phone's
clock at the end) and ``_subject`` (session.json). Everything a step does with dialogs (recording
prompts, answering them, consent events), the step and session time limits, and the summary are
the sim session's own code. ``health_check`` is the runner's check before each session.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from harness import __version__
from harness.android import adb, prep
from harness.android.driver import AndroidDriver
from harness.capture.proxy import Capture
from harness.config import AndroidApp, AndroidDevice, Scenario, StepSpec
from harness.instrument.android import AndroidInstrument
from harness.session import RunResources, SimSession, StepFailed, _probe_versions
from harness.timeline import ClockSync, SessionStart


class DeviceNotReady(RuntimeError):
    """The phone lacks something a session needs; the message lists each item with its fix."""


def health_check(device: AndroidDevice) -> str | None:
    """None when a session can run on the phone; else one line naming each missing item and its fix.

    The judgement of ``miniprobe devices check`` (``prep.check_device``), read-only, less what a
    session puts right by itself (frida-server not running, the CA, a crashed run's proxy)."""
    return prep.describe(prep.blocking(prep.check_device(device))) or None


class AndroidSession(SimSession):
    """Runs one scenario against one mini program (by appid) in WeChat on an android device."""

    POLL_S = 0.5  # a page source over adb costs more than a script in Chromium
    device_kind = "android"

    def __init__(
        self,
        session_dir: Path,
        scenario: Scenario,
        device: AndroidDevice,
        app: AndroidApp,
        resources: RunResources,
        *,
        on_step: Callable[[str], None] | None = None,
    ) -> None:
        # a phone has no source folder: the sim's app_config finds nothing at os.devnull
        super().__init__(session_dir, scenario, device, Path(os.devnull), resources, on_step=on_step)  # type: ignore[arg-type]
        self.device: AndroidDevice = device  # type: ignore[assignment]
        self.android_app = app
        self.app = {"appid": app.appid, "name": app.label, "lib_version": None, "hosts": []}
        self.adb = adb.Adb(device.serial)
        self.instrument: AndroidInstrument | None = None
        self.android_driver: AndroidDriver | None = None
        self._lease: AbstractContextManager[str] | None = None
        self._facts: prep.DeviceFacts | None = None
        self._consent_reset: bool | None = None

    # ------------------------------------------------------------------ opening and closing

    def _open(self) -> None:
        assert self.recorder is not None
        self._facts = self._ready_device()
        self.capture = Capture(self.dir, self.recorder, listen_host=self.device.proxy.listen,
                               listen_port=self.resources.ports.proxy or self.device.proxy.port)
        port = self.capture.start()
        self._lease = prep.proxy_lease(self.device, self.adb, port)
        self._lease.__enter__()
        wechat = self._facts.wechat.version_name if self._facts.wechat else None
        self.instrument = AndroidInstrument(self.recorder, self.device, wechat_version=wechat)
        self.instrument.start()
        self.recorder.record(SessionStart(
            source="harness", session_id=self.dir.name, device=self.device.name, device_kind=self.device_kind,
            wechat_version=wechat, appid=self.android_app.appid, env_version=self.android_app.env_version,
            scenario=self.scenario.name, scenario_file=str(self.scenario.file) if self.scenario.file else None,
            tool_version=__version__, probe_versions=_probe_versions(),
            clock=self.instrument.clock_start or ClockSync(),
        ))
        self.android_driver = AndroidDriver(self.device, self.adb, appium_url=self.resources.appium_url,
                                            chromedriver_port=self.resources.ports.chromedriver or None)
        self.driver = self.android_driver  # type: ignore[assignment] - same surface as SimDriver
        self._consent_reset = self.android_driver.remove_from_recent(self.android_app.label)

    def _ready_device(self) -> prep.DeviceFacts:
        """Read the phone, refuse to start when it is not ready (saying how to fix it), prepare it."""
        ca_pem = prep.mitmproxy_ca() if self.device.ca == "system" else None
        ca_name = prep.ca_file_name(ca_pem.read_bytes()) if ca_pem else None
        facts = prep.gather(self.device, runner=self.adb, ca_name=ca_name)
        if facts.online and facts.restore:  # a crashed run's proxy and reverse, undone first
            prep.restore(self.device, self.adb)
            facts.restore = None
        blocking = prep.blocking(prep.evaluate(self.device, facts, ca_name=ca_name))
        if blocking:
            raise DeviceNotReady(prep.describe(blocking))
        self.adb.root = facts.root
        prep.prepare(self.device, self.adb, facts, ca_pem=ca_pem)
        return facts

    def _dead_components(self) -> str | None:
        return self.capture.exit_reason() if self.capture else None

    def _unblock(self) -> None:
        """The session overran: end the Appium session, so that a UiAutomator2 call waiting on the
        phone fails at once and the session ends with the watchdog's reason."""
        if self.android_driver is not None:
            self.android_driver.quit()

    def _close(self) -> str | None:
        died = self._dead_components()
        lease = self._lease
        self._close_each(
            self.android_driver and self.android_driver.quit,
            self.instrument and self.instrument.close,  # measures the end clock first
            lease and (lambda: lease.__exit__(None, None, None)),  # the phone's proxy back as it was
            self.capture and self.capture.stop,
        )
        return died

    def _end_clock(self) -> ClockSync:
        """The offset measured again as Frida detached (session.json says when it could not be)."""
        return (self.instrument.clock_end if self.instrument else None) or ClockSync()

    # ------------------------------------------------------------------ steps

    def _launch(self, step: StepSpec) -> tuple[str, str | None]:
        driver = self.android_driver
        assert driver is not None and self.instrument is not None
        arg = step.arg or {}
        if step.action == "relaunch":
            driver.tap_desc("关闭", timeout=2)  # the capsule's close button ends the mini program
        self.instrument.appids.note_launch(self.android_app.appid, time.monotonic_ns())
        try:
            how = driver.launch(self.android_app, path=arg.get("path"), query=arg.get("query"))
        except RuntimeError as exc:
            raise StepFailed(str(exc)) from exc
        return "ok", f"opened by {how}"

    def _perform(self, step: StepSpec) -> tuple[str, str | None]:
        if step.action == "settings":
            raise StepFailed("`settings` (the openSetting page) runs on the sim only: WeChat's settings page "
                             "on a phone is not driven yet")
        return super()._perform(step)

    # ------------------------------------------------------------------ the summary

    def _processes(self) -> dict[str, Any]:
        capture = self.capture
        return {
            "processes": {"mitmproxy": capture.process.proc.pid if capture and capture.process
                          and capture.process.proc else None},
            "ports": {"proxy": capture.port if capture else None},
        }

    def _subject(self) -> dict[str, Any]:
        inst = self.instrument
        return {
            "device": {"name": self.device.name, "kind": self.device_kind, "serial": self.device.serial,
                       "account": self.device.account},
            "app": self.android_app.model_dump() | {"name": self.android_app.label},
            "android": {
                "wechat": self._facts.wechat.version_name if self._facts and self._facts.wechat else None,
                "android": self._facts.props.get("ro.build.version.release") if self._facts else None,
                "consent_reset": self._consent_reset,
                "clock_start": inst.clock_start.model_dump() if inst and inst.clock_start else None,
                "clock_end": inst.clock_end.model_dump() if inst and inst.clock_end else None,
                "processes": {str(pid): {"name": i.process_label, "appid": inst.appids.appid_of(pid),
                                         "appid_from": inst.appids.how(pid), "detached": i.detached_reason}
                              for pid, i in inst.processes.items()} if inst else {},
                "not_instrumented": list(inst.failures.values()) if inst else [],
                "framework_hooks": {str(pid): r for pid, r in inst.framework.items()} if inst else {},
            },
        }
