"""The witness over HTTP (c2sp.org/tlog-witness): `POST /add-checkpoint` and, for monitors,
`GET /<hex SHA-256 of the origin>/checkpoint`. The submission and monitoring prefixes are both the
server's root. Requests are bounded: a body is at most MAX_BODY bytes and must say its length."""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from candor_witness.witness import Refusal, Witness

MAX_BODY = 70_000  # a 64 KiB note, 63 proof lines and the old size line
TEXT = "text/plain; charset=utf-8"
logger = logging.getLogger("candor_witness")


class WitnessServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], witness: Witness) -> None:
        super().__init__(address, WitnessHandler)
        self.witness = witness

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class WitnessHandler(BaseHTTPRequestHandler):
    server: WitnessServer
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a client may take to send its request

    def _answer(self, status: int, body: str, content_type: str = TEXT) -> None:
        raw = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(raw)

    def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
        if self.path != "/add-checkpoint":
            self._answer(404, "POST /add-checkpoint is the only thing to post here\n")
            return
        length_header = self.headers.get("Content-Length")
        if length_header is None or not length_header.isdigit():
            self.close_connection = True
            self._answer(411, "say the body's length in Content-Length\n")
            return
        length = int(length_header)
        if length > MAX_BODY:
            self.close_connection = True
            self._answer(413, f"a request is at most {MAX_BODY} bytes\n")
            return
        body = self.rfile.read(length)
        try:
            cosignature = self.server.witness.add_checkpoint(body)
        except Refusal as refusal:
            self._answer(refusal.status, refusal.body, refusal.content_type)
            return
        except (OSError, ValueError, KeyError) as error:
            # Above all, never cosign without knowing what was cosigned before: a state file that
            # cannot be read or written stops cosigning until an operator looks.
            logger.error("cannot read or store the state: %r", error)
            self._answer(500, "the witness cannot read or store its state; its operator has been told\n")
            return
        self._answer(200, cosignature)

    def do_GET(self) -> None:  # noqa: N802
        parts = self.path.strip("/").split("/")
        if self.path == "/":
            self._answer(200, f"candor-witness {self.server.witness.cosigner.public.vkey}\n")
            return
        if len(parts) == 2 and parts[1] == "checkpoint":
            latest = self.server.witness.state.latest_by_hash(parts[0])
            if latest is not None:
                self._answer(200, latest.note)
                return
        self._answer(404, "no such checkpoint\n")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the signature http.server calls)
        logger.info("%s %s", self.address_string(), format % args)
