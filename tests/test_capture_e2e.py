"""The capture seam for real: mitmdump (a child process, with the addon) in front of the fixture back end.

Clients send through the proxy, over HTTP and over HTTPS via CONNECT while trusting mitmproxy's CA, to
a routed host that does not exist anywhere (api.storefinder.example) and to one that is not routed.
"""

import json
import os
import signal
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.capture.proxy import EVENTS_FILE, Capture, read_flows
from harness.timeline import Flow, Recorder, iter_events
from sim.backend import FixtureBackend

pytestmark = pytest.mark.e2e

HOST = "api.storefinder.example"
APPID = "wx5e1c7a93d2b04f68"
REFERER = f"https://servicewechat.com/{APPID}/0/page-frame.html"
PHONE = "13800138000"
RAW_VALUES = (PHONE, "31.230416", "121.473701")


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    app = tmp_path_factory.mktemp("app")
    (app / "sim.json").write_text(json.dumps({"hosts": [HOST]}))
    (app / "mock" / "api").mkdir(parents=True)
    stores = {"stores": [{"id": 1, "name": "人民广场店"}]}
    (app / "mock" / "api" / "stores.json").write_text(json.dumps(stores))
    with FixtureBackend([app], cert_cache=tmp_path_factory.mktemp("certs")) as fixture:
        assert fixture.ports
        yield fixture.ports


def opener(capture: Capture) -> urllib.request.OpenerDirector:
    proxy = f"http://127.0.0.1:{capture.port}"
    context = ssl.create_default_context(cafile=str(capture.ca_cert_pem))  # verifies the name too
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": proxy, "https": proxy}),
        urllib.request.HTTPSHandler(context=context),
    )


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_flows_reach_the_timeline_masked_with_the_original_host(
    tmp_path: Path, backend: tuple[int, int]
) -> None:
    recorder = Recorder(tmp_path / "events.jsonl")
    capture = Capture(tmp_path, recorder, routes={HOST: backend}, block_unrouted=True,
                      canaries={"phoneNumber": PHONE})
    before = time.monotonic_ns()
    port = capture.start()
    assert port == capture.port and capture.alive and capture.ca_cert_pem.exists()
    client = opener(capture)
    try:
        request = urllib.request.Request(
            f"https://{HOST}/api/stores?lat=31.230416&lng=121.473701",
            data=json.dumps({"user": {"phone": PHONE}}).encode(),
            headers={"Referer": REFERER, "Content-Type": "application/json"},
        )
        with client.open(request, timeout=10) as response:
            assert json.loads(response.read()) == {"stores": [{"id": 1, "name": "人民广场店"}]}
        with client.open(f"http://{HOST}/api/unknown?mobile={PHONE}", timeout=10) as response:
            assert json.loads(response.read()) == {"ok": True}
        for scheme in ("http", "https"):
            with pytest.raises(urllib.error.HTTPError) as blocked:
                client.open(f"{scheme}://tracker.example/collect?phone={PHONE}", timeout=10)
            assert blocked.value.code == 502
            assert blocked.value.read() == b"blocked by miniprobe sim: no network"
        wait_for(lambda: capture.recorded == 4)  # recorded while the session runs, not only at the end
    finally:
        capture.stop()
        recorder.close()
    assert capture.exit_reason() is None and not capture.alive and capture.rejected == []

    flows = [e for e in iter_events(tmp_path / "events.jsonl") if isinstance(e, Flow)]
    assert [(f.scheme, f.host, f.port, f.status) for f in flows] == [
        ("https", HOST, 443, 200),
        ("http", HOST, 80, 200),
        ("http", "tracker.example", 80, 502),
        ("https", "tracker.example", 443, 502),
    ]
    stores, unknown, blocked_http, blocked_https = flows
    assert stores.method == "POST" and stores.appid == APPID
    assert stores.tls_version is not None and stores.tls_version.startswith("TLS")
    assert stores.url == f"https://{HOST}/api/stores?lat=31.2***&lng=121.4***"
    assert before < stores.t < time.monotonic_ns() and stores.source == "proxy" and stores.seq == 0
    assert {(m.type, m.location, m.masked, m.confidence, m.canary) for m in stores.pi} == {
        ("location", "url.query:lat+lng", "31.2***, 121.4*** (precise)", "high", None),
        ("phone", "body.json:$.user.phone", "138****8000", "high", "phoneNumber"),
    }
    assert unknown.tls_version is None and [m.location for m in unknown.pi] == ["url.query:mobile"]
    assert blocked_http.error == blocked_https.error == "blocked by miniprobe sim: no network"
    assert [m.masked for m in blocked_https.pi] == ["138****8000"]  # what the app tried to send is evidence
    for name in ("events.jsonl", EVENTS_FILE):
        text = (tmp_path / name).read_text()
        assert not any(raw in text for raw in RAW_VALUES), name

    recorded = list(read_flows(tmp_path / "flows.mitm"))
    assert [f.id for f in recorded] == [f.flow_id for f in flows]
    assert recorded[0].request.pretty_url.startswith(f"https://{HOST}/api/stores")  # evidence keeps raw data
    assert recorded[0].server_conn.address == (HOST, 443)
    assert recorded[0].server_conn.peername[0] == "127.0.0.1"


def test_killing_mitmdump_mid_session_keeps_what_was_recorded(
    tmp_path: Path, backend: tuple[int, int]
) -> None:
    recorder = Recorder(tmp_path / "events.jsonl")
    capture = Capture(tmp_path, recorder, routes={HOST: backend}, block_unrouted=True)
    capture.start()
    client = opener(capture)
    try:
        with client.open(f"https://{HOST}/api/stores", timeout=10) as response:
            response.read()
        wait_for(lambda: capture.recorded == 1)
        assert capture.process is not None
        os.kill(capture.process.pid, signal.SIGKILL)
        wait_for(lambda: not capture.alive)
        reason = capture.exit_reason()
        assert reason is not None and "mitmdump" in reason and "signal 9" in reason
        with pytest.raises(OSError):
            client.open(f"https://{HOST}/api/stores", timeout=5)
    finally:
        capture.stop()
        recorder.record(Flow(source="proxy", flow_id="after", url="x", scheme="http", host="h", method="GET"))
        recorder.close()
    events = list(iter_events(tmp_path / "events.jsonl"))
    assert [e.flow_id for e in events if isinstance(e, Flow)][1:] == ["after"]
    assert list(read_flows(tmp_path / "flows.mitm")) is not None  # a torn or empty file reads, never raises


def test_a_failed_start_says_why(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        recorder = Recorder(tmp_path / "events.jsonl")
        capture = Capture(tmp_path, recorder, listen_port=taken.getsockname()[1], start_timeout=20)
        with pytest.raises(RuntimeError, match="mitmproxy \\(capture\\) failed to start") as failed:
            capture.start()
        assert "address already in use" in str(failed.value).lower()
        capture.stop()
        recorder.close()
