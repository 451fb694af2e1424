"""SEC-001: personal data sent without encryption (probes/plaintext.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder, pi


def sec001(tl):  # type: ignore[no-untyped-def]
    return [f for f in probes.analyse(tl) if f.rule == "SEC-001"]


def test_pi_over_http_fails() -> None:
    tl = (
        TimelineBuilder()
        .flow(2.0, "http://api.shop.example/user/42?phone=x", pi=[pi()], flow_id="f1")
        .flow(3.0, "http://api.shop.example/user/43", pi=[pi(masked="139****0000")], flow_id="f2")
        .end(10)
        .build()
    )
    [finding] = sec001(tl)
    assert (finding.status, finding.severity) == ("fail", "high")
    assert finding.flows == ["f1", "f2"]
    assert finding.data == ["138****5678", "139****0000"]
    assert finding.statement == "phone sent over http:// to api.shop.example/user/{id} 2 times from 2.0 s"
    assert finding.remedy == "HTTPS/WSS, TLS ≥ 1.2."


def test_websockets_in_plaintext() -> None:
    tl = (
        TimelineBuilder()
        .flow(1.0, "ws://chat.example/socket", pi=[pi("name", "张*", confidence="low", canary="name")])
        .flow(2.0, "http://chat2.example/socket", websocket=True, pi=[pi()])
        .end(10)
        .build()
    )
    assert [(f.status, f.statement.split(" to ")[0]) for f in sec001(tl)] == [
        ("fail", "name sent over ws://"),
        ("fail", "phone sent over ws://"),
    ]


def test_plaintext_without_pi_warns_one_step_lower() -> None:
    tl = (
        TimelineBuilder()
        .flow(1.0, "http://cdn.shop.example/a.png", method="GET")
        .flow(1.5, "http://cdn.shop.example/b.png", method="GET")
        .flow(2.0, "http://api.shop.example/x", pi=[pi(confidence="medium")])
        .end(10)
        .build()
    )
    found = sec001(tl)
    assert [(f.status, f.severity, len(f.evidence)) for f in found] == [
        ("warn", "medium", 2),
        ("warn", "medium", 1),
    ]
    assert (
        found[0].statement
        == "unencrypted http:// traffic to cdn.shop.example 2 times from 1.0 s (no personal data recognised)"
    )
    assert found[1].data == []


def test_tls_below_1_2_warns() -> None:
    tl = (
        TimelineBuilder()
        .flow(1.0, "https://old.example/a", tls_version="TLSv1.1")
        .flow(1.1, "https://old.example/b", tls_version="TLSv1")
        .flow(1.2, "https://ok.example/a", tls_version="TLSv1.2", pi=[pi()])
        .end(10)
        .build()
    )
    found = sec001(tl)
    assert [f.statement for f in found] == [
        "TLSv1.1 used to old.example at 1.0 s (TLS 1.2 or later required)",
        "TLSv1 used to old.example at 1.1 s (TLS 1.2 or later required)",
    ]
    assert all(f.status == "warn" for f in found)


def test_raw_sockets() -> None:
    tl = (
        TimelineBuilder()
        .api(1.0, "createTCPSocket", args={"pi": [pi().model_dump()]})
        .api(2.0, "createUDPSocket", args={"port": 9000})
        .api(3.0, "createTCPSocket", args={"pi": ["garbage"]})
        .flow(4.0, "https://api.shop.example/x")
        .end(10)
        .build()
    )
    found = sec001(tl)
    assert [(f.status, f.evidence) for f in found] == [("fail", [1]), ("warn", [2]), ("warn", [3])]
    assert found[0].data == ["138****5678"]
    assert found[0].statement == "phone sent over a raw socket (createTCPSocket) at 1.0 s"


def test_encrypted_traffic_passes_and_no_flows_is_not_tested() -> None:
    tl = TimelineBuilder().flow(1.0, "https://api.shop.example/x", pi=[pi()]).end(5).build()
    assert sec001(tl) == []
    assert probes.rule_status(tl)["SEC-001"] == "pass"
    empty = TimelineBuilder().api(1.0, "getLocation").end(5).build()
    assert probes.rule_status(empty)["SEC-001"] == "not_tested"


def test_partial_session() -> None:
    tl = TimelineBuilder().flow(1.0, "http://api.shop.example/x", pi=[pi()]).build()
    [finding] = sec001(tl)
    assert finding.partial is True


def test_raw_socket_sends_are_scanned_for_personal_data() -> None:
    """TCPSocket.write / UDPSocket.send payloads (base64 of an ArrayBuffer as wx.js sends them) are
    scanned where the bridge's calls become events; the probe judges connect/write/send too."""
    import base64
    import json

    from harness.instrument.frida import BridgeEvents

    def sent(api: str, cb: int, data: dict[str, object]) -> list[object]:
        item = {"k": "call", "api": api, "cb": str(cb), "t": str(cb * 1000), "data": json.dumps(data),
                "result": json.dumps({"errMsg": f"{api}:ok"})}
        return BridgeEvents().feed({"type": "batch", "items": [item]})

    payload = base64.b64encode(json.dumps({"mobile": "13912345678"}).encode()).decode()
    [udp] = sent("UDPSocket.send", 1, {"socketId": 1, "address": "10.0.0.2", "port": 9000,
                                        "data": payload, "encoding": "base64"})
    [tcp] = sent("TCPSocket.write", 2, {"socketId": 2, "address": "10.0.0.2", "port": 9001, "data": "hello"})
    [conn] = sent("TCPSocket.connect", 3, {"socketId": 2, "address": "10.0.0.2", "port": 9001})
    assert [m["type"] for m in udp.args["pi"]] == ["phone"]  # type: ignore[union-attr]
    assert "pi" not in tcp.args and "pi" not in conn.args  # type: ignore[operator]
    tl = (
        TimelineBuilder()
        .api(1.0, "UDPSocket.send", args=udp.args)
        .api(2.0, "TCPSocket.write", args=tcp.args)
        .api(3.0, "TCPSocket.connect", args=conn.args)
        .flow(4.0, "https://api.shop.example/x")
        .end(10)
        .build()
    )
    found = sec001(tl)
    assert [(f.status, f.evidence) for f in found] == [("fail", [1]), ("warn", [2]), ("warn", [3])]
    assert found[0].statement == "phone sent over a raw socket (UDPSocket.send) at 1.0 s"
