"""CON-004: a consent or authorization dialog without an effective reject control.

A dialog fails when it has an agree control (同意/允许/确定/... or a button the driver labelled
"agree") and either no reject control (拒绝/不同意/取消/暂不/... or labelled "reject") or none that
is clickable. Not checked yet (they need bounds in dp, colours, and a tap-and-compare step): the
24×24 dp size, the 2:1 contrast, and "tapping reject leaves the screen unchanged after 2 s".
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.event_views import Prompt
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import button_role, is_consent_dialog, prompt_text, shorten, since_start
from probes.finding import FindingDraft
from probes.registry import probe

# Codes are part of the fingerprint: keep them; reword only the messages.
PROBLEMS = {
    "no_reject": "no reject control",
    "reject_not_clickable": "a reject control that cannot be clicked",
}
_KIND_NAMES = {
    "privacy_popup": "privacy popup",
    "scope": "authorization popup",
    "developer_dialog": "developer dialog",
}


def reject_problem(prompt: Prompt, config: ProbeConfig) -> str | None:
    """Why the dialog has no effective reject control (a PROBLEMS code), or None when it has one or
    asks for nothing."""
    roles = [(button, button_role(button, config)) for button in prompt.buttons]
    if not any(role == "agree" for _, role in roles):
        return None
    rejects = [button for button, role in roles if role == "reject"]
    if not rejects:
        return "no_reject"
    if not any(button.clickable for button in rejects):
        return "reject_not_clickable"
    return None


@probe(
    id="reject_option",
    title="Consent dialogs without an effective reject control",
    rules=("CON-004",),
    needs=("consent_dialog",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    dialogs: dict[tuple[str, ...], list[Prompt]] = {}
    for prompt in timeline.of(Prompt):
        if not is_consent_dialog(prompt, config):
            continue
        problem = reject_problem(prompt, config)
        if problem is None:
            continue
        key: tuple[str, ...] = (
            "dialog",
            problem,
            prompt_text(prompt),
            " | ".join(b.text.strip() for b in prompt.buttons),
        )
        dialogs.setdefault(key, []).append(prompt)

    for key, prompts in dialogs.items():
        first = prompts[0]
        kind = _KIND_NAMES[first.prompt_kind]
        if first.scope:
            kind += f" ({first.scope})"
        buttons = ", ".join(shorten(b.text, 12) for b in first.buttons)
        shown = (
            f"shown at {since_start(timeline, first.t)}"
            if len(prompts) == 1
            else f"shown {len(prompts)} times from {since_start(timeline, first.t)}"
        )
        yield FindingDraft(
            rule="CON-004",
            status="fail",
            statement=f'{kind} "{shorten(prompt_text(first))}" (buttons: {buttons}) has an agree control '
            f"but {PROBLEMS[key[1]]}; {shown}",
            events=prompts,
            key=key,
        )
