"""The Recorder's sustained append rate against raw buffered line writes of the same bytes.

Events are the synthetic session of bench/analysis.py (wx.* calls with stacks, flows with PI matches,
steps, prompts...), validated into fresh timeline models before each round (not timed: the harness
hands the recorder a new event each time). Measured side by side, interleaved, best of --rounds:
  recorder: Recorder.record(event) for each — seq/t/wall stamped, serialised, handed to the OS (copied
            into a shared mapping of the file: harness/mapped_log.py);
  raw:      the very bytes the recorder wrote, one buffered write + flush per line (the same flush
            policy: every event reaches the OS at once, so it survives a crash of the harness process);
  raw, no flush: the same bytes through the 64 KiB buffer alone (for reference: loses up to 64 KiB);
  raw os.write: the same bytes, one os.write per line (for reference: the recorder's former write);
  raw mapped: the same bytes through the recorder's own MappedLog (for reference: how much of the
            recorder's margin over the target comes from its write path rather than from its Python).
And the same pair with each event made just before it is recorded, as the harness hands them over
(Frida's and the proxy's events are parsed from JSON the moment they arrive, so they are hot in the
CPU caches, where the pre-built models above are cold): each record() and each write + flush timed on
its own, the timer's own cost taken off both.
Target: recorder >= 50% of raw. The bench also checks that the lines are byte for byte what the
models' own serialiser (``to_json(exclude_none=True)``, the recorder's former path) writes.

    .venv/bin/python bench/recorder.py [--events 100000]

Not part of `make test` (timings are not assertions).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.analysis import Generator
from harness.mapped_log import MappedLog
from harness.timeline import EVENT_ADAPTER, Recorder


def events(n: int) -> list:
    """``n`` models as the harness hands them to the recorder: seq, t and wall left for it to fill."""
    made = []
    for raw in Generator(seed=2).events(n):
        raw = {k: v for k, v in raw.items() if k not in ("seq", "t", "wall")}
        made.append(EVENT_ADAPTER.validate_python(raw))
    return made


def time_recorder(models: list, path: Path) -> tuple[float, float]:
    """Wall and CPU seconds to record ``models`` (fresh ones: the recorder stamps them in place)."""
    recorder = Recorder(path)
    start, cpu = time.perf_counter(), time.thread_time()
    for event in models:
        recorder.record(event)
    recorder.close()
    return time.perf_counter() - start, time.thread_time() - cpu


def messages(n: int) -> list[bytes]:
    """The same events as JSON messages (seq, t and wall left for the recorder to fill)."""
    return [orjson.dumps({k: v for k, v in raw.items() if k not in ("seq", "t", "wall")})
            for raw in Generator(seed=2).events(n)]


def time_recorder_fresh(messages: list[bytes], path: Path) -> float:
    """Seconds inside Recorder.record for events parsed from JSON just before each call."""
    recorder = Recorder(path)
    clock, spent = time.perf_counter_ns, 0
    for message in messages:
        event = EVENT_ADAPTER.validate_json(message)
        start = clock()
        recorder.record(event)
        spent += clock() - start
    recorder.close()
    return spent / 1e9


def time_raw_each(lines: list[bytes], path: Path) -> float:
    """Seconds inside write + flush, each line timed on its own (as time_recorder_fresh times record)."""
    clock, spent = time.perf_counter_ns, 0
    with open(path, "ab", buffering=1 << 16) as f:
        for line in lines:
            start = clock()
            f.write(line)
            f.flush()
            spent += clock() - start
    return spent / 1e9


def timer_cost(n: int) -> float:
    """Seconds that ``n`` empty timings cost (taken off both sides of the per-call figures)."""
    clock, spent = time.perf_counter_ns, 0
    for _ in range(n):
        start = clock()
        spent += clock() - start
    return spent / 1e9


def time_raw(lines: list[bytes], path: Path, flush: bool) -> tuple[float, float]:
    """Wall and CPU seconds to write ``lines`` through a 64 KiB buffer, flushed per line or not."""
    with open(path, "ab", buffering=1 << 16) as f:
        start, cpu = time.perf_counter(), time.thread_time()
        for line in lines:
            f.write(line)
            if flush:
                f.flush()
        f.flush()
        return time.perf_counter() - start, time.thread_time() - cpu


def time_os_write(lines: list[bytes], path: Path) -> float:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        start = time.perf_counter()
        for line in lines:
            os.write(fd, line)
        return time.perf_counter() - start
    finally:
        os.close(fd)


def time_mapped(lines: list[bytes], path: Path) -> float:
    log = MappedLog(path)
    try:
        start = time.perf_counter()
        for line in lines:
            log.append(line)
        return time.perf_counter() - start
    finally:
        log.close()


def same_bytes(models: list, lines: list[bytes]) -> bool:
    """The recorded lines are what the models' own serialiser writes for the stamped events."""
    return len(models) == len(lines) and all(
        m.__pydantic_serializer__.to_json(m, exclude_none=True) + b"\n" == line for m, line in zip(models, lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="best of this many rounds each")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-recorder-") as tmp:
        rec, raw, raw_nf, raw_os, raw_map, fresh, raw_each, timer = [], [], [], [], [], [], [], []
        sent = messages(args.events)
        for round_ in range(args.rounds):  # interleaved, so that machine load hits both alike
            models = events(args.events)
            gc.collect()
            path = Path(tmp) / f"rec-{round_}.jsonl"
            rec.append(time_recorder(models, path))
            lines = path.read_bytes().splitlines(keepends=True)
            raw.append(time_raw(lines, Path(tmp) / f"raw-{round_}.jsonl", flush=True))
            raw_nf.append(time_raw(lines, Path(tmp) / f"nf-{round_}.jsonl", flush=False))
            raw_os.append(time_os_write(lines, Path(tmp) / f"os-{round_}.jsonl"))
            raw_map.append(time_mapped(lines, Path(tmp) / f"map-{round_}.jsonl"))
            fresh.append(time_recorder_fresh(sent, Path(tmp) / f"fresh-{round_}.jsonl"))
            raw_each.append(time_raw_each(lines, Path(tmp) / f"each-{round_}.jsonl"))
            timer.append(timer_cost(args.events))
        size = path.stat().st_size
        identical = same_bytes(models, lines)
    n = args.events
    print(f"{n} events, {size / 1e6:.1f} MB, best of {args.rounds}; load average {os.getloadavg()[0]:.1f}")
    print(f"lines identical to the models' own to_json(exclude_none=True): {'yes' if identical else 'NO'}")
    for name, secs in (("recorder", min(rec)[0]), ("raw + flush per line", min(raw)[0]),
                       ("raw, no flush", min(raw_nf)[0]), ("raw os.write per line", min(raw_os)),
                       ("raw mapped per line", min(raw_map))):
        print(f"{name:>22}: {n / secs:>10,.0f} events/s  {size / secs / 1e6:>7.1f} MB/s  {secs / n * 1e6:5.2f} µs/event")
    print(f"recorder / raw (same flush policy): {min(raw)[0] / min(rec)[0]:.2f}  (target >= 0.50)")
    print(f"recorder / raw mapped (the recorder's own write path, for reference): {min(raw_map) / min(rec)[0]:.2f}")
    rec_cpu, raw_cpu = min(c for _, c in rec), min(c for _, c in raw)
    print(f"the same in this thread's CPU time (other processes' load left out): recorder {rec_cpu / n * 1e6:.2f} "
          f"µs/event, raw + flush {raw_cpu / n * 1e6:.2f} µs/event, ratio {raw_cpu / rec_cpu:.2f}")
    clock = min(timer)
    rec_fresh, raw_fresh = min(fresh) - clock, min(raw_each) - clock
    print(f"events made just before record: recorder {rec_fresh / n * 1e6:.2f} µs/event, "
          f"raw + flush {raw_fresh / n * 1e6:.2f} µs/event (timer's {clock / n * 1e9:.0f} ns taken off)")
    print(f"recorder / raw (same flush policy), events made just before: {raw_fresh / rec_fresh:.2f}  (target >= 0.50)")


if __name__ == "__main__":
    main()
