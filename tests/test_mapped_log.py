"""The recorder's write path (harness/mapped_log.py): lines copied into a shared mapping reach the
file in order across windows, survive the death of the process that wrote them (a real child process
killed without closing), and a full disk is an error at the window, with every earlier line kept."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness import mapped_log
from harness.mapped_log import MappedLog
from harness.timeline import ApiCall, Recorder, Timeline, iter_events

REPO = Path(__file__).resolve().parent.parent


def lines_of(sizes: list[int]) -> list[bytes]:
    return [(b"%d:" % i).ljust(size - 1, b"x") + b"\n" for i, size in enumerate(sizes)]


def test_lines_cross_windows_in_order_and_close_cuts_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mapped_log, "WINDOW", mapped_log._PAGE)  # a window per page: many switches
    sizes = [100, mapped_log._PAGE - 50, 7, 3 * mapped_log._PAGE + 11, 4, 4000, 4000, 2 * mapped_log._PAGE]
    path = tmp_path / "log"
    log = MappedLog(path)
    for line in lines_of(sizes):
        log.append(line)
    assert log.size == sum(sizes)
    log.close()
    log.close()  # twice is harmless
    assert path.read_bytes() == b"".join(lines_of(sizes))


def test_a_log_reopened_appends_after_the_last_line_and_drops_a_dead_writers_nul_tail(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"one\n" + b"\0" * 70_000)  # as a process killed mid-window leaves it
    log = MappedLog(path)
    assert log.size == 4
    log.append(b"two\n")
    log.close()
    assert path.read_bytes() == b"one\ntwo\n"


def test_a_full_disk_fails_the_record_and_keeps_every_earlier_line(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mapped_log, "WINDOW", mapped_log._PAGE)
    recorder = Recorder(tmp_path / "events.jsonl")
    kept = [recorder.record(ApiCall(source="frida", api=f"a{i}", args={"pad": "x" * 900})) for i in range(3)]

    def full(fd: int, offset: int, length: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full)
    with pytest.raises(OSError, match="No space left"):
        for i in range(10):  # the page fills up within a few events
            kept.append(recorder.record(ApiCall(source="frida", api=f"b{i}", args={"pad": "x" * 900})))
    recorder.close()
    assert [e.api for e in iter_events(tmp_path / "events.jsonl")] == [e.api for e in kept]


def test_a_file_system_that_cannot_map_files_gets_a_write_per_line(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENODEV, "No such device")

    monkeypatch.setattr(mapped_log.mmap, "mmap", refused)
    path = tmp_path / "log"
    path.write_bytes(b"one\n")
    log = MappedLog(path)
    log.append(b"two\n")
    assert path.read_bytes() == b"one\ntwo\n"  # no reserved space left past the line
    log.append(b"three\n")
    log.close()
    assert path.read_bytes() == b"one\ntwo\nthree\n"


def test_events_of_a_killed_harness_are_all_read_back(tmp_path: Path) -> None:
    """A real child process records across several windows and is killed (SIGKILL) before it closes."""
    path = tmp_path / "events.jsonl"
    child = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(REPO)!r})
        from harness import mapped_log
        mapped_log.WINDOW = mapped_log._PAGE * 2
        from harness.timeline import ApiCall, Recorder
        recorder = Recorder(__import__("pathlib").Path({str(path)!r}))
        for i in range(500):
            recorder.record(ApiCall(source="frida", api="call%d" % i, args={{"n": i, "pad": "位置" * 40}}))
        print("recorded", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", child], check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL and "recorded" in proc.stdout, proc.stderr
    raw = path.read_bytes()
    assert raw.endswith(b"\0")  # the unwritten rest of the last window: the child never closed
    assert [e.api for e in iter_events(path)] == [f"call{i}" for i in range(500)]
    assert [e.seq for e in Timeline.load(tmp_path).events] == list(range(500))
