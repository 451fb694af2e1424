"""``miniprobe run --farm``: the farm's devices as slots of the run's pool.

The pool stays the one scheduler (one session per device at a time, retries, quarantine); a
``RemoteSlot`` sends each session to its device's queue and waits for the worker's answer.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from harness.config import AndroidDevice, SimDevice
from harness.farm import TASK, celery_app, is_registered, queue_of, registered_devices
from harness.farm.worker import pack, unpack
from harness.runner import DeviceUnhealthy, RunOptions, WorkItem
from harness.session import SessionResult

_DEVICE = TypeAdapter(SimDevice | AndroidDevice)
NO_TIMEOUT_S = 6 * 3600.0  # a session without a time limit still ends some day


def farm_slots(broker: str, names: list[str], tags: list[str], options: RunOptions, out: Path,
               *, delivery: str = "upload") -> tuple[list[RemoteSlot], list[SimDevice | AndroidDevice]]:
    """The registered devices selected by --device / --tags (as in a local run), as remote slots."""
    import redis

    from harness.commands.run import select_devices

    try:
        entries = registered_devices(broker)
    except redis.exceptions.RedisError as exc:
        raise RuntimeError(f"cannot reach the farm's Redis at {broker}: {exc}") from exc
    if not entries:
        raise RuntimeError(f"no device is registered on {broker}: start `miniprobe worker --broker {broker}` "
                           "on the hosts that have the devices")
    devices = [_DEVICE.validate_python(e["device"]) for e in entries]
    workers = {e["device"]["name"]: e["worker"] for e in entries}
    chosen = select_devices(devices, names, tags, Path(f"farm {broker}"))
    return [RemoteSlot(d, workers[d.name], broker, options, delivery) for d in chosen], chosen


class RemoteSlot:
    """A device served by a worker: each session is one Celery task on the device's queue."""

    def __init__(self, device: SimDevice | AndroidDevice, worker: str, broker: str, options: RunOptions,
                 delivery: str) -> None:
        self.name = device.name
        self.kind = device.kind
        self.device = device
        self.worker = worker
        self.broker = broker
        self.options = options
        self.delivery = delivery
        self.app = celery_app(broker)  # one per slot: Celery's result consumer is not shared across threads
        self._packed: dict[str, str] = {}

    def health(self) -> str | None:
        """The worker still beats for this device (its own health check runs with every task)."""
        if is_registered(self.broker, self.name):
            return None
        return f"worker {self.worker} no longer serves {self.name} (no heartbeat on {self.broker})"

    def run_session(self, session_dir: Path, item: WorkItem, on_step: Any) -> SessionResult:
        payload = {
            "device": self.name, "session": item.name, "attempt": item.attempt, "delivery": self.delivery,
            "run_dir": str(session_dir.parent), "scenario": item.scenario.model_dump(mode="json"),
            "app": self._app(item.app), "options": vars(self.options),
        }
        on_step(f"sent to worker {self.worker}")
        limit = item.scenario.timeout or self.options.session_timeout
        answer = self.app.send_task(TASK, args=[payload], queue=queue_of(self.name)).get(
            timeout=(limit + 600) if limit else NO_TIMEOUT_S, interval=0.5)
        if "unhealthy" in answer:
            raise DeviceUnhealthy(answer["unhealthy"])
        if "tar" in answer:
            staging = session_dir.parent / f".{item.name}.incoming"
            shutil.rmtree(staging, ignore_errors=True)
            unpack(answer["tar"], staging).rename(session_dir)
            staging.rmdir()
        if not (session_dir / "session.json").is_file():
            raise RuntimeError(f"worker {self.worker} answered, but {session_dir} has no session.json "
                               f"(with --farm-delivery shared the run folder must be on a path both hosts share)")
        return SessionResult(session_dir, answer["outcome"], answer["reason"], answer["findings"])

    def _app(self, app: Any) -> dict[str, Any]:
        """Android: the mapping as it is. Sim: the source folder, packed once per run."""
        if not isinstance(app, Path):
            return {"mapping": app.model_dump(mode="json")}
        key = str(app)
        if key not in self._packed:
            self._packed[key] = pack(Path(app))
        return {"tar": self._packed[key]}

    def facts(self) -> dict[str, Any]:
        return {"kind": self.kind, "tags": self.device.tags, "worker": self.worker, "farm": self.broker,
                "delivery": self.delivery}

    def close(self) -> None:
        self.app.close()
