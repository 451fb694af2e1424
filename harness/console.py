"""The one stderr console of the command line, and how errors are printed on it.

Messages are printed as plain text, never as rich markup (a path or a YAML value holding "[x]"
must come out as written), and never folded (a "file:line: field" must stay on one line so that
editors, CI logs and grep can use it).
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.text import Text

EXIT_ERROR = 2

err = Console(stderr=True, soft_wrap=True, highlight=False)


def error(message: str) -> None:
    err.print(Text.assemble(("error: ", "bold red"), str(message)))


def warning(message: str) -> None:
    err.print(Text.assemble(("warning: ", "bold yellow"), str(message)))


def fail(message: str) -> typer.Exit:
    """Print the error and return the exit (exit code 2) for the caller to raise."""
    error(message)
    return typer.Exit(EXIT_ERROR)
