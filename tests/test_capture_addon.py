"""The mitmproxy addon's pure parts: routes, blocking, appid, and the flow event built from a flow."""

import json
from pathlib import Path

import pytest
from mitmproxy import connection, http, websocket
from mitmproxy.proxy import server_hooks
from mitmproxy.test import taddons, tflow, tutils

from harness.capture.addon import (
    BLOCKED_MESSAGE,
    T_START,
    MiniprobeCapture,
    Route,
    appid_from_referer,
    flow_event,
    format_routes,
    is_loopback,
    parse_routes,
    route_for,
)
from harness.timeline import Flow

PHONE = "13800138000"
REFERER = "https://servicewechat.com/wx5e1c7a93d2b04f68/3/page-frame.html"


def test_routes_round_trip_and_wildcards() -> None:
    spec = format_routes({"api.storefinder.example": (18080, 18443), "*.cdn.example": (1, 2)})
    routes = parse_routes(spec)
    assert routes["api.storefinder.example"] == Route("127.0.0.1", 18080, 18443)
    assert route_for(routes, "API.Storefinder.Example") == Route("127.0.0.1", 18080, 18443)
    assert route_for(routes, "img.cdn.example") == Route("127.0.0.1", 1, 2)
    assert route_for(routes, "cdn.example") is None
    assert route_for(routes, "other.example") is None
    assert parse_routes("") == {}
    with pytest.raises(ValueError, match="host=target:http_port:https_port"):
        parse_routes("api.example=127.0.0.1:80")


def test_loopback() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "a.localhost", "127.9.9.9"))
    assert not any(is_loopback(h) for h in ("10.0.0.1", "example.com", "localhost.example"))


def test_appid_from_referer() -> None:
    assert appid_from_referer(REFERER) == "wx5e1c7a93d2b04f68"
    assert appid_from_referer("https://servicewechat.com/wx5e1c7a93d2b04f68/devtools/page-frame.html") == \
        "wx5e1c7a93d2b04f68"
    assert appid_from_referer("https://evil.example/wx5e1c7a93d2b04f68/3/page-frame.html") is None
    assert appid_from_referer(None) is None


def https_flow(url: str, body: bytes = b"", **headers: str) -> http.HTTPFlow:
    flow = tflow.tflow(req=tutils.treq(), resp=True)
    flow.request.url = url
    flow.request.method = "POST" if body else "GET"
    flow.request.headers.clear()
    flow.request.headers.update(headers)
    flow.request.content = body
    flow.response.content = json.dumps({"ok": True, "echo_mobile": "13912345678"}).encode()
    flow.response.headers["content-type"] = "application/json"
    flow.metadata[T_START] = 123_456_789
    return flow


def test_flow_event_masks_personal_data_everywhere() -> None:
    flow = https_flow(
        f"https://api.storefinder.example/api/stores?lat=31.230416&lng=121.473701&phone={PHONE}",
        json.dumps({"user": {"mobile": PHONE}}).encode(),
        referer=REFERER,
        **{"content-type": "application/json"},
    )
    event = flow_event(flow, {"phoneNumber": PHONE})
    assert isinstance(event, Flow)
    assert (event.scheme, event.host, event.port, event.method, event.status) == (
        "https", "api.storefinder.example", 443, "POST", 200)
    assert event.t == 123_456_789 and event.seq == -1 and event.source == "proxy"
    assert event.appid == "wx5e1c7a93d2b04f68"
    assert event.tls_version == "TLSv1.2"  # tflow's server connection
    assert event.request_size == len(flow.request.raw_content)
    assert {(m.type, m.location, m.canary) for m in event.pi} == {
        ("location", "url.query:lat+lng", None),
        ("phone", "url.query:phone", "phoneNumber"),
        ("phone", "body.json:$.user.mobile", "phoneNumber"),
        ("phone", "response.body.json:$.echo_mobile", None),
    }
    dumped = json.dumps(event.model_dump(mode="json", exclude_none=True))
    for raw in (PHONE, "13912345678", "31.230416", "121.473701"):
        assert raw not in dumped
    assert event.url == ("https://api.storefinder.example/api/stores"
                         "?lat=31.2***&lng=121.4***&phone=138****8000")


def test_flow_event_of_an_error_and_of_gzip_content() -> None:
    flow = tflow.tflow(err=True)
    flow.request.headers["content-encoding"] = "gzip"
    flow.request.content = f"phone={PHONE}".encode()  # stored gzipped, read back decoded
    event = flow_event(flow)
    assert event.status is None and event.error == flow.error.msg
    assert [m.location for m in event.pi] == ["body.form:phone"]


def test_flow_event_of_a_websocket() -> None:
    flow = tflow.twebsocketflow(messages=False)
    flow.websocket.messages[:] = [websocket.WebSocketMessage(1, True, json.dumps({"tel": PHONE}).encode())]
    event = flow_event(flow)
    assert event.websocket and event.scheme == "ws" and event.url.startswith("ws://")
    assert [(m.location, m.masked) for m in event.pi] == [("ws.send[0]|json:$.tel", "138****8000")]
    assert event.request_size >= len(PHONE)


def test_addon_routes_blocks_and_restores_the_address(tmp_path: Path) -> None:
    addon = MiniprobeCapture()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, miniprobe_routes="api.storefinder.example=127.0.0.1:18080:18443",
                       miniprobe_block_unrouted=True,
                       miniprobe_events=str(tmp_path / "events.jsonl"))
        server = connection.Server(address=("api.storefinder.example", 443))
        server.tls = True
        data = server_hooks.ServerConnectionHookData(client=tflow.tclient_conn(), server=server)
        addon.server_connect(data)
        assert server.address == ("127.0.0.1", 18443)
        server.state = connection.ConnectionState.OPEN
        addon.server_connected(data)
        assert server.address == ("api.storefinder.example", 443)

        plain = connection.Server(address=("api.storefinder.example", 80))
        addon.server_connect(server_hooks.ServerConnectionHookData(client=tflow.tclient_conn(), server=plain))
        assert plain.address == ("127.0.0.1", 18080)

        elsewhere = connection.Server(address=("tracker.example", 443))
        client = tflow.tclient_conn()
        addon.server_connect(server_hooks.ServerConnectionHookData(client=client, server=elsewhere))
        assert elsewhere.error == BLOCKED_MESSAGE

        blocked = tflow.tflow()
        blocked.request.host = "tracker.example"
        addon.requestheaders(blocked)
        addon.request(blocked)
        assert blocked.response is not None and blocked.response.status_code == 502
        addon.response(blocked)
        addon.error(blocked)  # a flow is recorded once
        local = tflow.tflow()
        local.request.host = "127.0.0.1"
        addon.request(local)
        assert local.response is None
        addon.done()
    lines = (tmp_path / "events.jsonl").read_text().splitlines()
    assert len(lines) == 1
    event = Flow.model_validate_json(lines[0])
    assert event.status == 502 and event.error == BLOCKED_MESSAGE and event.host == "tracker.example"


def test_addon_refuses_bad_options(tmp_path: Path) -> None:
    addon = MiniprobeCapture()
    with taddons.context(addon) as tctx:
        with pytest.raises(Exception, match="miniprobe_routes"):
            tctx.configure(addon, miniprobe_routes="nonsense")
        with pytest.raises(Exception, match="miniprobe_events"):
            tctx.configure(addon, miniprobe_events=str(tmp_path / "missing" / "dir" / "events.jsonl"))
        (tmp_path / "c.json").write_text("[1, 2]")
        with pytest.raises(Exception, match="miniprobe_canaries"):
            tctx.configure(addon, miniprobe_canaries=str(tmp_path / "c.json"))


def test_event_streams_pass_through_unbuffered() -> None:
    addon = MiniprobeCapture()
    flow = tflow.tflow(resp=True)
    flow.response.headers["content-type"] = "text/event-stream; charset=utf-8"
    addon.responseheaders(flow)
    assert flow.response.stream is True
    other = tflow.tflow(resp=True)
    addon.responseheaders(other)
    assert not other.response.stream


def test_eager_connect_to_an_unrouted_host_is_refused_and_recorded(tmp_path: Path) -> None:
    addon = MiniprobeCapture()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, miniprobe_block_unrouted=True, miniprobe_events=str(tmp_path / "e.jsonl"))
        connect = tflow.tflow(req=tutils.treq(method=b"CONNECT", scheme=b"", host="tracker.example", port=443,
                                              path=b"", authority=b"tracker.example:443"))
        addon.http_connect(connect)  # without a proxyserver the strategy reads as mitmproxy's default, eager
        assert connect.response is not None and connect.response.status_code == 502
        addon.http_connect_error(connect)
        addon.done()
    event = Flow.model_validate_json((tmp_path / "e.jsonl").read_text())
    assert (event.method, event.scheme, event.host, event.port, event.status, event.error, event.pi) == (
        "CONNECT", "https", "tracker.example", 443, 502, BLOCKED_MESSAGE, [])
