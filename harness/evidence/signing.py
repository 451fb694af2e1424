"""ed25519 signatures of manifests (the `cryptography` library).

manifest.sig sits beside manifest.json: the algorithm, the raw public key (base64), its
fingerprint (SHA-256 of the raw key, hex; printed in the report so that an expert can match it
against the key the lab published) and the signature of manifest.json's exact bytes. ``verify``
checks the signature with the stored key, and with ``--pubkey`` also that it is that key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from harness.evidence.manifest import MANIFEST, SIGNATURE
from harness.timeline import utc_now_iso


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw(public)).hexdigest()


def generate_key(path: Path) -> tuple[Path, Path]:
    """A new private key (PEM, owner-only) at ``path`` and its public key at ``path``.pub."""
    if path.exists():
        raise FileExistsError(f"{path} exists: keygen never overwrites a key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    pub = path.with_name(path.name + ".pub")
    pub.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    return path, pub


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ValueError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"{path}: not an ed25519 key (make one with `miniprobe keygen`)")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise TypeError(f"{path}: not an ed25519 public key")
    return key


def sign_folder(folder: Path, key: Ed25519PrivateKey) -> Path:
    """Sign the folder's manifest.json into manifest.sig (owner-only)."""
    manifest = (folder / MANIFEST).read_bytes()
    body = {"algorithm": "ed25519", "public_key": base64.b64encode(_raw(key.public_key())).decode("ascii"),
            "key_fingerprint": fingerprint(key.public_key()), "signed": utc_now_iso(),
            "signature": base64.b64encode(key.sign(manifest)).decode("ascii")}
    path = folder / SIGNATURE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(body, indent=1) + "\n")
    return path


def check_signature(folder: Path, pubkey: Path | None) -> tuple[str | None, str | None]:
    """(fingerprint of the key that validly signed, problem). No signature and no --pubkey: (None, None)."""
    path = folder / SIGNATURE
    if not path.is_file():
        return None, ("not signed, but --pubkey was given" if pubkey else None)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        stored = Ed25519PublicKey.from_public_bytes(base64.b64decode(body["public_key"]))
        signature = base64.b64decode(body["signature"])
    except (ValueError, KeyError, TypeError) as exc:
        return None, f"manifest.sig is unreadable ({type(exc).__name__})"
    if pubkey is not None and fingerprint(load_public(pubkey)) != fingerprint(stored):
        return None, f"signed by another key (SHA256:{fingerprint(stored)}), not by {pubkey}"
    try:
        stored.verify(signature, (folder / MANIFEST).read_bytes())
    except InvalidSignature:
        return None, "the signature does not match manifest.json: the manifest was altered"
    return fingerprint(stored), None
