"""Analysis cost against parse cost, on a synthetic long session of 10k, 100k and 1M events.

The generator is seeded (same bytes every run) and writes what a nightly session records: one
scenario cycle after another — a tap with its screenshot and UI dump, route/show lifecycle events,
wx.* calls with arguments, results and Java stacks (request bodies carrying phone numbers and
positions, storage, location, system info), the proxy's flows of those requests with PI matches
(1 event in 10 is a flow: 100,000 flows at 1M), storage writes, and now and then a scope popup, the
consent, a developer dialog, a refusal. Screenshots are referenced by path (not written).

For each size it times, each in a fresh child process (peak RSS from resource.getrusage there), parse and
analyse back to back, ``--repeat`` times (best time of each side, highest RSS; the machine is shared):
  parse:   read events.jsonl and parse every line to plain dicts and lists, with each JSON parser we ship
           (orjson.loads; msgspec.json.Decoder().decode); the faster one is the baseline;
  analyse: harness.analysis.findings_of(session) — load the Timeline and run every probe (replay).
Target at 1M: analyse/parse <= 3, peak RSS < 1 GB, and time per event near constant 10k -> 1M.

    .venv/bin/python bench/analysis.py [--sizes 10000 100000 1000000] [--repeat 3] [--keep DIR]

Not part of `make test` (timings are not assertions).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

APPID = "wx5e1c7a93d2b04f68"
HOSTS = ["api.freshfruit.example", "img.freshfruit.example", "log.analytics.example", "servicewechat.com"]
PAGES = ["pages/index/index", "pages/stores/stores", "pages/order/order", "pages/me/me"]
TAPS = ["附近门店", "下单", "我的订单", "领取优惠券", "会员中心", "绑定手机号"]
STACK = [
    "com.tencent.mm.appbrand.commonjni.AppBrandCommonBindingJni.nativeInvokeHandler(Native Method)",
    "com.tencent.mm.appbrand.jsapi.JsApiDispatcher.dispatch(JsApiDispatcher.java:212)",
    "com.tencent.mm.appbrand.jsapi.AppBrandJsBridge.invoke(AppBrandJsBridge.java:88)",
    "miniprobe.sim.host.Bridge.call(Bridge.java:141)",
]
NS_PER_MS = 1_000_000


class Generator:
    """A seeded session writer: ``events(n)`` yields exactly ``n`` event dicts in recording order."""

    def __init__(self, seed: int = 8) -> None:
        self.rng = random.Random(seed)
        self.seq = 0
        self.t = 12_430_974_819_555
        self.callback = 0
        self.step = 0

    def _base(self, kind: str, source: str, gap_ms: float = 20.0) -> dict[str, Any]:
        self.t += int(self.rng.uniform(0.2, 2.0) * gap_ms * NS_PER_MS)
        secs = self.t / 1e9
        event: dict[str, Any] = {
            "seq": self.seq,
            "t": self.t,
            "wall": f"2026-11-24T{int(secs // 3600) % 24:02d}:{int(secs // 60) % 60:02d}:{secs % 60:09.6f}Z",
            "source": source,
            "kind": kind,
        }
        if source == "frida":
            event["device_t"] = self.t
        self.seq += 1
        return event

    def _phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"

    def _api(self, api: str, args: Any, result: Any, ok: bool = True, errno: int | None = None) -> dict[str, Any]:
        self.callback += 1
        event = self._base("api_call", "frida") | {
            "api": api, "args": args, "callback_id": self.callback, "is_sync": api.endswith("Sync"),
            "result": result, "ok": ok, "process": "simhost:13776", "stack": STACK,
        }
        event["t_result"] = event["t"] + self.rng.randrange(1, 40) * NS_PER_MS
        if errno is not None:
            event["errno"] = errno
            event["err_msg"] = f"{api}:fail privacy permission is not authorized"
        if api in ("getLocation", "getPhoneNumber"):
            event["category"] = "位置信息" if api == "getLocation" else "手机号"
        return event

    def _flow(self, url: str, host: str, lat: float, lng: float, phone: str) -> dict[str, Any]:
        pi = []
        if self.rng.random() < 0.6:
            pi.append({"type": "location", "location": "body.json:$.lat", "masked": f"{lat:.1f}**,{lng:.1f}**"})
        if self.rng.random() < 0.3:
            pi.append({"type": "phone", "location": "body.json:$.phone", "masked": phone[:3] + "****" + phone[-4:]})
        if self.rng.random() < 0.5:
            pi.append({"type": "device_info", "location": "header:user-agent", "masked": "Xiaomi 2211133C",
                       "confidence": "medium"})
        return self._base("flow", "proxy") | {
            "flow_id": str(uuid.UUID(int=self.rng.getrandbits(128))), "url": url, "scheme": "https", "host": host,
            "port": 443, "method": "POST", "status": 200, "request_size": self.rng.randrange(200, 4000),
            "response_size": self.rng.randrange(100, 100_000), "tls_version": "TLSv1.3", "websocket": False,
            "appid": APPID, "pi": pi,
        }

    def _cycle(self) -> Iterator[dict[str, Any]]:
        """One scenario step and what it makes the program do (about 12 events)."""
        rng = self.rng
        page = rng.choice(PAGES)
        target = rng.choice(TAPS)
        shot = f"screens/{self.step:06d}-step.png"
        self.step += 1
        yield self._base("step", "scenario", 400) | {
            "index": self.step, "action": "tap", "target": target, "result": "ok", "screenshot": shot,
            "ui": f"ui/{self.step:06d}-step.html"}
        yield self._base("lifecycle", "frida") | {"event": "route", "page": page}
        yield self._base("ui_snapshot", "driver") | {"screenshot": shot, "texts": [target, "鲜果坊", page]}
        lat, lng = 31.2 + rng.random() / 10, 121.4 + rng.random() / 10
        phone = self._phone()
        yield self._api("getStorageSync", {"key": "token"}, {"data": uuid.UUID(int=rng.getrandbits(128)).hex})
        if rng.random() < 0.3:
            yield self._api("getLocation", {"type": "gcj02"}, {"latitude": lat, "longitude": lng, "accuracy": 30})
        yield self._api("getSystemInfoSync", {}, {"brand": "Xiaomi", "model": "2211133C", "system": "Android 14"})
        for _ in range(rng.choice((1, 1, 2))):
            host = rng.choice(HOSTS)
            url = f"https://{host}/api/{rng.choice(('collect', 'stores', 'order', 'coupon'))}/{rng.randrange(10**6)}"
            body = {"ts": self.t // NS_PER_MS, "lat": lat, "lng": lng, "phone": phone, "page": page}
            yield self._api("request", {"url": url, "method": "POST", "data": body},
                            {"statusCode": 200, "data": {"ok": True, "items": list(range(rng.randrange(1, 8)))}})
            yield self._flow(url, host, lat, lng, phone)
        yield self._api("setStorageSync", {"key": "last_page", "data": page}, {"errMsg": "setStorageSync:ok"})
        yield self._base("storage_write", "frida") | {"key": "last_page", "value_class": "string", "pi": [],
                                                      "api_seq": self.seq - 1}
        yield self._base("lifecycle", "frida") | {"event": "show", "page": page}
        roll = rng.random()
        if roll < 0.02:
            yield from self._scope_popup()
        elif roll < 0.03:
            yield self._api("getLocation", {"type": "gcj02"}, None, ok=False, errno=104)

    def _scope_popup(self) -> Iterator[dict[str, Any]]:
        prompt = self._base("prompt", "driver") | {
            "prompt_kind": "scope", "title": "鲜果坊门店 申请", "texts": ["获取你的位置信息", "用于为你推荐附近门店"],
            "buttons": [{"text": "拒绝", "role": "reject"}, {"text": "允许", "role": "agree"}],
            "scope": "scope.userLocation", "screenshot": f"screens/{self.step:06d}-prompt.png"}
        yield prompt
        action = "agree" if self.rng.random() < 0.8 else "refuse"
        yield self._base("consent", "driver") | {"action": action, "subject": "scope.userLocation",
                                                 "how": "tap:允许" if action == "agree" else "tap:拒绝",
                                                 "prompt_seq": prompt["seq"]}

    def events(self, n: int) -> Iterator[dict[str, Any]]:
        yield self._base("session_start", "harness") | {
            "schema_version": 1, "session_id": "bench", "device": "sim", "device_kind": "sim",
            "appid": APPID, "scenario": "nightly", "tool_version": "bench"}
        yield self._base("prompt", "driver") | {
            "prompt_kind": "privacy_popup", "title": "用户隐私保护提示", "texts": ["《鲜果坊隐私保护指引》"],
            "buttons": [{"text": "拒绝", "role": "reject"}, {"text": "同意", "role": "agree"}],
            "mentions_privacy": True}
        yield self._base("consent", "driver") | {"action": "agree", "subject": "privacy", "how": "tap:同意",
                                                 "prompt_seq": 1}
        made = 3
        while made < n - 1:
            for event in self._cycle():
                if made == n - 1:
                    break
                yield event
                made += 1
        yield self._base("session_end", "harness") | {"outcome": "ok"}


def write_session(session: Path, n: int) -> int:
    """Write ``n`` events as session/events.jsonl; return its size in bytes."""
    session.mkdir(parents=True, exist_ok=True)
    path = session / "events.jsonl"
    with open(path, "wb", buffering=1 << 20) as f:
        f.writelines(orjson.dumps(event) + b"\n" for event in Generator().events(n))
    return path.stat().st_size


PARSERS = ("orjson", "msgspec")


def child_parse(session: Path, parser: str) -> int:
    """What `parse` times: every line through one parser to plain Python values (kept only as long as
    the line)."""
    import msgspec

    loads = orjson.loads if parser == "orjson" else msgspec.json.Decoder().decode
    count = 0
    with open(session / "events.jsonl", "rb") as f:
        for line in f:
            loads(line)
            count += 1
    return count


def child_analyse(session: Path) -> int:
    from harness.analysis import findings_of

    return len(json.loads(findings_of(session)))


def run_child(what: str, session: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS MiB, result) of one measurement in a fresh interpreter."""
    proc = subprocess.run([sys.executable, __file__, "--child", what, str(session)],
                          check=True, capture_output=True, text=True)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return out["seconds"], out["rss_mib"], out["result"]


def child_main(what: str, session: Path) -> None:
    if what == "analyse":
        import harness.analysis  # noqa: F401  (imports are not analysis time)
        import probes

        probes.load_probes()
    start = time.perf_counter()
    result = child_analyse(session) if what == "analyse" else child_parse(session, what.removeprefix("parse-"))
    seconds = time.perf_counter() - start
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(json.dumps({"seconds": seconds, "rss_mib": rss_mib, "result": result}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side, back to back; the best time is kept")
    parser.add_argument("--keep", type=Path, help="write the sessions here (and reuse them) instead of a temp dir")
    parser.add_argument("--child", nargs=2, metavar=("WHAT", "SESSION"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child[0], Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory(prefix="bench-analysis-") as tmp:
        root = args.keep or Path(tmp)
        print(f"{'events':>9} {'MB':>6} {'orjson s':>8} {'msgspec s':>9} {'analyse s':>9} {'ratio':>6} "
              f"{'µs/event':>8} {'RSS parse':>9} {'RSS analyse':>11} {'findings':>8}")
        for n in args.sizes:
            session = root / f"session-{n}"
            if not (session / "events.jsonl").is_file():
                write_session(session, n)
            size = (session / "events.jsonl").stat().st_size / 1e6
            runs = [[run_child(what, session) for what in (*(f"parse-{p}" for p in PARSERS), "analyse")]
                    for _ in range(args.repeat)]
            parse_s = [min(run[i][0] for run in runs) for i in range(len(PARSERS))]
            parse_rss = max(run[i][1] for run in runs for i in range(len(PARSERS)))
            analyse_s, analyse_rss = min(run[-1][0] for run in runs), max(run[-1][1] for run in runs)
            findings = runs[0][-1][2]
            print(f"{n:>9} {size:>6.0f} {parse_s[0]:>8.2f} {parse_s[1]:>9.2f} {analyse_s:>9.2f} "
                  f"{analyse_s / min(parse_s):>6.2f} {analyse_s / n * 1e6:>8.1f} {parse_rss:>8.0f}M "
                  f"{analyse_rss:>10.0f}M {findings:>8}")
    print("ratio: analyse against the faster parse. target at 1M: ratio <= 3, analyse RSS < 1024M, "
          "µs/event near constant")


if __name__ == "__main__":
    main()
