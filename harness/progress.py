"""What a run shows while it runs: one status line per device.

On a terminal (stderr is a TTY) a rich Live table is redrawn in place; anywhere else (CI, a pipe,
a log file) every change is one plain line, ``[device] state: detail``, so the log reads in order.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text


@dataclass
class DeviceStatus:
    state: str = "waiting"  # waiting | checking | running | retrying | quarantined | done
    session: str = ""
    detail: str = ""
    done: int = 0


class RunProgress:
    """Per-device status of one run; thread-safe (every device reports from its own thread)."""

    def __init__(self, devices: list[str], total: int, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.total = total
        self.status = {name: DeviceStatus() for name in devices}
        self.finished = 0
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._live: Live | None = Live(self._table(), console=self.console, refresh_per_second=4,
                                       transient=False) if self.console.is_terminal else None

    def __enter__(self) -> Self:
        if self._live:
            self._live.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._live:
            self._live.update(self._table())
            self._live.stop()

    def update(self, device: str, state: str | None = None, *, session: str | None = None,
               detail: str = "") -> None:
        """A device changed state or moved on a step; plain mode prints it as one line."""
        with self._lock:
            status = self.status[device]
            status.state = state or status.state
            if session is not None:
                status.session = session
            status.detail = detail
            if self._live:
                self._live.update(self._table())
                return
        where = f" {status.session}" if status.session else ""
        self.console.print(f"[{device}]{where} {status.state}" + (f": {detail}" if detail else ""),
                           highlight=False, markup=False, soft_wrap=True)

    def session_done(self, device: str, session: str, summary: str) -> None:
        with self._lock:
            self.status[device].done += 1
            self.finished += 1
        self.update(device, "idle", session=session, detail=summary)

    def note(self, message: str) -> None:
        """A run-level message (above the table on a terminal)."""
        self.console.print(message, highlight=False, markup=False, soft_wrap=True)

    def _table(self) -> Table:
        elapsed = time.monotonic() - self._started
        table = Table(title=f"miniprobe run: {self.finished}/{self.total} sessions, {elapsed:.0f} s",
                      title_justify="left", expand=False)
        for column in ("device", "state", "session", "step / result", "done"):
            table.add_column(column)
        colours = {"running": "cyan", "quarantined": "red", "retrying": "yellow", "done": "green"}
        for name, s in self.status.items():
            colour = colours.get(s.state, "white")
            table.add_row(Text(name), Text(s.state, style=colour), Text(s.session), Text(s.detail[:70]), str(s.done))
        return table
