"""Evidence integrity: per-folder SHA-256 manifests, their optional ed25519 signatures, verification."""
