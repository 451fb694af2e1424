"""One mitmdump for all of a device's sessions (DeviceProxy), for real: each session's Capture switches it
to its own files and routes; what one session sent never lands in another's timeline or flows.mitm,
and between sessions nothing is recorded and every host is blocked."""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.capture.proxy import Capture, DeviceProxy, read_flows
from harness.timeline import Flow, Recorder, iter_events
from sim.backend import FixtureBackend

pytestmark = pytest.mark.e2e

HOST = "api.storefinder.example"
PHONE = "13800138000"


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    app = tmp_path_factory.mktemp("app")
    (app / "sim.json").write_text(json.dumps({"hosts": [HOST]}))
    (app / "mock" / "api").mkdir(parents=True)
    (app / "mock" / "api" / "stores.json").write_text(json.dumps({"stores": [{"id": 1}]}))
    with FixtureBackend([app], cert_cache=tmp_path_factory.mktemp("certs")) as fixture:
        yield fixture.ports


def get(port: int, url: str) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"}))
    try:
        with opener.open(url, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def session(folder: Path, proxy: DeviceProxy, backend: tuple[int, int], path: str,
            canaries: dict[str, str] | None = None) -> list[Flow]:
    """One session through the device's proxy: start, one request, stop; its recorded flows."""
    folder.mkdir()
    recorder = Recorder(folder / "events.jsonl")
    capture = Capture(folder, recorder, routes={HOST: backend}, block_unrouted=True, canaries=canaries,
                      device_proxy=proxy)
    assert capture.start() == proxy.port and capture.alive
    assert get(proxy.port, f"http://{HOST}{path}?phone={PHONE}") == 200
    capture.stop()
    recorder.close()
    assert capture.exit_reason() is None and capture.recorded == 1
    return [e for e in iter_events(folder / "events.jsonl") if isinstance(e, Flow)]


def test_sessions_switch_one_mitmdump_between_their_files(tmp_path: Path, backend: tuple[int, int]) -> None:
    proxy = DeviceProxy(tmp_path / "mitmdump.log", {"phoneNumber": PHONE})
    proxy.start()
    try:
        first = session(tmp_path / "one", proxy, backend, "/api/stores")
        assert get(proxy.port, f"http://{HOST}/between") == 502  # no session: blocked, recorded nowhere
        pid = proxy.process.pid if proxy.process else None
        second = session(tmp_path / "two", proxy, backend, "/api/stores?second=1")
        own = session(tmp_path / "three", proxy, backend, "/api/stores?third=1", {"scenario.phone": PHONE})
        assert proxy.process is not None and proxy.process.pid == pid  # the same process served both
    finally:
        proxy.stop()
    assert [f.url.split("?")[0] for f in first] == [f"http://{HOST}/api/stores"]
    assert "second" in second[0].url and len(second) == 1
    assert first[0].pi and first[0].pi[0].canary == "phoneNumber"  # the device's canaries apply to each session
    assert second[0].pi and second[0].pi[0].canary == "phoneNumber"
    assert own[0].pi and own[0].pi[0].canary == "scenario.phone"  # a session's own profile (S10) switches them
    for folder, flow in ((tmp_path / "one", first[0]), (tmp_path / "two", second[0])):
        assert [f.id for f in read_flows(folder / "flows.mitm")] == [flow.flow_id]


def test_a_dead_device_proxy_is_the_session_s_exit_reason(tmp_path: Path, backend: tuple[int, int]) -> None:
    proxy = DeviceProxy(tmp_path / "mitmdump.log")
    proxy.start()
    recorder = Recorder(tmp_path / "events.jsonl")
    capture = Capture(tmp_path, recorder, routes={HOST: backend}, block_unrouted=True, device_proxy=proxy)
    capture.start()
    assert proxy.process is not None
    proxy.process.proc.kill()  # type: ignore[union-attr]
    proxy.process.wait(10)
    capture.stop()
    recorder.close()
    assert "mitmdump" in (capture.exit_reason() or "")
    proxy.stop()
