"""A listener delivery (agent/subscribe.ts "event" item) becomes an ApiCall named after the event, which
the probes read as data reaching the program, not as a request (COL-005 counts them; PERM-001 does not)."""

from __future__ import annotations

from harness.instrument.frida import BridgeEvents
from harness.timeline import ApiCall
from probes.evidence import is_listener_delivery


def test_an_event_item_is_a_delivery_of_its_data() -> None:
    bridge = BridgeEvents(process="simhost:1")
    item = {"k": "event", "name": "onLocationChange", "data": '{"latitude": 31.230416, "longitude": 121.473701}',
            "t": "2000", "tid": 7}
    [call] = bridge.feed({"type": "batch", "items": [item]})
    assert isinstance(call, ApiCall) and call.api == "onLocationChange" and call.ok is True
    assert call.args == {"latitude": 31.230416, "longitude": 121.473701} and call.category == "位置信息"
    assert (call.t, call.callback_id, call.process) == (2000, None, "simhost:1")
    assert is_listener_delivery(call)
    assert not is_listener_delivery(ApiCall(source="frida", api="getLocation", ok=True))
    assert not is_listener_delivery(ApiCall(source="frida", api="onLocationChange", callback_id=4))
