"""`miniprobe corpus DIR`: run a labelled fixture corpus and print per-rule precision and recall.

Exit codes: 0 at 100% (every rule perfect, every session as expected); 1 below 100%; 2 bad input
(an expected.yaml or scenario error, named by file and line) or a session that could not run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from harness.config import REPO_ROOT, ConfigError, SimDevice, load_devices
from harness.console import err, error

EXIT_PASS, EXIT_BELOW, EXIT_ERROR = 0, 1, 2


def register(app: typer.Typer) -> None:
    app.command("corpus")(corpus)


def corpus(
    corpus_dir: Annotated[Path, typer.Argument(help="A folder of mini programs, each with an expected.yaml.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON (also written as corpus.json).")] = False,
    app_names: Annotated[list[str] | None, typer.Option("--app", help="Only this app (folder name; repeatable).")] = None,
    scenarios_dir: Annotated[Path, typer.Option("--scenarios", help="Where the scenarios expected.yaml names live.")] = REPO_ROOT / "scenarios" / "corpus",
    device: Annotated[list[str] | None, typer.Option("--device", help="Sim device(s) from devices.yaml; several share the work.")] = None,
    devices_file: Annotated[Path, typer.Option("--devices", help="Device inventory.")] = REPO_ROOT / "devices.yaml",
    out: Annotated[Path, typer.Option(help="Where the run folder is written.")] = REPO_ROOT / "artifacts",
    session_timeout: Annotated[float | None, typer.Option(min=1, help="Seconds for a whole session.")] = None,
    retries: Annotated[int, typer.Option(min=0, help="Retry a session that ended in an infrastructure error up to N times.")] = 1,
) -> None:
    """Run every app of the corpus with the scenarios its expected.yaml names; score each rule."""
    from harness.commands.run import select_devices
    from harness.corpus import discover, format_result, load_expected, run_corpus

    try:
        apps = [load_expected(a, scenarios_dir) for a in discover(corpus_dir, app_names or [])]
        chosen = select_devices(load_devices(devices_file).devices, device or [], [], devices_file)
        sims = [d for d in chosen if isinstance(d, SimDevice)]
        if len(sims) != len(chosen):
            raise ConfigError(devices_file, None, "--device", "the corpus runs on sim devices only")
        result = run_corpus(apps, sims, corpus_dir=corpus_dir, scenarios_dir=scenarios_dir, out_root=out,
                            session_timeout=session_timeout, retries=retries, progress=lambda m: err.print(m, highlight=False))
    except (ConfigError, RuntimeError) as exc:
        error(f"{exc}")
        raise typer.Exit(EXIT_ERROR) from None
    if as_json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        print(format_result(result))
    if result.errors:
        raise typer.Exit(EXIT_ERROR)
    if not result.passed:
        raise typer.Exit(EXIT_BELOW)
