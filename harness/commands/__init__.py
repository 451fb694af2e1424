"""Sub-commands of `miniprobe`, one module each.

Every module here defines ``register(app: typer.Typer) -> None`` and adds its commands (or a
sub-app such as ``miniprobe pi ...``) to the main app. ``harness.cli`` imports them all, so adding a
command is adding a file; nothing else needs editing.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer


def register_all(app: typer.Typer) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is None:
            raise RuntimeError(f"harness/commands/{info.name}.py has no register(app) function")
        register(app)
