"""The `miniprobe` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from harness.config import REPO_ROOT
from harness.console import err, warning
from harness.console import fail as _fail

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Run-time privacy compliance tests for WeChat mini programs.")

EXIT_ERROR = 2




@app.command()
def replay(
    session: Annotated[Path, typer.Argument(help="A recorded session folder.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON (the findings.json format).")] = False,
) -> None:
    """Recompute the findings of a recorded session from its folder alone."""
    from harness.analysis import findings_of
    from probes import findings_from_json

    if not (session / "events.jsonl").is_file():
        raise _fail(f"{session}: not a session folder (no events.jsonl)")
    _warn_if_altered(session)
    try:
        text = findings_of(session)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(text)
        return
    findings = findings_from_json(text)
    for f in findings:
        print(f"{f.rule:9} {f.severity:6} {f.statement}")
    if not findings:
        print("no findings")


def _warn_if_altered(session: Path) -> None:
    """Replay still runs on an altered session, but says loudly that it is not the recorded evidence."""
    from harness.evidence.manifest import verify_folder

    result = verify_folder(session)
    if not result.ok:
        warning("this session does not match its manifest; findings may not be the recorded ones:")
        for line in result.lines():
            err.print(f"  {line}", markup=False)


@app.command("probes")
def list_probes() -> None:
    """List the probes and the catalogue rules they cover, then the rules no probe covers and why."""
    from probes import load_probes
    from probes.rules import NOT_COVERED, RULES

    registry = load_probes()
    for p in registry:
        print(f"{p.id:28} {', '.join(p.rules):12} {p.severity:7} {p.title}")
    covered = {r for p in registry for r in p.rules}
    uncovered = [r for r in RULES if r not in covered]
    if uncovered:
        print(f"\nnot covered ({len(uncovered)}):")
        for rule_id in uncovered:
            print(f"{rule_id:9} {NOT_COVERED.get(rule_id, 'no probe yet')}")


@app.command()
def schema(out: Annotated[Path, typer.Option(help="Folder for the JSON Schemas.")] = REPO_ROOT / "schema") -> None:
    """Export the JSON Schemas of events.jsonl lines, findings.json and the run's findings JSON."""
    from harness.report.findings_json import run_findings_schema
    from harness.timeline import write_schema
    from probes import findings_schema

    out.mkdir(parents=True, exist_ok=True)
    write_schema(out / "events.schema.json")
    (out / "findings.schema.json").write_text(json.dumps(findings_schema(), indent=2, ensure_ascii=False) + "\n")
    (out / "run-findings.schema.json").write_text(
        json.dumps(run_findings_schema(), indent=2, ensure_ascii=False) + "\n")
    print(out)


def _register_commands() -> None:
    from harness.commands import register_all

    register_all(app)


_register_commands()

if __name__ == "__main__":
    app()
