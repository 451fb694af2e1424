"""The fixture back end of the sim mini programs: canned JSON over HTTP and HTTPS on 127.0.0.1.

mitmproxy routes each app host (listed in the app's sim.json) here. A request for /a/b answers
<app>/mock/a/b.json when it exists (any method), else {"ok": true}. The app is chosen by the Host
header among the apps that list that host, then among all apps, in order. Request data is read
and dropped, never echoed: the back end must not put personal data into responses itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import ssl
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
CERT_CACHE = REPO_ROOT / ".cache" / "sim-backend"
MAX_REQUEST_BODY = 16 * 1024 * 1024
MAX_MOCK_BYTES = 4 * 1024 * 1024
DEFAULT_BODY = b'{"ok": true}'
CERT_NAMES = ("localhost", "*.example", "*.test", "*.localhost")


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
        if length and length.isdigit() and int(length) <= MAX_REQUEST_BODY:
            remaining = int(length)
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 65536))
                if not chunk:
                    break
                remaining -= len(chunk)
        elif length or "chunked" in self.headers.get("transfer-encoding", "").lower():
            self.close_connection = True  # a body we will not read: do not reuse the connection
        host = (self.headers.get("host") or "").rsplit(":", 1)[0].strip("[]").lower()
        body = self.backend.answer(host, urlsplit(self.path).path)
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _answer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # request lines carry personal data; the proxy records what matters


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


class FixtureBackend:
    """One HTTP and one HTTPS server on 127.0.0.1 (ports chosen by the OS) for the given apps."""

    def __init__(self, app_dirs: Sequence[Path] | Path, *, cert_cache: Path = CERT_CACHE) -> None:
        self.app_dirs = [Path(app_dirs)] if isinstance(app_dirs, (str, Path)) else [Path(a) for a in app_dirs]
        self.cert_cache = cert_cache
        self.hosts = {app: app_hosts(app) for app in self.app_dirs}
        self._servers: list[ThreadingHTTPServer] = []
        self.ports: tuple[int, int] | None = None

    def answer(self, host: str, path: str) -> bytes:
        """The response body for a request path: the first app's mock file for it, else {"ok": true}."""
        parts = [p for p in unquote(path).split("/") if p]
        if not parts or any(p in (".", "..") or "\\" in p or "\x00" in p for p in parts):
            return DEFAULT_BODY
        claiming = [a for a in self.app_dirs if host in self.hosts[a]]
        for app in claiming + [a for a in self.app_dirs if a not in claiming]:
            mock_root = (app / "mock").resolve()
            candidate = mock_root.joinpath(*parts[:-1], parts[-1] + ".json").resolve()
            if mock_root not in candidate.parents or not candidate.is_file():
                continue
            if candidate.stat().st_size <= MAX_MOCK_BYTES:
                return candidate.read_bytes()
        return DEFAULT_BODY

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
        plain = _PlainServer(("127.0.0.1", 0), handler)
        secure = _TLSServer(("127.0.0.1", 0), handler)
        secure.context = context
        self._servers = [plain, secure]
        for server in self._servers:
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                             name=f"fixture-backend-{server.server_address[1]}", daemon=True).start()
        self.ports = (int(plain.server_address[1]), int(secure.server_address[1]))
        return self.ports

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers = []
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

