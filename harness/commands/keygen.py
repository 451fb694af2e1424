"""`miniprobe keygen KEY`: an ed25519 key pair for signing manifests (KEY and KEY.pub)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harness.console import error


def register(app: typer.Typer) -> None:
    app.command("keygen")(keygen)


def keygen(key: Annotated[Path, typer.Argument(help="Where to write the private key; the public key goes to KEY.pub.")]) -> None:
    """Make a signing key pair; print the public key's fingerprint (the one reports show)."""
    from harness.evidence.signing import fingerprint, generate_key, load_public

    try:
        private, public = generate_key(key)
    except (FileExistsError, OSError) as exc:
        error(f"{exc}")
        raise typer.Exit(2) from None
    print(f"private key: {private} (owner-only; keep it off the artifacts share)")
    print(f"public key:  {public}")
    print(f"fingerprint: SHA256:{fingerprint(load_public(public))}")
