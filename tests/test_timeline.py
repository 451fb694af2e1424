"""The timeline contract: append-only recorder, torn last line, JSON Schema in the repo."""

import json
import os
import stat
from pathlib import Path

import pytest

from harness.timeline import (
    ApiCall,
    Consent,
    Flow,
    PIMatch,
    Recorder,
    SessionEnd,
    SessionStart,
    Timeline,
    event_schema,
    iter_events,
)


def start_event() -> SessionStart:
    return SessionStart(source="harness", session_id="s", device="sim", device_kind="sim", appid="wx1",
                        scenario="x", tool_version="0")


def test_recorder_assigns_seq_time_and_reads_back(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "events.jsonl")
    a = rec.record(start_event())
    b = rec.record(ApiCall(source="frida", api="getLocation", t=a.t + 5, ok=True, category="位置信息"))
    c = rec.record(Flow(source="proxy", flow_id="f1", url="http://h/x", scheme="http", host="h", method="GET",
                        pi=[PIMatch(type="phone", location="url.query:p", masked="139****5678")]))
    rec.close()
    assert (a.seq, b.seq, c.seq) == (0, 1, 2)
    assert a.t > 0 and a.wall.endswith("Z") and b.t == a.t + 5
    events = list(iter_events(tmp_path / "events.jsonl"))
    assert [e.kind for e in events] == ["session_start", "api_call", "flow"]
    assert events[2].pi[0].masked == "139****5678"
    assert stat.S_IMODE(os.stat(tmp_path / "events.jsonl").st_mode) == 0o600


def test_each_event_is_flushed_at_once(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    rec = Recorder(path)
    rec.record(start_event())
    # another reader sees the line before close: nothing waits in a buffer (after it, until close, the
    # file holds the NUL bytes of the space taken for the next lines, which readers skip)
    assert [e.kind for e in iter_events(path)] == ["session_start"]
    assert path.read_bytes().startswith(b'{"seq":0,')
    rec.close()
    assert path.read_bytes().endswith(b"}\n")  # close cuts the unwritten space
    with pytest.raises(RuntimeError):
        rec.record(start_event())


def test_torn_last_line_is_skipped_but_torn_middle_line_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    rec = Recorder(path)
    rec.record(start_event())
    rec.record(Consent(source="driver", action="agree", subject="privacy", how="tap:同意"))
    rec.close()
    with open(path, "ab") as f:
        f.write(b'{"kind":"api_call","seq":2,"sour')  # the harness died mid-write
    timeline = Timeline.load(tmp_path)
    assert [e.kind for e in timeline.events] == ["session_start", "consent"]
    assert timeline.partial  # no session_end
    lines = path.read_bytes().splitlines()
    path.write_bytes(b"\n".join([lines[0], b"garbage", lines[1]]) + b"\n")
    with pytest.raises(ValueError, match=r"events.jsonl:2"):
        list(iter_events(path))


def test_timeline_orders_by_time_and_knows_partial_sessions(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "events.jsonl")
    s = rec.record(start_event())
    rec.record(ApiCall(source="frida", api="late", t=s.t + 100))
    rec.record(ApiCall(source="frida", api="early", t=s.t + 50))
    rec.record(SessionEnd(source="harness", outcome="ok"))
    rec.close()
    timeline = Timeline.load(tmp_path)
    assert [e.api for e in timeline.of(ApiCall)] == ["early", "late"]
    assert not timeline.partial


def test_schema_in_repo_is_current(repo: Path) -> None:
    exported = json.loads((repo / "schema" / "events.schema.json").read_text())
    assert exported == json.loads(json.dumps(event_schema())), "run `miniprobe schema` to refresh schema/"


def test_findings_schema_in_repo_is_current(repo: Path) -> None:
    from probes import findings_schema

    exported = json.loads((repo / "schema" / "findings.schema.json").read_text())
    assert exported == json.loads(json.dumps(findings_schema())), "run `miniprobe schema` to refresh schema/"


def test_findings_of_the_demo_shape_validate_against_the_schema(repo: Path) -> None:
    import jsonschema

    from probes import findings_schema

    sample = [{
        "rule": "CON-004", "severity": "high", "status": "fail", "title": "t", "statement": "s",
        "evidence": [3], "screenshots": [], "flows": [], "data": [], "remedy": "r", "probe": "reject_option",
        "partial": False, "fingerprint": "0123456789abcdef",
    }]
    jsonschema.validate(sample, findings_schema())
