"""mitmdump addon: moves the capture from one session's files to the next on the harness's word.

A device's mitmdump serves all its sessions of a run (its start-up costs ~1.4 s a session). Between
two sessions the harness writes one JSON line to mitmdump's stdin, ``{"id": N, "options": {...}}``
with the next session's ``miniprobe_events``, ``save_stream_file`` and routes (empty: no session).
The options are applied on mitmproxy's event loop: MiniprobeCapture closes the old events file once
the flows still in its scan worker are written, the save addon closes the old flows file, and then
this addon logs ``miniprobe capture switched N`` (or why not), which the harness waits for. Only the
harness holds mitmdump's stdin, so the traffic through the proxy cannot switch anything; stdin
closing (the harness is gone) shuts mitmdump down.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from typing import Any

from mitmproxy import ctx, exceptions

log = logging.getLogger(__name__)

STDIN_FD = 0
SWITCHED = "miniprobe capture switched"
NOT_SWITCHED = "miniprobe capture not switched"
SESSION_OPTIONS = frozenset({
    "miniprobe_events", "save_stream_file", "miniprobe_routes", "miniprobe_block_unrouted", "miniprobe_canaries"})


class SessionSwitch:
    def running(self) -> None:
        loop = asyncio.get_running_loop()
        threading.Thread(target=self._read, args=(loop,), name="miniprobe-switch", daemon=True).start()

    def _read(self, loop: asyncio.AbstractEventLoop) -> None:
        """Lines from stdin's file descriptor itself, not ``sys.stdin.buffer``: a daemon thread blocked in
        that buffer holds its lock, and the interpreter's shutdown then aborted mitmdump ("Fatal Python
        error: _enter_buffered_busy") after every session of a run."""
        pending = b""
        while True:
            try:
                chunk = os.read(STDIN_FD, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                break
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                loop.call_soon_threadsafe(self._apply, line)
        if pending.strip():
            loop.call_soon_threadsafe(self._apply, pending)
        loop.call_soon_threadsafe(ctx.master.shutdown)  # the harness is gone

    def _apply(self, line: bytes) -> None:
        command: Any = None
        try:
            command = json.loads(line)
            options = dict(command["options"])
            unknown = set(options) - SESSION_OPTIONS
            if unknown:
                raise ValueError(f"not a session option: {sorted(unknown)}")
            ctx.options.update(**options)
        except (ValueError, KeyError, TypeError, exceptions.OptionsError) as exc:
            ident = command.get("id") if isinstance(command, dict) else None
            log.error(f"{NOT_SWITCHED} {ident}: {exc}")
            return
        log.info(f"{SWITCHED} {command['id']}")


addons = [SessionSwitch()]
