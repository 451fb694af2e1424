"""Requests per second through mitmproxy with the miniprobe addon (recognisers on) against plain mitmproxy.

One local back end (a threaded HTTP server answering JSON of the chosen size), two mitmdump
processes started alike (same confdir, flow file and log detail), one of them with the addon writing
flow events with personal-data matches (a canaries file is given, as in a session). A client posts a
small JSON body with a phone number and a position (what the recognisers look for) over keep-alive
connections from a few threads for a fixed time, through each proxy in turn, for 1 KB and 100 KB
response bodies (a store list, the same answer every time) and for 100 KB answers all different
("100k-new": no two stores alike, 256 answers in turn, so nothing the scanner remembers helps). Ratio = addon req/s / plain req/s; target >= 0.8. The back end sends with
TCP_NODELAY: without it every answer waited ~40 ms for a delayed ACK, and both proxies measured
that wait (~90 req/s whatever the work) rather than their own cost.

The addon scans flows in a worker process at idle priority, so a burst is served first and scanned
in the idle time after it. After each addon round the bench waits until every flow of it has its
event and prints that drain (seconds from the last response to the last event written) and the ratio
counting it, requests / (burst + drain) against plain; then the CPU per request of each mitmdump and
of the scan worker, and at the end whether every request got exactly one flow event.

First it prints what the recognisers cost in this process (CPU time, best of 5, no proxy): the
request, each answer, and a 100 KB product list (ids, prices, 13-digit timestamps, image URLs: the
values that look like personal data but are not, which the gates must reject cheaply).

    .venv/bin/python bench/proxy.py [--seconds 8] [--threads 4]   # --threads 32: the proxy saturated
    .venv/bin/python bench/proxy.py --normal-priority   # the scan worker competing with the proxy

Not part of `make test` (timings are not assertions).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.pi_scan import products
from harness.capture.addon import ScanInput, scan
from harness.capture.proxy import ADDON_PATH, ensure_ca, mitmdump_argv

ROUNDS = 3
REQUEST_BODY = json.dumps({"phone": "13812345678", "lat": 31.228474, "lng": 121.478224, "page": "stores"}).encode()


def scan_costs(sizes: dict[str, bytes | list[bytes]]) -> None:
    """CPU ms per scan by the addon's scan(): the recognisers alone, without mitmproxy. A size of
    several answers is scanned once each (what the scanner remembers of one cannot serve another)."""
    canaries = {"phone": "13812345678"}
    bodies = {**sizes, "100k-products": products(100 * 1024)}
    request = ({"content-type": "application/json"}, REQUEST_BODY, "application/json")
    for name, body in {"request": b"", **bodies}.items():
        answers = body if isinstance(body, list) else [body]
        found = [ScanInput("http://127.0.0.1:8080/api/x", request,
                           ({"content-type": "application/json"}, a, "application/json") if a else None, [])
                 for a in answers]
        runs = len(found) if len(found) > 1 else max(3, min(200, 2_000_000 // max(1, len(answers[0]))))
        best = min(_cpu(found, canaries, runs) for _ in range(1 if len(found) > 1 else 5))
        size = len(REQUEST_BODY) + len(answers[0])
        print(f"scan {name:>14}: {best * 1e3:7.2f} ms CPU for {size:>6} B ({best / size * 1e6:.3f} µs/B), "
              f"{len(scan(found[0], canaries))} matches")


def _cpu(found: list[ScanInput], canaries: dict[str, str], runs: int) -> float:
    start = time.process_time()
    for index in range(runs):
        scan(found[index % len(found)], canaries)
    return (time.process_time() - start) / runs


def body_of(size: int, seed: int | None = None) -> bytes:
    """A JSON answer of about ``size`` bytes: a list of stores with names and addresses. Without a seed
    one store is repeated (and every answer is the same: a page refreshed); with one, no two stores are
    alike and answers of different seeds share no store, so that nothing the scanner remembers from
    earlier objects or flows helps (the first sight of a list)."""
    rng = random.Random(seed)
    items, text = [], b"[]"
    while len(text) < size:
        if seed is None:
            items.append({"name": "鲜果坊 人民广场店", "address": "上海市黄浦区南京东路 100 号", "distance": 420})
        else:
            district, road = rng.choice(DISTRICTS), rng.choice(ROADS)
            number = rng.randrange(1, 2000)
            items.append({"name": f"鲜果坊 {road}{seed}-{len(items)}店", "address": f"上海市{district}{road} {number} 号",
                          "distance": rng.randrange(50, 20_000)})
        text = json.dumps({"stores": items}, ensure_ascii=False).encode()
    return text


DISTRICTS = ["黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "浦东新区", "闵行区", "宝山区"]
ROADS = ["南京东路", "淮海中路", "四川北路", "长寿路", "肇嘉浜路", "世纪大道", "延安西路", "曹杨路", "控江路", "龙华中路"]
VARIED = 256  # distinct answers the back end cycles through for a "new" size (~25 MB at 100 KB)


def start_backend(sizes: dict[str, bytes | list[bytes]]) -> ThreadingHTTPServer:
    turn, counter = threading.Lock(), itertools.count()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            body = sizes[self.path.rsplit("/", 1)[-1]]
            if isinstance(body, list):  # answers all different: the next one of the cycle
                with turn:
                    body = body[next(counter) % len(body)]
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 256  # 32 clients connecting at once overflowed the default backlog of 5 (502s)

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mitmdump(work: Path, name: str, addon: bool, idle: bool = True) -> tuple[subprocess.Popen, int]:
    """mitmdump as the harness starts it (harness.capture.proxy.Capture.argv), with or without the addon."""
    port = free_port()
    confdir = work / "conf"
    ensure_ca(confdir)
    argv = [*mitmdump_argv(), "--listen-host", "127.0.0.1", "--listen-port", str(port),
            "--set", f"confdir={confdir}", "--set", f"save_stream_file={work / name}.mitm",
            "--set", "flow_detail=0", "--set", "connection_strategy=lazy"]
    if addon:
        canaries = work / "canaries.json"
        canaries.write_text(json.dumps({"phone": "13812345678"}))
        argv += ["-s", str(ADDON_PATH), "--set", f"miniprobe_events={work / name}.jsonl",
                 "--set", f"miniprobe_canaries={canaries}", "--set", f"miniprobe_scan_idle={str(idle).lower()}"]
    with open(work / f"{name}.log", "wb") as log:  # mitmdump's log, e.g. the addon's backpressure line
        proc = subprocess.Popen(argv, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit(f"mitmdump ({name}) did not listen within 30 s")


def rate(proxy_port: int, url: str, seconds: float, threads: int) -> tuple[int, float]:
    """Requests sent and seconds taken by ``threads`` keep-alive clients for ``seconds``."""
    counts = [0] * threads
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        # http.client sends the request line, headers and body in one write; urllib3's ProxyManager sent
        # the body apart and every POST then waited ~40 ms (44 ms a request through plain mitmdump
        # against 1.7 ms), so both proxies measured that wait instead of their own cost
        proxy = http.client.HTTPConnection("127.0.0.1", proxy_port, timeout=30)
        while time.monotonic() < stop:
            proxy.request("POST", url, body=REQUEST_BODY, headers={"content-type": "application/json"})
            response = proxy.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status} through the proxy")
            counts[index] += 1
        proxy.close()

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    start = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts), time.monotonic() - start


class Events:
    """The addon's events file, counted as it grows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines = 0
        self._offset = 0

    def count(self) -> int:
        if self.path.exists():
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                chunk = f.read()
            self._offset += len(chunk)
            self.lines += chunk.count(b"\n")
        return self.lines

    def drain(self, expected: int) -> float:
        """Seconds until the addon has written an event for every flow sent to it (its scans wait for
        idle time in the worker); also keeps its backlog from taking CPU from the plain proxy's round."""
        start = time.monotonic()
        while time.monotonic() - start < 300:
            if self.count() >= expected:
                return time.monotonic() - start
            time.sleep(0.005)
        sys.exit(f"the addon wrote {self.lines} events for {expected} flows within 300 s")


def cpu_seconds(pid: int, children: bool) -> float:
    """CPU seconds (user + system) of a process, or of all its descendants (the addon's scan worker, and
    multiprocessing's resource tracker, which does next to nothing)."""
    pids = descendants(pid) if children else [pid]
    total = 0
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return [grand for child in found for grand in [child, *descendants(child)]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=9.0, help="per body and proxy, over the rounds")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--normal-priority", action="store_true", help="run the addon's scan worker at normal priority")
    args = parser.parse_args()
    sizes: dict[str, bytes | list[bytes]] = {
        "1k": body_of(1024), "100k": body_of(100 * 1024),
        "100k-new": [body_of(100 * 1024, seed) for seed in range(VARIED)]}
    print(f"load average {os.getloadavg()[0]:.1f} at the start")
    scan_costs(sizes)
    backend = start_backend(sizes)
    with tempfile.TemporaryDirectory(prefix="bench-proxy-") as tmp:
        work = Path(tmp)
        plain, plain_port = start_mitmdump(work, "plain", addon=False)
        probe, probe_port = start_mitmdump(work, "addon", addon=True, idle=not args.normal_priority)
        try:
            print(f"{'body':>6} {'plain req/s':>12} {'addon req/s':>12} {'ratio':>6} {'drain s':>8} "
                  f"{'with drain':>10}  (best of {ROUNDS} interleaved rounds each; per round: burst ratio/with drain)")
            events, sent = Events(work / "addon.jsonl"), 0
            for name in sizes:
                url = f"http://127.0.0.1:{backend.server_port}/api/{name}"
                rate(plain_port, url, 1, args.threads)  # warm up (the addon starts its scan worker)
                sent += rate(probe_port, url, 1, args.threads)[0]
                events.drain(sent)
                plain_rates, addon_rates, drained_rates, drains, rounds = [], [], [], [], []
                cpu = {"plain": 0.0, "addon": 0.0, "worker": 0.0}
                requests = {"plain": 0, "addon": 0}
                for _ in range(ROUNDS):  # interleaved, so that the machine's load hits both alike
                    before = cpu_seconds(plain.pid, False)
                    count, seconds = rate(plain_port, url, args.seconds / ROUNDS, args.threads)
                    cpu["plain"] += cpu_seconds(plain.pid, False) - before
                    requests["plain"] += count
                    plain_rates.append(count / seconds)
                    before_proxy, before_worker = cpu_seconds(probe.pid, False), cpu_seconds(probe.pid, True)
                    count, seconds = rate(probe_port, url, args.seconds / ROUNDS, args.threads)
                    sent += count
                    drained = events.drain(sent)  # from the last response to the last event written
                    cpu["addon"] += cpu_seconds(probe.pid, False) - before_proxy
                    cpu["worker"] += cpu_seconds(probe.pid, True) - before_worker
                    requests["addon"] += count
                    addon_rates.append(count / seconds)
                    drained_rates.append(count / (seconds + drained))
                    drains.append(drained)
                    rounds.append(f"{addon_rates[-1] / plain_rates[-1]:.2f}/{drained_rates[-1] / plain_rates[-1]:.2f}")
                p, a, d = max(plain_rates), max(addon_rates), max(drained_rates)
                print(f"{name:>6} {p:>12.0f} {a:>12.0f} {a / p:>6.2f} {min(drains):>8.2f} {d / p:>10.2f}  "
                      f"({' '.join(rounds)})")
                print(f"{'':>6} CPU ms per request: plain mitmdump {cpu['plain'] / requests['plain'] * 1e3:.2f}, "
                      f"addon mitmdump {cpu['addon'] / requests['addon'] * 1e3:.2f} + scan worker "
                      f"{cpu['worker'] / requests['addon'] * 1e3:.2f} ({cpu['worker']:.1f} s over the rounds)")
        finally:
            for proc in (plain, probe):
                proc.terminate()
                proc.wait(120)  # the addon scans what still waits before it closes its events file
        lines = (work / "addon.jsonl").read_text().splitlines()
        flows = {json.loads(line)["flow_id"] for line in lines}
        with_pi = sum(1 for line in lines if '"pi":[{' in line)
        lost = "nothing lost" if len(flows) == len(lines) == sent else "FLOWS LOST OR DOUBLED"
        print(f"addon: {sent} requests, {len(lines)} flow events of {len(flows)} flows ({lost}), "
              f"{with_pi} with personal-data matches")
        for line in (work / "addon.log").read_text(errors="replace").splitlines():
            if "miniprobe:" in line:  # backpressure (flows scanned in the proxy), a failed worker
                print(f"addon log: {line}")
    backend.shutdown()
    print(f"target: ratio >= 0.80; load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
