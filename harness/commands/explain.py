"""`miniprobe explain RULE-ID`: a catalogue rule, where it comes from, how it is detected, and the fix."""

from __future__ import annotations

from typing import Annotated

import typer

from harness.console import fail


def register(app: typer.Typer) -> None:
    app.command("explain")(explain)


def explanation(rule_id: str) -> str:
    """The text `explain` prints; KeyError for an unknown rule id."""
    from probes import load_probes
    from probes.rules import NOT_COVERED, RULES

    rule = RULES[rule_id.strip().upper()]
    covering = [p for p in load_probes() if rule.id in p.rules]
    if covering:
        covered = "; ".join(f"{p.id} (needs {', '.join(p.needs)})" for p in covering)
    else:
        covered = f"not covered: {NOT_COVERED.get(rule.id, 'no probe yet')}"
    lines = [
        f"{rule.id}  {rule.title}",
        f"basis:     {rule.basis}",
        f"detection: {rule.detection}",
        f"severity:  {rule.severity}",
        f"scenarios: {', '.join(rule.scenarios)}",
        f"remedy:    {rule.remedy}",
        f"probe:     {covered}",
    ]
    return "\n".join(lines)


def explain(
    rule_id: Annotated[str, typer.Argument(help="A catalogue rule id, e.g. CON-001.", metavar="RULE-ID")],
) -> None:
    """Print a rule of the catalogue: title, basis, detection logic, severity, scenarios, remedy, probe."""
    from probes.rules import RULES

    try:
        print(explanation(rule_id))
    except KeyError:
        raise fail(f"unknown rule id {rule_id!r}; known ids: {', '.join(RULES)}") from None
