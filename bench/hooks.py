"""wx.* calls per second through the JNI bridge with the Frida agent attached, against no agent.

The JVM is the stand-in of WeChat's JNI bridge the Frida e2e tests use (tests/fixtures/java_bridge:
the same AppBrandCommonBindingJni.nativeInvokeHandler / invokeCallbackHandler signatures the sim
host has). Its `bench N [W]` command makes N synchronous calls, then N asynchronous calls answered
from another thread, and prints the JVM-side nanoseconds of each loop. Two JVMs run side by side, one
with no agent and one with the agent attached (FridaInstrument, real Recorder); the rounds alternate
between them and the best of each side is kept, so the machine's load hits both.

Two workloads: the issue's figure, a bare bridge (the stand-in answers at once: 0.04-0.4 µs a call
once the JIT has inlined it), and,
labelled as such, a bridge that spends W = 20 µs on each call, an assumed order of magnitude for
WeChat's real one (JNI into the app-brand runtime, JSON parse, dispatch, answer; not measured on a
phone). After the run the agent is flushed and closed, and the recorded api_call events are counted:
nothing may be lost. Target: ratio >= 0.5 (bare bridge).

    .venv/bin/python bench/hooks.py [--calls 20000] [--rounds 3] [--agent OLD/_agent.js]

Not part of `make test` (timings are not assertions).
"""

from __future__ import annotations

import argparse
import os
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
WORKLOADS = {"bare bridge": 0, "20 µs bridge (assumed)": 20_000}
KINDS = ("sync", "async", "sync CPU")


def compile_fixture(out: Path) -> list[Path]:
    bridge, driver = out / "bridge", out / "driver"
    subprocess.run(["javac", "-d", str(bridge), *map(str, sorted((FIXTURE / "com").rglob("*.java")))], check=True)
    subprocess.run(["javac", "-cp", str(bridge), "-d", str(driver),
                    *map(str, sorted((FIXTURE / "miniprobe").rglob("*.java")))], check=True)
    return [driver, bridge]


class Jvm:
    """The fixture's JVM (run in ``work`` so that a crash report lands there, not in the checkout)."""

    def __init__(self, classpath: list[Path], work: Path) -> None:
        self.proc = subprocess.Popen(["java", "-cp", os.pathsep.join(map(str, classpath)),
                                      "miniprobe.fixture.BridgeDriver", "--preload"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=work)
        self.pid = int(self.expect("READY").split("pid=")[1])
        self.calls = 0

    def expect(self, prefix: str) -> str:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(prefix):
                return line.strip()
            if line.startswith("ERROR"):
                sys.exit(f"fixture JVM: {line.strip()}")
        sys.exit(f"fixture JVM exited before printing {prefix}")

    def bench(self, n: int, work_ns: int) -> dict[str, float]:
        """Seconds for ``n`` calls: sync and async wall time, and the calling thread's CPU time of the
        sync calls (what the hook costs that thread, whatever else the machine is doing)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"bench {n} {work_ns}\n")
        self.proc.stdin.flush()
        found = re.search(r"sync_ns=(\d+) async_ns=(\d+) sync_cpu_ns=(\d+)", self.expect("BENCH"))
        assert found is not None
        self.calls += 2 * n
        return dict(zip(KINDS, (int(g) / 1e9 for g in found.groups()), strict=True))

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


def measure(plain: Jvm, hooked: Jvm, n: int, rounds: int) -> dict[tuple[str, str, str], float]:
    """Best seconds per (workload, side, sync|async), rounds alternating between the two JVMs."""
    best: dict[tuple[str, str, str], float] = {}
    for _ in range(rounds):
        for workload, work_ns in WORKLOADS.items():
            calls = n if work_ns == 0 else max(n // 20, 500)
            for side, jvm in (("plain", plain), ("agent", hooked)):
                for kind, seconds in jvm.bench(calls, work_ns).items():
                    key = (workload, side, kind)
                    best[key] = min(best.get(key, seconds / calls), seconds / calls)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--agent", type=Path, help="a compiled agent to measure instead of this checkout's "
                        "(e.g. an older build, for a before/after figure)")
    args = parser.parse_args()
    agent = args.agent or compile_agent()
    with tempfile.TemporaryDirectory(prefix="bench-hooks-") as tmp:
        work = Path(tmp)
        classpath = compile_fixture(work)
        plain, hooked = Jvm(classpath, work), Jvm(classpath, work)
        recorder = Recorder(work / "events.jsonl")
        inst = FridaInstrument(recorder, process_label="bench-jvm", clock=ClockSync(offset_ns=0, error_ns=0),
                               agent_path=agent)
        try:
            inst.attach(hooked.pid)
            native = (inst.ready_info or {}).get("native") or []
            for jvm in (plain, hooked):
                jvm.bench(min(args.calls, 2000), 0)  # warm up the JIT (and the hooks)
            best = measure(plain, hooked, args.calls, args.rounds)
            time.sleep(0.2)
            inst.close()
            recorder.close()
            recorded = sum(1 for e in iter_events(work / "events.jsonl")
                           if isinstance(e, ApiCall) and e.api in ("benchSync", "benchAsync"))
        finally:
            inst.close()
            plain.stop()
            hooked.stop()
    load = os.getloadavg()[0]
    print(f"hooks in C (agent/native.ts): {len(native)} of the bridge's overloads; load average {load:.1f}")
    print(f"{'workload':>24} {'calls':>8} {'no agent /s':>12} {'agent /s':>10} {'ratio':>6} {'added µs/call':>13}")
    for workload in WORKLOADS:
        for kind in KINDS:
            p, a = best[(workload, "plain", kind)], best[(workload, "agent", kind)]
            print(f"{workload:>24} {kind:>8} {1 / p:>12,.0f} {1 / a:>10,.0f} {p / a:>6.2f} {(a - p) * 1e6:>13.2f}")
    print(f"recorded {recorded} of {hooked.calls} bench calls as api_call events (best of {args.rounds} rounds)")
    print("target: ratio >= 0.50 on the bare bridge")


if __name__ == "__main__":
    main()
