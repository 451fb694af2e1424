"""CPU per personal-data scan of one HTTP flow, by kind of body, with the scanner's shortcuts off and on.

The proxy pays this per flow (issue 8 item 3): the request (URL, headers, a small JSON body with a
phone number and a position) and the answer, scanned as the capture addon's scan() does, with one
seeded canary as in a session. Each kind is timed with harness.pi.scan.SCREEN off (every JSON body
walked value by value and every group's gates searched and recognised, as before the body screen,
the memory of group shapes and the batches of a list's items) and on, back to back, best of 5
rounds of CPU time (time.process_time), and the matches of the sides are compared (they must be
equal). "cold": the memory of group shapes
(harness.pi.core.SHAPES) is emptied before each flow, as for a flow unlike any before it; "warm": the
same flow again (after four scans of it), as bench/proxy.py sends it (a list's repeated objects are
remembered within one flow either way).

Kinds: the request alone; 1 KB and 100 KB store lists (names and addresses: personal data from the
first item on; bench/proxy.py's answer repeats one store, "distinct" has no two alike); a 100 KB
list of phone numbers (under "tel": the screen steps aside); a 1 KB and a 100 KB product list
without personal data (ids, prices, 13-digit timestamps, image URLs: the values that look like
personal data but are not); the same with the titles under "name" (a key that may hold a person's
name: the body screen steps aside and every product is walked, none alike); the 100 KB product list
with one phone number deep in it (walked, for the phone recogniser alone); the same with the list
written with escapes (ensure_ascii: the screen steps aside) and gzip-compressed.

    .venv/bin/python bench/pi_scan.py [--rounds 5]

Not part of `make test` (timings are not assertions).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.pi import scan as pi_scan
from harness.pi.core import SHAPES
from harness.pi.scan import dedupe, find_pi_in_http
from harness.timeline import PIMatch

URL = "http://127.0.0.1:8080/api/x?page=stores"
REQUEST_BODY = json.dumps({"phone": "13812345678", "lat": 31.228474, "lng": 121.478224, "page": "stores"}).encode()
HEADERS = {"content-type": "application/json", "user-agent": "bench/1.0"}
CANARIES = {"phone": "13812345678"}


def stores(size: int) -> bytes:
    """A JSON list of stores with names and addresses of about ``size`` bytes (bench/proxy.py's answer)."""
    item = {"name": "鲜果坊 人民广场店", "address": "上海市黄浦区南京东路 100 号", "distance": 420}
    items: list[object] = []
    text = b"[]"
    while len(text) < size:
        items.append(item)
        text = json.dumps({"stores": items}, ensure_ascii=False).encode()
    return text


def distinct_stores(size: int) -> bytes:
    """Like stores(), but no two stores alike (another name, address and distance each)."""
    items: list[object] = []
    text = b"[]"
    while len(text) < size:
        n = len(items) + 1
        items.append({"name": f"鲜果坊 {n}号店", "address": f"上海市黄浦区南京东路 {100 + n} 号",
                      "distance": 420 + n * 7})
        text = json.dumps({"stores": items}, ensure_ascii=False).encode()
    return text


def phones(size: int) -> bytes:
    """A JSON list of contacts (a phone number under "tel" each) of about ``size`` bytes."""
    items = [{"tel": f"139{n:08d}", "memo": "客服"} for n in range(size // 36)]
    return json.dumps({"list": items}, ensure_ascii=False).encode()


def products(size: int, extra: object = None, *, ensure_ascii: bool = False, title: str = "title") -> bytes:
    """A JSON product list of about ``size`` bytes without personal data (bench/proxy.py's too), and
    ``extra`` after its last item; ``title``: the key of each product's title."""
    items: list[object] = []
    text, n = b"", 0
    while len(text) < size:
        n += 1
        items.append({"id": 100000 + n, "skuId": str(381000000000 + n * 7919), title: f"新鲜水果礼盒 {n}号",
                      "price": round(9.9 + n % 50, 2), "createTime": 1732400000000 + n * 60013,
                      "imageUrl": f"https://img.example.cn/p/{n * 2654435761 % 16**8:08x}@2x.png",
                      "tags": ["新品", "包邮"], "stock": n % 1000})
        body = {"code": 0, "data": {"list": items + ([{"seller": {"service": [extra]}}] if extra else [])}}
        text = json.dumps(body, ensure_ascii=ensure_ascii).encode()
    return text


def kinds() -> dict[str, tuple[bytes, dict[str, str]]]:
    """Answer bodies (and their headers) by kind."""
    deep_phone = products(100 * 1024, {"hotline": "客服 13900001111"})
    return {
        "request only": (b"", {}),
        "1 KB stores": (stores(1024), {}),
        "100 KB stores": (stores(100 * 1024), {}),
        "100 KB stores, distinct": (distinct_stores(100 * 1024), {}),
        "100 KB phone list": (phones(100 * 1024), {}),
        "1 KB products": (products(1024), {}),
        "100 KB products": (products(100 * 1024), {}),
        "100 KB products, named": (products(100 * 1024, title="name"), {}),
        "100 KB products + 1 phone": (deep_phone, {}),
        "100 KB products, escaped": (products(100 * 1024, ensure_ascii=True), {}),
        "100 KB products, gzip": (gzip.compress(products(100 * 1024)), {"content-encoding": "gzip"}),
    }


def scan_flow(answer: bytes, answer_headers: dict[str, str]) -> list[PIMatch]:
    """What the capture addon's scan() does for one flow: the request, then the answer."""
    matches = find_pi_in_http(URL, HEADERS, REQUEST_BODY, "application/json", "request", CANARIES)
    if answer:
        headers = {"content-type": "application/json", **answer_headers}
        matches += find_pi_in_http("", headers, answer, "application/json", "response", CANARIES)
    return dedupe(matches)


def cpu(answer: bytes, headers: dict[str, str], runs: int, *, cold: bool = False) -> float:
    """CPU seconds per flow scan; ``cold``: nothing remembered of earlier flows' group shapes."""
    total = 0.0
    for _ in range(runs):
        if cold:
            SHAPES.clear()
        start = time.process_time()
        scan_flow(answer, headers)
        total += time.process_time() - start
    return total / runs


SIDES = {"screen off": (False, False), "cold": (True, True), "warm": (True, False)}  # (screen, cold)
WARM_UP = 4  # scans of a flow before it is timed warm: a walk stops remembering after 64 new groups in a row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; CPU ms per flow scan (request + answer), best of {args.rounds}")
    print(f"{'kind':<28}{'bytes':>8}{'screen off':>12}{'on, cold':>11}{'on, warm':>11}{'gain':>7}{'matches':>9}")
    for name, (answer, headers) in kinds().items():
        runs = max(3, min(300, 3_000_000 // max(1, len(answer) or 1000) // 10))
        best = dict.fromkeys(SIDES, float("inf"))
        found = {}
        for _ in range(args.rounds):
            for side, (screen, cold) in SIDES.items():
                pi_scan.SCREEN = screen
                SHAPES.clear()
                for _ in range(WARM_UP):
                    found[side] = scan_flow(answer, headers)
                best[side] = min(best[side], cpu(answer, headers, runs, cold=cold))
        pi_scan.SCREEN = True
        same = "" if found["screen off"] == found["cold"] == found["warm"] else "  MATCHES DIFFER"
        print(f"{name:<28}{len(answer):>8}{best['screen off'] * 1e3:>10.3f}ms{best['cold'] * 1e3:>9.3f}ms"
              f"{best['warm'] * 1e3:>9.3f}ms{best['screen off'] / best['cold']:>6.1f}x{len(found['cold']):>9}{same}")


if __name__ == "__main__":
    main()
