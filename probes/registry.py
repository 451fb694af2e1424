"""Probe metadata and the registry probes add themselves to with ``@probe(...)``.

A probe is one module under probes/ holding one decorated function ``(timeline, config) -> drafts``.
``load_probes()`` imports every module of the package, so adding a probe is adding a file.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import EVIDENCE_KINDS
from probes.finding import SEVERITY_RANK, FindingDraft
from probes.rules import Severity, rule

CheckFn = Callable[[Timeline, ProbeConfig], Iterable[FindingDraft]]


@dataclass(frozen=True)
class Probe:
    """A registered probe: what it checks, which evidence it needs, and the pure check itself."""

    id: str
    title: str
    rules: tuple[str, ...]
    severity: Severity  # default severity of its findings
    scenarios: tuple[str, ...]  # the scenarios (RULES.md S1..S10) that exercise it
    needs: tuple[str, ...]  # evidence kinds (probes.evidence.EVIDENCE_KINDS), all required to test it
    check: CheckFn = field(repr=False, compare=False)
    version: str = "1"

    def missing_evidence(self, timeline: Timeline, config: ProbeConfig) -> list[str]:
        """The evidence kinds this probe needs that the timeline lacks (empty: the probe can test)."""
        return [kind for kind in self.needs if not EVIDENCE_KINDS[kind](timeline, config)]


class Registry:
    """Probes by id, in registration order."""

    def __init__(self) -> None:
        self._probes: dict[str, Probe] = {}

    def register(self, entry: Probe) -> Probe:
        if entry.id in self._probes:
            raise ValueError(f"probe id {entry.id!r} is registered twice")
        for rule_id in entry.rules:
            rule(rule_id)  # unknown ids raise here, at import, not in the middle of a report
        unknown = [kind for kind in entry.needs if kind not in EVIDENCE_KINDS]
        if unknown:
            raise ValueError(
                f"probe {entry.id!r} needs unknown evidence kinds {unknown}: see probes/evidence.py"
            )
        self._probes[entry.id] = entry
        return entry

    def probe(
        self,
        *,
        id: str,
        title: str,
        rules: Iterable[str],
        needs: Iterable[str],
        severity: Severity | None = None,
        scenarios: Iterable[str] | None = None,
        version: str = "1",
    ) -> Callable[[CheckFn], CheckFn]:
        """Decorator: register the function as a probe; severity and scenarios default from the rules."""
        rule_ids = tuple(rules)

        def decorate(check: CheckFn) -> CheckFn:
            catalogue = [rule(r) for r in rule_ids]
            default_severity: Severity = (
                severity
                if severity is not None
                else min((r.severity for r in catalogue), key=lambda s: SEVERITY_RANK[s])
            )
            default_scenarios = (
                tuple(scenarios)
                if scenarios is not None
                else tuple(dict.fromkeys(s for r in catalogue for s in r.scenarios))
            )
            self.register(
                Probe(id, title, rule_ids, default_severity, default_scenarios, tuple(needs), check, version)
            )
            return check

        return decorate

    def __iter__(self) -> Iterator[Probe]:
        return iter(list(self._probes.values()))

    def __len__(self) -> int:
        return len(self._probes)

    def get(self, probe_id: str) -> Probe:
        return self._probes[probe_id]


REGISTRY = Registry()
probe = REGISTRY.probe


def load_probes() -> Registry:
    """Import every module of the probes package (each probe registers itself) and return the registry."""
    import probes

    for module in sorted(pkgutil.iter_modules(probes.__path__), key=lambda m: m.name):
        if not module.name.startswith("_"):
            importlib.import_module(f"probes.{module.name}")
    return REGISTRY
