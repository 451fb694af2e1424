"""Writing report files owner-only: they may hold personal data (and --unmask reports do)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_private(path: Path, content: str | bytes) -> Path:
    """Write a file readable by its owner only (0600), whatever the umask; replace it atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(content.encode("utf-8") if isinstance(content, str) else content)
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return path


def write_json(path: Path, value: Any) -> Path:
    return write_private(path, json.dumps(value, indent=2, ensure_ascii=False) + "\n")
