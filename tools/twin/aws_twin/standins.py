"""Stand-ins on 127.0.0.1 for the services outside AWS that the deployed shape talks to: the identity
provider (its JWKS over HTTPS, and the tokens it would issue) and Slack's incoming webhook."""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _serve(handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class IdentityProvider:
    """An RS256 key pair whose public half is served as a JWKS over HTTPS (a self-signed certificate the
    Lambda process trusts through NODE_EXTRA_CA_CERTS, as the authorizer requires an https JWKS URL)."""

    def __init__(self, issuer: str, audience: str):
        self.issuer, self.audience = issuer, audience
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.dir = tempfile.TemporaryDirectory(prefix="finlake-twin-idp-")
        cert, key = Path(self.dir.name) / "cert.pem", Path(self.dir.name) / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True,
        )  # fmt: skip
        self.ca = cert
        n = self.key.public_key().public_numbers()
        jwks = {"keys": [{"kty": "RSA", "kid": "twin", "alg": "RS256", "use": "sig",
                          "n": _b64(n.n.to_bytes((n.n.bit_length() + 7) // 8, "big")), "e": _b64(n.e.to_bytes(3, "big"))}]}  # fmt: skip
        body = json.dumps(jwks).encode()

        class Jwks(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
        self.server = _serve(Jwks, tls)
        self.jwks_url = f"https://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"

    def token(self, sub: str, portfolios, scope: str = "gold:read", ttl_s: int = 600) -> str:
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "kid": "twin"}
        claims = {"iss": self.issuer, "aud": self.audience, "sub": sub, "iat": now, "exp": now + ttl_s,
                  "portfolios": portfolios, "scope": scope}  # fmt: skip
        signing = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        sig = self.key.sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing}.{_b64(sig)}"

    def foreign_token(self, sub: str) -> str:
        """A well-formed token signed by a key the IdP never published."""
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        good = self.token(sub, "*").rsplit(".", 1)[0]
        return f"{good}.{_b64(other.sign(good.encode(), padding.PKCS1v15(), hashes.SHA256()))}"

    def stop(self) -> None:
        self.server.shutdown()
        self.dir.cleanup()


class SlackWebhook:
    """Slack's incoming webhook: keeps every POSTed message."""

    def __init__(self):
        self.messages: list[dict] = []
        messages = self.messages

        class Hook(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                messages.append(json.loads(self.rfile.read(n) or b"{}"))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *a):
                pass

        self.server = _serve(Hook)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/twin"

    def stop(self) -> None:
        self.server.shutdown()
