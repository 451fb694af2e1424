"""`miniprobe verify SESSION|RUN`: recompute every artifact's SHA-256 against the manifests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harness.console import error


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)


def verify(
    folder: Annotated[Path, typer.Argument(help="A session folder or a run folder.")],
    pubkey: Annotated[Path | None, typer.Option(help="The ed25519 public key (PEM) the manifests must be signed with.")] = None,
) -> None:
    """Check a session (or a run and each of its sessions) against its manifest.json and signature.

    Names each altered, removed or added file. Exit codes: 0 intact, 1 not intact (or unsigned
    with --pubkey), 2 bad input."""
    from harness.evidence.manifest import is_session_folder, verify_tree

    if not folder.is_dir() or not (is_session_folder(folder) or (folder / "run.json").is_file()):
        error(f"{folder}: not a session folder or a run folder")
        raise typer.Exit(2)
    try:
        results = verify_tree(folder, pubkey=pubkey)
    except (ValueError, TypeError) as exc:
        error(f"{exc}")
        raise typer.Exit(2) from None
    for result in results:
        for line in result.lines():
            print(line)
        if result.ok:
            signed = f", signed by SHA256:{result.signed_by}" + ("" if pubkey else " (key not pinned: pass --pubkey)") \
                if result.signed_by else ""
            print(f"{result.folder}: intact{signed}")
    if not all(r.ok for r in results):
        raise typer.Exit(1)
