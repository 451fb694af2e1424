"""Build the Frida agent: ``npm`` installs frida-java-bridge, frida's own compiler bundles it.

``compile_agent()`` returns the path of ``agent/_agent.js`` and does nothing when it is up to date
(newer than every source file, package.json and package-lock.json), so it is cheap to call before
every attach. ``python -m harness.instrument.build`` does the same from the command line (the
Makefile / scripts/setup call it).

The compiler is frida-tools' one (``frida.Compiler``, in-process): the npm ``frida-compile`` package
does not install offline. Type errors fail the build.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

AGENT_DIR = Path(__file__).resolve().parent / "agent"
ENTRYPOINT = "index.ts"
OUTPUT_NAME = "_agent.js"
_MANIFESTS = ("package.json", "package-lock.json", "tsconfig.json")

_lock = threading.Lock()


class AgentBuildError(RuntimeError):
    """The agent could not be built (npm failed, or the TypeScript did not compile)."""


def _sources(agent_dir: Path) -> list[Path]:
    files = [p for p in agent_dir.glob("*.ts") if p.is_file()]
    files += [agent_dir / name for name in _MANIFESTS if (agent_dir / name).is_file()]
    return files


def _deps_installed(agent_dir: Path) -> bool:
    """node_modules exists and was installed after the last change of package.json / the lock file."""
    marker = agent_dir / "node_modules" / ".package-lock.json"  # written by npm on every install
    if not (agent_dir / "node_modules" / "frida-java-bridge" / "package.json").is_file() or not marker.is_file():
        return False
    installed_at = marker.stat().st_mtime
    return all(
        (agent_dir / name).stat().st_mtime <= installed_at
        for name in ("package.json", "package-lock.json")
        if (agent_dir / name).is_file()
    )


def install_dependencies(agent_dir: Path = AGENT_DIR) -> None:
    """``npm ci`` (or ``npm install`` without a lock file), quiet and offline-friendly."""
    npm = shutil.which("npm")
    if npm is None:
        raise AgentBuildError("npm is not installed: it is needed once to fetch frida-java-bridge")
    verb = "ci" if (agent_dir / "package-lock.json").is_file() else "install"
    cmd = [npm, verb, "--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline"]
    proc = subprocess.run(cmd, cwd=agent_dir, capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0:
        raise AgentBuildError(f"`{' '.join(cmd[1:])}` in {agent_dir} failed:\n{proc.stderr.strip()}")
    marker = agent_dir / "node_modules" / ".package-lock.json"
    if marker.is_file():
        marker.touch()


def is_up_to_date(agent_dir: Path = AGENT_DIR) -> bool:
    output = agent_dir / OUTPUT_NAME
    if not output.is_file() or not _deps_installed(agent_dir):
        return False
    built_at = output.stat().st_mtime
    return all(src.stat().st_mtime <= built_at for src in _sources(agent_dir))


def _compile(agent_dir: Path, output: Path) -> None:
    import frida  # imported here so that `is_up_to_date` works without frida

    diagnostics: list[str] = []

    def on_diagnostics(items: list[dict]) -> None:
        for d in items:
            where = ""
            file = d.get("file")
            if file:
                line = file.get("line", 0) + 1
                character = file.get("character", 0) + 1
                where = f"{file.get('path')}:{line}:{character}: "
            code = d.get("code")
            label = f"TS{code}" if isinstance(code, int) and code > 0 else ""
            diagnostics.append(f"{where}{d.get('category', 'error')} {label}: {d.get('text', '')}".replace(" :", ":"))

    compiler = frida.Compiler()
    compiler.on("diagnostics", on_diagnostics)
    try:
        bundle = compiler.build(
            str(agent_dir / ENTRYPOINT),
            project_root=str(agent_dir),
            type_check="full",
            source_maps="included",
            compression="none",
        )
    except Exception as exc:  # frida.InvalidArgumentError & co: the message says what is wrong
        details = "\n".join(diagnostics)
        raise AgentBuildError(f"the agent did not compile: {exc}\n{details}".strip()) from exc
    errors = [d for d in diagnostics if ": error" in d or d.startswith("error")]
    if errors:
        raise AgentBuildError("the agent did not compile:\n" + "\n".join(errors))
    # atomic: a concurrent reader sees the old or the new bundle, never half of one
    fd, tmp = tempfile.mkstemp(prefix=OUTPUT_NAME + ".tmp", dir=agent_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(bundle)
        os.chmod(tmp, 0o644)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def compile_agent(agent_dir: Path = AGENT_DIR, *, force: bool = False) -> Path:
    """Return the compiled agent, (re)building it first when a source is newer than the bundle."""
    output = agent_dir / OUTPUT_NAME
    with _lock:
        if not force and is_up_to_date(agent_dir):
            return output
        if not _deps_installed(agent_dir):
            install_dependencies(agent_dir)
        _compile(agent_dir, output)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.instrument.build", description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    args = parser.parse_args(argv)
    try:
        fresh = not args.force and is_up_to_date()
        path = compile_agent(force=args.force)
    except AgentBuildError as exc:
        print(f"[agent] {exc}", file=sys.stderr)
        return 1
    print(f"[agent] {'up to date' if fresh else 'built'}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
