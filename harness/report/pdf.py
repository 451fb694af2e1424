"""report.pdf: the HTML report printed by headless Chromium (the same engine the sim uses)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT_S = 120


def print_pdf(html: Path, pdf: Path) -> Path:
    """Print ``html`` to ``pdf`` (owner-only). Raises RuntimeError naming what is missing or failed."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        raise RuntimeError("--pdf needs Chromium: install the Debian package `chromium` (make setup does)")
    with tempfile.TemporaryDirectory(prefix="miniprobe-pdf-") as profile:
        tmp = pdf.with_name(f".{pdf.name}.tmp")
        proc = subprocess.run(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={tmp}",
             html.resolve().as_uri()],
            capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
        )
        if proc.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
            raise RuntimeError(f"chromium could not print {html} (exit {proc.returncode}): {proc.stderr[-800:]}")
        os.chmod(tmp, 0o600)
        tmp.replace(pdf)
    return pdf
