"""The session's end waits for requests still in flight (harness.session SimSession._settle), which
reads the calls the Frida bridge has seen without their result (FridaInstrument.pending_apis)."""

from __future__ import annotations

import json
from pathlib import Path

from harness.instrument.frida import FridaInstrument
from harness.timeline import Recorder


def batch(*items: dict[str, object]) -> dict[str, object]:
    return {"type": "send", "payload": {"type": "batch", "items": list(items)}}


def test_pending_apis_are_the_calls_waiting_for_their_result(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "events.jsonl")
    frida = FridaInstrument(recorder)
    frida._on_message(batch(
        {"k": "call", "api": "request", "cb": "7", "t": "100", "data": json.dumps({"url": "https://a.example/x"})},
        {"k": "call", "api": "getLocation", "cb": "8", "t": "200", "data": "{}"},
        {"k": "call", "api": "getStorageSync", "sync": True, "t": "300", "data": "{}",
         "result": json.dumps({"errMsg": "getStorageSync:ok"})},
    ), None)
    assert frida.pending_apis() == ["request", "getLocation"]
    frida._on_message(batch({"k": "result", "cb": "7", "t": "400", "result": json.dumps({"errMsg": "request:ok"})}), None)
    assert frida.pending_apis() == ["getLocation"]
    recorder.close()
