"""SEC-003: personal data kept in plaintext local storage.

FAIL for a storage write (wx.setStorage*/batchSetStorage*, values unwrapped by the recorder) holding
sensitive PI (PIPL 28: id_card, bank_card, face, ...), a secret (session_key, password, ...) or a seeded
canary; WARN for ``storage_warn_types`` (phone, openid, long-lived tokens) otherwise. One finding per
storage key.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.event_views import PIMatch, StorageWrite
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import is_sensitive, pi_kind, shorten, strong_pi, types_of, when
from probes.finding import FindingDraft, Status
from probes.registry import probe


def verdict(matches: list[PIMatch], config: ProbeConfig) -> tuple[Status, list[PIMatch]] | None:
    grave = [m for m in matches if is_sensitive(m) or pi_kind(m.type).secret or m.canary is not None]
    if grave:
        return "fail", grave
    minor = [m for m in matches if m.type in config.storage_warn_types]
    return ("warn", minor) if minor else None


@probe(
    id="storage_pi",
    title="Personal data in plaintext local storage",
    rules=("SEC-003",),
    needs=("storage_write",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    by_key: dict[str, list[StorageWrite]] = {}
    for write in timeline.of(StorageWrite):
        by_key.setdefault(write.key, []).append(write)
    for key, writes in by_key.items():
        judged = verdict(strong_pi(m for w in writes for m in w.pi), config)
        if judged is None:
            continue
        status, matches = judged
        holding = [w for w in writes if any(m in w.pi for m in matches)]
        yield FindingDraft(
            rule="SEC-003",
            status=status,
            statement=f'{types_of(matches)} stored in plaintext under key "{shorten(key)}" '
            f"{when(timeline, [w.t for w in holding])}",
            events=holding,
            key=("storage", key),
            data=matches,
        )
