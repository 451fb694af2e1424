"""`miniprobe run`: a suite over the selected devices, in parallel, then the run's reports.

Prints the run folder on its last line. Exit codes: 0 clean, 1 a finding at or above --fail-on,
2 an error (bad input, a session that could not run, or work left undone by quarantined devices).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer

from harness.config import REPO_ROOT, AndroidDevice, ConfigError, SimDevice, load_devices, load_suite
from harness.console import err
from harness.console import fail as _fail

SEVERITIES = {"low": 1, "medium": 2, "high": 3}
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
WEBHOOK_FORMATS = ("json", "wecom", "dingtalk", "slack")




def _named(device: SimDevice | AndroidDevice, name: str) -> bool:
    """The device is NAME, or one of the replicas NAME-1, NAME-2, ... of a `replicas:` entry NAME."""
    return device.name == name or (name in device.tags and re.fullmatch(rf"{re.escape(name)}-\d+", device.name) is not None)


def select_devices(
    inventory: list[SimDevice | AndroidDevice], names: list[str], tags: list[str], source: Path
) -> list[SimDevice | AndroidDevice]:
    """Devices named by --device, narrowed (or chosen) by --tags, all of which must match. Neither
    given: the devices tagged `default`, else the first one. Raises ConfigError naming the file."""
    for name in names:
        if not any(_named(d, name) for d in inventory):
            raise ConfigError(source, None, "--device",
                              f"no device named {name!r} (devices: {', '.join(d.name for d in inventory)})")
    chosen = [d for d in inventory if any(_named(d, n) for n in names)] if names else list(inventory)
    if tags:
        chosen = [d for d in chosen if set(tags) <= set(d.tags)]
    elif not names:
        chosen = [d for d in inventory if "default" in d.tags] or list(inventory)[:1]
    if not chosen:
        raise ConfigError(source, None, "--tags", f"no device has all of the tags {', '.join(tags)}")
    return chosen


def _apps(app_path: list[Path] | None, suite_apps: list[Any], devices: list[SimDevice | AndroidDevice]) -> list[Any]:
    if app_path:
        apps: list[Any] = [p.resolve() for p in app_path]
    else:
        apps = list(suite_apps) or [d.app for d in devices if isinstance(d, SimDevice) and d.app][:1]
    for a in apps:
        if isinstance(a, Path) and not (a / "app.json").is_file():
            raise ConfigError(Path(a), None, "--app", "not a mini program folder (no app.json)")
    return apps


def register(app: typer.Typer) -> None:
    app.command("run")(run)


def run(
    suite: Annotated[Path, typer.Argument(help="A suite file (apps + scenarios) or a single scenario file.")],
    device: Annotated[list[str] | None, typer.Option("--device", help="Device name from devices.yaml (repeatable); the name of a `replicas:` entry selects all its replicas.")] = None,
    tags: Annotated[list[str] | None, typer.Option("--tags", help="Only devices that have this tag (repeatable: all must match).")] = None,
    app_path: Annotated[list[Path] | None, typer.Option("--app", help="Mini program source folder (repeatable); overrides the suite's apps.")] = None,
    devices_file: Annotated[Path, typer.Option("--devices", help="Device inventory.")] = REPO_ROOT / "devices.yaml",
    out: Annotated[Path, typer.Option(help="Where run folders are written.")] = REPO_ROOT / "artifacts",
    fail_on: Annotated[str, typer.Option(help="Exit 1 when a finding has at least this severity: low|medium|high|none.")] = "high",
    spread: Annotated[bool, typer.Option("--spread", help="Run each (app, scenario) once on any free device instead of on every device.")] = False,
    retries: Annotated[int, typer.Option(min=0, help="Retry a session that ended in an infrastructure error (never one with findings) up to N times.")] = 0,
    backoff: Annotated[float, typer.Option(min=0, help="Seconds before the first retry; doubled for each further one.")] = 5.0,
    session_timeout: Annotated[float | None, typer.Option(min=1, help="Seconds for a whole session (a scenario's `timeout:` wins).")] = None,
    step_grace: Annotated[float, typer.Option(min=1, help="A step is cut after its own timeout (or wait) plus this many seconds.")] = 30.0,
    farm: Annotated[str | None, typer.Option(help="Dispatch the sessions to `miniprobe worker`s through this broker (redis://host:port/db).")] = None,
    farm_delivery: Annotated[str, typer.Option(help="How sessions reach the run folder with --farm: upload (tar.gz through Redis) or shared (workers write the run folder on a shared path).")] = "upload",
    baseline: Annotated[Path | None, typer.Option(help="A previous run folder: gate only on findings new since it.")] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write report.pdf.")] = False,
    unmask: Annotated[bool, typer.Option("--unmask", help="Show personal data unmasked in the reports.")] = False,
    webhook: Annotated[str | None, typer.Option(help="POST the run's summary to this URL.")] = None,
    webhook_format: Annotated[str, typer.Option(help="json|wecom|dingtalk|slack")] = "json",
    sign_key: Annotated[Path | None, typer.Option(help="Sign the session manifests with this key.")] = None,
) -> None:
    """Run a suite: one session per (app, scenario, device); prints the run folder on its last line.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 errors (bad input, a session error,
    or sessions left undone because their device was quarantined).
    """
    from harness.runner import RunOptions, run_suite

    if fail_on not in (*SEVERITIES, "none"):
        raise _fail(f"--fail-on must be one of low, medium, high, none (got {fail_on!r})")
    if webhook_format not in WEBHOOK_FORMATS:
        raise _fail(f"--webhook-format must be one of {', '.join(WEBHOOK_FORMATS)} (got {webhook_format!r})")
    if farm_delivery not in ("upload", "shared"):
        raise _fail(f"--farm-delivery must be upload or shared (got {farm_delivery!r})")
    options = RunOptions(retries=retries, backoff=backoff, session_timeout=session_timeout,
                         step_grace=step_grace, spread=spread)
    try:
        loaded = load_suite(suite)
        if farm:
            from harness.farm.dispatch import farm_slots

            slots, chosen = farm_slots(farm, device or [], tags or [], options, out, delivery=farm_delivery)
        else:
            slots = None
            chosen = select_devices(load_devices(devices_file).devices, device or [], tags or [], devices_file)
        apps = _apps(app_path, loaded.apps, chosen)
        result = run_suite(loaded, chosen, apps, out_root=out, options=options, slots=slots)
    except (ConfigError, RuntimeError) as exc:
        raise _fail(str(exc)) from None
    gating = _finish(result.run_dir, baseline=baseline, pdf=pdf, unmask=unmask, webhook=webhook,
                     webhook_format=webhook_format, sign_key=sign_key)
    print(result.run_dir)
    if result.failed_to_run:
        raise typer.Exit(EXIT_ERROR)
    if fail_on != "none" and any(SEVERITIES.get(f.get("severity"), 0) >= SEVERITIES[fail_on] for f in gating):
        raise typer.Exit(EXIT_FINDINGS)


def _finish(run_dir: Path, **report_options: Any) -> list[dict[str, Any]]:
    """The run's reports (harness.report.finish_run); return the findings that count for --fail-on.

    A bad --baseline or --sign-key, or Chromium missing for --pdf, is an error (exit 2) with its
    message; the sessions are already recorded in run_dir, so nothing is lost."""
    from harness.report import finish_run

    try:
        outputs = finish_run(run_dir, **report_options)
    except (ValueError, TypeError, RuntimeError, OSError) as exc:
        raise _fail(f"{exc} (the sessions are recorded in {run_dir})") from None
    err.print(f"report: {outputs.report}")
    return list(outputs.gating)
