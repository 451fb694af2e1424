"""One Frida session on one process: loads the agent, turns its messages into timeline events.

Two layers:

- ``BridgeEvents``: pure (no I/O, no Frida). Feed it the agent's message payloads; it pairs calls
  with their results by callbackId and returns ``ApiCall`` / ``Lifecycle`` events; ``unanswered()``
  returns the calls whose result never came (``ok=None``). ``storage_writes(call)`` derives the
  ``StorageWrite`` events of a recorded setStorage* call.
- ``FridaInstrument``: owns the Frida session (in the style of frida-tools: ``detached`` handled,
  the reason and any crash report kept) and records the events through the session's ``Recorder``.

The agent's message format (harness/instrument/agent/messages.ts):

- ``{"type": "ready", "agent": 1, "hooks": [...], "skipped": [...], "clock": "...",
  "process": {"pid": n, "name": "..."}}`` once the hooks are installed;
- ``{"type": "batch", "items": [...]}`` where an item is
  ``{"k": "call", "api", "data", "cb", "sync", "t", "ov", "tid", "jstack": [...], "jsstack"?,
  "result"?, "t_result"?, "exc"?, "trunc"?}``, ``{"k": "result", "cb", "result", "t", "trunc"?}`` or
  ``{"k": "event", "name", "data", "t", "tid"}`` (a listener delivery: ``listener_delivery``)
  (times are the device's monotonic ns as decimal strings; a call carries its result when the
  agent saw it before sending the call; otherwise the result follows as its own item);
- ``{"type": "records", "records": n}`` with binary data: n records of the C hooks that serve the
  bridge on HotSpot (agent/native.ts, layout in agent/records.c.ts), which ``BridgeRecords`` turns
  into the same call / result items (plus ``{"k": "exc", "cb", "exc", "t"}``: an async call whose
  original threw);
- ``{"type": "error", "where", "message", "fatal", "missing"?}``.

``ApiCall.stack`` is the Java stack of the calling thread (innermost first, as
``pkg.Class.method(File.java:N)``) followed by the lines of the JS stack the page passed in
``extra`` (``at fn (file.js:L:C)``).
"""

from __future__ import annotations

import logging
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar

import orjson

from harness.catalogue import RAW_SOCKET_APIS, STORAGE_WRITE_APIS, category_of
from harness.timeline import ApiCall, ClockSync, Event, Lifecycle, PIMatch, Recorder, StorageWrite

if TYPE_CHECKING:
    import frida.core

log = logging.getLogger(__name__)

LIFECYCLE_API = "__lifecycle"
LIFECYCLE_EVENTS = frozenset({"launch", "route", "show", "hide", "exit", "crash"})
DEFAULT_READY_TIMEOUT = 15.0
RPC_TIMEOUT = 5.0

T = TypeVar("T")
NO_OFFSET = ClockSync()  # the sim: the device clock is the host's monotonic clock


class InstrumentError(RuntimeError):
    """Attaching or loading the agent failed; the message says why."""


# --------------------------------------------------------------------------------------------------
# messages -> events (pure)


def parse_json(text: Any) -> Any:
    """The parsed JSON of ``text``; ``text`` itself when it is not JSON; None for ""."""
    if not isinstance(text, str):
        return text
    if not text:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def _ns(value: Any) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _js_frames(jsstack: Any) -> list[str]:
    if not isinstance(jsstack, str):
        return []
    lines = [line.strip() for line in jsstack.splitlines()]
    lines = [line for line in lines if line]
    if lines and not lines[0].startswith("at ") and (lines[0] == "Error" or lines[0].startswith("Error:")):
        lines = lines[1:]  # V8's "Error" header line
    return lines


def _stack(item: dict[str, Any]) -> list[str]:
    java = [str(f) for f in item.get("jstack") or []]
    return java + _js_frames(item.get("jsstack"))


def api_call_event(
    call: dict[str, Any],
    result: str | None,
    t_result: int | None,
    *,
    process: str | None = None,
    clock: ClockSync = NO_OFFSET,
) -> ApiCall:
    """An ``ApiCall`` from the agent's call item and its result (``None``: no result seen)."""
    api = str(call.get("api", ""))
    device_t = _ns(call.get("t")) or 0
    parsed = parse_json(result) if result is not None else None
    err_msg: str | None = None
    errno: int | None = None
    ok: bool | None = None
    if isinstance(parsed, dict):
        msg = parsed.get("errMsg")
        if isinstance(msg, str):
            ok = msg.endswith(":ok")
            if ":fail" in msg:
                err_msg = msg
        raw_errno = parsed.get("errno")
        if isinstance(raw_errno, int) and not isinstance(raw_errno, bool):
            errno = raw_errno
        elif isinstance(raw_errno, str) and raw_errno.lstrip("-").isdigit():
            errno = int(raw_errno)
    exc = call.get("exc")
    if exc:
        err_msg = f"exception: {exc}"
        ok = False
    return ApiCall(
        source="frida",
        t=device_t + clock.offset_ns,
        device_t=device_t,
        api=api,
        args=_socket_pi(api, parse_json(call.get("data"))),
        callback_id=_ns(call.get("cb")),
        is_sync=bool(call.get("sync")),
        result=parsed,
        err_msg=err_msg,
        errno=errno,
        ok=ok,
        t_result=(t_result + clock.offset_ns) if t_result is not None else None,
        process=process,
        stack=_stack(call),
        category=category_of(api),
    )


def _socket_pi(api: str, args: Any) -> Any:
    """A raw socket send's arguments with the personal data its payload carries as ``args["pi"]``
    (read by probes.evidence.api_call_pi): raw sockets bypass the proxy, so no flow is scanned."""
    if api not in RAW_SOCKET_APIS or not isinstance(args, dict) or args.get("data") is None:
        return args
    matches = _find_pi(args["data"], f"socket:{api}")
    return {**args, "pi": [m.model_dump(mode="json") for m in matches]} if matches else args


def lifecycle_event(call: dict[str, Any], *, clock: ClockSync = NO_OFFSET) -> Lifecycle | None:
    """A ``Lifecycle`` from a ``__lifecycle`` bridge call; None when its data names no known event."""
    data = parse_json(call.get("data"))
    if not isinstance(data, dict) or data.get("event") not in LIFECYCLE_EVENTS:
        return None
    device_t = _ns(call.get("t")) or 0
    page = data.get("page")
    detail = data.get("detail")
    return Lifecycle(
        source="frida",
        t=device_t + clock.offset_ns,
        device_t=device_t,
        event=data["event"],
        page=page if isinstance(page, str) else None,
        detail=detail if isinstance(detail, str) else None,
    )


def listener_delivery(item: dict[str, Any], *, process: str | None = None, clock: ClockSync = NO_OFFSET) -> ApiCall:
    """One native event delivered to the page's wx.onX listeners (subscribeHandler), as an ``ApiCall``
    named after the event (``onLocationChange``) with the event's data as ``args``, ``ok=True`` and no
    callback id: registering a listener crosses the bridge as ``__invokeRegister``, so a call named
    ``onX`` is always a delivery (COL-005 counts the location callbacks after onHide)."""
    device_t = _ns(item.get("t")) or 0
    name = str(item.get("name", ""))
    return ApiCall(source="frida", t=device_t + clock.offset_ns, device_t=device_t, api=name,
                   args=parse_json(item.get("data")), ok=True, process=process, category=category_of(name))


_DATA_TYPES = {"string": "string", "object": "object", "array": "array", "number": "number", "boolean": "boolean"}


def json_type(value: Any) -> str:
    """The JSON type name of a Python value parsed from JSON."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    return "object"


def _find_pi(value: Any, location: str) -> list[PIMatch]:
    """Personal data in a stored value, by harness.capture.recognisers (imported lazily)."""
    try:
        from harness.capture.recognisers import find_pi_in_value
    except ImportError:  # the recognisers are optional for recording: without them, no matches
        return []
    try:
        return list(find_pi_in_value(value, location))
    except Exception:  # a recogniser bug must not lose the event
        log.exception("personal-data recognisers failed on %s", location)
        return []


def _stored_value(entry: dict[str, Any], value_key: str) -> tuple[Any, str]:
    """(value, value_class) of one storage entry; WeChat's serialised form ``dataType`` honoured."""
    value = entry.get(value_key)
    data_type = entry.get("dataType")
    if isinstance(data_type, str) and data_type:
        kind = _DATA_TYPES.get(data_type.lower(), data_type.lower())
        if kind != "string" and isinstance(value, str):
            value = parse_json(value)
        return value, kind
    return value, json_type(value)


def storage_writes(call: ApiCall) -> list[StorageWrite]:
    """The ``StorageWrite`` events of a setStorage* / batchSetStorage* call (none if it failed)."""
    if call.api not in STORAGE_WRITE_APIS or call.ok is False or not isinstance(call.args, dict):
        return []
    args = call.args
    if call.api.startswith("batchSetStorage"):
        entries = [e for e in args.get("kvList") or [] if isinstance(e, dict)]
        value_key = "value"
    else:
        entries = [args]
        value_key = "data"
    writes = []
    for entry in entries:
        key = entry.get("key")
        if not isinstance(key, str):
            continue
        vk = value_key if value_key in entry or "data" not in entry else "data"
        value, value_class = _stored_value(entry, vk)
        writes.append(
            StorageWrite(
                source="frida",
                t=call.t,
                device_t=call.device_t,
                key=key,
                value_class=value_class,
                pi=_find_pi(value, f"storage:{key}"),
                api_seq=call.seq if call.seq >= 0 else None,
            )
        )
    return writes


MAX_EARLY_RESULTS = 64


@dataclass
class BridgeEvents:
    """Pairs the agent's call and result items by callbackId and makes timeline events of them.

    Pure and single-threaded: the caller serialises ``feed`` / ``unanswered``. An ``ApiCall`` is
    produced when its result is known (sync calls at once); ``__lifecycle`` calls become
    ``Lifecycle`` events at once. A result whose call was never seen (made before the attach) is
    counted in ``orphan_results`` and dropped; the last few are kept a while in case their call comes
    later (while the agent hands the hooks over to C, a call recorded in JS may travel after its
    result recorded in C).
    """

    process: str | None = None
    clock: ClockSync = field(default_factory=ClockSync)
    pending: dict[int, dict[str, Any]] = field(default_factory=dict)
    orphan_results: int = 0
    early: dict[int, dict[str, Any]] = field(default_factory=dict)  # orphan result / exc items by cb

    def feed(self, payload: Any) -> list[Event]:
        """Events from one agent message payload (only ``batch`` messages carry any)."""
        if not isinstance(payload, dict) or payload.get("type") != "batch":
            return []
        events: list[Event] = []
        for item in payload.get("items") or []:
            if isinstance(item, dict):
                events.extend(self._item(item))
        return events

    def _item(self, item: dict[str, Any]) -> list[Event]:
        kind = item.get("k")
        if kind == "call":
            return self._call(item)
        if kind == "native":  # Android framework hooks (agent/android.ts), phones only
            from harness.instrument.android import native_call_event

            return [native_call_event(item, process=self.process, clock=self.clock)]
        if kind == "event":  # a native event delivered to wx.onX listeners (agent/subscribe.ts)
            return [listener_delivery(item, process=self.process, clock=self.clock)]
        if kind in ("result", "exc"):
            cb = _ns(item.get("cb"))
            call = self.pending.pop(cb, None) if cb is not None else None
            if call is None:
                self.orphan_results += 1
                if cb is not None:
                    self._keep_early(cb, item)
                return []
            return [self._answered(call, item)]
        return []

    def _answered(self, call: dict[str, Any], answer: dict[str, Any]) -> ApiCall:
        if answer.get("k") == "exc":  # the original threw (C hooks): a failed call, no result
            return self._event({**call, "exc": answer.get("exc")}, None, _ns(answer.get("t")))
        return self._event(call, answer.get("result"), _ns(answer.get("t")))

    def _keep_early(self, cb: int, answer: dict[str, Any]) -> None:
        self.early.pop(cb, None)
        self.early[cb] = answer
        if len(self.early) > MAX_EARLY_RESULTS:
            del self.early[next(iter(self.early))]

    def _call(self, item: dict[str, Any]) -> list[Event]:
        if item.get("api") == LIFECYCLE_API:
            lifecycle = lifecycle_event(item, clock=self.clock)
            if lifecycle is not None:
                return [lifecycle]
        if "result" in item or item.get("exc") or item.get("sync"):
            return [self._event(item, item.get("result"), _ns(item.get("t_result")))]
        cb = _ns(item.get("cb"))
        if cb is None:
            return [self._event(item, None, None)]
        early = self.early.pop(cb, None)
        if early is not None and (_ns(early.get("t")) or 0) >= (_ns(item.get("t")) or 0):
            self.orphan_results -= 1
            return [self._answered(item, early)]
        replaced = self.pending.pop(cb, None)
        self.pending[cb] = item
        # a callbackId reused before its result came: the older call was never answered
        return [self._event(replaced, None, None)] if replaced is not None else []

    def _event(self, call: dict[str, Any], result: Any, t_result: int | None) -> ApiCall:
        text = result if isinstance(result, str) or result is None else orjson.dumps(result).decode()
        return api_call_event(call, text, t_result, process=self.process, clock=self.clock)

    def unanswered(self) -> list[ApiCall]:
        """The pending calls as ``ApiCall`` events with ``ok=None``, in call order; clears them."""
        calls = sorted(self.pending.values(), key=lambda c: _ns(c.get("t")) or 0)
        self.pending.clear()
        return [self._event(c, None, None) for c in calls]


def translate(payloads: Iterable[Any], *, process: str | None = None, clock: ClockSync = NO_OFFSET) -> list[Event]:
    """All events of a finished message stream, never-answered calls included (ok=None)."""
    bridge = BridgeEvents(process=process, clock=clock)
    events: list[Event] = []
    for payload in payloads:
        events.extend(bridge.feed(payload))
    events.extend(bridge.unanswered())
    return events


# --------------------------------------------------------------------------------------------------
# the C hooks' binary records -> the same items (pure)

_HEADER = struct.Struct("<BBBxiqqQ")
_FIELD = struct.Struct("<II")
_NULL = 0xFFFFFFFF
_SYNC, _HAS_RESULT, _HAS_EXC, _FIRST_OF_SITE = 1, 2, 4, 8
_RECORD_CALL, _RECORD_RESULT, _RECORD_EXC = 1, 2, 3
MAX_JS_STACK_CHARS = 4096  # agent/stack.ts


class RecordError(ValueError):
    """A records message that does not parse (a torn or foreign buffer); ``parsed`` holds the items
    read before the fault."""

    def __init__(self, message: str, parsed: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.parsed = parsed or []


def java_frames(text: str | None) -> list[str]:
    """The Java stack of a record: frames separated by newlines (stack.ts already dropped its own)."""
    return [f for f in (text or "").split("\n") if f]


def js_stack_of(extra: str | None) -> str | None:
    """The "stack" field of extra when extra is a JSON object carrying one (as agent/stack.ts jsStackOf)."""
    if not extra or not extra.startswith("{") or '"stack"' not in extra:
        return None
    try:
        parsed = orjson.loads(extra)
    except orjson.JSONDecodeError:
        return None
    stack = parsed.get("stack") if isinstance(parsed, dict) else None
    return stack[:MAX_JS_STACK_CHARS] if isinstance(stack, str) else None


@dataclass
class BridgeRecords:
    """Turns the C hooks' ``records`` messages (agent/records.c.ts describes the layout) into the agent's
    call / result items, so that ``BridgeEvents`` pairs and records them as it does the JS hooks' ones.

    The C hooks read the Java stack on the first call of a call site only (site: api, extra - which
    carries the JS stack - and thread); later calls of the site name it, and get its stacks from here.
    """

    sites: dict[int, tuple[list[str], str | None]] = field(default_factory=dict)

    def items(self, data: bytes) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        view = memoryview(data)
        at = 0
        while at < len(view):
            try:
                item, at = self._record(view, at)
            except RecordError as exc:
                raise RecordError(str(exc), items) from None
            items.append(item)
        return items

    def _record(self, view: memoryview, at: int) -> tuple[dict[str, Any], int]:
        if at + _HEADER.size > len(view):
            raise RecordError(f"record header cut at byte {at} of {len(view)}")
        kind, arity, flags, cb, t, t_result, site = _HEADER.unpack_from(view, at)
        at += _HEADER.size
        trunc: list[str] = []
        if kind == _RECORD_RESULT:
            result, at = _string(view, at, "result", trunc)
            return _with_trunc({"k": "result", "cb": cb, "result": result or "", "t": t}, trunc), at
        if kind == _RECORD_EXC:
            exc, at = _string(view, at, "exc", trunc)
            return {"k": "exc", "cb": cb, "exc": exc or "", "t": t}, at
        if kind != _RECORD_CALL:
            raise RecordError(f"unknown record kind {kind} at byte {at - _HEADER.size}")
        api, at = _string(view, at, "api", trunc)
        data, at = _string(view, at, "data", trunc)
        item: dict[str, Any] = {"k": "call", "api": api or "", "data": data or "", "cb": cb,
                                "sync": bool(flags & _SYNC), "t": t, "ov": arity}
        if flags & _HAS_RESULT:
            result, at = _string(view, at, "result", trunc)
            item["result"] = result or ""
        if flags & _HAS_EXC:
            exc, at = _string(view, at, "exc", trunc)
            item["exc"] = exc or "exception"
        if flags & (_HAS_RESULT | _HAS_EXC):
            item["t_result"] = t_result
        if flags & _FIRST_OF_SITE:
            extra, at = _string(view, at, "extra", [])
            stack, at = _string(view, at, "jstack", [])
            self.sites[site] = (java_frames(stack), js_stack_of(extra))
        jstack, jsstack = self.sites.get(site, ([], None))
        item["jstack"] = jstack
        if jsstack is not None:
            item["jsstack"] = jsstack
        return _with_trunc(item, trunc), at


def _string(view: memoryview, at: int, name: str, trunc: list[str]) -> tuple[str | None, int]:
    """One string field at ``at``: (text or None, next offset); ``name`` noted in ``trunc`` if cut."""
    if at + _FIELD.size > len(view):
        raise RecordError(f"field {name} cut at byte {at} of {len(view)}")
    length, stored = _FIELD.unpack_from(view, at)
    at += _FIELD.size
    end = at + 2 * stored
    if end > len(view):
        raise RecordError(f"field {name} ({stored} chars) runs past the end of the records")
    if length == _NULL:
        return None, end
    if stored < length:
        trunc.append(name)
    return bytes(view[at:end]).decode("utf-16-le", errors="replace"), end


def _with_trunc(item: dict[str, Any], trunc: list[str]) -> dict[str, Any]:
    if trunc:
        item["trunc"] = trunc
    return item


# --------------------------------------------------------------------------------------------------
# the Frida session


def _with_timeout(fn: Callable[[], T], timeout: float, what: str) -> T:
    """Run a blocking Frida call with a time limit (Frida's sync RPC has none)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread, re-raised there
            outcome["error"] = exc

    worker = threading.Thread(target=run, name=f"frida-{what}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError(f"{what} did not finish within {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@dataclass
class AgentError:
    where: str
    message: str
    fatal: bool = False


class FridaInstrument:
    """The Frida agent in one process, recording api_call / lifecycle / storage_write events.

    ``attach()`` loads the agent and (by default) waits until the bridge is hooked; with
    ``wait_ready=False`` it returns once the agent is loaded, for spawn gating (resume the process,
    then ``wait_ready()``). ``close()`` flushes the agent, records the calls never answered, unloads
    and detaches; it is safe to call twice and after the process died. ``detached_reason`` says why
    the session ended when it was not ``close()`` (Frida's reason, plus the crash summary if any).
    """

    def __init__(
        self,
        recorder: Recorder,
        *,
        process_label: str | None = None,
        clock: ClockSync = NO_OFFSET,
        ready_timeout: float = DEFAULT_READY_TIMEOUT,
        agent_path: Path | None = None,
    ) -> None:
        self.recorder = recorder
        self.process_label = process_label
        self.clock = clock
        self.ready_timeout = ready_timeout
        self.agent_path = agent_path
        self.pid: int | None = None
        self.ready_info: dict[str, Any] | None = None
        self.agent_errors: list[AgentError] = []
        self.detached_reason: str | None = None
        self.crash_report: str | None = None
        self.recorded = 0  # events recorded
        self.dropped = 0  # events that could not be recorded (recorder closed)
        self._bridge = BridgeEvents(clock=clock)
        self._records = BridgeRecords()
        self._lock = threading.Lock()  # guards _bridge and the recording; never held over a Frida call
        self._ready = threading.Event()
        self._session: frida.core.Session | None = None
        self._script: frida.core.Script | None = None
        self._closed = False

    # ---- lifecycle

    def attach(self, pid: int, device: frida.core.Device | None = None, *, wait_ready: bool = True) -> None:
        """Attach to ``pid`` (local device by default), load the agent, wait for its ``ready``."""
        import frida

        from harness.instrument.build import compile_agent

        if self._session is not None:
            raise InstrumentError("this instrument is already attached; use one FridaInstrument per process")
        source = (self.agent_path or compile_agent()).read_text(encoding="utf-8")
        device = device or frida.get_local_device()
        self.pid = pid
        try:
            session = device.attach(pid)
        except frida.ProcessNotFoundError as exc:
            raise InstrumentError(f"cannot attach to pid {pid}: no such process") from exc
        except frida.PermissionDeniedError as exc:
            raise InstrumentError(f"cannot attach to pid {pid}: permission denied (ptrace): {exc}") from exc
        except (frida.TransportError, frida.TimedOutError, frida.ProcessNotRespondingError) as exc:
            raise InstrumentError(f"cannot attach to pid {pid}: {exc}") from exc
        session.on("detached", self._on_detached)
        self._session = session
        try:
            script = session.create_script(source, name="miniprobe-agent")
            script.on("message", self._on_message)
            script.set_log_handler(self._on_log)
            self._script = script
            script.load()
        except Exception as exc:
            self._abandon()
            raise InstrumentError(f"cannot load the agent into pid {pid}: {exc}") from exc
        if wait_ready:
            self.wait_ready()

    def wait_ready(self, timeout: float | None = None) -> dict[str, Any]:
        """Block until the agent hooked the bridge; raise ``InstrumentError`` (and detach) otherwise."""
        timeout = self.ready_timeout if timeout is None else timeout
        self._ready.wait(timeout)
        if self.ready_info is not None:
            return self.ready_info
        fatal = [e for e in self.agent_errors if e.fatal]
        if fatal:
            reason = f"the agent could not hook the bridge ({fatal[0].where}): {fatal[0].message}"
        elif self.detached_reason is not None:
            reason = f"the process went away before the bridge was hooked: {self.detached_reason}"
        else:
            waiting = [e.message for e in self.agent_errors if e.where == "wait"]
            reason = f"the bridge was not hooked within {timeout:g} s" + (f" ({waiting[0]})" if waiting else "")
        self._abandon()
        raise InstrumentError(f"pid {self.pid}: {reason}")

    @property
    def ready(self) -> bool:
        return self.ready_info is not None

    @property
    def alive(self) -> bool:
        return self._session is not None and self.detached_reason is None and not self._closed

    def ping(self) -> dict[str, Any]:
        if self._script is None:
            raise InstrumentError("not attached")
        return _with_timeout(self._script.exports_sync.ping, RPC_TIMEOUT, "ping")

    def rpc(self, method: str, *args: Any, timeout: float = RPC_TIMEOUT) -> Any:
        """Call one of the agent's rpc exports (e.g. ``enable_framework``) with a time limit."""
        if self._script is None or not self.alive:
            raise InstrumentError("not attached")
        fn = getattr(self._script.exports_sync, method)
        return _with_timeout(lambda: fn(*args), timeout, method)

    def set_clock(self, clock: ClockSync) -> None:
        """The device-host offset measured after attaching; applies to every event recorded from now on."""
        with self._lock:
            self.clock = clock
            self._bridge.clock = clock

    def flush(self) -> int:
        """Ask the agent to send what it has queued; when this returns, it has been recorded."""
        if self._script is None or not self.alive:
            return 0
        return int(_with_timeout(self._script.exports_sync.flush, RPC_TIMEOUT, "flush"))

    def close(self) -> None:
        """Flush, record never-answered calls (ok=None), unload, detach. Idempotent, never raises."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        script, session = self._script, self._session
        if script is not None and self.detached_reason is None:
            try:
                _with_timeout(script.exports_sync.flush, RPC_TIMEOUT, "flush")
            except Exception as exc:  # noqa: BLE001 - close() never raises: the process may die any time
                log.info("pid %s: final flush failed: %s", self.pid, exc)
            try:
                _with_timeout(script.unload, RPC_TIMEOUT, "unload")
            except Exception as exc:  # noqa: BLE001 - as above
                log.info("pid %s: unloading the agent failed: %s", self.pid, exc)
        if session is not None and self.detached_reason is None:
            try:
                _with_timeout(session.detach, RPC_TIMEOUT, "detach")
            except Exception as exc:  # noqa: BLE001 - as above
                log.info("pid %s: detach failed: %s", self.pid, exc)
        self._record_unanswered()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _abandon(self) -> None:
        session = self._session
        self._closed = True
        if session is not None and self.detached_reason is None:
            try:
                _with_timeout(session.detach, RPC_TIMEOUT, "detach")
            except Exception as exc:  # noqa: BLE001 - giving up on a session that already failed
                log.info("pid %s: detach after a failed attach failed: %s", self.pid, exc)

    # ---- Frida callbacks (Frida's thread)

    def _on_detached(self, reason: str, crash: Any) -> None:
        summary = getattr(crash, "summary", None) if crash is not None else None
        self.crash_report = getattr(crash, "report", None) if crash is not None else None
        self.detached_reason = f"{reason}: {summary}" if summary else str(reason)
        if not self._closed:
            log.warning("pid %s: Frida session detached: %s", self.pid, self.detached_reason)
        self._ready.set()
        self._record_unanswered()

    def _on_log(self, level: str, text: str) -> None:
        log.log(logging.WARNING if level == "error" else logging.INFO, "agent[%s]: %s", self.pid, text)

    def _on_message(self, message: dict[str, Any], data: Any) -> None:
        mtype = message.get("type")
        if mtype == "error":  # an uncaught exception in the agent
            text = message.get("stack") or message.get("description") or str(message)
            self.agent_errors.append(AgentError("script", str(text), fatal=not self.ready))
            log.error("pid %s: agent error: %s", self.pid, text)
            if not self.ready:
                self._ready.set()
            return
        if mtype != "send":
            return
        payload = message.get("payload")
        if not isinstance(payload, dict):
            return
        ptype = payload.get("type")
        if ptype == "batch":
            with self._lock:
                self._record(self._bridge.feed(payload))
        elif ptype == "records" and isinstance(data, bytes):
            self._on_records(data)
        elif ptype == "ready":
            self._on_ready(payload)
        elif ptype == "error":
            err = AgentError(str(payload.get("where", "")), str(payload.get("message", "")), bool(payload.get("fatal")))
            self.agent_errors.append(err)
            log.warning("pid %s: agent reports (%s): %s", self.pid, err.where, err.message)
            if err.fatal:
                self._ready.set()

    def _on_records(self, data: bytes) -> None:
        with self._lock:
            try:
                items = self._records.items(data)
            except RecordError as exc:  # reported, and what parsed before the fault is kept
                items = exc.parsed
                self.agent_errors.append(AgentError("records", str(exc)))
                log.error("pid %s: agent records: %s", self.pid, exc)
            self._record(self._bridge.feed({"type": "batch", "items": items}))

    def _on_ready(self, payload: dict[str, Any]) -> None:
        if self.ready_info is not None:
            return
        proc = payload.get("process") or {}
        label = self.process_label or (proc.get("name") if isinstance(proc, dict) else None)
        with self._lock:
            self._bridge.process = label
        self.ready_info = payload
        log.info("pid %s: agent ready, hooks: %s", self.pid, ", ".join(payload.get("hooks") or []))
        self._ready.set()

    # ---- recording

    def pending_apis(self) -> list[str]:
        """The APIs of the calls still waiting for their result (a request in flight), oldest first."""
        with self._lock:
            calls = sorted(self._bridge.pending.values(), key=lambda c: _ns(c.get("t")) or 0)
            return [str(c.get("api", "")) for c in calls]

    def _record_unanswered(self) -> None:
        with self._lock:
            self._record(self._bridge.unanswered())

    def _record(self, events: list[Event]) -> None:
        """Record events (lock held). setStorage* calls are followed by their StorageWrite events."""
        for event in events:
            try:
                stored = self.recorder.record(event)
            except RuntimeError as exc:  # recorder closed: the session is over
                self.dropped += 1
                log.warning("pid %s: event not recorded: %s", self.pid, exc)
                continue
            self.recorded += 1
            if isinstance(stored, ApiCall):
                for write in storage_writes(stored):
                    try:
                        self.recorder.record(write)
                        self.recorded += 1
                    except RuntimeError:
                        self.dropped += 1
