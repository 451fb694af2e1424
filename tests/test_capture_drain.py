"""Nothing is lost at the end of a session, for real: a burst of flows, small and large, through mitmdump,
whose scan worker runs at idle priority (the scans wait for idle time). Once the capture stops (mitmdump's
done) or switches the device's mitmdump to the next session, every request has exactly one flow event,
with the matches a scan of the flow as recorded in flows.mitm gives."""

import http.client
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.capture.addon import flow_event
from harness.capture.proxy import Capture, DeviceProxy, read_flows
from harness.timeline import Flow, Recorder, iter_events
from sim.backend import FixtureBackend

pytestmark = pytest.mark.e2e

HOST = "api.storefinder.example"
PHONE = "13800138000"
CANARIES = {"phoneNumber": PHONE}
CLIENTS, PER_CLIENT = 4, 12


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    app = tmp_path_factory.mktemp("app")
    (app / "sim.json").write_text(json.dumps({"hosts": [HOST]}))
    (app / "mock" / "api").mkdir(parents=True)
    store = {"name": "鲜果坊 人民广场店", "tel": "13912345678", "address": "上海市黄浦区南京东路 100 号"}
    for name, count in (("small", 8), ("large", 1000)):  # ~1 KB and ~100 KB answers
        (app / "mock" / "api" / f"{name}.json").write_text(json.dumps({"stores": [store] * count}, ensure_ascii=False))
    with FixtureBackend([app], cert_cache=tmp_path_factory.mktemp("certs")) as fixture:
        yield fixture.ports


def burst(port: int) -> int:
    """CLIENTS keep-alive clients each sending PER_CLIENT requests, small and large answers alternating."""
    sent = [0] * CLIENTS

    def client(index: int) -> None:
        proxy = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for n in range(PER_CLIENT):
            body = json.dumps({"user": {"mobile": PHONE}, "n": n}).encode()
            proxy.request("POST", f"http://{HOST}/api/{'large' if n % 2 else 'small'}?c={index}", body=body,
                          headers={"content-type": "application/json"})
            answer = proxy.getresponse()
            answer.read()
            assert answer.status == 200
            sent[index] += 1
        proxy.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(sent)


def assert_complete(folder: Path, sent: int, canaries: dict[str, str]) -> None:
    events = [e for e in iter_events(folder / "events.jsonl") if isinstance(e, Flow)]
    assert len(events) == sent == len({e.flow_id for e in events})
    flows = {f.id: f for f in read_flows(folder / "flows.mitm")}
    assert set(flows) == {e.flow_id for e in events}
    for event in events:
        assert event.error is None and event.pi == flow_event(flows[event.flow_id], canaries).pi
        assert {"body.json:$.user.mobile"} <= {m.location for m in event.pi}
        assert any(m.canary == next(iter(canaries)) for m in event.pi)  # its own session's canaries
        assert any(m.location.startswith("response.") for m in event.pi)


def run_session(folder: Path, backend: tuple[int, int], proxy: DeviceProxy | None,
                canaries: dict[str, str] = CANARIES) -> None:
    folder.mkdir()
    recorder = Recorder(folder / "events.jsonl")
    capture = Capture(folder, recorder, routes={HOST: backend}, block_unrouted=True, canaries=canaries,
                      device_proxy=proxy)
    port = capture.start()
    sent = burst(port)
    capture.stop()  # its own mitmdump: SIGTERM, done(); the device's: switched off this session's files
    recorder.close()
    assert capture.exit_reason() is None and capture.recorded == sent
    assert_complete(folder, sent, canaries)


def test_a_burst_is_complete_when_the_capture_stops(tmp_path: Path, backend: tuple[int, int]) -> None:
    run_session(tmp_path / "own", backend, None)


def test_a_burst_is_complete_when_the_device_proxy_switches(tmp_path: Path, backend: tuple[int, int]) -> None:
    proxy = DeviceProxy(tmp_path / "mitmdump.log", CANARIES)
    proxy.start()
    try:
        run_session(tmp_path / "one", backend, proxy)
        # the switch that closes a session's files also replaces its canaries, before the waiting flows are
        # scanned: they keep their own session's
        run_session(tmp_path / "two", backend, proxy, {"scenario.phone": PHONE})
    finally:
        proxy.stop()
