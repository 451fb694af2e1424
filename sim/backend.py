"""The fixture back end of the sim mini programs: canned JSON over HTTP and HTTPS on 127.0.0.1.

mitmproxy routes each app host (listed in the app's sim.json) here. A request for /a/b answers
<app>/mock/a/b.json when it exists (any method), else {"ok": true}. The app is chosen by the Host
header among the apps that list that host, then among all apps, in order. Request data is read
and dropped, never echoed: the back end must not put personal data into responses itself.

Besides, for the wx APIs that need more than canned JSON (sim/PROTOCOL.md, "Fixture back end"):
- GET /sns/jscode2session?appid=..&js_code=CODE: WeChat's login code exchange ({openid, session_key};
  errcode 40029 for a malformed code, 40163 for a code used twice), unless a mock file answers it.
- WebSocket upgrades (wx.connectSocket through the proxy) get an echo server.
- HTTP CONNECT (the sim host's raw TCP sockets, wx.createTCPSocket) opens an echo tunnel, and UDP
  datagrams to the plain port's number (wx.createUDPSocket) are echoed. Raw sockets bypass the proxy:
  these echoes carry the data back to the app and the bridge records where it was sent.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import json
import secrets
import socket
import ssl
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sim.accounts import AccountStore, account_spec

REPO_ROOT = Path(__file__).resolve().parent.parent
CERT_CACHE = REPO_ROOT / ".cache" / "sim-backend"
MAX_REQUEST_BODY = 16 * 1024 * 1024
MAX_MOCK_BYTES = 4 * 1024 * 1024
MAX_KEPT_BODY = 64 * 1024
DEFAULT_BODY = b'{"ok": true}'
CERT_NAMES = ("localhost", "*.example", "*.test", "*.localhost")
_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_LOGIN_CODE_LENGTH = 32


def app_hosts(app_dir: Path) -> list[str]:
    """The hosts an app talks to, from its sim.json (empty when it has none)."""
    try:
        hosts = json.loads((app_dir / "sim.json").read_text(encoding="utf-8")).get("hosts", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [str(h).lower() for h in hosts if isinstance(h, str)]


def self_signed_cert(names: Sequence[str], cache_dir: Path = CERT_CACHE) -> tuple[Path, Path]:
    """(cert, key) PEM files of a self-signed certificate for the names and 127.0.0.1, made once."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    wanted = sorted(set(names))
    stem = hashlib.sha256("\n".join(wanted).encode()).hexdigest()[:16]
    cert_path, key_path = cache_dir / f"{stem}-cert.pem", cache_dir / f"{stem}-key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "miniprobe sim back end")])
    now = dt.datetime.now(dt.UTC)
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in wanted]
    sans.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    # write to temporary names and rename: a parallel run never reads half a file
    tmp_key, tmp_cert = key_path.with_suffix(f".{threading.get_ident()}.tmp"), cert_path.with_suffix(
        f".{threading.get_ident()}.tmp")
    tmp_key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    tmp_key.chmod(0o600)
    tmp_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    tmp_key.replace(key_path)
    tmp_cert.replace(cert_path)
    return cert_path, key_path


class _FixtureHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "miniprobe-fixture"
    backend: FixtureBackend  # set on the per-backend subclass

    def _answer(self) -> None:
        length = self.headers.get("content-length")
        kept = bytearray()  # the start of the body, for the account endpoints (sim/accounts.py)
        if length and length.isdigit() and int(length) <= MAX_REQUEST_BODY:
            remaining = int(length)
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 65536))
                if not chunk:
                    break
                remaining -= len(chunk)
                kept += chunk[: max(0, MAX_KEPT_BODY - len(kept))]
        elif length or "chunked" in self.headers.get("transfer-encoding", "").lower():
            self.close_connection = True  # a body we will not read: do not reuse the connection
        if self.headers.get("upgrade", "").lower() == "websocket":
            self._websocket_echo()
            return
        host = (self.headers.get("host") or "").rsplit(":", 1)[0].strip("[]").lower()
        url = urlsplit(self.path)
        body = self.backend.answer(host, url.path, url.query, bytes(kept))
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _answer

    def do_CONNECT(self) -> None:
        """A raw TCP socket of the sim host, tunnelled here: say yes, then echo every byte back."""
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        connection = self.connection
        try:
            while chunk := connection.recv(65536):
                connection.sendall(chunk)
        except OSError:
            pass

    def _websocket_echo(self) -> None:
        """RFC 6455 server side, just enough for wx.connectSocket: echo text and binary messages."""
        key = self.headers.get("sec-websocket-key", "")
        accept = base64.b64encode(hashlib.sha1((key + _WS_GUID).encode()).digest()).decode()
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        try:
            while (frame := _read_ws_frame(self.rfile)) is not None:
                opcode, payload = frame
                if opcode == 0x8:  # close: answer it and stop
                    self.wfile.write(_ws_frame(0x8, payload[:2]))
                    self.wfile.flush()
                    return
                if opcode == 0x9:  # ping
                    self.wfile.write(_ws_frame(0xA, payload))
                elif opcode in (0x1, 0x2):
                    self.wfile.write(_ws_frame(opcode, payload))
                self.wfile.flush()
        except (OSError, ValueError):
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # request lines carry personal data; the proxy records what matters


def _read_ws_frame(stream: Any) -> tuple[int, bytes] | None:
    """(opcode, payload) of one client frame (masked, unfragmented), or None at the end of the stream."""
    head = stream.read(2)
    if len(head) < 2:
        return None
    opcode, length = head[0] & 0x0F, head[1] & 0x7F
    if length == 126:
        length = int.from_bytes(stream.read(2), "big")
    elif length == 127:
        length = int.from_bytes(stream.read(8), "big")
    if length > MAX_REQUEST_BODY:
        raise ValueError("WebSocket frame too large")
    mask = stream.read(4) if head[1] & 0x80 else b"\0\0\0\0"
    data = stream.read(length)
    return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def _ws_frame(opcode: int, payload: bytes) -> bytes:
    """One final, unmasked server frame."""
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 127]) + n.to_bytes(8, "big")
    return head + payload


class _LoginCodes:
    """WeChat's jscode2session, as far as a fixture needs it: a code is exchanged once for a stable
    openid (per appid and code) and a fresh session_key."""

    def __init__(self) -> None:
        self._used: set[str] = set()
        self._lock = threading.Lock()

    def exchange(self, query: str) -> bytes:
        params = {k: v[0] for k, v in parse_qs(query).items()}
        code, appid = params.get("js_code", ""), params.get("appid", "")
        if len(code) != _LOGIN_CODE_LENGTH or not code.isalnum():
            return _json({"errcode": 40029, "errmsg": "invalid code"})
        with self._lock:
            if code in self._used:
                return _json({"errcode": 40163, "errmsg": "code been used"})
            self._used.add(code)
        openid = "o" + base64.urlsafe_b64encode(hashlib.sha256(f"{appid}/{code}".encode()).digest()).decode()[:27]
        return _json({"openid": openid, "session_key": base64.b64encode(secrets.token_bytes(16)).decode()})


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


class _TLSServer(ThreadingHTTPServer):
    """HTTPS: the handshake happens in the request's thread, so a slow client blocks no one."""

    daemon_threads = True
    context: ssl.SSLContext

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(30)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            try:
                tls.close()
            except OSError:
                pass


class _PlainServer(ThreadingHTTPServer):
    daemon_threads = True

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(30)
        super().finish_request(request, client_address)


UDP_TWIN_TRIES = 50


def _plain_server_with_udp_twin(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, socket.socket]:
    """The plain HTTP server on a port the OS picks, and a UDP socket bound to the same number.

    The OS picks free TCP ports only: the number may be taken for UDP by some other process. Then
    another TCP port is tried; both sockets are held while trying, so nothing can slip in between.
    """
    for _ in range(UDP_TWIN_TRIES):
        plain = _PlainServer(("127.0.0.1", 0), handler)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            udp.bind(("127.0.0.1", plain.server_address[1]))
        except OSError:
            udp.close()
            plain.server_close()
            continue
        return plain, udp
    raise RuntimeError(f"fixture back end: no TCP port whose UDP twin is free in {UDP_TWIN_TRIES} tries")


class FixtureBackend:
    """One HTTP and one HTTPS server on 127.0.0.1 (ports chosen by the OS) for the given apps."""

    def __init__(self, app_dirs: Sequence[Path] | Path, *, cert_cache: Path = CERT_CACHE) -> None:
        self.app_dirs = [Path(app_dirs)] if isinstance(app_dirs, (str, Path)) else [Path(a) for a in app_dirs]
        self.cert_cache = cert_cache
        self.hosts = {app: app_hosts(app) for app in self.app_dirs}
        self._servers: list[ThreadingHTTPServer] = []
        self._udp: socket.socket | None = None
        self.ports: tuple[int, int] | None = None
        self.login_codes = _LoginCodes()
        self.accounts = AccountStore({a: spec for a in self.app_dirs if (spec := account_spec(a)) is not None})

    def answer(self, host: str, path: str, query: str = "", body: bytes = b"") -> bytes:
        """The response body for a request path: an account endpoint of the app that owns the host
        (sim/accounts.py), else the first app's mock file for it, else the login code exchange for
        /sns/jscode2session, else {"ok": true}."""
        parts = [p for p in unquote(path).split("/") if p]
        if not parts or any(p in (".", "..") or "\\" in p or "\x00" in p for p in parts):
            return DEFAULT_BODY
        for app in (a for a in self.app_dirs if host in self.hosts[a]):
            remembered = self.accounts.answer(app, "/" + "/".join(parts), body)
            if remembered is not None:
                return remembered
        mocked = self._mock(host, parts)
        if mocked is not None:
            return mocked
        if parts == ["sns", "jscode2session"]:
            return self.login_codes.exchange(query)
        return DEFAULT_BODY

    def _mock(self, host: str, parts: list[str]) -> bytes | None:
        claiming = [a for a in self.app_dirs if host in self.hosts[a]]
        for app in claiming + [a for a in self.app_dirs if a not in claiming]:
            mock_root = (app / "mock").resolve()
            candidate = mock_root.joinpath(*parts[:-1], parts[-1] + ".json").resolve()
            if mock_root not in candidate.parents or not candidate.is_file():
                continue
            if candidate.stat().st_size <= MAX_MOCK_BYTES:
                return candidate.read_bytes()
        return None

    def start(self) -> tuple[int, int]:
        """Start both servers; return (http_port, https_port)."""
        if self.ports:
            return self.ports
        handler = type("FixtureHandler", (_FixtureHandler,), {"backend": self})
        names = set(CERT_NAMES) | {h for hosts in self.hosts.values() for h in hosts}
        cert, key = self_signed_cert(sorted(names), self.cert_cache)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        context.set_alpn_protocols(["http/1.1"])
        plain, udp = _plain_server_with_udp_twin(handler)
        secure = _TLSServer(("127.0.0.1", 0), handler)
        secure.context = context
        self._servers = [plain, secure]
        for server in self._servers:
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                             name=f"fixture-backend-{server.server_address[1]}", daemon=True).start()
        self.ports = (int(plain.server_address[1]), int(secure.server_address[1]))
        self._start_udp_echo(udp)
        return self.ports

    def _start_udp_echo(self, udp: socket.socket) -> None:
        """Echo the datagrams of ``udp`` (bound to the plain HTTP port's number) to their senders."""
        self._udp = udp
        port = udp.getsockname()[1]

        def echo() -> None:
            while True:
                try:
                    data, peer = udp.recvfrom(65536)
                    udp.sendto(data, peer)
                except OSError:
                    return

        threading.Thread(target=echo, name=f"fixture-udp-{port}", daemon=True).start()

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers = []
        if self._udp:
            self._udp.close()
            self._udp = None
        self.ports = None

    def __enter__(self) -> FixtureBackend:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _serve_forever() -> None:  # pragma: no cover - manual use: python -m sim.backend <app>...
    import sys

    apps = [Path(a) for a in sys.argv[1:]] or sorted((REPO_ROOT / "sim" / "apps").iterdir())
    backend = FixtureBackend(apps)
    http_port, https_port = backend.start()
    print(f"FIXTURE BACKEND http={http_port} https={https_port}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        backend.stop()


if __name__ == "__main__":  # pragma: no cover
    _serve_forever()

