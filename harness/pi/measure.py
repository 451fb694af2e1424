"""Precision and recall of each recogniser on a labelled corpus (tests/pi_corpus/*.jsonl).

A sample is one carrier and the exhaustive set of PI types it holds:

    {"id": "gen-phone-0007", "kind": "value", "key": "mobile", "value": "13912345678",
     "expect": ["phone"], "tags": ["hint"]}
    {"id": "...", "kind": "text", "text": "联系手机：139...", "expect": ["phone"]}
    {"id": "...", "kind": "http", "http": {"url": "...", "headers": {...}, "body": "..." | "body_b64": "...",
     "content_type": "..."}, "canaries": {"phoneNumber": "..."}, "expect": [...]}

"value" scans {key: value} (or the bare value when key is null) with find_pi_in_value, "text"
with find_pi, "http" with find_pi_in_http. Per type: a type found in a sample that does not
expect it is a false positive, an expected type not found a false negative. Scores are kept for
matches of any confidence and for high-confidence matches alone (what a probe's FAIL rests on).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.pi.scan import find_pi, find_pi_in_http, find_pi_in_value
from harness.scoring import Counts
from harness.timeline import PIMatch

HIGH_PRECISION_TARGET = 0.99
RECALL_TARGET = 0.95
KINDS = ("value", "text", "http")


class CorpusError(ValueError):
    """A corpus line that is not a valid sample: names the file, the line and the field."""

    def __init__(self, path: Path, line: int, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}")


@dataclass(frozen=True)
class Sample:
    id: str
    kind: str
    carrier: Any  # the value, the text, or the http mapping
    key: str | None
    expect: frozenset[str]
    canaries: dict[str, str]
    tags: tuple[str, ...] = ()


def load_corpus(paths: Iterable[Path]) -> list[Sample]:
    """Samples from .jsonl files (a folder stands for its *.jsonl files, sorted)."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.jsonl")) if path.is_dir() else [path])
    samples: list[Sample] = []
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                samples.append(_sample(file, number, line))
    return samples


def _sample(path: Path, number: int, line: str) -> Sample:
    try:
        raw = json.loads(line)
    except ValueError as exc:
        raise CorpusError(path, number, f"not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise CorpusError(path, number, "a sample is a JSON object")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise CorpusError(path, number, f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    if kind not in raw:
        raise CorpusError(path, number, f"{kind}: missing (a {kind} sample carries its {kind})")
    expect = raw.get("expect")
    if not isinstance(expect, list) or not all(isinstance(t, str) for t in expect):
        raise CorpusError(path, number, "expect: a list of PI type names ([] for a negative)")
    from harness.pi.core import PI_TYPES

    unknown = sorted(set(expect) - set(PI_TYPES))
    if unknown:
        raise CorpusError(path, number, f"expect: unknown type(s) {', '.join(unknown)}")
    http = raw[kind]
    if kind == "http" and (not isinstance(http, dict) or not isinstance(http.get("url", ""), str)):
        raise CorpusError(path, number, "http: an object with url, headers, body or body_b64, content_type")
    return Sample(id=str(raw.get("id") or f"{path.name}:{number}"), kind=kind, carrier=raw[kind],
                  key=raw.get("key"), expect=frozenset(expect), canaries=dict(raw.get("canaries") or {}),
                  tags=tuple(raw.get("tags") or ()))


def scan_sample(sample: Sample) -> list[PIMatch]:
    if sample.kind == "text":
        return find_pi(str(sample.carrier), "text", sample.canaries)
    if sample.kind == "value":
        value = {sample.key: sample.carrier} if sample.key is not None else sample.carrier
        return find_pi_in_value(value, "value", sample.canaries)
    http: dict[str, Any] = sample.carrier
    body = base64.b64decode(http["body_b64"]) if "body_b64" in http else str(http.get("body", "")).encode()
    return find_pi_in_http(str(http.get("url", "")), dict(http.get("headers") or {}), body,
                           http.get("content_type"), "request", sample.canaries)


Score = Counts


@dataclass
class TypeResult:
    any: Score = field(default_factory=Score)
    high: Score = field(default_factory=Score)
    false_positives: list[str] = field(default_factory=list)  # sample ids
    false_negatives: list[str] = field(default_factory=list)
    high_false_positives: list[str] = field(default_factory=list)

    def failures(self) -> list[str]:
        """Why this recogniser misses the targets (empty when it meets them)."""
        problems = []
        precision = self.high.precision
        if precision is not None and precision < HIGH_PRECISION_TARGET:
            problems.append(f"high-confidence precision {precision:.3f} < {HIGH_PRECISION_TARGET}")
        recall = self.any.recall
        if recall is not None and recall < RECALL_TARGET:
            problems.append(f"recall {recall:.3f} < {RECALL_TARGET}")
        return problems


@dataclass
class Measurement:
    samples: int
    positives: int
    negatives: int
    types: dict[str, TypeResult]

    @property
    def passed(self) -> bool:
        return not any(result.failures() for result in self.types.values())

    def to_json(self) -> dict[str, Any]:
        def score(s: Score) -> dict[str, Any]:
            return {"tp": s.tp, "fp": s.fp, "fn": s.fn, "precision": s.precision, "recall": s.recall}

        return {
            "samples": self.samples, "positives": self.positives, "negatives": self.negatives,
            "targets": {"high_precision": HIGH_PRECISION_TARGET, "recall": RECALL_TARGET},
            "passed": self.passed,
            "types": {
                name: {"any": score(r.any), "high": score(r.high), "failures": r.failures(),
                       "false_positives": r.false_positives[:20], "false_negatives": r.false_negatives[:20],
                       "high_false_positives": r.high_false_positives[:20]}
                for name, r in sorted(self.types.items())
            },
        }


def measure(samples: Iterable[Sample]) -> Measurement:
    types: dict[str, TypeResult] = {}
    count = positives = 0
    for sample in samples:
        count += 1
        positives += bool(sample.expect)
        matches = scan_sample(sample)
        found = {m.type for m in matches}
        high = {m.type for m in matches if m.confidence == "high"}
        for pi_type in found | high | sample.expect:
            result = types.setdefault(pi_type, TypeResult())
            expected = pi_type in sample.expect
            _count(result.any, expected, pi_type in found)
            _count(result.high, expected, pi_type in high)
            if pi_type in found and not expected:
                result.false_positives.append(sample.id)
            if expected and pi_type not in found:
                result.false_negatives.append(sample.id)
            if pi_type in high and not expected:
                result.high_false_positives.append(sample.id)
    return Measurement(count, positives, count - positives, types)


def _count(score: Score, expected: bool, found: bool) -> None:
    if expected and found:
        score.tp += 1
    elif found:
        score.fp += 1
    elif expected:
        score.fn += 1


def format_measurement(result: Measurement) -> str:
    """A table: per type, precision and recall of all matches and of high-confidence ones."""

    def pct(value: float | None) -> str:
        return "   -  " if value is None else f"{value * 100:5.1f}%"

    summary = (f"{result.samples} samples ({result.positives} positive, {result.negatives} negative); targets: "
               f"high-confidence precision >= {HIGH_PRECISION_TARGET:.0%}, recall >= {RECALL_TARGET:.0%}")
    header = (f"{'type':<14} {'TP':>5} {'FP':>4} {'FN':>4}  {'prec':>6} {'recall':>6}   {'TP@hi':>5} {'FP@hi':>5}"
              f"  {'prec@hi':>7} {'rec@hi':>6}  verdict")
    lines = [summary, header]
    for name, r in sorted(result.types.items()):
        verdict = "; ".join(r.failures()) or "ok"
        lines.append(
            f"{name:<14} {r.any.tp:>5} {r.any.fp:>4} {r.any.fn:>4}  {pct(r.any.precision)} {pct(r.any.recall)}"
            f"   {r.high.tp:>5} {r.high.fp:>5}  {pct(r.high.precision):>7} {pct(r.high.recall)}  {verdict}"
        )
    lines.append("PASS" if result.passed else "FAIL: below target")
    return "\n".join(lines)
