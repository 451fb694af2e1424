"""PERM-003: an authorization popup without a clear purpose.

A scope popup of ``purpose_scopes`` (the scopes whose popup shows app.json ``permission.<scope>.desc``:
WeChat supports it for the location scopes only) fails with no purpose sentence (no text besides the title, the app name and the
platform wording), and warns when the purpose is shorter than ``purpose_min_cjk`` CJK characters or
vague (``vague_purpose``: 提升体验, 业务需要, ...). Developer dialogs are not judged: their wording
cannot be told apart from the purpose reliably.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from harness.catalogue import SCOPE_WORDING
from harness.event_views import Prompt
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import regex_search, shorten, since_start
from probes.finding import FindingDraft, Status
from probes.registry import probe
from probes.repeated_prompts import subject_name

_CJK = re.compile(r"[\u4e00-\u9fff]")


def purpose_of(prompt: Prompt) -> str:
    """The popup's own words: its texts without the title, the platform wording and one-glyph logos."""
    boilerplate = {prompt.title or "", *SCOPE_WORDING.values()}
    kept = [
        t.strip() for t in prompt.texts if t.strip() and t.strip() not in boilerplate and len(t.strip()) > 1
    ]
    return " ".join(kept)


def judge(purpose: str, config: ProbeConfig) -> tuple[Status, str] | None:
    if not purpose:
        return "fail", "states no purpose"
    if regex_search(config.vague_purpose, purpose):
        return "warn", "states only a vague purpose"
    if len(_CJK.findall(purpose)) < config.purpose_min_cjk and not purpose.isascii():
        return "warn", "states a purpose too short to name the feature"
    return None


@probe(
    id="unclear_purpose",
    title="Authorization popup without a clear purpose",
    rules=("PERM-003",),
    needs=("prompt",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    seen: dict[tuple[str, ...], list[Prompt]] = {}
    verdicts: dict[tuple[str, ...], tuple[Status, str]] = {}
    for prompt in timeline.of(Prompt):
        if prompt.prompt_kind != "scope" or prompt.scope not in config.purpose_scopes:
            continue
        purpose = purpose_of(prompt)
        verdict = judge(purpose, config)
        if verdict is None:
            continue
        key = ("scope", prompt.scope, purpose)
        seen.setdefault(key, []).append(prompt)
        verdicts[key] = verdict
    for key, prompts in seen.items():
        status, why = verdicts[key]
        quoted = f' ("{shorten(key[2], 40)}")' if key[2] else ""
        yield FindingDraft(
            rule="PERM-003",
            status=status,
            statement=f"the popup for {subject_name(key[1])} at {since_start(timeline, prompts[0].t)} {why}{quoted}",
            events=prompts,
            key=key,
        )
