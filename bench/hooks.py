"""wx.* calls per second through the JNI bridge with the Frida agent attached, against no agent.

The JVM is the stand-in of WeChat's JNI bridge the Frida e2e tests use (tests/fixtures/java_bridge:
the same AppBrandCommonBindingJni.nativeInvokeHandler / invokeCallbackHandler signatures the sim
host has). Its `bench N` command makes N synchronous calls, then N asynchronous calls answered from
another thread, and prints the JVM-side nanoseconds of each loop. Run once in a JVM with no agent
and once in a fresh JVM with the agent attached (FridaInstrument, real Recorder: messages are
batched by the agent, see harness/instrument/agent/batch.ts). After the run the agent is flushed and
closed, and the recorded api_call events are counted (nothing may be lost). Target: ratio >= 0.5.

    .venv/bin/python bench/hooks.py [--calls 5000]

Not part of `make test` (timings are not assertions).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.instrument.build import compile_agent
from harness.instrument.frida import FridaInstrument
from harness.timeline import ApiCall, ClockSync, Recorder, iter_events

FIXTURE = REPO / "tests" / "fixtures" / "java_bridge" / "src"


def compile_fixture(out: Path) -> list[Path]:
    bridge, driver = out / "bridge", out / "driver"
    subprocess.run(["javac", "-d", str(bridge), *map(str, sorted((FIXTURE / "com").rglob("*.java")))], check=True)
    subprocess.run(["javac", "-cp", str(bridge), "-d", str(driver),
                    *map(str, sorted((FIXTURE / "miniprobe").rglob("*.java")))], check=True)
    return [driver, bridge]


class Jvm:
    def __init__(self, classpath: list[Path]) -> None:
        self.proc = subprocess.Popen(["java", "-cp", ":".join(map(str, classpath)), "miniprobe.fixture.BridgeDriver",
                                      "--preload"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.pid = int(self.expect("READY").split("pid=")[1])

    def expect(self, prefix: str) -> str:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(prefix):
                return line.strip()
            if line.startswith("ERROR"):
                sys.exit(f"fixture JVM: {line.strip()}")
        sys.exit(f"fixture JVM exited before printing {prefix}")

    def bench(self, n: int) -> tuple[float, float]:
        """(sync, async) seconds for ``n`` calls each."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"bench {n}\n")
        self.proc.stdin.flush()
        found = re.search(r"sync_ns=(\d+) async_ns=(\d+)", self.expect("BENCH"))
        assert found is not None
        return int(found.group(1)) / 1e9, int(found.group(2)) / 1e9

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


def run(classpath: list[Path], n: int, work: Path | None) -> tuple[float, float, int]:
    """(sync s, async s, api_call events recorded) in a fresh JVM, with the agent when ``work`` is set."""
    jvm = Jvm(classpath)
    inst = recorder = None
    try:
        if work is not None:
            recorder = Recorder(work / "events.jsonl")
            inst = FridaInstrument(recorder, process_label="bench-jvm", clock=ClockSync(offset_ns=0, error_ns=0))
            inst.attach(jvm.pid)
        jvm.bench(min(n, 500))  # warm up the JIT (and the hooks)
        sync_s, async_s = jvm.bench(n)
        if inst is not None and recorder is not None:
            time.sleep(0.2)
            inst.close()
            recorder.close()
            recorded = sum(1 for e in iter_events(work / "events.jsonl")  # type: ignore[operator]
                           if isinstance(e, ApiCall) and e.api in ("benchSync", "benchAsync"))
            return sync_s, async_s, recorded
        return sync_s, async_s, 0
    finally:
        jvm.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args()
    n = args.calls
    compile_agent()
    with tempfile.TemporaryDirectory(prefix="bench-hooks-") as tmp:
        classpath = compile_fixture(Path(tmp))
        plain = run(classpath, n, None)
        hooked = run(classpath, n, Path(tmp))
    print(f"{'calls':>6} {'no agent /s':>12} {'agent /s':>10} {'ratio':>6} {'added µs/call':>13}")
    for name, index in (("sync", 0), ("async", 1)):
        p, a = plain[index], hooked[index]
        print(f"{name:>6} {n / p:>12,.0f} {n / a:>10,.0f} {p / a:>6.2f} {(a - p) / n * 1e6:>13.1f}")
    print(f"recorded {hooked[2]} of {2 * (n + min(n, 500))} bench calls as api_call events")
    print("target: ratio >= 0.50")


if __name__ == "__main__":
    main()
