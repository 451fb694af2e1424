"""Requests per second through mitmproxy with the miniprobe addon (recognisers on) against plain mitmproxy.

One local back end (a threaded HTTP server answering JSON of the chosen size), two mitmdump
processes started alike (same confdir, flow file and log detail), one of them with the addon writing
flow events with personal-data matches (a canaries file is given, as in a session). A client posts a
small JSON body with a phone number and a position (what the recognisers look for) over keep-alive
connections from a few threads for a fixed time, through each proxy in turn, for 1 KB and 100 KB
response bodies. Ratio = addon req/s / plain req/s; target >= 0.8. The back end sends with
TCP_NODELAY: without it every answer waited ~40 ms for a delayed ACK, and both proxies measured
that wait (~90 req/s whatever the work) rather than their own cost.

First it prints what the recognisers cost in this process (CPU time, best of 5, no proxy): the
request, each answer, and a 100 KB product list (ids, prices, 13-digit timestamps, image URLs: the
values that look like personal data but are not, which the gates must reject cheaply).

    .venv/bin/python bench/proxy.py [--seconds 8] [--threads 4]   # --threads 32: the proxy saturated

Not part of `make test` (timings are not assertions).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
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

from harness.capture.addon import ScanInput, scan
from harness.capture.proxy import ADDON_PATH, ensure_ca, mitmdump_argv

ROUNDS = 3
REQUEST_BODY = json.dumps({"phone": "13812345678", "lat": 31.228474, "lng": 121.478224, "page": "stores"}).encode()


def products_of(size: int) -> bytes:
    """A JSON product list of about ``size`` bytes, without personal data (what most answers are)."""
    items, text, n = [], b"", 0
    while len(text) < size:
        n += 1
        items.append({"id": 100000 + n, "skuId": str(381000000000 + n * 7919), "title": f"新鲜水果礼盒 {n}号",
                      "price": round(9.9 + n % 50, 2), "createTime": 1732400000000 + n * 60013,
                      "imageUrl": f"https://img.example.cn/p/{n * 2654435761 % 16**8:08x}@2x.png",
                      "tags": ["新品", "包邮"], "stock": n % 1000})
        text = json.dumps({"code": 0, "data": {"list": items}}, ensure_ascii=False).encode()
    return text


def scan_costs(sizes: dict[str, bytes]) -> None:
    """CPU ms per scan by the addon's scan(): the recognisers alone, without mitmproxy."""
    canaries = {"phone": "13812345678"}
    bodies = {**sizes, "100k-products": products_of(100 * 1024)}
    request = ({"content-type": "application/json"}, REQUEST_BODY, "application/json")
    for name, body in {"request": b"", **bodies}.items():
        answer = ({"content-type": "application/json"}, body, "application/json") if body else None
        found = ScanInput("http://127.0.0.1:8080/api/x", request, answer, [])
        runs = max(3, min(200, 2_000_000 // max(1, len(body))))
        best = min(_cpu(found, canaries, runs) for _ in range(5))
        size = len(REQUEST_BODY) + len(body)
        print(f"scan {name:>14}: {best * 1e3:7.2f} ms CPU for {size:>6} B ({best / size * 1e6:.3f} µs/B), "
              f"{len(scan(found, canaries))} matches")


def _cpu(found: ScanInput, canaries: dict[str, str], runs: int) -> float:
    start = time.process_time()
    for _ in range(runs):
        scan(found, canaries)
    return (time.process_time() - start) / runs


def body_of(size: int) -> bytes:
    """A JSON answer of about ``size`` bytes: a list of stores with names and addresses."""
    item = {"name": "鲜果坊 人民广场店", "address": "上海市黄浦区南京东路 100 号", "distance": 420}
    items, text = [], b"[]"
    while len(text) < size:
        items.append(item)
        text = json.dumps({"stores": items}, ensure_ascii=False).encode()
    return text


def start_backend(sizes: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            body = sizes[self.path.rsplit("/", 1)[-1]]
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


def start_mitmdump(work: Path, name: str, addon: bool) -> tuple[subprocess.Popen, int]:
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
                 "--set", f"miniprobe_canaries={canaries}"]
    proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
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


def drain(events: Path, expected: int) -> None:
    """Wait until the addon has written an event for every flow sent to it: its scans still queued in
    the worker would otherwise take CPU from the plain proxy's next round."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if events.exists() and events.read_bytes().count(b"\n") >= expected:
            return
        time.sleep(0.05)
    sys.exit(f"the addon wrote fewer than {expected} events within 120 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=9.0, help="per body and proxy, over the rounds")
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    sizes = {"1k": body_of(1024), "100k": body_of(100 * 1024)}
    print(f"load average {os.getloadavg()[0]:.1f} at the start")
    scan_costs(sizes)
    backend = start_backend(sizes)
    with tempfile.TemporaryDirectory(prefix="bench-proxy-") as tmp:
        work = Path(tmp)
        plain, plain_port = start_mitmdump(work, "plain", addon=False)
        probe, probe_port = start_mitmdump(work, "addon", addon=True)
        try:
            print(f"{'body':>6} {'plain req/s':>12} {'addon req/s':>12} {'ratio':>6}  (best of {ROUNDS} "
                  f"interleaved rounds each; ratios per round)")
            sent = 0
            for name in sizes:
                url = f"http://127.0.0.1:{backend.server_port}/api/{name}"
                rate(plain_port, url, 1, args.threads)  # warm up (the addon starts its scan worker)
                sent += rate(probe_port, url, 1, args.threads)[0]
                drain(work / "addon.jsonl", sent)
                plain_rates, addon_rates = [], []
                for _ in range(ROUNDS):  # interleaved, so that the machine's load hits both alike
                    count, seconds = rate(plain_port, url, args.seconds / ROUNDS, args.threads)
                    plain_rates.append(count / seconds)
                    count, seconds = rate(probe_port, url, args.seconds / ROUNDS, args.threads)
                    addon_rates.append(count / seconds)
                    sent += count
                    drain(work / "addon.jsonl", sent)
                p, a = max(plain_rates), max(addon_rates)
                rounds = " ".join(f"{x / y:.2f}" for x, y in zip(addon_rates, plain_rates))
                print(f"{name:>6} {p:>12.0f} {a:>12.0f} {a / p:>6.2f}  ({rounds})")
        finally:
            for proc in (plain, probe):
                proc.terminate()
                proc.wait(120)  # the addon finishes the scans still queued
        events = (work / "addon.jsonl").read_text().splitlines()
        with_pi = sum(1 for line in events if '"pi":[{' in line)
        print(f"addon recorded {len(events)} flow events, {with_pi} with personal-data matches")
    backend.shutdown()
    print(f"target: ratio >= 0.80; load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
