"""The `miniprobe` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from harness.config import REPO_ROOT, ConfigError, SimDevice, load_devices, load_suite

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Run-time privacy compliance tests for WeChat mini programs.")
err = Console(stderr=True)

SEVERITIES = {"low": 1, "medium": 2, "high": 3}
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(EXIT_ERROR)


@app.command()
def run(
    suite: Annotated[Path, typer.Argument(help="A suite file (apps + scenarios) or a single scenario file.")],
    device: Annotated[str, typer.Option(help="Device name from devices.yaml.")] = "sim",
    app_path: Annotated[Optional[list[Path]], typer.Option("--app", help="Mini program source folder (repeatable); overrides the suite's apps.")] = None,
    devices_file: Annotated[Path, typer.Option("--devices", help="Device inventory.")] = REPO_ROOT / "devices.yaml",
    out: Annotated[Path, typer.Option(help="Where run folders are written.")] = REPO_ROOT / "artifacts",
    fail_on: Annotated[str, typer.Option(help="Exit 1 when a finding has at least this severity: low|medium|high|none.")] = "high",
) -> None:
    """Run a suite: one session per (app, scenario); prints the run folder on its last line.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 errors (bad input or a session error).
    """
    from harness.report.html import write_run_report
    from harness.runner import run_suite

    if fail_on not in (*SEVERITIES, "none"):
        raise _fail(f"--fail-on must be one of low, medium, high, none (got {fail_on!r})")
    try:
        loaded = load_suite(suite)
        inventory = load_devices(devices_file)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    chosen = next((d for d in inventory.devices if d.name == device), None)
    if chosen is None:
        names = ", ".join(d.name for d in inventory.devices)
        raise _fail(f"{devices_file}: no device named {device!r} (devices: {names})")
    if not isinstance(chosen, SimDevice):
        raise _fail(f"device {device!r} is an android device: the android path is not wired into `run` yet")
    apps = [p.resolve() for p in app_path] if app_path else loaded.apps or ([chosen.app] if chosen.app else [])
    for a in apps:
        if not (a / "app.json").is_file():
            raise _fail(f"{a}: not a mini program folder (no app.json)")
    try:
        result = run_suite(loaded, chosen, apps, out_root=out, progress=lambda m: err.print(m, highlight=False))
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    report = write_run_report(result.run_dir)
    err.print(f"report: {report}")
    print(result.run_dir)
    if result.errors:
        raise typer.Exit(EXIT_ERROR)
    if fail_on != "none":
        threshold = SEVERITIES[fail_on]
        if any(SEVERITIES.get(f["severity"], 0) >= threshold for s in result.sessions for f in s.findings):
            raise typer.Exit(EXIT_FINDINGS)


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


@app.command("probes")
def list_probes() -> None:
    """List the probes and the catalogue rules they cover."""
    from probes import load_probes

    for p in load_probes():
        print(f"{p.id:28} {', '.join(p.rules):12} {p.severity:7} {p.title}")


@app.command()
def schema(out: Annotated[Path, typer.Option(help="Folder for the JSON Schemas.")] = REPO_ROOT / "schema") -> None:
    """Export the JSON Schemas of events.jsonl lines and findings.json."""
    from harness.timeline import write_schema
    from probes import findings_schema

    out.mkdir(parents=True, exist_ok=True)
    write_schema(out / "events.schema.json")
    (out / "findings.schema.json").write_text(json.dumps(findings_schema(), indent=2, ensure_ascii=False) + "\n")
    print(out)


def _register_commands() -> None:
    from harness.commands import register_all

    register_all(app)


_register_commands()

if __name__ == "__main__":
    app()
