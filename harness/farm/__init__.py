"""A device farm over several hosts: Celery with a Redis broker (see docs/farm.md).

- Each host runs ``miniprobe worker``: it registers its devices in Redis (a key per device, kept
  alive by a heartbeat) and consumes one Celery queue per device, ``miniprobe.device.<name>``.
- ``miniprobe run --farm redis://...`` reads the registry, selects devices by name and tags as a
  local run does, and runs the same pool: each remote device is a slot whose sessions are Celery
  tasks sent to that device's queue, one at a time. The results come back through Redis (Celery's
  result backend); the session folder either comes with them as a tar.gz ("upload") or is written
  by the worker straight into the run folder on a shared path ("shared").
"""

from __future__ import annotations

import json
from typing import Any

TASK = "miniprobe.run_session"
REGISTRY_PREFIX = "miniprobe:device:"
HEARTBEAT_S = 5.0
REGISTRY_TTL_S = 20  # a device whose worker stopped beating disappears after this


def queue_of(device: str) -> str:
    return f"miniprobe.device.{device}"


def celery_app(broker: str) -> Any:
    """A Celery app on the Redis ``broker`` (also the result backend), JSON only, one task at a time
    per worker slot, acknowledged after it ran (a worker lost mid-session does not lose the task)."""
    from celery import Celery

    app = Celery("miniprobe", broker=broker, backend=broker)
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"],
        worker_prefetch_multiplier=1, task_acks_late=True, result_expires=24 * 3600,
        broker_connection_retry_on_startup=True, worker_hijack_root_logger=False,
        task_track_started=True, result_extended=False,
    )
    return app


def redis_client(broker: str) -> Any:
    import redis

    return redis.Redis.from_url(broker)


def registered_devices(broker: str) -> list[dict[str, Any]]:
    """The devices the live workers serve: [{"device": {...devices.yaml entry}, "worker": name}]."""
    client = redis_client(broker)
    found = []
    for key in sorted(client.scan_iter(match=REGISTRY_PREFIX + "*")):
        raw = client.get(key)
        if raw:
            found.append(json.loads(raw))
    return found


def is_registered(broker: str, device: str) -> bool:
    return bool(redis_client(broker).exists(REGISTRY_PREFIX + device))
