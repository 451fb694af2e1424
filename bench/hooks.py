"""wx.* calls per second through the JVM bridge host with the Frida agent attached, against no agent.

Two bridges, each measured as two JVMs side by side, one with no agent and one with the agent attached
(FridaInstrument, real Recorder); the rounds alternate between them and the best of each side is kept,
so the machine's load hits both. Each JVM's `bench N` command prints the JVM-side nanoseconds of N
synchronous calls, of N asynchronous calls answered from another thread, and the calling thread's CPU
time of the sync calls.

- The issue's figure: the sim's JVM bridge host (sim/host, miniprobe.sim.Bench: the host SimHost
  builds from the same options, its HTTP server never started), called straight at
  AppBrandCommonBindingJni.nativeInvokeHandler: sync calls setStorageSync / getStorageSync /
  getSystemInfoSync in turn, async getStorage answered through invokeCallbackHandler. Each call does
  the host's real work: privacy and scope gates, JSON parse of data, the API, JSON of the result, the
  host's log line (to a file, as in a session).
- The bare stand-in (tests/fixtures/java_bridge, what the Frida e2e tests use): same signatures, the
  call answers at once (0.04-0.4 µs once the JIT has inlined it), so its ratio shows the hook's cost
  against almost nothing; and, labelled as such, the stand-in spending W = 20 µs on each call.

After each pair the agent is flushed and closed, and the recorded api_call events are counted, and
those with their result: nothing may be lost. Target: ratio >= 0.5 (the sim host).

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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.drivers.sim import CONTAINER_DIR, HOST_CLASSES
from harness.instrument.build import compile_agent
from harness.instrument.frida import FridaInstrument
from harness.timeline import ApiCall, ClockSync, Recorder, iter_events

FIXTURE = REPO / "tests" / "fixtures" / "java_bridge" / "src"
SIM_APP = REPO / "sim" / "apps" / "gym-compliant"
KINDS = ("sync", "async", "sync CPU")


@dataclass(frozen=True)
class Target:
    """A bridge to measure: how to start its JVM, its workloads (name -> calls divisor, W ns), and the
    apis its bench calls (to count what the agent recorded)."""

    name: str
    argv: Callable[[Path], list[str]]
    workloads: dict[str, tuple[int, int]]
    apis: frozenset[str]


def compile_fixture(out: Path) -> list[Path]:
    bridge, driver = out / "bridge", out / "driver"
    subprocess.run(["javac", "-d", str(bridge), *map(str, sorted((FIXTURE / "com").rglob("*.java")))], check=True)
    subprocess.run(["javac", "-cp", str(bridge), "-d", str(driver),
                    *map(str, sorted((FIXTURE / "miniprobe").rglob("*.java")))], check=True)
    return [driver, bridge]


def stand_in_argv(work: Path) -> list[str]:
    classpath = os.pathsep.join(map(str, compile_fixture(work)))
    return ["java", "-cp", classpath, "miniprobe.fixture.BridgeDriver", "--preload"]


def sim_host_argv(work: Path) -> list[str]:
    """The sim host's bench driver, built by sim/host/build.sh (what `make setup` runs)."""
    subprocess.run([str(REPO / "sim" / "host" / "build.sh")], check=True)
    return ["java", f"-XX:ErrorFile={work / 'hs_err_pid%p.log'}", "-cp", str(HOST_CLASSES), "miniprobe.sim.Bench",
            "--container", str(CONTAINER_DIR), "--app", str(SIM_APP)]


TARGETS = (
    Target("sim host", sim_host_argv, {"sim host": (1, 0)},
           frozenset({"setStorageSync", "getStorageSync", "getSystemInfoSync", "getStorage"})),
    Target("bare stand-in", stand_in_argv, {"bare stand-in": (1, 0), "stand-in + 20 µs (assumed)": (20, 20_000)},
           frozenset({"benchSync", "benchAsync"})),
)


class Jvm:
    """A bench JVM, run in ``work`` (a crash report lands there, not in the checkout); its stderr (the
    sim host's log line per call) goes to ``log``, as a session's host log goes to a file."""

    def __init__(self, argv: list[str], work: Path, log: Path) -> None:
        with log.open("w") as err:
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                                         text=True, cwd=work)
        self.pid = int(self.expect("READY").split("pid=")[1])
        self.calls = 0

    def expect(self, prefix: str) -> str:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(prefix):
                return line.strip()
            if line.startswith("ERROR"):
                sys.exit(f"bench JVM: {line.strip()}")
        sys.exit(f"bench JVM exited before printing {prefix}")

    def bench(self, n: int, work_ns: int) -> dict[str, float]:
        """Seconds for ``n`` calls: sync and async wall time, and the calling thread's CPU time of the
        sync calls (what the hook costs that thread, whatever else the machine is doing)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"bench {n} {work_ns}\n" if work_ns else f"bench {n}\n")
        self.proc.stdin.flush()
        found = re.search(r"sync_ns=(\d+) async_ns=(\d+) sync_cpu_ns=(\d+)", self.expect("BENCH"))
        assert found is not None
        self.calls += 2 * n
        return dict(zip(KINDS, (int(g) / 1e9 for g in found.groups()), strict=True))

    def cpu_seconds(self) -> float:
        """CPU time of the whole JVM so far, every thread (the agent's own included)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


Best = dict[tuple[str, str, str], float]


def measure(target: Target, plain: Jvm, hooked: Jvm, n: int, rounds: int) -> Best:
    """Best seconds per call per (workload, side, kind), rounds alternating between the two JVMs."""
    best: Best = {}
    for _ in range(rounds):
        for workload, (divisor, work_ns) in target.workloads.items():
            calls = max(n // divisor, 500)
            for side, jvm in (("plain", plain), ("agent", hooked)):
                for kind, seconds in jvm.bench(calls, work_ns).items():
                    key = (workload, side, kind)
                    best[key] = min(best.get(key, seconds / calls), seconds / calls)
    return best


@dataclass
class Outcome:
    best: Best
    native: list[str]
    calls: int  # bench calls made on the hooked JVM after the attach
    measured: int  # of them, in the measured rounds
    process_cpu: dict[str, float]  # CPU seconds during the rounds: "plain" / "agent" JVM, "harness" (this process)
    recorded: int  # of them, api_call events recorded
    answered: int  # of those, with their result


def run_target(target: Target, agent: Path, args: argparse.Namespace, work: Path) -> Outcome:
    """Both JVMs of a target, the agent attached to one, measured; then what the agent recorded."""
    argv = target.argv(work)
    slug = target.name.replace(" ", "-")
    plain, hooked = Jvm(argv, work, work / f"{slug}-plain.log"), Jvm(argv, work, work / f"{slug}-agent.log")
    events = work / f"{slug}-events.jsonl"
    recorder = Recorder(events)
    inst = FridaInstrument(recorder, process_label=f"bench:{slug}", clock=ClockSync(offset_ns=0, error_ns=0),
                           agent_path=agent)
    try:
        inst.attach(hooked.pid)
        native = list((inst.ready_info or {}).get("native") or [])
        for jvm in (plain, hooked):
            jvm.bench(min(args.calls, 2000), 0)  # warm up the JIT (and the hooks)
        before = hooked.calls, plain.cpu_seconds(), hooked.cpu_seconds(), time.process_time()
        best = measure(target, plain, hooked, args.calls, args.rounds)
        time.sleep(0.2)  # the agent's last batch (sent every 50 ms) recorded
        after = hooked.calls, plain.cpu_seconds(), hooked.cpu_seconds(), time.process_time()
        cpu = dict(zip(("plain", "agent", "harness"), (b - a for a, b in zip(before[1:], after[1:], strict=True)),
                       strict=True))
        inst.close()
        recorder.close()
        calls = [e for e in iter_events(events) if isinstance(e, ApiCall) and e.api in target.apis]
    finally:
        inst.close()
        plain.stop()
        hooked.stop()
    return Outcome(best, native, hooked.calls, after[0] - before[0], cpu, len(calls),
                   sum(1 for e in calls if e.ok is not None))


def report(target: Target, outcome: Outcome, rounds: int) -> None:
    print(f"\n{target.name}: hooks in C (agent/native.ts): {len(outcome.native)} of the bridge's overloads")
    print(f"{'workload':>26} {'calls':>8} {'no agent /s':>12} {'agent /s':>10} {'ratio':>6} {'added µs/call':>13}")
    for workload in target.workloads:
        for kind in KINDS:
            p, a = outcome.best[(workload, "plain", kind)], outcome.best[(workload, "agent", kind)]
            print(f"{workload:>26} {kind:>8} {1 / p:>12,.0f} {1 / a:>10,.0f} {p / a:>6.2f} {(a - p) * 1e6:>13.2f}")
    per_call = {side: seconds / outcome.measured * 1e6 for side, seconds in outcome.process_cpu.items()}
    print(f"whole-process CPU per call over the rounds: JVM {per_call['plain']:.2f} µs without the agent, "
          f"{per_call['agent']:.2f} µs with it (its thread included); recording them in the harness "
          f"{per_call['harness']:.2f} µs")
    print(f"recorded {outcome.recorded} of {outcome.calls} bench calls as api_call events, {outcome.answered} "
          f"with their result (best of {rounds} rounds)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--agent", type=Path, help="a compiled agent to measure instead of this checkout's "
                        "(e.g. an older build, for a before/after figure)")
    args = parser.parse_args()
    agent = args.agent or compile_agent()
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="bench-hooks-") as tmp:
        for target in TARGETS:
            work = Path(tmp) / target.name.replace(" ", "-")
            work.mkdir()
            outcome = run_target(target, agent, args, work)
            loads.append(os.getloadavg()[0])
            report(target, outcome, args.rounds)
    print(f"\nload average {min(loads):.1f}-{max(loads):.1f}")
    print("target: ratio >= 0.50 through the sim host (the issue's JVM bridge host)")


if __name__ == "__main__":
    main()
