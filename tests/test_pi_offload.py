"""The recognisers' worker process as mitmdump really runs it: the addon loaded as a script (module
``__mitmproxy_script__.addon``), whose classes cannot be pickled. Large flows must be scanned in the
worker, not fall back to a scan in the proxy (which held mitmproxy's event loop: the proxy bench's
100 KB figure)."""

import json
import logging
from pathlib import Path

import pytest
from mitmproxy.addons import script
from mitmproxy.test import taddons, tflow

from harness.capture.addon import flow_event
from harness.capture.proxy import ADDON_PATH
from harness.timeline import Flow

PHONE = "13800138000"


def _big_flow(offload_bytes: int) -> object:
    flow = tflow.tflow(resp=True)
    flow.request.headers["content-type"] = "application/json"
    flow.request.content = json.dumps({"user": {"mobile": PHONE}}).encode()
    stores = [{"name": "鲜果坊 人民广场店", "address": "上海市黄浦区南京东路 100 号"}] * (offload_bytes // 40 + 1)
    flow.response.headers["content-type"] = "application/json"
    flow.response.content = json.dumps({"stores": stores}, ensure_ascii=False).encode()
    return flow


def test_the_script_addon_scans_large_flows_in_its_worker(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    module = script.load_script(str(ADDON_PATH))
    assert module is not None and module.__name__.startswith("__mitmproxy_script__")
    addon = module.MiniprobeCapture()
    flows = [_big_flow(module.OFFLOAD_BYTES) for _ in range(2)]
    with caplog.at_level(logging.INFO), taddons.context(addon) as tctx:
        tctx.configure(addon, miniprobe_events=str(tmp_path / "events.jsonl"))
        for flow in flows:
            addon.response(flow)
        addon.done()
    assert not [r for r in caplog.records if "scan worker failed" in r.getMessage()]
    events = [Flow.model_validate_json(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert sorted(e.flow_id for e in events) == sorted(f.id for f in flows)
    for event in events:
        assert event.pi == flow_event(next(f for f in flows if f.id == event.flow_id)).pi
        assert any(m.location == "body.json:$.user.mobile" for m in event.pi)
