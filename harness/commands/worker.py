"""`miniprobe worker`: serve this host's devices to a farm (Celery, Redis broker; docs/farm.md)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer

from harness.config import REPO_ROOT, ConfigError, load_devices
from harness.console import err, error


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)


def worker(
    devices_file: Annotated[Path, typer.Option("--devices", help="This host's device inventory.")] = REPO_ROOT / "devices.yaml",
    broker: Annotated[str, typer.Option(help="The farm's Redis (broker and result backend).")] = "redis://127.0.0.1:6379/0",
    name: Annotated[str, typer.Option(help="This worker's name in the farm.")] = socket.gethostname(),
    device: Annotated[list[str] | None, typer.Option("--device", help="Serve only these devices (repeatable).")] = None,
    tags: Annotated[list[str] | None, typer.Option("--tags", help="Serve only devices with all these tags (repeatable).")] = None,
    work_dir: Annotated[Path | None, typer.Option(help="Where the worker keeps logs and sessions in flight.")] = None,
) -> None:
    """Serve the devices of this host: one Celery queue per device, one session per device at a time.

    `miniprobe run --farm BROKER` on any host then dispatches sessions to them by device name and tags.
    """
    from harness.commands.run import select_devices
    from harness.farm.worker import serve

    try:
        inventory = load_devices(devices_file).devices
        chosen = select_devices(inventory, device or [], tags or [], devices_file) if (device or tags) else inventory
    except ConfigError as exc:
        error(f"{exc}")
        raise typer.Exit(2) from None
    err.print(f"worker {name}: serving {', '.join(d.name for d in chosen)} on {broker}", highlight=False)
    serve(chosen, broker, name, work_dir or REPO_ROOT / ".cache" / f"worker-{name}")
