"""manifest.json: the SHA-256 and size of every artifact of a session (or of a run), written last.

A session writes its manifest as the very last thing it does, so nothing may change in the folder
afterwards: a log written later, a file edited, removed or added all show up in ``verify``. The only
files a manifest leaves out are the manifest and its signature, and the reports that are derived
from the evidence and regenerated at will (report.html, report.pdf).

A run folder has its own manifest, written last by finish_run: every file of the run (run.json, the
reports, junit.xml, ...) plus each session's manifest.json and manifest.sig, so that one hash chain
covers the run and each session covers itself.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.timeline import utc_now_iso

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MANIFEST_VERSION = 1
DERIVED = frozenset({"report.html", "report.pdf"})  # regenerated from the evidence after the manifest
_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def is_session_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and ((path / "events.jsonl").is_file() or (path / "session.json").is_file())


def _walk(folder: Path, root: Path, *, run: bool) -> Iterator[Path]:
    """Files under ``folder`` that a manifest covers (for a run: a session folder's manifest files only)."""
    for entry in sorted(os.scandir(folder), key=lambda d: d.name):
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            if run and is_session_folder(path):
                yield from (path / n for n in (MANIFEST, SIGNATURE) if (path / n).is_file())
            else:
                yield from _walk(path, root, run=run)
        elif folder == root and entry.name in (MANIFEST, SIGNATURE, *DERIVED):
            continue
        else:
            yield path


def _entry(path: Path) -> dict[str, Any]:
    if path.is_symlink():
        return {"symlink": os.readlink(path)}
    return {"sha256": sha256_of(path), "size": path.stat().st_size}


def snapshot(folder: Path) -> dict[str, dict[str, Any]]:
    """relative path -> {sha256, size} (or {symlink}) of what the folder's manifest covers now."""
    run = not is_session_folder(folder)
    return {p.relative_to(folder).as_posix(): _entry(p) for p in _walk(folder, folder, run=run)}


def write_manifest(session_dir: Path) -> Path:
    """Hash every artifact of the folder into manifest.json (owner-only) and return its path.

    Call it last: anything written into the folder afterwards makes ``verify`` fail."""
    session_dir = Path(session_dir)
    body = {
        "manifest_version": MANIFEST_VERSION,
        "kind": "session" if is_session_folder(session_dir) else "run",
        "folder": session_dir.name,
        "created": utc_now_iso(),
        "algorithm": "sha256",
        "excluded": sorted({MANIFEST, SIGNATURE, *DERIVED}),
        "files": snapshot(session_dir),
    }
    path = session_dir / MANIFEST
    tmp = session_dir / f".{MANIFEST}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(body, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    tmp.replace(path)
    return path


@dataclass
class Verification:
    """What verify found in one folder. ``ok`` only when nothing was altered, removed or added and a
    signature, if one is there or demanded, checks out."""

    folder: Path
    altered: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # no manifest, unreadable manifest, bad signature
    signed_by: str | None = None  # key fingerprint of a valid signature

    @property
    def ok(self) -> bool:
        return not (self.altered or self.removed or self.added or self.problems)

    def lines(self) -> list[str]:
        out = [f"{self.folder}: {p}" for p in self.problems]
        out += [f"{self.folder}: altered: {n}" for n in self.altered]
        out += [f"{self.folder}: removed: {n}" for n in self.removed]
        out += [f"{self.folder}: added: {n}" for n in self.added]
        return out


def verify_folder(folder: Path, *, pubkey: Path | None = None) -> Verification:
    """Recompute the folder's hashes against its manifest.json (and check manifest.sig)."""
    from harness.evidence.signing import check_signature

    result = Verification(folder)
    path = folder / MANIFEST
    if not path.is_file():
        result.problems.append("no manifest.json: its integrity cannot be checked")
        return result
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError) as exc:
        result.problems.append(f"manifest.json is unreadable ({type(exc).__name__}): it was altered")
        return result
    current = snapshot(folder)
    result.altered = sorted(n for n in recorded if n in current and current[n] != recorded[n])
    result.removed = sorted(n for n in recorded if n not in current)
    result.added = sorted(n for n in current if n not in recorded)
    signed_by, problem = check_signature(folder, pubkey)
    result.signed_by = signed_by
    if problem:
        result.problems.append(problem)
    return result


def verify_tree(path: Path, *, pubkey: Path | None = None) -> list[Verification]:
    """A session folder, or a run folder with its own manifest and each session folder in it."""
    if is_session_folder(path):
        return [verify_folder(path, pubkey=pubkey)]
    results = [verify_folder(path, pubkey=pubkey)]
    for child in sorted(path.iterdir()):
        if is_session_folder(child):
            results.append(verify_folder(child, pubkey=pubkey))
    return results


def manifest_digest(folder: Path) -> str | None:
    """SHA-256 of a folder's manifest.json (what the report prints for each session)."""
    path = folder / MANIFEST
    return sha256_of(path) if path.is_file() else None
