"""Flows are scanned in a worker process: the events are the same as a scan in the proxy, and none is lost at the end."""

import json
from pathlib import Path

from mitmproxy.test import taddons, tflow

from harness.capture.addon import MiniprobeCapture, flow_event
from harness.timeline import Flow

PHONE = "13800138000"


def big_flow(index: int) -> object:
    flow = tflow.tflow(resp=True)
    flow.request.headers["content-type"] = "application/json"
    flow.request.content = json.dumps({"user": {"mobile": PHONE}, "n": index}).encode()
    stores = [{"name": "鲜果坊 人民广场店", "tel": "13912345678"}] * (64 * 1024 // 40 + 1)
    flow.response.headers["content-type"] = "application/json"
    flow.response.content = json.dumps({"stores": stores}, ensure_ascii=False).encode()
    return flow


def test_flows_scanned_in_the_worker_match_an_inline_scan(tmp_path: Path) -> None:
    addon = MiniprobeCapture()
    flows = [big_flow(i) for i in range(3)]
    canaries = {"phoneNumber": PHONE}
    (tmp_path / "canaries.json").write_text(json.dumps(canaries))
    with taddons.context(addon) as tctx:
        tctx.configure(addon, miniprobe_events=str(tmp_path / "events.jsonl"),
                       miniprobe_canaries=str(tmp_path / "canaries.json"))
        for flow in flows:
            addon.response(flow)
        addon.done()  # waits for the worker: every flow is written before the file closes
    events = {e.flow_id: e for e in map(Flow.model_validate_json, (tmp_path / "events.jsonl").read_text().splitlines())}
    assert sorted(events) == sorted(f.id for f in flows)
    for flow in flows:
        inline = flow_event(flow, canaries)
        assert events[flow.id].pi == inline.pi
        assert {m.location for m in inline.pi} >= {"body.json:$.user.mobile"}
        assert any(m.location.startswith("response.") for m in inline.pi)
