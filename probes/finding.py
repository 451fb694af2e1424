"""Findings: what a probe concludes about one session, with the evidence that supports it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from harness.event_views import Event, PIMatch
from probes.rules import Severity

FINDINGS_SCHEMA_VERSION = 1

Status = Literal["fail", "warn"]
RuleStatus = Literal["fail", "warn", "pass", "not_tested"]

SEVERITY_RANK: dict[str, int] = {"high": 0, "medium": 1, "low": 2}
STATUS_RANK: dict[str, int] = {"fail": 0, "warn": 1}


class Finding(BaseModel):
    """One rule violation (fail) or concern (warn) seen in one session."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str = Field(description="catalogue rule id, e.g. CON-001")
    severity: Severity
    status: Status
    title: str = Field(description="the rule title, English / 中文")
    statement: str = Field(description="what happened in this session; times relative to session start")
    evidence: list[int] = Field(
        min_length=1, description="seqs of the timeline events that show it, in timeline order"
    )
    screenshots: list[str] = Field(default_factory=list, description="screenshots of the cited events")
    flows: list[str] = Field(default_factory=list, description="flow ids (flows.mitm) of the cited events")
    data: list[str] = Field(default_factory=list, description="masked personal data in the cited events")
    remedy: str
    probe: str = Field(description="id of the probe that found it")
    partial: bool = Field(
        default=False, description="the session did not end cleanly: absence of evidence proves less"
    )
    fingerprint: str = Field(
        description="hash of the rule and the stable parts of the evidence (api names, host+path, dialog "
        "texts; never seqs or times): the same problem has the same fingerprint in every run"
    )


@dataclass(frozen=True)
class FindingDraft:
    """What a probe yields: the framework adds title, remedy, refs, masked data, fingerprint, partial.

    ``key`` holds the stable identity of the problem (e.g. ``("api", "getLocation")``); it is hashed
    into the fingerprint together with the rule id. ``events`` must come from the timeline analysed.
    """

    rule: str
    status: Status
    statement: str
    events: Sequence[Event]
    key: tuple[str, ...]
    severity: Severity | None = None  # None: the probe's severity for a fail, one step lower for a warn
    data: Sequence[PIMatch] | None = None  # the matches it rests on; None: the strong ones of the events


def fingerprint(rule_id: str, key: Sequence[str]) -> str:
    """A stable 16-hex-digit identity of a finding across runs."""
    payload = json.dumps([rule_id, *key], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def findings_to_json(findings: Sequence[Finding]) -> str:
    """Findings as JSON text: keys in model order, UTF-8 text kept as is, indented; byte-stable. Written
    by orjson, whose two-space layout is the standard library's ``indent=2`` byte for byte (which runs in
    pure Python when indenting: ~0.16 s for the 110k cited seqs of a 1M-event session); a text orjson
    refuses (a lone surrogate) is written by the standard library instead, in the same layout."""
    data = [f.model_dump(mode="json") for f in findings]
    try:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(data, ensure_ascii=False, indent=2)


FINDINGS_ADAPTER: TypeAdapter[list[Finding]] = TypeAdapter(list[Finding])


def findings_from_json(text: str | bytes) -> list[Finding]:
    return FINDINGS_ADAPTER.validate_json(text)


def findings_schema() -> dict[str, Any]:
    """The JSON Schema of a findings list (the harness writes it to schema/findings.schema.json)."""
    schema = FINDINGS_ADAPTER.json_schema()
    schema["$id"] = f"https://miniprobe.dev/schema/findings-v{FINDINGS_SCHEMA_VERSION}.json"
    schema["title"] = "miniprobe findings of one session"
    return schema
