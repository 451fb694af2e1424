"""The sim's fixture back end: mock files per app and host, {"ok": true} otherwise, never an echo."""

import http.client
import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from sim.backend import DEFAULT_BODY, FixtureBackend, app_hosts, self_signed_cert


def make_app(root: Path, name: str, host: str, mocks: dict[str, object]) -> Path:
    app = root / name
    app.mkdir()
    (app / "sim.json").write_text(json.dumps({"hosts": [host]}))
    for path, body in mocks.items():
        target = app / "mock" / f"{path}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(body, ensure_ascii=False))
    return app


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("apps")
    return [
        make_app(root, "a", "api.a.example", {"api/stores": {"stores": ["a"]}, "api/only-a": {"a": 1}}),
        make_app(root, "b", "api.b.example", {"api/stores": {"stores": ["b"]}}),
    ]


@pytest.fixture(scope="module")
def backend(apps: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureBackend]:
    with FixtureBackend(apps, cert_cache=tmp_path_factory.mktemp("certs")) as fixture:
        yield fixture


def fetch(backend: FixtureBackend, path: str, host: str, *, tls: bool = False, method: str = "GET",
          body: bytes | None = None) -> tuple[int, bytes]:
    assert backend.ports
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            "127.0.0.1", backend.ports[1], context=context
        )
    else:
        conn = http.client.HTTPConnection("127.0.0.1", backend.ports[0])
    try:
        conn.request(method, path, body=body, headers={"Host": host, "Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_mock_files_by_host_then_in_app_order(backend: FixtureBackend) -> None:
    assert json.loads(fetch(backend, "/api/stores?lat=1", "api.a.example")[1]) == {"stores": ["a"]}
    assert json.loads(fetch(backend, "/api/stores", "api.b.example:443", tls=True)[1]) == {"stores": ["b"]}
    assert json.loads(fetch(backend, "/api/stores", "unknown.example")[1]) == {"stores": ["a"]}
    assert json.loads(fetch(backend, "/api/only-a", "api.b.example")[1]) == {"a": 1}


def test_posts_are_answered_without_echo(backend: FixtureBackend) -> None:
    secret = json.dumps({"phone": "13800138000"}).encode()
    status, body = fetch(backend, "/api/collect", "api.a.example", tls=True, method="POST", body=secret)
    assert status == 200 and body == DEFAULT_BODY
    status, body = fetch(backend, "/api/stores?phone=13800138000", "api.b.example", method="POST",
                         body=secret)
    assert b"13800138000" not in body


@pytest.mark.parametrize("path", ["/", "/../../etc/passwd", "/api/%2e%2e/%2e%2e/sim", "/api/..%2f..%2fsim"])
def test_paths_never_leave_the_mock_folder(backend: FixtureBackend, path: str) -> None:
    assert fetch(backend, path, "api.a.example") == (200, DEFAULT_BODY)


def test_keep_alive_on_one_connection(backend: FixtureBackend) -> None:
    assert backend.ports
    conn = http.client.HTTPConnection("127.0.0.1", backend.ports[0])
    for _ in range(3):
        conn.request("POST", "/api/stores", body=b"x" * 1000, headers={"Host": "api.a.example"})
        assert json.loads(conn.getresponse().read()) == {"stores": ["a"]}
    conn.close()


def test_certificate_names_and_cache(tmp_path: Path) -> None:
    cert_path, key_path = self_signed_cert(["localhost", "api.a.example"], tmp_path)
    assert self_signed_cert(["api.a.example", "localhost"], tmp_path) == (cert_path, key_path)
    assert key_path.stat().st_mode & 0o077 == 0
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(names.get_values_for_type(x509.DNSName)) == {"localhost", "api.a.example"}


def test_app_hosts_tolerates_missing_files(tmp_path: Path) -> None:
    assert app_hosts(tmp_path) == []
    (tmp_path / "sim.json").write_text("not json")
    assert app_hosts(tmp_path) == []


def test_the_repository_apps(repo: Path) -> None:
    apps = sorted((repo / "sim" / "apps").iterdir())
    backend = FixtureBackend(apps)
    http_port, https_port = backend.start()
    try:
        assert http_port != https_port
        status, body = fetch(backend, "/api/stores", "api.freshfruit.example")
        assert status == 200 and "stores" in json.loads(body)
    finally:
        backend.stop()


# What wx APIs beyond wx.request need: the login code exchange, WebSocket, raw TCP and UDP echoes.


def test_login_code_exchange_is_single_use(backend: FixtureBackend) -> None:
    code = "A" * 16 + "b" * 16
    path = f"/sns/jscode2session?appid=wx0123456789abcdef&secret=s&js_code={code}&grant_type=authorization_code"
    status, body = fetch(backend, path, "api.weixin.qq.com", tls=True)
    session = json.loads(body)
    assert status == 200 and session["openid"].startswith("o") and len(session["openid"]) == 28
    assert len(session["session_key"]) == 24
    assert json.loads(fetch(backend, path, "api.weixin.qq.com", tls=True)[1]) == {
        "errcode": 40163, "errmsg": "code been used"}
    bad = json.loads(fetch(backend, "/sns/jscode2session?js_code=short", "api.weixin.qq.com")[1])
    assert bad["errcode"] == 40029


def test_connect_tunnel_and_udp_echo(backend: FixtureBackend) -> None:
    import socket

    assert backend.ports
    with socket.create_connection(("127.0.0.1", backend.ports[0]), timeout=5) as tcp:
        tcp.sendall(b"CONNECT lock.qibei-bike.example:9100 HTTP/1.1\r\nHost: lock.qibei-bike.example:9100\r\n\r\n")
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            head += tcp.recv(1)
        assert head.startswith(b"HTTP/1.1 200")
        tcp.sendall(b'{"cmd":"unlock"}\n')
        assert tcp.recv(100) == b'{"cmd":"unlock"}\n'
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(5)
        udp.sendto(b"ping 13912345678", ("127.0.0.1", backend.ports[0]))
        assert udp.recvfrom(100)[0] == b"ping 13912345678"


def test_websocket_upgrade_echoes_messages(backend: FixtureBackend) -> None:
    import base64
    import os
    import socket

    assert backend.ports
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", backend.ports[0]), timeout=5) as ws:
        ws.sendall((f"GET /ws HTTP/1.1\r\nHost: chat.a.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            head += ws.recv(1)
        assert head.startswith(b"HTTP/1.1 101")
        mask, text = os.urandom(4), "你好".encode()
        ws.sendall(bytes([0x81, 0x80 | len(text)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(text)))
        frame = ws.recv(100)
        assert frame[0] == 0x81 and frame[2:] == text
