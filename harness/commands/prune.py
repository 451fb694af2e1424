"""`miniprobe prune [--keep N] [--out ARTIFACTS]`: remove old run folders, keeping the newest N."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Annotated

import typer

from harness.config import REPO_ROOT

RUN_NAME = re.compile(r"^\d{8}-\d{6}-")  # the runner's run folder names: YYYYmmdd-HHMMSS-suite


def register(app: typer.Typer) -> None:
    app.command("prune")(prune)


def run_folders(out: Path) -> list[Path]:
    """Run folders directly in ``out``, oldest first: real directories (not links) named like a run
    and holding run.json. Nothing else is ever a candidate."""
    found = [p for p in out.iterdir() if p.is_dir() and not p.is_symlink() and RUN_NAME.match(p.name)
             and (p / "run.json").is_file()]
    return sorted(found, key=lambda p: p.name)


def prune(
    keep: Annotated[int, typer.Option(min=1, help="How many of the newest run folders to keep.")] = 10,
    out: Annotated[Path, typer.Option(help="Where run folders are written.")] = REPO_ROOT / "artifacts",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be removed; remove nothing.")] = False,
) -> None:
    """Remove all but the newest KEEP run folders in OUT (by their timestamped names). Folders that are
    not run folders are never touched. Exit codes: 0 done, 2 bad input."""
    if not out.is_dir():
        typer.echo(f"error: {out}: no such folder", err=True)
        raise typer.Exit(2)
    runs = run_folders(out)
    for old in runs[:-keep]:
        print(f"{'would remove' if dry_run else 'removed'} {old}")
        if not dry_run:
            shutil.rmtree(old)
    print(f"kept {min(keep, len(runs))} run folder(s) in {out}")
