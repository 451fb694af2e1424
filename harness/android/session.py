"""One scenario on one phone: the sim session's logic (steps, prompts, consent, findings, manifest)
with the phone's parts: adb preparation, the global proxy lease, mitmproxy, Frida in every appbrand
process, and Appium UiAutomator2 on WeChat.

``AndroidSession`` extends ``SimSession`` and replaces what touches the device: opening and closing
the parts, launching (the URL scheme), and the session summary. Everything a step does with dialogs
(recording prompts, answering them, consent events) is the sim session's own code.
"""

from __future__ import annotations

import json
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
from harness.timeline import ClockSync, SessionStart, UISnapshot


class DeviceNotReady(RuntimeError):
    """The phone lacks something a session needs; the message lists each item with its fix."""


class AndroidSession(SimSession):
    """Runs one scenario against one mini program (by appid) in WeChat on an android device."""

    POLL_S = 0.5  # a page source over adb costs more than a script in Chromium

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
        self.capture = Capture(self.dir, self.recorder, listen_port=self.device.proxy.port)
        port = self.capture.start()
        self._lease = prep.proxy_lease(self.device, self.adb, port)
        self._lease.__enter__()
        wechat = self._facts.wechat.version_name if self._facts.wechat else None
        self.instrument = AndroidInstrument(self.recorder, self.device, wechat_version=wechat)
        self.instrument.start()
        self.recorder.record(SessionStart(
            source="harness", session_id=self.dir.name, device=self.device.name, device_kind="android",
            wechat_version=wechat, appid=self.android_app.appid, env_version=self.android_app.env_version,
            scenario=self.scenario.name, scenario_file=str(self.scenario.file) if self.scenario.file else None,
            tool_version=__version__, probe_versions=_probe_versions(),
            clock=self.instrument.clock_start or ClockSync(),
        ))
        self.android_driver = AndroidDriver(self.device, self.adb)
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
        blocking = [c for c in prep.evaluate(self.device, facts, ca_name=ca_name)
                    if c.status == "missing" and c.name not in ("frida-server", "ca", "proxy")]
        if blocking:
            raise DeviceNotReady("; ".join(f"{c.name}: {c.detail} (fix: {c.fix})" for c in blocking))
        self.adb.root = facts.root
        prep.prepare(self.device, self.adb, facts, ca_pem=ca_pem)
        return facts

    def _dead_components(self) -> str | None:
        return self.capture.exit_reason() if self.capture else None

    def _close(self) -> str | None:
        died = self._dead_components()
        lease = self._lease
        steps: list[Callable[[], Any] | None] = [
            self.android_driver and self.android_driver.quit,
            self.instrument and self.instrument.close,
            lease and (lambda: lease.__exit__(None, None, None)),  # the phone's proxy back as it was
            self.capture and self.capture.stop,
        ]
        for close in steps:
            if close:
                try:
                    close()
                except Exception as exc:  # noqa: BLE001 - noted; closing goes on
                    with open(self.dir / "error.txt", "a", encoding="utf-8") as f:
                        f.write(f"while closing: {type(exc).__name__}: {str(exc)[:500]}\n")
        return died

    # ------------------------------------------------------------------ steps

    def _perform(self, step: StepSpec) -> tuple[str, str | None]:
        driver = self.android_driver
        assert driver is not None and self.instrument is not None and self.recorder is not None
        match step.action:
            case "launch" | "relaunch":
                arg = step.arg or {}
                if step.action == "relaunch":
                    driver.tap_desc("关闭", timeout=2)  # the capsule's close button ends the mini program
                self.instrument.appids.note_launch(self.android_app.appid, time.monotonic_ns())
                try:
                    how = driver.launch(self.android_app, path=arg.get("path"), query=arg.get("query"))
                except RuntimeError as exc:
                    raise StepFailed(str(exc)) from exc
                return "ok", f"opened by {how}"
            case "wait":
                self._watch(float(step.arg))
                return "ok", None
            case "tap":
                self._poll()  # a dialog about to be answered by this tap must be on record first
                tapped_at = driver.tap_text(str(step.arg), step.timeout)
                if tapped_at is None:
                    if step.optional:
                        return "skipped", f"no visible text {step.arg!r}"
                    raise StepFailed(f"no visible text {step.arg!r} to tap within {step.timeout:.0f} s")
                self._action_t = tapped_at
                self._after_tap(str(step.arg))
                return "ok", None
            case "input":
                if not driver.type_into(step.arg["into"], str(step.arg["text"]), step.timeout):
                    raise StepFailed(f"no input with placeholder {step.arg['into']!r}")
                return "ok", None
            case "privacy_popup" | "scope_popup" | "dialog":
                return self._answer_dialog(step)
            case "screenshot":
                shot, ui = self._capture_screen(f"snap-{step.arg or 'screen'}")
                self.recorder.record(UISnapshot(source="driver", screenshot=shot, hierarchy=ui))
                return "ok", None
        raise AssertionError(f"unhandled action {step.action}")

    # ------------------------------------------------------------------ the summary

    def _processes(self) -> dict[str, Any]:
        capture = self.capture
        return {
            "processes": {"mitmproxy": capture.process.proc.pid if capture and capture.process
                          and capture.process.proc else None},
            "ports": {"proxy": capture.port if capture else None},
        }

    def _write_session_json(self, outcome: str, reason: str | None, findings: list[dict[str, Any]]) -> None:
        super()._write_session_json(outcome, reason, findings)
        path = self.dir / "session.json"
        summary = json.loads(path.read_text(encoding="utf-8"))
        inst = self.instrument
        summary["device"] = {"name": self.device.name, "kind": "android", "serial": self.device.serial,
                             "account": self.device.account}
        summary["app"] = self.android_app.model_dump() | {"name": self.android_app.label}
        summary["android"] = {
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
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
        tmp.replace(path)
