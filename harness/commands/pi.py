"""`miniprobe pi scan|measure`: the personal-data recognisers on their own, for experts and CI.

Exit codes: scan 0 (matches or not), 2 bad input; measure 0 when every recogniser meets the
targets (high-confidence precision >= 0.99, recall >= 0.95), 1 below, 2 a bad corpus.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from harness.config import REPO_ROOT
from harness.console import fail as _fail

EXIT_OK, EXIT_BELOW, EXIT_ERROR = 0, 1, 2
DEFAULT_CORPUS = REPO_ROOT / "tests" / "pi_corpus"

pi_app = typer.Typer(help="Personal-data recognisers: scan a file, measure precision and recall.",
                     no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(pi_app, name="pi")




def _canaries(pairs: list[str]) -> dict[str, str]:
    canaries: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value:
            raise _fail(f"--canary {pair!r}: expected NAME=VALUE, e.g. --canary phoneNumber=13800138000")
        canaries[name.strip()] = value
    return canaries


@pi_app.command("scan")
def scan(
    source: Annotated[str, typer.Argument(help="A file to scan, or - for standard input (text or bytes).")] = "-",
    as_json: Annotated[bool, typer.Option("--json", help="Print the matches as a JSON list.")] = False,
    canary: Annotated[list[str] | None, typer.Option("--canary", help="A seeded value NAME=VALUE (repeatable).")] = None,
    url: Annotated[str, typer.Option(help="The URL the content was sent to (a face or voice endpoint, a query).")] = "",
    content_type: Annotated[str | None, typer.Option("--content-type", help="Its content type; sniffed when not given.")] = None,
) -> None:
    """Scan text or bytes (JSON, form, base64, gzip, multipart are detected) and print the matches:
    type, confidence, location and the masked value - never the value itself."""
    from harness.pi.scan import find_pi_in_http

    canaries = _canaries(canary or [])
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        raise _fail(f"{source}: cannot read: {exc.strerror or exc}") from None
    matches = find_pi_in_http(url, {}, data, content_type, "request", canaries)
    if as_json:
        print(json.dumps([m.model_dump() for m in matches], ensure_ascii=False, indent=2))
        return
    if not matches:
        print("no personal data recognised")
        return
    for found in matches:
        note = f"  canary={found.canary}" if found.canary else ""
        print(f"{found.type:<14} {found.confidence:<6} {found.location}  {found.masked}{note}")


@pi_app.command("measure")
def measure(
    corpus: Annotated[list[Path] | None, typer.Option("--corpus", help="A .jsonl corpus file or folder (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Precision and recall of each recogniser on a labelled corpus, for all matches and for
    high-confidence ones; exit 1 when any recogniser misses the targets."""
    from harness.pi.measure import CorpusError, format_measurement, load_corpus
    from harness.pi.measure import measure as run_measure

    paths = corpus or [DEFAULT_CORPUS]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise _fail(f"{missing[0]}: no such corpus file or folder")
    try:
        samples = load_corpus(paths)
    except (CorpusError, OSError) as exc:
        raise _fail(str(exc)) from None
    if not samples:
        raise _fail(f"{', '.join(map(str, paths))}: no samples (*.jsonl lines)")
    result = run_measure(samples)
    print(json.dumps(result.to_json(), indent=2, ensure_ascii=False) if as_json else format_measurement(result))
    if not result.passed:
        raise typer.Exit(EXIT_BELOW)
