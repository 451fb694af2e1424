"""``miniprobe worker``: serves the devices of one host to a farm (see harness/farm/__init__.py).

A task names its device; the worker runs it on that device's slot (the same ``SimSlot`` /
``AndroidSlot`` a local run uses, health check first) and returns the outcome, the findings and,
for "upload" delivery, the session folder as a base64 tar.gz.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import socket
import tarfile
import tempfile
import threading
from pathlib import Path
from typing import Any

from harness.config import REPO_ROOT, AndroidApp, AndroidDevice, Scenario, SimDevice
from harness.farm import (
    HEARTBEAT_S,
    REGISTRY_PREFIX,
    REGISTRY_TTL_S,
    TASK,
    celery_app,
    queue_of,
    redis_client,
)
from harness.runner import AndroidSlot, RunOptions, SimSlot, WorkItem, record_error_session

APP_CACHE = REPO_ROOT / ".cache" / "farm-apps"


def pack(folder: Path) -> str:
    """A folder as a base64 tar.gz (its name as the top entry)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(folder, arcname=folder.name)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def unpack(blob: str, into: Path) -> Path:
    """Extract a ``pack``ed folder into ``into`` (tar's data filter: no links out, no devices);
    return the extracted folder."""
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(base64.b64decode(blob)), mode="r:gz") as tar:
        names = {m.name.split("/", 1)[0] for m in tar.getmembers()}
        if len(names) != 1:
            raise ValueError(f"a packed folder has one top entry, not {sorted(names)}")
        tar.extractall(into, filter="data")
    return into / names.pop()


def app_folder(app: dict[str, Any]) -> Any:
    """The app of a task on this host: an unpacked source folder (cached by content) or the
    android mapping as it came."""
    if "mapping" in app:
        return AndroidApp.model_validate(app["mapping"])
    digest = hashlib.sha256(app["tar"].encode("ascii")).hexdigest()[:16]
    target = APP_CACHE / digest
    if not target.exists():
        staging = Path(tempfile.mkdtemp(prefix="app-", dir=APP_CACHE.parent if APP_CACHE.parent.exists() else None))
        unpack(app["tar"], staging)
        APP_CACHE.mkdir(parents=True, exist_ok=True)
        try:
            staging.rename(target)
        except OSError:  # another task unpacked the same app first
            shutil.rmtree(staging, ignore_errors=True)
    return next(p for p in target.iterdir() if p.is_dir())


class DeviceHost:
    """This host's devices: a slot each, one session at a time each, registered while we run."""

    def __init__(self, devices: list[SimDevice | AndroidDevice], broker: str, worker: str, work_dir: Path) -> None:
        self.devices = {d.name: d for d in devices}
        self.broker = broker
        self.worker = worker
        self.work_dir = work_dir
        self.locks = {name: threading.Lock() for name in self.devices}
        self.slots: dict[str, Any] = {}
        self._stop = threading.Event()

    def slot(self, name: str, options: RunOptions) -> Any:
        device = self.devices[name]
        if name not in self.slots:
            self.slots[name] = SimSlot(device, self.work_dir, (0, 0), options) if isinstance(device, SimDevice) \
                else AndroidSlot(device, options)
        slot = self.slots[name]
        slot.options = options
        return slot

    def run(self, payload: dict[str, Any]) -> dict[str, Any]:
        """One session on one of our devices, as the dispatcher asked for it."""
        name = payload["device"]
        if name not in self.devices:
            return {"unhealthy": f"worker {self.worker} does not serve device {name!r}"}
        options = RunOptions(**payload["options"])
        with self.locks[name]:
            slot = self.slot(name, options)
            why = slot.health()
            if why:
                return {"unhealthy": why}
            return self._session(slot, payload)

    def _session(self, slot: Any, payload: dict[str, Any]) -> dict[str, Any]:
        from sim.backend import FixtureBackend

        shared = payload["delivery"] == "shared"
        base = Path(payload["run_dir"]) if shared else Path(tempfile.mkdtemp(prefix="session-", dir=self.work_dir))
        session_dir = base / payload["session"]
        app = app_folder(payload["app"])
        item = WorkItem(payload["session"], app, Scenario.model_validate(payload["scenario"]), slot.name,
                        payload.get("attempt", 1), kind=slot.kind)
        backend = FixtureBackend([app]) if isinstance(slot, SimSlot) else None
        try:
            if backend is not None:
                slot.backend_ports = backend.start()
            try:
                result = slot.run_session(session_dir, item, lambda msg: print(f"[{slot.name}] {msg}", flush=True))
            except Exception as exc:  # noqa: BLE001 - recorded as an error session, like a local run
                import traceback

                result = record_error_session(session_dir, slot.name, item, f"{type(exc).__name__}: {exc}",
                                              traceback.format_exc())
            answer = {"outcome": result.outcome, "reason": result.reason, "findings": result.findings,
                      "worker": self.worker}
            if not shared:
                answer["tar"] = pack(session_dir)
            return answer
        finally:
            if backend is not None:
                backend.stop()
            if not shared:
                shutil.rmtree(base, ignore_errors=True)

    # ---- the registry

    def register(self) -> None:
        client = redis_client(self.broker)
        for device in self.devices.values():
            entry = {"device": json.loads(device.model_dump_json()), "worker": self.worker,
                     "host": socket.gethostname()}
            client.set(REGISTRY_PREFIX + device.name, json.dumps(entry), ex=REGISTRY_TTL_S)

    def heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            try:
                self.register()
            except Exception as exc:  # noqa: BLE001 - the broker may blink; the next beat tries again
                print(f"worker {self.worker}: heartbeat failed: {exc}", flush=True)

    def unregister(self) -> None:
        self._stop.set()
        client = redis_client(self.broker)
        for name in self.devices:
            client.delete(REGISTRY_PREFIX + name)
        for slot in self.slots.values():
            slot.close()


def serve(devices: list[SimDevice | AndroidDevice], broker: str, worker: str, work_dir: Path) -> None:
    """Run a Celery worker for these devices until it is stopped (SIGTERM / Ctrl-C)."""
    work_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.umask(0o077)  # sessions hold real personal data: owner-only
    host = DeviceHost(devices, broker, worker, work_dir)
    app = celery_app(broker)
    app.task(name=TASK)(host.run)
    host.register()
    threading.Thread(target=host.heartbeat, name="registry-heartbeat", daemon=True).start()
    queues = ",".join(queue_of(d.name) for d in devices)
    try:
        app.worker_main(["worker", "--pool", "threads", "--concurrency", str(len(devices)), "--queues", queues,
                         "--hostname", f"{worker}@%h", "--loglevel", "INFO", "--without-gossip",
                         "--without-mingle"])
    finally:
        host.unregister()
