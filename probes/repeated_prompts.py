"""PERM-002: the user refused, and was asked again without asking for it.

For each refused subject S (a scope, or "privacy"; see probes.evidence.refusals) the refusal opens a
window that an agreement for S closes. Prompts for S inside the window and within ``repeat_window_h``
of its opening refusal are counted unless a fresh user-initiated trigger caused them: a tap on an
element naming S, at most ``user_initiated_window_s`` before the prompt, that did not already cause
an earlier prompt for S (one tap, one prompt: a re-prompt straight after the refusal of the prompt
the tap caused is a loop, not a fresh request). FAIL at ``repeat_fail_at`` counted prompts in one
window, WARN at ``repeat_warn_at``. Not yet detected: the "overlay" pattern (two prompts in one
lifecycle without refusal) and relaunch-only reappearance across sessions.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.catalogue import SCOPE_WORDING
from harness.event_views import Consent, Event, Prompt
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import (
    PRIVACY,
    Refusal,
    agreements,
    is_before,
    prompt_subjects,
    refusals,
    since_start,
    user_triggers,
)
from probes.finding import FindingDraft, Status
from probes.registry import probe

_LISTED_TIMES = 6


def subject_name(subject: str) -> str:
    if subject == PRIVACY:
        return "the privacy agreement"
    wording = SCOPE_WORDING.get(subject)
    return f"{subject} ({wording})" if wording else subject


def _opening_refusal(
    prompt: Prompt, refused: list[Refusal], agreed_at: list[int], error: int
) -> Refusal | None:
    """The refusal whose window holds the prompt: the first refusal after the last agreement, before it."""
    last_agreement = max((t for t in agreed_at if t < prompt.t), default=None)
    for refusal in refused:
        if last_agreement is not None and refusal.t <= last_agreement:
            continue
        if is_before(refusal.t, prompt.t, error):
            return refusal
        break
    return None


@probe(
    id="repeated_prompts",
    title="Prompts repeated after a refusal",
    rules=("PERM-002",),
    needs=("refusal",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    error = timeline.clock_error_ns
    all_refusals = refusals(timeline)
    prompts = [(p, prompt_subjects(p, config)) for p in timeline.of(Prompt)]

    for subject in dict.fromkeys(r.subject for r in all_refusals):
        refused = [r for r in all_refusals if r.subject == subject]
        agreed_at = [c.t for c in agreements(timeline, subject)]
        used_taps: set[int] = set()
        windows: dict[int, tuple[Refusal, list[Prompt]]] = {}
        for prompt, subjects in prompts:
            if subject not in subjects:
                continue
            fresh = next(
                (s for s in user_triggers(timeline, prompt.t, subject, config) if s.seq not in used_taps),
                None,
            )
            if fresh is not None:
                used_taps.add(fresh.seq)
                continue
            opening = _opening_refusal(prompt, refused, agreed_at, error)
            if opening is None or prompt.t - opening.t > config.repeat_window_ns:
                continue
            if isinstance(opening.event, Consent) and opening.event.prompt_seq == prompt.seq:
                continue  # the refused prompt itself, recorded out of order
            windows.setdefault(opening.event.seq, (opening, []))[1].append(prompt)

        if not windows:
            continue
        most = max(len(counted) for _, counted in windows.values())
        status: Status
        if most >= config.repeat_fail_at:
            status = "fail"
        elif most >= config.repeat_warn_at:
            status = "warn"
        else:
            continue
        counted_prompts = [p for _, counted in windows.values() for p in counted]
        times = [since_start(timeline, p.t) for p in counted_prompts]
        listed = ", ".join(times[:_LISTED_TIMES]) + (", …" if len(times) > _LISTED_TIMES else "")
        refused_at = ", ".join(since_start(timeline, r.t) for r, _ in windows.values())
        again = "once" if len(counted_prompts) == 1 else f"{len(counted_prompts)} times"
        events: list[Event] = [r.event for r, _ in windows.values()]
        events.extend(counted_prompts)
        yield FindingDraft(
            rule="PERM-002",
            status=status,
            statement=f"{subject_name(subject)} refused at {refused_at}, then asked again {again} "
            f"without a fresh tap on the feature (at {listed})",
            events=events,
            key=("subject", subject),
        )
