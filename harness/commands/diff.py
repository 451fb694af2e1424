"""`miniprobe diff RUN_A RUN_B [--json]`: findings new, fixed or persisting from A (baseline) to B."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from harness.console import error


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)


def diff(
    baseline: Annotated[Path, typer.Argument(help="The earlier run folder (the baseline).")],
    current: Annotated[Path, typer.Argument(help="The later run folder.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the diff document (the diff.json format).")] = False,
) -> None:
    """Classify the findings of CURRENT against BASELINE by fingerprint (sessions matched by app,
    scenario and device). Exit codes: 0 no new finding, 1 new findings, 2 bad input."""
    from harness.report.diff import diff_runs, diff_text

    for run in (baseline, current):
        if not (run / "run.json").is_file():
            error(f"{run}: not a run folder (no run.json)")
            raise typer.Exit(2)
    try:
        result = diff_runs(baseline, current)
    except ValueError as exc:
        error(f"{exc}")
        raise typer.Exit(2) from None
    print(json.dumps(result, indent=2, ensure_ascii=False) if as_json else diff_text(result))
    if result["counts"]["new"]:
        raise typer.Exit(1)
