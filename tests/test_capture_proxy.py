"""Capture's own parts without a proxy: tailing the addon's events file, reading flows.mitm back, argv."""

import json
from pathlib import Path

from mitmproxy.io import FlowWriter
from mitmproxy.test import tflow

from harness.capture.proxy import EVENTS_FILE, Capture, ensure_ca, read_flows
from harness.timeline import Flow, Recorder, iter_events


def flow_line(flow_id: str, t: int) -> bytes:
    event = Flow(source="proxy", t=t, wall="2026-01-01T00:00:00Z", flow_id=flow_id, url="https://h/",
                 scheme="https", host="h", method="GET")
    return json.dumps(event.model_dump(mode="json", exclude_none=True)).encode() + b"\n"


def test_drain_records_complete_lines_and_waits_for_torn_ones(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "events.jsonl")
    capture = Capture(tmp_path, recorder)
    events = tmp_path / EVENTS_FILE
    events.write_bytes(flow_line("a", 5) + b'{"kind": "flow", "nonsense": 1}\n' + flow_line("b", 7)[:20])
    assert capture.drain()
    with open(events, "ab") as f:
        f.write(flow_line("b", 7)[20:])
    capture.drain()
    events.write_bytes(events.read_bytes() + flow_line("c", 9)[:10])  # mitmdump died mid-line
    capture.stop()
    recorder.close()
    recorded = list(iter_events(tmp_path / "events.jsonl"))
    assert [(e.flow_id, e.t, e.seq) for e in recorded if isinstance(e, Flow)] == [("a", 5, 0), ("b", 7, 1)]
    assert capture.recorded == 2
    assert len(capture.rejected) == 2 and "torn" in capture.rejected[1]
    assert capture.exit_reason() is None


def test_drain_stops_once_the_recorder_is_closed(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "events.jsonl")
    recorder.close()
    capture = Capture(tmp_path, recorder)
    (tmp_path / EVENTS_FILE).write_bytes(flow_line("a", 1))
    assert capture.drain() is False


def test_read_flows_is_bounded_and_survives_a_torn_tail(tmp_path: Path) -> None:
    path = tmp_path / "flows.mitm"
    with open(path, "wb") as f:
        writer = FlowWriter(f)
        for _ in range(3):
            writer.add(tflow.tflow(resp=True))
    assert len(list(read_flows(path))) == 3
    assert len(list(read_flows(path, max_flows=2))) == 2
    path.write_bytes(path.read_bytes()[:-25])
    assert len(list(read_flows(path))) == 2


def test_argv_for_the_sim_and_for_a_phone(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "events.jsonl")
    sim = Capture(tmp_path, recorder, routes={"api.a.example": (1, 2)}, block_unrouted=True).argv(None)
    assert "miniprobe_routes=api.a.example=127.0.0.1:1:2" in sim
    assert "connection_strategy=lazy" in sim and "ssl_insecure=true" in sim
    assert f"save_stream_file={tmp_path / 'flows.mitm'}" in sim
    phone = Capture(tmp_path, recorder).argv(None)
    assert "connection_strategy=eager" in phone and "ssl_insecure=false" in phone
    recorder.close()


def test_the_ca_is_made_once(tmp_path: Path) -> None:
    cert = ensure_ca(tmp_path / "conf")
    first = cert.read_bytes()
    assert ensure_ca(tmp_path / "conf").read_bytes() == first
    assert b"BEGIN CERTIFICATE" in first
