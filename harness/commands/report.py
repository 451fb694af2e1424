"""`miniprobe report RUN`: (re)write a run's reports from its folder (finish_run without a new run)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from harness.console import error


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    run: Annotated[Path, typer.Argument(help="A run folder.")],
    baseline: Annotated[Path | None, typer.Option(help="A previous run folder to diff against.")] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print report.pdf with headless Chromium.")] = False,
    unmask: Annotated[bool, typer.Option("--unmask", help="Show personal data in clear, read from the recorded flows and events (experts only).")] = False,
    webhook: Annotated[str | None, typer.Option(help="POST the run's summary to this URL.")] = None,
    webhook_format: Annotated[str, typer.Option(help="json|wecom|dingtalk|slack")] = "json",
    sign_key: Annotated[Path | None, typer.Option(help="Sign the manifests with this ed25519 key (miniprobe keygen).")] = None,
) -> None:
    """Write report.html (run and sessions), findings.json, junit.xml, flows.har, diff.json, the run's
    manifest. Prints the report's path. Exit codes: 0 written, 2 bad input."""
    from harness.report import finish_run

    if not (run / "run.json").is_file():
        error(f"{run}: not a run folder (no run.json)")
        raise typer.Exit(2)
    try:
        outputs = finish_run(run, baseline=baseline, pdf=pdf, unmask=unmask, webhook=webhook,
                             webhook_format=webhook_format, sign_key=sign_key)
    except (ValueError, TypeError, RuntimeError) as exc:
        error(f"{exc}")
        raise typer.Exit(2) from None
    print(outputs.report)
