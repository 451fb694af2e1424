"""The owner of one Appium server process (project-local APPIUM_HOME, see scripts/setup)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

from harness.config import REPO_ROOT
from harness.procs import ChildProcess, free_port

APPIUM_HOME = REPO_ROOT / ".appium"
APPIUM_BIN = APPIUM_HOME / "node_modules" / ".bin" / "appium"


class AppiumServer:
    """One Appium server; each device gets its own so that a dead server takes only its device down."""

    def __init__(self, port: int = 0, log_path: Path | None = None) -> None:
        if not APPIUM_BIN.exists():
            raise RuntimeError(f"Appium is not installed at {APPIUM_BIN}: run `make setup` (scripts/setup)")
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = ChildProcess(
            "appium",
            [str(APPIUM_BIN), "server", "--address", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warn", "--log-no-colors"],
            env={"APPIUM_HOME": str(APPIUM_HOME)},
            log_path=log_path,
        )

    def start(self, timeout: float = 60.0) -> str:
        self.process.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.process.alive:
                raise RuntimeError(f"Appium server did not start: {self.process.exit_reason()}")
            try:
                with urllib.request.urlopen(self.url + "/status", timeout=2) as resp:
                    if json.load(resp).get("value", {}).get("ready"):
                        return self.url
            except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
                pass
            time.sleep(0.2)
        self.process.stop()
        raise RuntimeError(f"Appium server not ready on {self.url} after {timeout:.0f} s")

    @property
    def alive(self) -> bool:
        return self.process.alive

    @property
    def pid(self) -> int:
        return self.process.pid

    def healthy(self) -> str | None:
        """None when the server answers /status as ready; else why not (a device health check)."""
        if not self.alive:
            return self.process.exit_reason() or "Appium server is not running"
        try:
            with urllib.request.urlopen(self.url + "/status", timeout=5) as resp:
                if json.load(resp).get("value", {}).get("ready"):
                    return None
        except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError) as exc:
            return f"Appium server on {self.url} does not answer: {exc}"
        return f"Appium server on {self.url} is not ready"

    def exit_reason(self) -> str | None:
        return self.process.exit_reason()

    def stop(self) -> None:
        self.process.stop()
