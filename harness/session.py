"""One scenario on one device: open driver + instrument + capture, perform the steps, record.

A session folder holds session.json, events.jsonl, flows.mitm, screens/, ui/, findings.json and
the logs of the processes it ran. Whatever goes wrong, the folder is left readable and the
session is marked with why it ended.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import __version__
from harness.analysis import write_analysis
from harness.capture.proxy import Capture, DeviceProxy
from harness.catalogue import button_role, mentions_privacy, privacy_question
from harness.config import Scenario, SimDevice, StepSpec
from harness.crawl import LiveCrawlDevice, closing_button, crawl, limits_of
from harness.drivers.sim import (
    PageState,
    ScreenButton,
    ScreenDialog,
    SimDriver,
    SimHost,
    TapBlocked,
    app_config,
    profile_personal_data,
)
from harness.evidence.manifest import write_manifest
from harness.instrument.frida import FridaInstrument
from harness.procs import kill_pids, pid_alive, pids_with_arg
from harness.profiles import carried_over_consents, id_card_canaries, with_profile
from harness.timeline import (
    ClockSync,
    Consent,
    Outcome,
    Prompt,
    Recorder,
    SessionEnd,
    SessionStart,
    Step,
    UIButton,
    UISnapshot,
    utc_now_iso,
)

_ATTACH_LOCK = threading.Lock()


class StepFailed(Exception):
    """The app did not behave as the step expected (a test result, not an infrastructure error)."""


class SessionAborted(Exception):
    """The watchdog stopped the session: a component died, or a step or the session ran out of time."""


@dataclass
class DevicePorts:
    """The loopback ports one device uses, fixed by the runner so that parallel devices never collide
    (0: let the OS choose). Chromium's own debugging port is chosen by chromedriver (port 0)."""

    appium: int = 0
    proxy: int = 0
    host: int = 0
    chromedriver: int = 0


@dataclass
class RunResources:
    """What a session gets from its run and its device: the device's Appium server, the run's fixture
    back end, the device's ports and the time limits."""

    appium_url: str
    backend_ports: tuple[int, int]
    ports: DevicePorts = field(default_factory=DevicePorts)
    appium_pid: int | None = None
    proxy: DeviceProxy | None = None  # the device's mitmdump for the run (else the session starts its own)
    session_timeout: float | None = None  # the scenario's own `timeout:` wins
    step_grace: float = 30.0  # a step may take its own timeout (or wait) plus this before it is cut


@dataclass
class SessionResult:
    session_dir: Path
    outcome: Outcome
    reason: str | None
    findings: list[dict[str, Any]] = field(default_factory=list)


class SimSession:
    """Runs one scenario against one mini program on a sim device."""

    POLL_S = 0.25
    device_kind = "sim"  # session.json's device kind; each device's session class says its own

    def __init__(
        self,
        session_dir: Path,
        scenario: Scenario,
        device: SimDevice,
        app_dir: Path,
        resources: RunResources,
        *,
        on_step: Callable[[str], None] | None = None,
    ) -> None:
        self.dir = session_dir
        self.scenario = scenario
        self.device = with_profile(device, scenario.profile)  # S10: the scenario's profile variant
        self.app_dir = app_dir
        self.resources = resources
        self.on_step = on_step or (lambda _msg: None)
        self.app = app_config(app_dir)
        self.recorder: Recorder | None = None
        self.capture: Capture | None = None
        self.host: SimHost | None = None
        self.frida: FridaInstrument | None = None
        self.driver: SimDriver | None = None
        self._on_screen: dict[str, tuple[ScreenDialog, int]] = {}  # dialog key -> (dialog, prompt seq)
        self._snapshot_dialogs: list[ScreenDialog] | None = None  # what the last screen capture saw
        self._snap: tuple[str | None, str | None] | None = None  # a screenshot step's capture
        self._shot = 0
        self._action_t = 0
        self._started_wall = ""
        self._chromium_pids: list[int] = []
        self._chromedriver_pids: list[int] = []
        self._abort_reason: str | None = None
        self._step_deadline: tuple[float, str] | None = None  # (monotonic deadline, what overran)
        self._finished = threading.Event()

    # ------------------------------------------------------------------ lifecycle

    def run(self) -> SessionResult:
        for sub in ("screens", "ui"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        self.recorder = Recorder(self.dir / "events.jsonl")
        self._started_wall = utc_now_iso()
        outcome: Outcome = "ok"
        reason: str | None = None
        threading.Thread(target=self._watchdog, name=f"watchdog-{self.dir.name}", daemon=True).start()
        try:
            self._open()
            self._write_session_json("running", None, [])  # who runs where, while it runs
            outcome, reason = self._perform_steps()
        except Exception as exc:  # noqa: BLE001 - infrastructure: the session is kept, marked as an error
            outcome, reason = "error", self._why(exc)
            (self.dir / "error.txt").write_text(traceback.format_exc())
        finally:
            self._finished.set()
            closing_reason = self._close()
            if outcome != "error" and closing_reason:
                outcome, reason = "error", closing_reason
            self.recorder.record(SessionEnd(source="harness", outcome=outcome, reason=reason, clock=self._end_clock()))
            self.recorder.close()
        findings = write_analysis(self.dir, self.scenario.probes).findings  # + rules.json, probe-config.json
        self._write_session_json(outcome, reason, findings)
        write_manifest(self.dir)  # the very last act: it hashes everything above
        return SessionResult(self.dir, outcome, reason, findings)

    def _why(self, exc: Exception) -> str:
        """The most specific reason: a component that died says more than the exception it caused."""
        if self._abort_reason:
            return self._abort_reason
        died = self._dead_components()
        if died:
            return died
        if self.frida and self.frida.detached_reason:
            return f"frida detached: {self.frida.detached_reason}"
        first_line = (str(exc).strip().splitlines() or [""])[0][:300]
        return f"{type(exc).__name__}: {first_line}".strip()

    # ------------------------------------------------------------------ watchdog

    def _dead_components(self) -> str | None:
        """Which of this device's processes died under the session (None while all live)."""
        dead: list[str] = []
        appium = self.resources.appium_pid
        if appium and not pid_alive(appium):
            dead.append(f"Appium server (pid {appium}) died")
        if self._chromium_pids and not pid_alive(self._chromium_pids[0]):
            dead.append(f"Chromium (pid {self._chromium_pids[0]}) died")
        for component in (self.host, self.capture):
            why = component.exit_reason() if component else None
            if why:
                dead.append(why)
        return "; ".join(dead) or None

    def _watchdog(self) -> None:
        """Cut the session short when a device process dies or a step or the session overruns."""
        limit = self.scenario.timeout or self.resources.session_timeout
        session_deadline = time.monotonic() + limit if limit else None
        while not self._finished.wait(0.5):
            why = self._dead_components()
            overran = False
            if not why and session_deadline and time.monotonic() > session_deadline:
                why, overran = f"session timeout: not finished within {limit:g} s", True
            step = self._step_deadline
            if not why and step and time.monotonic() > step[0]:
                why, overran = step[1], True
            if why:
                self._abort_reason = why
                if overran:
                    self._unblock()
                return

    def _unblock(self) -> None:
        """The session overran: free a driver call that may be stuck (on the sim: end the browser)."""
        kill_pids(self._chromium_pids)

    def _check_abort(self) -> None:
        if self._abort_reason:
            raise SessionAborted(self._abort_reason)

    def _open(self) -> None:
        assert self.recorder is not None
        http_port, https_port = self.resources.backend_ports
        routes = {host: (http_port, https_port) for host in self.app["hosts"]}
        self.capture = Capture(  # the device's mitmdump, switched to this session's files, routes and canaries
            self.dir, self.recorder, routes=routes, block_unrouted=True, canaries=profile_canaries(self.device),
            listen_port=self.resources.ports.proxy, device_proxy=self.resources.proxy,
        )
        proxy_port = self.capture.start()
        self.host = SimHost(
            self.app_dir, self.device.profile, self.dir, proxy_port=proxy_port, ca_pem=self.capture.ca_cert_pem,
            port=self.resources.ports.host, socket_backend_port=self.resources.backend_ports[0],
            **returning_user_memory(self.scenario),
        )
        host_port = self.host.start()
        self.frida = FridaInstrument(self.recorder, process_label=f"simhost:{self.host.pid}")
        with _ATTACH_LOCK:  # Frida attaches to parallel JVMs one at a time: together they time out
            self.frida.attach(self.host.pid)
        self.recorder.record(
            SessionStart(
                source="harness",
                session_id=self.dir.name,
                device=self.device.name,
                device_kind="sim",
                wechat_version="sim",
                base_library=self.app["lib_version"],
                appid=self.app["appid"],
                app_path=str(self.app_dir),
                scenario=self.scenario.name,
                scenario_file=str(self.scenario.file) if self.scenario.file else None,
                tool_version=__version__,
                probe_versions=_probe_versions(),
                clock=ClockSync(offset_ns=0, error_ns=0),  # the JVM's nanoTime is this host's monotonic clock
            )
        )
        for carried in carried_over_consents(self.scenario):  # a returning user's earlier decisions
            self.recorder.record(carried)
        self.driver = SimDriver(
            self.resources.appium_url,
            proxy_port=proxy_port,
            host_port=host_port,
            user_data_dir=self.dir / ".chromium",
            chromedriver_port=self.resources.ports.chromedriver,
        )
        self._chromium_pids = pids_with_arg(f"--user-data-dir={self.dir / '.chromium'}", without="--type=")
        if self.resources.ports.chromedriver:
            self._chromedriver_pids = pids_with_arg("chromedriver", f"--port={self.resources.ports.chromedriver}")

    def _end_clock(self) -> ClockSync:
        """The device-host clock offset at the end (read after ``_close``); the sim's is this host's clock."""
        return ClockSync(offset_ns=0, error_ns=0)

    def _close(self) -> str | None:
        """Close everything in reverse order, each part on its own (a dead part must not keep the others
        open or the session unrecorded); return why a component died during the session, if one did."""
        died = self._dead_components()
        self._close_each(self.driver and self.driver.quit,
                         lambda: kill_pids(self._chromium_pids + self._chromedriver_pids),  # left when Appium died
                         self.frida and self.frida.close, self.host and self.host.stop,
                         self.capture and self.capture.stop)
        shutil.rmtree(self.dir / ".chromium", ignore_errors=True)
        return died

    def _close_each(self, *closers: Callable[[], object] | None) -> None:
        """Close each part on its own: one that fails is noted in error.txt and the others still close."""
        for close in closers:
            if close:
                try:
                    close()
                except Exception as exc:  # noqa: BLE001 - noted; closing goes on
                    with open(self.dir / "error.txt", "a", encoding="utf-8") as f:
                        f.write(f"while closing: {type(exc).__name__}: {str(exc)[:500]}\n")

    # ------------------------------------------------------------------ steps

    def _perform_steps(self) -> tuple[Outcome, str | None]:
        outcome: Outcome = "ok"
        reason: str | None = None
        for index, step in enumerate(self.scenario.steps):
            self._check_abort()
            self.on_step(f"step {index + 1}/{len(self.scenario.steps)}: {step.label}")
            self._action_t = time.monotonic_ns()
            self._step_deadline = self._deadline_of(index, step)
            self._snap = None
            try:
                result, detail = self._perform(step)
            except StepFailed as failed:
                result, detail = "failed", str(failed)
            self._step_deadline = None
            shot, ui = self._snap or self._capture_screen(f"step-{index:02d}")  # a screenshot step's own
            # the dialogs the capture saw, with its screenshot: no extra round trip, no second copy
            self._poll(self._snapshot_dialogs, (shot, ui))
            assert self.recorder is not None
            self.recorder.record(
                Step(source="scenario", t=self._action_t, index=index, action=step.action, target=_target(step),
                     result=result, detail=detail, screenshot=shot, ui=ui)
            )
            if result == "failed" and outcome == "ok":
                outcome = "failed"
                reason = f"step {index + 1} ({self._where(step)}): {detail}"
        self._settle()
        return outcome, reason

    def _settle(self) -> None:
        """Let the requests the last steps started finish (up to SETTLE_S) before the teardown: a flow
        slowed by a TLS handshake under load is evidence, not something to cut off at the last wait.
        Quiet means none in flight for SETTLE_QUIET_S, so a chain (login code -> openid) is waited for."""
        now = time.monotonic()
        deadline, quiet_since = now + SETTLE_S, now
        while self.frida is not None and now < deadline and not self._abort_reason:
            if any(api in IN_FLIGHT_APIS for api in self.frida.pending_apis()):
                quiet_since = now
            elif now - quiet_since >= SETTLE_QUIET_S:
                return
            time.sleep(0.1)
            now = time.monotonic()

    def _deadline_of(self, index: int, step: StepSpec) -> tuple[float, str]:
        """When the step counts as hung: its own timeout (or wait) plus the run's grace."""
        waits = float(step.arg) if step.action in ("wait", "background") else 0.0
        budget = step.timeout + waits + self.resources.step_grace
        if step.action == "crawl":  # the crawl keeps its own time budget; the grace covers its last tap
            budget += float(step.arg["seconds"])
        return time.monotonic() + budget, f"step {index + 1} ({self._where(step)}) did not finish within {budget:g} s"

    def _where(self, step: StepSpec) -> str:
        """file:line of the step in its scenario file, or its label for an inline scenario."""
        return f"{self.scenario.file}:{step.line}" if self.scenario.file and step.line else step.label

    def _launch(self, step: StepSpec) -> tuple[str, str | None]:
        """Open (or reopen) the mini program: the one step each device kind does its own way."""
        assert self.driver is not None and self.host is not None
        arg = step.arg or {}
        query = f"?path={arg['path']}" if arg.get("path") else ""
        if arg.get("query"):
            query += ("&" if query else "?") + f"query={arg['query']}"
        self.driver.open(self.host.url + query)
        if not self.driver.wait_ready(step.timeout + 10):
            raise StepFailed("the mini program did not render its first page")
        errors = self.driver.runtime_errors()
        if errors:
            raise StepFailed("mini program error: " + "; ".join(errors[:3]))
        return "ok", None

    def _perform(self, step: StepSpec) -> tuple[str, str | None]:
        assert self.driver is not None
        match step.action:
            case "launch" | "relaunch":
                return self._launch(step)
            case "wait":
                self._watch(float(step.arg))
                return "ok", None
            case "tap":
                try:  # before_click: a dialog about to be answered by this tap must be on record first
                    tapped_at = self.driver.tap_text(str(step.arg), step.timeout, before_click=self._poll)
                except TapBlocked as exc:
                    raise StepFailed(str(exc)) from None
                if tapped_at is None:
                    if step.optional:
                        return "skipped", f"no visible text {step.arg!r}"
                    raise StepFailed(f"no visible text {step.arg!r} to tap within {step.timeout:.0f} s")
                self._action_t = tapped_at  # the step happened when the tap did, not when it was asked for
                self._after_tap(str(step.arg))
                return "ok", None
            case "input":
                if not self.driver.type_into(step.arg["into"], self._input_text(step.arg["text"]), step.timeout):
                    if step.optional:
                        return "skipped", f"no input with placeholder {step.arg['into']!r}"
                    raise StepFailed(f"no input with placeholder {step.arg['into']!r}")
                return "ok", None
            case "privacy_popup" | "scope_popup" | "dialog":
                return self._answer_dialog(step)
            case "settings":  # the openSetting page: flip the scopes' switches, then go back
                page = self._wait_for(lambda d: d.native_ui == "settings", step.timeout)
                if page is None:
                    raise StepFailed(f"no settings page appeared within {step.timeout:g} s")
                try:
                    self.driver.set_switches(page, step.arg)
                except RuntimeError as exc:
                    raise StepFailed(str(exc)) from exc
                for scope, on in step.arg.items():
                    if page.switches.get(scope) != on and self.recorder:
                        self.recorder.record(Consent(source="driver", action="agree" if on else "refuse", subject=scope,
                                                     how="settings:switch", prompt_seq=self._on_screen.get(page.key, (page, None))[1]))
                self._poll()
                return "ok", ", ".join(f"{scope} {'on' if on else 'off'}" for scope, on in step.arg.items())
            case "background":  # S6: leave the mini program for N seconds (onHide), then come back (onShow)
                set_foreground = getattr(self.driver, "set_foreground", None)
                if set_foreground is None:
                    raise StepFailed("`background` runs on the sim only: leaving WeChat on a phone is not driven yet")
                set_foreground(False)
                self._watch(float(step.arg))
                set_foreground(True)
                return "ok", f"{float(step.arg):g} s in the background"
            case "screenshot":
                self._snap = self._capture_screen(f"snap-{step.arg or 'screen'}")  # records the UISnapshot
                return "ok", None
            case "crawl":
                return self._crawl(step)
            case "switch":  # the page's own switches (个性化推荐: off), tapped as a user does
                for label, on in step.arg.items():
                    if not self.driver.set_page_switch(label, on, step.timeout):
                        raise StepFailed(f"no switch beside {label!r} on the page within {step.timeout:g} s")
                return "ok", ", ".join(f"{label} {'on' if on else 'off'}" for label, on in step.arg.items())
        raise AssertionError(f"unhandled action {step.action}")

    def _crawl(self, step: StepSpec) -> tuple[str, str | None]:
        """The settings crawl (harness/crawl.py): every new screen a UISnapshot with its crawl_path."""
        if self.device_kind != "sim":
            raise StepFailed("`crawl` is not supported on android yet: the walk needs the tappable controls "
                             "and a checked way back, which the android driver does not read")
        assert self.driver is not None
        crawled = 0

        def record(path: list[str]) -> None:
            nonlocal crawled
            crawled += 1
            capture = self._capture_screen(f"crawl-{crawled:02d}", crawl_path=path)
            self._poll(self._snapshot_dialogs, capture)  # dialogs the crawl opened are prompts on record

        def close_dialog() -> bool:
            for dialog in self._poll():
                button = closing_button(dialog.buttons)
                if button is not None:
                    self._press(dialog, button)
                    return True
            return False

        result = crawl(LiveCrawlDevice(self.driver, record, close_dialog), limits_of(step.arg))
        if not result.complete:
            raise StepFailed(result.detail)
        return "ok", result.detail

    def _input_text(self, text: Any) -> str:
        """The text an input step types: as written, or the value of a canary of the session's profile."""
        if not isinstance(text, dict):
            return str(text)
        canaries = profile_canaries(self.device)
        if text["canary"] not in canaries:
            raise StepFailed(f"no canary {text['canary']!r} in the profile (canaries: {', '.join(sorted(canaries))})")
        return canaries[text["canary"]]

    def _answer_dialog(self, step: StepSpec) -> tuple[str, str | None]:
        wanted_kind = {"privacy_popup": "privacy_popup", "scope_popup": "scope", "dialog": "developer_dialog"}[step.action]
        role = "agree" if step.arg in ("agree", "allow") else "reject"
        dialog = self._wait_for(lambda d: d.prompt_kind == wanted_kind, step.timeout)
        if dialog is None:
            if step.optional:
                return "skipped", f"no {wanted_kind.replace('_', ' ')} appeared within {step.timeout:g} s"
            raise StepFailed(f"no {wanted_kind.replace('_', ' ')} appeared within {step.timeout:g} s")
        button = dialog.button(role)
        if button is None:
            offered = ", ".join(b.text for b in dialog.buttons) or "none"
            raise StepFailed(f"the dialog has no {role} option (buttons: {offered})")
        self._answer(dialog, button)  # no poll after: the step's screen capture reads the dialogs
        return "ok", f"{button.text} on {dialog.title or dialog.texts[:1]}"

    def _press(self, dialog: ScreenDialog, button: ScreenButton) -> None:
        """Answer the dialog, then record what the answer brought up."""
        self._answer(dialog, button)
        self._poll()

    def _answer(self, dialog: ScreenDialog, button: ScreenButton) -> None:
        assert self.driver is not None and self.recorder is not None
        _, prompt_seq = self._on_screen.get(dialog.key, (dialog, None))
        self.driver.press(dialog, button)
        self._record_answer(dialog, button, prompt_seq)

    def _record_answer(self, dialog: ScreenDialog, button: ScreenButton, prompt_seq: int | None) -> None:
        """A tap on a consent dialog's agree or reject control is a consent event."""
        subject = _consent_subject(dialog)
        if not subject or button.role not in ("agree", "reject") or not self.recorder:
            return
        if dialog.prompt_kind == "developer_dialog" and privacy_question(dialog.all_text) == "withdrawal":
            if button.role == "agree":  # confirming a withdrawal takes consent back; cancelling it changes nothing
                self.recorder.record(Consent(source="driver", action="refuse", subject=subject,
                                             how=f"withdraw:tap:{button.text}", prompt_seq=prompt_seq))
            return
        self.recorder.record(
            Consent(source="driver", action="agree" if button.role == "agree" else "refuse",
                    subject=subject, how=f"tap:{button.text}", prompt_seq=prompt_seq)
        )

    def _after_tap(self, text: str) -> None:
        """A plain tap on a dialog's button answers that dialog; a tap on the page's own agreement
        statement (我已阅读并同意《…》 beside its checkbox) is the user's consent: record either."""
        for dialog, prompt_seq in list(self._on_screen.values()):
            button = next((b for b in dialog.buttons if b.text == text), None)
            if button is not None:
                self._record_answer(dialog, button, prompt_seq)
                break
        else:
            if page_agreement(text) and self.recorder:
                self.recorder.record(Consent(source="driver", action="agree", subject="privacy", how=f"page:tap:{text}"))
        # no poll here: the step's screen capture right after reads the dialogs in the same round trip

    # ------------------------------------------------------------------ watching the screen

    def _watch(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        visible = self._poll()
        while (left := deadline - time.monotonic()) > 0:
            visible = self._poll(self._next_dialogs(visible, left))

    def _wait_for(self, want: Callable[[ScreenDialog], bool], timeout: float) -> ScreenDialog | None:
        deadline = time.monotonic() + timeout
        visible = self._poll()
        while (found := next((d for d in visible if want(d)), None)) is None:
            if (left := deadline - time.monotonic()) <= 0:
                return None
            visible = self._poll(self._next_dialogs(visible, left))
        return found

    def _next_dialogs(self, visible: list[ScreenDialog], seconds: float) -> list[ScreenDialog]:
        """The dialogs once they differ from ``visible``, or after at most ``seconds``: watched in the page
        where the driver can (seen as they appear, one round trip), else looked at again after POLL_S."""
        assert self.driver is not None
        wait_dialogs = getattr(self.driver, "wait_dialogs", None)
        if wait_dialogs is not None:
            return wait_dialogs({d.key for d in visible}, min(seconds, WAIT_CHUNK_S))  # type: ignore[no-any-return]
        time.sleep(min(self.POLL_S, seconds))
        return self.driver.dialogs()

    def _poll(
        self, visible: list[ScreenDialog] | None = None, capture: tuple[str | None, str | None] | None = None
    ) -> list[ScreenDialog]:
        """Record every dialog that newly appeared on screen as a prompt event; return what is visible.
        ``visible``: the dialogs a screen capture just read, ``capture`` its (screenshot, UI dump) that
        shows them (else they are asked for and the screen is captured for the prompt)."""
        assert self.driver is not None and self.recorder is not None
        self._check_abort()
        visible = self.driver.dialogs() if visible is None else visible
        keys = {d.key for d in visible}
        for gone in [k for k in self._on_screen if k not in keys]:
            del self._on_screen[gone]
        for dialog in visible:
            if dialog.key in self._on_screen:
                continue
            shot, ui = capture if capture is not None else self._capture_screen("prompt")
            event = self.recorder.record(
                Prompt(
                    source="driver",
                    prompt_kind=dialog.prompt_kind,  # type: ignore[arg-type]
                    title=dialog.title,
                    texts=dialog.texts,
                    buttons=[UIButton(text=b.text, role=b.role, bounds=b.bounds, clickable=b.clickable)  # type: ignore[arg-type]
                             for b in dialog.buttons],
                    scope=dialog.scope,
                    mentions_privacy=dialog.mentions_privacy,
                    screenshot=shot,
                    ui=ui,
                )
            )
            self._on_screen[dialog.key] = (dialog, event.seq)
        return visible

    def _capture_screen(self, label: str, crawl_path: list[str] | None = None) -> tuple[str | None, str | None]:
        assert self.driver is not None
        self._shot += 1
        stem = f"{self._shot:03d}-{label}"
        shot = f"screens/{stem}.png"
        ui = f"ui/{stem}.html"
        self.driver.screenshot(self.dir / shot)
        snapshot = getattr(self.driver, "snapshot", None)
        if snapshot is not None:  # the sim: UI dump, page state and dialogs in one round trip
            state, self._snapshot_dialogs = snapshot(self.dir / ui)
        else:
            self.driver.dump_ui(self.dir / ui)
            state, self._snapshot_dialogs = self.driver.page_state(self.dir / ui), None
        self._record_page(shot, ui, state, crawl_path)
        return shot, ui

    def _record_page(self, shot: str, ui: str, state: PageState, crawl_path: list[str] | None = None) -> None:
        """The visible page state next to the screenshot, as a UISnapshot (texts, controls, route): the
        probes of page wording and controls (CON-005, COL-002, POL-001, ...) read nothing else."""
        assert self.recorder is not None
        self.recorder.record(UISnapshot(source="driver", screenshot=shot, hierarchy=ui, texts=state.texts,
                                        elements=state.elements, page=state.page, crawl_path=crawl_path))

    def _processes(self) -> dict[str, Any]:
        """The pids and ports of this session's processes (fault tools and parallel proofs read them)."""
        ports = self.resources.ports
        return {
            "processes": {
                "appium": self.resources.appium_pid,
                "chromedriver": self._chromedriver_pids[0] if self._chromedriver_pids else None,
                "chromium": self._chromium_pids[0] if self._chromium_pids else None,
                "host": self.host.process.proc.pid if self.host and self.host.process.proc else None,
                "mitmproxy": self.capture.process.proc.pid
                if self.capture and self.capture.process and self.capture.process.proc else None,
            },
            "ports": {"appium": ports.appium, "proxy": self.capture.port if self.capture else None,
                      "host": self.host.port if self.host else None, "chromedriver": ports.chromedriver},
        }

    def _subject(self) -> dict[str, Any]:
        """What session.json says about the device and the app (a device kind adds its own facts)."""
        return {"device": {"name": self.device.name, "kind": self.device_kind},
                "app": {"appid": self.app["appid"], "name": self.app["name"], "path": str(self.app_dir),
                        "lib_version": self.app["lib_version"]}}

    def _write_session_json(self, outcome: str, reason: str | None, findings: list[dict[str, Any]]) -> None:
        """session.json: written once the device is up (outcome "running") and again at the end."""
        summary = {
            "session": self.dir.name,
            **self._subject(),
            "scenario": {"name": self.scenario.name, "file": str(self.scenario.file) if self.scenario.file else None},
            "outcome": outcome,
            "reason": reason,
            "findings": len(findings),
            "rules": sorted({f["rule"] for f in findings}),
            "tool_version": __version__,
            "partial": outcome == "error",
            "started": self._started_wall,
            "ended": utc_now_iso() if outcome != "running" else None,
            **self._processes(),
        }
        tmp = self.dir / "session.json.tmp"  # a reader never sees half a file
        tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
        tmp.replace(self.dir / "session.json")


def returning_user_memory(scenario: Scenario) -> dict[str, Any]:
    """What the sim host remembers from earlier sessions: nothing, unless the scenario says
    `returning_user:` (then the privacy consent and the listed scope decisions)."""
    user = scenario.returning_user
    if user is None:
        return {}
    return {"privacy_agreed": user.privacy == "agreed",
            "grants": {scope: answer == "allow" for scope, answer in user.scopes.items()}}


def profile_canaries(device: SimDevice) -> dict[str, str]:
    """The device profile's personal data as named canaries for the recognisers."""
    profile = device.profile
    canaries = {"phoneNumber": profile.phoneNumber}
    if profile.clipboard:
        canaries["clipboard"] = profile.clipboard
    canaries.update(profile_personal_data(profile))
    canaries.update(id_card_canaries(profile.model_dump()))
    return canaries


WAIT_CHUNK_S = 1.0  # a wait for dialogs returns to the session this often (aborts are checked in between)
SETTLE_S = 8.0  # at most this long after the last step for requests still in flight
SETTLE_QUIET_S = 0.5  # no request in flight for this long: the network has settled
IN_FLIGHT_APIS = frozenset({"request", "uploadFile", "downloadFile"})  # a WebSocket may stay open: not these


def page_agreement(text: str) -> bool:
    """The text is an in-page agreement statement: agree wording and a notice it names (《…》, or
    privacy/policy words), as "我已阅读并同意《隐私政策》" — not a bare "同意" or "确定"."""
    return button_role(text) == "agree" and ("《" in text or mentions_privacy(text))


def _consent_subject(dialog: ScreenDialog) -> str | None:
    """What answering this dialog consents to: the privacy notice, a scope, or nothing."""
    if dialog.prompt_kind == "privacy_popup":
        return "privacy"
    if dialog.prompt_kind == "scope":
        return dialog.scope or "scope.unknown"
    if privacy_question(dialog.all_text):
        return "privacy"
    return None


def _target(step: StepSpec) -> str | None:
    if step.arg is None:
        return None
    if isinstance(step.arg, dict):
        return json.dumps(step.arg, ensure_ascii=False)
    return str(step.arg)


def _probe_versions() -> dict[str, str]:
    from probes import probe_versions

    return probe_versions()
